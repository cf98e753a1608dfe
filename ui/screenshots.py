"""`joinery kiosk --screenshot DIR`: every screen and dialog rendered to PNG."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QWidget

from app import autopilot, demo
from app.domain import ImportReport
from ui.devices.import_flow import ImportResultDialog
from ui.main import SCREENS, MainWindow, wait_until


def _settle(window: QWidget) -> None:
    for _ in range(5):
        QCoreApplication.processEvents()
    window.repaint()


def capture_all(window: MainWindow, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    window.resize(1366, 768)
    window.show()
    devices = window.devices
    wait_until(lambda: not devices.model.loading)
    if devices.model.rowCount():
        devices._select_row(0)
    for number, key in enumerate(SCREENS, start=1):
        window.show_screen(key)
        _settle(window)
        path = folder / f"{number:02d}-{key}.png"
        window.grab().save(str(path))
        written.append(path)
    written.append(_import_result(window, folder))
    return written


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
    _settle(dialog)
    target = folder / f"{len(SCREENS) + 1:02d}-import-result.png"
    dialog.grab().save(str(target))
    dialog.close()
    return target
