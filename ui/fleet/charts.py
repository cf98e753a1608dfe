"""Fleet dashboard charts of categories: the states donut and ranked bar lists.

Each takes plain data in `set_data(...)` and redraws in place: the dashboard refreshes every
second, so the series built once get new values; animations are off.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSet,
    QHorizontalBarSeries,
    QPieSeries,
    QPieSlice,
    QValueAxis,
)
from PySide6.QtCore import (
    QCoreApplication,
    QLocale,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QFontMetrics,
)
from PySide6.QtWidgets import QGraphicsSimpleTextItem, QWidget

from app.services import setting_words
from ui import theme
from ui.fleet.chart_base import (
    BOTTOM,
    LEFT,
    ChartWidget,
    replace_values,
    small_font,
)
from ui.widgets.state_swatch import STATES, state_colour
from ui.words import shown

log = logging.getLogger(__name__)


class StateDonutWidget(ChartWidget):
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
        legend.setShowToolTips(True)  # an entry cut short says itself whole
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
            # The count first: a legend cut short in a narrow window ("Not compliant 87" for
            # 871) cuts the words, never the number.
            label = f"{locale.toString(count)}  {shown('compliance_state', state)}"
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

    def _relabel(self) -> None:
        self._fit_legend()  # the width changed

    def _fit_legend(self) -> None:
        """Wide enough for its longest entry, up to what QtCharts gives a legend at the
        side: 40 % of the chart (measured: 104 of 260 px in a 1024-pixel window). Asked
        for more, it was drawn past the widget's edge and cut off there ("871 Not
        complia"); within it, QtCharts ends a long entry in "..." and its tooltip says it
        whole. The count comes first, so it is the words that are cut."""
        metrics = QFontMetrics(self.chart.legend().font())
        shown_labels = [p.label() for s, p in self.slices.items() if self.counts[s] > 0]
        widest = max((metrics.horizontalAdvance(t) for t in shown_labels), default=0)
        needed = widest + 4 * metrics.height() + 24  # the marker, its gap, the margins
        width = min(needed, self.width() * 2 // 5)
        legend = self.chart.legend()
        if legend.minimumWidth() != width or legend.maximumWidth() != width:
            legend.setMinimumWidth(width)  # and no wider: after a narrower window, the
            legend.setMaximumWidth(width)  # legend kept the width it had been given

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


class BarListWidget(ChartWidget):
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
        self._add_axis(self.category_axis, LEFT)
        self._add_axis(self.value_axis, BOTTOM)
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
        replace_values(self.bar_set, [n for n, _k in top])
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
