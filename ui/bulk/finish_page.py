"""Page 6, Finish: name, version, owner, rank; the protection password; signing; output."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.provisioning.model import (
    OWNER_IT_ADMIN,
    OWNER_TYPES,
    PASSWORD_MIN,
    PackageInfo,
    generate_password,
)
from app.security.secret import Secret
from ui.bulk.page_base import CheckedPage, findings_for

FIELD_NAME = "name"
FIELD_VERSION = "version"
FIELD_OWNER = "owner"
FIELD_RANK = "rank"
FIELD_PASSWORD = "password"
FIELD_KEY = "signing_key"
FIELD_OUTPUT = "output"
OWNER_WORDS = {"ITAdmin": "IT Admin", "OEM": "OEM"}


class FinishPage(CheckedPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("finishPage")
        self.set_section("Finish")
        self.setTitle(self.tr("Finish"))
        self.setSubTitle(
            self.tr(
                "Describe the package, protect and sign it. A package holding a secret "
                "leaves Joinery only as a signed, encrypted bundle."
            )
        )
        self.name = QLineEdit()
        self.name.setObjectName("packageName")
        self.version = QLineEdit()
        self.version.setObjectName("packageVersion")
        self.version.setPlaceholderText(self.tr("Major.Minor"))
        self.owner = QComboBox()
        self.owner.setObjectName("packageOwner")
        for owner in OWNER_TYPES:
            self.owner.addItem(OWNER_WORDS.get(owner, owner), owner)
        self.rank = QLineEdit("0")
        self.rank.setObjectName("packageRank")
        self.rank.setPlaceholderText(self.tr("0 to 99"))
        self.protect = QCheckBox(
            self.tr("&Protect the bundle with a password (the bundle password)")
        )
        self.protect.setObjectName("protectPackage")
        self.encrypt_ppkg = QCheckBox(
            self.tr("Encr&ypt the .ppkg too (icd.exe makes that password when it builds)")
        )
        self.encrypt_ppkg.setObjectName("encryptPpkg")
        self.password = QLineEdit()
        self.password.setObjectName("packagePassword")
        self.password.setReadOnly(True)
        # Read off the screen and typed on the build machine: every character told apart.
        self.password.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.password.setPlaceholderText(self.tr("Generate a password"))
        self.generate = QPushButton(self.tr("&Generate"))
        self.generate.setObjectName("generatePassword")
        self.copy = QPushButton(self.tr("&Copy"))
        self.copy.setObjectName("copyPassword")
        self.password_note = self.hint("")
        self.password_note.setObjectName("passwordNote")
        self.key = QLineEdit()
        self.key.setObjectName("signingKey")
        self.key.setPlaceholderText(self.tr("Ed25519 private key (.key, PEM)"))
        self.key_browse = QPushButton(self.tr("Bro&wse…"))
        self.key_browse.setObjectName("keyBrowse")
        self.key_new = QPushButton(self.tr("&Make a new key"))
        self.key_new.setObjectName("keyGenerate")
        self.key_note = self.hint("")
        self.output = QLineEdit()
        self.output.setObjectName("outputFolder")
        self.output_browse = QPushButton(self.tr("Brow&se…"))
        self.output_browse.setObjectName("outputBrowse")
        self.errors = {
            key: self.error_label(key)
            for key in (
                FIELD_NAME,
                FIELD_VERSION,
                FIELD_OWNER,
                FIELD_RANK,
                FIELD_PASSWORD,
                FIELD_KEY,
                FIELD_OUTPUT,
            )
        }
        form = QFormLayout()
        form.addRow(self.tr("&Name"), self.name)
        form.addRow("", self.errors[FIELD_NAME])
        form.addRow(self.tr("&Version"), self.version)
        form.addRow("", self.errors[FIELD_VERSION])
        form.addRow(self.tr("&Owner"), self.owner)
        form.addRow(self.tr("&Rank (0-99)"), self.rank)
        form.addRow("", self.errors[FIELD_RANK])
        form.addRow("", self.protect)
        form.addRow(self.tr("Password"), self._row(self.password, self.generate, self.copy))
        form.addRow("", self.errors[FIELD_PASSWORD])
        form.addRow("", self.password_note)
        form.addRow("", self.encrypt_ppkg)
        form.addRow(
            self.buddy(self.tr("Signing &key"), self.key),
            self._row(self.key, self.key_browse, self.key_new),
        )
        form.addRow("", self.errors[FIELD_KEY])
        form.addRow("", self.key_note)
        form.addRow(
            self.buddy(self.tr("Output &folder"), self.output),
            self._row(self.output, self.output_browse),
        )
        form.addRow("", self.errors[FIELD_OUTPUT])
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addStretch(1)
        for edit in (self.name, self.version, self.rank, self.key, self.output):
            edit.textChanged.connect(self._on_input_changed)
        self.name.textEdited.connect(self._on_name_edited)
        self.version.textEdited.connect(self._on_version_edited)
        self.owner.currentIndexChanged.connect(self._on_input_changed)
        self.protect.toggled.connect(self._on_input_changed)
        self.encrypt_ppkg.toggled.connect(self._on_input_changed)
        self.generate.clicked.connect(self._on_generate_clicked)
        self.copy.clicked.connect(self._on_copy_clicked)
        self.key_browse.clicked.connect(self._on_key_browse_clicked)
        self.key_new.clicked.connect(self._on_key_new_clicked)
        self.output_browse.clicked.connect(self._on_output_browse_clicked)
        self._password: Secret | None = None
        self._copied = False
        self._version_typed = False

    @staticmethod
    def _row(*widgets: QWidget) -> QHBoxLayout:
        row = QHBoxLayout()
        for index, widget in enumerate(widgets):
            row.addWidget(widget, 1 if index == 0 else 0)
        return row

    def initializePage(self) -> None:  # noqa: N802
        info, wizard = self.draft.info, self.bulk_wizard()
        self.name.setText(info.name)
        self._version_typed = False
        self.version.setText(info.version or wizard.next_version(info.name))
        self.owner.setCurrentIndex(max(0, self.owner.findData(info.owner or OWNER_IT_ADMIN)))
        self.rank.setText(str(info.rank))
        self._password = info.password
        self.password.clear()  # shown once, when generated: never again
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_note.setText(
            self.tr("A password is set; it is not shown again. Generate a new one to replace it.")
            if self._password
            else ""
        )
        self.key.setText(self.draft.signing_key)
        self.say(self.key_note, None)  # a new key pair's note belongs to the package it was for
        self.output.setText(self.draft.out_dir or str(wizard.default_output()))
        self.protect.setChecked(self._password is not None or self._holds_secrets())
        self.encrypt_ppkg.setChecked(self.draft.spec().encrypts_ppkg(self._holds_secrets()))
        self._on_input_changed()

    def first_field(self) -> QWidget:
        return self.name

    def _holds_secrets(self) -> bool:
        return self.draft.spec().has_secrets or self.bulk_wizard().kept_secrets()

    def keep(self) -> None:
        self.draft.info = self._info()
        self.draft.signing_key = self.key.text().strip()
        self.draft.out_dir = self.output.text().strip()
        self.password.clear()  # leaving the page: the password was shown once

    def _info(self) -> PackageInfo:
        text = self.rank.text().strip()
        rank = int(text) if text.isascii() and text.isdigit() else -1  # "²" is a digit too
        return replace(
            self.draft.info,
            name=self.name.text().strip(),
            version=self.version.text().strip(),
            owner=str(self.owner.currentData()),
            rank=rank,
            password=self._password if self.protect.isChecked() else None,
            encrypt_ppkg=self.encrypt_ppkg.isChecked(),
        )

    def _on_name_edited(self) -> None:
        if not self._version_typed:
            self.version.setText(self.bulk_wizard().next_version(self.name.text().strip()))

    def _on_version_edited(self) -> None:
        self._version_typed = True

    def _on_input_changed(self) -> None:
        secret = self._holds_secrets()
        if secret:
            self.protect.setChecked(True)
        self.protect.setEnabled(not secret)
        for widget in (self.generate, self.copy, self.password):
            widget.setEnabled(self.protect.isChecked())
        self.copy.setEnabled(bool(self.password.text()))
        info = self._info()
        spec = replace(self.draft.spec(), info=info)
        found = findings_for(spec, "info.")
        if self.protect.isChecked() and self._password is None:
            # Said so: the field is read-only, and the core's words ask for one to be typed.
            found[FIELD_PASSWORD] = self.tr(
                "Press Generate (Alt+G) for a password of {n} characters or more."
            ).format(n=PASSWORD_MIN)
        wizard = self.bulk_wizard()
        if FIELD_VERSION not in found and wizard.was_built(info.name, info.version):
            found[FIELD_VERSION] = self.tr(
                "{n} {v} was built before: the next version is {next}."
            ).format(n=info.name, v=info.version, next=wizard.next_version(info.name))
        if reason := wizard.key_problem(self.key.text().strip(), required=secret):
            found[FIELD_KEY] = reason
        if not self.output.text().strip():
            found[FIELD_OUTPUT] = self.tr("Choose where the package is written.")
        self._found = found
        self.show_findings(
            found,
            {
                FIELD_NAME: (self.errors[FIELD_NAME], self.name),
                FIELD_VERSION: (self.errors[FIELD_VERSION], None),
                FIELD_RANK: (self.errors[FIELD_RANK], None),
                FIELD_PASSWORD: (self.errors[FIELD_PASSWORD], None),
                FIELD_KEY: (self.errors[FIELD_KEY], self.key if not secret else None),
                FIELD_OUTPUT: (self.errors[FIELD_OUTPUT], None),
            },
        )
        self.mark(self.version, FIELD_VERSION in found)
        self.mark(self.rank, FIELD_RANK in found)
        self.completeChanged.emit()

    def _on_generate_clicked(self) -> None:
        self._password = generate_password()
        self.password.setEchoMode(QLineEdit.EchoMode.Normal)
        self.password.setText(self._password.reveal())
        self.say(
            self.password_note,
            self.tr(
                "Shown only now: copy it to your password manager. Whoever unpacks the "
                "bundle on the build machine types it; Joinery does not keep it. (The .ppkg's "
                "own password comes from icd.exe.)"
            ),
            ok=True,
        )
        self._on_input_changed()
        self.copy.setFocus()

    def _on_copy_clicked(self) -> None:
        if self.password.text():
            QGuiApplication.clipboard().setText(self.password.text())
            self._copied = True
            self.say(self.password_note, self.tr("Copied to the clipboard."), ok=True)

    def forget_clipboard(self) -> None:
        """Clear the clipboard if it still holds the package password (after the build, on
        Start over, when the kiosk locks): it must not outlive the moment it was shown."""
        clipboard = QGuiApplication.clipboard()
        held = self._password is not None and clipboard.text() == self._password.reveal()
        if self._copied and held:
            clipboard.clear()
        self._copied = False

    def _on_key_browse_clicked(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, self.tr("Signing key"), "", self.tr("Private keys (*.key *.pem);;All files (*)")
        )
        if path:
            self.key.setText(path)

    def _on_key_new_clicked(self) -> None:
        result = self.bulk_wizard().new_signing_key()
        if isinstance(result, str):
            self.say(self.errors[FIELD_KEY], result)
            return
        private, public = result
        self.key.setText(str(private))
        self.say(
            self.key_note,
            self.tr("New key pair in {d}. Pin {p} on the machines that apply the package.").format(
                d=private.parent, p=public.name
            ),
            ok=True,
        )

    def _on_output_browse_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Output folder"), "")
        if folder:
            self.output.setText(folder)
