"""The Devices screen: the registry as a paged table, scan-to-find, Autopilot import/export."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app import services
from app.domain import Device, HistoryEntry, TenantFacts
from app.errors import JoineryError, TargetNotEmpty
from app.security.roles import Actor, Permission
from app.services import ExportReport, LineageEntry, Store, open_store
from ui import changes
from ui.changes import Change
from ui.devices.detail import DeviceDetailWidget
from ui.devices.import_flow import AutopilotImportFlow
from ui.devices.model import DeviceTableModel
from ui.devices.table import COLUMN_KEYS, DeviceTableView
from ui.ops import NewestRead, failure_words, run_op
from ui.session import signed_in
from ui.widgets.device_files_dialog import open_device_files
from ui.widgets.form import set_state
from ui.widgets.label_printer import print_and_record
from ui.widgets.messages import Present, confirm, notify, open_now
from ui.widgets.scan_field import ScanFieldWidget

log = logging.getLogger(__name__)

#: What the detail pane shows: the device, its hash lineage, its history and what the
#: tenant said of it; None when the device is gone.
_Pane = tuple[Device, list[LineageEntry], list[HistoryEntry], TenantFacts | None] | None


def _tenant_facts(store: Store, device: Device, actor: Actor) -> TenantFacts | None:
    """What the tenant said of the device (a few indexed rows); nothing if it cannot be read."""
    try:
        return services.device_tenant_facts(store, device.id, actor=actor)
    except JoineryError as error:
        log.warning("the tenant's facts of %s could not be read: %s", device.serial, error)
        return None


CSV_FILTER = "Autopilot hardware hash (*.csv);;All files (*)"
# Compliance: swatch and words; Enrollment: "Prepared at the bench".
COLUMN_WIDTHS = (116, 128, 140, 88, 190, 134, 146, 118, 140)


SKIPPED_SHOWN = 5  # serials the export message names; the rest are counted


class DevicesScreen(QWidget):
    """Search, scan, import and export; the table never loads the whole fleet."""

    def __init__(
        self,
        db_path: str,
        parent: QWidget | None = None,
        *,
        actor: Callable[[], Actor | None],
        present: Present = open_now,
        store: Store | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("devicesScreen")
        self._present = present
        self.db_path = db_path
        self._actor = actor  # None while locked: nothing is done then
        # GUI-thread reads (one row at a time, microseconds): the window's connection if given.
        self._owns_store = store is None
        self.store = store if store is not None else open_store(db_path)
        self._pane_read = NewestRead(db_path, self)  # the detail pane's, for the row settled
        self._pending: services.ExactMatch | None = None  # found by Enter, to select
        self._missed: str | None = None  # what Enter did not find, to say once listed
        self._selected_id: int | None = None
        self._closed = False

        self.search = ScanFieldWidget()
        self.search.setObjectName("search")
        self.search.setPlaceholderText(
            self.tr("Scan or type a serial number, device name or user — Enter selects")
        )
        self.import_button = QPushButton(self.tr("&Import Autopilot CSV…"))
        self.import_button.setObjectName("primary")
        self.export_button = QPushButton(self.tr("&Export for Intune…"))
        self.print_button = QPushButton(self.tr("&Print label…"))
        self.print_button.setEnabled(False)
        self.files_button = QPushButton(self.tr("Device &files…"))
        self.files_button.setObjectName("deviceFiles")
        self.files_button.setToolTip(self.tr("What the selected device applies at its setup"))
        self.files_button.setEnabled(False)
        self.count_label = QLabel()
        self.count_label.setObjectName("countLabel")
        self.message = QLabel()
        self.message.setObjectName("scanMessage")
        self.message.setWordWrap(True)

        self.model = DeviceTableModel(self.store, self)
        self.table = DeviceTableView(
            self.model,
            name="deviceTable",
            widths=dict(zip(COLUMN_KEYS, COLUMN_WIDTHS, strict=False)),
            hidden=("manufacturer",),  # the model says it
        )
        self.detail = DeviceDetailWidget()
        self.empty = QLabel()
        self.empty.setObjectName("emptyList")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self._layout()
        self._connect()
        self.import_flow = AutopilotImportFlow(db_path, self, actor=self._actor, present=present)
        self.import_flow.finished.connect(self._on_import_flow_finished)
        changes.follow(self, db_path, Change.DEVICES, self.refresh)
        self.model.refresh()

    def _layout(self) -> None:
        bar = QHBoxLayout()
        bar.addWidget(self.search, 1)
        bar.addWidget(self.import_button)
        bar.addWidget(self.export_button)
        bar.addWidget(self.print_button)
        bar.addWidget(self.files_button)
        self.list_stack = QStackedWidget()
        self.list_stack.addWidget(self.table)
        self.list_stack.addWidget(self.empty)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.list_stack)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([840, 310])
        splitter.setCollapsible(0, False)
        footer = QHBoxLayout()
        footer.addWidget(self.message, 1)
        footer.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        title = QLabel(self.tr("Devices"))
        title.setObjectName("screenTitle")
        layout.addWidget(title)
        layout.addLayout(bar)
        layout.addWidget(splitter, 1)
        layout.addLayout(footer)
        self.setTabOrder(self.search, self.import_button)
        self.setTabOrder(self.import_button, self.export_button)
        self.setTabOrder(self.export_button, self.table)

    def _connect(self) -> None:
        self.search.searched.connect(self._on_search_searched)
        self.search.scanned.connect(self._on_search_scanned)
        self.import_button.clicked.connect(self.choose_import)
        self.export_button.clicked.connect(self.choose_export)
        self.print_button.clicked.connect(self.print_label)
        self.files_button.clicked.connect(self._on_files_clicked)
        self.model.ready.connect(self._on_model_ready)
        self.model.failed.connect(self._on_model_failed)
        self.table.current_settled.connect(self._show_current)
        self.table.selectionModel().currentRowChanged.connect(self._on_table_current_changed)
        QShortcut(QKeySequence("Ctrl+F"), self, self.focus_search)
        QShortcut(QKeySequence("Ctrl+I"), self, self.choose_import)
        QShortcut(QKeySequence("Ctrl+E"), self, self.choose_export)

    # -- lifecycle -------------------------------------------------------------------------

    def shutdown(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.table.stop_settling()
        self.table.current_settled.disconnect(self._show_current)
        self.table.selectionModel().currentRowChanged.disconnect(self._on_table_current_changed)
        self.model.shutdown()
        if self._owns_store:
            self.store.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

    def apply_actor(self, actor: Actor) -> None:
        """Offer only what the role allows; the services check again regardless."""
        for button, permission in (
            (self.import_button, Permission.IMPORT),
            (self.export_button, Permission.EXPORT),
        ):
            allowed = actor.may(permission)
            button.setEnabled(allowed)
            button.setToolTip(
                ""
                if allowed
                else self.tr("Your role ({r}) cannot {p}.").format(
                    r=actor.role.value, p=permission.value
                )
            )

    def refresh(self) -> None:
        """Show what changed (the change channel calls it), keeping the selection; read
        off the GUI thread, as nobody at this kiosk asked for it."""
        self.model.refresh(live=True)
        if self._selected_id is not None:
            self._show_id(self._selected_id)

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    # -- search and scan -------------------------------------------------------------------

    def _on_search_searched(self, text: str) -> None:
        """Typing (after a pause): the list shows what starts with the text."""
        self._pending = None
        self._missed = None
        self.model.set_query(replace(self.model.query, text=text, exact=False))

    def _on_search_scanned(self, text: str) -> None:
        """Enter: the exact serial (or label), device name or user, selected; else the list
        shows what starts with the text, and the message says nothing is exactly that."""
        actor = self._actor()
        if actor is None:
            return
        found = services.find_exact(self.store, text, actor=actor)
        if found.term != self.search.text().strip():
            self.search.setText(found.term)  # a scanned label: the box names its serial
        self.search.selectAll()  # the next scan replaces the text
        if found.device is None:
            self._pending = None
            self._missed = found.term
            self._selected_id = None
            self.table.setCurrentIndex(QModelIndex())
            self._show_id(None)
            self.search.set_state("error")
            self._say(self._missed_words(found.term, None), error=True)
        else:
            self._pending = found
            self._missed = None
            self._selected_id = found.device.id
            self.search.set_state("")
        self.model.set_query(found.query(self.model.query))

    def _missed_words(self, term: str, starting: int | None) -> str:
        text = self.tr("No device has the serial number, name or user “{t}”.").format(t=term)
        if starting is None:
            return text
        if starting:
            return (
                text
                + " "
                + self.tr(
                    "The list shows the {n} device(s) whose serial number, name or user starts "
                    "with it; Esc shows every device."
                ).format(n=f"{starting:,}")
            )
        return (
            text
            + " "
            + self.tr(
                "None starts with it either: check what was scanned, or import the device's "
                "hardware hash (Ctrl+I) or enroll it first."
            )
        )

    def _found_words(self, found: services.ExactMatch) -> str:
        device = found.device
        assert device is not None
        if found.field == "device_name":
            return self.tr("Found the device named {n} (serial number {s}).").format(
                n=device.device_name, s=device.serial
            )
        if found.field == "assigned_user" and found.count > 1:
            return self.tr(
                "{u} is the user of {n} devices: the list shows them all, the first is selected."
            ).format(u=found.term, n=found.count)
        if found.field == "assigned_user":
            return self.tr("Found the device of {u} (serial number {s}).").format(
                u=found.term, s=device.serial
            )
        return self.tr("Found {s}.").format(s=device.serial)

    def _on_model_ready(self) -> None:
        shown_rows = self.model.rowCount()
        total = self.store.count_devices()
        self._show_empty_state(shown_rows, total)
        self.count_label.setText(self._count_words(shown_rows, total))
        pending, self._pending = self._pending, None
        if pending is not None and pending.device is not None:
            row = self.model.row_of(pending.device.id)
            if row is None and shown_rows:
                row = 0  # more matches than a page, sorted before it: the first one
            if row is not None:
                self._select_row(row)
            self._say(self._found_words(pending))
            return
        missed, self._missed = self._missed, None
        if missed is not None and self.model.query.text == missed:
            self._say(self._missed_words(missed, shown_rows), error=True)
            return
        if self._selected_id is not None:
            row = self.model.row_of(self._selected_id)
            if row is not None:
                self._select_row(row)
                return
        if not self.table.currentIndex().isValid():
            self._show_id(None)  # the device the pane showed is not in the list now

    def _count_words(self, shown_rows: int, total: int) -> str:
        query = self.model.query
        n, t = f"{shown_rows:,}", f"{total:,}"
        if not query.text:
            return self.tr("{n} device(s)").format(n=t)
        if query.exact:
            return self.tr("{n} of {t} device(s): serial number, name or user is “{x}”").format(
                n=n, t=t, x=query.text
            )
        return self.tr("{n} of {t} device(s) start with “{x}”").format(n=n, t=t, x=query.text)

    def _show_empty_state(self, shown_rows: int, total: int) -> None:
        if shown_rows:
            self.list_stack.setCurrentWidget(self.table)
            return
        if total and self.model.query.exact:
            text = self.tr(
                "No device's serial number, name or user is “{t}”.\n\nEsc shows every device."
            ).format(t=self.model.query.text)
        elif total:
            text = self.tr(
                "No device's serial number, name or user starts with “{t}”.\n\n"
                "Esc shows every device."
            ).format(t=self.model.query.text)
        else:
            text = self.tr(
                "No devices yet.\n\nImport the hardware-hash CSV files that "
                "Get-WindowsAutopilotInfo wrote: Import Autopilot CSV… (Ctrl+I)."
            )
        self.empty.setText(text)
        self.list_stack.setCurrentWidget(self.empty)

    def _on_model_failed(self, message: str) -> None:
        self._say(self.tr("The device list could not be read: {m}").format(m=message))

    def _select_row(self, row: int) -> None:
        index = self.model.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(index)

    def _on_table_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        # The buttons follow the pane (`_show_id`, once the row has settled): enabled and
        # disabled for each row a held key passed, they were redrawn every frame.
        device_id = self.model.id_at(current.row()) if current.isValid() else None
        if device_id is not None:
            self._selected_id = device_id

    def _show_current(self) -> None:
        self._show_id(self.table.current_id())

    def print_label(self) -> None:
        """Preview the selected device's label and print it; the print is audited."""
        device = self.selected_device()
        actor = self._actor()
        if device is None or actor is None:
            return
        if not actor.may(Permission.PRINT_LABEL):
            self._say(self.tr("Your role cannot print labels."))
            return
        print_and_record(self, self.db_path, device, actor, self._present)

    def _on_files_clicked(self) -> None:
        device = self.store.device(self._selected_id) if self._selected_id else None
        actor = self._actor()
        if device is None or actor is None:
            return
        open_device_files(self, self.db_path, [device.serial], actor, on_closed=self.table.setFocus)

    def _show_id(self, device_id: int | None) -> None:
        """The pane for the device `device_id` (None: nothing selected). Its record,
        lineage, history and what the tenant said are read on the reader thread and the
        pane is drawn once, when they are back: a row that settled on a part of a
        million-device file not read before waited on the disk, on the GUI thread (tens of
        ms). An answer for a row left meanwhile is dropped."""
        actor = self._actor()
        if device_id is None or actor is None:
            self._pane_read.forget()
            self._draw_pane(None)
            return

        def read(store: Store) -> _Pane:
            found = store.device(device_id)
            if found is None:
                return None
            lineage = services.device_lineage(store, device_id, actor=actor)
            history = services.device_history(store, device_id, actor=actor)
            return found, lineage, history, _tenant_facts(store, found, actor)

        self._pane_read.read(read, on_done=self._draw_pane, on_failed=self._on_pane_failed)

    def _on_pane_failed(self, error: BaseException) -> None:
        self._draw_pane(None)
        words = self.tr(
            "The device's details could not be read. Select it again; the log (joinery.log "
            "in Joinery's data folder) has the details."
        )
        self._say(failure_words(error, "Reading the device's details", words), error=True)

    def _draw_pane(self, pane: _Pane) -> None:
        device = pane[0] if pane is not None else None
        self.print_button.setEnabled(device is not None)
        self.files_button.setEnabled(device is not None and device.enrolled)
        if pane is None:
            self.detail.show_device(None, [], [])
            return
        device, lineage, history, facts = pane
        self.detail.show_device(device, lineage, history)
        self.detail.show_tenant(device, facts)

    def selected_device(self) -> Device | None:
        index = self.table.currentIndex()
        return self.model.device_at(index.row()) if index.isValid() else None

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message.setText(text)
        set_state(self.message, "error" if error else "")

    # -- import and export -----------------------------------------------------------------

    def ask_import_files(self) -> list[str]:
        files, _ = QFileDialog.getOpenFileNames(
            self, self.tr("Import Autopilot hardware hashes"), "", CSV_FILTER
        )
        return list(files)

    def choose_import(self) -> None:
        files = self.ask_import_files()
        if files:
            self.import_files(files)

    def import_files(self, files: list[str]) -> None:
        self.import_button.setEnabled(False)
        self._say(self.tr("Importing {n} file(s)…").format(n=len(files)))
        self.import_flow.start(files)

    def _on_import_flow_finished(self, report: Any) -> None:
        self.import_button.setEnabled(True)
        if report is not None and report.committed:
            self._say(
                self.tr("Imported {i} new, updated {u}, {r} reimage(s).").format(
                    i=report.imported, u=report.updated, r=report.reimaged
                )
            )
        self.refresh()

    def ask_export_dir(self) -> str:
        return QFileDialog.getExistingDirectory(self, self.tr("Export for Intune into folder"))

    def choose_export(self) -> None:
        folder = self.ask_export_dir()
        if folder:
            self.export_to(folder)

    def export_to(self, folder: str, *, overwrite: bool = False) -> None:
        self.export_button.setEnabled(False)
        actor = self._actor()
        run_op(
            self.db_path,
            lambda store, _p, _c: services.export_autopilot(
                store, folder, overwrite=overwrite, actor=signed_in(actor)
            ),
            on_done=self._on_export_done,
            on_failed=lambda error: self._on_export_failed(error, folder),
        )

    def _on_export_done(self, report: ExportReport) -> None:
        self.export_button.setEnabled(True)
        text = self.tr("Exported {n} device(s) to {f} file(s) for Intune.").format(
            n=report.devices, f=len(report.files)
        )
        if report.skipped:
            shown = ", ".join(report.skipped[:SKIPPED_SHOWN])
            if len(report.skipped) > SKIPPED_SHOWN:
                shown += self.tr(" and {n} more").format(n=len(report.skipped) - SKIPPED_SHOWN)
            text += " " + self.tr(
                "Left out {n} device(s) with no hardware hash: {s}. Collect each hash on the "
                "device (Get-JoineryReport.ps1 or Get-WindowsAutopilotInfo), import it, then "
                "export again."
            ).format(n=len(report.skipped), s=shown)
        self._say(text, error=bool(report.skipped))

    def _on_export_failed(self, error: BaseException, folder: str) -> None:
        self.export_button.setEnabled(True)
        if isinstance(error, TargetNotEmpty):
            confirm(
                self,
                self.tr("Replace earlier export?"),
                self.tr("{f} already holds an earlier Intune export. Replace those files?").format(
                    f=folder
                ),
                lambda: self.export_to(folder, overwrite=True),
                self._present,
            )
            return
        known = isinstance(error, JoineryError)
        words = self.tr("The export stopped on an unexpected error.")
        text = failure_words(error, "Exporting for Intune", words)
        if known:
            self._say(text)
        icon = QMessageBox.Icon.Warning if known else QMessageBox.Icon.Critical
        notify(self, icon, self.tr("Export failed"), text, self._present)
