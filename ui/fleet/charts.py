"""Fleet dashboard charts. Each takes plain data in `set_data(...)` and redraws in place.

The dashboard refreshes every second, so `set_data` updates the series it built once (values,
labels, axis ranges) and never rebuilds the chart; animations are off. Colours come from the
applied theme (`ui.theme.colour`) and follow a palette change.
"""

from __future__ import annotations

import html
import logging
import math
from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta

from PySide6.QtCharts import (
    QAbstractAxis,
    QAreaSeries,
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QCategoryAxis,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QLineSeries,
    QPieSeries,
    QPieSlice,
    QValueAxis,
)
from PySide6.QtCore import (
    QCoreApplication,
    QDate,
    QEvent,
    QLocale,
    QMargins,
    QPointF,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPalette,
    QPen,
    QResizeEvent,
)
from PySide6.QtWidgets import QGraphicsSimpleTextItem, QLabel, QStackedLayout, QWidget

from app.compliance.words import setting_words
from app.domain import ComplianceState
from ui import theme
from ui.words import shown

log = logging.getLogger(__name__)

STATES: tuple[str, ...] = tuple(s.value for s in ComplianceState)
SMALL_PT = 7.5  # axis and legend text: readable in a 320x220 tile at 1366x768
LABEL_GAP_PX = 64  # least room between two date labels
DATE_MARGIN_PX = 16  # room right of the plot for half of the last date label
MAX_LABELLED_BARS = 10  # more daily bars than this and the counts move to the axis alone
SINGLE_HALF_WIDTH = 0.3  # a lone snapshot is drawn this many days either side of its day
_BOTTOM = Qt.AlignmentFlag.AlignBottom
_LEFT = Qt.AlignmentFlag.AlignLeft


def small_font(points: float = SMALL_PT, *, bold: bool = False) -> QFont:
    font = QFont()
    font.setPointSizeF(points)
    font.setBold(bold)
    return font


def state_colour(state: str) -> QColor:
    return theme.colour(f"state_{state}") if state in STATES else theme.colour("chart_bar")


def nice_top(top: int) -> tuple[int, int]:
    """An axis maximum at or above `top` and its tick count: at most 5 whole, round steps."""
    if top <= 4:
        top = max(top, 1)
        return top, top + 1
    magnitude = 10 ** math.floor(math.log10(top / 5))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude * 5 >= top)
    ticks = math.ceil(top / step)
    return ticks * step, ticks + 1


def _value_axis(axis: QValueAxis, top: int) -> None:
    maximum, ticks = nice_top(top)
    axis.setRange(0, maximum)
    axis.setTickCount(ticks)


class _ChartWidget(QWidget):
    """A chart view, or a line of text in its place while there is nothing to draw."""

    def __init__(self, title: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.chart = QChart()
        self.chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        self.chart.setBackgroundRoundness(0)
        self.chart.setMargins(QMargins(4, 2, 4, 2))
        self.chart.layout().setContentsMargins(0, 0, 0, 0)
        self.chart.setTitle(title)
        self.chart.setTitleFont(small_font(9, bold=True))
        self.chart.legend().setFont(small_font())
        self.view = QChartView(self.chart)
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setFrameShape(QChartView.Shape.NoFrame)
        self.empty_label = QLabel()
        self.empty_label.setObjectName("chartEmpty")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.empty_label.setAutoFillBackground(True)
        self._title = title
        self._stack = QStackedLayout(self)
        self._stack.setContentsMargins(0, 0, 0, 0)
        self._stack.addWidget(self.view)
        self._stack.addWidget(self.empty_label)
        self.setMinimumSize(240, 160)

    @property
    def is_empty(self) -> bool:
        return self._stack.currentWidget() is self.empty_label

    def _show_empty(self, empty: bool) -> None:
        if empty:
            text = html.escape(self._empty_text())
            if self._title:
                text = f"<b>{html.escape(self._title)}</b><br><br>{text}"
            self.empty_label.setText(text)
        self._stack.setCurrentWidget(self.empty_label if empty else self.view)
        self.setProperty("empty", empty)

    def _empty_text(self) -> str:
        return self.tr("No data yet")

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        ready = getattr(self, "_ready", False)  # Qt may send one before __init__ is done
        if ready and event.type() in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange):
            self.apply_theme()
        super().changeEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        if getattr(self, "_ready", False) and not self.is_empty:
            self._relabel()

    def _relabel(self) -> None:
        """Lay out labels that depend on the width (date labels); nothing by default."""

    def _finish(self) -> None:
        """The subclass has built its series: colour them, and start empty."""
        self._ready = True
        self.apply_theme()
        self._show_empty(True)

    def apply_theme(self) -> None:
        """Repaint with the applied palette's chart colours (also run on a palette change)."""
        background, text = theme.colour("chart_bg"), theme.colour("chart_text")
        self.chart.setBackgroundBrush(background)
        self.chart.setBackgroundPen(QPen(Qt.PenStyle.NoPen))
        self.chart.setTitleBrush(text)
        self.chart.legend().setLabelColor(text)
        self.view.setBackgroundBrush(background)
        palette = self.empty_label.palette()
        palette.setColor(QPalette.ColorRole.Window, background)
        palette.setColor(QPalette.ColorRole.WindowText, theme.colour("muted"))
        self.empty_label.setPalette(palette)
        for axis in self.chart.axes():
            self._colour_axis(axis)

    @staticmethod
    def _colour_axis(axis: QAbstractAxis) -> None:
        grid = theme.colour("chart_grid")
        axis.setLabelsColor(theme.colour("chart_text"))
        axis.setLabelsFont(small_font())
        axis.setGridLineColor(grid)
        axis.setLinePenColor(grid)
        axis.setTruncateLabels(False)  # labels are sized here; Qt's "..." would hide them

    def _plot_width(self) -> float:
        return self.chart.plotArea().width() or max(self.width() - 60, LABEL_GAP_PX)

    def _add_axis(self, axis: QAbstractAxis, where: Qt.AlignmentFlag) -> None:
        self.chart.addAxis(axis, where)
        self._colour_axis(axis)


class StateDonutWidget(_ChartWidget):
    """The seven compliance states as a donut, the total in the hole, counts in the legend.

    `set_data({"compliant": 812, "noncompliant": 40, ...})`; missing states count 0 and are
    left out of the legend. A click on a slice or its legend entry emits `state_clicked`.
    """

    state_clicked = Signal(str)

    def __init__(self, title: str = "", parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.series = QPieSeries()
        self.series.setHoleSize(0.58)
        self.series.setPieSize(0.92)
        self.slices: dict[str, QPieSlice] = {}
        for state in STATES:
            piece = self.series.append(shown("compliance_state", state), 0)
            piece.setBorderWidth(1)
            self.slices[state] = piece
        self.chart.addSeries(self.series)
        legend = self.chart.legend()
        legend.setAlignment(Qt.AlignmentFlag.AlignRight)
        legend.setMarkerShape(legend.MarkerShape.MarkerShapeCircle)
        for state, marker in zip(STATES, legend.markers(self.series), strict=True):
            marker.clicked.connect(lambda state=state: self.state_clicked.emit(state))
        self.series.clicked.connect(self._on_series_clicked)
        self.series.hovered.connect(self._on_series_hovered)
        self.total_item = QGraphicsSimpleTextItem(self.chart)
        self.total_item.setFont(small_font(13, bold=True))
        self.caption_item = QGraphicsSimpleTextItem(self.chart)
        self.caption_item.setFont(small_font())
        self.chart.plotAreaChanged.connect(self._place_total)
        self.counts: dict[str, int] = dict.fromkeys(STATES, 0)
        self._finish()

    def _empty_text(self) -> str:
        return self.tr("No devices yet")

    def set_data(self, counts: Mapping[str, int]) -> None:
        self.counts = {state: int(counts.get(state, 0)) for state in STATES}
        locale = QLocale()
        markers = self.chart.legend().markers(self.series)
        for (state, piece), marker in zip(self.slices.items(), markers, strict=True):
            count = self.counts[state]
            if piece.value() != count:
                piece.setValue(count)
            label = f"{shown('compliance_state', state)}  {locale.toString(count)}"
            if piece.label() != label:
                piece.setLabel(label)
            marker.setVisible(count > 0)
        self._fit_legend()
        total = sum(self.counts.values())
        self.total_item.setText(locale.toString(total))
        self.caption_item.setText(self.tr("devices", "", total))
        self._place_total()
        self._show_empty(total == 0)

    def apply_theme(self) -> None:
        super().apply_theme()
        background = theme.colour("chart_bg")
        for state, piece in self.slices.items():
            piece.setColor(state_colour(state))
            piece.setBorderColor(background)
        text = theme.colour("chart_text")
        self.total_item.setBrush(text)
        self.caption_item.setBrush(theme.colour("muted"))

    def _fit_legend(self) -> None:
        """Wide enough for its longest entry, so no count is cut to "..."."""
        metrics = QFontMetrics(self.chart.legend().font())
        shown_labels = [p.label() for s, p in self.slices.items() if self.counts[s] > 0]
        widest = max((metrics.horizontalAdvance(t) for t in shown_labels), default=0)
        width = min(widest + 3 * metrics.height() + 12, self.width() * 11 // 20)
        legend = self.chart.legend()
        if legend.minimumWidth() != width:
            legend.setMinimumWidth(width)

    def _place_total(self) -> None:
        centre = self.chart.plotArea().center()
        number, caption = self.total_item.boundingRect(), self.caption_item.boundingRect()
        top = centre.y() - (number.height() + caption.height()) / 2
        self.total_item.setPos(centre.x() - number.width() / 2, top)
        self.caption_item.setPos(centre.x() - caption.width() / 2, top + number.height())

    def _state_of(self, piece: QPieSlice) -> str | None:
        return next((s for s, p in self.slices.items() if p is piece), None)

    def _on_series_clicked(self, piece: QPieSlice) -> None:
        state = self._state_of(piece)
        if state is not None:
            self.state_clicked.emit(state)

    def _on_series_hovered(self, piece: QPieSlice, inside: bool) -> None:
        piece.setExploded(inside)
        piece.setExplodeDistanceFactor(0.04)
        self.view.setCursor(
            Qt.CursorShape.PointingHandCursor if inside else Qt.CursorShape.ArrowCursor
        )


def _replace_values(bars: QBarSet, values: Sequence[float]) -> None:
    """Same set, new values: in place when the length holds, else emptied and refilled."""
    if bars.count() == len(values):
        for index, value in enumerate(values):
            if bars.at(index) != value:
                bars.replace(index, value)
        return
    bars.remove(0, bars.count())
    bars.append(list(values))


class BarListWidget(_ChartWidget):
    """Horizontal bars, largest on top: label -> count. A click emits `bar_clicked(key)`.

    `words` turns a key into its label (the key itself by default); `for_settings()` gives
    the "top failing settings" chart, which names Graph settings in words.
    """

    bar_clicked = Signal(str)

    def __init__(
        self,
        title: str = "",
        parent: QWidget | None = None,
        *,
        words: Callable[[str], str] | None = None,
        limit: int = 8,
        colour_key: str = "chart_bar",
    ) -> None:
        super().__init__(title, parent)
        self._words = words or str
        self._limit = limit
        self._colour_key = colour_key
        self.keys: list[str] = []
        self.bar_set = QBarSet("")
        self.series = QHorizontalBarSeries()
        self.series.append(self.bar_set)
        self.series.setBarWidth(0.72)
        self.series.setLabelsVisible(True)
        self.series.setLabelsPosition(QHorizontalBarSeries.LabelsPosition.LabelsOutsideEnd)
        self.series.setLabelsPrecision(9)
        self.chart.addSeries(self.series)
        self.chart.legend().hide()
        self.category_axis = QBarCategoryAxis()
        self.value_axis = QValueAxis()
        self._add_axis(self.category_axis, _LEFT)
        self._add_axis(self.value_axis, _BOTTOM)
        self.series.attachAxis(self.category_axis)
        self.series.attachAxis(self.value_axis)
        self.value_axis.setVisible(False)
        self.category_axis.setGridLineVisible(False)
        self.series.clicked.connect(self._on_series_clicked)
        self.series.hovered.connect(self._on_series_hovered)
        self._finish()

    @classmethod
    def for_settings(cls, title: str = "", parent: QWidget | None = None) -> BarListWidget:
        def words(setting: str) -> str:
            return QCoreApplication.translate("settings", setting_words(setting))

        return cls(title, parent, words=words, colour_key="state_noncompliant")

    def _empty_text(self) -> str:
        return self.tr("Nothing to show")

    def set_data(self, counts: Mapping[str, int]) -> None:
        """key -> count; the `limit` largest non-zero counts are shown."""
        ranked = sorted(((n, k) for k, n in counts.items() if n > 0), key=lambda p: (-p[0], p[1]))
        top = ranked[: self._limit][::-1]  # the first category is drawn at the bottom
        self.keys = [k for _n, k in top]
        _replace_values(self.bar_set, [n for n, _k in top])
        self._relabel()
        biggest = top[-1][0] if top else 1
        self.value_axis.setRange(0, biggest * 1.18 + 0.5)  # room for the value beside the bar
        self._show_empty(not top)

    def _relabel(self) -> None:
        labels = self._labels(self.keys)
        if self.category_axis.categories() != labels:
            self.category_axis.setCategories(labels)

    def _labels(self, keys: Sequence[str]) -> list[str]:
        # Qt gives the axis about a third of the chart; a longer label would run off the left.
        metrics = QFontMetrics(small_font())
        room = max(80, self.width() * 9 // 25)
        labels: list[str] = []
        for key in keys:
            label = metrics.elidedText(self._words(key), Qt.TextElideMode.ElideRight, room)
            while label in labels:  # categories must be unique; the eye won't see the space
                label += "\u200b"
            labels.append(label)
        return labels

    def apply_theme(self) -> None:
        super().apply_theme()
        colour = theme.colour(self._colour_key)
        self.bar_set.setColor(colour)
        self.bar_set.setBorderColor(colour)
        self.bar_set.setLabelColor(theme.colour("chart_text"))
        self.bar_set.setLabelFont(small_font())

    def _on_series_clicked(self, index: int, _bars: QBarSet) -> None:
        if 0 <= index < len(self.keys):
            self.bar_clicked.emit(self.keys[index])

    def _on_series_hovered(self, inside: bool, index: int, bars: QBarSet) -> None:
        """The full name (labels may be shortened) and the count, and a hand to click."""
        if not inside or not 0 <= index < len(self.keys):
            self.view.setToolTip("")
            self.view.unsetCursor()
            return
        count = QLocale().toString(int(bars.at(index)))
        self.view.setToolTip(f"{self._words(self.keys[index])}: {count}")  # Qt shows it on rest
        self.view.setCursor(Qt.CursorShape.PointingHandCursor)


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


def _day_axis() -> QCategoryAxis:
    axis = QCategoryAxis()
    axis.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
    axis.setGridLineVisible(False)
    return axis


class TrendWidget(_ChartWidget):
    """Devices per compliance state over time, stacked: [("2026-03-01", {state: n}), ...].

    Draws what it is given (the screen picks 30 or 90 days); one snapshot shows as points,
    none as a line of text.
    """

    def __init__(self, title: str = "", parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.uppers: dict[str, QLineSeries] = {}
        self.areas: dict[str, QAreaSeries] = {}
        self.x_axis = _day_axis()
        _date_chart(self.chart)
        self.y_axis = QValueAxis()
        self.y_axis.setLabelFormat("%d")
        self._add_axis(self.x_axis, _BOTTOM)
        self._add_axis(self.y_axis, _LEFT)
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
        _value_axis(self.y_axis, max(running))
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


class DailyBarsWidget(_ChartWidget):
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
        self.x_axis = _day_axis()
        _date_chart(self.chart)
        self.y_axis = QValueAxis()
        self.y_axis.setLabelFormat("%d")
        self._add_axis(self.x_axis, _BOTTOM)
        self._add_axis(self.y_axis, _LEFT)
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
            _replace_values(self.bar_set, [])
            self._show_empty(True)
            return
        first, offsets = _days(rows)
        values = [0] * (offsets[-1] + 1)
        for offset, (_day, count) in zip(offsets, rows, strict=True):
            values[offset] += int(count)
        self.days = [(first + timedelta(days=i)).isoformat() for i in range(len(values))]
        _replace_values(self.bar_set, values)
        labelled = len(values) <= MAX_LABELLED_BARS
        self.series.setLabelsVisible(labelled)
        self.x_axis.setRange(-0.5, len(values) - 0.5)
        top = max(values)
        _value_axis(self.y_axis, math.ceil(top * 1.12) if labelled else top)  # room for labels
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
