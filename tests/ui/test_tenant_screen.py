"""The kiosk and the tenant, driven from the keyboard against the local tenant (fake Graph):
offline then connected, parked items retried and dropped, connecting, who sees what."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from app import services
from app.security import operators, vault
from app.security.roles import Role
from app.security.secret import Secret
from app.services import SyncOptions
from app.store import Store
from tests.helpers.actors import ADMIN
from tests.helpers.fake_graph import CLIENT, TENANT, FakeGraph
from tests.helpers.keyboard import (
    Key,
    alt,
    ctrl,
    enter,
    focus_name,
    press,
    select_all_and_type,
    space,
    tab,
    tab_to,
    type_text,
    wait_until,
)
from tests.helpers.kiosk import ADMIN_PIN, TECH_PIN, add_operators, open_kiosk, sign_in
from tests.helpers.tenant import import_devices
from ui import main as kiosk
from ui.main import MainWindow
from ui.ops import wait_for_writer
from ui.tenant import connect_dialog
from ui.tenant.connect_dialog import ConnectDialog
from ui.tenant.sender import TenantSender

IMPORT = "/v1.0/deviceManagement/importedWindowsAutopilotDeviceIdentities/import"
FORBIDDEN = {"error": {"code": "Forbidden", "message": "Application is not authorized."}}
LEAD_PIN = "246802"
VAULT_PASSPHRASE = "bench vault passphrase 2026"


@pytest.fixture
def quick_kiosk(monkeypatch: pytest.MonkeyPatch, quick: SyncOptions) -> SyncOptions:
    """The kiosk's sender with a test's patience: no real waits, a sync soon after a write."""
    monkeypatch.setattr(kiosk, "TenantSender", partial(TenantSender, options=quick, soon_ms=20))
    return quick


@pytest.fixture
def window(qtbot: QtBot, db_path: Path, quick_kiosk: SyncOptions) -> Iterator[MainWindow]:
    add_operators(db_path)
    with Store.open(db_path) as store:
        ada = operators.sign_in(store, "ada", Secret(ADMIN_PIN))
        operators.create_operator(store, ada, "lea", Role.LEAD, Secret(LEAD_PIN))
    shown = open_kiosk(qtbot, db_path)
    yield shown
    shown.tenant_sender.shutdown()
    wait_for_writer()
    shown.close()


def idle(qtbot: QtBot, window: MainWindow) -> None:
    """Until the sender has nothing running or about to start."""
    sender = window.tenant_sender
    qtbot.waitUntil(lambda: not sender.running and not sender._soon.isActive(), timeout=20_000)


def test_offline_then_connected_and_parked_items_retried_and_dropped(
    qtbot: QtBot, window: MainWindow, connected: Store, graph: FakeGraph, tmp_path: Path
) -> None:
    serials = import_devices(connected, tmp_path, 3)
    services.queue_uploads(connected, serials, actor=ADMIN)
    graph.stop()  # the bench is offline when the lead signs in

    sign_in("lea", LEAD_PIN)
    idle(qtbot, window)  # the first sign-in starts a sync: it cannot reach the tenant
    status = window.tenant_sender.status
    assert status.offline_since is not None and not status.connected
    assert window.tenant_line.isVisible()
    assert "offline since" in window.tenant_line.text()
    assert "3 waiting" in window.tenant_line.text()

    ctrl(Key.Key_8)
    screen = window.tenant
    assert window.stack.currentWidget() is screen
    assert focus_name() == "syncNow"
    assert screen.headline.text().startswith("Offline since ")
    assert "cannot be reached" in screen.reason.text()
    assert screen.counts.text().startswith("3 waiting · 0 parked")
    assert not screen.connect_button.isVisible()  # connecting is an admin's
    assert screen.retry_button.isVisible()

    graph.start()  # back online; the tenant refuses the import for want of a permission
    graph.tenant.fail("POST", IMPORT, 403, body=FORBIDDEN)
    space()  # Sync now
    assert focus_name() == "cancelSync"
    idle(qtbot, window)
    assert focus_name() == "syncNow"  # the sync is over: back where it was started
    assert screen.headline.text().startswith("Connected · last sync ")
    assert not screen.reason.isVisible()
    assert screen.counts.text().startswith("0 waiting · 3 parked")
    assert "3 parked" in window.tenant_line.text()
    assert screen.parked.count() == 3
    assert "DeviceManagementServiceConfig.ReadWrite.All" in screen.parked.item(0).text()
    assert graph.tenant.import_posts == {}

    tab_to("parkedList")
    first = screen._selected_ids()
    assert len(first) == 1  # the first parked item, ready for Retry
    tab()
    assert focus_name() == "retryParked"
    space()
    qtbot.waitUntil(lambda: len(window.tenant_sender.status.parked) == 2, timeout=10_000)
    assert focus_name() == "parkedList"
    idle(qtbot, window)  # the retried item goes at the next sync, which follows at once
    retried = connected.outbox_item(first[0])
    assert retried is not None and retried.state == "done"
    assert graph.tenant.import_posts == {retried.serial: 1}
    assert screen.parked.count() == 2

    press(Key.Key_Down)
    chosen = screen._selected_ids()
    assert len(chosen) == 1
    dropped = connected.outbox_item(chosen[0])
    assert dropped is not None
    press(Key.Key_Delete)  # drop: asked first, No by default
    wait_until(lambda: QApplication.activeModalWidget() is not None)
    press(Key.Key_Y)
    qtbot.waitUntil(lambda: len(window.tenant_sender.status.parked) == 1, timeout=10_000)
    assert focus_name() == "parkedList"
    assert "Dropped 1 item" in screen.message.text()
    assert connected.outbox_item(chosen[0]) is None
    drops = connected.audit_entries(action="tenant.drop")
    assert [(e.actor, e.target) for e in drops] == [("lea", dropped.serial)]
    assert [e.actor for e in connected.audit_entries(action="tenant.retry")] == ["lea"]


def test_a_technician_sees_the_status_and_nothing_to_press_but_sync(
    qtbot: QtBot, window: MainWindow, connected: Store, graph: FakeGraph
) -> None:
    sign_in("tom", TECH_PIN)
    idle(qtbot, window)
    ctrl(Key.Key_8)
    screen = window.tenant
    assert screen.headline.text().startswith("Connected")
    assert focus_name() == "syncNow"
    for button in (screen.retry_button, screen.drop_button, screen.connect_button):
        assert not button.isVisible()
    assert not screen.upload_button.isVisible()  # queueing uploads is a lead's (import)
    assert "a lead retries or drops them" in screen.parked_note.text()
    assert [e.actor for e in connected.audit_entries(action="tenant.sync")] == ["tom"]


def test_an_admin_connects_from_the_kiosk_and_the_secret_never_shows(
    qtbot: QtBot, window: MainWindow, graph: FakeGraph, db_path: Path, tmp_path: Path
) -> None:
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text(graph.tenant.client_secret + "\n", encoding="utf-8")
    sign_in("ada", ADMIN_PIN)
    assert not window.tenant_line.isVisible()  # no tenant: the sidebar says nothing
    ctrl(Key.Key_8)
    screen = window.tenant
    assert screen.headline.text().startswith("No tenant is connected")
    alt(Key.Key_C)  # Connect…
    wait_until(lambda: focus_name() == "tenantIdField")  # the dialog opens on the next turn
    assert screen.dialog is not None and screen.dialog.isVisible()
    type_text(TENANT)
    tab()
    assert focus_name() == "clientIdField"
    type_text(CLIENT)
    tab()
    assert focus_name() == "credentialKind"  # a client secret, the first choice
    tab()
    assert focus_name() == "credentialFile"
    type_text(str(tmp_path / "missing.txt"))
    enter()
    dialog = screen.dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: not dialog.busy, timeout=10_000)
    said = dialog.error.text()
    assert said.startswith("Not connected: The file ") and "missing.txt" in said
    assert "No such file" in said and dialog.isVisible()
    assert focus_name() == "credentialFile"  # where the fix is typed
    type_text(str(secret_file))  # the wrong path was selected: typing replaces it
    tab_to("cloud")
    press(Key.Key_End)  # Other hosts…: the local tenant
    tab()
    assert focus_name() == "authorityHost"
    select_all_and_type(graph.url)
    tab()
    assert focus_name() == "graphUrl"
    select_all_and_type(graph.url)
    enter()
    qtbot.waitUntil(lambda: screen.dialog is None, timeout=15_000)
    idle(qtbot, window)  # the first sync follows at once
    assert screen.headline.text().startswith("Connected · last sync ")
    assert TENANT in screen.where.text() and "client secret" in screen.where.text()
    assert focus_name() == "connectTenant"
    assert screen.connect_button.text() == "Re&connect…"
    texts = [w.text() for w in window.findChildren(QLabel)]
    texts += [w.text() for w in QApplication.allWidgets() if isinstance(w, QLineEdit)]
    assert not [t for t in texts if graph.tenant.client_secret in t]
    with Store.open(db_path) as store:
        [entry] = store.audit_entries(action="tenant.connect")
        assert entry.actor == "ada"
        assert graph.tenant.client_secret not in str(entry.details)


def shown_words(widget: QWidget) -> str:
    """What a person reads on `widget` now: the text of its visible labels."""
    return " ".join(w.text() for w in widget.findChildren(QLabel) if w.isVisible())


def test_without_a_tenant_the_screen_says_why_sync_is_off(qtbot: QtBot, window: MainWindow) -> None:
    sign_in("ada", ADMIN_PIN)
    ctrl(Key.Key_8)
    screen = window.tenant
    assert focus_name() == "connectTenant"  # the one thing to do
    assert not screen.sync_button.isEnabled() and not screen.upload_button.isEnabled()
    said = shown_words(screen)
    assert "Sync now and Queue new hashes wait for a tenant" in said
    assert "Connect… (Alt+C)" in said
    for button in (screen.sync_button, screen.upload_button):
        assert "Connect…" in button.toolTip()
    window.lock()
    window.sign_in.show_sign_in()
    sign_in("tom", TECH_PIN)  # no Connect… and no Queue for a technician: an admin connects
    ctrl(Key.Key_8)
    said = shown_words(screen)
    assert "Sync now waits for a tenant" in said and "an admin connects" in said
    assert "Queue" not in said and "Alt+C" not in said


def connect_typed(window: MainWindow, graph: FakeGraph, tmp_path: Path) -> ConnectDialog:
    """Ada opens Connect (Ctrl+8, Alt+C) and types the tenant, the client and the file that
    holds the client secret; the keyboard is left in that file's field."""
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text(graph.tenant.client_secret + "\n", encoding="utf-8")
    sign_in("ada", ADMIN_PIN)
    ctrl(Key.Key_8)
    alt(Key.Key_C)
    wait_until(lambda: focus_name() == "tenantIdField")
    dialog = window.tenant.dialog
    assert dialog is not None
    type_text(TENANT)
    tab()
    type_text(CLIENT)
    tab_to("credentialFile")
    type_text(str(secret_file))
    return dialog


def test_connecting_without_a_vault_asks_for_its_passphrase_there(
    qtbot: QtBot,
    window: MainWindow,
    graph: FakeGraph,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No keyring and no vault yet: Connect said "Ask an admin to set it" to the admin."""
    monkeypatch.delenv(vault.PASSPHRASE_ENV)
    dialog = connect_typed(window, graph, tmp_path)
    screen = window.tenant
    tab_to("cloud")
    press(Key.Key_End)  # Other hosts…: the local tenant
    tab()
    select_all_and_type(graph.url)
    tab()
    select_all_and_type(graph.url)
    enter()
    wait_until(lambda: focus_name() == "vaultPassphrase")  # set it here, now
    press(Key.Key_Escape)  # not now
    wait_until(lambda: dialog.error.isVisible())
    said = dialog.error.text()
    assert "Settings (Ctrl+7) → Secrets vault → “Set the vault passphrase…”" in said
    assert "ask an admin" not in said.lower()
    assert focus_name() == "graphUrl" and window.store.audit_entries(action="tenant.connect") == []

    enter()  # again, and this time the passphrase is set
    wait_until(lambda: focus_name() == "vaultPassphrase")
    type_text(VAULT_PASSPHRASE)
    tab()
    type_text(VAULT_PASSPHRASE)
    enter()
    qtbot.waitUntil(lambda: screen.dialog is None, timeout=15_000)
    idle(qtbot, window)
    assert screen.headline.text().startswith("Connected · last sync ")


def test_a_vault_that_cannot_open_is_explained_to_the_admin_who_can_open_it(
    qtbot: QtBot,
    window: MainWindow,
    graph: FakeGraph,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The vault changed between the check and the job (another bench set its passphrase):
    the service's refusal reads as the kiosk's words, saying where the passphrase goes."""
    monkeypatch.delenv(vault.PASSPHRASE_ENV)
    monkeypatch.setattr(
        connect_dialog,
        "ensure_vault_open",
        lambda *_a, on_open, **_k: on_open() or True,
        raising=False,
    )
    dialog = connect_typed(window, graph, tmp_path)
    enter()
    qtbot.waitUntil(lambda: not dialog.busy and dialog.error.isVisible(), timeout=10_000)
    said = dialog.error.text()
    assert said.startswith("Not connected: ")
    assert "Settings (Ctrl+7) → Secrets vault → “Set the vault passphrase…”" in said
    assert "ask an admin" not in said.lower()
