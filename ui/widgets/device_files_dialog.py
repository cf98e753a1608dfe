"""Write device files for one device or a cart: a folder or a removable drive, which files,
progress with Cancel, a question before replacing folders, and what was written.

    dialog = DeviceFilesDialog(db_path, serials, actor, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()

The write runs on the writer thread (app.services.write_device_files); a package holding a
Wi-Fi key needs the vault, opened first through the vault prompt when the OS has no keyring.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QStorageInfo, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app import services
from app.enrollment import DEVICE_FILES
from app.errors import JoineryError
from app.security.roles import Actor, Permission
from app.security.secret import Secret
from ui.ops import Operation, failure_words, run_op
from ui.widgets.note_label import NoteLabel
from ui.widgets.state import set_state
from ui.widgets.vault_prompt import ensure_vault_open

TEXT_WIDTH = 520
STEPS = 1000
SUBFOLDER = "Joinery device files"  # on a drive: the files stay together, off its root
Drives = Callable[[], list[tuple[str, str]]]
Writer = Callable[..., services.WriteResult]
FILE_LABELS = {
    "autopilot": "&Autopilot profile (AutopilotConfigurationFile.json)",
    "unattend": "Answer file (&unattend.xml)",
    "package": "Provisioning &package (the device's name and Wi-Fi)",
}


def removable_drives() -> list[tuple[str, str]]:
    """(root path, words) of the mounted drives that look removable: on Windows those the
    OS calls removable; elsewhere those mounted under /media, /run/media, /mnt or /Volumes."""
    found = []
    system = QStorageInfo.root().rootPath()
    for volume in QStorageInfo.mountedVolumes():
        root = volume.rootPath()
        if not volume.isValid() or not volume.isReady() or volume.isReadOnly() or root == system:
            continue
        if not _removable(root):
            continue
        free = volume.bytesAvailable() / 1e9
        found.append((root, f"{volume.displayName() or root} ({root}), {free:.1f} GB free"))
    return found


def _removable(root: str) -> bool:
    if sys.platform == "win32":
        drive_removable = 2  # GetDriveTypeW: DRIVE_REMOVABLE
        windll = getattr(ctypes, "windll", None)
        return windll is not None and windll.kernel32.GetDriveTypeW(root) == drive_removable
    return root.startswith(("/media/", "/run/media/", "/mnt/", "/Volumes/"))


def defaults_for(db_path: str, serials: Sequence[str], actor: Actor) -> tuple[str, ...]:
    """The files the devices' bench profiles write by default (a few small reads)."""
    with services.open_store(db_path) as store:
        return services.default_files_for(store, serials, actor=actor)


class DeviceFilesDialog(QDialog):
    """Where to, which files, then the write with progress; the result stays on screen."""

    def __init__(
        self,
        db_path: str,
        serials: Sequence[str],
        actor: Actor,
        parent: QWidget | None = None,
        *,
        defaults: Sequence[str] | None = None,
        drives: Drives = removable_drives,
        write: Writer = services.write_device_files,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("deviceFilesDialog")
        self.setWindowTitle(self.tr("Device files"))
        self.setModal(True)
        self._db_path = db_path
        self.serials = list(serials)
        self._actor = actor
        self._write = write
        self._operation: Operation | None = None
        self._replace = False
        self.result_value: services.WriteResult | None = None
        chosen = defaults if defaults is not None else defaults_for(db_path, self.serials, actor)
        self._build(drives)
        for name, box in self.files.items():
            box.setChecked(name in chosen)
        if not any(box.isChecked() for box in self.files.values()):
            self.files["unattend"].setChecked(True)
        self._on_files_changed()
        # Only once it is inside the dialog: set earlier, the dialog would never learn of it
        # and make the first other button its default.
        self.write_button.setDefault(True)
        self.folder.setFocus()

    # -- building ----------------------------------------------------------------------------

    def _build(self, drives: Drives) -> None:
        count = len(self.serials)
        heading = (
            self.tr("Write device files for {s}").format(s=self.serials[0])
            if count == 1
            else self.tr("Write device files for the cart ({n} devices)").format(n=count)
        )
        self.heading = QLabel(heading)
        self.heading.setObjectName("paneTitle")
        self.text = NoteLabel(
            self.tr(
                "One folder per device, with a README that says where each file goes on the "
                "device, and one signed manifest.json to check them with (joinery "
                "device-files verify)."
            )
        )
        self.folder = QLineEdit()
        self.folder.setObjectName("deviceFilesFolder")
        self.folder.setPlaceholderText(self.tr("A folder, or choose a drive below"))
        self.folder.textChanged.connect(self._on_folder_text_changed)
        self.browse = QPushButton(self.tr("&Browse…"))
        self.browse.setObjectName("deviceFilesBrowse")
        self.browse.setAutoDefault(False)  # Enter in the folder field writes, not browses
        self.browse.clicked.connect(self._on_browse_clicked)
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(self.browse)
        self.drive = QComboBox()
        self.drive.setObjectName("deviceFilesDrive")
        found = drives()
        self.drive.addItem(
            self.tr("Choose a removable drive") if found else self.tr("No removable drive found"),
            "",
        )
        for root, words in found:
            self.drive.addItem(words, root)
        self.drive.setEnabled(bool(found))
        self.drive.activated.connect(self._on_drive_activated)
        self.files = {name: QCheckBox(self.tr(FILE_LABELS[name])) for name in DEVICE_FILES}
        for name, box in self.files.items():
            box.setObjectName(f"deviceFile_{name}")
            box.toggled.connect(lambda _on: self._on_files_changed())
        self.password = QLineEdit()
        self.password.setObjectName("deviceFilesPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setProperty("secret", True)  # cleared when the kiosk locks
        self.password_note = NoteLabel(
            self.tr(
                "At least 20 characters. It encrypts the packages that hold a Wi-Fi key: give "
                "it, by another way than the stick, to whoever builds the .ppkg."
            )
        )
        self.password_note.setObjectName("planNote")
        self.form = QFormLayout()
        folder_label = QLabel(self.tr("&Folder"))
        folder_label.setBuddy(self.folder)  # a row holding a layout gets no buddy by itself
        self.form.addRow(folder_label, row)
        self.form.addRow(self.tr("&Drive"), self.drive)
        files_box = QVBoxLayout()
        for box in self.files.values():
            files_box.addWidget(box)
        self.form.addRow(self.tr("Files"), files_box)
        self.form.addRow(self.tr("Package pa&ssword"), self.password)
        self.form.addRow("", self.password_note)
        self._build_status()
        self._build_buttons()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetFixedSize)
        for widget in (self.heading, self.text):
            widget.setFixedWidth(TEXT_WIDTH)
            layout.addWidget(widget)
        layout.addLayout(self.form)
        for extra in (self.error, self.replace_panel, self.progress, self.status, self.report):
            extra.setFixedWidth(TEXT_WIDTH)
            layout.addWidget(extra)
        layout.addWidget(self.buttons)

    def _build_status(self) -> None:
        self.error = NoteLabel()
        self.error.setObjectName("fieldError")
        self.error.hide()
        self.replace_panel = QWidget()
        self.replace_panel.setObjectName("replacePanel")
        self.replace_text = NoteLabel()
        self.keep_button = QPushButton(self.tr("&Keep them"))
        self.keep_button.setObjectName("keepFolders")
        self.keep_button.clicked.connect(self._on_keep_clicked)
        self.replace_button = QPushButton(self.tr("&Replace them"))
        self.replace_button.setObjectName("replaceFolders")
        self.replace_button.clicked.connect(self._on_replace_clicked)
        panel = QVBoxLayout(self.replace_panel)
        panel.setContentsMargins(0, 0, 0, 0)
        panel.addWidget(self.replace_text)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.keep_button)
        buttons.addWidget(self.replace_button)
        panel.addLayout(buttons)
        self.replace_panel.hide()
        self.progress = QProgressBar()
        self.progress.setObjectName("deviceFilesProgress")
        self.progress.setRange(0, STEPS)
        self.progress.hide()
        self.status = NoteLabel()
        self.status.setObjectName("deviceFilesStatus")
        self.status.hide()
        self.report = QPlainTextEdit()
        self.report.setObjectName("deviceFilesResult")
        self.report.setReadOnly(True)
        self.report.setFixedHeight(160)
        self.report.hide()

    def _build_buttons(self) -> None:
        self.buttons = QDialogButtonBox()
        self.write_button = self.buttons.addButton(
            self.tr("&Write files"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.write_button.setObjectName("primary")
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.close_button.setObjectName("deviceFilesClose")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

    # -- choosing ----------------------------------------------------------------------------

    def chosen_files(self) -> list[str]:
        return [name for name, box in self.files.items() if box.isChecked()]

    def _on_files_changed(self) -> None:
        package = self.files["package"].isChecked()
        self.form.setRowVisible(self.password, package)
        self.form.setRowVisible(self.password_note, package)

    def _on_drive_activated(self, index: int) -> None:
        root = self.drive.itemData(index)
        if root:
            self.folder.setText(str(Path(root) / SUBFOLDER))
            self.show_error("")

    def _on_folder_text_changed(self, _text: str) -> None:
        """Another folder: its own question about folders in the way, and no old error."""
        self._replace = False
        self.show_error("")

    def _on_browse_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, self.tr("Folder for the device files"), self.folder.text()
        )
        if folder:
            self.folder.setText(folder)
        self.folder.setFocus()

    # -- writing -----------------------------------------------------------------------------

    def submit(self) -> None:
        if self._operation is not None:
            return
        if self.result_value is not None:  # done: Enter closes
            self.accept()
            return
        problem = self._problem()
        if problem is not None:
            text, field = problem
            self.show_error(text, field)
            return
        in_the_way = services.folders_in_the_way(self.out_dir(), self.serials)
        if in_the_way and not self._replace:
            self._ask_replace(in_the_way)
            return
        if "package" in self.chosen_files():
            with services.open_store(self._db_path) as store:
                ensure_vault_open(
                    self,
                    store,
                    self._actor,
                    on_open=self._start,
                    reason=self.tr("The packages carry the Wi-Fi key kept in the vault."),
                )
            return
        self._start()

    def out_dir(self) -> Path:
        return Path(self.folder.text().strip()).expanduser()

    def _problem(self) -> tuple[str, QWidget] | None:
        if not self.folder.text().strip():
            return self.tr("Type a folder, or choose a removable drive."), self.folder
        if not self.out_dir().is_absolute():  # relative to the kiosk's own folder: unseen
            return (
                self.tr(
                    "Type the folder's whole path (such as E:\\ or C:\\Users\\you\\Desktop"
                    "\\cart), or choose it with Browse or a drive."
                ),
                self.folder,
            )
        if self.out_dir().is_file():
            return self.tr("{p} is a file: choose a folder.").format(p=self.out_dir()), self.folder
        if not self.chosen_files():
            return self.tr("Tick at least one file to write."), self.files["autopilot"]
        if "package" in self.chosen_files() and not self._actor.may(Permission.BUILD_PACKAGE):
            return (
                self.tr("Your role cannot build provisioning packages: untick the package."),
                self.files["package"],
            )
        return None

    def _ask_replace(self, serials: list[str]) -> None:
        shown = ", ".join(serials[:6]) + (
            self.tr(" and {n} more").format(n=len(serials) - 6) if len(serials) > 6 else ""
        )
        self.replace_text.setText(
            self.tr(
                "{p} already has the folders of {n} device(s): {s}. Replace them? Their old "
                "files are deleted."
            ).format(p=self.out_dir(), n=len(serials), s=shown)
        )
        self.replace_panel.show()
        self.write_button.setEnabled(False)
        self.keep_button.setFocus()  # the safe answer is the one Enter gives

    def _on_keep_clicked(self) -> None:
        self.replace_panel.hide()
        self.write_button.setEnabled(True)
        self.show_error(self.tr("Nothing was written: choose another folder."), self.folder)

    def _on_replace_clicked(self) -> None:
        self.replace_panel.hide()
        self.write_button.setEnabled(True)
        self._replace = True
        self.submit()

    def _start(self) -> None:
        self.show_error("")
        # The field keeps it until the files are written: a write refused for another reason
        # (a folder that cannot be made) is tried again without typing it again.
        password = Secret(self.password.text()) if self.password.text() else None
        serials, out_dir, only = list(self.serials), self.out_dir(), self.chosen_files()
        actor, replace, write = self._actor, self._replace, self._write

        def job(store: services.Store, progress: Callable[[int, int], None], cancelled: Any) -> Any:
            return write(
                store,
                serials,
                out_dir,
                only=only,
                actor=actor,
                progress=progress,
                cancelled=cancelled,
                replace=replace,
                password=password,
            )

        self._set_running(True)
        self._operation = run_op(
            self._db_path,
            job,
            on_done=self._on_write_done,
            on_failed=self._on_write_failed,
            on_progress=self._on_write_progress,
        )

    def _set_running(self, running: bool) -> None:
        for widget in (self.folder, self.browse, self.drive, self.password, self.write_button):
            widget.setEnabled(not running)
        for box in self.files.values():
            box.setEnabled(not running)
        self.progress.setVisible(running)
        self.status.setVisible(running)
        if running:
            self.progress.setValue(0)
            self.status.setText(
                self.tr("Writing the files of {n} device(s)…").format(n=len(self.serials))
            )
            self.close_button.setFocus()  # Cancel is what a key can do now

    def _on_write_progress(self, done: int, total: int) -> None:
        if total:
            self.progress.setValue(int(done * STEPS / total))
            self.status.setText(self.tr("Written {d} of {t} device(s)…").format(d=done, t=total))

    def reject(self) -> None:
        if self._operation is not None:  # Cancel while writing: stop between devices
            self._operation.cancel()
            self.close_button.setEnabled(False)
            self.status.setText(self.tr("Stopping after the device being written…"))
            return
        super().reject()

    def _on_write_done(self, result: services.WriteResult) -> None:
        self._operation = None
        self.result_value = result
        self._set_running(False)
        self.progress.hide()
        self.status.show()
        written = len(result.written)
        if result.cancelled:
            self.status.setText(
                self.tr(
                    "Cancelled: {w} of {t} device(s) written and signed; {n} not written."
                ).format(w=written, t=written + len(result.not_written), n=len(result.not_written))
            )
        else:
            self.status.setText(
                self.tr("Written and signed: the files of {n} device(s).").format(n=written)
            )
        lines = [f"{f.serial}: {', '.join(f.files)}" for f in result.written]
        lines += [
            "",
            self.tr("Manifest: {p} (signer {k})").format(p=result.manifest, k=result.signer_key_id),
            self.tr("Check before use: joinery device-files verify {d}").format(
                d=result.manifest.parent
            ),
        ]
        self.report.setPlainText("\n".join(lines))
        self.report.show()
        self.password.clear()
        for widget in (self.folder, self.browse, self.drive, self.password, *self.files.values()):
            widget.setEnabled(False)  # done: what was chosen stays readable, not changeable
        self.write_button.hide()
        self.close_button.setEnabled(True)
        self.close_button.setText(self.tr("Close"))
        self.close_button.setDefault(True)
        self.close_button.setFocus()

    def _on_write_failed(self, error: BaseException) -> None:
        self._operation = None
        self._set_running(False)
        self.close_button.setEnabled(True)
        if not isinstance(error, JoineryError):
            words = self.tr(
                "Writing the device files stopped on an unexpected error. Only what "
                "manifest.json lists is signed: check the folder (joinery device-files verify "
                "FOLDER), then write the cart again with Replace. The log (joinery.log in "
                "Joinery's data folder) has the details."
            )
            self.show_error(failure_words(error, "Writing device files", words), self.folder)
            return
        text = str(error)
        field: QWidget = self.folder
        if "password" in text:
            field = self.password
        elif "package" in text.lower() and "build" in text.lower():
            field = self.files["package"]
        self.show_error(text, field)

    def show_error(self, text: str, field: QWidget | None = None) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))
        set_state(self.error, "error" if text else "")
        for widget in (self.folder, self.password):
            set_state(widget, "error" if text and widget is field else "")
        if text and field is not None:
            field.setFocus()


def open_device_files(
    parent: QWidget,
    db_path: str,
    serials: Sequence[str],
    actor: Actor,
    *,
    on_closed: Callable[[], None] | None = None,
) -> DeviceFilesDialog:
    """The dialog for these devices, window-modal; `on_closed` once it is closed (the
    caller puts the keyboard back where the person was)."""
    dialog = DeviceFilesDialog(db_path, serials, actor, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def closed(_result: int) -> None:
        parent.window().activateWindow()  # the person's window, with its focus back
        if on_closed is not None:
            on_closed()

    dialog.finished.connect(closed)
    dialog.open()
    return dialog
