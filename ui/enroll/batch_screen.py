"""Batch enrollment: scan, check, Enter commits, the label queues, ready for the next scan.

The technician's hands stay on the scanner: a keyboard-wedge scanner types the serial and
presses Enter (the check and the name preview), one more Enter commits. A serial scanned
twice in the batch is flagged; one already enrolled asks for a second Enter to update it.

A scan is checked on the reader thread (`ui.ops.run_read`): a tenant sync or an import on the
writer thread never makes the technician's scan wait for the GUI thread. Checks land in the
order of the scans, so a second Enter that comes before the first check is back still
commits once that check has shown its preview. A check counts only for the field as it was
when the check was asked (every edit, Esc and clear makes the field another scan, checked
again) and for the profile still chosen; Enter enrolls with the profile the preview shown
was checked with.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app import locales, services
from app.domain import EnrollmentStatus
from app.errors import JoineryError
from app.security.roles import Actor, Permission
from app.services import (
    Enrolled,
    EnrollPreview,
    EnrollRequest,
    EnrollResult,
    ScanCheck,
    Store,
)
from ui import changes
from ui.changes import Change
from ui.ops import failure_words, run_op, run_read
from ui.session import signed_in
from ui.widgets.elided_label import ElidedLabel
from ui.widgets.form import buddy, set_state
from ui.widgets.profile_chooser import ProfileChooserWidget
from ui.widgets.scan_field import ScanFieldWidget
from ui.widgets.table_marks import mark_problem
from ui.words import when

BATCH_HEADERS = ("Time", "Serial number", "Device name", "Result")


@dataclass(frozen=True)
class Checked:
    """A preview with the profile it was checked with: Enter enrolls exactly what was shown."""

    preview: EnrollPreview
    profile: str


class BatchEnrollScreen(QWidget):
    """Emits `enrolled(serial)` after each commit (and its label) has landed."""

    enrolled = Signal(str)

    def __init__(
        self, store: Store, actor: Callable[[], Actor | None], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("enrollScreen")
        self.store = store
        self._actor = actor
        self.checked: Checked | None = None  # the preview shown, for the serial in the field
        self.edits = 0  # every change to the scan field: a check asked before one is stale
        self.batch: list[str] = []
        self.busy = False
        self.checks = 0  # checks asked for and not yet back

        intro = QLabel(
            self.tr(
                "Batch mode: scan a serial number (the scanner presses Enter), check the preview, "
                "press Enter to enroll. The label is queued and the field is ready for the next "
                "device."
            )
        )
        intro.setObjectName("planSummary")
        intro.setWordWrap(True)
        self.profile = ProfileChooserWidget()
        self.profile.setObjectName("profileChoice")
        self.auto_commit = QCheckBox(self.tr("Enroll as soon as a valid serial is scanned"))
        self.auto_commit.setObjectName("autoCommit")
        self.scan = ScanFieldWidget()
        self.scan.setObjectName("enrollScan")
        self.scan.setPlaceholderText(self.tr("Scan or type the serial number, then Enter"))
        self.message = QLabel()
        self.message.setObjectName("fieldError")
        self.message.setWordWrap(True)

        card = QFrame()
        card.setObjectName("detailPane")
        form = QFormLayout(card)
        self.values: dict[str, QLabel] = {}
        for key, label in (
            ("serial", "Serial number"),
            ("name", "Device name"),
            ("windows", "Windows"),
            ("eligibility", "Entra join"),
            ("record", "In the registry"),
            ("profile", "Profile answers"),
        ):
            value = ElidedLabel()
            value.setObjectName(f"preview_{key}")
            self.values[key] = value
            form.addRow(self.tr(label), value)

        self.table = QTableWidget(0, len(BATCH_HEADERS))
        self.table.setTabKeyNavigation(False)  # Tab leaves the table
        self.table.setObjectName("batchTable")
        self.table.setHorizontalHeaderLabels([self.tr(h) for h in BATCH_HEADERS])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        for column, width in enumerate((90, 160, 160)):
            self.table.setColumnWidth(column, width)
        self.count = QLabel()
        self.count.setObjectName("countLabel")

        top = QHBoxLayout()
        top.addWidget(buddy(self.tr("Bench &profile"), self.profile))
        top.addWidget(self.profile)
        top.addWidget(self.auto_commit)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(top)
        layout.addWidget(self.scan)
        layout.addWidget(self.message)
        layout.addWidget(card)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count)

        self.scan.scanned.connect(self._on_scan_scanned)
        self.scan.textChanged.connect(self._on_scan_text_changed)
        self.scan.searched.connect(self._on_scan_searched)
        self.profile.currentTextChanged.connect(self._on_profile_changed)
        self.reload_profiles()
        changes.follow(self, store.path, Change.PROFILES, self.reload_profiles)
        self._show_preview(None)

    # -- profiles --------------------------------------------------------------------------

    def reload_profiles(self) -> None:
        """The saved profiles again (one may have been saved meanwhile); the choice stays."""
        self.profile.reload(self.store.profile_names())
        self._on_profile_changed(self.profile.currentText())

    def _on_profile_changed(self, name: str) -> None:
        try:
            answers = services.profile(self.store, name, actor=signed_in(self._actor()))
        except JoineryError as exc:
            self.values["profile"].setText(str(exc))
            return
        network = "wired" if answers.network == "wired" else f"Wi-Fi {answers.wifi_ssid}"
        layout = locales.keyboard(answers.keyboard)
        keyboard = layout.name if layout else answers.keyboard
        self.values["profile"].setText(
            f"{answers.edition} {answers.build} · {answers.region} · {keyboard} keyboard · "
            f"{network} · name {answers.name_template}"
            + (f" · tag {answers.group_tag}" if answers.group_tag else "")
        )
        if self.checked is not None:
            self._check(self.checked.preview.serial)

    # -- scan, check, commit ---------------------------------------------------------------

    @property
    def preview(self) -> EnrollPreview | None:
        """What Enter would enroll now, or None (nothing checked for the field yet)."""
        return self.checked.preview if self.checked is not None else None

    @property
    def checking(self) -> bool:
        """A scan is being checked on the reader thread."""
        return self.checks > 0

    def focus_scan(self) -> None:
        self.scan.setFocus()
        self.scan.selectAll()

    def _on_scan_text_changed(self, _text: str) -> None:
        """Typing, Esc or a clear: the field holds another scan, checked before it commits
        (the same serial scanned again too: its Enter must not commit the first one)."""
        self.edits += 1
        self.checked = None

    def _on_scan_searched(self, text: str) -> None:
        """Esc emptied the field: what was said of the scan it held goes with it."""
        if not text and not self.busy:
            self._say("")
            self._show_preview(None)

    def _on_scan_scanned(self, text: str) -> None:
        """Enter in the scan field: what it names is found and checked on the reader
        thread; `_on_checked` decides when it lands (a second Enter commits)."""
        if self.busy or self._actor() is None:
            return
        self._check(text, scanned=True)

    def _check(self, text: str, *, scanned: bool = False) -> None:
        """Find the device `text` names (a label or a serial) and preview its enrollment
        with the chosen profile, on the reader thread; the GUI thread only shows it."""
        actor = self._actor()
        if actor is None:
            return
        profile = self.profile.currentText()
        edits = self.edits

        def read(store: Store) -> ScanCheck:
            return services.check_scan(store, text, profile, actor=actor)

        self.checks += 1
        run_read(
            self.store.path,
            read,
            on_done=lambda found: self._on_checked(
                found, profile=profile, edits=edits, scanned=scanned
            ),
            on_failed=lambda error: self._on_check_failed(error, edits),
            owner=self,
        )

    def _on_checked(self, found: ScanCheck, *, profile: str, edits: int, scanned: bool) -> None:
        self.checks -= 1
        serial, checked = found.serial, found.preview
        if self.busy or edits != self.edits:
            return  # a commit is under way, or the field has changed since the check was asked
        if profile != self.profile.currentText():
            self._check(serial)  # the profile changed meanwhile: shown again, Enter to commit
            return
        shown = self.checked
        again = shown is not None and shown.preview.serial == serial and shown.profile == profile
        if scanned and again:
            self.commit()  # the second Enter on a checked serial
            return
        if isinstance(checked, JoineryError):
            self._say(str(checked), error=True)
            return
        self._show_check(Checked(checked, profile))
        fresh = checked.existing is None and serial not in self.batch
        if scanned and self.auto_commit.isChecked() and checked.ready and fresh:
            self.commit()

    def _on_check_failed(self, error: BaseException, edits: int) -> None:
        self.checks -= 1
        if edits != self.edits:
            return  # about a scan no longer in the field
        words = self.tr(
            "The scanned device could not be checked; nothing was enrolled. Scan it again; "
            "the log (joinery.log in Joinery's data folder) has the details."
        )
        self._say(failure_words(error, "Checking the scanned device", words), error=True)

    def _show_check(self, checked: Checked) -> None:
        preview = checked.preview
        serial = preview.serial
        self.checked = checked
        self._show_preview(preview)
        if serial in self.batch:
            self._say(
                self.tr(
                    "{s} was already enrolled in this batch (device {n}). Scan the "
                    "next device, or press Enter to enroll it again."
                ).format(s=serial, n=self.batch.index(serial) + 1),
                warning=True,
            )
        elif not preview.ready:
            self._say(preview.problem or "", error=True)
        elif preview.existing is not None and preview.existing.enrolled:
            self._say(
                self.tr(
                    "{s} is already enrolled as {n}. Press Enter to update it "
                    "(after a reimage), or scan the next device."
                ).format(s=serial, n=preview.existing.device_name),
                warning=True,
            )
        elif preview.warning:  # Enter still enrolls; the hash is collected afterwards
            self._say(
                self.tr("Press Enter to enroll {s} as {n}. {w}").format(
                    s=serial, n=preview.name, w=preview.warning
                ),
                warning=True,
            )
        else:
            self._say(
                self.tr("Press Enter to enroll {s} as {n}.").format(s=serial, n=preview.name),
                error=False,
            )

    def commit(self) -> None:
        """Enroll the serial shown, with the profile its preview was checked with."""
        checked = self.checked
        actor = self._actor()
        if checked is None or actor is None or self.busy:
            return
        preview = checked.preview
        if not preview.ready:
            self._say(preview.problem or "", error=True)
            return
        if not actor.may(Permission.ENROLL):
            self._say(self.tr("Your role cannot enroll devices."), error=True)
            return
        update = preview.existing is not None and preview.existing.enrolled
        request = EnrollRequest(preview.serial, checked.profile, update=update)
        self.busy = True
        self.scan.setReadOnly(True)
        run_op(
            self.store.path,
            lambda store, _p, _c: services.enroll_with_labels(store, [request], actor=actor),
            on_done=lambda enrolled: self._on_commit_done(enrolled, updated=update),
            on_failed=self._on_commit_failed,
        )

    def _on_commit_done(self, enrolled: Enrolled, *, updated: bool) -> None:
        (result,) = enrolled.results
        self.busy = False
        self.scan.setReadOnly(False)
        serial = result.device.serial
        if serial not in self.batch:  # enrolled again (a reimage): still one device
            self.batch.append(serial)
        self._add_row(result, labelled=enrolled.label_queued(serial), updated=updated)
        done = self.tr("Updated {s} ({n})") if updated else self.tr("Enrolled {s} as {n}")
        done = done.format(s=serial, n=result.device.device_name)
        # Enrolled either way: what needs a hand is a warning, not an error.
        if enrolled.label_problems:
            self._say(
                self.tr("{d}, but {p}").format(d=done, p="; ".join(enrolled.label_problems)),
                warning=True,
            )
        elif result.warnings:  # the device needs a hand before its setup
            self._say(
                self.tr("{d}; label queued. {w}").format(d=done, w=" ".join(result.warnings)),
                warning=True,
            )
        else:
            self._say(self.tr("{d}; label queued. Ready for the next scan.").format(d=done))
        self.checked = None
        self.scan.clear()
        self.scan.setFocus()
        self.enrolled.emit(serial)

    def _on_commit_failed(self, error: BaseException) -> None:
        self.busy = False
        self.scan.setReadOnly(False)
        words = self.tr("The enrollment stopped on an unexpected error; nothing was saved.")
        self._say(failure_words(error, "Enrollment", words), error=True)
        self.focus_scan()

    # -- display ---------------------------------------------------------------------------

    def _show_preview(self, preview: EnrollPreview | None) -> None:
        if preview is None:
            for key in ("serial", "name", "windows", "eligibility", "record"):
                self.values[key].setText("—")
            return
        self.values["serial"].setText(preview.serial)
        self.values["name"].setText(preview.name or "—")
        self.values["windows"].setText(preview.verdict.windows or "—")
        # Beside a refused scan (a serial that cannot be used) never "Can be joined".
        joinable = preview.verdict.eligible and preview.ready
        self.values["eligibility"].setText(
            self.tr("Can be joined") if joinable else self.tr("Refused")
        )
        existing = preview.existing
        if existing is None:
            record = self.tr("New device")
        elif existing.enrolled:
            since = (existing.enrolled_at or existing.created_at)[:10]
            record = (
                self.tr("Prepared at the bench as {n} since {d}")
                if existing.enrollment_status == EnrollmentStatus.PREPARED
                else self.tr("Enrolled as {n} since {d}")
            ).format(n=existing.device_name, d=since)
        else:
            record = self.tr("Registered via Autopilot (group tag {t})").format(
                t=existing.group_tag or "none"
            )
        self.values["record"].setText(record)

    def _add_row(self, result: EnrollResult, *, labelled: bool, updated: bool) -> None:
        row = 0
        self.table.insertRow(row)
        at = when(result.device.enrolled_at, to="clock", empty="")
        # An update is enrolling again (a reimage); a record Autopilot made is enrolled.
        verb = self.tr("updated") if updated else self.tr("enrolled")
        label = (
            self.tr("label queued")
            if labelled
            else self.tr("label NOT queued: print it from Devices")
        )
        for column, text in enumerate(
            (at, result.device.serial, result.device.device_name or "", f"{verb}; {label}")
        ):
            item = QTableWidgetItem(text)
            item.setToolTip(text)
            if not labelled:
                mark_problem(item)
            self.table.setItem(row, column, item)
        self.count.setText(self.tr("{n} device(s) in this batch").format(n=len(self.batch)))

    def _say(self, text: str, *, error: bool = False, warning: bool = False) -> None:
        """What the last scan or enrollment came to: an error (the field framed too, as the
        scan is what to correct), a warning (done, or Enter does it, with something to
        mind), or fine."""
        self.message.setText(text)
        set_state(self.message, "error" if error else "warning" if warning else "ok")
        self.scan.set_state("error" if error else "")
