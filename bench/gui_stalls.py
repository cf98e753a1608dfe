"""What a person feels: the GUI thread's longest stall while they scroll and turn pages.

A 5 ms timer on the GUI thread measures how late it fires; the longest gap beyond its
interval is the longest stall (target: one frame at 60 Hz, 16 ms). Each figure is the
median over runs of the worst stall of a run; the idle kiosk's worst stall over the same
time is the baseline (what the machine itself adds).

- Scrolling the Devices table at 1,000,000 devices (--quick: 100,000): Page Down held for
  200 pages at key-repeat rate (30 a second, the repeats marked as such) from the top, then
  the scroll thumb dragged from top to bottom in 300 steps (every row a page apart is a
  million rows: nobody presses Page Down 40,000 times), then Ctrl+End and Page Up held for
  100 pages. Rows are fetched by the model's loader thread; the GUI thread only paints them.
- Turning the guided Enroll wizard's pages by keyboard: a serial is scanned, then Enter
  through every page to the review and back to the start, three times.

The Fleet screen's live refreshes are measured by bench/fleet_dashboard.py, a batch scan
during a tenant sync by bench/tenant_sync_gui.py.

    python bench/gui_stalls.py [--quick] [--db PATH]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from _common import Probe, Report, ensure_fleet, fleet_arguments, fleet_size  # noqa: E402
from PySide6.QtCore import QEvent, Qt, QTimer  # noqa: E402
from PySide6.QtGui import QKeyEvent  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app import services  # noqa: E402
from app.security.roles import Actor, Role  # noqa: E402
from app.store import Store  # noqa: E402
from ui.launch import application, freeze_startup_objects  # noqa: E402
from ui.ops import wait_for_writer, wait_until  # noqa: E402

RUNS = 3
KEY_REPEAT_MS = 33
LEAD = Actor("bench", Role.LEAD)


def press(key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    """A key as a keyboard sends it: to whatever has focus."""
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has the keyboard"
    QTest.keyClick(widget, key, modifier)


def held(key: Qt.Key, times: int) -> list[Callable[[], None]]:
    """A key held down: one press, then the keyboard's repeats (marked as repeats, as the
    window system marks them), each to whatever has focus."""

    def repeat() -> None:
        widget = QApplication.focusWidget()
        assert widget is not None, "nothing has the keyboard"
        none = Qt.KeyboardModifier.NoModifier
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, key, none, "", True))

    return [lambda: press(key)] + [repeat] * (times - 1)


def paced(steps: list[Callable[[], None]], every_ms: int) -> None:
    """Run `steps` one per `every_ms`, from the event loop (as a person's keys arrive)."""
    queue = list(reversed(steps))
    timer = QTimer()
    timer.setInterval(every_ms)

    def step() -> None:
        if queue:
            queue.pop()()
        else:
            timer.stop()

    timer.timeout.connect(step)
    timer.start()
    wait_until(lambda: not timer.isActive(), 600_000, slice_ms=2)


def scroll_runs(path: Path, probe: Probe) -> list[float]:
    from ui.devices.screen import DevicesScreen

    screen = DevicesScreen(str(path), actor=lambda: LEAD)
    screen.resize(1366, 768)
    screen.show()
    screen.activateWindow()
    model, table = screen.model, screen.table
    wait_until(lambda: not model.loading and model.rowCount() > 0, 120_000, slice_ms=5)
    wait_until(lambda: False, 500, slice_ms=5)  # the first paint is not a scroll
    freeze_startup_objects()  # as the kiosk does after each screen it builds on first use
    worst = []
    bar = table.verticalScrollBar()
    for _ in range(RUNS):
        table.setFocus()
        table.scrollToTop()
        table.setCurrentIndex(model.index(0, 0))
        page_down = held(Qt.Key.Key_PageDown, 200)
        drag = [
            lambda v=value: bar.setValue(v)
            for value in (round(bar.maximum() * n / 300) for n in range(301))
        ]
        bottom = [lambda: press(Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)]
        page_up = held(Qt.Key.Key_PageUp, 100)
        probe.start()
        paced(page_down + drag + bottom + page_up, KEY_REPEAT_MS)
        wait_until(lambda: not model.loading, 10_000, slice_ms=2)
        worst.append(probe.stop())
    print(f"scroll: worst stall per run {worst} ms", file=sys.stderr)
    screen.shutdown()
    screen.close()
    return worst


def page_turn_runs(path: Path, probe: Probe) -> list[float]:
    from ui.enroll.wizard import EnrollWizard

    store = Store.open(path)
    services.save_settings(store, {"tenant_domains": "contoso.com"}, actor=services.local_admin())
    wizard = EnrollWizard(store, lambda: LEAD)
    wizard.resize(1366, 768)
    wizard.show()
    wizard.activateWindow()
    wizard.focus_page()
    wait_until(lambda: False, 500, slice_ms=5)
    freeze_startup_objects()  # as the kiosk does after each screen it builds on first use
    worst = []
    for run in range(RUNS):
        serial = f"BENCH{run:04d}X"
        turns: list[Callable[[], None]] = [lambda c=c: QTest.keyClick(focus(), c) for c in serial]

        seen: set[str] = set()

        def forward(seen: set[str] = seen) -> None:
            page = wizard.currentPage()
            seen.add(page.objectName())
            if page.objectName() == "accountPage" and not page.no_user.isChecked():  # type: ignore[attr-defined]
                page.no_user.setChecked(True)  # type: ignore[attr-defined]
            if page.objectName() != "reviewPage":
                press(Qt.Key.Key_Return)

        turns += [lambda: press(Qt.Key.Key_Return)]
        turns += [forward] * len(wizard.pages)
        back = [lambda: press(Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)]
        turns += back * len(wizard.pages)  # Alt+Left: back to the start
        probe.start()
        paced(turns, 100)
        worst.append(probe.stop())
        assert "reviewPage" in seen, f"the walk never reached the review; saw {sorted(seen)}"
        wizard.start_over()
        wait_until(lambda: False, 200, slice_ms=5)
        print(f"wizard run {run}: {len(seen)} pages", file=sys.stderr)
    print(f"wizard: worst stall per run {worst} ms", file=sys.stderr)
    wait_for_writer()
    wizard.close()
    store.close()
    return worst


def focus() -> object:
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has the keyboard"
    return widget


def main() -> None:
    parser = argparse.ArgumentParser()
    fleet_arguments(parser)
    args = parser.parse_args()
    count = fleet_size(args)
    app = application()  # the kiosk's own style sheet and palette: they change the paint
    report = Report()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("JOINERY_DATA_DIR", str(Path(tmp) / "data"))
        path = Path(args.db) if args.db else Path(tmp) / "fleet.db"
        ensure_fleet(path, count)
        freeze_startup_objects()  # as the kiosk does once its window is up
        probe = Probe()
        baseline = statistics.median(probe.idle(3000) for _ in range(RUNS))
        scroll = statistics.median(scroll_runs(path, probe))
        turn = statistics.median(page_turn_runs(Path(tmp) / "wizard.db", probe))
        app.processEvents()
        report.line("longest GUI-thread stall, idle (baseline)", baseline, "ms")
        report.line(
            f"longest stall scrolling {count:,} devices (median of {RUNS})", scroll, "ms", "<=", 16
        )
        report.line(f"longest stall turning wizard pages (median of {RUNS})", turn, "ms", "<=", 16)
    report.exit()


if __name__ == "__main__":
    main()
