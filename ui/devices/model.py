"""The device table: a windowed model over the store that never holds the whole fleet.

The first page of an unfiltered (or state-filtered) list comes straight from the GUI
thread's connection: the count is a counter row and the page an index walk, a millisecond or
two. Everything else (searches, further pages) is fetched by a loader on its own thread with
its own connection, so a search over a million devices never freezes the window. Pages live
in a small cache.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import replace
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QThread,
    Signal,
    Slot,
)

from app.domain import Device, DeviceQuery
from app.errors import JoineryError
from app.services import Store, open_store
from ui.widgets.state_swatch import state_icon
from ui.words import shown, when

log = logging.getLogger(__name__)

PAGE_SIZE = 100
MAX_PAGES = 64
MAX_WAITING = 4  # a screenful of rows spans at most two pages

COLUMNS: tuple[tuple[str, str], ...] = (
    ("serial", "Serial number"),
    ("device_name", "Device name"),
    ("model", "Model"),
    ("group_tag", "Group tag"),
    ("assigned_user", "Assigned user"),
    ("compliance_state", "Compliance"),
    ("enrollment_status", "Enrollment"),
    ("os_version", "OS version"),
    ("last_checkin", "Last check-in"),
    ("manufacturer", "Manufacturer"),
)

STATE_KEY = "compliance_state"
Row = tuple[Any, ...]  # a device as stored (Store.row_columns): what a page keeps
_ID = Store.row_columns.index("id")
#: Each column's place in a row; the places of the two columns shown specially: the
#: check-in (as a time) and the state (with its colour).
_AT = tuple(Store.row_columns.index(key) for key, _ in COLUMNS)
_CHECKIN = Store.row_columns.index("last_checkin")
_STATE = Store.row_columns.index(STATE_KEY)
LOADING = "…"  # the first column of a row whose page is on its way
DISPLAY = Qt.ItemDataRole.DisplayRole
DECORATION = Qt.ItemDataRole.DecorationRole
_ANSWERED = frozenset({DISPLAY, Qt.ItemDataRole.ToolTipRole, DECORATION})
AnyIndex = QModelIndex | QPersistentModelIndex


def _cheap(query: DeviceQuery) -> bool:
    """Counted by a counter row and paged by an index walk: safe on the GUI thread."""
    return query.only() in ("", "state")


class PageLoader(QObject):
    """Lives on the loader thread; answers count and page requests from its own connection."""

    counted = Signal(int, int, object)  # generation, row count, first page
    loaded = Signal(int, int, object)  # generation, page number, rows
    failed = Signal(int, str)  # generation, message: the count failed
    page_failed = Signal(int, int, str)  # generation, page number, message

    def __init__(self, db_path: str) -> None:
        super().__init__()
        self._db_path = db_path
        self._store: Store | None = None

    def _open(self) -> Store:
        if self._store is None:
            self._store = open_store(self._db_path, migrate=False)
        return self._store

    def interrupt(self) -> None:
        """Called from the GUI thread: abort a query that a newer request made stale."""
        if self._store is not None:
            self._store.conn.interrupt()

    @Slot(int, object)
    def count(self, generation: int, query: DeviceQuery) -> None:
        try:
            store = self._open()
            total = store.count_devices(query)
            first = store.device_rows(query, 0, PAGE_SIZE, matching=total)
        except sqlite3.OperationalError as exc:  # interrupted, or the database went away
            self.failed.emit(generation, str(exc))
            return
        except JoineryError as exc:
            self.failed.emit(generation, str(exc))
            return
        self.counted.emit(generation, total, first)

    @Slot(int, object, int)
    def page(self, generation: int, query: DeviceQuery, number: int) -> None:
        try:
            rows = self._open().device_rows(query, number * PAGE_SIZE, PAGE_SIZE)
        except sqlite3.OperationalError as exc:
            self.page_failed.emit(generation, number, str(exc))
            return
        self.loaded.emit(generation, number, rows)

    @Slot()
    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


class DeviceTableModel(QAbstractTableModel):
    """Rows are fetched a page at a time; `ready` fires when a new query's first page is in."""

    ready = Signal()
    failed = Signal(str)
    _request_count = Signal(int, object)
    _request_page = Signal(int, object, int)
    _request_close = Signal()

    def __init__(self, store: Store, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._query = DeviceQuery()
        self._generation = 0
        self._count = 0
        self._pages: dict[int, list[Row]] = {}
        self._asked: set[int] = set()
        self._waiting: dict[int, None] = {}  # pages to fetch, oldest first
        self._in_flight = False
        self._thread: QThread | None = None
        self._loader: PageLoader | None = None
        self._reset_next = True
        self.loading = False

    def _start_loader(self) -> PageLoader:
        if self._loader is None:
            self._thread = QThread(self)
            self._thread.setObjectName("device-page-loader")
            self._loader = PageLoader(self._store.path)
            self._loader.moveToThread(self._thread)
            self._request_count.connect(self._loader.count)
            self._request_page.connect(self._loader.page)
            self._request_close.connect(self._loader.close)
            self._loader.counted.connect(self._on_loader_counted)
            self._loader.loaded.connect(self._on_loader_loaded)
            self._loader.failed.connect(self._on_loader_failed)
            self._loader.page_failed.connect(self._on_loader_page_failed)
            self._thread.start()
        return self._loader

    # -- lifecycle -------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Stop the loader thread; call before the model goes away. Answers still on their
        way (queued before the thread stopped) are stale from now on and dropped."""
        self._generation += 1
        if self._thread is not None and self._loader is not None and self._thread.isRunning():
            self._loader.interrupt()
            self._request_close.emit()
            self._thread.quit()
            self._thread.wait()

    # -- queries ---------------------------------------------------------------------------

    @property
    def query(self) -> DeviceQuery:
        return self._query

    def set_query(self, query: DeviceQuery) -> None:
        """Show another query: the rows are replaced wholesale when it arrives."""
        self._query = query
        self._reset_next = True
        self.refresh()

    def refresh(self, *, live: bool = False) -> None:
        """Ask again for the count and first page; the current rows stay until they arrive.

        `live`: a refresh nobody asked for (someone wrote): even a cheap query is read on the
        loader thread, so the GUI thread only draws the answer."""
        if self.loading and self._loader is not None:
            self._loader.interrupt()
        self._generation += 1
        if _cheap(self._query) and not live:
            total = self._store.count_devices(self._query)
            first = self._store.device_rows(self._query, 0, PAGE_SIZE, matching=total)
            self._on_loader_counted(self._generation, total, first)
            return
        self.loading = True
        self._start_loader()
        self._request_count.emit(self._generation, self._query)

    def read_first_page(self, store: Store) -> tuple[DeviceQuery, int, list[Row]] | None:
        """On another thread's `store` (the reader's): the count and first page of the query
        shown now, if it is a cheap one (else None: the loader reads it), for `show_read`."""
        query = self._query
        if not _cheap(query):
            return None
        total = store.count_devices(query)
        return query, total, store.device_rows(query, 0, PAGE_SIZE, matching=total)

    def show_read(self, read: tuple[DeviceQuery, int, list[Row]] | None) -> None:
        """Rows another thread read for a live refresh; asked again (off the GUI thread) if
        the query changed meanwhile or was not a cheap one."""
        if read is None or read[0] != self._query:
            self.refresh(live=True)
            return
        if self.loading and self._loader is not None:
            self._loader.interrupt()
        self._generation += 1
        self._on_loader_counted(self._generation, read[1], read[2])

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if 0 <= column < len(COLUMNS):
            descending = order == Qt.SortOrder.DescendingOrder
            self.set_query(replace(self._query, sort=COLUMNS[column][0], descending=descending))

    # -- Qt model interface ----------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal
        if horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(COLUMNS):
            return COLUMNS[section][1]
        return None

    def data(self, index: AnyIndex, role: int = DISPLAY) -> Any:
        # For tooltips, assistive technology and copying (the table paints from `cell`),
        # asked role by role: the roles it never answers leave first.
        if role not in _ANSWERED:
            return None
        row = index.row()
        words, state = self.cell(row, index.column())
        if role == DECORATION:
            # A state's colour, beside its words (the display role): never the colour alone.
            return state_icon(state) if state else None
        if role != DISPLAY and self._row(row) is None:
            return None  # a row on its way has no tooltip
        return words

    def cell(self, row: int, column: int) -> tuple[str | None, str | None]:
        """What a cell shows: its words, and for the compliance column the state whose
        colour is drawn beside them. While the row's page is on its way the first column
        shows LOADING and the others nothing. The table paints from this directly
        (ui/devices/table.py)."""
        values = self._row(row)
        if values is None:
            return (LOADING if column == 0 else None), None
        at = _AT[column]
        value = values[at]
        if at == _CHECKIN and value:
            return when(str(value)), None
        return shown(COLUMNS[column][0], value), (value if at == _STATE and value else None)

    # -- rows ------------------------------------------------------------------------------

    def device_at(self, row: int) -> Device | None:
        """The device at `row` if its page is loaded; otherwise ask for the page."""
        values = self._row(row)
        return None if values is None else self._store.device_from_row(values)

    def id_at(self, row: int) -> int | None:
        """The id of the device at `row` if its page is loaded (no Device is made: a held
        key passes thirty rows a second); otherwise ask for the page."""
        values = self._row(row)
        return None if values is None else int(values[_ID])

    def _row(self, row: int) -> Row | None:
        if not 0 <= row < self._count:
            return None
        number = row // PAGE_SIZE
        page = self._pages.get(number)
        if page is None:
            self._ask(number)
            return None
        offset = row - number * PAGE_SIZE
        return page[offset] if offset < len(page) else None

    def row_of(self, device_id: int) -> int | None:
        """Row of a device among the loaded pages, or None."""
        for number, page in self._pages.items():
            for offset, values in enumerate(page):
                if values[_ID] == device_id:
                    return number * PAGE_SIZE + offset
        return None

    def _ask(self, number: int) -> None:
        """Queue a page; while the scrollbar is dragged only the latest few stay queued."""
        if number in self._asked:
            return
        self._asked.add(number)
        self._waiting[number] = None
        while len(self._waiting) > MAX_WAITING:
            stale = next(iter(self._waiting))
            del self._waiting[stale]
            self._asked.discard(stale)  # asked again if it is painted again
        self._pump()

    def _pump(self) -> None:
        """One page request in flight at a time, newest first: dragging stays responsive."""
        if self._in_flight or not self._waiting:
            return
        number = next(reversed(self._waiting))
        del self._waiting[number]
        self._in_flight = True
        self._start_loader()
        self._request_page.emit(self._generation, self._query, number)

    # -- loader results --------------------------------------------------------------------

    @Slot(int, int, object)
    def _on_loader_counted(self, generation: int, total: int, first: list[Row]) -> None:
        if generation != self._generation:
            return
        self.loading = False
        if self._reset_next:
            self._reset_next = False
            self.beginResetModel()
            self._count = total
            self._pages = {0: first}
            self._asked = {0}
            self._waiting.clear()
            self.endResetModel()
        else:
            self._update_in_place(total, first)
        self.ready.emit()

    def _update_in_place(self, total: int, first: list[Row]) -> None:
        """The same query, newer data: keep the view's selection, scroll position and sort.

        Rows are added or removed at the end and every row is marked changed; pages other than
        the first are fetched again when they are next painted.
        """
        if total > self._count:
            self.beginInsertRows(QModelIndex(), self._count, total - 1)
            self._count = total
            self.endInsertRows()
        elif total < self._count:
            self.beginRemoveRows(QModelIndex(), total, self._count - 1)
            self._count = total
            self.endRemoveRows()
        self._pages = {0: first}
        self._asked = {0}
        self._waiting.clear()
        if total:
            self.dataChanged.emit(self.index(0, 0), self.index(total - 1, len(COLUMNS) - 1))

    @Slot(int, int, object)
    def _on_loader_loaded(self, generation: int, number: int, rows: list[Row]) -> None:
        self._in_flight = False
        if generation != self._generation:
            self._pump()
            return
        self._pages[number] = rows
        self._pump()
        self._evict(keep=number)
        first = number * PAGE_SIZE
        last = min(self._count, first + PAGE_SIZE) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))

    @Slot(int, int, str)
    def _on_loader_page_failed(self, generation: int, number: int, message: str) -> None:
        self._in_flight = False
        if generation == self._generation:
            self._asked.discard(number)  # painted again, asked again
            if "interrupted" not in message:
                log.warning("device page %d failed: %s", number, message)
        self._pump()

    @Slot(int, str)
    def _on_loader_failed(self, generation: int, message: str) -> None:
        if generation != self._generation:
            return  # a stale request we interrupted on purpose
        if "interrupted" in message:
            # The interrupt meant for an older request landed on this one: ask again.
            self._request_count.emit(generation, self._query)
            return
        self.loading = False
        log.warning("device list query failed: %s", message)
        self.failed.emit(message)

    def _evict(self, keep: int) -> None:
        while len(self._pages) > MAX_PAGES:
            farthest = max(self._pages, key=lambda n: abs(n - keep))
            del self._pages[farthest]
            self._asked.discard(farthest)
