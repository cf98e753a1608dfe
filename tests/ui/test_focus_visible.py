"""Every kind of control shows that it has the keyboard, also when the kiosk put the
keyboard there (a screen's first field after Ctrl+1..Ctrl+8): a focused control is drawn
with a ring an unfocused one does not have, in both palettes."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QListWidget,
    QPushButton,
    QTabBar,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)
from pytestqt.qtbot import QtBot

from ui import theme


def _combo() -> QWidget:
    combo = QComboBox()
    combo.addItems(["All actions", "Operator added"])
    return combo


def _list() -> QWidget:
    listing = QListWidget()
    listing.addItems(["demo-admin", "demo-lead"])
    return listing


def _table() -> QWidget:
    return QTableWidget(3, 2)


def _tabs() -> QWidget:
    bar = QTabBar()
    bar.addTab("Overview")
    bar.addTab("Devices")
    return bar


def _primary() -> QWidget:
    button = QPushButton("Save settings")
    button.setObjectName("primary")
    return button


def _changed(before: QImage, after: QImage) -> int:
    """Pixels that changed enough to be seen (a channel moved by 60 or more of 255: the
    accent ring on an accent button, 31 at most, does not count)."""
    seen = 0
    for y in range(before.height()):
        for x in range(before.width()):
            a, b = before.pixelColor(x, y), after.pixelColor(x, y)
            moved = max(
                abs(a.red() - b.red()), abs(a.green() - b.green()), abs(a.blue() - b.blue())
            )
            seen += moved >= 60
    return seen


@pytest.mark.parametrize("palette", sorted(theme.PALETTES))
@pytest.mark.parametrize(
    "make",
    [_combo, _list, _table, _tabs, _primary],
    ids=["combo", "list", "table", "tabs", "primary"],
)
def test_a_control_given_the_keyboard_by_the_kiosk_shows_it(
    qtbot: QtBot, restore_theme: QApplication, palette: str, make: Callable[[], QWidget]
) -> None:
    theme.apply(restore_theme, palette)
    host = QWidget()
    qtbot.addWidget(host)
    layout = QVBoxLayout(host)
    other = QPushButton("elsewhere")
    control = make()
    layout.addWidget(other)
    layout.addWidget(control)
    host.resize(320, 200)
    host.show()
    qtbot.waitExposed(host)
    other.setFocus(Qt.FocusReason.OtherFocusReason)
    QApplication.processEvents()
    unfocused = control.grab().toImage()
    control.setFocus(Qt.FocusReason.OtherFocusReason)  # as a screen's focus_current does
    qtbot.waitUntil(control.hasFocus)
    QApplication.processEvents()
    focused = control.grab().toImage()
    # A ring: at least one pixel in four along the widget's edges changed (a 1 px tint of
    # Fusion's, or nothing at all, does not get there).
    edge = 2 * (control.width() + control.height())
    assert _changed(unfocused, focused) >= edge // 4, f"{palette}: no visible focus"
