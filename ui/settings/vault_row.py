"""The Settings screen's vault row: how the secrets vault is protected on this computer, and,
without an OS keyring, the admin passphrase set or entered before anyone needs it."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QPushButton, QVBoxLayout, QWidget

from app import services
from app.security.roles import Actor
from app.services import PASSPHRASE_MIN, Store, VaultState
from ui.settings.hints import vault_button_text
from ui.widgets.messages import Present, open_now
from ui.widgets.note_label import NoteLabel
from ui.widgets.vault_prompt import ensure_vault_open


class VaultRow(QFrame):
    def __init__(
        self,
        store: Store,
        actor: Callable[[], Actor | None],
        parent: QWidget | None = None,
        *,
        present: Present = open_now,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("detailPane")
        self.store = store
        self._actor = actor
        self._present = present
        self.state_label = NoteLabel()
        self.state_label.setObjectName("vaultState")
        self.button = QPushButton()
        self.button.setObjectName("vaultButton")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 10, 16, 12)
        layout.addWidget(self.state_label)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignLeft)
        self.button.clicked.connect(self._on_button_clicked)

    def refresh(self) -> None:
        actor = self._actor()
        if actor is None:
            return  # locked: read again when next shown signed in
        state = services.vault_state(self.store, actor=actor)
        self.state_label.setText(self.describe(state))
        self.button.setVisible(state.needs_passphrase)
        self.button.setText(vault_button_text(state.creating))  # other screens name it

    def describe(self, state: VaultState) -> str:
        if state.method == "keyring" and not state.keyring:
            return self.tr(
                "Wi-Fi keys are sealed under a key kept by the OS keyring, which is not "
                "available now: stored secrets cannot be read until it is unlocked."
            )
        if state.method == "keyring" or (state.creating and state.keyring):
            return self.tr(
                "Wi-Fi keys and other secrets are sealed under a key the OS keyring keeps. "
                "Nobody needs to enter anything."
            )
        if not state.needs_passphrase:
            return self.tr(
                "Protected by the admin passphrase, which was entered in this session: it "
                "stays in memory until the kiosk closes and is never saved."
            )
        if state.creating:
            return self.tr(
                "This computer has no OS keyring, so the vault that keeps Wi-Fi keys needs an "
                "admin passphrase ({n}+ characters). Set it now, so nobody is stopped at the "
                "bench when a Wi-Fi key is first stored."
            ).format(n=PASSPHRASE_MIN)
        return self.tr(
            "Protected by the admin passphrase, not entered since the kiosk started. Enter "
            "it now, so Wi-Fi keys can be stored without calling an admin to the bench."
        )

    def _on_button_clicked(self) -> None:
        actor = self._actor()
        if actor is None:
            return
        ensure_vault_open(self, self.store, actor, on_open=self.refresh, present=self._present)
