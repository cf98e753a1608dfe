"""Cold start: from process start to the sign-in screen painted, against a bare window.

Both sides are fresh processes under QT_QPA_PLATFORM=offscreen, spawned the same way:
- the baseline imports PySide6's widgets, makes the QApplication, applies the kiosk's own
  theme (`ui.theme.apply`: Fusion, the palette and the stylesheet from resources/styles)
  and shows a QMainWindow with a QLabel and a QLineEdit;
- the kiosk is `joinery kiosk` (the console script's entry, `ui.entry.main`) on a database
  with one operator, so the sign-in screen is the one a person sees every morning.

Each prints `painted <time.monotonic()>` once its window's first paint has been handled
(the kiosk through its JOINERY_EXIT_WHEN_PAINTED hook, ui/launch.py) and quits. The
figure is that moment minus the parent's time.monotonic() just before the spawn (one
system-wide clock); spawn to exit is reported too. Runs alternate baseline and kiosk (the
machine is shared and noisy), after one untimed run of each (they write the bytecode
cache, as installing does, and fill the page cache).

Figures: medians of 15 runs each (--quick: 7); the kiosk's median against the baseline's
(target <= 2x).

    python bench/cold_start.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, Report

BASELINE = """
import sys, time
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QMainWindow, QVBoxLayout, QWidget
from ui import theme

class QuitWhenPainted(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self.painted)
        return False

    def painted(self):
        print(f"painted {time.monotonic():.6f}", flush=True)
        QCoreApplication.quit()

QCoreApplication.setApplicationName("Joinery")
QCoreApplication.setOrganizationName("Joinery")
app = QApplication(sys.argv[:1])
theme.apply(app)
window = QMainWindow()
window.resize(1366, 768)
central = QWidget()
layout = QVBoxLayout(central)
layout.addWidget(QLabel("Name"))
layout.addWidget(QLineEdit())
window.setCentralWidget(central)
central.installEventFilter(QuitWhenPainted(central))
window.show()
sys.exit(app.exec())
"""

KIOSK = "from ui.entry import main; main()"


def spawn(code: str, env: dict[str, str], *args: str) -> tuple[float, float]:
    """(seconds from spawn to the first paint handled, seconds from spawn to exit)."""
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, timeout=120
    )
    ended = time.monotonic()
    painted = [line for line in done.stdout.splitlines() if line.startswith("painted ")]
    if done.returncode != 0 or not painted:
        raise SystemExit(
            f"the {'kiosk' if args else 'baseline'} did not paint and exit cleanly "
            f"(exit {done.returncode}):\n{done.stdout}\n{done.stderr}"
        )
    return float(painted[-1].split()[1]) - start, ended - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="7 runs each")
    args = parser.parse_args()
    runs = 7 if args.quick else 15
    report = Report()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "QT_QPA_PLATFORM": "offscreen",
            "PYTHONPATH": str(ROOT),
            "JOINERY_DATA_DIR": str(Path(tmp) / "data"),
            "JOINERY_DB": str(Path(tmp) / "kiosk.db"),
            "JOINERY_EXIT_WHEN_PAINTED": "1",
        }
        env.pop("JOINERY_THEME", None)  # both sides in the default theme
        # Bytecode cached, as in an installed kiosk: the untimed runs write it (outside the
        # checkout), the timed runs read it.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        subprocess.run(
            [sys.executable, "-c", KIOSK, "operator", "add", "Ada", "--role", "admin"],
            env={**env, "JOINERY_NEW_PIN": "482913"},
            check=True,
            capture_output=True,
        )
        spawn(BASELINE, env)  # untimed: bytecode written, files in the page cache
        spawn(KIOSK, env, "kiosk")
        base_paint, base_exit, kiosk_paint, kiosk_exit = [], [], [], []
        for _ in range(runs):
            painted, ended = spawn(BASELINE, env)
            base_paint.append(painted)
            base_exit.append(ended)
            painted, ended = spawn(KIOSK, env, "kiosk")
            kiosk_paint.append(painted)
            kiosk_exit.append(ended)
    base = statistics.median(base_paint)
    kiosk = statistics.median(kiosk_paint)
    report.line("bare window with the kiosk's stylesheet, spawn to painted", base * 1000, "ms")
    report.line("kiosk, spawn to the sign-in screen painted", kiosk * 1000, "ms")
    report.line("kiosk vs bare window (cold start)", kiosk / base, "x", "<=", 2)
    report.line("bare window, spawn to exit", statistics.median(base_exit) * 1000, "ms")
    report.line("kiosk, spawn to exit", statistics.median(kiosk_exit) * 1000, "ms")
    report.exit()


if __name__ == "__main__":
    main()
