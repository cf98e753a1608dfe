"""Background operations: a plain function run off the GUI thread, results back on it.

Writes go through one writer thread, so two jobs never fight over the database. Each job
opens its own connection: connections never cross threads.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QCoreApplication,
    QEventLoop,
    QObject,
    QRunnable,
    QThreadPool,
    Signal,
)

from app.errors import from_environment
from app.store import Store

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


class Operation(QRunnable):
    """One job: `job(store, progress, cancelled)` on the writer thread."""

    def __init__(self, db_path: str, job: Job) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.signals = OperationSignals()
        self._db_path = db_path
        self._job = job
        self._cancel = threading.Event()
        self.done = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def run(self) -> None:
        try:
            store = Store.open(self._db_path)
            try:
                result = self._job(store, self.signals.progress.emit, self._cancel.is_set)
            finally:
                store.close()
        except BaseException as exc:  # noqa: BLE001 - handed to the GUI thread, never lost
            log.debug("operation failed: %r", exc)
            # A damaged database or a full disk reaches the screen as the KnownError it is.
            self.signals.failed.emit(from_environment(exc, self._db_path) or exc)
        else:
            self.signals.succeeded.emit(result)
        finally:
            self.done.set()


_running: set[Operation] = set()


def run_op(
    db_path: str,
    job: Job,
    *,
    on_done: Callable[[Any], None],
    on_failed: Callable[[BaseException], None],
    on_progress: Callable[[int, int], None] | None = None,
) -> Operation:
    """Start `job` on the writer thread; callbacks run on the GUI thread."""
    operation = Operation(db_path, job)
    _running.add(operation)

    def finish(callback: Callable[[Any], None]) -> Callable[[Any], None]:
        def handler(value: Any) -> None:
            _running.discard(operation)
            callback(value)

        return handler

    operation.signals.succeeded.connect(finish(on_done))
    operation.signals.failed.connect(finish(on_failed))
    if on_progress is not None:
        operation.signals.progress.connect(on_progress)
    writer_pool().start(operation)
    return operation


def wait_for_writer(msecs: int = 30_000) -> bool:
    """Block until queued jobs finish (shutdown and tests)."""
    return writer_pool().waitForDone(msecs)


def wait_until(
    predicate: Callable[[], bool], timeout_ms: int = 10_000, *, slice_ms: int = 50
) -> bool:
    """Spin the event loop until `predicate()` holds or the time is up (for screenshots and
    benches, where nobody is waiting on the GUI); whether it holds."""
    deadline = time.monotonic() + timeout_ms / 1000
    while not predicate() and time.monotonic() < deadline:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, slice_ms)
    return predicate()
