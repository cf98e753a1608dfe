"""The cyclic collector runs on the GUI thread (ui/collector.py): a widget whose wrapper sits
in a reference cycle is destroyed there, never on a worker thread that happened to allocate
(one UI test run segfaulted walking the top-level windows while a worker's allocation
collected an earlier test's window)."""

from __future__ import annotations

import gc
import threading

import pytest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from ui.collector import due, install


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


@pytest.mark.parametrize(
    ("counts", "pending", "total", "expected"),
    [
        ((500, 0, 0), 0, 0, -1),  # the youngest below its threshold: nothing
        ((701, 0, 0), 0, 0, 0),
        ((701, 11, 0), 0, 0, 1),
        ((701, 11, 11), 0, 0, 2),  # nothing long-lived yet: a full collection is cheap
        ((701, 11, 11), 100, 1_000_000, 1),  # a big heap, little new: not a full one
        ((701, 0, 11), 100, 1_000_000, 0),
        ((701, 11, 11), 250_000, 1_000_000, 2),  # a quarter new: a full one
        ((500, 11, 11), 250_000, 1_000_000, -1),
    ],
)
def test_the_generation_due_is_the_interpreters(
    counts: tuple[int, int, int], pending: int, total: int, expected: int
) -> None:
    assert due(counts, (700, 10, 10), pending, total) == expected


def test_a_big_long_lived_heap_is_not_walked_every_hundred_collections(
    qapp: QApplication,
) -> None:
    """Every hundred young collections walked every object the kiosk holds; as the
    interpreter does, only once a quarter as many are new."""
    collector = install(qapp)
    held = [[n] for n in range(200_000)]  # the kiosk's long-lived objects
    gc.collect()
    assert collector.collect() == -1
    collector.long_lived_total = len(gc.get_objects(2))  # as a full collection leaves it
    collector.long_lived_pending = 0
    collected: list[int] = []
    for _ in range(150):  # short-lived work: young collections, then middle ones
        young = [[n] for n in range(gc.get_threshold()[0] * 2)]
        collected.append(collector.collect())
        del young
    assert 1 in collected and 2 not in collected
    grown = [[n] for n in range(len(held) // 4 + 1)]  # a quarter as many new, long-lived
    for _ in range(150):
        young = [[n] for n in range(gc.get_threshold()[0] * 2)]
        collected.append(collector.collect())
        del young
    assert 2 in collected
    assert collector.long_lived_pending < len(grown)
    del held, grown


def test_rows_kept_are_not_counted_as_new_long_lived_objects(qapp: QApplication) -> None:
    """A page of database rows is tuples of plain values: the collection stops tracking
    them, so they never reach the oldest generation. Counted anyway, full collections came
    several times sooner than the interpreter's rule allows."""
    collector = install(qapp)
    gc.collect()
    collector.long_lived_total, collector.long_lived_pending = 10**9, 0  # no full one here
    while gc.get_count()[1] <= gc.get_threshold()[1]:  # young collections until the next
        young = [[n] for n in range(gc.get_threshold()[0] * 2)]  # is a middle one
        assert collector.collect() == 0
        del young
    rows = [(n, f"serial {n}") for n in range(20_000)]  # read just before it
    assert collector.collect() == 1
    assert collector.long_lived_pending < len(rows) // 2
    del rows


def test_a_threshold_of_zero_collects_nothing() -> None:
    assert due((10_000, 50, 50), (0, 10, 10), 0, 0) == -1
