"""The kiosk shell: first admin, sign-in, idle lock over every window, navigation, one
window per database, and the screenshots."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QObject, QPoint, QRect, Qt
from PySide6.QtGui import QGuiApplication, QImage, QTextLayout, QTextOption
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit, QVBoxLayout
from pytestqt.qtbot import QtBot

from app import services
from app.errors import KnownError
from app.store import Store
from tests.helpers.actors import ADMIN
from tests.helpers.keyboard import focused, press, tab_to
from tests.helpers.kiosk import ADMIN_PIN as PIN
from tests.helpers.kiosk import add_operators, make_window
from ui.launch import acquire_kiosk_lock
from ui.main import SCREENS, MainWindow, fits_screen
from ui.screenshots import TENANT_SHOTS
from ui.session import Session


def sign_in(qtbot: QtBot, window: MainWindow, name: str, pin: str) -> None:
    screen = window.sign_in
    if not screen.name.isReadOnly():
        screen.name.clear()
        qtbot.keyClicks(screen.name, name)
    qtbot.keyClicks(screen.pin, pin)
    qtbot.keyClick(screen.pin, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not screen.checking)  # the PIN is checked off the GUI thread


def test_first_run_asks_for_the_first_admin(qtbot: QtBot, seeded_db: Path) -> None:
    window = make_window(qtbot, seeded_db)
    screen = window.sign_in
    assert window.outer.currentWidget() is screen
    assert screen.creating_first_admin
    assert screen.confirm.isVisible()
    qtbot.keyClicks(screen.name, "ada")
    qtbot.keyClicks(screen.pin, PIN)
    qtbot.keyClicks(screen.confirm, "000000")
    qtbot.keyClick(screen.confirm, Qt.Key.Key_Return)
    assert "differ" in screen.error.text()
    assert screen.pin.text() == "" and screen.confirm.text() == ""
    qtbot.keyClicks(screen.pin, PIN)
    qtbot.keyClicks(screen.confirm, PIN)
    qtbot.keyClick(screen.confirm, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.outer.currentWidget() is window.shell)
    assert "ada" in window.badge.text() and "admin" in window.badge.text()
    actions = [e.action for e in window.store.audit_entries()]
    assert actions[:2] == ["operator.sign_in", "operator.create"]
    window.close()


def test_wrong_pin_shows_beside_the_field(qtbot: QtBot, seeded_db: Path) -> None:
    add_operators(seeded_db)
    window = make_window(qtbot, seeded_db)
    sign_in(qtbot, window, "ada", "111111")
    assert window.outer.currentWidget() is window.sign_in
    assert "do not match" in window.sign_in.error.text()
    assert window.sign_in.pin.text() == ""
    sign_in(qtbot, window, "ada", PIN)
    assert window.outer.currentWidget() is window.shell
    assert window.stack.currentWidget() is window.devices
    window.close()


def test_technician_cannot_import_or_read_the_audit(qtbot: QtBot, seeded_db: Path) -> None:
    add_operators(seeded_db)
    window = make_window(qtbot, seeded_db)
    sign_in(qtbot, window, "tom", "135791")
    assert not window.devices.import_button.isEnabled()
    assert "technician" in window.devices.import_button.toolTip()
    window.show_screen("audit")
    assert "may not view the audit trail" in window.audit.status.text()
    assert window.audit.table.rowCount() == 0
    window.close()


def test_input_in_any_window_keeps_the_kiosk_unlocked_and_only_input_is_watched(
    qtbot: QtBot, seeded_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keys and the mouse reach a window before Qt hands them to a widget: watched there,
    in the kiosk's window and in a dialog opened later, they keep the kiosk unlocked. The
    filter sat on the application and saw every paint and layout of every widget (about
    470 calls into Python a scan), each waiting for the interpreter's lock while a sync's
    thread held it."""
    seen: list[QEvent.Type] = []
    watch = Session.eventFilter

    def counting(self: Session, watched: QObject, event: QEvent) -> bool:
        seen.append(event.type())
        return watch(self, watched, event)

    monkeypatch.setattr(Session, "eventFilter", counting)
    add_operators(seeded_db)
    window = make_window(qtbot, seeded_db, idle_ms=400)
    sign_in(qtbot, window, "ada", PIN)
    seen.clear()
    window.repaint()
    window.sign_in.subtitle.setText("new words: a layout, a paint")
    qtbot.wait(50)
    assert not {QEvent.Type.Paint, QEvent.Type.LayoutRequest} & set(seen), seen

    for _ in range(8):  # 800 ms of keys in the kiosk's window, idle after 400 ms
        QTest.keyClick(window.windowHandle(), Qt.Key.Key_Shift)
        qtbot.wait(100)
    assert window.current_actor() is not None
    dialog = QDialog(window)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QGuiApplication.focusWindow() is dialog.windowHandle())
    for step in range(8):  # and 800 ms of the mouse in a dialog opened since
        QTest.mouseMove(dialog.windowHandle(), QPoint(10 + step, 10))
        qtbot.wait(100)
    assert window.current_actor() is not None
    assert QEvent.Type.KeyPress in seen and QEvent.Type.MouseMove in seen
    with qtbot.waitSignal(window.session.locked, timeout=3000):
        pass  # no input: the idle timer runs out
    window.close()


def test_idle_lock_covers_dialogs_and_clears_secrets(qtbot: QtBot, seeded_db: Path) -> None:
    add_operators(seeded_db)
    window = make_window(qtbot, seeded_db, idle_ms=300)
    sign_in(qtbot, window, "ada", PIN)
    dialog = QDialog(window)
    secret_field = QLineEdit(dialog)
    secret_field.setEchoMode(QLineEdit.EchoMode.Password)
    QVBoxLayout(dialog).addWidget(secret_field)
    secret_field.setText("wifi-key-canary")
    dialog.show()
    with qtbot.waitSignal(window.session.locked, timeout=3000):
        pass  # no input: the idle timer runs out
    assert window.outer.currentWidget() is window.sign_in
    assert not dialog.isVisible()
    assert secret_field.text() == ""
    assert window.sign_in.name.text() == "ada" and window.sign_in.name.isReadOnly()
    assert "locked itself after a while without input" in window.sign_in.subtitle.text()
    assert window.current_actor() is None
    sign_in(qtbot, window, "ada", PIN)
    assert window.outer.currentWidget() is window.shell
    assert dialog.isVisible()  # the same operator gets their dialog back
    locks = window.store.audit_entries(action="session.lock")
    assert [(e.actor, e.target) for e in locks] == [("ada", "ada")]
    window.close()


def test_another_operator_does_not_see_the_previous_dialogs(qtbot: QtBot, seeded_db: Path) -> None:
    add_operators(seeded_db)
    window = make_window(qtbot, seeded_db)
    sign_in(qtbot, window, "ada", PIN)
    dialog = QDialog(window)
    dialog.show()
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    window.lock()
    assert not dialog.isVisible()
    qtbot.mouseClick(window.sign_in.switch, Qt.MouseButton.LeftButton)
    sign_in(qtbot, window, "tom", "135791")
    assert window.outer.currentWidget() is window.shell
    assert not dialog.isVisible()
    window.close()


def test_ctrl_number_switches_screens(qtbot: QtBot, seeded_db: Path) -> None:
    add_operators(seeded_db)
    window = make_window(qtbot, seeded_db)
    with qtbot.waitExposed(window):
        pass
    with qtbot.waitActive(window):
        window.activateWindow()
    sign_in(qtbot, window, "ada", PIN)
    for number, key in enumerate(SCREENS, start=1):
        target = window.focusWidget() or window
        qtbot.keyClick(target, Qt.Key(Qt.Key.Key_0 + number), Qt.KeyboardModifier.ControlModifier)
        assert window.stack.currentWidget() is window.screens[key]
    window.close()


def fleet_signed_in(qtbot: QtBot, seeded_db: Path) -> MainWindow:
    """The kiosk, ada signed in, on the Fleet screen (Ctrl+4) with its board drawn."""
    add_operators(seeded_db)
    window = make_window(qtbot, seeded_db)
    with qtbot.waitActive(window):
        window.activateWindow()
    sign_in(qtbot, window, "ada", PIN)
    qtbot.keyClick(
        window.focusWidget() or window, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier
    )
    fleet = window.screens["fleet"]
    qtbot.waitUntil(lambda: fleet.board is not None, timeout=10_000)  # type: ignore[attr-defined]
    return window


def test_enter_on_a_focused_button_presses_it_on_every_screen(
    qtbot: QtBot, seeded_db: Path
) -> None:
    """Outside a dialog a button took only Space: Enter on a Fleet tile did nothing."""
    window = fleet_signed_in(qtbot, seeded_db)
    fleet = window.screens["fleet"]
    tile = tab_to("tile")  # the first tile, "all devices", is the one shown
    while tile.isChecked():  # type: ignore[attr-defined]
        press(Qt.Key.Key_Tab)
        tile = focused()
    assert tile.objectName() == "tile"
    press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: tile.isChecked())  # type: ignore[attr-defined]
    assert fleet.tile == tile.property("tile")  # type: ignore[attr-defined]
    window.close()


def test_ctrl_l_says_so_and_the_same_operator_carries_on_where_the_keyboard_was(
    qtbot: QtBot, seeded_db: Path
) -> None:
    """Ctrl+L was worded as the idle lock, and after the PIN the keyboard landed on the
    Fleet's Pause button (a Space then paused live updates)."""
    window = fleet_signed_in(qtbot, seeded_db)
    qtbot.keyClick(focused(), Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert focused().objectName() == "fleetSearch"
    qtbot.keyClick(focused(), Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.outer.currentWidget() is window.sign_in
    assert "The kiosk is locked." in window.sign_in.subtitle.text()
    assert "after a while" not in window.sign_in.subtitle.text()
    sign_in(qtbot, window, "ada", PIN)
    assert window.outer.currentWidget() is window.shell
    assert focused().objectName() == "fleetSearch"
    window.close()


def test_one_kiosk_per_database(db_path: Path) -> None:
    first = acquire_kiosk_lock(db_path)
    try:
        with pytest.raises(KnownError, match=rf"already open on .*process {os.getpid()}"):
            acquire_kiosk_lock(db_path)
        code = (
            "import sys; from pathlib import Path; from ui.launch import acquire_kiosk_lock\n"
            "from app.errors import KnownError\n"
            "try:\n    acquire_kiosk_lock(Path(sys.argv[1]))\n"
            "except KnownError as e:\n    print(e); sys.exit(3)\n"
        )
        other = subprocess.run(
            [sys.executable, "-c", code, str(db_path)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert other.returncode == 3
        assert f"process {os.getpid()}" in other.stdout
    finally:
        first.unlock()
    again = acquire_kiosk_lock(db_path)
    again.unlock()


def test_kiosk_screenshot_command_end_to_end(tmp_path: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", JOINERY_DATA_DIR=str(tmp_path / "d"))
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from ui.entry import main; main()",
            "kiosk",
            "--demo",
            "--screenshot",
            str(tmp_path / "shots"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "d" / "demo.db").exists()  # the demo has a database of its own
    shots = tmp_path / "shots"
    names = sorted(p.name for p in shots.glob("*.png"))
    assert len(names) == 2 * (3 * len(SCREENS) + 3 + 13 + 7 + 5 + TENANT_SHOTS + 2)
    light = [n for n in names if not n.endswith("-dark.png")]
    assert sorted(n.replace("-dark", "") for n in names if n.endswith("-dark.png")) == light
    screens = [f"{n:02d}-{key}" for n, key in enumerate(SCREENS, start=1)]
    for width in ("", "-1024", "-1920"):  # the main screens at the three sizes
        assert {f"{s}{width}.png" for s in screens} <= set(light)
    assert {"00-sign-in.png", f"{len(SCREENS) + 2:02d}-locked.png"} <= set(light)
    assert {"settings-add-operator.png", "vault-prompt.png"} <= set(light)
    wizard = [n for n in light if n.startswith("wizard-")]
    assert len(wizard) == 13  # every OOBE page and the cart
    assert {"wizard-01-device.png", "wizard-12-review.png"} <= set(wizard)
    bulk = [n for n in light if n.startswith("bulk-")]
    assert len(bulk) == 7 and bulk[-1] == "bulk-07-summary.png"  # every page, the summary
    for name in names:
        image = QImage(str(shots / name))
        assert not image.isNull() and image.width() >= 800
    for name, size in (("03-devices", (1366, 768)), ("03-devices-1024", (1024, 640))):
        image = QImage(str(shots / f"{name}.png"))
        assert (image.width(), image.height()) == size
    light_page = QImage(str(shots / "03-devices.png")).pixelColor(700, 740)
    dark_page = QImage(str(shots / "03-devices-dark.png")).pixelColor(700, 740)
    assert dark_page.lightness() < light_page.lightness()  # the dark palette really is dark
    with Store.open(tmp_path / "d" / "demo.db") as demo_store:  # a demo worth looking at
        assert [p.display_name for p in services.policies(demo_store, actor=ADMIN)] == [
            "Baseline",
            "Strict",
        ]
        assert len(services.list_packages(demo_store, actor=ADMIN)) == 2
        board = services.dashboard(demo_store, actor=ADMIN)
        assert board.tiles["stale"] > 0 and board.failing and len(board.trend) >= 30


def test_results_arriving_while_locked_wait_for_the_operator(
    qtbot: QtBot, seeded_db: Path, tmp_path: Path
) -> None:
    from app import demo

    add_operators(seeded_db)
    window = make_window(qtbot, seeded_db)
    sign_in(qtbot, window, "ada", PIN)
    path = tmp_path / "late.csv"
    path.write_bytes(demo.capture_csv(demo.autopilot_rows(5, seed=41)))
    flow = window.devices.import_flow
    window.devices.import_files([str(path)])
    assert flow.progress is not None and flow.progress.isVisible()
    window.lock()  # the operator walks away while the import runs
    assert not flow.progress.isVisible()
    with qtbot.waitSignal(flow.finished, timeout=10_000):
        pass
    dialog = flow.result_dialog
    assert dialog is not None
    assert not dialog.isVisible()  # nothing shows over the lock screen
    sign_in(qtbot, window, "ada", PIN)
    assert dialog.isVisible()
    assert "Imported 5 new device(s)" in dialog.summary.text()
    dialog.close()
    window.close()


def test_enter_after_the_name_moves_to_the_pin(qtbot: QtBot, seeded_db: Path) -> None:
    add_operators(seeded_db)
    window = make_window(qtbot, seeded_db)
    screen = window.sign_in
    qtbot.keyClicks(screen.name, "ada")
    qtbot.keyClick(screen.name, Qt.Key.Key_Return)
    assert screen.error.text() == ""
    assert window.outer.currentWidget() is screen
    qtbot.waitUntil(screen.pin.hasFocus)
    qtbot.keyClick(screen.pin, Qt.Key.Key_Return)
    assert screen.error.text() == "Enter your PIN."
    qtbot.keyClicks(screen.pin, PIN)
    qtbot.keyClick(screen.pin, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.outer.currentWidget() is window.shell)
    window.close()


def test_the_window_shows_no_machine_path(qtbot: QtBot, seeded_db: Path) -> None:
    """Screenshots and the status bar name the database, not the path on this machine."""
    window = make_window(qtbot, seeded_db)
    shown = window.database_label.text()
    assert seeded_db.name in shown and str(seeded_db.parent) not in shown
    assert str(seeded_db.parent) not in window.windowTitle()
    assert window.database_label.toolTip() == str(seeded_db.resolve())  # the whole path, asked


class _Screen:
    def __init__(self, width: int, height: int) -> None:
        self._free = QRect(0, 0, width, height)

    def availableGeometry(self) -> QRect:  # noqa: N802 (QScreen's name)
        return self._free


@pytest.mark.parametrize(
    ("free", "opened"),
    [((1024, 640), (1024, 640)), ((1280, 720), (1280, 720)), ((1920, 1040), (1366, 768))],
)
def test_the_window_opens_within_the_screen(
    qtbot: QtBot,
    seeded_db: Path,
    monkeypatch: pytest.MonkeyPatch,
    free: tuple[int, int],
    opened: tuple[int, int],
) -> None:
    """A 1024x640 bench screen got a 1366x768 window running off its edge."""
    monkeypatch.setattr(QGuiApplication, "primaryScreen", staticmethod(lambda: _Screen(*free)))
    window = MainWindow(str(seeded_db))
    qtbot.addWidget(window)
    assert (window.width(), window.height()) == opened


def test_the_demo_hint_never_breaks_an_operator_name(
    qtbot: QtBot, seeded_db: Path, themed: QApplication
) -> None:
    """ "demo-" at a line's end and "tech" on the next read as two names."""
    window = MainWindow(str(seeded_db), sign_in_hint=services.DEMO_SIGN_IN_HINT)
    qtbot.addWidget(window)
    label = window.sign_in.hint
    layout = QTextLayout(label.text(), label.font())
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WordWrap)  # as a word-wrapped QLabel lays out
    layout.setTextOption(option)
    layout.beginLayout()
    lines = []
    while (line := layout.createLine()).isValid():
        line.setLineWidth(label.width())
        lines.append(label.text()[line.textStart() : line.textStart() + line.textLength()])
    layout.endLayout()
    assert len(lines) > 1  # it does wrap at this width
    for shown in lines:
        assert not shown.rstrip().endswith(("demo-", "demo\u2011")), lines


@pytest.mark.parametrize(
    ("free", "fits"), [((1024, 640), False), ((1366, 728), False), ((1920, 1040), True)]
)
def test_a_screen_smaller_than_the_window_and_its_frame_gets_it_maximised(
    monkeypatch: pytest.MonkeyPatch, free: tuple[int, int], fits: bool
) -> None:
    """Sized to the free area, the window's title bar still ran off a 1024x640 screen."""
    monkeypatch.setattr(QGuiApplication, "primaryScreen", staticmethod(lambda: _Screen(*free)))
    assert fits_screen() is fits
