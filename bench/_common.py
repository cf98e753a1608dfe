"""Shared bench helpers: medians, the one-line result format, exit 1 on a MISS."""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def median_time(
    fn: Callable[[], object], runs: int, setup: Callable[[], object] | None = None
) -> float:
    """Median wall time of `fn` over `runs` runs; `setup` runs untimed before each."""
    samples = []
    for _ in range(runs):
        if setup is not None:
            setup()
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


class Report:
    def __init__(self) -> None:
        self.missed = False

    def line(
        self, name: str, value: float, unit: str, op: str | None = None, target: float | None = None
    ) -> None:
        if op is None or target is None:
            print(f"{name}: {value:.3f} {unit}")
            return
        ok = value <= target if op == "<=" else value >= target
        self.missed |= not ok
        print(f"{name}: {value:.3f} {unit} (target {op} {target}) {'PASS' if ok else 'MISS'}")

    def exit(self) -> None:
        sys.exit(1 if self.missed else 0)


PROBE_MS = 5


class Probe:
    """A 5 ms timer on the GUI thread: the longest gap beyond its interval is the longest
    GUI-thread stall (Qt imported here, so only the GUI benches pay for it)."""

    def __init__(self) -> None:
        from PySide6.QtCore import QElapsedTimer, QTimer

        self.clock = QElapsedTimer()
        self.timer = QTimer()
        self.timer.setInterval(PROBE_MS)
        self.timer.timeout.connect(self._on_timeout)
        self.worst = 0
        self.last = 0

    def start(self) -> None:
        self.clock.start()
        self.last = self.clock.elapsed()
        self.worst = 0
        self.timer.start()

    def stop(self) -> float:
        self.timer.stop()
        return float(self.worst)

    def _on_timeout(self) -> None:
        now = self.clock.elapsed()
        self.worst = max(self.worst, now - self.last - PROBE_MS)
        self.last = now
