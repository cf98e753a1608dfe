"""The devices as a table, one view for the Devices and the Fleet screens.

A paged DeviceTableModel behind it; sortable by any column; one row selected at a time;
the columns a screen does not need hidden, and a right-click on the header to choose them
again; Tab leaves the table (a keyboard person is never trapped among its cells).

`current_settled` is what a detail pane follows: at once for a click or a single key press,
and while a key held down moves the current row (Page Down at thirty rows a second) only
once the row has rested. Redrawing a pane for every row a held key passes made each of
those frames miss its 16 ms (bench/gui_stalls.py), and nobody reads a pane that changes
thirty times a second.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import QModelIndex, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QMenu, QTableView, QWidget

from ui.devices.model import COLUMNS, DeviceTableModel

COLUMN_KEYS = [key for key, _ in COLUMNS]

#: How long a row moved by a held key must rest before `current_settled` says so.
REST_MS = 120


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
        self._rest.timeout.connect(self.current_settled)
        self.setObjectName(name)
        self.setModel(model)
        self.selectionModel().currentRowChanged.connect(self._on_current_row_changed)
        self.setSortingEnabled(True)
        self.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAlternatingRowColors(True)
        self.setTabKeyNavigation(False)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(26)
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
            self.current_settled.emit()

    def _on_header_menu_requested(self, position: QPoint) -> None:
        """Right-click a column header to choose which columns show."""
        menu = QMenu(self)
        for column, (_key, title) in enumerate(COLUMNS):
            action = menu.addAction(self.tr(title))
            action.setCheckable(True)
            action.setChecked(not self.isColumnHidden(column))
            action.toggled.connect(lambda on, c=column: self.setColumnHidden(c, not on))
        menu.popup(self.horizontalHeader().mapToGlobal(position))
