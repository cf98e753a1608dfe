"""The kiosk's background sender against the local tenant: it syncs on the writer thread,
soon after a write that queued something, steps aside for the kiosk's own writes without
sending anything twice, and says why it stopped when the tenant is not the reason."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app import services
from app.errors import Cancelled
from app.security.roles import Actor, Role
from app.services import SyncOptions, SyncReport
from app.store import Store
from app.tenant.retry import RetryPolicy
from app.tenant.sender import PollPolicy
from tests.helpers.fake_graph import FakeGraph
from tests.helpers.tenant import import_devices
from ui.ops import run_op, wait_for_writer
from ui.tenant import sender as sender_module
from ui.tenant.sender import TenantSender

LEAD = Actor("lea", Role.LEAD)
TECH = Actor("tom", Role.TECHNICIAN)


@pytest.fixture
def make_sender(qtbot: QtBot) -> Iterator[object]:
    made: list[TenantSender] = []

    def make(store: Store, actor: Actor | None, options: SyncOptions) -> TenantSender:
        sender = TenantSender(store.path, store, lambda: actor, options=options, soon_ms=20)
        made.append(sender)
        return sender

    yield make
    for sender in made:
        sender.shutdown()
    wait_for_writer()


def idle(qtbot: QtBot, sender: TenantSender) -> None:
    qtbot.waitUntil(lambda: not sender.running and not sender._soon.isActive(), timeout=20_000)


def test_a_write_that_queues_something_is_sent_soon_on_the_writer_thread(
    qtbot: QtBot,
    make_sender: object,
    connected: Store,
    graph: FakeGraph,
    quick: SyncOptions,
    tmp_path: Path,
) -> None:
    serials = import_devices(connected, tmp_path, 2)
    sender = make_sender(connected, LEAD, quick)  # type: ignore[operator]
    assert not sender.running  # nothing waits: no sync until the timer
    finished: list[object] = []
    sender.finished.connect(finished.append)

    done: list[object] = []
    run_op(
        connected.path,
        lambda store, _p, _c: services.queue_uploads(store, serials, actor=LEAD),
        on_done=done.append,
    )  # a write of this kiosk that queued two uploads
    qtbot.waitUntil(lambda: bool(finished), timeout=20_000)
    [report] = finished
    assert isinstance(report, SyncReport)
    assert sorted(report.drain.uploaded) == sorted(serials)
    assert graph.tenant.import_posts == {s: 1 for s in serials}
    assert sender.status.connected and sender.status.outbox["pending"] == 0
    assert [e.actor for e in connected.audit_entries(action="tenant.sync")] == ["lea"]


def test_it_steps_aside_for_a_kiosk_write_and_sends_nothing_twice(
    qtbot: QtBot,
    make_sender: object,
    connected: Store,
    graph: FakeGraph,
    tmp_path: Path,
) -> None:
    [serial] = import_devices(connected, tmp_path, 1)
    services.queue_uploads(connected, [serial], actor=LEAD)
    graph.tenant.polls_to_finish = 10_000  # the import takes its time: the sync polls and waits
    patient = SyncOptions(
        retry=RetryPolicy(attempts=2, base=0.01, cap=0.01, wait_cap=1.0),
        poll=PollPolicy(interval=0.2, rounds=1_000),
        sleep=time.sleep,  # a real wait, which the sender must be able to leave
    )
    sender = make_sender(connected, LEAD, patient)  # type: ignore[operator]
    ended: list[object] = []
    sender.finished.connect(ended.append)
    assert sender.sync_now()
    qtbot.waitUntil(lambda: bool(graph.tenant.polls), timeout=20_000)  # uploaded, now polling
    first = sender.operation
    assert first is not None

    wrote: list[object] = []
    run_op(connected.path, lambda _s, _p, _c: "enrolled", on_done=wrote.append)
    qtbot.waitUntil(lambda: bool(wrote), timeout=10_000)  # the write did not wait for Graph
    assert first.yielded
    qtbot.waitUntil(lambda: bool(ended), timeout=10_000)
    assert isinstance(ended[0], Cancelled)
    assert sender.problem is None  # stepping aside is nobody's problem
    qtbot.waitUntil(lambda: sender.running, timeout=10_000)  # and it goes on by itself
    assert sender.operation is not first

    graph.tenant.polls_to_finish = 0  # the import completes at the next poll
    qtbot.waitUntil(lambda: isinstance(ended[-1], SyncReport), timeout=20_000)
    assert ended[-1].drain.uploaded == [serial]  # type: ignore[union-attr]
    assert graph.tenant.import_posts == {serial: 1}  # imported once, polled again after


def test_a_lock_pauses_nothing_but_nobody_signed_in_sends_nothing(
    qtbot: QtBot, make_sender: object, connected: Store, graph: FakeGraph, quick: SyncOptions
) -> None:
    graph.tenant.add_managed("MD0001")
    nobody = make_sender(connected, None, quick)  # type: ignore[operator]
    assert not nobody.sync_now()
    assert connected.audit_entries(action="tenant.sync") == []

    last = make_sender(connected, TECH, quick)  # the operator signed in last, now locked
    assert last.sync_now()
    idle(qtbot, last)
    assert [e.actor for e in connected.audit_entries(action="tenant.sync")] == ["tom"]
    assert connected.device_by_serial("MD0001") is not None


def test_a_locked_vault_is_said_plainly_and_the_outbox_waits(
    qtbot: QtBot,
    make_sender: object,
    connected: Store,
    quick: SyncOptions,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from app.security import vault

    serials = import_devices(connected, tmp_path, 1)
    services.queue_uploads(connected, serials, actor=LEAD)
    monkeypatch.delenv(vault.PASSPHRASE_ENV)  # a restarted kiosk: nobody gave the passphrase
    sender = make_sender(connected, LEAD, quick)  # type: ignore[operator]
    assert sender.sync_now()
    idle(qtbot, sender)
    assert sender.problem is not None and "passphrase" in sender.problem
    assert sender.status.outbox["pending"] == 1
    assert sender.status.offline_since is None  # the tenant was never asked


def test_a_sync_already_running_elsewhere_is_said_and_sends_nothing(
    qtbot: QtBot, make_sender: object, connected: Store, quick: SyncOptions, tmp_path: Path
) -> None:
    """A `joinery tenant sync` holds the outbox: the kiosk's own sync says so and waits
    (it said nothing: the failure was taken for the tenant's, which the status tells)."""
    from app.fileutil import held

    serials = import_devices(connected, tmp_path, 1)
    services.queue_uploads(connected, serials, actor=LEAD)
    sender = make_sender(connected, LEAD, quick)  # type: ignore[operator]
    lock = Path(connected.path).resolve()
    with held(lock.with_name(lock.name + ".sync.lock")) as mine:
        assert mine
        assert sender.sync_now()
        idle(qtbot, sender)
    assert sender.problem is not None and "Another sync" in sender.problem
    assert sender.status.outbox["pending"] == 1
    assert sender.status.offline_since is None  # not the tenant's fault


def test_closing_the_kiosk_mid_sync_leaves_nothing_to_run_on_its_closed_connection(
    qtbot: QtBot, connected: Store, graph: FakeGraph, tmp_path: Path
) -> None:
    [serial] = import_devices(connected, tmp_path, 1)
    services.queue_uploads(connected, [serial], actor=LEAD)
    graph.tenant.polls_to_finish = 10_000
    patient = SyncOptions(poll=PollPolicy(interval=0.2, rounds=1_000), sleep=time.sleep)
    window_store = Store.open(connected.path)  # the kiosk window's own connection
    sender = TenantSender(connected.path, window_store, lambda: LEAD, options=patient)
    assert sender.sync_now()
    qtbot.waitUntil(lambda: bool(graph.tenant.polls), timeout=20_000)
    sender.shutdown()  # as MainWindow.closeEvent does, before it closes its connection
    window_store.close()
    assert wait_for_writer(10_000)  # the sync stopped at its next step
    qtbot.wait(100)  # its end is delivered: nothing reads the closed connection
    assert sender.operation is None
    assert connected.outbox_items(["importing"])[0].serial == serial  # polled at the next sync


def test_a_burst_of_page_reports_is_told_to_the_screens_as_one(
    qtbot: QtBot,
    make_sender: object,
    connected: Store,
    quick: SyncOptions,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A sync reports every page it reads (2,000 for 100,000 devices); every report the
    screens heard redrew the sidebar's line on the GUI thread. They now hear the latest
    step at most every PROGRESS_MS; the sender knows each step at once."""
    release = threading.Event()

    def pages(store: Store, *, progress: object, cancelled: object, **_kw: object) -> SyncReport:
        for page in range(1, 501):
            progress(page, 500)  # type: ignore[operator]
        release.wait(10)
        raise Cancelled("The test is over.")

    monkeypatch.setattr(services, "sync_once", pages)
    monkeypatch.setattr(sender_module, "PROGRESS_MS", 600_000)  # no clock in the test's way
    sender = make_sender(connected, LEAD, quick)  # type: ignore[operator]
    told: list[tuple[int, int]] = []
    sender.progress.connect(lambda done, total: told.append((done, total)))
    assert sender.sync_now()
    try:
        qtbot.waitUntil(lambda: sender.progress_now == (500, 500), timeout=10_000)
        QApplication.processEvents()
        assert told == [(0, 0)]  # the start is told at once; 500 reports wait as one
        sender._on_progress_timeout()  # the interval is over
        assert told == [(0, 0), (500, 500)]  # the latest step, once: not 501 reports
    finally:
        release.set()
    idle(qtbot, sender)
