"""The cyclic collector runs on the GUI thread (ui/collector.py): a widget whose wrapper sits
in a reference cycle is destroyed there, never on a worker thread that happened to allocate
(one UI test run segfaulted walking the top-level windows while a worker's allocation
collected an earlier test's window)."""

from __future__ import annotations

import gc
import threading

from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from ui.collector import install


def test_a_widget_in_a_cycle_dies_on_the_gui_thread(qapp: QApplication, qtbot: QtBot) -> None:
    install(qapp)
    assert not gc.isenabled()
    destroyed: list[bool] = []
    widget = QWidget()
    widget.cycle = widget  # type: ignore[attr-defined]  # only the collector can free it
    widget.destroyed.connect(lambda *_args: destroyed.append(True))
    del widget

    def allocate() -> None:  # as the writer does during an import: containers by the thousand
        kept = [[n] for n in range(50_000)]
        del kept

    worker = threading.Thread(target=allocate, name="writer")
    worker.start()
    worker.join()
    assert destroyed == [], "collected on the worker thread"
    young = [[n] for n in range(gc.get_threshold()[0] * 3)]  # a collection is due now
    qtbot.waitUntil(lambda: destroyed == [True], timeout=5_000)  # the GUI thread's timer
    del young


def test_the_collector_follows_the_interpreters_thresholds(qapp: QApplication) -> None:
    collector = install(qapp)
    gc.collect()
    assert collector.collect() == -1  # nothing allocated since: nothing due
    kept = [[n] for n in range(gc.get_threshold()[0] * 2)]
    assert collector.collect() in (0, 1, 2)
    del kept
