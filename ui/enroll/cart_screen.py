"""Cart mode: scan a cart of devices, review them in one grid with their names, commit all.

Every scan is checked at once, on the reader thread (the same preview as batch mode), and the
whole cart again there when another profile is chosen; nothing is written until "Enroll all",
which commits the whole cart in one transaction and queues the labels. The labels can then be
saved as one PDF sheet for a sheet printer.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QObject, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app import services
from app.errors import JoineryError
from app.security.roles import Actor, Permission
from app.services import Enrolled, EnrollPreview, EnrollRequest, ScanCheck, Store
from ui import changes
from ui.changes import Change
from ui.ops import failure_words, run_op, run_read
from ui.session import signed_in
from ui.widgets.device_files_dialog import open_device_files
from ui.widgets.flow_layout import FlowLayout
from ui.widgets.form import buddy, set_state
from ui.widgets.keys import is_remove_press
from ui.widgets.profile_chooser import ProfileChooserWidget
from ui.widgets.scan_field import ScanFieldWidget
from ui.widgets.table_marks import mark_problem

CART_HEADERS = ("Serial number", "Device name", "Windows", "Check")
LAYOUT_WORDS = {
    "A4_3x10": "A4 sheet, 3 × 10 labels",
    "LETTER_3x10": "Letter sheet, 3 × 10 labels (Avery 5160)",
    "TAPE_62MM": "62 mm tape, one label per page",
}


class CartEnrollWidget(QWidget):
    """Emits `enrolled(count)` after a whole cart has been committed."""

    enrolled = Signal(int)

    def __init__(
        self, store: Store, actor: Callable[[], Actor | None], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("cartScreen")
        self.store = store
        self._actor = actor
        self.cart: list[EnrollPreview] = []
        self.committed: list[str] = []
        self.committed_shown = False  # the grid shows the cart just enrolled
        self.last_enrolled: Enrolled | None = None
        # Serials scanned a second time to be enrolled again (an update, after a reimage).
        # An enrolled device in the cart without that is held: marked in the grid, and the
        # cart is not enrolled while one is (a check of the whole cart may find it enrolled
        # since its scan, too).
        self._confirmed: set[str] = set()
        self.busy = False
        self.checks = 0  # scans still being checked on the reader thread
        # The profile the cart's previews were made with, and its name template.
        self._checked = ("", "")
        self._commit_when_checked = False

        self.profile = ProfileChooserWidget()
        self.profile.setObjectName("cartProfile")
        self.scan = ScanFieldWidget()
        self.scan.setObjectName("cartScan")
        self.scan.setPlaceholderText(self.tr("Scan each device of the cart (serial, then Enter)"))
        self.message = QLabel()
        self.message.setObjectName("fieldError")
        self.message.setWordWrap(True)
        self.table = QTableWidget(0, len(CART_HEADERS))
        self.table.setTabKeyNavigation(False)  # Tab leaves the table
        self.table.setObjectName("cartTable")
        self.table.setHorizontalHeaderLabels([self.tr(h) for h in CART_HEADERS])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        for column, width in enumerate((170, 170, 190)):
            self.table.setColumnWidth(column, width)
        self.commit_button = QPushButton(self.tr("Enroll all  (Ctrl+Enter)"))
        self.commit_button.setObjectName("cartCommit")
        self.remove_button = QPushButton(self.tr("Remove  (Del)"))
        self.clear_button = QPushButton(self.tr("Empty the cart"))
        self.layout_choice = QComboBox()
        self.layout_choice.setObjectName("sheetLayout")
        for key, words in LAYOUT_WORDS.items():
            self.layout_choice.addItem(self.tr(words), key)
        self.sheet_button = QPushButton(self.tr("Save labels as PDF…"))
        self.sheet_button.setObjectName("saveSheet")
        self.files_button = QPushButton(self.tr("Write &files for the cart…"))
        self.files_button.setObjectName("cartDeviceFiles")
        self.files_button.setToolTip(
            self.tr("What each device applies at its setup, one folder per device")
        )
        self.count = QLabel()
        self.count.setObjectName("countLabel")

        top = QHBoxLayout()
        top.addWidget(buddy(self.tr("Bench &profile"), self.profile))
        top.addWidget(self.profile)
        top.addStretch(1)
        buttons = QWidget()
        flow = FlowLayout(buttons)  # wraps at 1024 px rather than cutting a button's words
        for widget in (
            self.commit_button,
            self.remove_button,
            self.clear_button,
            self.layout_choice,
            self.sheet_button,
            self.files_button,
        ):
            flow.add(widget)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.scan)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count)
        layout.addWidget(buttons)

        self.scan.scanned.connect(self._on_scan_scanned)
        self.commit_button.clicked.connect(self.commit)
        self.remove_button.clicked.connect(self._on_remove_clicked)
        self.clear_button.clicked.connect(self._on_clear_clicked)
        self.sheet_button.clicked.connect(self._on_sheet_clicked)
        self.files_button.clicked.connect(self._on_files_clicked)
        self.profile.currentTextChanged.connect(self._on_profile_changed)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, self.commit)
        self.table.installEventFilter(self)
        self.reload_profiles()
        changes.follow(self, store.path, Change.PROFILES, self.reload_profiles)
        self._refresh()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        """Delete (or Backspace) on the grid removes the selected devices from the cart."""
        if watched is self.table and is_remove_press(event):
            # The selected rows; else the current one (the grid just tabbed into shows
            # its first row current, unselected: Delete removes what the person sees).
            self._remove(self.table.selectedIndexes() or [self.table.currentIndex()])
            return True
        return super().eventFilter(watched, event)

    def reload_profiles(self) -> None:
        """The saved profiles again (one may have been saved meanwhile); the choice stays,
        and the cart is checked again: a saved profile may name devices differently now."""
        self._checked = ("", "")
        self.profile.reload(self.store.profile_names())
        self._recheck()

    def focus_scan(self) -> None:
        self.scan.setFocus()
        self.scan.selectAll()

    # -- building the cart -----------------------------------------------------------------

    def _on_scan_scanned(self, text: str) -> None:
        """Enter in the scan field: the field is ready for the next device at once; what it
        named is found and checked on the reader thread (`_check`)."""
        if self.busy or self._actor() is None:
            return
        self.scan.clear()
        self._check(text)

    def _check(self, text: str) -> None:
        """Find the device `text` names (a label or a serial) and preview its enrollment
        with the chosen profile on the reader thread: a tenant sync or an import on the
        writer thread never makes a scan wait for the GUI thread, which only shows the
        answer. Answers land in the order of the scans (`_on_checked`)."""
        actor = self._actor()
        if actor is None:
            return
        profile = self.profile.currentText()

        def read(store: Store) -> ScanCheck:
            return services.check_scan(store, text, profile, actor=actor)

        self._read(read, lambda found: self._on_checked(found, profile), self._on_check_failed)

    def _on_checked(self, found: ScanCheck, profile: str) -> None:
        self.checks -= 1
        serial, checked = found.serial, found.preview
        try:
            if self._actor() is None:
                return  # locked meanwhile: the cart stays as it was
            # Never busy here: a commit waits for the checks under way (`commit`), and a
            # scan made while a commit runs stays in the field.
            if profile != self.profile.currentText():
                self._check(serial)  # the profile changed meanwhile: checked again with it
                return
            if not self.cart and not isinstance(checked, JoineryError):
                self._checked = (profile, found.name_template)
            self._add(serial, checked)
        finally:
            self._check_landed()

    def _check_landed(self) -> None:
        """A check is back: Ctrl+Enter pressed before the last one enrolls now."""
        if self._commit_when_checked and not self.checks:
            self._commit_when_checked = False
            self.commit()

    def _on_check_failed(self, error: BaseException) -> None:
        self.checks -= 1
        self._commit_when_checked = False
        words = self.tr(
            "A scanned device could not be checked, so it is not in the cart. Scan it "
            "again; the log (joinery.log in Joinery's data folder) has the details."
        )
        self._say(failure_words(error, "Checking the scanned device", words), error=True)

    def _add(self, serial: str, checked: EnrollPreview | JoineryError) -> None:
        key = serial.casefold()
        index = next((i for i, p in enumerate(self.cart) if p.serial.casefold() == key), None)
        if index is not None:
            if isinstance(checked, EnrollPreview) and self._is_held(checked):
                self.cart[index] = checked  # scanned again: this check is the one to enroll
                self._confirmed.add(key)
                self._say(self.tr("{s} added as an update.").format(s=serial), error=False)
                self._refresh()
            else:
                self._say(self.tr("{s} is already in the cart.").format(s=serial), error=True)
            return
        if isinstance(checked, JoineryError):
            self._say(str(checked), error=True)
            return
        preview = checked
        if self.committed and not self.cart:
            self.committed_shown = False  # the first scan of the next cart
        self.cart.append(preview)
        if self._is_held(preview) and preview.existing is not None:
            # Held in the grid, not only said: the next scan replaces the message, and a
            # device scanned in passing would be left out of the cart unseen.
            self._say(
                self.tr(
                    "{s} is already enrolled as {n}. Scan it again to add it as an update "
                    "(after a reimage), or remove it."
                ).format(s=serial, n=preview.existing.device_name),
                error=True,
            )
        else:
            self._say(
                self.tr("{s} added.").format(s=serial)
                if preview.ready
                else self.tr("{s} added, but it cannot be enrolled: {p}").format(
                    s=serial, p=preview.problem
                ),
                error=not preview.ready,
            )
        self._refresh()

    def _is_held(self, preview: EnrollPreview) -> bool:
        enrolled = preview.existing is not None and preview.existing.enrolled
        return enrolled and preview.serial.casefold() not in self._confirmed

    def _on_profile_changed(self, _name: str) -> None:
        self._recheck()

    def _recheck(self) -> None:
        """The cart checked again with the chosen profile, on the reader thread (a cart of
        forty previews is a read of forty devices); the grid shows the answers once back,
        and Ctrl+Enter meanwhile waits for them."""
        actor = self._actor()
        if actor is None or not self.cart:
            return  # locked: checked again at Ctrl+Enter (`commit`); empty: the next scan
        profile = self.profile.currentText()
        serials = [p.serial for p in self.cart]

        def read(store: Store) -> tuple[str, list[EnrollPreview]]:
            return services.preview_cart(store, serials, profile, actor=actor)

        self._read(
            read,
            lambda found: self._on_rechecked(found, profile),
            lambda error: self._on_recheck_failed(error, profile),
        )

    def _read(
        self,
        read: Callable[[Store], Any],
        on_done: Callable[[Any], None],
        on_failed: Callable[[BaseException], None],
    ) -> None:
        """A check on the reader thread, counted until its answer lands (Ctrl+Enter waits
        for every one: `_check_landed`)."""
        self.checks += 1
        run_read(self.store.path, read, on_done=on_done, on_failed=on_failed, owner=self)

    def _on_rechecked(self, found: tuple[str, list[EnrollPreview]], profile: str) -> None:
        self.checks -= 1
        try:
            if self._actor() is None or profile != self.profile.currentText():
                return  # locked meanwhile, or another profile chosen: its check counts
            template, previews = found
            again = {p.serial: p for p in previews}
            # Devices removed meanwhile stay out; those scanned meanwhile were checked
            # with this profile already (`_on_checked` checks again when it changed).
            self.cart = [again.get(p.serial, p) for p in self.cart]
            self._checked = (profile, template)
            self._refresh()
        finally:
            self._check_landed()

    def _on_recheck_failed(self, error: BaseException, profile: str) -> None:
        self.checks -= 1
        self._commit_when_checked = False
        words = self.tr(
            "The cart could not be checked with the profile {p}; the grid shows its last "
            "check. Choose the profile again; the log (joinery.log in Joinery's data folder) "
            "has the details."
        ).format(p=profile)
        self._say(failure_words(error, "Checking the cart", words), error=True)

    def _on_remove_clicked(self) -> None:
        self._remove(self.table.selectedIndexes())

    def _remove(self, picked: list[QModelIndex]) -> None:
        for row in sorted({i.row() for i in picked if i.isValid()}, reverse=True):
            if row < len(self.cart):
                self._confirmed.discard(self.cart[row].serial.casefold())
                del self.cart[row]
        self._refresh()
        self.focus_scan()

    def _on_clear_clicked(self) -> None:
        self.cart = []
        self._confirmed.clear()
        self._refresh()
        self.focus_scan()

    # -- commit ----------------------------------------------------------------------------

    def commit(self) -> None:
        actor = self._actor()
        if self.busy or actor is None:
            return
        if self.checks:
            self._commit_when_checked = True  # once the scans still being checked are in
            return
        if not self.cart:
            return
        if self._checked[0] != self.profile.currentText():
            # Checked with another profile (the screen was locked when this one was chosen,
            # its check failed, or a profile was saved since): checked again first, and
            # enrolled once it is back.
            self._commit_when_checked = True
            self._recheck()
            return
        if not actor.may(Permission.ENROLL):
            self._say(self.tr("Your role cannot enroll devices."), error=True)
            return
        held = [p.serial for p in self.cart if self._is_held(p)]
        if held:
            self._say(
                self.tr(
                    "{s} already enrolled: scan each again to add it as an update, or remove "
                    "it. Nothing was enrolled."
                ).format(s=", ".join(held)),
                error=True,
            )
            return
        blocked = [p for p in self.cart if not p.ready]
        if blocked:
            self._say(
                self.tr("{n} device(s) cannot be enrolled (see Check); remove them first.").format(
                    n=len(blocked)
                ),
                error=True,
            )
            return
        profile = self.profile.currentText()
        requests = [
            EnrollRequest(
                p.serial,
                profile,
                update=p.existing is not None and p.existing.enrolled,
            )
            for p in self.cart
        ]
        self.busy = True
        self.commit_button.setEnabled(False)
        run_op(
            self.store.path,
            lambda store, progress, _c: services.enroll_with_labels(
                store, requests, actor=actor, progress=progress
            ),
            on_done=self._on_commit_done,
            on_failed=self._on_commit_failed,
        )

    def _on_commit_done(self, enrolled: Enrolled) -> None:
        results = enrolled.results
        self.busy = False
        self.committed = [r.device.serial for r in results]
        self.cart = []
        self.committed_shown = True
        self.last_enrolled = enrolled
        self._refresh()
        text = self.tr(
            "Enrolled {n} device(s) in one go; labels queued. Save them as a PDF sheet, "
            "or scan the next cart."
        ).format(n=len(results))
        if enrolled.label_problems:  # the cart is enrolled all the same: only labels need a hand
            text = self.tr("Enrolled {n} device(s) in one go, but: {p}").format(
                n=len(results), p="; ".join(enrolled.label_problems)
            )
        unhashed = [r.device.serial for r in results if r.warnings]
        if unhashed:  # enrolled; these need their hash before their setup
            text += " " + self.tr(
                "No hardware hash is recorded for {s}: collect it on each device "
                "(Get-JoineryReport.ps1 or Get-WindowsAutopilotInfo) and import it before "
                "it starts its setup."
            ).format(s=", ".join(unhashed))
        self._say(text, error=bool(enrolled.label_problems or unhashed))
        self.sheet_button.setEnabled(True)
        self.files_button.setEnabled(True)
        self.enrolled.emit(len(results))
        self.focus_scan()

    def _on_commit_failed(self, error: BaseException) -> None:
        self.busy = False
        self.commit_button.setEnabled(True)
        words = self.tr("The enrollment stopped on an unexpected error")
        text = failure_words(error, "Cart enrollment", words)
        self._say(text + self.tr(" — nothing in the cart was saved."), error=True)

    # -- label sheet -----------------------------------------------------------------------

    def _on_sheet_clicked(self) -> None:
        if not self.committed:
            return
        dialog = QFileDialog(self, self.tr("Save the labels as PDF"))
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilter(self.tr("PDF (*.pdf)"))
        dialog.setDefaultSuffix("pdf")
        dialog.selectFile(f"labels-{len(self.committed)}-devices.pdf")
        dialog.fileSelected.connect(self.save_sheet)
        dialog.open()

    def _on_files_clicked(self) -> None:
        """The files each device of the cart just enrolled applies at its setup."""
        actor = self._actor()
        if actor is None or not self.committed:
            return
        open_device_files(self, self.store.path, self.committed, actor, on_closed=self.focus_scan)

    def save_sheet(self, path: str) -> None:
        actor = self._actor()
        serials = list(self.committed)
        layout = str(self.layout_choice.currentData())

        def job(store: Store, progress: Callable[[int, int], None], cancelled: object) -> Path:
            return services.write_label_sheet(
                store, serials, path, layout=layout, actor=signed_in(actor), progress=progress
            )

        run_op(
            self.store.path,
            job,
            owner=self,
            on_done=lambda target: self._say(
                self.tr("Saved {n} labels to {p}.").format(n=len(serials), p=target), error=False
            ),
            on_failed=lambda error: self._say(str(error), error=True),
        )

    # -- display ---------------------------------------------------------------------------

    def _refresh(self) -> None:
        self.table.setRowCount(0)
        if self.committed_shown and self.last_enrolled is not None:
            self._show_committed(self.last_enrolled)
            return
        random_names = "%RAND:" in self._template().upper()
        for preview in self.cart:
            name = preview.name or "—"
            if random_names and preview.existing is None:
                name += self.tr(" (digits drawn at commit)")
            check = preview.problem or (
                self.tr("update: enrolled before (reimage)")
                if preview.existing is not None and preview.existing.enrolled
                else self.tr("ready; no hardware hash yet")
                if preview.warning
                else self.tr("ready")
            )
            if not preview.ready:
                check = self.tr("cannot be enrolled: {p}").format(p=check)
            elif self._is_held(preview):
                check = self.tr("already enrolled: scan it again to update it, or remove it")
            self._add_row(
                preview.serial,
                name,
                preview.verdict.windows,
                check,
                problem=not preview.ready or self._is_held(preview),
            )
        ready = sum(p.ready and not self._is_held(p) for p in self.cart)
        self.count.setText(
            self.tr("{n} device(s) in the cart, {r} ready").format(n=len(self.cart), r=ready)
        )
        self.commit_button.setEnabled(bool(self.cart) and not self.busy)
        self.sheet_button.setEnabled(bool(self.committed))
        self.files_button.setEnabled(bool(self.committed))

    def _template(self) -> str:
        """The name template of the profile the cart was checked with (the grid shows
        that check's names)."""
        return self._checked[1]

    def _show_committed(self, enrolled: Enrolled) -> None:
        """The cart just enrolled, row by row, until the next cart's first scan."""
        for result in enrolled.results:
            device = result.device
            labelled = enrolled.label_queued(device.serial)
            state = (
                self.tr("enrolled; label queued")
                if labelled
                else self.tr("enrolled; label NOT queued: print it from Devices")
            )
            self._add_row(
                device.serial,
                device.device_name or "",
                result.verdict.windows,
                state,
                problem=not labelled,
            )
        self.count.setText(
            self.tr(
                "{n} device(s) enrolled from this cart. The cart is empty: the next scan "
                "starts a new one."
            ).format(n=len(enrolled.results))
        )
        self.commit_button.setEnabled(False)
        self.sheet_button.setEnabled(bool(self.committed))
        self.files_button.setEnabled(bool(self.committed))

    def _add_row(self, *cells: str, problem: bool = False) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        for column, text in enumerate(cells):
            item = QTableWidgetItem(text)
            item.setToolTip(text)  # a long reason is cut in the cell, whole in the tooltip
            if problem:
                mark_problem(item)
            self.table.setItem(row, column, item)

    def _say(self, text: str, *, error: bool) -> None:
        self.message.setText(text)
        set_state(self.message, "error" if error else "ok")
