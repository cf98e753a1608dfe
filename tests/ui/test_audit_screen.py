"""The Audit screen's filter, driven by keyboard: it offers every action the kiosk writes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app import demo
from app.security.audit_actions import DEVICE_FILES, PACKAGES, AuditAction, known
from app.security.roles import Actor, Role
from app.store import Store
from tests.helpers.audit_writes import scan
from tests.helpers.keyboard import Key, alt, focus_name, press, type_text
from ui.audit.screen import ACTION_COLUMN, HEADERS, AuditScreen

ADMIN = Actor("ada", Role.ADMIN)
CART_PACKAGES = "cart that built packages"
CART_FILES = "cart of answer files only"
TARGET_COLUMN = HEADERS.index("Target")


@pytest.fixture
def screen(qtbot: QtBot, db_path: Path) -> Iterator[AuditScreen]:
    store = Store.open(db_path)
    demo.seed(store, 40, seed=3)
    with store.transaction():  # a day at the bench, as the services record it
        for action, target in (
            (AuditAction.OPERATOR_SIGN_IN, "ada"),
            (AuditAction.DEVICE_ENROLL, "PF5KX2QA"),
            (AuditAction.LABEL_PRINT, "PF5KX2QA"),
            (AuditAction.PACKAGE_BUILD, "Bench 1.0"),
            (AuditAction.PACKAGE_VERIFY, "bench.joinery"),
            (AuditAction.PACKAGE_PROVISIONED, "PF5KX2QA"),
            (AuditAction.SESSION_LOCK, "ada"),
        ):
            store.append_audit("ada", action, target)
        # Two carts of device files: one built a package (audited in the cart's entry).
        package = {"serial": "PF5KX2QA", "build": 7, "name": "Device PF5KX2QA"}
        store.append_audit(
            "ada", AuditAction.DEVICE_FILES_WRITE, CART_PACKAGES, {"packages": [package]}
        )
        store.append_audit("ada", AuditAction.DEVICE_FILES_WRITE, CART_FILES, {"packages": []})
    widget = AuditScreen(store, lambda: ADMIN)
    qtbot.addWidget(widget)
    widget.resize(1166, 700)
    widget.show()
    widget.activateWindow()
    widget.action.setFocus()
    yield widget
    store.close()


def codes_shown(screen: AuditScreen) -> set[str]:
    table = screen.table
    return {table.item(r, ACTION_COLUMN).toolTip() for r in range(table.rowCount())}


def targets_shown(screen: AuditScreen) -> set[str]:
    table = screen.table
    return {table.item(r, TARGET_COLUMN).text() for r in range(table.rowCount())}


def test_every_action_any_service_writes_is_offered(screen: AuditScreen) -> None:
    written = {AuditAction[name].value for name in scan().actions}
    assert written  # the scan found the writers
    assert written <= screen.offered_actions()
    assert screen.offered_actions() == {a.value for a in AuditAction}


def test_choosing_a_group_by_keyboard_shows_only_its_actions(screen: AuditScreen) -> None:
    everything = codes_shown(screen)
    assert {"package.build", "device.enroll", "session.lock"} <= everything
    press(Key.Key_Tab)  # away, then back by the label's shortcut
    alt(Key.Key_A)
    assert focus_name() == "actionFilter"
    target = screen.action.findText(PACKAGES)
    assert target > 0
    press(Key.Key_Down, times=target)
    assert focus_name() == "actionFilter"
    assert screen.action.currentText() == PACKAGES
    shown = codes_shown(screen)
    assert shown and all(code.startswith("package.") for code in shown - {"device_files.write"})
    press(Key.Key_Down)  # the first action of the group on its own
    assert focus_name() == "actionFilter"
    only = screen.action.currentData()
    assert len(only) == 1
    assert codes_shown(screen) <= set(only)


def test_a_row_reads_in_words_and_keeps_its_code(screen: AuditScreen) -> None:
    table = screen.table
    row = next(r for r in range(table.rowCount()) if table.item(r, ACTION_COLUMN).toolTip())
    code = table.item(row, ACTION_COLUMN).toolTip()
    action = known(code)
    assert action is not None and table.item(row, ACTION_COLUMN).text() == action.words


def test_operator_filter_by_keyboard(screen: AuditScreen) -> None:
    alt(Key.Key_O)
    assert focus_name() == "operatorFilter"
    type_text("demo")
    press(Key.Key_Return)
    assert focus_name() == "operatorFilter"
    actors = {screen.table.item(r, 1).text() for r in range(screen.table.rowCount())}
    assert actors == {"demo"}


def test_the_packages_group_shows_the_carts_that_built_packages(screen: AuditScreen) -> None:
    """A cart's packages are audited in the cart's own entry (device_files.write): the
    Packages group shows that entry, and not a cart that built none."""
    alt(Key.Key_A)
    assert focus_name() == "actionFilter"
    press(Key.Key_Down, times=screen.action.findText(PACKAGES))
    assert focus_name() == "actionFilter"
    assert screen.action.currentText() == PACKAGES
    assert "device_files.write" in codes_shown(screen)
    assert CART_PACKAGES in targets_shown(screen) and CART_FILES not in targets_shown(screen)
    press(Key.Key_Down)  # one package action on its own: no cart
    assert focus_name() == "actionFilter"
    assert "device_files.write" not in codes_shown(screen)
    press(Key.Key_Down, times=screen.action.findText(DEVICE_FILES) - screen.action.currentIndex())
    assert focus_name() == "actionFilter"
    assert screen.action.currentText() == DEVICE_FILES
    assert {CART_PACKAGES, CART_FILES} <= targets_shown(screen)
