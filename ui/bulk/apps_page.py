"""Page 4, Add applications: installers run in system context while the device provisions."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
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
from ui.bulk.list_page import ListEditorPage
from ui.bulk.page_base import CHECK_INFO, findings_for

FIELD_NAME = "name"
FIELD_INSTALLER = "installer"
FIELD_COMMAND = "command_line"
FIELD_SUCCESS = "success_codes"
FIELD_RESTART = "restart_codes"


def _codes(codes: tuple[int, ...]) -> str:
    return " ".join(str(code) for code in codes)


class AppsPage(ListEditorPage[App]):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("appList", "removeApp", "&Add application", "addApp")
        self.setObjectName("appsPage")
        self.set_section("Add applications")
        self.setTitle(self.tr("Add applications"))
        self.setSubTitle(
            self.tr(
                "Each installer runs silently in system context; OOBE gives up after 30 "
                "minutes. An MSI gets msiexec and its silent flag added."
            )
        )
        self.empty_words = self.tr("No applications yet (optional).")
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
        codes_row.addWidget(self.buddy(self.tr("Success with res&tart"), self.restart_codes))
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
        # The form, then its list: Tab walks down from the first field to the list.
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(listed)
        layout.addStretch(1)
        self.watch((self.name, self.installer, self.command, self.success, self.restart_codes))
        for box in (self.continue_after, self.restart_required):
            box.toggled.connect(self._on_input_changed)
        self.browse.clicked.connect(self._on_browse_clicked)

    def first_field(self) -> QWidget:
        return self.installer

    # -- ListEditorPage --------------------------------------------------------------------

    def entries(self) -> list[App]:
        return self.draft.apps

    def describe(self, item: App) -> str:
        flags = [self.tr("restart")] if item.restart_required else []
        if item.continue_after_failure:
            flags.append(self.tr("continue on failure"))
        extra = f"  [{', '.join(flags)}]" if flags else ""
        return f"{item.name} — {item.effective_command_line()}{extra}"

    def typing(self) -> bool:
        return bool(self.installer.text().strip())

    def form_item(self) -> App | None:
        app = self._app()
        return app if isinstance(app, App) and app.installer else None

    def clear_form(self) -> None:
        for edit in (self.name, self.installer, self.command):
            edit.clear()
        self.success.setText(_codes(DEFAULT_SUCCESS_CODES))
        self.restart_codes.setText(_codes(DEFAULT_RESTART_CODES))
        self.continue_after.setChecked(False)
        self.restart_required.setChecked(False)

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

    def check_form(self) -> None:
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
            self.runs.setText(app.effective_command_line())
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

    def _on_browse_clicked(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self,
            self.tr("Installer"),
            "",
            self.tr("Installers (*.msi *.exe *.cmd *.bat *.ps1);;All files (*)"),
        )
        if path:
            self.installer.setText(path)
