"""Shared bench helpers: medians, the one-line result format, exit 1 on a MISS."""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def fleet_arguments(parser: argparse.ArgumentParser) -> None:
    """`--quick` (100,000 devices instead of 1,000,000) and `--db` (a fleet to reuse):
    what every bench of the million-device fleet takes."""
    parser.add_argument("--quick", action="store_true", help="100,000 devices")
    parser.add_argument("--db", help="reuse this fleet database (seeded if short)")


def fleet_size(args: argparse.Namespace) -> int:
    return 100_000 if args.quick else 1_000_000


def remove_db(path: Path) -> None:
    """A database file and its companions (write-ahead log, shared memory, journal)."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def ensure_fleet(path: Path, count: int) -> None:
    """The demo fleet in `path`, seeded up to `count` devices (a reused one is topped up)."""
    from app import demo
    from app.store import Store

    with Store.open(path) as store:
        have = store.count_devices()
        if have < count:
            demo.seed(store, count - have)


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
TARGET_MS = 16  # one frame at 60 Hz


class Probe:
    """A 5 ms timer: the longest gap beyond its interval is the longest GUI-thread stall.

    Each stall over 16 ms also says where it went, from the kernel's account of the GUI
    thread (/proc/thread-self/schedstat, Linux): running (work on the GUI thread), waiting
    for a core (the machine is busy: not the kiosk's to fix), or neither, blocked (the
    interpreter's lock held by another thread, a lock, the disk)."""

    def __init__(self) -> None:
        from PySide6.QtCore import QElapsedTimer, Qt, QTimer  # only the GUI benches pay for Qt

        self.clock = QElapsedTimer()
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(PROBE_MS)
        self.timer.timeout.connect(self._on_timeout)
        self.worst = 0
        self.last = 0
        self.stalls: list[tuple[float, float, float, float]] = []  # gap, run, queue, blocked
        self._stat = (0, 0)

    def start(self) -> None:
        self.clock.start()
        self.last = self.clock.elapsed()
        self.worst = 0
        self.stalls.clear()
        self._stat = _schedstat()
        self.timer.start()

    def stop(self) -> float:
        self.timer.stop()
        return float(self.worst)

    def idle(self, ms: int) -> float:
        """The longest stall over `ms` with nothing asked of the kiosk: the baseline (what
        the machine itself adds)."""
        from ui.ops import wait_until

        self.start()
        wait_until(lambda: False, ms, slice_ms=2)
        return self.stop()

    def _on_timeout(self) -> None:
        now = self.clock.elapsed()
        stat = _schedstat()
        gap = now - self.last - PROBE_MS
        if gap > TARGET_MS and stat != (0, 0):
            run = (stat[0] - self._stat[0]) / 1e6
            queue = (stat[1] - self._stat[1]) / 1e6
            self.stalls.append((gap, run, queue, max(0.0, gap + PROBE_MS - run - queue)))
        self._stat = stat
        self.worst = max(self.worst, gap)
        self.last = now

    def summary(self) -> str:
        if not self.stalls:
            return f"no stall over {TARGET_MS} ms"
        total = [sum(column) for column in zip(*self.stalls, strict=True)]
        worst = max(self.stalls)
        return (
            f"{len(self.stalls)} stalls over {TARGET_MS} ms, {total[0]:.0f} ms in all: "
            f"running {total[1]:.0f}, waiting for a core {total[2]:.0f}, blocked {total[3]:.0f}"
            f"; the longest {worst[0]:.0f} ms: running {worst[1]:.0f}, waiting for a core "
            f"{worst[2]:.0f}, blocked {worst[3]:.0f}"
        )


def _schedstat() -> tuple[int, int]:
    """The calling thread's time on a core and waiting for one, in ns ((0, 0): unknown)."""
    try:
        with open("/proc/thread-self/schedstat") as file:
            run, queue, _ = file.read().split()
    except OSError:
        return 0, 0
    return int(run), int(queue)
