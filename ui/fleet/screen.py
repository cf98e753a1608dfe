"""Fleet: the live compliance dashboard. Tiles, charts, the devices behind every number,
why each one fails, stale devices and their cleanup plan, and the fleet on a past day.

Live: the change channel (ui/changes.py) tells it of every write, by any process; it shows
within a second, without losing the selection, the sort or the filters. The tiles and charts
read trigger-kept counters; the table pages its rows off the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app import services
from app.domain import Device, DeviceQuery, HistoryEntry, TenantFacts
from app.errors import JoineryError
from app.security.roles import Actor, Permission
from app.services import Dashboard, DeviceCompliance, Layout, Store
from ui import changes
from ui.changes import Change
from ui.devices.model import STATE_KEY, DeviceTableModel
from ui.devices.table import COLUMN_KEYS, DeviceTableView
from ui.fleet.board_time import BoardTime
from ui.fleet.charts import BarListWidget, StateDonutWidget
from ui.fleet.checkin_flow import CheckinImportFlow
from ui.fleet.detail import FleetDetailWidget
from ui.fleet.export_flow import ALL as EXPORT_ALL
from ui.fleet.export_flow import LIST as EXPORT_LIST
from ui.fleet.export_flow import STALE as EXPORT_STALE
from ui.fleet.export_flow import (
    ExportScope,
    FleetExportFlow,
    devices_list,
    stale_devices,
    whole_fleet,
)
from ui.fleet.filters import FilterBarWidget
from ui.fleet.stale_view import SHOWN, StaleViewWidget
from ui.fleet.tiles import TileBarWidget
from ui.fleet.time_charts import DailyBarsWidget, TrendWidget
from ui.ops import NewestRead, failure_words, run_op, run_read
from ui.widgets.device_files_dialog import open_device_files
from ui.widgets.label_printer import print_and_record
from ui.widgets.messages import Present, confirm, open_now
from ui.widgets.state import set_state
from ui.widgets.state_swatch import STATES
from ui.widgets.tabs import Tabs
from ui.words import shown

TOTAL = "total"
STALE_TILE = "stale"
STATE_COLUMN_PX = 150
OVERVIEW, DEVICES, STALE = range(3)


class FleetScreen(QWidget):
    def __init__(
        self,
        store: Store,
        actor: Callable[[], Actor | None],
        present: Present = open_now,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("fleetScreen")
        self.store = store
        self._actor = actor
        self._present = present
        self.board: Dashboard | None = None
        self.tile: str | None = None
        self._read_failure = ""  # what the note says of the last read that failed
        # Boards drawn from the database: a live read older than the last drawing is dropped.
        self.refreshes = 0
        self._selected_id: int | None = None  # kept across refreshes, whatever row it moves to
        self._stale_shown: int | None = None  # the stale count the Stale tab was planned for
        self._stale_listed: ExportScope | None = None  # the devices of the plan shown there
        self._live_reading = False  # a live read is on the reader thread
        self._live_again = False  # and something changed since it began
        self._detail_read = NewestRead(store.path, self)  # the pane's, for the row settled
        self._build()
        changes.follow(
            self,
            store.path,
            Change.DEVICES | Change.POLICIES | Change.SETTINGS,
            self._on_live_change,
            load_when_shown=True,
        )

    # -- layout ----------------------------------------------------------------------------

    def _build(self) -> None:
        title = QLabel(self.tr("Fleet"))
        title.setObjectName("screenTitle")
        self.time = BoardTime(self)
        self.live, self.pause = self.time.live, self.time.pause
        self.as_of, self.today = self.time.as_of, self.time.today
        self.import_button = QPushButton(self.tr("Import check-ins…"))
        self.import_button.setObjectName("importCheckins")
        self.import_button.setToolTip(
            self.tr(
                "Collector reports (one file or several: Ctrl+A in the dialog takes every "
                "file of a folder, such as a USB stick's) or Intune's All devices export "
                "(Ctrl+Shift+I)"
            )
        )
        self.export = QPushButton(self.tr("Export CSV…"))
        self.export.setObjectName("exportCsv")
        self.export_entra = QPushButton(self.tr("Export as Entra list…"))
        self.export_entra.setObjectName("exportEntra")
        header = QHBoxLayout()
        header.addWidget(title)
        header.addSpacing(16)
        header.addWidget(self.live)
        header.addWidget(self.pause)
        header.addStretch(1)
        header.addWidget(QLabel(self.tr("As of")))
        header.addWidget(self.as_of)
        header.addWidget(self.today)
        # What is done with the fleet sits beside the tabs, where the row has room at any
        # width (the header held it once, and was wider than a 1024-pixel window).
        actions = QWidget()
        actions.setObjectName("fleetActions")
        action_row = QHBoxLayout(actions)
        action_row.setContentsMargins(0, 0, 0, 4)
        action_row.addWidget(self.import_button)
        action_row.addWidget(self.export)
        action_row.addWidget(self.export_entra)
        self.tiles = TileBarWidget()
        self.tabs = Tabs()
        self.tabs.setObjectName("fleetTabs")
        self.tabs.setCornerWidget(actions, Qt.Corner.TopRightCorner)
        self.tabs.addTab(self._overview(), self.tr("Overview"))
        self.tabs.addTab(self._devices(), self.tr("Devices"))
        self.stale_view = StaleViewWidget()
        self.tabs.addTab(self.stale_view, self.tr("Stale devices"))
        self.note = QLabel()
        self.note.setObjectName("fieldError")
        self.note.setWordWrap(True)
        self.note.hide()
        self.past = QLabel()
        self.past.setObjectName("pastNote")
        self.past.setWordWrap(True)
        self.past.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(header)
        layout.addWidget(self.tiles)
        layout.addWidget(self.past)
        layout.addWidget(self.note)
        layout.addWidget(self.tabs, 1)
        self.tiles.chosen.connect(self.show_tile)
        self.time.day_chosen.connect(self.refresh)
        self.time.resumed.connect(self.refresh)
        self.exports = FleetExportFlow(
            self.store.path, self, actor=self._actor, present=self._present
        )
        self.exports.message.connect(lambda text: self._say(text, ok=True))
        self.exports.failed.connect(self._say)
        self.export.clicked.connect(lambda: self._export("joinery"))
        self.export_entra.clicked.connect(lambda: self._export("entra"))
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)
        self.stale_view.mark_clicked.connect(self._mark_for_cleanup)
        QShortcut(QKeySequence("Ctrl+P"), self, self.time.toggle_pause)
        QShortcut(QKeySequence("Ctrl+Shift+I"), self, self.choose_import)
        self.checkins = CheckinImportFlow(
            self.store.path, self, actor=self._actor, present=self._present
        )
        self.checkins.finished.connect(self._on_checkins_finished)
        self.import_button.clicked.connect(self.choose_import)
        self._tip_exports()

    def _overview(self) -> QWidget:
        self.donut = StateDonutWidget(self.tr("Compliance states"))
        self.failing_chart = BarListWidget.for_settings(self.tr("Top failing settings"))
        self.builds_chart = BarListWidget(self.tr("Windows builds"), limit=8)
        self.trend = TrendWidget(self.tr("Trend (daily snapshots)"))
        self.enrolled_chart = DailyBarsWidget(self.tr("Enrolled per day at the bench"))
        self.donut.state_clicked.connect(self.show_tile)
        self.failing_chart.bar_clicked.connect(lambda key: self._drill(failing=key))
        self.builds_chart.bar_clicked.connect(lambda key: self._drill(build=key))
        overview = QWidget()
        grid = QGridLayout(overview)
        grid.setContentsMargins(0, 8, 0, 0)
        for column in range(3):
            grid.setColumnStretch(column, 1)
        grid.addWidget(self.donut, 0, 0)
        grid.addWidget(self.failing_chart, 0, 1)
        grid.addWidget(self.builds_chart, 0, 2)
        grid.addWidget(self.trend, 1, 0, 1, 2)
        grid.addWidget(self.enrolled_chart, 1, 2)
        return overview

    def _devices(self) -> QWidget:
        self.filters = FilterBarWidget()
        self.model = DeviceTableModel(self.store, self)
        # The state is what this list is about: right after the serial, seen at 1366 px.
        self.table = DeviceTableView(
            self.model,
            name="fleetTable",
            widths={key: 118 for key in COLUMN_KEYS} | {STATE_KEY: STATE_COLUMN_PX},
            hidden=("enrollment_status", "manufacturer"),  # the Devices screen has them
            second=STATE_KEY,
        )
        self.count = QLabel()
        self.count.setObjectName("countLabel")
        self.detail = FleetDetailWidget()
        split = QSplitter()
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(self.count)
        split.addWidget(left)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 1)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addWidget(self.filters)
        layout.addWidget(split, 1)
        QShortcut(QKeySequence("Ctrl+F"), self, self.focus_search)  # as on Devices
        self.filters.changed.connect(self._apply_filters)
        self.filters.cleared.connect(lambda: self.show_tile(TOTAL))
        self.model.ready.connect(self._on_model_ready)
        self.table.current_settled.connect(self._show_current)
        self.table.selectionModel().currentRowChanged.connect(self._on_table_current_changed)
        self.detail.reevaluate_clicked.connect(self._reevaluate)
        self.detail.print_clicked.connect(self._print_label)
        self.detail.files_clicked.connect(self._device_files)
        self.detail.cleanup_clicked.connect(self._mark_selected_for_cleanup)
        return page

    # -- refresh ---------------------------------------------------------------------------

    def refresh(self) -> None:
        """Tiles and charts from the counters; the table asks again, keeping its place."""
        actor = self._actor()
        if actor is None:
            return  # locked: nothing is read for nobody; the next change after sign-in does it
        day = self.time.past_day()
        try:
            if day is not None:
                board = services.dashboard_at(self.store, day, actor=actor)
            else:
                board = services.dashboard(self.store, actor=actor)
        except JoineryError as error:
            self._said_read_failure(str(error))
            return
        self._draw(board)
        if day is None:
            self.model.refresh()

    def _draw(self, board: Dashboard) -> None:
        """Tiles, charts and the live line from `board` (the table is the caller's)."""
        self.refreshes += 1
        self.board = board
        self._show_board(board)
        self.time.show(board)
        if self._read_failure and self.note.text() == self._read_failure:
            self._say("")  # read after all: the failure is history
        self._read_failure = ""

    def _read_live(self) -> None:
        """Someone wrote: the board is read on the reader thread and only drawn here; the
        table asks its loader. One read at a time: changes that land while it runs are read
        once more when it is back."""
        if self._live_reading:
            self._live_again = True
            return
        actor = self._actor()
        if actor is None:
            return
        self._live_reading, self._live_again = True, False
        model, drawn = self.model, self.refreshes

        def read(store: Store) -> tuple[Dashboard, object]:
            return services.dashboard(store, actor=actor), model.read_first_page(store)

        run_read(
            self.store.path,
            read,
            on_done=lambda answer: self._on_live_read(answer, drawn),
            on_failed=self._on_live_read_failed,
            owner=self,
        )

    def _on_live_read(self, read: tuple[Dashboard, Any], drawn: int) -> None:
        self._live_reading = False
        if self._live_again:
            self._read_live()  # newer than what came back: draw that instead
            return
        # Drawn from the database since this read began (Resume, a day): this one is older.
        current = drawn == self.refreshes and self.time.past_day() is None
        if current and not self.time.paused and self._actor() is not None:
            board, rows = read
            self._draw(board)
            self.model.show_read(rows)

    def _on_live_read_failed(self, error: BaseException) -> None:
        self._live_reading = False
        if self._live_again:
            self._read_live()  # a change came in meanwhile: it is read afresh
            return
        self._said_read_failure(
            failure_words(
                error,
                "Reading the fleet",
                self.tr(
                    "The fleet could not be read; the screen shows the last reading. It tries "
                    "again at the next change; the log (joinery.log in Joinery's data folder) "
                    "has the details."
                ),
            )
        )

    @property
    def paused(self) -> bool:
        return self.time.paused

    def _said_read_failure(self, text: str) -> None:
        """A read that failed is said until a later read succeeds (or something else is said)."""
        self._read_failure = text
        self._say(text)

    def _show_board(self, board: Dashboard) -> None:
        self.tiles.set_counts(board.tiles, board.tiles.get("total", 0))
        self.donut.set_data(board.states)
        self.failing_chart.set_data(dict(board.failing))
        self.builds_chart.set_data(dict(board.builds))
        self.trend.set_data(board.trend)
        self.enrolled_chart.set_data(board.enrolled)
        self.filters.offer(board)
        self.past.setVisible(board.as_of is not None)
        if board.as_of:
            self.past.setText(
                self.tr(
                    "The fleet as recorded on {d}: tiles and charts are that day's snapshot; "
                    "the device list shows today."
                ).format(d=board.as_of)
            )
        self._highlight()
        stale_changed = board.tiles.get("stale") != self._stale_shown
        if self.tabs.currentIndex() == STALE and stale_changed:
            self._show_stale()  # planning 500 devices is not for every check-in batch

    def _on_live_change(self) -> None:
        """The fleet changed (this kiosk or anyone else): draw it again, unless paused
        (Resume draws it). Today's board is read off the GUI thread; a past day's is one
        snapshot row."""
        if self.time.paused:
            return
        if self.time.past_day() is None:
            self._read_live()
        else:
            self.refresh()

    # -- drill-downs -----------------------------------------------------------------------

    def focus_search(self) -> None:
        """Ctrl+F: the Devices tab, its search selected for typing."""
        self.tabs.setCurrentIndex(DEVICES)
        self.filters.search.setFocus()
        self.filters.search.selectAll()

    def show_tile(self, key: str) -> None:
        """The devices behind a tile (or a donut slice): its filter is written in the filter
        row, where it shows and can be cleared, and the list shows that same query."""
        board = self.board
        if board is None:
            return
        if key in board.queries:
            query = board.queries[key]
        elif key in STATES:  # a donut slice with no tile of its own (error, conflict)
            query = DeviceQuery(verdict=key)
        elif key != STALE_TILE:  # a past day's board keeps no queries; the list shows today
            query = services.tile_query(key, "")
        else:
            return
        self.filters.reset()
        states = query.verdicts or ((query.verdict,) if query.verdict else ())
        self.filters.show_states(states, stale=bool(query.stale_before))
        self._apply_filters()
        self.tabs.setCurrentIndex(DEVICES)

    def _drill(self, **filters: str) -> None:
        self.filters.reset()
        if "failing" in filters:
            self.filters.choose(self.filters.failing, filters["failing"])
        if "build" in filters:
            self.filters.choose(self.filters.build, filters["build"])
        self._apply_filters()
        self.tabs.setCurrentIndex(DEVICES)

    def filtered_query(self) -> DeviceQuery:
        board = self.board
        policy = self.filters.policy.currentData()
        tags: tuple[str, ...] = ()
        actor = self._actor()
        if policy and actor is not None:
            found = next(
                (p for p in services.policies(self.store, actor=actor) if p.display_name == policy),
                None,
            )
            if found is not None and not found.assignment.all_devices:
                tags = tuple(found.assignment.group_tags)
        return services.drill_down(
            DeviceQuery(sort=self.model.query.sort, descending=self.model.query.descending),
            group_tags=tags,
            **self.filters.values(board.stale_before if board else None),
        )

    def _apply_filters(self) -> None:
        self._forget_news()
        self._highlight()  # first: a cheap query's rows (and its count words) come at once
        self.model.set_query(self.filtered_query())

    def _highlight(self) -> None:
        """The tile whose filter the filter row holds is the active one (Total: none)."""
        board = self.board
        values = self.filters.values(board.stale_before if board else None)
        part = DeviceQuery(
            verdict=values["verdict"],
            verdicts=values["verdicts"],
            stale_before=values["stale_before"],
        )
        queries = board.queries if board else {}
        self.tile = next((key for key, query in queries.items() if query == part), None)
        self.tiles.select(self.tile)

    def _on_model_ready(self) -> None:
        total = self.model.rowCount()
        words = self.tr("{n} device(s)").format(n=f"{total:,}")
        board, query = self.board, self.model.query
        tile = board.queries.get(self.tile) if board and self.tile else None
        if tile is not None and replace(query, sort=tile.sort, descending=False) == tile:
            words += self.tr(" — the same query as the “{t}” tile").format(
                t=self.tr(dict(services.TILES)[self.tile or TOTAL])
            )
        self.count.setText(words)
        self._reselect()

    # -- selection and detail --------------------------------------------------------------

    def selected_device(self) -> Device | None:
        index = self.table.currentIndex()
        return self.model.device_at(index.row()) if index.isValid() else None

    def _reselect(self) -> None:
        """New rows: the device selected before is selected again wherever it went. Not
        among the rows read, nothing is selected; no longer in the list at all (asked of the
        store: only some pages are read), the pane says so too. New rows (a search, a
        filter) reset the selection without a word to the pane, and rows refreshed in place
        leave another device on the current row. It is still remembered, and selected again
        once a list shows it."""
        device_id = self._selected_id
        if device_id is None:
            return
        row = self.model.row_of(device_id)
        current = self.table.currentIndex()
        if row is not None and row != current.row():
            self.table.selectRow(row)
        elif row is not None:
            self._show_detail(device_id)
        elif not current.isValid() or self.model.id_at(current.row()) not in (None, device_id):
            self.table.selectionModel().clear()  # (its signals forget the id: kept here)
            self._selected_id = device_id
            self._show_current()

    def _on_table_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        device_id = self.model.id_at(current.row()) if current.isValid() else None
        if device_id is not None and device_id != self._selected_id:
            self._forget_news()  # the person went on to another device
        self._selected_id = device_id

    def _show_current(self) -> None:
        """The pane for the current row; with none, for the device kept from before while
        the list still holds it (further down, in a page not read yet), else why not."""
        device_id = self.table.current_id()
        kept = self._selected_id
        if device_id is None and kept is not None:
            if not self.store.query_holds(self.model.query, kept):
                self._detail_read.forget()
                self.detail.show_nothing(
                    self.tr(
                        "No device selected: the device shown before is not in this list. "
                        "Select one to see why it is in its state."
                    )
                )
                return
            device_id = kept
        if device_id is None:
            self._detail_read.forget()
            self.detail.show_nothing()
        else:
            self._show_detail(device_id)

    def _show_detail(self, device_id: int) -> None:
        """The device's verdict, history and tenant facts, read on the reader thread and
        drawn once back (an answer for a row left meanwhile is dropped): a live refresh
        redraws the pane too, and its reads waited for the disk on the GUI thread."""
        actor = self._actor()
        if actor is None:
            return

        def read(store: Store) -> tuple[DeviceCompliance, list[HistoryEntry], TenantFacts]:
            return (
                services.device_compliance(store, device_id, actor=actor),
                services.device_history(store, device_id, actor=actor),
                services.device_tenant_facts(store, device_id, actor=actor),
            )

        self._detail_read.read(
            read,
            on_done=lambda found: self.detail.show_compliance(*found),
            on_failed=self._on_detail_failed,
        )

    def _on_detail_failed(self, error: BaseException) -> None:
        words = self.tr(
            "The device's compliance could not be read. Select it again; the log (joinery.log "
            "in Joinery's data folder) has the details."
        )
        self.detail.show_nothing(failure_words(error, "Reading the device's compliance", words))

    def _write(
        self, job: Callable[[Store, Actor], object], on_done: Callable[[object], None]
    ) -> None:
        """A write on the writer thread as the operator signed in now (never while locked:
        a locked kiosk acts for nobody); a failure is said in the note."""
        actor = self._actor()
        if actor is None:
            self._say(self.tr("The kiosk is locked: sign in to go on."))
            return

        def failed(error: BaseException) -> None:
            self._say(failure_words(error, self.tr("The change")))

        run_op(
            self.store.path,
            lambda store, _progress, _cancelled: job(store, actor),
            owner=self,
            on_done=on_done,
            on_failed=failed,
        )

    def _reevaluate(self) -> None:
        device = self.selected_device()
        if device is None:
            return

        def done(state: object) -> None:
            self._say(
                self.tr("{s} re-evaluated: {t}.").format(
                    s=device.serial, t=shown("compliance_state", str(state))
                ),
                ok=True,
            )
            self.refresh()

        self._write(
            lambda store, actor: services.reevaluate_device(store, device.id, actor=actor), done
        )

    def _print_label(self) -> None:
        device = self.selected_device()
        actor = self._actor()
        if device is None or actor is None or not actor.may(Permission.PRINT_LABEL):
            return
        print_and_record(self, self.store.path, device, actor, self._present)

    def _device_files(self) -> None:
        device = self.selected_device()
        actor = self._actor()
        if device is not None and actor is not None:
            open_device_files(
                self, self.store.path, [device.serial], actor, on_closed=self.table.setFocus
            )

    def _mark_selected_for_cleanup(self) -> None:
        device = self.selected_device()
        if device is not None:
            self._mark_for_cleanup(device.id)

    def _mark_for_cleanup(self, device_id: int) -> None:
        device = self.store.device(device_id)
        if device is None:
            return

        def done(_result: object) -> None:
            self._say(
                self.tr("{s} is marked for cleanup (see its history).").format(s=device.serial),
                ok=True,
            )
            self.refresh()

        def mark() -> None:  # the operator is read when they confirm, not when asked
            self._write(
                lambda store, actor: services.mark_for_cleanup(store, device_id, actor=actor),
                done,
            )

        confirm(
            self,
            self.tr("Mark for cleanup"),
            self.tr(
                "Mark {s} for cleanup? Then follow its plan in order: disable the Entra "
                "device (in Active Directory if hybrid joined). An Autopilot device keeps its "
                "Autopilot record and Entra object; any other is deleted after the grace "
                "period, its BitLocker recovery keys backed up first."
            ).format(s=device.serial),
            mark,
            self._present,
        )

    # -- stale and export ------------------------------------------------------------------

    def _on_tabs_current_changed(self, index: int) -> None:
        self._forget_news()
        if index == STALE:
            self._show_stale()
        self._tip_exports()

    def _tip_exports(self) -> None:
        """The export buttons sit beside every tab: their tip says what they export here."""
        key = {DEVICES: EXPORT_LIST, STALE: EXPORT_STALE}.get(self.tabs.currentIndex(), EXPORT_ALL)
        for button in (self.export, self.export_entra):
            button.setToolTip(self.exports.tooltip(key))

    def _show_stale(self) -> None:
        try:
            actor = self._actor()
            if actor is None:
                return
            plan = services.stale_plan(self.store, limit=SHOWN, actor=actor)
        except JoineryError as error:
            self._say(str(error))
            return
        self.stale_view.show_plan(plan.days, plan.count, list(plan.devices))
        self._stale_shown = plan.count
        self._stale_listed = stale_devices(plan.cutoff, plan.days)

    def _export_scope(self) -> ExportScope | None:
        """The devices of the tab in view: the whole fleet on the Overview (its tiles and
        charts are of every device), the list as filtered, the stale plan shown."""
        tab = self.tabs.currentIndex()
        if tab == STALE:
            return self._stale_listed
        return devices_list(self.model.query) if tab == DEVICES else whole_fleet()

    def _export(self, layout: Layout) -> None:
        scope = self._export_scope()
        if scope is None:  # the stale plan could not be read (said then): try again
            self._show_stale()
            scope = self._export_scope()
        if scope is not None:
            self.exports.choose(layout, scope)

    def choose_import(self) -> None:
        actor = self._actor()
        if actor is None or not actor.may(Permission.IMPORT):
            self._say(self.tr("Your role cannot import check-ins."))
            return
        dialog = QFileDialog(self, self.tr("Import check-ins"))
        dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
        dialog.setNameFilter(self.tr("Check-in reports and Intune exports (*.json *.csv)"))
        dialog.filesSelected.connect(self.import_checkins)
        self._present(dialog)

    def import_checkins(self, paths: list[str]) -> None:
        """Read and record check-ins off the GUI thread; the live refresh shows the result."""
        if paths:
            self.import_button.setEnabled(False)
            self.checkins.start(paths)

    def _on_checkins_finished(self, _report: object) -> None:
        self.import_button.setEnabled(True)
        self.refresh()

    def _say(self, text: str, *, ok: bool = False) -> None:
        """Say `text` below the tiles: news of an action done (`ok`) or what went wrong."""
        if text:
            set_state(self.note, "ok" if ok else "error")
        self.note.setText(text)
        self.note.setVisible(bool(text))

    def _forget_news(self) -> None:
        """News of a finished action goes once the person moves on (another device, tab
        or filter); what went wrong stays until something else is said."""
        if self.note.property("state") == "ok":
            self._say("")

    def shutdown(self) -> None:
        self.table.stop_settling()
        self.model.shutdown()
