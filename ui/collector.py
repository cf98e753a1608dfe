"""Python's cyclic garbage collector, run on the GUI thread only.

Left to itself, the collector runs on whichever thread happens to allocate: the writer,
the reader or a page loader. A Qt widget whose Python wrapper sits in a reference cycle (a
lambda connected to its own signal) is then destroyed on that thread, in the middle of
whatever the GUI thread is doing, which may be walking the top-level windows
(`ui/session.py` does at every lock): a segfault (one UI test run crashed so). Here the
automatic collector is switched off and a timer on the GUI thread collects by the same
thresholds, so every wrapper dies on the thread that owns it. A collection holds the
interpreter lock wherever it runs, so the GUI thread waits no longer than it did.
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
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self.collect)
        gc.disable()
        self._timer.start()

    def collect(self) -> int:
        """The generation collected (-1: none was due), as the interpreter would choose it:
        the youngest when its count passed its threshold, an older one when its count of
        younger collections did."""
        counts, limits = gc.get_count(), gc.get_threshold()
        if counts[0] <= limits[0]:
            return -1
        generation = 0
        if counts[1] > limits[1]:
            generation = 2 if counts[2] > limits[2] else 1
        gc.collect(generation)
        return generation


_running: list[GuiThreadCollector] = []


def install(app: QObject) -> GuiThreadCollector:
    """The process's collector on `app`'s (the GUI) thread: made once, then the same."""
    if not _running:
        _running.append(GuiThreadCollector(app))
    return _running[0]
