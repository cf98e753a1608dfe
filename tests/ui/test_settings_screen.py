"""The Settings screen, driven from the keyboard: every key goes to the focused widget."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QCheckBox, QLineEdit, QWidget
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
    answer_box,
    ctrl,
    enter,
    focus_name,
    focused,
    message_box,
    press,
    select_all_and_type,
    shared_alt_letters,
    tab,
    tab_to,
    type_text,
    wait_until,
)
from tests.helpers.kiosk import ADMIN_PIN, TECH_PIN, add_operators, open_kiosk, sign_in
from ui.main import MainWindow
from ui.ops import wait_for_writer
from ui.settings.form import alt_labels
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

    alt(Key.Key_D)  # Disable: asked first, No the default
    assert "Disable tom?" in message_box().text()
    answer_box(Key.Key_Return)
    assert not window.store.operator("tom").disabled  # type: ignore[union-attr]
    alt(Key.Key_D)
    answer_box(Key.Key_Y)
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


def seen(widget: QWidget) -> bool:
    """Whether a person sees `widget` now: shown, and not scrolled out of its scroll area."""
    return widget.isVisible() and not widget.visibleRegion().isEmpty()


@pytest.mark.usefixtures("themed")  # the stylesheet's fonts and padding: the real heights
def test_the_outcome_of_a_save_shows_where_the_admin_is(qtbot: QtBot, kiosk_db: Path) -> None:
    """At 1366x768 the status beside Save was below the fold: Enter saved, nothing showed."""
    window = open_kiosk(qtbot, kiosk_db)
    window.resize(1366, 768)
    sign_in("ada", ADMIN_PIN)
    ctrl(Key.Key_7)
    screen = window.settings
    assert focus_name() == "setting_tenant_domains"
    select_all_and_type("contoso.com, fabrikam.com")
    enter()
    qtbot.waitUntil(lambda: "Saved: Verified domains" in screen.status.text())
    assert seen(screen.status) and seen(focused())
    assert settings.domains(window.store) == ("contoso.com", "fabrikam.com")

    select_all_and_type("not a domain")
    tab_to("setting_autopilot_profile_id")  # far below: the domains scroll out of view
    assert not seen(screen.form.editors["tenant_domains"])
    enter()
    assert "Nothing was saved" in screen.status.text() and seen(screen.status)
    assert focus_name() == "setting_tenant_domains"  # the first field in error, in view
    assert seen(focused()) and seen(screen.form.errors["tenant_domains"])
    assert settings.domains(window.store) == ("contoso.com", "fabrikam.com")
    close(window)


def test_each_text_setting_shows_an_example_of_its_own(qtbot: QtBot, kiosk_db: Path) -> None:
    window = open_kiosk(qtbot, kiosk_db)
    sign_in("ada", ADMIN_PIN)
    ctrl(Key.Key_7)
    examples = {
        key: editor.placeholderText()
        for key, editor in window.settings.form.editors.items()
        if isinstance(editor, QLineEdit)
    }
    assert examples == {
        "tenant_domains": "contoso.com, contoso.onmicrosoft.com",
        "tenant_id": "00000000-0000-0000-0000-000000000000",
        "tenant_domain": "contoso.onmicrosoft.com",
        "autopilot_profile_id": "00000000-0000-0000-0000-000000000000",
    }
    for key, example in examples.items():  # each example is a value the field accepts
        assert settings.SETTINGS[key].problem(example) is None
    close(window)


@pytest.mark.usefixtures("themed")  # the stylesheet's heights: the last fields are below
def test_every_setting_has_an_alt_letter_of_its_own(qtbot: QtBot, kiosk_db: Path) -> None:
    window = open_kiosk(qtbot, kiosk_db)
    window.resize(1366, 768)
    sign_in("ada", ADMIN_PIN)
    ctrl(Key.Key_7)
    alt(Key.Key_R)  # Autopilot p&rofile ID, below the fold: scrolled into view
    assert focus_name() == "setting_autopilot_profile_id" and seen(focused())
    select_all_and_type("not a GUID")
    alt(Key.Key_V)
    assert focus_name() == "setting_tenant_domains" and seen(focused())
    enter()  # refused: the keyboard goes to the first field in error, and its reason shows
    assert focus_name() == "setting_autopilot_profile_id" and seen(focused())
    assert seen(window.settings.form.errors["autopilot_profile_id"])
    alt(Key.Key_T)
    assert focus_name() == "setting_tenant_id"
    assert shared_alt_letters(window) == {}
    form = window.settings.form
    for key, editor in form.editors.items():
        label = editor if isinstance(editor, QCheckBox) else form.labels[key]
        assert isinstance(label, QCheckBox) or label.buddy() is editor
        assert label.text().replace("&&", "").count("&") == 1, f"{key}: {label.text()!r}"
    close(window)


def test_a_setting_declared_later_takes_a_free_alt_letter() -> None:
    labels = {"tenant_domains": "Verified domains", "new": "Vault name", "r&d": "R&D"}
    assert alt_labels(labels, taken="sadeip") == {
        "tenant_domains": "&Verified domains",  # its own letter, kept
        "new": "Vault &name",  # V is taken: the next initial
        "r&d": "&R&&D",  # a literal ampersand stays one
    }
    assert alt_labels({"x": "Sad"}, taken="sad") == {"x": "Sad"}  # nothing free: unmarked


def test_a_refused_operator_keeps_what_was_right(qtbot: QtBot, kiosk_db: Path) -> None:
    """Enter with no name cleared both PINs, and its reason stayed after the name was typed."""
    window = open_kiosk(qtbot, kiosk_db)
    sign_in("ada", ADMIN_PIN)
    ctrl(Key.Key_7)
    panel = window.settings.operators
    alt(Key.Key_A)  # Add operator…
    qtbot.waitUntil(lambda: focus_name() == "newOperatorName")
    dialog = panel.dialog
    assert dialog is not None
    tab(2)
    assert focus_name() == "newOperatorPin"
    type_text("246813")
    tab()
    type_text("246813")
    enter()
    assert dialog.error.isVisible() and "name" in dialog.error.text()
    assert focus_name() == "newOperatorName"
    assert (dialog.pin.text(), dialog.repeat.text()) == ("246813", "246813")  # kept
    type_text("n")
    assert not dialog.error.isVisible()  # the field it spoke about was edited
    type_text("ina")
    tab(2)
    assert focus_name() == "newOperatorPin"
    select_all_and_type("135")
    enter()  # too short: the PINs themselves are refused, and cleared
    assert "too weak" in dialog.error.text() and focus_name() == "newOperatorPin"
    assert (dialog.pin.text(), dialog.repeat.text()) == ("", "")
    type_text("2")
    assert not dialog.error.isVisible()
    type_text("46813")
    tab()
    type_text("246814")
    enter()
    assert "differ" in dialog.error.text() and focus_name() == "newOperatorPin"
    assert (dialog.pin.text(), dialog.repeat.text()) == ("", "")
    assert dialog.name.text() == "nina"
    type_text("246813")
    tab()
    type_text("246813")
    enter()
    qtbot.waitUntil(lambda: "Added nina" in panel.status.text())
    close(window)
