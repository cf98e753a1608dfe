"""The kiosk starts with the sign-in screen only: what the start loads, and the screens that
are built on first use (bench/cold_start.py measures the start against a bare window)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from tests.helpers.keyboard import ctrl, enter, focus_name, focused, tab_to, type_text
from tests.helpers.kiosk import ADMIN_PIN as PIN
from tests.helpers.kiosk import add_operators, make_window
from ui.main import SCREENS, MainWindow
from ui.widgets.focus import first_focusable

ROOT = Path(__file__).resolve().parents[2]

#: What the sign-in screen must not wait for: every other screen, the CLI's other commands,
#: the tenant's client, the package builder, the compliance engine, and the libraries under
#: them (sqlite-utils loads with the first write or a migration, cryptography with a PIN).
HEAVY = (
    "app.cli_compliance",
    "app.cli_device_files",
    "app.cli_package",
    "app.cli_tenant",
    "app.compliance.evaluate",
    "app.demo",
    "app.labels",
    "app.provisioning.build",
    "app.provisioning.bundle",
    "app.services.compliance",
    "app.services.dashboard",
    "app.services.devices",
    "app.services.enroll",
    "app.services.packages",
    "app.services.tenant",
    "app.services.tenant_sync",
    "app.tenant.auth",
    "app.tenant.graph",
    "cryptography",
    "msal",
    "qrcode",
    "requests",
    "sqlite_utils",
    *(f"ui.{key}.screen" for key in SCREENS),
    "ui.enroll.wizard",
    "ui.bulk.wizard",
)

#: The kiosk's own entry (`joinery kiosk`), reporting what it had loaded when the sign-in
#: screen had painted (JOINERY_EXIT_WHEN_PAINTED quits it there).
KIOSK = """
import json, sys
import ui.launch as launch

painted = launch.report_painted_and_quit

def report():
    print("modules " + json.dumps(sorted(sys.modules)), flush=True)
    print("qt-namespace " + json.dumps("Qt" in vars(sys.modules["PySide6.QtCore"])), flush=True)
    painted()

launch.report_painted_and_quit = report
sys.argv = ["joinery", "kiosk"]
from ui.entry import main
main()
"""


def test_the_sign_in_screen_paints_without_the_heavy_modules(tmp_path: Path) -> None:
    db = tmp_path / "kiosk.db"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "QT_QPA_PLATFORM": "offscreen",
        "JOINERY_DATA_DIR": str(tmp_path / "data"),
        "JOINERY_DB": str(db),
    }
    add_operators(db)  # the sign-in screen of every day, not the first admin's
    done = subprocess.run(
        [sys.executable, "-c", KIOSK],
        env={**env, "JOINERY_EXIT_WHEN_PAINTED": "1"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert any(line.startswith("painted ") for line in lines), done.stdout
    loaded = set(json.loads(next(ln for ln in lines if ln.startswith("modules "))[8:]))
    assert {"ui.main", "ui.signin", "app.store"} <= loaded  # the report is of the real start
    assert sorted(name for name in HEAVY if name in loaded) == []
    # PySide builds the Qt namespace, every enum in it, on its first import (~15 ms).
    assert "qt-namespace false" in lines


def sign_in_by_keyboard(qtbot: QtBot, window: MainWindow) -> None:
    assert focus_name() == "operatorName"
    type_text("ada")
    tab_to("operatorPin")
    type_text(PIN)
    enter()
    qtbot.waitUntil(lambda: window.outer.currentWidget() is window.shell)


def active_window(qtbot: QtBot, seeded_db: Path) -> MainWindow:
    add_operators(seeded_db)
    window = make_window(qtbot, seeded_db)
    with qtbot.waitActive(window):
        window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.sign_in.name)
    return window


def test_screens_are_built_on_first_use_and_ctrl_number_lands_in_the_first_field(
    qtbot: QtBot, seeded_db: Path
) -> None:
    window = active_window(qtbot, seeded_db)
    assert window.screens == {}  # the start built the sign-in screen only
    sign_in_by_keyboard(qtbot, window)
    assert list(window.screens) == ["devices"]  # where a new session starts
    assert focus_name() == "search"
    built = []
    window.screen_built.connect(built.append)
    for number, key in enumerate(SCREENS, start=1):
        ctrl(Qt.Key(Qt.Key.Key_0 + number))
        screen = window.screens[key]
        assert window.stack.currentWidget() is screen
        assert screen.isAncestorOf(focused()), f"Ctrl+{number}: focus at {focus_name()}"
        if key not in ("devices", "enroll", "bulk", "settings"):  # those focus their own way
            assert focused() is first_focusable(screen)
    assert built == [key for key in SCREENS if key != "devices"]
    ctrl(Qt.Key.Key_1)  # a screen built once is shown again, not built again
    assert window.stack.currentWidget() is window.screens["enroll"]
    assert len(built) == len(SCREENS) - 1
    window.close()


def test_a_screen_built_late_opens_no_window_of_its_own(qtbot: QtBot, seeded_db: Path) -> None:
    """Building a screen while the kiosk is up must not flash a window (a widget shown
    before it has a parent does) and take the keyboard from the kiosk."""
    window = active_window(qtbot, seeded_db)
    sign_in_by_keyboard(qtbot, window)
    for number, key in enumerate(SCREENS, start=1):
        ctrl(Qt.Key(Qt.Key.Key_0 + number))
        others = [w for w in QApplication.topLevelWidgets() if w.isVisible() and w is not window]
        assert others == [], f"building {key} showed {[type(w).__name__ for w in others]}"
        assert QApplication.activeWindow() is window, f"building {key} took the focus"
        qtbot.wait(20)  # a window shown and hidden again deactivates the kiosk a turn later
        assert QApplication.activeWindow() is window, f"building {key} took the focus"
    window.close()


def test_a_screen_built_after_sign_in_follows_the_operators_role(
    qtbot: QtBot, seeded_db: Path
) -> None:
    add_operators(seeded_db)
    window = make_window(qtbot, seeded_db)
    screen = window.sign_in
    qtbot.keyClicks(screen.name, "tom")  # a technician
    qtbot.keyClicks(screen.pin, "135791")
    qtbot.keyClick(screen.pin, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.outer.currentWidget() is window.shell)
    assert "settings" not in window.screens
    window.show_screen("settings")
    settings: QWidget = window.screens["settings"]
    assert settings is window.settings
    assert not window.settings.save_button.isVisibleTo(settings)  # an admin's button
    assert window.settings.notice.isVisibleTo(settings)
    window.close()
