"""Work that follows a selection a held key moves: at once, except while the key repeats.

A person holding Page Down moves a table's current row thirty times a second. Redrawing the
detail pane for every row it passes (its reads, its labels, its paint) made each of those
frames miss its 16 ms (bench/gui_stalls.py), and nobody reads a pane that changes thirty
times a second. `Settle` runs the work at once for a click or a single key press, and while
a key repeats only once the selection has rested for `rest_ms`, with the latest state.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

#: How long a selection moved by a repeating key must rest before the pane follows it.
REST_MS = 120


class Settle(QObject):
    def __init__(self, parent: QObject, work: Callable[[], None], rest_ms: int = REST_MS) -> None:
        super().__init__(parent)
        self._work = work
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(rest_ms)
        self._timer.timeout.connect(work)

    def moved(self, *, repeating: bool) -> None:
        """The selection moved; `repeating`: by a key held down (the work waits for rest)."""
        if repeating:
            self._timer.start()  # (re)started: runs once the key is let go
            return
        self._timer.stop()
        self._work()

    @property
    def pending(self) -> bool:
        return self._timer.isActive()

    def cancel(self) -> None:
        """Forget a pending move (the screen is closing)."""
        self._timer.stop()
