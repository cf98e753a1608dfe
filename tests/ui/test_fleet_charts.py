"""Fleet charts: data in, series values out; clicks emit; empty data shows text; the same
series objects serve every refresh; the dark palette reaches the charts."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from app.compliance.rules import RULES
from app.compliance.words import SETTING_WORDS, STATE_WORDS, setting_words
from app.domain import ComplianceState
from ui import theme
from ui.fleet.chart_base import nice_top
from ui.fleet.charts import BarListWidget, StateDonutWidget
from ui.fleet.time_charts import DailyBarsWidget, TrendWidget
from ui.widgets.state_swatch import STATES

COUNTS = {"compliant": 812, "noncompliant": 40, "inGracePeriod": 7, "error": 2}
FAILING = {"bitLockerEnabled": 30, "osMinimumVersion": 55, "tpmRequired": 4, "rtpEnabled": 0}
TREND = [
    ("2026-03-02", {"compliant": 90, "noncompliant": 10}),
    ("2026-03-01", {"compliant": 80, "noncompliant": 15, "error": 1}),
    ("2026-03-03", {"compliant": 95, "noncompliant": 4, "unknown": 2}),
]


def shown(qtbot: QtBot, widget: QWidget) -> QWidget:
    qtbot.addWidget(widget)
    widget.resize(320, 220)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def click_chart(
    qtbot: QtBot, widget: StateDonutWidget | BarListWidget | DailyBarsWidget, at: QPointF
) -> None:
    """A real left click at chart coordinates `at`."""
    QApplication.processEvents()
    pos = widget.view.mapFromScene(widget.chart.mapToScene(at))
    qtbot.mouseClick(widget.view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(pos))


# -- the donut --------------------------------------------------------------------------------


def test_donut_values_legend_and_total(qtbot: QtBot) -> None:
    donut = shown(qtbot, StateDonutWidget("Compliance"))
    assert isinstance(donut, StateDonutWidget)
    donut.set_data(COUNTS)
    assert [donut.slices[s].value() for s in STATES] == [812, 40, 7, 0, 0, 2, 0, 0]
    markers = donut.chart.legend().markers(donut.series)
    visible = [s for s, m in zip(STATES, markers, strict=True) if m.isVisible()]
    assert visible == ["compliant", "noncompliant", "inGracePeriod", "error"]
    # The count first: a legend cut short at 1024 px cuts the words, not the number.
    assert donut.slices["noncompliant"].label().startswith("40 ")
    assert donut.slices["noncompliant"].label().endswith("Not compliant")
    assert donut.total_item.text().replace(",", "") == "861"
    assert not donut.is_empty


def test_the_donut_legend_stays_inside_its_panel_in_the_smallest_window(qtbot: QtBot) -> None:
    """At 1024 px the panel is 260 wide: the legend asked for more than QtCharts gives one
    at the side and was drawn past the panel's edge, cut off there ("871 Not complia")."""
    donut = shown(qtbot, StateDonutWidget("Compliance states"))
    assert isinstance(donut, StateDonutWidget)
    donut.set_data({"compliant": 3895, "noncompliant": 871, "inGracePeriod": 45, "unknown": 189})
    for width in (440, 330, 260):  # a window made narrower too
        donut.resize(width, 205)
        qtbot.wait(20)
        legend = donut.chart.legend()
        assert legend.geometry().right() <= donut.chart.size().width(), width
    assert donut.chart.legend().showToolTips()  # an entry cut short says itself whole


def test_donut_reuses_its_series(qtbot: QtBot) -> None:
    donut = shown(qtbot, StateDonutWidget())
    assert isinstance(donut, StateDonutWidget)
    series, slices = donut.series, dict(donut.slices)
    donut.set_data(COUNTS)
    donut.set_data({"compliant": 5, "conflict": 1})
    assert donut.series is series and donut.chart.series() == [series]
    assert all(donut.slices[s] is slices[s] for s in STATES)
    assert donut.slices["noncompliant"].value() == 0 and donut.slices["conflict"].value() == 1


def test_donut_click_on_slice_emits_state(qtbot: QtBot) -> None:
    donut = shown(qtbot, StateDonutWidget())
    assert isinstance(donut, StateDonutWidget)
    donut.set_data({"noncompliant": 12})  # the whole ring is one slice
    area = donut.chart.plotArea()
    radius = min(area.width(), area.height()) / 2 * 0.75  # between the hole and the rim
    with qtbot.waitSignal(donut.state_clicked, timeout=2000) as signal:
        click_chart(qtbot, donut, QPointF(area.center().x(), area.center().y() - radius))
    assert signal.args == ["noncompliant"]


def test_donut_legend_click_emits_state(qtbot: QtBot) -> None:
    donut = shown(qtbot, StateDonutWidget())
    assert isinstance(donut, StateDonutWidget)
    donut.set_data(COUNTS)
    marker = donut.chart.legend().markers(donut.series)[STATES.index("inGracePeriod")]
    with qtbot.waitSignal(donut.state_clicked, timeout=1000) as signal:
        marker.clicked.emit()
    assert signal.args == ["inGracePeriod"]


def test_donut_empty_shows_text(qtbot: QtBot) -> None:
    donut = shown(qtbot, StateDonutWidget("Compliance"))
    assert isinstance(donut, StateDonutWidget)
    assert donut.is_empty and donut.empty_label.isVisible()
    donut.set_data(COUNTS)
    assert not donut.is_empty and donut.view.isVisible()
    donut.set_data({})
    assert donut.is_empty and "No devices yet" in donut.empty_label.text()


# -- bars -------------------------------------------------------------------------------------


def test_bar_list_ranks_and_names_settings(qtbot: QtBot) -> None:
    bars = shown(qtbot, BarListWidget.for_settings("Top failing settings"))
    assert isinstance(bars, BarListWidget)
    bars.set_data(FAILING)
    # Largest on top: Qt draws the first category at the bottom.
    assert bars.keys == ["tpmRequired", "bitLockerEnabled", "osMinimumVersion"]
    assert [bars.bar_set.at(i) for i in range(bars.bar_set.count())] == [4, 30, 55]
    assert bars.category_axis.categories() == ["TPM", "BitLocker", "Minimum OS version"]


def test_bar_list_limit_and_reuse(qtbot: QtBot) -> None:
    bars = shown(qtbot, BarListWidget("Windows builds", limit=2))
    assert isinstance(bars, BarListWidget)
    series, bar_set = bars.series, bars.bar_set
    bars.set_data({"24H2": 10, "23H2": 30, "22H2": 5})
    assert bars.keys == ["24H2", "23H2"]
    bars.set_data({"24H2": 11, "23H2": 31})
    bars.set_data({"24H2": 12})
    assert bars.series is series and bars.bar_set is bar_set
    assert bars.chart.series() == [series] and bars.series.barSets() == [bar_set]
    assert bars.keys == ["24H2"] and bar_set.at(0) == 12


def test_bar_click_emits_key(qtbot: QtBot) -> None:
    bars = shown(qtbot, BarListWidget.for_settings())
    assert isinstance(bars, BarListWidget)
    bars.set_data(FAILING)
    QApplication.processEvents()
    index = bars.keys.index("bitLockerEnabled")
    at = bars.chart.mapToPosition(QPointF(15, index), bars.series)
    with qtbot.waitSignal(bars.bar_clicked, timeout=2000) as signal:
        click_chart(qtbot, bars, at)
    assert signal.args == ["bitLockerEnabled"]


def test_bar_hover_names_the_setting_in_full(qtbot: QtBot) -> None:
    bars = shown(qtbot, BarListWidget.for_settings())
    assert isinstance(bars, BarListWidget)
    bars.set_data({"virtualizationBasedSecurityEnabled": 9, "tpmRequired": 2})
    bars.series.hovered.emit(True, 1, bars.bar_set)
    assert bars.view.toolTip() == "Virtualization-based security: 9"
    bars.series.hovered.emit(False, 1, bars.bar_set)
    assert bars.view.toolTip() == ""


def test_bar_list_empty_and_long_labels(qtbot: QtBot) -> None:
    bars = shown(qtbot, BarListWidget("Windows builds"))
    assert isinstance(bars, BarListWidget)
    bars.set_data({"none": 0})
    assert bars.is_empty and "Nothing to show" in bars.empty_label.text()
    long = "10.0.19045.5011 (Windows 10 22H2, extended support)"
    bars.set_data({long: 3, long + " again": 2})
    labels = bars.category_axis.categories()
    assert len(set(labels)) == 2 and all(len(label) < len(long) for label in labels)


# -- trend ------------------------------------------------------------------------------------


def test_trend_stacks_states_by_date(qtbot: QtBot) -> None:
    trend = shown(qtbot, TrendWidget("30 days"))
    assert isinstance(trend, TrendWidget)
    trend.set_data(TREND)
    compliant = [(p.x(), p.y()) for p in trend.uppers["compliant"].points()]
    assert compliant == [(0, 80), (1, 90), (2, 95)]
    top = trend.uppers[STATES[-1]].points()
    assert [p.y() for p in top] == [96, 100, 101]  # every state stacked: the totals
    assert trend.areas["error"].isVisible() and not trend.areas["conflict"].isVisible()
    assert trend.x_axis.categoriesLabels()[0] == "1 Mar"
    assert trend.y_axis.max() >= 101


def test_trend_empty_and_single_point(qtbot: QtBot) -> None:
    trend = shown(qtbot, TrendWidget("30 days"))
    assert isinstance(trend, TrendWidget)
    trend.set_data([])
    assert trend.is_empty and "No daily snapshots yet" in trend.empty_label.text()
    trend.set_data(TREND[:1])
    assert not trend.is_empty
    points = trend.uppers["compliant"].points()
    assert len(points) == 2 and {p.y() for p in points} == {90}  # a column, not a dot
    assert trend.x_axis.min() < points[0].x() < points[1].x() < trend.x_axis.max()


def test_trend_reuses_series_and_axes(qtbot: QtBot) -> None:
    trend = shown(qtbot, TrendWidget())
    assert isinstance(trend, TrendWidget)
    before = (dict(trend.areas), dict(trend.uppers), trend.x_axis, trend.y_axis)
    trend.set_data(TREND)
    trend.set_data(TREND[1:])
    assert (dict(trend.areas), dict(trend.uppers), trend.x_axis, trend.y_axis) == before
    assert len(trend.chart.series()) == len(STATES)


# -- daily bars -------------------------------------------------------------------------------


def test_daily_bars_fill_missing_days(qtbot: QtBot) -> None:
    daily = shown(qtbot, DailyBarsWidget("Enrolled per day"))
    assert isinstance(daily, DailyBarsWidget)
    daily.set_data([("2026-03-04", 2), ("2026-03-01", 5)])
    assert daily.days == ["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04"]
    assert [daily.bar_set.at(i) for i in range(daily.bar_set.count())] == [5, 0, 0, 2]
    set_before = daily.bar_set
    daily.set_data([("2026-03-01", 1)])
    assert daily.bar_set is set_before and daily.series.barSets() == [set_before]
    assert daily.days == ["2026-03-01"] and not daily.is_empty
    daily.set_data([])
    assert daily.is_empty and "No devices enrolled yet" in daily.empty_label.text()


def test_daily_bar_click_emits_day(qtbot: QtBot) -> None:
    daily = shown(qtbot, DailyBarsWidget())
    assert isinstance(daily, DailyBarsWidget)
    daily.set_data([("2026-03-01", 5), ("2026-03-02", 8), ("2026-03-03", 6)])
    QApplication.processEvents()
    at = daily.chart.mapToPosition(QPointF(1, 4), daily.series)
    with qtbot.waitSignal(daily.day_clicked, timeout=2000) as signal:
        click_chart(qtbot, daily, at)
    assert signal.args == ["2026-03-02"]


def test_nice_axis_tops() -> None:
    assert nice_top(0) == (1, 2)
    assert nice_top(3) == (3, 4)
    assert nice_top(101) == (150, 4)
    assert nice_top(4870) == (5000, 6)
    assert all(nice_top(n)[0] >= n for n in range(0, 5000, 37))


def test_renders_to_png(qtbot: QtBot, tmp_path: Path) -> None:
    trend = shown(qtbot, TrendWidget("30 days"))
    assert isinstance(trend, TrendWidget)
    trend.set_data(TREND)
    assert trend.grab().save(str(tmp_path / "trend.png"))
    assert (tmp_path / "trend.png").stat().st_size > 1000


# -- words and theme --------------------------------------------------------------------------


def test_every_evaluated_setting_and_state_has_words() -> None:
    assert {r.setting for r in RULES} <= set(SETTING_WORDS)
    assert set(STATE_WORDS) == {s.value for s in ComplianceState}
    assert setting_words("bitLockerEnabled") == "BitLocker"
    assert setting_words("someNewSetting") == "Some new setting"


def test_palettes_share_keys_and_fill_every_placeholder() -> None:
    assert set(theme.PALETTES["light"]) == set(theme.PALETTES["dark"])
    for name in theme.PALETTES:
        assert "@" not in theme.stylesheet(name)


def test_theme_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(theme.THEME_ENV, raising=False)
    assert theme.chosen() == "light"
    monkeypatch.setenv(theme.THEME_ENV, "Dark")
    assert theme.chosen() == "dark"
    monkeypatch.setenv(theme.THEME_ENV, "purple")
    assert theme.chosen() == "light"


def test_dark_theme_reaches_palette_and_charts(qtbot: QtBot, restore_theme: QApplication) -> None:
    donut = shown(qtbot, StateDonutWidget())
    assert isinstance(donut, StateDonutWidget)
    theme.apply(restore_theme, "dark")
    QApplication.processEvents()
    dark = theme.PALETTES["dark"]
    assert theme.current() == "dark"
    assert restore_theme.palette().color(QPalette.ColorRole.Window) == QColor(dark["@bg"])
    assert donut.chart.backgroundBrush().color() == QColor(dark["@chart_bg"])
    assert donut.slices["compliant"].color() == QColor(dark["@state_compliant"])
    theme.apply(restore_theme, "light")
    QApplication.processEvents()
    assert donut.chart.backgroundBrush().color() == QColor(theme.PALETTES["light"]["@chart_bg"])
