"""Fleet dashboard charts over time: the state trend from daily snapshots and the devices
enrolled per day. Plain data in `set_data(...)`, redrawn in place."""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from datetime import date, timedelta

from PySide6.QtCharts import (
    QAreaSeries,
    QBarSeries,
    QBarSet,
    QCategoryAxis,
    QChart,
    QLineSeries,
    QValueAxis,
)
from PySide6.QtCore import (
    QDate,
    QLocale,
    QMargins,
    QPointF,
    Signal,
)
from PySide6.QtWidgets import QWidget

from ui import theme
from ui.fleet.chart_base import (
    BOTTOM,
    DATE_MARGIN_PX,
    LABEL_GAP_PX,
    LEFT,
    MAX_LABELLED_BARS,
    SINGLE_HALF_WIDTH,
    ChartWidget,
    replace_values,
    small_font,
    value_axis,
)
from ui.widgets.state_swatch import STATES, state_colour
from ui.words import shown

log = logging.getLogger(__name__)


def _days(rows: Sequence[tuple[str, object]]) -> tuple[date, list[int]]:
    """The first date and each row's day offset from it (rows sorted by date)."""
    first = date.fromisoformat(rows[0][0])
    return first, [(date.fromisoformat(day) - first).days for day, _ in rows]


def _date_labels(axis: QCategoryAxis, first: date, span: int, width: float) -> None:
    """Date labels on whole days, at least LABEL_GAP_PX apart, the first day always shown."""
    fits = max(1, int(width // LABEL_GAP_PX))
    step = max(1, math.ceil((span + 1) / fits))
    locale = QLocale()
    wanted: list[tuple[str, int]] = []
    for offset in range(0, span + 1, step):
        day = first + timedelta(days=offset)
        wanted.append((locale.toString(QDate(day.year, day.month, day.day), "d MMM"), offset))
    have = [(label, round(axis.endValue(label))) for label in axis.categoriesLabels()]
    if have == wanted:  # the every-second refresh usually lands here
        return
    for label, _offset in have:
        axis.remove(label)
    for label, offset in wanted:
        axis.append(label, offset)


def _date_chart(chart: QChart) -> None:
    chart.setMargins(QMargins(4, 2, DATE_MARGIN_PX, 2))


def _day_and_count_axes(widget: ChartWidget) -> tuple[QCategoryAxis, QValueAxis]:
    """Days along the bottom, whole counts up the left: what both charts over time use."""
    _date_chart(widget.chart)
    days, counts = _day_axis(), QValueAxis()
    counts.setLabelFormat("%d")
    widget._add_axis(days, BOTTOM)
    widget._add_axis(counts, LEFT)
    return days, counts


def _day_axis() -> QCategoryAxis:
    axis = QCategoryAxis()
    axis.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
    axis.setGridLineVisible(False)
    return axis


class TrendWidget(ChartWidget):
    """Devices per compliance state over time, stacked: [("2026-03-01", {state: n}), ...].

    Draws what it is given (the screen picks 30 or 90 days); one snapshot shows as points,
    none as a line of text.
    """

    def __init__(self, title: str = "", parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.uppers: dict[str, QLineSeries] = {}
        self.areas: dict[str, QAreaSeries] = {}
        self.x_axis, self.y_axis = _day_and_count_axes(self)
        self._baseline = QLineSeries()
        lower = self._baseline
        for state in STATES:
            upper = QLineSeries()
            area = QAreaSeries(upper, lower)
            area.setName(shown("compliance_state", state))
            self.chart.addSeries(area)
            area.attachAxis(self.x_axis)
            area.attachAxis(self.y_axis)
            area.hovered.connect(
                lambda point, inside, state=state: self._on_area_hovered(state, point, inside)
            )
            self.uppers[state], self.areas[state] = upper, area
            lower = upper
        # Seven names do not fit under a 320 px chart; the donut beside it is the key, and
        # hovering a band names it with its count.
        self.chart.legend().hide()
        self._first = date.today()
        self._span = 0
        self._rows: list[tuple[str, Mapping[str, int]]] = []
        self._finish()

    def _empty_text(self) -> str:
        return self.tr("No daily snapshots yet")

    def set_data(self, rows: Sequence[tuple[str, Mapping[str, int]]]) -> None:
        rows = sorted(rows, key=lambda row: row[0])
        self._rows = rows
        if not rows:
            self._show_empty(True)
            return
        self._first, offsets = _days(rows)
        self._span = offsets[-1]
        xs = [float(x) for x in offsets]
        if len(rows) == 1:  # one snapshot: a column for its day, not a lone dot
            rows, xs = [rows[0], rows[0]], [-SINGLE_HALF_WIDTH, SINGLE_HALF_WIDTH]
        running = [0] * len(rows)
        self._baseline.replace([QPointF(x, 0) for x in xs])
        for state in STATES:
            counts = [int(states.get(state, 0)) for _day, states in rows]
            running = [r + n for r, n in zip(running, counts, strict=True)]
            self.uppers[state].replace([QPointF(x, y) for x, y in zip(xs, running, strict=True)])
            self.areas[state].setVisible(any(counts))
        pad = 0.5 if self._span == 0 else 0.0
        self.x_axis.setRange(-pad, self._span + pad)
        value_axis(self.y_axis, max(running))
        self._relabel()
        self._show_empty(False)

    def _on_area_hovered(self, state: str, point: QPointF, inside: bool) -> None:
        if not inside or not self._rows:
            self.view.setToolTip("")
            return
        wanted = self._first + timedelta(days=round(point.x()))
        day, states = min(
            self._rows, key=lambda row: abs((date.fromisoformat(row[0]) - wanted).days)
        )
        count = QLocale().toString(int(states.get(state, 0)))
        self.view.setToolTip(f"{shown('compliance_state', state)}: {count} ({day})")

    def _relabel(self) -> None:
        _date_labels(self.x_axis, self._first, self._span, self._plot_width())

    def apply_theme(self) -> None:
        super().apply_theme()
        for state, area in self.areas.items():
            colour = state_colour(state)
            area.setColor(colour)
            area.setBorderColor(colour.darker(115))


class DailyBarsWidget(ChartWidget):
    """Devices enrolled per day at the bench: [("2026-03-01", 14), ...]. Days missing between
    the first and the last count as 0, so the bars keep time. A click emits `day_clicked`."""

    day_clicked = Signal(str)

    def __init__(self, title: str = "", parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.bar_set = QBarSet("")
        self.series = QBarSeries()
        self.series.append(self.bar_set)
        self.series.setBarWidth(0.8)
        self.chart.addSeries(self.series)
        self.chart.legend().hide()
        self.x_axis, self.y_axis = _day_and_count_axes(self)
        self.series.attachAxis(self.x_axis)
        self.series.attachAxis(self.y_axis)
        self.days: list[str] = []
        self._first = date.today()
        self._span = 0
        self.series.clicked.connect(self._on_series_clicked)
        self._finish()

    def _empty_text(self) -> str:
        return self.tr("No devices enrolled yet")

    def set_data(self, rows: Sequence[tuple[str, int]]) -> None:
        rows = sorted(rows, key=lambda row: row[0])
        if not rows:
            self.days = []
            replace_values(self.bar_set, [])
            self._show_empty(True)
            return
        first, offsets = _days(rows)
        values = [0] * (offsets[-1] + 1)
        for offset, (_day, count) in zip(offsets, rows, strict=True):
            values[offset] += int(count)
        self.days = [(first + timedelta(days=i)).isoformat() for i in range(len(values))]
        replace_values(self.bar_set, values)
        labelled = len(values) <= MAX_LABELLED_BARS
        self.series.setLabelsVisible(labelled)
        self.x_axis.setRange(-0.5, len(values) - 0.5)
        top = max(values)
        value_axis(self.y_axis, math.ceil(top * 1.12) if labelled else top)  # room for labels
        self._first, self._span = first, len(values) - 1
        self._relabel()
        self._show_empty(False)

    def _relabel(self) -> None:
        _date_labels(self.x_axis, self._first, self._span, self._plot_width())

    def apply_theme(self) -> None:
        super().apply_theme()
        colour = theme.colour("chart_bar")
        self.bar_set.setColor(colour)
        self.bar_set.setBorderColor(colour)
        self.bar_set.setLabelColor(theme.colour("chart_text"))
        self.bar_set.setLabelFont(small_font())
        self.series.setLabelsPosition(QBarSeries.LabelsPosition.LabelsOutsideEnd)

    def _on_series_clicked(self, index: int, _bars: QBarSet) -> None:
        if 0 <= index < len(self.days):
            self.day_clicked.emit(self.days[index])
