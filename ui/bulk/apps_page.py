"""Page 4, Add applications: installers run in system context while the device provisions."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.errors import InputError
from app.provisioning.model import (
    DEFAULT_RESTART_CODES,
    DEFAULT_SUCCESS_CODES,
    App,
    PackageSpec,
    file_name,
    parse_codes,
)
from ui.bulk.page_base import CHECK_INFO, BulkPage, findings_for

FIELD_NAME = "name"
FIELD_INSTALLER = "installer"
FIELD_COMMAND = "command_line"
FIELD_SUCCESS = "success_codes"
FIELD_RESTART = "restart_codes"


def _codes(codes: tuple[int, ...]) -> str:
    return " ".join(str(code) for code in codes)


class AppsPage(BulkPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("appsPage")
        self.set_section("Add applications")
        self.setTitle(self.tr("Add applications"))
        self.setSubTitle(
            self.tr(
                "Each installer runs silently in system context; OOBE gives up after 30 "
                "minutes. An MSI gets msiexec and its silent flag added."
            )
        )
        self.list = QListWidget()
        self.list.setObjectName("appList")
        self.list.setMaximumHeight(110)
        self.remove = QPushButton(self.tr("Re&move"))
        self.remove.setObjectName("removeApp")
        self.name = QLineEdit()
        self.name.setObjectName("appName")
        self.name.setPlaceholderText(self.tr("From the installer's file name"))
        self.installer = QLineEdit()
        self.installer.setObjectName("appInstaller")
        self.installer.setPlaceholderText(self.tr("Path to the .msi, .exe or script"))
        self.browse = QPushButton(self.tr("&Browse…"))
        self.browse.setObjectName("appBrowse")
        self.command = QLineEdit()
        self.command.setObjectName("appCommand")
        self.command.setPlaceholderText(self.tr("e.g. setup.exe /S (an MSI needs none)"))
        self.runs = QLabel()
        self.runs.setObjectName("appRuns")
        self.success = QLineEdit(_codes(DEFAULT_SUCCESS_CODES))
        self.success.setObjectName("appSuccessCodes")
        self.restart_codes = QLineEdit(_codes(DEFAULT_RESTART_CODES))
        self.restart_codes.setObjectName("appRestartCodes")
        self.continue_after = QCheckBox(self.tr("&Continue installations after a failure"))
        self.continue_after.setObjectName("appContinue")
        self.restart_required = QCheckBox(self.tr("Restart &required after it"))
        self.restart_required.setObjectName("appRestart")
        self.add = QPushButton(self.tr("&Add application"))
        self.add.setObjectName("addApp")
        self.errors = {
            key: self.error_label(key)
            for key in (FIELD_NAME, FIELD_INSTALLER, FIELD_COMMAND, FIELD_SUCCESS, FIELD_RESTART)
        }

        listed = QHBoxLayout()
        listed.addWidget(self.list, 1)
        listed.addWidget(self.remove)
        installer_row = QHBoxLayout()
        installer_row.addWidget(self.installer, 1)
        installer_row.addWidget(self.browse)
        codes_row = QHBoxLayout()
        codes_row.addWidget(self.success)
        codes_row.addWidget(QLabel(self.tr("Success with restart")))
        codes_row.addWidget(self.restart_codes)
        form = QFormLayout()
        form.addRow(self.buddy(self.tr("&Installer"), self.installer), installer_row)
        form.addRow("", self.errors[FIELD_INSTALLER])
        form.addRow(self.tr("&Name"), self.name)
        form.addRow("", self.errors[FIELD_NAME])
        form.addRow(self.tr("Command &line"), self.command)
        form.addRow("", self.errors[FIELD_COMMAND])
        form.addRow(self.tr("Runs"), self.runs)
        form.addRow(self.buddy(self.tr("&Success codes"), self.success), codes_row)
        form.addRow("", self.errors[FIELD_SUCCESS])
        form.addRow("", self.errors[FIELD_RESTART])
        form.addRow("", self.continue_after)
        form.addRow("", self.restart_required)
        form.addRow("", self.add)
        layout = QVBoxLayout(self)
        layout.addLayout(listed)
        layout.addLayout(form)
        layout.addStretch(1)
        for edit in (self.name, self.installer, self.command, self.success, self.restart_codes):
            edit.textChanged.connect(self._on_input_changed)
            edit.returnPressed.connect(self._on_add_clicked)
        self.add.clicked.connect(self._on_add_clicked)
        self.remove.clicked.connect(self._on_remove_clicked)
        self.browse.clicked.connect(self._on_browse_clicked)
        self.list.currentRowChanged.connect(self._on_list_changed)
        self._found: dict[str, str] = {}
        self._just_added = False

    def initializePage(self) -> None:  # noqa: N802
        self._refresh_list()
        self._clear_form()

    def first_field(self) -> QWidget:
        return self.installer

    def isComplete(self) -> bool:  # noqa: N802
        return not self._typing()

    def validatePage(self) -> bool:  # noqa: N802
        # Enter in the form adds the application; the same key press must not also go on.
        return not self._typing() and not self._just_added

    def _typing(self) -> bool:
        return bool(self.installer.text().strip())

    def _app(self) -> App | str:
        """The application in the form, or the reason a return-code field cannot be read."""
        installer = self.installer.text().strip()
        name = self.name.text().strip() or Path(file_name(installer)).stem
        try:
            success = parse_codes(self.success.text())
            restart = parse_codes(self.restart_codes.text())
        except InputError as error:
            return str(error)
        return App(
            name=name,
            installer=installer,
            command_line=self.command.text().strip(),
            success_codes=success,
            restart_codes=restart,
            continue_after_failure=self.continue_after.isChecked(),
            restart_required=self.restart_required.isChecked(),
        )

    def _on_input_changed(self) -> None:
        app = self._app()
        if isinstance(app, str):
            self._found = {FIELD_SUCCESS: app}
            self.runs.setText("")
        elif not app.installer:
            self._found = {}
            self.runs.setText(self.tr("— (the command the device runs shows here)"))
        else:
            others = [a for a in self.draft.apps if a.name.lower() != app.name.lower()]
            spec = PackageSpec(info=CHECK_INFO, apps=(app, *others))
            self._found = findings_for(spec, "apps[0].", base_dir=self.draft.base_dir)
            if any(a.name.lower() == app.name.lower() for a in self.draft.apps):
                self._found.setdefault(FIELD_NAME, self.tr("An application has this name."))
            self.runs.setText(app.effective_command_line() or self.tr("(the script itself)"))
        self.show_findings(
            self._found,
            {
                FIELD_NAME: (self.errors[FIELD_NAME], self.name),
                FIELD_INSTALLER: (self.errors[FIELD_INSTALLER], self.installer),
                FIELD_COMMAND: (self.errors[FIELD_COMMAND], None),
                FIELD_SUCCESS: (self.errors[FIELD_SUCCESS], self.success),
                FIELD_RESTART: (self.errors[FIELD_RESTART], self.restart_codes),
            },
        )
        self.add.setEnabled(self._typing() and not self._found)
        self.completeChanged.emit()

    def _on_add_clicked(self) -> None:
        app = self._app()
        self._on_input_changed()
        if isinstance(app, str) or not app.installer or self._found:
            return
        self.draft.apps.append(app)
        self._just_added = True
        QTimer.singleShot(0, self._on_add_settled)
        self._refresh_list()
        self._clear_form()
        self.installer.setFocus()

    def _on_add_settled(self) -> None:
        self._just_added = False

    def _on_remove_clicked(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self.draft.apps):
            del self.draft.apps[row]
            self._refresh_list()

    def _on_list_changed(self, row: int) -> None:
        self.remove.setEnabled(row >= 0 and bool(self.draft.apps))

    def _on_browse_clicked(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self,
            self.tr("Installer"),
            "",
            self.tr("Installers (*.msi *.exe *.cmd *.bat *.ps1);;All files (*)"),
        )
        if path:
            self.installer.setText(path)

    def _refresh_list(self) -> None:
        self.list.clear()
        for app in self.draft.apps:
            flags = [self.tr("restart")] if app.restart_required else []
            if app.continue_after_failure:
                flags.append(self.tr("continue on failure"))
            extra = f"  [{', '.join(flags)}]" if flags else ""
            self.list.addItem(f"{app.name} — {app.effective_command_line()}{extra}")
        self.remove.setEnabled(False)
        if not self.draft.apps:
            self.list.addItem(self.tr("No applications yet (optional)."))
            self.list.item(0).setFlags(Qt.ItemFlag.NoItemFlags)

    def _clear_form(self) -> None:
        for edit in (self.name, self.installer, self.command):
            edit.clear()
        self.success.setText(_codes(DEFAULT_SUCCESS_CODES))
        self.restart_codes.setText(_codes(DEFAULT_RESTART_CODES))
        self.continue_after.setChecked(False)
        self.restart_required.setChecked(False)
        self._on_input_changed()
