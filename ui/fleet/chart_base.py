"""What the Fleet charts share: small fonts, theme colours, axes and the chart frame
(a QChartView, its title, and an empty-state text instead of a blank chart)."""

from __future__ import annotations

import html
import logging
import math
from collections.abc import Sequence

from PySide6.QtCharts import (
    QAbstractAxis,
    QBarSet,
    QChart,
    QChartView,
    QValueAxis,
)
from PySide6.QtCore import (
    QEvent,
    QMargins,
    Qt,
)
from PySide6.QtGui import (
    QFont,
    QPainter,
    QPalette,
    QPen,
    QResizeEvent,
)
from PySide6.QtWidgets import QLabel, QStackedLayout, QWidget

from ui import theme

log = logging.getLogger(__name__)

SMALL_PT = 7.5  # axis and legend text: readable in a 320x220 tile at 1366x768
LABEL_GAP_PX = 64  # least room between two date labels
DATE_MARGIN_PX = 16  # room right of the plot for half of the last date label
MAX_LABELLED_BARS = 10  # more daily bars than this and the counts move to the axis alone
SINGLE_HALF_WIDTH = 0.3  # a lone snapshot is drawn this many days either side of its day
BOTTOM = Qt.AlignmentFlag.AlignBottom
LEFT = Qt.AlignmentFlag.AlignLeft


def small_font(points: float = SMALL_PT, *, bold: bool = False) -> QFont:
    font = QFont()
    font.setPointSizeF(points)
    font.setBold(bold)
    return font


def nice_top(top: int) -> tuple[int, int]:
    """An axis maximum at or above `top` and its tick count: at most 5 whole, round steps."""
    if top <= 4:
        top = max(top, 1)
        return top, top + 1
    magnitude = 10 ** math.floor(math.log10(top / 5))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude * 5 >= top)
    ticks = math.ceil(top / step)
    return ticks * step, ticks + 1


def value_axis(axis: QValueAxis, top: int) -> None:
    maximum, ticks = nice_top(top)
    axis.setRange(0, maximum)
    axis.setTickCount(ticks)


class ChartWidget(QWidget):
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
        # Nothing to do with keys here (the tiles and filters open the same lists): Tab
        # passes charts by instead of stopping four times on nothing it can show.
        self.view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
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


def replace_values(bars: QBarSet, values: Sequence[float]) -> None:
    """Same set, new values: in place when the length holds, else emptied and refilled."""
    if bars.count() == len(values):
        for index, value in enumerate(values):
            if bars.at(index) != value:
                bars.replace(index, value)
        return
    bars.remove(0, bars.count())
    bars.append(list(values))
