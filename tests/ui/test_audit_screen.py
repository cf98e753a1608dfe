"""The Audit screen, driven by keyboard: its filter offers every action the kiosk writes,
fits the smallest window, says where an export went, and opens any entry whole."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressDialog,
)
from pytestqt.qtbot import QtBot

from app import demo, services
from app.security.audit_actions import DEVICE_FILES, PACKAGES, AuditAction, known
from app.security.roles import Actor, Role
from app.store import Store
from tests.helpers.audit_writes import scan
from tests.helpers.keyboard import (
    Key,
    alt,
    ctrl,
    enter,
    focus_name,
    focused,
    press,
    tab_to,
    type_text,
    wait_until,
)
from tests.helpers.kiosk import ADMIN_PIN, add_operators, open_kiosk, sign_in
from ui import changes
from ui.audit.screen import ACTION_COLUMN, HEADERS, AuditScreen
from ui.changes import Change
from ui.ops import wait_for_writer
from ui.widgets.clipping import clipped_texts

ADMIN = Actor("ada", Role.ADMIN)
CART_PACKAGES = "cart that built packages"
CART_FILES = "cart of answer files only"
TARGET_COLUMN = HEADERS.index("Target")
DETAILS_COLUMN = HEADERS.index("Details")
#: The Audit screen's size in the kiosk's smallest window (1024x640, less the sidebar).
SMALLEST = (786, 602)


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


def settle() -> None:
    for _ in range(3):
        QApplication.processEvents()


def test_every_field_keeps_a_usable_width_in_the_smallest_window(
    themed: QApplication, screen: AuditScreen
) -> None:
    """At 1024x640 the filter row squeezed Operator and Search to four characters ("A…",
    typing showed "tale")."""
    screen.resize(*SMALLEST)
    settle()
    for edit in (screen.who, screen.text):
        # Its hint whole, beside the frame, the padding and the clear button.
        needed = edit.fontMetrics().horizontalAdvance(edit.placeholderText()) + 48
        assert edit.width() >= needed, (edit.objectName(), edit.width(), needed)
    for field in (
        screen.action,
        screen.who,
        screen.text,
        screen.verify_button,
        screen.export_button,
    ):
        placed = QRect(field.mapTo(screen, QPoint(0, 0)), field.size())
        assert screen.rect().contains(placed), (field.objectName(), placed)
    assert clipped_texts(screen) == []


def test_the_details_column_takes_what_is_left_in_the_smallest_window(
    themed: QApplication, screen: AuditScreen
) -> None:
    """At 1024x640 the four first columns took more than the table had: Details, the
    stretching last column, was past its right edge."""
    screen.resize(*SMALLEST)
    settle()
    header = screen.table.horizontalHeader()
    right = header.sectionViewportPosition(DETAILS_COLUMN) + header.sectionSize(DETAILS_COLUMN)
    assert right <= screen.table.viewport().width()
    assert header.sectionSize(DETAILS_COLUMN) >= 150
    assert not screen.table.horizontalScrollBar().isVisible()


def said(screen: AuditScreen) -> str:
    """What the screen's lines say now (every visible label under the table)."""
    return " | ".join(
        label.text()
        for label in screen.findChildren(QLabel)
        if label.isVisible() and label.y() > screen.table.y()
    )


def test_the_export_says_where_the_file_went_and_keeps_saying_it(
    screen: AuditScreen, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The status line said "Exported…" and was replaced at once by the count of entries
    (the export's own audit entry reloads the list)."""
    out = tmp_path / "ada-audit.csv"
    monkeypatch.setattr(
        "ui.audit.screen.QFileDialog.getSaveFileName", lambda *a, **k: (str(out), "")
    )
    shown = screen.table.rowCount()
    alt(Key.Key_X)
    wait_until(lambda: "Exported" in said(screen))
    assert out.exists()
    assert focus_name() == "actionFilter"  # a mnemonic presses; the keyboard stays put
    assert f"Exported {shown} entries to {out}" in said(screen)
    # The export is itself an entry, at the top; the watcher sees the write and reloads.
    assert screen.table.item(0, ACTION_COLUMN).toolTip() == "audit.export"
    changes.channel(screen.store.path).changed.emit(Change.ALL)
    settle()
    assert f"Exported {shown} entries to {out}" in said(screen)
    assert f"{shown + 1} entries shown" in said(screen)


def test_verify_reads_the_trail_off_the_gui_thread(
    screen: AuditScreen, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The chain is walked on the writer thread (0.6 s at 100,000 entries, the export 1.2 s:
    the kiosk froze): meanwhile the screen says so and its two buttons wait."""
    walking = threading.Event()
    real = services.verify_audit

    def slow(*args: Any, **kwargs: Any) -> Any:
        assert threading.current_thread() is not threading.main_thread()
        walking.wait(10)  # a long trail
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "verify_audit", slow)
    alt(Key.Key_V)
    wait_until(lambda: "Checking the audit trail" in said(screen))  # laid out
    assert not screen.verify_button.isEnabled() and not screen.export_button.isEnabled()
    walking.set()
    wait_until(lambda: "intact" in said(screen))
    assert screen.verify_button.isEnabled() and screen.export_button.isEnabled()


def test_a_verdict_outlives_the_next_reload(screen: AuditScreen) -> None:
    alt(Key.Key_V)
    wait_until(lambda: "intact" in said(screen))
    changes.channel(screen.store.path).changed.emit(Change.ALL)
    settle()
    assert "intact" in said(screen)


def entry_dialog() -> QDialog:
    """The entry's dialog, once it is up with the keyboard in it."""
    wait_until(lambda: isinstance(QApplication.activeModalWidget(), QDialog))
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, QDialog)
    wait_until(lambda: dialog.isAncestorOf(QApplication.focusWidget()))
    return dialog


def close_with(key: Qt.Key, dialog: QDialog) -> None:
    gone: list[bool] = []
    dialog.destroyed.connect(lambda: gone.append(True))
    press(key)
    wait_until(lambda: bool(gone))


def test_enter_on_a_row_opens_the_whole_entry(screen: AuditScreen) -> None:
    """Details showed only in a tooltip, and Enter on a row did nothing."""
    tab_to("auditTable")
    row = next(
        r
        for r in range(screen.table.rowCount())
        if screen.table.item(r, TARGET_COLUMN).text() == CART_PACKAGES
    )
    press(Key.Key_Down, times=row - screen.table.currentRow())
    assert screen.table.currentRow() == row
    enter()
    dialog = entry_dialog()
    text = focused()
    assert isinstance(text, QPlainTextEdit) and text.isReadOnly()
    body = text.toPlainText()
    for words in (
        "Who: ada",
        "Action: Device files written (device_files.write)",
        f"Target: {CART_PACKAGES}",
        "Recorded as: 20",  # the time exactly as stored and chained
        '    {\n      "build": 7,\n',  # the details, pretty-printed
    ):
        assert words in body
    assert text.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByKeyboard
    press(Key.Key_End, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert text.textCursor().selectedText()  # selected from the keyboard (Ctrl+C copies it)
    close_with(Key.Key_Escape, dialog)
    assert focus_name() == "auditTable" and screen.table.currentRow() == row
    enter()
    close_with(Key.Key_Return, entry_dialog())  # Enter closes it too
    assert focus_name() == "auditTable" and screen.table.currentRow() == row


def test_the_row_stays_current_while_the_list_reloads(screen: AuditScreen) -> None:
    """Every write anywhere reloads the list: the row the dialog was opened from was gone
    when it closed, and the keyboard was back at no row at all."""
    table = screen.table
    tab_to("auditTable")
    press(Key.Key_Down, times=2 - table.currentRow())
    opened = table.item(2, TARGET_COLUMN).text()
    enter()
    dialog = entry_dialog()
    screen.store.append_audit("bo", AuditAction.SESSION_LOCK, "bo")  # another bench
    changes.channel(screen.store.path).changed.emit(Change.ALL)  # as the watcher says it
    settle()
    close_with(Key.Key_Escape, dialog)
    assert focus_name() == "auditTable"
    assert table.item(0, TARGET_COLUMN).text() == "bo"
    assert table.currentRow() == 3 and table.item(3, TARGET_COLUMN).text() == opened


def test_a_double_click_opens_the_entry(screen: AuditScreen) -> None:
    table = screen.table
    spot = table.visualRect(table.model().index(0, DETAILS_COLUMN)).center()
    # A double-click as a mouse makes it: a click, then the second press as a double-click.
    QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=spot)
    QTest.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=spot)
    dialog = entry_dialog()
    assert CART_FILES in dialog.findChild(QPlainTextEdit).toPlainText()
    close_with(Key.Key_Escape, dialog)
    assert focus_name() == "auditTable"


def test_tab_walks_the_filters_in_the_order_they_read(screen: AuditScreen) -> None:
    alt(Key.Key_S)
    assert focus_name() == "textFilter"
    for name in ("actionFilter", "operatorFilter", "verifyChain", "exportAudit", "auditTable"):
        press(Key.Key_Tab)
        assert focus_name() == name


def test_the_keyboard_arrives_in_the_search_field(qtbot: QtBot, db_path: Path) -> None:
    """Ctrl+6 put the keyboard in the Action list: a serial typed or scanned there picked
    actions by their first letters instead of searching for it."""
    add_operators(db_path)
    window = open_kiosk(qtbot, db_path)
    sign_in("ada", ADMIN_PIN)
    ctrl(Key.Key_6)
    assert window.stack.currentWidget() is window.audit
    assert focus_name() == "textFilter"
    assert isinstance(focused(), QLineEdit)
    type_text("ada")
    enter()
    assert focus_name() == "textFilter"
    targets = {
        window.audit.table.item(r, TARGET_COLUMN).text()
        for r in range(window.audit.table.rowCount())
    }
    assert targets and all("ada" in t for t in targets)
    window.close()


def test_verify_pressed_from_the_keyboard_keeps_the_keyboard(screen: AuditScreen) -> None:
    """Turned off while it ran, the focused button gave the keyboard to the table."""
    tab_to("verifyChain")
    press(Key.Key_Space)
    wait_until(lambda: "intact" in said(screen))
    assert focus_name() == "verifyChain"


def test_a_reload_keeps_the_older_entries_asked_for(
    screen: AuditScreen, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every write reloaded the newest page only: an entry read among older ones was gone."""
    monkeypatch.setattr("ui.audit.screen.PAGE", 4)
    alt(Key.Key_O)  # Operator: another filter starts from its newest page
    type_text("ada")
    enter()
    assert screen.table.rowCount() == 4 and screen.more.isEnabled()
    screen.more.click()  # "Show older entries"
    assert screen.table.rowCount() == 8
    screen.table.setCurrentCell(6, 0)
    entry = screen.table.item(6, TARGET_COLUMN).text()
    changes.channel(screen.store.path).changed.emit(Change.ALL)  # a write somewhere
    settle()
    assert screen.table.rowCount() == 8
    assert screen.table.item(screen.table.currentRow(), TARGET_COLUMN).text() == entry


def held_export(monkeypatch: pytest.MonkeyPatch, out: Path) -> threading.Event:
    """Export chooses `out`, and the export waits on the writer thread until the event is
    set (a trail of a million entries)."""
    monkeypatch.setattr(
        "ui.audit.screen.QFileDialog.getSaveFileName", lambda *a, **k: (str(out), "")
    )
    gate = threading.Event()
    real = services.export_audit

    def held(*args: Any, **kwargs: Any) -> Any:
        gate.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "export_audit", held)
    return gate


def test_a_long_export_shows_progress_and_esc_cancels_it(
    screen: AuditScreen, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An export of a million entries ran with no progress and no way to stop it."""
    out = tmp_path / "ada-audit.csv"
    gate = held_export(monkeypatch, out)  # a long trail: Esc comes before the first page
    tab_to("exportAudit")
    press(Key.Key_Space)
    wait_until(lambda: isinstance(QApplication.activeModalWidget(), QProgressDialog))
    press(Key.Key_Escape)  # to the focused widget: the progress dialog's
    gate.set()
    wait_until(lambda: "Export cancelled" in said(screen))
    assert not out.exists()
    assert not screen.store.audit_entries(action="audit.export")
    wait_until(lambda: focus_name() == "exportAudit")  # back where the person was
    assert screen.export_button.isEnabled()


def test_a_screen_closed_while_it_exports_is_not_called_back(
    qtbot: QtBot, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The export's progress and its end reached a dialog and a screen already deleted."""
    out = tmp_path / "ada-audit.csv"
    gate = held_export(monkeypatch, out)
    store = Store.open(db_path)
    with store.transaction():
        store.append_audit("ada", AuditAction.OPERATOR_SIGN_IN, "ada")
    closing = AuditScreen(store, lambda: ADMIN)  # not in qtbot's care: it is deleted
    closing.show()
    with qtbot.waitActive(closing):
        closing.activateWindow()
    closing.export_button.setFocus()
    press(Key.Key_Space)
    wait_until(lambda: isinstance(QApplication.activeModalWidget(), QProgressDialog))
    shiboken6.delete(closing)  # closed, its dialog with it, while the export runs
    gate.set()
    wait_for_writer()
    qtbot.wait(100)  # the result lands; pytest-qt fails the test on an error in a callback
    assert out.exists()  # the export itself finished
    store.close()
