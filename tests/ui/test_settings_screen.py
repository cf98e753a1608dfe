"""The Settings screen, driven from the keyboard: every key goes to the focused widget."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app import settings
from app.security import operators
from app.security.operators import SignInFailed
from app.security.roles import Actor, Role
from app.security.secret import Secret
from app.store import Store
from tests.helpers.keyboard import (
    Key,
    alt,
    ctrl,
    enter,
    focus_name,
    press,
    select_all_and_type,
    tab,
    tab_to,
    type_text,
    wait_until,
)
from tests.helpers.kiosk import ADMIN_PIN, TECH_PIN, add_operators, open_kiosk, sign_in
from ui.main import MainWindow
from ui.ops import wait_for_writer
from ui.settings.hints import no_domain_hint


@pytest.fixture
def kiosk_db(db_path: Path) -> Path:
    add_operators(db_path)
    return db_path


def close(window: MainWindow) -> None:
    wait_for_writer()
    window.close()


def test_admin_changes_domains_and_idle_lock_at_once(qtbot: QtBot, kiosk_db: Path) -> None:
    window = open_kiosk(qtbot, kiosk_db)
    sign_in("ada", ADMIN_PIN)
    assert window.session.idle_ms == 5 * 60_000
    ctrl(Key.Key_7)
    assert window.stack.currentWidget() is window.settings
    assert focus_name() == "setting_tenant_domains"

    select_all_and_type("not a domain")
    enter()  # refused beside the field; nothing is written
    screen = window.settings
    assert screen.form.errors["tenant_domains"].isVisible()
    assert "not a domain name" in screen.form.errors["tenant_domains"].text()
    assert focus_name() == "setting_tenant_domains"
    assert window.store.audit_entries(action="settings.change") == []

    select_all_and_type("Contoso.com, fabrikam.com")
    assert not screen.form.errors["tenant_domains"].isVisible()
    tab()
    assert focus_name() == "setting_max_devices_per_user"
    tab()
    assert focus_name() == "setting_idle_lock_minutes"
    select_all_and_type("2")
    enter()
    qtbot.waitUntil(lambda: "Saved" in screen.status.text())
    assert focus_name() == "setting_idle_lock_minutes"
    assert window.session.idle_ms == 2 * 60_000  # the running timer changed at once
    assert window.session._timer.isActive()
    assert settings.domains(window.store) == ("contoso.com", "fabrikam.com")
    assert settings.get(window.store, "idle_lock_minutes") == 2
    changes = window.store.audit_entries(action="settings.change")
    assert sorted((e.actor, e.target) for e in changes) == [
        ("ada", "idle_lock_minutes"),
        ("ada", "tenant_domains"),
    ]
    assert screen.form.editors["tenant_domains"].text() == "contoso.com, fabrikam.com"  # type: ignore[union-attr]

    enter()  # saving again unchanged writes and audits nothing
    qtbot.waitUntil(lambda: "Nothing to save" in screen.status.text())
    assert len(window.store.audit_entries(action="settings.change")) == 2
    close(window)


def test_admin_adds_disables_and_resets_operators(qtbot: QtBot, kiosk_db: Path) -> None:
    window = open_kiosk(qtbot, kiosk_db)
    sign_in("ada", ADMIN_PIN)
    ctrl(Key.Key_7)
    panel = window.settings.operators
    assert [o.name for o in panel.rows] == ["ada", "tom"]
    tab_to("operatorTable")
    press(Key.Key_Down)
    assert panel.selected() is not None and panel.selected().name == "tom"  # type: ignore[union-attr]

    alt(Key.Key_D)  # Disable
    qtbot.waitUntil(lambda: "tom is disabled" in panel.status.text())
    assert focus_name() == "operatorTable"
    assert panel.table.item(1, 2).text() == "disabled"
    with pytest.raises(SignInFailed, match="is disabled: ask an admin to enable"):
        operators.sign_in(window.store, "tom", Secret(TECH_PIN))
    alt(Key.Key_E)  # the same button now enables
    qtbot.waitUntil(lambda: "tom can sign in again" in panel.status.text())
    assert operators.sign_in(window.store, "tom", Secret(TECH_PIN)).name == "tom"

    alt(Key.Key_I)  # Reset PIN…
    qtbot.waitUntil(lambda: focus_name() == "newOperatorPin")
    type_text("975310")
    tab()
    assert focus_name() == "newOperatorPinRepeat"
    type_text("975311")
    enter()
    dialog = panel.dialog
    assert dialog is not None and "differ" in dialog.error.text()
    assert focus_name() == "newOperatorPin"
    type_text("975310")
    tab()
    type_text("975310")
    enter()
    qtbot.waitUntil(lambda: "New PIN set for tom" in panel.status.text())
    qtbot.waitUntil(lambda: focus_name() == "operatorTable")
    assert operators.sign_in(window.store, "tom", Secret("975310")).name == "tom"

    alt(Key.Key_A)  # Add operator…
    qtbot.waitUntil(lambda: focus_name() == "newOperatorName")
    type_text("nina")
    tab()
    assert focus_name() == "newOperatorRole"
    press(Key.Key_Down)  # technician → lead
    tab()
    type_text("2468")
    tab()
    type_text("2468")
    enter()
    dialog = panel.dialog
    assert dialog is not None and "too weak" in dialog.error.text()
    assert focus_name() == "newOperatorPin"
    type_text("246813")
    tab()
    type_text("246813")
    enter()
    qtbot.waitUntil(lambda: "Added nina" in panel.status.text())
    assert [(o.name, o.role) for o in panel.rows] == [
        ("ada", Role.ADMIN),
        ("nina", Role.LEAD),
        ("tom", Role.TECHNICIAN),
    ]
    assert panel.selected() is not None and panel.selected().name == "nina"  # type: ignore[union-attr]
    actions = [e.action for e in window.store.audit_entries() if e.actor == "ada"]
    for action in ("operator.disable", "operator.enable", "operator.reset_pin", "operator.create"):
        assert action in actions

    press(Key.Key_Up)  # ada herself
    alt(Key.Key_D)
    qtbot.waitUntil(lambda: "cannot disable their own account" in panel.status.text())
    assert not window.store.operator("ada").disabled  # type: ignore[union-attr]
    close(window)


def test_technician_sees_settings_but_cannot_change_them(qtbot: QtBot, kiosk_db: Path) -> None:
    window = open_kiosk(qtbot, kiosk_db)
    sign_in("tom", TECH_PIN)
    ctrl(Key.Key_7)
    screen = window.settings
    assert window.stack.currentWidget() is screen
    assert screen.notice.isVisible()
    assert "Only an admin changes settings" in screen.notice.text()
    assert "tom is signed in as technician" in screen.notice.text()
    assert not screen.operators.isVisible()  # the operator list is for admins only
    assert all(not editor.isEnabled() for editor in screen.form.editors.values())
    assert focus_name() == "settingsScreen"  # nothing to type into: keys go nowhere
    type_text("contoso.com")
    enter()
    tab(3)
    type_text("1")
    enter()
    wait_for_writer()
    assert settings.domains(window.store) == ()
    assert window.store.audit_entries(action="settings.change") == []
    close(window)


def test_the_account_page_hint_points_to_settings(store: Store) -> None:
    hint = no_domain_hint(store, Actor("ada", Role.ADMIN))
    assert hint is not None and "Settings (Ctrl+7)" in hint and "add the tenant's" in hint
    tech_hint = no_domain_hint(store, Actor("tom", Role.TECHNICIAN))
    assert tech_hint is not None and "an admin adds them under Settings (Ctrl+7)" in tech_hint
    settings.put(store, Actor("ada", Role.ADMIN), "tenant_domains", "contoso.com")
    assert no_domain_hint(store, Actor("tom", Role.TECHNICIAN)) is None
    assert no_domain_hint(store, None) is None  # locked: nobody to tell


def test_unsaved_values_survive_the_idle_lock_for_the_same_admin(
    qtbot: QtBot, kiosk_db: Path
) -> None:
    window = open_kiosk(qtbot, kiosk_db)
    sign_in("ada", ADMIN_PIN)
    ctrl(Key.Key_7)
    select_all_and_type("contoso.com")
    window.lock()  # the idle timer ran out before Enter
    assert focus_name() == "operatorPin"
    type_text(ADMIN_PIN)
    enter()
    wait_until(lambda: not window.sign_in.checking)  # the PIN is checked off the GUI thread
    field = window.settings.form.editors["tenant_domains"]
    assert field.text() == "contoso.com"  # type: ignore[union-attr]
    assert settings.domains(window.store) == ()  # still not saved: Enter saves
    window.lock()
    window.sign_in.show_sign_in()  # "Sign in as someone else"
    sign_in("tom", TECH_PIN)
    assert field.text() == ""  # type: ignore[union-attr]  # not ada's unsaved typing
    close(window)
