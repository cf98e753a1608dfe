"""The op runner's yielding jobs: a background job (the tenant sender) waits behind the
kiosk's own writes and steps aside when one starts, so a write never waits for it."""

from __future__ import annotations

import gc
import threading
import weakref
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from app.errors import Cancelled
from app.store import Store
from tests.helpers.threads import reader_held, reads_drawn
from ui import changes
from ui.changes import Change
from ui.ops import NewestRead, run_op, run_read, wait_for_reader, wait_for_writer, wait_until


def test_a_running_yielding_job_steps_aside_for_a_write(qtbot: QtBot, db_path: Path) -> None:
    Store.open(db_path).close()
    began = threading.Event()
    order: list[str] = []

    def background(_store: Store, _p: object, cancelled: object) -> str:
        began.set()
        while not cancelled():  # type: ignore[operator]
            threading.Event().wait(0.01)  # a wait the job may leave, as a sync's waits are
        order.append("background stopped")
        raise Cancelled("stepped aside")

    failed: list[BaseException] = []
    yielding = run_op(
        str(db_path), background, on_done=lambda _r: None, on_failed=failed.append, yields=True
    )
    assert began.wait(10)
    done: list[object] = []
    run_op(str(db_path), lambda _s, _p, _c: order.append("write") or "written", on_done=done.append)
    qtbot.waitUntil(lambda: bool(done) and bool(failed), timeout=10_000)
    assert order == ["background stopped", "write"]
    assert yielding.yielded and isinstance(failed[0], Cancelled)
    wait_for_writer()


def test_a_queued_yielding_job_waits_behind_writes_and_never_starts_once_cancelled(
    qtbot: QtBot, db_path: Path
) -> None:
    Store.open(db_path).close()
    gate = threading.Event()
    order: list[str] = []

    def first(_store: Store, _p: object, _c: object) -> None:
        gate.wait(10)
        order.append("first write")

    run_op(str(db_path), first, on_done=lambda _r: None)
    failed: list[BaseException] = []
    queued = run_op(
        str(db_path),
        lambda _s, _p, _c: order.append("background"),
        on_done=lambda _r: None,
        on_failed=failed.append,
        yields=True,
    )
    done: list[object] = []
    run_op(str(db_path), lambda _s, _p, _c: order.append("second write"), on_done=done.append)
    gate.set()
    qtbot.waitUntil(lambda: bool(done) and bool(failed), timeout=10_000)
    assert order == ["first write", "second write"]  # the background job never ran
    assert queued.yielded and isinstance(failed[0], Cancelled)
    wait_for_writer()


class _Screen(QLabel):
    """A screen whose job outlives it: closed (and deleted) while the job runs."""

    def on_done(self, value: object) -> None:
        self.setText(f"done: {value}")  # touches the widget, as every screen's handler does

    def on_failed(self, error: BaseException) -> None:
        self.setText(f"failed: {error}")


def test_a_screen_closed_while_its_job_runs_never_hears_of_it(qtbot: QtBot, db_path: Path) -> None:
    Store.open(db_path).close()
    gate = threading.Event()
    heard: list[Change] = []
    changes.channel(str(db_path)).changed.connect(heard.append)
    screens = [_Screen(), _Screen()]
    run_op(str(db_path), lambda _s, _p, _c: gate.wait(10), on_done=screens[0].on_done)

    def boom(_s: Store, _p: object, _c: object) -> None:
        raise ValueError("the disk went away")

    run_op(str(db_path), boom, on_done=screens[1].on_done, on_failed=screens[1].on_failed)
    for screen in screens:
        screen.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert not any(shiboken6.isValid(screen) for screen in screens)
    gate.set()
    wait_for_writer()
    qtbot.waitUntil(lambda: bool(heard))  # the write still reaches every other screen
    QCoreApplication.processEvents()  # the failure is delivered too, and nobody is left to hear it


def test_finished_operations_are_released(qtbot: QtBot, db_path: Path) -> None:
    Store.open(db_path).close()
    done: list[object] = []
    operation = run_op(str(db_path), lambda _s, _p, _c: "ok", on_done=done.append)
    released = weakref.ref(operation)
    qtbot.waitUntil(lambda: bool(done))
    wait_for_writer()
    del operation
    gc.collect()
    assert released() is None


def test_a_lambda_of_a_closed_screen_is_not_called_when_the_screen_is_its_owner(
    qtbot: QtBot, db_path: Path
) -> None:
    Store.open(db_path).close()
    gate = threading.Event()
    screen = _Screen()
    run_op(
        str(db_path),
        lambda _s, _p, _c: gate.wait(10),
        owner=screen,
        on_done=lambda value: screen.on_done(value),
    )
    screen.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gate.set()
    wait_for_writer()
    QCoreApplication.processEvents()  # a RuntimeError here, without the owner, fails the test


def test_a_read_runs_off_the_gui_thread_and_its_answer_comes_back_on_it(
    qtbot: QtBot, db_path: Path
) -> None:
    Store.open(db_path).close()
    read_on: list[bool] = []
    answered_on: list[bool] = []

    def read(store: Store) -> int:
        read_on.append(threading.current_thread() is threading.main_thread())
        return store.schema_version

    def answered(version: int) -> None:
        answered_on.append(threading.current_thread() is threading.main_thread())
        assert version > 0

    run_read(str(db_path), read, on_done=answered, on_failed=pytest.fail)
    qtbot.waitUntil(lambda: bool(answered_on))
    assert read_on == [False] and answered_on == [True]


def test_a_failed_read_is_told_and_a_closed_screen_hears_nothing(
    qtbot: QtBot, db_path: Path
) -> None:
    Store.open(db_path).close()
    failed: list[BaseException] = []

    def boom(_store: Store) -> None:
        raise ValueError("the disk went away")

    run_read(str(db_path), boom, on_done=pytest.fail, on_failed=failed.append)
    qtbot.waitUntil(lambda: bool(failed))
    assert isinstance(failed[0], ValueError)
    gate = threading.Event()
    screen = _Screen()
    run_read(
        str(db_path),
        lambda _s: gate.wait(10),
        owner=screen,
        on_done=screen.on_done,
        on_failed=screen.on_failed,
    )
    screen.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gate.set()
    wait_for_reader()
    QCoreApplication.processEvents()  # a RuntimeError here fails the test


def test_the_reader_cannot_write(qtbot: QtBot, db_path: Path) -> None:
    Store.open(db_path).close()
    failed: list[BaseException] = []

    def write(store: Store) -> None:
        store.conn.execute("CREATE TABLE sneaked (x)")

    run_read(str(db_path), write, on_done=pytest.fail, on_failed=failed.append)
    qtbot.waitUntil(lambda: bool(failed))
    assert "readonly" in str(failed[0]).lower().replace(" ", "")


def test_wait_until_passes_on_what_its_condition_raised(qtbot: QtBot) -> None:
    calls: list[int] = []

    def broken() -> bool:
        calls.append(1)
        if len(calls) > 1:  # false at first: the loop starts; then it breaks inside it
            raise LookupError("the widget is gone")
        return False

    with pytest.raises(LookupError):
        wait_until(broken, 60_000, slice_ms=5)  # raised at once, not after a minute


def test_only_the_newest_read_is_answered(qtbot: QtBot, db_path: Path) -> None:
    """A pane that follows the selected row asks again for each row: an answer for a row
    left meanwhile, success or failure, never lands over the newer one; `forget` drops
    what is on its way without asking again."""
    Store.open(db_path).close()
    owner = QLabel()
    qtbot.addWidget(owner)
    newest = NewestRead(str(db_path), owner)
    answers: list[object] = []

    def fails(_store: Store) -> int:
        raise RuntimeError("an older read that broke")

    with reader_held():
        newest.read(lambda _store: 1, on_done=answers.append, on_failed=answers.append)
        newest.read(fails, on_done=answers.append, on_failed=answers.append)
        newest.read(lambda _store: 3, on_done=answers.append, on_failed=answers.append)
    reads_drawn()
    assert answers == [3]
    with reader_held():
        newest.read(lambda _store: 4, on_done=answers.append, on_failed=answers.append)
        newest.forget()
    reads_drawn()
    assert answers == [3]
