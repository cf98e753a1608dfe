"""The vault passphrase prompt: asked only without a keyring, checked beside the field, kept
in memory for the session, never pointing to an environment variable. Keys go to the
focused widget."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from PySide6.QtWidgets import QApplication, QLabel, QWidget
from pytestqt.qtbot import QtBot

from app import services
from app.enrollment import Answers
from app.security import vault
from app.security.roles import Actor, Role
from app.security.secret import Secret
from app.security.vault import Vault
from app.store import Store
from tests.helpers.actors import ADMIN
from tests.helpers.keyboard import Key, alt, ctrl, enter, focus_name, tab, type_text
from tests.helpers.kiosk import ADMIN_PIN, add_operators, open_kiosk, sign_in
from tests.helpers.vault import FAST_KDF, MemoryKeyring
from ui.enroll.batch_screen import BatchEnrollScreen
from ui.ops import wait_for_writer
from ui.widgets.vault_prompt import VaultPromptDialog, ensure_vault_open

PASSPHRASE = "bench vault passphrase 2026"
ADA = Actor("ada", Role.ADMIN)


@pytest.fixture(autouse=True)
def _fast_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vault, "KDF_COST", dict(FAST_KDF))


@pytest.fixture
def passphrase_vault(db_path: Path) -> Path:
    """A database whose vault was made with the admin passphrase, in an earlier session."""
    with Store.open(db_path) as store:
        Vault.unlock(store, passphrase=Secret(PASSPHRASE)).lock()
    return db_path


@pytest.fixture
def parent(qtbot: QtBot) -> Iterator[QWidget]:
    widget = QWidget()
    qtbot.addWidget(widget)
    widget.resize(800, 500)
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()
    widget.setFocus()
    yield widget
    wait_for_writer()


def prompts() -> list[VaultPromptDialog]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, VaultPromptDialog)]


def shown_text(dialog: QWidget) -> str:
    return " ".join(label.text() for label in dialog.findChildren(QLabel))


def assert_no_environment_variable(text: str) -> None:
    assert "JOINERY_" not in text and "environment" not in text.lower()


def test_wrong_passphrase_is_refused_beside_the_field_then_the_right_one_opens(
    qtbot: QtBot, passphrase_vault: Path, parent: QWidget
) -> None:
    opened: list[bool] = []
    with Store.open(passphrase_vault) as store:
        with pytest.raises(vault.PassphraseNeeded) as caught:
            Vault.unlock(store)  # what any service met before the prompt
        assert_no_environment_variable(str(caught.value))
        assert not ensure_vault_open(parent, store, ADA, on_open=lambda: opened.append(True))
        (dialog,) = prompts()
        qtbot.waitUntil(lambda: focus_name() == "vaultPassphrase")
        assert "Enter the vault passphrase" in shown_text(dialog)
        assert_no_environment_variable(shown_text(dialog))
        assert not dialog.repeat.isVisible()  # an existing passphrase is typed once

        type_text("correct horse battery stapler")
        enter()
        qtbot.waitUntil(lambda: "does not open the vault" in dialog.error.text())
        assert dialog.isVisible() and opened == []
        assert focus_name() == "vaultPassphrase" and dialog.passphrase.text() == ""
        assert_no_environment_variable(shown_text(dialog))

        type_text(PASSPHRASE)
        enter()
        qtbot.waitUntil(lambda: opened == [True])
        assert prompts() == [] or not dialog.isVisible()
        qtbot.waitUntil(lambda: QApplication.focusWidget() is parent)  # back where it was
        assert ensure_vault_open(parent, store, ADA, on_open=lambda: opened.append(True))
        assert opened == [True, True] and not any(d.isVisible() for d in prompts())
        with Vault.unlock(store) as opened_vault:  # every service now opens it unasked
            token = opened_vault.seal("profiles", "wifi_key", "x", Secret("k" * 12))
            assert opened_vault.unseal("profiles", "wifi_key", "x", token).reveal() == "k" * 12
        actions = [e.action for e in store.audit_entries() if e.target == "secrets vault"]
        assert actions == ["vault.unlock", "vault.unlock_refused"]
    for suffix in ("", "-wal"):  # remembered in memory, never written
        path = Path(str(passphrase_vault) + suffix)
        assert not path.exists() or PASSPHRASE.encode() not in path.read_bytes()


def test_an_admin_sets_the_passphrase_from_settings(qtbot: QtBot, db_path: Path) -> None:
    add_operators(db_path)
    window = open_kiosk(qtbot, db_path)
    sign_in("ada", ADMIN_PIN)
    ctrl(Key.Key_7)
    row = window.settings.vault
    assert row.button.isVisible() and "no OS keyring" in row.state_label.text()
    alt(Key.Key_P)  # Set the vault passphrase…
    qtbot.waitUntil(lambda: focus_name() == "vaultPassphrase")
    (dialog,) = [d for d in prompts() if d.isVisible()]
    assert "Set the vault passphrase" in shown_text(dialog)
    assert_no_environment_variable(shown_text(dialog))
    type_text("too short")
    tab()
    type_text("too short")
    enter()
    assert "at least 15 characters" in dialog.error.text()
    assert focus_name() == "vaultPassphrase"
    type_text(PASSPHRASE)
    tab()
    assert focus_name() == "vaultPassphraseRepeat"
    type_text(PASSPHRASE + "!")
    enter()
    assert "differ" in dialog.error.text() and focus_name() == "vaultPassphrase"
    type_text(PASSPHRASE)
    tab()
    type_text(PASSPHRASE)
    enter()
    qtbot.waitUntil(lambda: not row.button.isVisible())
    assert "entered in this session" in row.state_label.text()
    key = window.store.active_vault_key()
    assert key is not None and key[2] == "passphrase"
    assert [e.actor for e in window.store.audit_entries(action="vault.create")] == ["ada"]
    qtbot.waitUntil(lambda: focus_name() == "setting_tenant_domains")
    wait_for_writer()
    window.close()
    with Store.open(db_path) as store:  # the kiosk closed: the passphrase is forgotten
        assert services.vault_state(store, actor=ADMIN).needs_passphrase


def test_a_technician_is_told_an_admin_sets_it(
    qtbot: QtBot, db_path: Path, parent: QWidget
) -> None:
    with Store.open(db_path) as store:
        tom = Actor("tom", Role.TECHNICIAN)
        assert not ensure_vault_open(parent, store, tom, on_open=lambda: None)
    (dialog,) = prompts()
    text = shown_text(dialog)
    assert "only an admin sets it, under Settings (Ctrl+7)" in text
    assert_no_environment_variable(text)
    assert not dialog.passphrase.isVisible()
    dialog.close()


def test_nothing_is_asked_with_a_keyring(qtbot: QtBot, db_path: Path, parent: QWidget) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    try:
        opened: list[bool] = []
        with Store.open(db_path) as store:
            assert ensure_vault_open(parent, store, ADA, on_open=lambda: opened.append(True))
        assert opened == [True] and prompts() == []
    finally:
        keyring.set_keyring(previous)


def test_batch_with_a_wifi_profile_needs_no_passphrase(
    qtbot: QtBot, passphrase_vault: Path
) -> None:
    """The profile's key stays sealed in the profile: enrolling from it never opens the vault,
    so batch and cart mode have nothing to ask (see docs/security.md)."""
    with Store.open(passphrase_vault) as store:
        vault.remember_passphrase(store, Secret(PASSPHRASE))
        wifi = Answers(network="wifi", wifi_ssid="Bench", wifi_security="WPA2-Personal")
        services.save_profile(
            store, "Wi-Fi bench", wifi, wifi_key=Secret("bench-wifi-key"), actor=ADMIN
        )
    vault.forget_passphrases()
    lead = Actor("lena", Role.LEAD)
    with Store.open(passphrase_vault) as store:
        screen = BatchEnrollScreen(store, lambda: lead)
        qtbot.addWidget(screen)
        screen.show()
        screen.profile.setCurrentText("Wi-Fi bench")
        screen.focus_scan()
        qtbot.waitUntil(lambda: focus_name() == "enrollScan")
        type_text("PF3KX1ZD")
        enter()
        enter()
        qtbot.waitUntil(lambda: "Enrolled PF3KX1ZD" in screen.message.text())
        assert prompts() == []
        wait_for_writer()
