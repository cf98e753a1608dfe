"""The devices as a table, one view for the Devices and the Fleet screens.

A paged DeviceTableModel behind it; sortable by any column; one row selected at a time;
the columns a screen does not need hidden, and a right-click on the header to choose them
again; Tab leaves the table (a keyboard person is never trapped among its cells).

`current_settled` is what a detail pane follows: at once for a click or a single key press,
and while a key held down moves the current row (Page Down at thirty rows a second) only
once the row has rested; and again when the settled row's page arrives, if it was on its
way. Redrawing a pane for every row a held key passes made each of those frames miss its
16 ms (bench/gui_stalls.py), and nobody reads a pane that changes thirty times a second.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import NamedTuple, cast

from PySide6.QtCore import (
    QEvent,
    QItemSelection,
    QLineF,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QPointF,
    QRect,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QFontMetrics,
    QFontMetricsF,
    QKeyEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QRegion,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QMenu,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from ui.devices.model import COLUMNS, DeviceTableModel
from ui.widgets.state_swatch import SWATCH_PX, state_icon

COLUMN_KEYS = [key for key, _ in COLUMNS]

#: How long a row moved by a held key must rest before `current_settled` says so.
REST_MS = 120

# Where Qt's own item layout put the words and the swatch, from a cell's leading edge (in
# pixels; so the table looks as it always did): words 3 in (the style's focus-frame margin
# and one), a swatch 3 in, and the words beside a swatch 21 in.
_MARGIN = 3
_SWATCH_AT = 3
_BESIDE_SWATCH = 21
_ELIDED_KEPT = 4096  # (words, width) pairs remembered before the memory starts over
_Column = tuple[int, int, int]  # a column painted: logical index, x in the viewport, width


class _Area(NamedTuple):
    """What one paint covers: rows first to last (the first at `top` in the viewport, each
    `pitch` high with its grid line), the columns, and the dirty rectangle as QTableView
    clips it (to the last row and column)."""

    first: int
    last: int
    top: int
    pitch: int
    columns: list[_Column]
    rect: QRect


_SELECTED = QStyle.StateFlag.State_Selected.value
_FOCUSED = QStyle.StateFlag.State_HasFocus.value
_ALTERNATE = QStyleOptionViewItem.ViewItemFeature.Alternate.value


class _Look:
    """What every cell of one paint shares, read from the view once per paint."""

    __slots__ = (
        "alternate",
        "ascent",
        "highlight",
        "line",
        "ltr",
        "metrics",
        "on_highlight",
        "text",
    )

    def __init__(self, view: QWidget) -> None:
        palette = view.palette()
        if not view.isEnabled():
            group = QPalette.ColorGroup.Disabled
        elif view.isActiveWindow():
            group = QPalette.ColorGroup.Active
        else:
            group = QPalette.ColorGroup.Inactive
        self.highlight = palette.brush(group, QPalette.ColorRole.Highlight)
        self.alternate = palette.brush(group, QPalette.ColorRole.AlternateBase)
        self.text = palette.color(group, QPalette.ColorRole.Text)
        self.on_highlight = palette.color(group, QPalette.ColorRole.HighlightedText)
        # The font the painter draws with: the viewport's (a style sheet may give the
        # table another than the window's). Centred as Qt's text layout centres a line: its
        # height rounded up, the baseline at the exact ascent below the line's top.
        viewport = cast(QAbstractItemView, view).viewport()
        self.metrics = viewport.fontMetrics()
        exact = QFontMetricsF(viewport.font())
        self.line = math.ceil(exact.height())
        self.ascent = exact.ascent()
        self.ltr = view.layoutDirection() != Qt.LayoutDirection.RightToLeft


class CellPainter(QStyledItemDelegate):
    """Paints a device cell straight from the model's words: its background (selected,
    alternate), the state's swatch, the words elided to the column.

    Qt's own item painting asks the model for seven roles per cell and lays every text out
    anew: 6 ms of the GUI thread for a screenful at 1366x768, and a paint is what each
    Page Down and each step of a dragged scroll thumb costs; on a busy machine the same
    paint took three times as long, over a frame (bench/gui_stalls.py). This one asks once
    per cell, reads the colours once per paint (`_Look`) and remembers each elided text.
    The view calls `paint_cell` for every cell of a paint itself (`DeviceTableView`);
    `paint` is Qt's way in, for a cell painted alone. Sizes stay Qt's (it is a
    QStyledItemDelegate)."""

    def __init__(self, model: DeviceTableModel, parent: QWidget) -> None:
        super().__init__(parent)
        self._model = model
        self._view = parent
        self._elided: dict[tuple[str, int], tuple[str, int]] = {}

    def forget_text(self) -> None:
        """The font changed: the elided texts are measured again."""
        self._elided.clear()

    def _fit(self, metrics: QFontMetrics, words: str, width: int) -> tuple[str, int]:
        """`words` elided to `width`, and how wide they are drawn; remembered."""
        if len(self._elided) > _ELIDED_KEPT:
            self._elided.clear()
        text, advance = words, metrics.horizontalAdvance(words)
        if advance > width:
            text = metrics.elidedText(words, Qt.TextElideMode.ElideRight, width)
            advance = metrics.horizontalAdvance(text)
        fitted = self._elided[words, width] = (text, advance)
        return fitted

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        flags = option.state.value
        x, y, w, h = cast(tuple[int, int, int, int], option.rect.getRect())
        alternate = bool(option.features.value & _ALTERNATE)
        cell = (x, y, w, h, bool(flags & _SELECTED), alternate, bool(flags & _FOCUSED))
        self.paint_cell(painter, _Look(self._view), index.row(), index.column(), *cell)

    def paint_cell(
        self,
        painter: QPainter,
        look: _Look,
        row: int,
        column: int,
        x: int,
        y: int,
        w: int,
        h: int,
        selected: bool,
        alternate: bool,
        focused: bool,
    ) -> None:
        """One cell in the rectangle (x, y, w, h), as Qt's item painting laid it out."""
        words, state = self._model.cell(row, column)
        if selected:
            painter.fillRect(x, y, w, h, look.highlight)
        elif alternate:
            painter.fillRect(x, y, w, h, look.alternate)
        inset = _MARGIN  # from the cell's leading edge (its right one, right to left)
        if state:
            at = x + _SWATCH_AT if look.ltr else x + w - _SWATCH_AT - SWATCH_PX
            swatch = QRect(at, y + (h - SWATCH_PX) // 2, SWATCH_PX, SWATCH_PX)
            state_icon(state).paint(painter, swatch)
            inset = _BESIDE_SWATCH
        if words:
            width = w - inset - _MARGIN
            fitted = self._elided.get((words, width)) or self._fit(look.metrics, words, width)
            painter.setPen(look.on_highlight if selected else look.text)
            at = x + inset if look.ltr else x + w - inset - fitted[1]
            painter.drawText(QPointF(at, y + (h - look.line) // 2 + look.ascent), fitted[0])
        if focused:
            # The keyboard's cell: framed in a darker shade of the selection (as Fusion
            # did), or in the selection's colour on a row not selected.
            colour = look.highlight.color()
            painter.setPen(colour.darker(130) if selected else colour)
            painter.drawRect(x, y, w - 1, h - 1)


class _Header(QHeaderView):
    """The column titles. They show no selection: Qt's header redraws the part of itself
    a selection spans, and a row selected whole spans every column, so each row a key
    moved to redrew the style sheet's sections (up to 5 ms, bench/gui_stalls.py)."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setSectionsClickable(True)  # a click sorts (as QTableView's own header)
        self.setHighlightSections(False)

    def selectionChanged(self, selected: QItemSelection, deselected: QItemSelection) -> None:  # noqa: N802
        """Nothing of the selection is drawn here."""


class DeviceTableView(QTableView):
    current_settled = Signal()  # the current row, for a detail pane (see the module's text)

    def __init__(
        self,
        model: DeviceTableModel,
        *,
        name: str,
        widths: Mapping[str, int],
        hidden: Sequence[str] = (),
        second: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """`widths` by column key; `hidden` columns start hidden; `second` is shown right
        after the serial (the Fleet screen's state: what that list is about)."""
        super().__init__(parent)
        self._repeating = False  # a key held down is moving the current row
        self._rest = QTimer(self)
        self._rest.setSingleShot(True)
        self._rest.setInterval(REST_MS)
        self._rest.timeout.connect(self._settle)
        self._awaited = False  # the settled row's page is on its way: said again when in
        self.setObjectName(name)
        self.setHorizontalHeader(_Header(self))
        self.setModel(model)
        self._cells = CellPainter(model, self)
        self.setItemDelegate(self._cells)
        self.selectionModel().currentRowChanged.connect(self._on_current_row_changed)
        model.dataChanged.connect(self._on_rows_arrived)
        self.setSortingEnabled(True)
        self.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAlternatingRowColors(True)
        self.setTabKeyNavigation(False)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(26)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # one height
        header = self.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for key, width in widths.items():
            self.setColumnWidth(COLUMN_KEYS.index(key), width)
        for key in hidden:
            self.setColumnHidden(COLUMN_KEYS.index(key), True)
        if second is not None:
            header.moveSection(header.visualIndex(COLUMN_KEYS.index(second)), 1)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._on_header_menu_requested)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        """The cells and the grid, as QTableView paints them, in one pass.

        Qt's paint calls into Python three times a cell (the model's row and column counts
        to make its index, then the delegate, with a copy of the style option) and asks the
        style sheet to fill each cell's background before the delegate fills it again:
        about a third of a screenful's 3.6 ms. This paint walks the rows and columns
        itself, as QTableView::paintEvent does for this table (no spans; rows of one height,
        none hidden or moved: its row header is hidden), and paints each cell through
        `paint_cell`: the same pixels (tests/ui/test_device_table.py compares them with Qt's
        own paint). A table whose rows were hidden or moved, or that selects cells rather
        than rows, is painted by Qt."""
        rows = self.verticalHeader()
        whole_rows = self.selectionBehavior() == QAbstractItemView.SelectionBehavior.SelectRows
        if rows.hiddenSectionCount() or rows.sectionsMoved() or not whole_rows:
            super().paintEvent(event)
            return
        area = self._painted_area(event.rect())
        if area is None:
            return
        painter = QPainter(self.viewport())
        self._paint_rows(painter, event.region(), area)
        if self.showGrid():
            self._paint_grid(painter, area)

    def _painted_area(self, dirty: QRect) -> _Area | None:
        """The rows and columns `dirty` touches, as QTableView finds them; None when it
        touches no cell."""
        header, rows = self.horizontalHeader(), self.verticalHeader()
        if header.count() == 0 or rows.count() == 0:
            return None
        ltr = self.isLeftToRight()
        right_edge = header.length() - header.offset() - (1 if ltr else 0)
        left, right = dirty.left(), dirty.right()
        if ltr:
            right = min(right, right_edge)
        else:
            left = max(left, self.viewport().width() - right_edge)
        bottom = min(dirty.bottom(), rows.length() - rows.offset() - 1)
        if right < left or bottom < dirty.top():
            return None  # beyond the last column or row
        start, end = header.visualIndexAt(left), header.visualIndexAt(right)
        if not ltr:
            start, end = end, start
        end = header.count() - 1 if end == -1 else end
        columns = []
        for visual in range(max(start, 0), end + 1):
            column = header.logicalIndex(visual)
            if not header.isSectionHidden(column):
                columns.append(
                    (column, self.columnViewportPosition(column), self.columnWidth(column))
                )
        first, last = rows.visualIndexAt(dirty.top()), rows.visualIndexAt(bottom)
        last = rows.count() - 1 if last == -1 else last
        if first == -1 or first > last:
            return None
        top, pitch = self.rowViewportPosition(first), rows.defaultSectionSize()
        rect = QRect(QPoint(left, dirty.top()), QPoint(right, bottom))
        return _Area(first, last, top, pitch, columns, rect)

    def _paint_rows(self, painter: QPainter, region: QRegion, area: _Area) -> None:
        """Each cell of the area's rows that `region` touches."""
        first, columns = area.first, area.columns
        look = _Look(self)
        gap = 1 if self.showGrid() else 0
        shift = 1 if gap and not look.ltr else 0  # Qt's cell starts past the grid line
        alternate = self.alternatingRowColors()
        current = self.currentIndex()
        viewport = self.viewport()
        focused = (self.hasFocus() or viewport.hasFocus()) and current.isValid()
        focus_at = (current.row(), current.column()) if focused else (-1, -1)
        selection, root = self.selectionModel(), QModelIndex()
        whole = region.rectCount() == 1  # else: skip the rows between its rectangles
        width, pitch = viewport.width(), area.pitch
        height = pitch - gap
        paint_cell = self._cells.paint_cell
        shade = bool(first & 1) and alternate
        y = area.top
        for row in range(first, area.last + 1):
            if whole or region.intersects(QRect(0, y, width, pitch)):
                selected = selection.isRowSelected(row, root)
                for column, x, w in columns:
                    paint_cell(
                        painter, look, row, column, x + shift, y, w - gap, height, selected,
                        shade, (row, column) == focus_at,
                    )  # fmt: skip
            shade = not shade and alternate
            y += pitch

    def _paint_grid(self, painter: QPainter, area: _Area) -> None:
        """The grid lines, where QTableView draws them: below each row, at each column's
        trailing edge, in the style's grid colour."""
        option = QStyleOptionViewItem()
        self.initViewItemOption(option)
        hint = self.style().styleHint(QStyle.StyleHint.SH_Table_GridLineColor, option, self)
        painter.setPen(QPen(QColor.fromRgba(hint & 0xFFFFFFFF), 1, self.gridStyle()))
        dirty = area.rect
        left, right, top, bottom = dirty.left(), dirty.right(), dirty.top(), dirty.bottom()
        y = area.top + area.pitch - 1
        for _row in range(area.first, area.last + 1):
            painter.drawLine(QLineF(left, y, right, y).translated(0.5, 0.5))
            y += area.pitch
        ltr = self.isLeftToRight()
        for _column, x, w in area.columns:
            edge = x + w - 1 if ltr else x
            painter.drawLine(QLineF(edge, top, edge, bottom).translated(0.5, 0.5))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._cells.forget_text()
        super().changeEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        self._repeating = event.isAutoRepeat()  # the move under way comes from a held key
        try:
            super().keyPressEvent(event)
        finally:
            self._repeating = False

    def stop_settling(self) -> None:
        """Forget a row still resting (the screen is closing)."""
        self._rest.stop()

    def _on_current_row_changed(self, _current: QModelIndex, _previous: QModelIndex) -> None:
        if self._repeating:
            self._rest.start()  # (re)started: told once the key is let go
        else:
            self._rest.stop()
            self._settle()

    def current_id(self) -> int | None:
        """The id of the device on the current row; None when no row is current or its
        page is still on its way."""
        index = self.currentIndex()
        model = cast(DeviceTableModel, self.model())
        return model.id_at(index.row()) if index.isValid() else None

    def _settle(self) -> None:
        self._awaited = self.currentIndex().isValid() and self.current_id() is None
        self.current_settled.emit()

    def _on_rows_arrived(self, first: QModelIndex, last: QModelIndex) -> None:
        """A row settled before its page arrived (Ctrl+End at a million): said again."""
        if self._awaited and first.row() <= self.currentIndex().row() <= last.row():
            self._settle()

    def _on_header_menu_requested(self, position: QPoint) -> None:
        """Right-click a column header to choose which columns show."""
        menu = QMenu(self)
        for column, (_key, title) in enumerate(COLUMNS):
            action = menu.addAction(self.tr(title))
            action.setCheckable(True)
            action.setChecked(not self.isColumnHidden(column))
            action.toggled.connect(lambda on, c=column: self.setColumnHidden(c, not on))
        menu.popup(self.horizontalHeader().mapToGlobal(position))
