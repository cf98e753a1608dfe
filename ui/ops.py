"""Background operations: a plain function run off the GUI thread, results back on it.

Every write of the kiosk goes through `run_op`: one writer thread, so two jobs never fight
over the database, each with its own connection (connections never cross threads). When a
job succeeds, the change channel (ui/changes.py) tells the screens what it changed; when it
fails, `on_failed` hears why, or, if the caller has nothing better to do, a message box says
what happened, where, and what to do next (`report_failure`).

A read that a screen makes while a person may be typing or scrolling (the Fleet screen's
live refresh) goes through `run_read`: one reader thread with one connection of its own, so
the GUI thread only draws what was read, and a read never waits behind a write (WAL).

A background job that needs no person (the tenant sender) `yields`: it waits behind every
other job, and a job started while it runs cancels it at its next step, so a technician's
enrollment never waits for the network. The job that yielded is started again by its owner.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import (
    QCoreApplication,
    QEventLoop,
    QObject,
    QThreadPool,
    QTimer,
    Signal,
)
from PySide6.QtWidgets import QMessageBox, QWidget

from app.errors import Cancelled, JoineryError, from_environment
from app.services import Store, open_store
from ui import changes
from ui.changes import Change

log = logging.getLogger(__name__)

Job = Callable[[Store, Callable[[int, int], None], Callable[[], bool]], Any]

_writer: QThreadPool | None = None


def writer_pool() -> QThreadPool:
    global _writer
    if _writer is None:
        _writer = QThreadPool()
        _writer.setMaxThreadCount(1)
        _writer.setObjectName("joinery-writer")
    return _writer


class OperationSignals(QObject):
    progress = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(object)


class Operation:
    """One job: `job(store, progress, cancelled)` on the writer thread.

    A plain object handed to the pool as a callable: the pool lets go of it once it ran
    (a QRunnable subclass the pool would keep for ever)."""

    def __init__(self, db_path: str, job: Job, *, yields: bool = False) -> None:
        self.signals = OperationSignals()
        self._db_path = db_path
        self._job = job
        self._cancel = threading.Event()
        self.done = threading.Event()
        self.yields = yields  # steps aside for any other job (see `run_op`)
        self.yielded = False  # it was cancelled for another job, not by a person

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def step_aside(self) -> None:
        """Another job wants the writer: a yielding job stops at its next step (a job that
        already ended, or that a person cancelled, is left as it is)."""
        if self.done.is_set() or self._cancel.is_set():
            return
        self.yielded = True
        self._cancel.set()

    def run(self) -> None:
        if self.yields and self.cancelled:  # stepped aside before it began: nothing to undo
            self.signals.failed.emit(Cancelled("Stepped aside for another job before starting."))
            self.done.set()
            return
        try:
            _deliver(self.signals, self._db_path, self._run_job)
        finally:
            self.done.set()

    def _run_job(self) -> Any:
        store = open_store(self._db_path)
        try:
            return self._job(store, self.signals.progress.emit, self._cancel.is_set)
        finally:
            store.close()


def _deliver(signals: OperationSignals, db_path: str, work: Callable[[], Any]) -> None:
    """Run `work` on this (pool) thread and hand its result or its error to the GUI thread."""
    try:
        result = work()
    except BaseException as exc:  # noqa: BLE001 - handed to the GUI thread, never lost
        log.debug("background work failed: %r", exc)
        # A damaged database or a full disk reaches the screen as the KnownError it is.
        signals.failed.emit(from_environment(exc, db_path) or exc)
    else:
        signals.succeeded.emit(result)


_running: set[Operation] = set()


def run_op(
    db_path: str,
    job: Job,
    *,
    on_done: Callable[[Any], None],
    on_failed: Callable[[BaseException], None] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    changes_made: Change = Change.ALL,
    parent: QWidget | None = None,
    owner: QObject | None = None,
    what: str = "",
    yields: bool = False,
) -> Operation:
    """Start `job` on the writer thread; callbacks run on the GUI thread.

    On success the screens hear `changes_made` (what the job may have changed), then
    `on_done(result)` runs. On failure `on_failed(error)` runs, or `report_failure` tells
    the person (`what`: the work that failed, "Saving the settings").

    `owner`: the screen the callbacks belong to (a lambda's `self`); once it is deleted they
    are not called (a bound method's own object counts without it).

    `yields`: a background job that waits behind the others and is cancelled (`yielded`)
    when another job starts; its `job` must stop when its cancel check turns true.
    """
    operation = Operation(db_path, job, yields=yields)
    if not yields:
        for other in list(_running):
            if other.yields:
                other.step_aside()
    _running.add(operation)

    def succeeded(value: Any) -> None:
        _finish(operation)
        changes.announce(db_path, changes_made)
        if _alive(on_done, owner):
            on_done(value)

    def failed(error: BaseException) -> None:
        _finish(operation)
        if on_failed is not None:
            if _alive(on_failed, owner):
                on_failed(error)
        else:
            shown = parent is not None and shiboken6.isValid(parent)
            report_failure(parent if shown else None, what, error)

    operation.signals.succeeded.connect(succeeded)
    operation.signals.failed.connect(failed)
    if on_progress is not None:
        operation.signals.progress.connect(on_progress)
    # Higher runs first among queued jobs: a queued background job waits behind the rest.
    writer_pool().start(operation.run, -1 if yields else 0)
    return operation


def _finish(operation: Operation) -> None:
    """Forget a delivered operation. Its signals object is deleted on the GUI thread it
    belongs to (the pool may drop the last reference to the operation on the writer thread,
    which must not destroy a GUI-thread object); deleting it lets go of the callbacks, which
    hold the operation, so nothing of it outlives the delivery."""
    _running.discard(operation)
    operation.signals.deleteLater()


def _alive(callback: Callable[..., Any], owner: QObject | None = None) -> bool:
    """Whether the Qt object a callback is a method of still exists: a screen or dialog
    closed while its job ran is not called back (its widgets are gone); the change channel
    still tells every other screen what the job wrote."""
    if owner is not None and not shiboken6.isValid(owner):
        return False
    bound = getattr(callback, "__self__", None)
    return not isinstance(bound, QObject) or shiboken6.isValid(bound)


def failure_words(error: BaseException, what: str = "", fallback: str = "") -> str:
    """What a person reads about a failed job: Joinery's own words for a known error (they
    say what and where, and what to do); for anything else, logged as a bug, `fallback` or
    that it was logged."""
    if isinstance(error, JoineryError):
        return str(error)
    log.error("%s failed unexpectedly", what or "a background job", exc_info=error)
    if fallback:
        return fallback
    return QCoreApplication.translate(
        "ops",
        "{w} stopped on an unexpected error; nothing it was writing was saved. The log "
        "(joinery.log in Joinery's data folder) has the details for a bug report.",
    ).format(w=what or QCoreApplication.translate("ops", "The work"))


def report_failure(parent: QWidget | None, what: str, error: BaseException) -> None:
    """The default failure handler: a message box over `parent` (only a log without one)."""
    text = failure_words(error, what)
    if parent is None:
        log.warning("%s", text)
        return
    from ui.widgets.messages import notify  # a dialog: loaded when first needed

    notify(parent, QMessageBox.Icon.Warning, what or "Joinery", text)


_reader: QThreadPool | None = None
_reading = threading.local()  # the reader thread's own connection, kept between reads


def reader_pool() -> QThreadPool:
    global _reader
    if _reader is None:
        _reader = QThreadPool()
        _reader.setMaxThreadCount(1)
        _reader.setExpiryTimeout(-1)  # keeps its thread, and so its connection
        _reader.setObjectName("joinery-reader")
    return _reader


def _reader_store(db_path: str) -> Store:
    """The reader thread's connection to `db_path` (one database at a time)."""
    held: Store | None = getattr(_reading, "store", None)
    if held is not None and held.path == db_path:
        return held
    if held is not None:
        held.close()
        _reading.store = None  # closed: not kept if the next open fails
    store = _reading.store = open_store(db_path, migrate=False)
    store.conn.execute("PRAGMA query_only = ON")  # a read that tries to write fails loudly
    return store


class _Read:
    """One read on the reader thread; like an Operation, a plain object the pool lets go of."""

    def __init__(self, db_path: str, read: Callable[[Store], Any]) -> None:
        self.signals = OperationSignals()
        self._db_path = db_path
        self._read = read

    def run(self) -> None:
        _deliver(self.signals, self._db_path, lambda: self._read(_reader_store(self._db_path)))


def run_read(
    db_path: str,
    read: Callable[[Store], Any],
    *,
    on_done: Callable[[Any], None],
    on_failed: Callable[[BaseException], None],
    owner: QObject | None = None,
) -> None:
    """Run `read(store)` on the reader thread; `on_done(result)` or `on_failed(error)` runs
    on the GUI thread (not at all once `owner`, or a bound callback's object, is deleted).
    `read` must not write: the reader's connection is a reading one."""
    job = _Read(db_path, read)

    def delivered(callback: Callable[[Any], None], value: Any) -> None:
        job.signals.deleteLater()
        if _alive(callback, owner):
            callback(value)

    job.signals.succeeded.connect(lambda value: delivered(on_done, value))
    job.signals.failed.connect(lambda error: delivered(on_failed, error))
    reader_pool().start(job.run)


class NewestRead:
    """Reads of which only the newest answer counts (a detail pane following the selected
    row): each `read` makes those still on their way stale, `forget` does so without
    asking again; a stale answer, success or failure, is dropped."""

    def __init__(self, db_path: str, owner: QObject) -> None:
        self._db_path, self._owner, self._asked = db_path, owner, 0

    def read(
        self,
        job: Callable[[Store], Any],
        *,
        on_done: Callable[[Any], None],
        on_failed: Callable[[BaseException], None],
    ) -> None:
        self._asked += 1
        asked = self._asked

        def done(value: Any) -> None:
            if asked == self._asked:
                on_done(value)

        def failed(error: BaseException) -> None:
            if asked == self._asked:
                on_failed(error)

        run_read(self._db_path, job, on_done=done, on_failed=failed, owner=self._owner)

    def forget(self) -> None:
        """An answer still on its way is for something no longer shown."""
        self._asked += 1


def wait_for_reader(msecs: int = 30_000) -> bool:
    """Block until queued reads finish (shutdown and tests)."""
    return reader_pool().waitForDone(msecs)


def wait_for_writer(msecs: int = 30_000) -> bool:
    """Block until queued jobs finish (shutdown and tests)."""
    return writer_pool().waitForDone(msecs)


def wait_until(
    predicate: Callable[[], bool], timeout_ms: int = 10_000, *, slice_ms: int = 50
) -> bool:
    """Run the event loop until `predicate()` holds or the time is up (for screenshots and
    benches, where nobody is waiting on the GUI); whether it holds. It looks every
    `slice_ms` and sleeps between looks, as the kiosk's own loop does: a loop that spins
    keeps a core busy and crowds out the threads it waits for (a GUI-thread stall in a
    bench that no kiosk has)."""
    if predicate():
        return True
    from PySide6.QtCore import Qt  # not on the sign-in path: PySide builds Qt's namespace once

    deadline = time.monotonic() + timeout_ms / 1000
    loop = QEventLoop()
    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(slice_ms)

    raised: list[BaseException] = []

    def look() -> None:
        try:
            held = predicate()
        except BaseException as exc:  # noqa: BLE001 - raised again below, out of the loop
            raised.append(exc)
            held = True
        if held or time.monotonic() >= deadline:
            loop.quit()

    timer.timeout.connect(look)
    timer.start()
    loop.exec()
    timer.stop()
    if raised:
        raise raised[0]
    return predicate()
