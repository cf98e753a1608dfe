"""A kiosk window opened and signed into as a person does it: from the keyboard."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.security import operators
from app.security.roles import Role
from app.security.secret import Secret
from app.store import Store
from tests.helpers.keyboard import enter, focus_name, type_text, wait_until
from ui.main import MainWindow

ADMIN_PIN = "482915"
TECH_PIN = "135791"


def add_operators(db: Path) -> None:
    """ada (admin) and tom (technician)."""
    with Store.open(db) as store:
        operators.create_operator(store, None, "ada", Role.ADMIN, Secret(ADMIN_PIN))
        ada = operators.sign_in(store, "ada", Secret(ADMIN_PIN))
        operators.create_operator(store, ada, "tom", Role.TECHNICIAN, Secret(TECH_PIN))


def make_window(qtbot: QtBot, db: Path, **kwargs: object) -> MainWindow:
    """The kiosk window, shown (not waited on)."""
    window = MainWindow(str(db), **kwargs)  # type: ignore[arg-type]
    qtbot.addWidget(window)
    window.show()
    return window


def open_kiosk(qtbot: QtBot, db: Path) -> MainWindow:
    """The kiosk window, shown and active, with focus in the sign-in screen."""
    window = MainWindow(str(db))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    return window


def sign_in(name: str, pin: str) -> None:
    """Type the name, Enter, the PIN, Enter; then wait while the PIN is checked (off the GUI
    thread) until the kiosk opens or says why not."""
    assert focus_name() == "operatorName"
    type_text(name)
    enter()
    assert focus_name() == "operatorPin"
    type_text(pin)
    enter()
    screen = next(
        w for w in QApplication.allWidgets() if w.objectName() == "signInScreen" and w.isVisible()
    )
    wait_until(lambda: not screen.checking)  # type: ignore[attr-defined]
