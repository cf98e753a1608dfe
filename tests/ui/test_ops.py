"""The op runner's yielding jobs: a background job (the tenant sender) waits behind the
kiosk's own writes and steps aside when one starts, so a write never waits for it."""

from __future__ import annotations

import threading
from pathlib import Path

from pytestqt.qtbot import QtBot

from app.errors import Cancelled
from app.store import Store
from ui.ops import run_op, wait_for_writer


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
