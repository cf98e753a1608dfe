"""The kiosk's background sender: while a tenant is connected, `services.sync_once` sends the
outbox and reads the tenant, on the writer thread (ui/ops.py), never on the GUI thread.

When: every few minutes, a few seconds after a write that queued something for the tenant
(an enrollment that changed a group tag, hashes queued for upload), and when a person asks.
It steps aside for the kiosk's own writes (`run_op(..., yields=True)`): a technician's
enrollment never waits for the network; the sync starts again a few seconds later, and
every answer the tenant gave before it stepped aside is kept.

A lock pauses nothing that needs no person: while the kiosk is locked it goes on, as the
operator who signed in last (the audit trail names them). Before anyone has signed in since
the kiosk started, nothing is sent. Offline, the bench keeps working and the outbox waits.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from app import services
from app.errors import Cancelled
from app.security.roles import Actor
from ui import changes
from ui.changes import Change
from ui.ops import Operation, failure_words, run_op

if TYPE_CHECKING:  # the tenant's services load on first use, not with the sign-in screen
    from app.services import Store, SyncOptions, SyncReport, TenantStatus

log = logging.getLogger(__name__)

#: How often a connected kiosk syncs when nothing else asks it to.
INTERVAL_MS = 5 * 60_000
#: How soon after a write that queued something (or after stepping aside) it syncs.
SOON_MS = 3_000
#: How often, at most, the screens hear of a sync's progress: a read of 100,000 devices
#: reports each of its thousands of pages, and every report redraws the sidebar's line.
PROGRESS_MS = 200
#: What a sync may change: the devices the tenant told of, the outbox, its audit entry.
SYNC_CHANGES = Change.DEVICES | Change.TENANT | Change.AUDIT


@functools.cache
def unread() -> TenantStatus:
    """Before anyone has signed in there is nobody to read the status for: nothing is shown."""
    return services.TenantStatus(
        False, None, None, None, None, None, None, {}, (), None, None, None
    )


def read_status(store: Store, actor: Actor | None) -> TenantStatus:
    """The tenant's status from the database only (no network, no vault): microseconds."""
    return unread() if actor is None else services.tenant_status(store, actor=actor)


def queued_total(status: TenantStatus) -> int:
    """Every outbox item in any state: it grows only when something is queued."""
    return sum(status.outbox.values())


class TenantSender(QObject):
    """Syncs in the background; `status_changed`, `progress` and `finished` say how it goes."""

    status_changed = Signal(object)  # TenantStatus
    progress = Signal(int, int)  # done, total (0: not known)
    finished = Signal(object)  # the SyncReport, or the error the sync ended with

    def __init__(
        self,
        db_path: str,
        store: Store,
        actor: Callable[[], Actor | None],
        parent: QObject | None = None,
        *,
        interval_ms: int = INTERVAL_MS,
        soon_ms: int = SOON_MS,
        options: SyncOptions | None = None,
    ) -> None:
        super().__init__(parent)
        self._db_path = db_path
        self.store = store  # the GUI thread's connection: status reads only
        self._actor = actor
        self.options = options  # None: a real tenant's patience (tests, benches: quicker)
        self.operation: Operation | None = None
        self.status = read_status(store, actor())
        self.problem: str | None = None  # why the last sync stopped, when not the tenant's fault
        self.report: SyncReport | None = None  # the last sync that went through
        self.progress_now: tuple[int, int] | None = None  # (done, total) while syncing
        self._queued_seen = queued_total(self.status)
        self._again = False  # something was queued while a sync ran
        self._closed = False
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._soon = QTimer(self)
        self._soon.setSingleShot(True)
        self._soon.setInterval(soon_ms)
        self._soon.timeout.connect(self._on_timer_timeout)
        self._progress = QTimer(self)  # page reports that come faster are told as one
        self._progress.setSingleShot(True)
        self._progress.setInterval(PROGRESS_MS)
        self._progress.timeout.connect(self._on_progress_timeout)
        self._channel = changes.channel(db_path)
        self._channel.changed.connect(self._on_channel_changed)
        self._timer.start()

    @property
    def running(self) -> bool:
        return self.operation is not None

    def sync_now(self) -> bool:
        """A person asked: sync at once. False when it cannot (nothing connected, nobody
        signed in yet, or a sync is already running)."""
        return self._start()

    def sync_soon(self) -> None:
        """In a few seconds (after a retry, after the first sign-in): writes that follow
        at once land first, and one sync carries them all."""
        if self.running:
            self._again = True
        elif not self._closed:
            self._soon.start()

    def cancel(self) -> None:
        """A person's Cancel: the sync stops at its next step; what was answered is kept."""
        if self.operation is not None:
            self.operation.cancel()

    def refresh_status(self) -> TenantStatus:
        status = read_status(self.store, self._actor())
        if status != self.status:
            self.status = status
            self.status_changed.emit(status)
        return status

    def shutdown(self) -> None:
        """The kiosk closes: no new sync; a running one stops at its next step."""
        self._closed = True
        self._timer.stop()
        self._soon.stop()
        self._progress.stop()
        self.cancel()

    # -- starting ----------------------------------------------------------------------------

    def _on_timer_timeout(self) -> None:
        if not self.running:
            self._start()

    def _start(self) -> bool:
        actor = self._actor()
        if self._closed or self.running or actor is None:
            return False
        if not self.refresh_status().configured:
            return False
        self._soon.stop()
        self._again = False
        options = self.options

        def job(
            store: Store, progress: Callable[[int, int], None], cancelled: Callable[[], bool]
        ) -> SyncReport:
            return services.sync_once(
                store, actor=actor, progress=progress, cancelled=cancelled, options=options
            )

        self.progress_now = (0, 0)
        self.operation = run_op(
            self._db_path,
            job,
            on_done=self._on_done,
            on_failed=self._on_failed,
            on_progress=self._on_progress,
            changes_made=SYNC_CHANGES,
            what=self.tr("Syncing with the tenant"),
            yields=True,
        )
        self.progress.emit(0, 0)
        return True

    def _on_channel_changed(self, what: Change) -> None:
        """A write here or elsewhere: read the status; if something was queued for the
        tenant, sync soon (a burst of enrollments makes one sync)."""
        if self._closed or not what & (Change.DEVICES | Change.TENANT):
            return
        status = self.refresh_status()
        total = queued_total(status)
        grew = total > self._queued_seen
        self._queued_seen = total
        if grew and status.configured:
            self.sync_soon()

    # -- how it went --------------------------------------------------------------------------

    def _on_progress(self, done: int, total: int) -> None:
        """The writer's report of a step: kept at once, told at most every PROGRESS_MS (the
        latest step then), so a sync's thousands of pages are not as many redraws."""
        if self.operation is not None and not self._closed:
            self.progress_now = (done, total)
            if not self._progress.isActive():
                self._progress.start()

    def _on_progress_timeout(self) -> None:
        if self.operation is not None and self.progress_now is not None:
            self.progress.emit(*self.progress_now)

    def _on_done(self, report: SyncReport) -> None:
        self.operation = None
        self._progress.stop()  # `finished` says the rest
        if self._closed:
            return  # the kiosk closed (its database connection too) while this ran
        self.progress_now = None
        self.report = report
        self.problem = None
        self._after()
        self.finished.emit(report)

    def _on_failed(self, error: BaseException) -> None:
        operation, self.operation = self.operation, None
        self._progress.stop()
        if self._closed:
            return  # the kiosk closed (its database connection too) while this ran
        self.progress_now = None
        yielded = operation is not None and operation.yielded
        if isinstance(error, Cancelled) and yielded:
            self._again = True  # it stepped aside for a write of this kiosk: on again soon
        elif isinstance(error, services.TenantBusy):
            self.problem = error.message  # a `joinery tenant sync` holds the outbox now
        elif isinstance(error, services.TenantError):
            self.problem = None  # the status says it: offline since, and why
        else:  # a person's Cancel, a locked vault, a permission; or a bug (logged)
            self.problem = failure_words(error, self.tr("The tenant sync"))
        self._after()
        self.finished.emit(error)

    def _after(self) -> None:
        status = read_status(self.store, self._actor())
        self._queued_seen = queued_total(status)
        self.status = status
        self.status_changed.emit(status)  # also when unchanged: the sync is over
        if self._again:
            self.sync_soon()
