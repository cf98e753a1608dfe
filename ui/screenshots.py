"""`joinery kiosk --screenshot DIR`: every screen and dialog rendered to PNG."""

from __future__ import annotations

import tempfile
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QWidget

from app import demo
from ui.devices.import_flow import ImportResultDialog
from ui.main import SCREENS, MainWindow, wait_until

SIZES = {"": (1366, 768)}


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
    from app import autopilot
    from app.domain import ImportReport

    rows = demo.autopilot_rows(4, seed=3)
    text = demo.capture_csv(rows, encoding="utf-8").decode()
    lines = text.split("\r\n")
    lines[2] = lines[2].replace(lines[2].split(",")[2], "not-base64!")
    lines[3] = "PF3 BAD;SERIAL" + lines[3][lines[3].index(",") :]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "AutopilotHWID.csv"
        path.write_text("\r\n".join(lines), encoding="utf-8")
        parsed = autopilot.read_csv(path)
    report = ImportReport(files=[path.name])
    for problem in parsed.problems:
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
