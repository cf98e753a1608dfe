"""The kiosk shell: navigation by mouse and keyboard, planned screens, screenshots."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from ui.main import SCREENS, MainWindow
from ui.ops import wait_for_writer
from ui.screenshots import capture_all


def make_window(qtbot: QtBot, db: Path) -> MainWindow:
    window = MainWindow(str(db))
    qtbot.addWidget(window)
    window.show()
    return window


def test_opens_on_devices_with_search_focused(qtbot: QtBot, seeded_db: Path) -> None:
    window = make_window(qtbot, seeded_db)
    assert window.stack.currentWidget() is window.devices
    qtbot.waitUntil(lambda: window.devices.search.hasFocus())
    window.close()


def test_ctrl_number_switches_screens(qtbot: QtBot, seeded_db: Path) -> None:
    window = make_window(qtbot, seeded_db)
    with qtbot.waitExposed(window):
        pass
    with qtbot.waitActive(window):
        window.activateWindow()
    for number, key in enumerate(SCREENS, start=1):
        target = window.focusWidget() or window
        qtbot.keyClick(target, Qt.Key(Qt.Key.Key_0 + number), Qt.KeyboardModifier.ControlModifier)
        assert window.stack.currentWidget() is window.screens[key]
    window.close()


def test_planned_screens_say_what_they_will_hold(qtbot: QtBot, seeded_db: Path) -> None:
    window = make_window(qtbot, seeded_db)
    for key in ("enroll", "bulk", "fleet", "packages", "audit"):
        texts = [label.text() for label in window.screens[key].findChildren(QLabel)]
        assert any("Not built yet" in t for t in texts)
        assert len(texts) >= 4
    window.close()


def test_screenshots_render_every_screen(qtbot: QtBot, seeded_db: Path, tmp_path: Path) -> None:
    window = make_window(qtbot, seeded_db)
    written = capture_all(window, tmp_path / "shots")
    assert [p.name for p in written[: len(SCREENS)]] == [
        f"{n:02d}-{key}.png" for n, key in enumerate(SCREENS, start=1)
    ]
    for path in written:
        image = QImage(str(path))
        assert not image.isNull()
        assert image.width() >= 800
    devices = QImage(str(written[SCREENS.index("devices")]))
    assert (devices.width(), devices.height()) == (1366, 768)
    window.close()
    wait_for_writer()


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
    assert len(list((tmp_path / "shots").glob("*.png"))) == len(SCREENS) + 1
