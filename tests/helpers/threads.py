"""Which thread read: a spy on Store methods that lists the reads made on the GUI thread
(a read there is a stall a person typing or scrolling feels)."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import pytest
from PySide6.QtWidgets import QApplication

from app.store import Store
from ui.ops import reader_pool, wait_for_reader


def reads_on_the_gui_thread(monkeypatch: pytest.MonkeyPatch, names: Iterable[str]) -> list[str]:
    """From now on, each call of the Store methods `names` made on the main (GUI) thread is
    appended, by name, to the list returned."""
    on_gui: list[str] = []
    for name in names:
        real = getattr(Store, name)

        def spy(self: Store, *args: object, _real: object = real, _name: str = name, **kw: object):
            if threading.current_thread() is threading.main_thread():
                on_gui.append(_name)
            return _real(self, *args, **kw)  # type: ignore[operator]

        monkeypatch.setattr(Store, name, spy)
    return on_gui


@contextmanager
def reader_held() -> Iterator[None]:
    """A slow reader thread: every read asked for inside the block comes back after it."""
    gate = threading.Event()
    reader_pool().start(lambda: gate.wait(10))  # one reader thread: the reads queue behind
    try:
        yield
    finally:
        gate.set()


def reads_drawn() -> None:
    """Every read asked of the reader thread is back and its answer drawn (a selected
    row's detail pane, a scan's check)."""
    assert wait_for_reader()
    QApplication.processEvents()  # the answers, queued to the GUI thread
