"""Connect the tenant (an admin): tenant and client IDs, the file holding the client secret or
the certificate, and the cloud. The secret is read from its file on the writer thread,
checked by getting a token, and sealed in the vault; no field ever holds or shows it.

A person's sign-in (the device-code flow) is not offered here: it waits up to fifteen
minutes for someone to type a code elsewhere, which would hold the kiosk's writer (every
enrollment) that long. `joinery tenant connect --device-code` does it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app import services
from app.errors import KnownError
from app.security.roles import Actor
from app.services import (
    CLOUDS,
    ConnectRequest,
    Store,
    TenantStatus,
    read_certificate_file,
    read_secret_file,
)
from ui.changes import Change
from ui.ops import Job, run_op
from ui.settings.hints import vault_passphrase_where
from ui.widgets.job_dialog import JobDialog
from ui.widgets.vault_prompt import ensure_vault_open

KINDS = (
    ("secret", "Client secret (a file holding its value)"),
    ("certificate", "Certificate (a PEM with its private key)"),
)
#: The CLI's option names in the app's messages, as this dialog's fields are labelled.
FIELD_WORDS = {
    "--tenant-id": "Tenant ID",
    "--client-id": "Client ID",
    "--client-secret-file": "The file",
    "--certificate-file": "The file",
    "--authority-host": "Sign-in host",
    "--graph-url": "Graph URL",
}
CLOUD_WORDS = (
    ("global", "Global (login.microsoftonline.com)"),
    ("usgov", "US Government GCC High"),
    ("usgov-dod", "US Government DoD"),
    ("china", "China (21Vianet)"),
    ("other", "Other hosts…"),
)


class ConnectDialog(JobDialog):
    """`connected(status)` once the token was had and the settings stored."""

    connected = Signal(object)

    def __init__(
        self, db_path: str, actor: Actor, status: TenantStatus, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("connectDialog")
        self.setWindowTitle(self.tr("Connect the tenant"))
        self._db_path = db_path
        self._actor = actor
        self.tenant_id = QLineEdit(status.tenant_id or "")
        self.tenant_id.setObjectName("tenantIdField")
        self.tenant_id.setPlaceholderText(self.tr("a GUID, or contoso.onmicrosoft.com"))
        self.client_id = QLineEdit(status.client_id or "")
        self.client_id.setObjectName("clientIdField")
        self.client_id.setPlaceholderText(self.tr("Application (client) ID, a GUID"))
        self.kind = QComboBox()
        self.kind.setObjectName("credentialKind")
        for key, words in KINDS:
            self.kind.addItem(self.tr(words), key)
        if status.auth == "certificate":
            self.kind.setCurrentIndex(1)
        self.file = QLineEdit()
        self.file.setObjectName("credentialFile")
        self.file.setPlaceholderText(self.tr("the file's path; its contents are never shown"))
        self.browse = QPushButton(self.tr("&Browse…"))
        self.browse.setObjectName("browseCredential")
        self.browse.setAutoDefault(False)  # Enter in a field connects, it does not browse
        self.cloud = QComboBox()
        self.cloud.setObjectName("cloud")
        for key, words in CLOUD_WORDS:
            self.cloud.addItem(self.tr(words), key)
        self.authority = QLineEdit()
        self.authority.setObjectName("authorityHost")
        self.graph = QLineEdit()
        self.graph.setObjectName("graphUrl")
        self._choose_cloud(status)
        hint = QLabel(
            self.tr(
                "Joinery signs in once to check these, then stores them; the secret or key is "
                "sealed in the vault. The app registration needs "
                "DeviceManagementServiceConfig.ReadWrite.All and "
                "DeviceManagementManagedDevices.Read.All with admin consent (docs/tenant.md)."
            )
        )
        hint.setObjectName("pageHint")
        hint.setWordWrap(True)
        for label in (hint, self.error):
            label.setFixedWidth(520)  # wrapped text sizes the dialog, never clips
        buttons = QDialogButtonBox()
        self.ok = buttons.addButton(self.tr("Connect"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setObjectName("primary")
        self.ok.setDefault(True)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)

        file_row = QHBoxLayout()
        file_row.addWidget(self.file, 1)
        file_row.addWidget(self.browse)
        form = QFormLayout()
        form.addRow(self._buddy(self.tr("&Tenant ID"), self.tenant_id), self.tenant_id)
        form.addRow(self._buddy(self.tr("C&lient ID"), self.client_id), self.client_id)
        form.addRow(self._buddy(self.tr("Sign in &with"), self.kind), self.kind)
        form.addRow(self._buddy(self.tr("&File"), self.file), file_row)
        form.addRow(self._buddy(self.tr("Cl&oud"), self.cloud), self.cloud)
        form.addRow(self._buddy(self.tr("Sign-in &host"), self.authority), self.authority)
        form.addRow(self._buddy(self.tr("&Graph URL"), self.graph), self.graph)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetFixedSize)
        heading = QLabel(self.windowTitle())
        heading.setObjectName("paneTitle")
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.ok.setDefault(True)  # once inside the dialog: Enter in any field connects
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        self.browse.clicked.connect(self._on_browse_clicked)
        self.cloud.currentIndexChanged.connect(self._on_cloud_changed)
        (self.tenant_id if not status.tenant_id else self.file).setFocus()

    @staticmethod
    def _buddy(text: str, field: QWidget) -> QLabel:
        label = QLabel(text)
        label.setBuddy(field)
        return label

    def _choose_cloud(self, status: TenantStatus) -> None:
        hosts = (status.authority_host, status.graph_url)
        found = next((k for k, pair in CLOUDS.items() if pair == hosts), None)
        if status.configured and found is None:
            self.cloud.setCurrentIndex(self.cloud.findData("other"))
            self.authority.setText(status.authority_host or "")
            self.graph.setText(status.graph_url or "")
        else:
            self.cloud.setCurrentIndex(self.cloud.findData(found or "global"))
        self._on_cloud_changed()

    def _on_cloud_changed(self, _index: int = 0) -> None:
        key = self.cloud.currentData()
        other = key == "other"
        for field in (self.authority, self.graph):
            field.setEnabled(other)  # shown for what they are, typed only for other hosts
        if not other:
            authority, graph = CLOUDS[key]
            self.authority.setText(authority)
            self.graph.setText(graph)

    def _on_browse_clicked(self) -> None:
        dialog = QFileDialog(self, self.tr("The client secret or certificate file"))
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(self.file.setText)
        dialog.open()

    def submit(self) -> None:
        if self.busy:
            return
        tenant, client, path = (
            f.text().strip() for f in (self.tenant_id, self.client_id, self.file)
        )
        for value, field, words in (
            (tenant, self.tenant_id, self.tr("Type the Directory (tenant) ID.")),
            (client, self.client_id, self.tr("Type the Application (client) ID.")),
            (path, self.file, self.tr("Name the file holding the secret or the certificate.")),
        ):
            if not value:
                self.show_error(words, field)
                return
        kind = self.kind.currentData()
        authority, graph = self.authority.text().strip(), self.graph.text().strip()
        actor = self._actor

        def job(
            store: Store, _p: Callable[[int, int], None], _c: Callable[[], bool]
        ) -> TenantStatus:
            credential = read_secret_file(path) if kind == "secret" else read_certificate_file(path)
            request = ConnectRequest(tenant, client, credential, authority or None, graph or None)
            return services.connect_tenant(store, request, actor=actor)

        # The secret is sealed in the vault: where it needs the admin passphrase, asked for
        # here and now (the service's refusal, worded for any operator, points to Settings).
        with services.open_store(self._db_path) as store:
            ensure_vault_open(
                self,
                store,
                actor,
                on_open=lambda: self._start(job),
                on_cancel=self._on_vault_cancelled,
                reason=self.tr("The tenant's client secret or key is kept in the vault."),
            )

    def _start(self, job: Job) -> None:
        self.job_started(self.tr("Signing in to the tenant…"))
        run_op(
            self._db_path,
            job,
            on_done=self._on_done,
            on_failed=self._on_failed,
            changes_made=Change.TENANT | Change.AUDIT,
        )

    def _on_done(self, status: TenantStatus) -> None:
        self.job_done()
        self.connected.emit(status)

    def _on_vault_cancelled(self) -> None:
        if (words := self._vault_words()) is not None:
            self.say(words)

    def _vault_words(self) -> str | None:
        """Why nothing was stored when the vault cannot open for want of the passphrase,
        and where an admin gives it; None when it can open."""
        with services.open_store(self._db_path) as store:
            state = services.vault_state(store, actor=self._actor)
        if not state.needs_passphrase:
            return None
        where = vault_passphrase_where(state.creating)
        if state.creating:
            return self.tr(
                "Not connected: the secret is kept in the secrets vault, which needs an admin "
                "passphrase on this computer (it has no OS keyring), and none is set yet. "
                "Connect asks for it again, or set it under {w}."
            ).format(w=where)
        return self.tr(
            "Not connected: the secret is kept in the secrets vault, which opens with the admin "
            "passphrase, not entered since the kiosk started. Connect asks for it again, or "
            "enter it under {w}."
        ).format(w=where)

    def _on_failed(self, error: BaseException) -> None:
        text = self.job_failed(error, "connecting the tenant", self.tr("Nothing was stored."))
        # The vault may have changed since it was checked (another bench set it up): its
        # refusal is worded for anyone, anywhere; here an admin can act on it.
        if isinstance(error, KnownError) and (vault_words := self._vault_words()) is not None:
            self.say(vault_words)
            return
        field = self._field_for(text)
        for option, words in FIELD_WORDS.items():
            text = text.replace(option, self.tr(words))
        self.show_error(self.tr("Not connected: {e}").format(e=text), field)

    def _field_for(self, text: str) -> QLineEdit:
        """The field a refusal speaks about, so the keyboard is where the fix is typed."""
        if "--tenant-id" in text:
            return self.tenant_id
        if "--client-id" in text or "AADSTS700016" in text:
            return self.client_id
        if "--authority-host" in text and self.authority.isEnabled():
            return self.authority
        if "--graph-url" in text and self.graph.isEnabled():
            return self.graph
        return self.file
