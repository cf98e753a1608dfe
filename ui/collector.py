"""Python's cyclic garbage collector, run on the GUI thread only.

Left to itself, the collector runs on whichever thread happens to allocate: the writer,
the reader or a page loader. A Qt widget whose Python wrapper sits in a reference cycle (a
lambda connected to its own signal) is then destroyed on that thread, in the middle of
whatever the GUI thread is doing, which may be walking the top-level windows
(`ui/session.py` does at every lock): a segfault (one UI test run crashed so). Here the
automatic collector is switched off and a timer on the GUI thread collects by the same
thresholds, so every wrapper dies on the thread that owns it. A collection holds the
interpreter lock wherever it runs, so the GUI thread waits no longer than it did.

It chooses the generation as the interpreter does (CPython's gcmodule.c), the rule against
full collections included: the oldest generation is collected only when the objects moved
into it since its last collection are at least a quarter of what that collection left. A
full collection walks every object the kiosk holds but the frozen ones (the start-up
freeze's took 40 ms in bench/batch_scan_sync.py); without the rule one came every hundred
young collections.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

#: How often the GUI thread looks at the collector's counts: young objects pile up no longer
#: than this (a collection of the youngest generation is ~0.1 ms a thousand objects).
INTERVAL_MS = 50


class GuiThreadCollector(QObject):
    """Collects on the GUI thread, by `gc.get_threshold()`, for the rest of the process."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.long_lived_total = 0  # objects the last full collection left in the oldest
        self.long_lived_pending = 0  # objects moved into the oldest generation since
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self.collect)
        gc.disable()
        self._timer.start()

    def collect(self) -> int:
        """The generation collected (-1: none was due), as the interpreter chooses it
        (`due`)."""
        pending, total = self.long_lived_pending, self.long_lived_total
        generation = due(gc.get_count(), gc.get_threshold(), pending, total)
        if generation < 0:
            return generation
        if generation == 0:
            gc.collect(0)
        elif generation == 2:
            gc.collect(2)
            self.long_lived_pending, self.long_lived_total = 0, len(gc.get_objects(2))
        else:
            # A collection first stops tracking the tuples that hold nothing trackable (a
            # database row): those never reach the oldest generation, and the interpreter
            # does not count them. The youngest collected first does that to its own.
            gc.collect(0)
            young = len(gc.get_objects(1))  # a few thousand at most
            found = gc.collect(1)
            self.long_lived_pending += max(young - found, 0)  # what survived moved up
        return generation


def due(counts: tuple[int, int, int], limits: tuple[int, ...], pending: int, total: int) -> int:
    """The generation the interpreter would collect now, -1 for none: none until the
    youngest count passed its threshold, then the oldest whose count did, except the
    oldest of all while fewer than a quarter of `total` objects are `pending`."""
    if limits[0] == 0 or counts[0] <= limits[0]:  # a threshold of 0 turns collecting off
        return -1
    for generation in (2, 1, 0):
        if counts[generation] > limits[generation]:
            if generation == 2 and pending < total // 4:
                continue
            return generation
    return -1


_running: list[GuiThreadCollector] = []


def install(app: QObject) -> GuiThreadCollector:
    """The process's collector on `app`'s (the GUI) thread: made once, then the same."""
    if not _running:
        _running.append(GuiThreadCollector(app))
    return _running[0]
