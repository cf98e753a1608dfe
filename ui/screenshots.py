"""`joinery kiosk --screenshot DIR`: every screen and dialog rendered to PNG.

Runs as the local administrator (the CLI already checked that this user owns the data), so
it needs no PIN; the sign-in and lock screens are captured as an operator sees them.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEventLoop
from PySide6.QtWidgets import QWidget

from app import autopilot, demo, services
from app.domain import ImportReport
from app.security.roles import Actor
from ui.devices.import_flow import ImportResultDialog
from ui.enroll.screen import BATCH, CART, GUIDED
from ui.main import SCREENS, MainWindow


def wait_until(predicate: Callable[[], bool], timeout_ms: int = 10_000) -> bool:
    """Spin the event loop until `predicate()` holds (nobody is waiting on a screenshot)."""
    deadline = time.monotonic() + timeout_ms / 1000
    while not predicate() and time.monotonic() < deadline:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
    return predicate()


def _settle(window: QWidget) -> None:
    for _ in range(5):
        QCoreApplication.processEvents()
    window.repaint()


def _save(widget: QWidget, path: Path, written: list[Path]) -> None:
    _settle(widget)
    widget.grab().save(str(path))
    written.append(path)


def capture_all(window: MainWindow, folder: Path, actor: Actor | None = None) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    window.resize(1366, 768)
    window.show()
    _save(window, folder / "00-sign-in.png", written)
    who = actor or services.local_admin()
    window.session.sign_in(who)
    devices = window.devices
    wait_until(lambda: not devices.model.loading)
    if devices.model.rowCount():
        devices._select_row(0)
    batch = window.enroll.batch
    batch.scan.setText("PF5KX2QA")
    batch.scan.scanned.emit("PF5KX2QA")  # a scan, previewed but not committed
    for number, key in enumerate(SCREENS, start=1):
        window.show_screen(key)
        if key == "enroll":
            window.enroll.show_mode(BATCH)
        _save(window, folder / f"{number:02d}-{key}.png", written)
    written.append(_import_result(window, folder))
    window.show_screen("devices")
    window.lock()
    _save(window, folder / f"{len(SCREENS) + 2:02d}-locked.png", written)
    window.session.sign_in(who)
    written += _wizard_pages(window, folder)
    written.append(_cart(window, folder))
    return written


#: What the wizard screenshots show: a real device walked through every page.
WIZARD_INPUT = {
    "serial": "PF5KX2QA",
    "user": "adele.vance@contoso.com",
}


def _wizard_pages(window: MainWindow, folder: Path) -> list[Path]:
    """Every page of the guided OOBE wizard, filled in as a technician would."""
    window.show_screen("enroll")
    window.enroll.show_mode(GUIDED)
    wizard = window.enroll.wizard
    wizard.start_over()
    wizard.device_page.serial.setText(WIZARD_INPUT["serial"])
    written = []
    for number, page in enumerate(wizard.pages, start=1):
        if page.objectName() == "accountPage":
            page.user.setText(WIZARD_INPUT["user"])  # type: ignore[attr-defined]
            page._check()  # type: ignore[attr-defined]
        target = folder / f"wizard-{number:02d}-{page.objectName().removesuffix('Page')}.png"
        _save(window, target, written)
        if page is not wizard.review:
            wizard.next()
    wizard.start_over()
    return written


def _cart(window: MainWindow, folder: Path) -> Path:
    window.enroll.show_mode(CART)
    cart = window.enroll.cart
    for row in demo.devices(6, seed=41):
        cart.scan.setText(str(row["serial"]))
        cart.scan.scanned.emit(str(row["serial"]))
    target = folder / "wizard-11-cart.png"
    _save(window, target, [])
    cart.cart.clear()
    return target


def _import_result(window: MainWindow, folder: Path) -> Path:
    """The report an operator sees after a file with bad rows, from a real parse."""
    rows = demo.autopilot_rows(4, seed=3)
    rows[1] = replace(rows[1], hardware_hash="not-base64!")
    rows[2] = replace(rows[2], serial="PF3 BAD;SERIAL")
    report = ImportReport(files=["AutopilotHWID.csv"])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "AutopilotHWID.csv"
        path.write_bytes(demo.capture_csv(rows))
        for problem in autopilot.read_csv(path).problems:
            report.rejected.append(
                {
                    "file": path.name,
                    "line": problem.line,
                    "column": problem.column,
                    "reason": problem.reason,
                }
            )
    dialog = ImportResultDialog(report, window)
    dialog.show()
    target = folder / f"{len(SCREENS) + 1:02d}-import-result.png"
    _save(dialog, target, [])
    dialog.close()
    return target
