"""Asking an admin for the secrets vault's passphrase, only when the vault needs one.

Where the OS has a keyring the vault opens by itself and nothing is asked. Without one, the
vault's key comes from an admin passphrase: the first time a screen needs the vault in a
kiosk session, this dialog asks for it (or, on a new kiosk, lets an admin set it), checks it
on the writer thread, and the app keeps it in memory until the kiosk closes.

    if ensure_vault_open(self, store, actor, on_open=self._go_on):
        ...  # nothing to ask: `_go_on` has already run
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from app import services
from app.security.roles import Actor, Permission
from app.security.secret import Secret
from app.services import PASSPHRASE_MIN, Store, VaultState
from ui.navigation import shortcut
from ui.ops import run_op
from ui.widgets.focus import give_back_keyboard
from ui.widgets.form import set_state
from ui.widgets.job_dialog import JobDialog
from ui.widgets.messages import Present, open_now

TEXT_WIDTH = 480


def ensure_vault_open(
    parent: QWidget,
    store: Store,
    actor: Actor,
    on_open: Callable[[], None],
    *,
    reason: str = "",
    on_cancel: Callable[[], None] | None = None,
    present: Present = open_now,
) -> bool:
    """Run `on_open` once the vault can open. True: it could already (keyring, or the
    passphrase was given earlier this session) and `on_open` has run. False: a window-modal
    prompt is open; `on_open` runs after the right passphrase, `on_cancel` if it is closed.

    `reason` says in a sentence what needs the vault ("The Wi-Fi key you typed is kept in
    the vault."). Reads two small rows on the GUI thread; the passphrase is checked off it.
    """
    state = services.vault_state(store, actor=actor)
    if not state.needs_passphrase:
        on_open()
        return True
    dialog = VaultPromptDialog(store.path, state, actor, reason, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    before = QApplication.focusWidget()

    def back_to_work(_result: int) -> None:
        # Focus goes back where the person was before `on_open` goes on from there.
        if before is not None and isValid(before) and before.isVisible():
            give_back_keyboard(before)
        else:
            parent.activateWindow()

    dialog.finished.connect(back_to_work)
    dialog.opened.connect(on_open)
    if on_cancel is not None:
        dialog.rejected.connect(on_cancel)
    present(dialog)
    return False


def _secret_field(name: str) -> QLineEdit:
    field = QLineEdit()
    field.setObjectName(name)
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setProperty("secret", True)  # cleared when the kiosk locks
    field.setMaxLength(1024)
    return field


class VaultPromptDialog(JobDialog):
    """Set (first use) or enter the admin passphrase; reasons show beside the field.
    Emits `opened` once the vault opens with it."""

    opened = Signal()

    def __init__(
        self, db_path: str, state: VaultState, actor: Actor, reason: str, parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.setObjectName("vaultPrompt")
        self.setWindowTitle(self.tr("Secrets vault"))
        self.setModal(True)
        self._db_path = db_path
        self._actor = actor
        self.creating = state.creating
        self.allowed = not self.creating or actor.may(Permission.CHANGE_SETTINGS)

        self.heading = QLabel(
            self.tr("Set the vault passphrase")
            if self.creating
            else self.tr("Enter the vault passphrase")
        )
        self.heading.setObjectName("paneTitle")
        self.text = QLabel(" ".join(filter(None, (reason, self._explanation(actor)))))
        self.text.setObjectName("vaultExplanation")
        self.text.setWordWrap(True)
        self.passphrase = _secret_field("vaultPassphrase")
        self.repeat = _secret_field("vaultPassphraseRepeat")
        self.buttons = QDialogButtonBox()
        if self.allowed:
            self.ok = self.buttons.addButton(
                self.tr("Set passphrase") if self.creating else self.tr("Open the vault"),
                QDialogButtonBox.ButtonRole.AcceptRole,
            )
            self.ok.setObjectName("primary")
            self.ok.setDefault(True)
            self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        else:
            self.buttons.addButton(QDialogButtonBox.StandardButton.Close)

        form = QFormLayout()
        form.addRow(self.tr("&Passphrase"), self.passphrase)
        form.addRow(self.tr("&Repeat it"), self.repeat)
        form.setRowVisible(self.passphrase, self.allowed)
        form.setRowVisible(self.repeat, self.allowed and self.creating)
        for label in (self.heading, self.text, self.error):
            label.setFixedWidth(TEXT_WIDTH)  # wrapped text sizes the dialog, never clips
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetFixedSize)
        layout.addWidget(self.heading)
        layout.addWidget(self.text)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        if self.allowed:
            self.passphrase.setFocus()

    def _explanation(self, actor: Actor) -> str:
        keep = self.tr("Joinery keeps it in memory until the kiosk closes and never saves it.")
        if not self.creating:
            return self.tr(
                "This computer has no OS keyring, so the secrets vault opens with the admin "
                "passphrase. Ask an admin to type it here. {keep}"
            ).format(keep=keep)
        if not self.allowed:
            return self.tr(
                "This computer has no OS keyring, so the secrets vault needs an admin "
                "passphrase, and none is set yet. {n} is signed in as {r}: only an admin sets "
                "it, under Settings ({k})."
            ).format(n=actor.name, r=actor.role.value, k=shortcut("settings"))
        return self.tr(
            "This computer has no OS keyring, so the secrets vault (Wi-Fi keys and other "
            "secrets) is protected by an admin passphrase: choose one of at least {n} "
            "characters. Keep it where your admins keep such things: without it, the secrets "
            "stored here cannot be read again. {keep}"
        ).format(n=PASSPHRASE_MIN, keep=keep)

    def submit(self) -> None:
        if self.busy or not self.allowed:
            return
        passphrase = Secret(self.passphrase.text())
        repeat = self.repeat.text()
        self.passphrase.clear()
        self.repeat.clear()
        if not passphrase:
            self.tell(self.tr("Type the vault passphrase."))
            return
        if self.creating:
            if len(passphrase.reveal()) < PASSPHRASE_MIN:
                self.tell(
                    self.tr("The passphrase needs at least {n} characters.").format(
                        n=PASSPHRASE_MIN
                    )
                )
                return
            if passphrase.reveal() != repeat:
                self.tell(self.tr("The two passphrases differ: type the same one twice."))
                return
        self.job_started()
        self.tell(self.tr("Checking the passphrase…"), ok=True)
        actor = self._actor
        run_op(
            self._db_path,
            lambda store, _p, _c: services.open_vault(store, actor, passphrase),
            on_done=self._on_open_done,
            on_failed=self._on_open_failed,
        )

    def _on_open_done(self, _state: VaultState) -> None:
        self.job_done()
        self.opened.emit()

    def _on_open_failed(self, error: BaseException) -> None:
        # A wrong or short passphrase, not an admin, ...: Joinery's own words.
        unexpected = self.tr("The vault did not open on an unexpected error.")
        self.tell(self.job_failed(error, "opening the vault", unexpected))

    def tell(self, text: str, *, ok: bool = False) -> None:
        """A reason below the passphrase, which gets the keyboard (or, `ok`, what is under way)."""
        self.say(text, ok=ok)
        set_state(self.passphrase, "" if ok else "error")
        if not ok:
            self.passphrase.setFocus()
