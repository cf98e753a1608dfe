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
