"""Kill -9 between sending to the tenant and recording its answer: nothing is sent twice.

A child process syncs against the local tenant, which holds its answer back (after carrying
the import out, or while a poll is in flight); the parent SIGKILLs the child there, then
syncs itself. Every device must be imported exactly once and end `done`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from app import services
from app.domain import OutboxState
from app.services.tenant_sync import SyncOptions
from app.store import Store
from app.tenant.sender import PollPolicy
from tests.helpers.actors import ADMIN
from tests.helpers.fake_graph import FakeGraph
from tests.helpers.tenant import connect, import_devices

ROOT = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).with_name("_tenant_child.py")
TIMEOUT = 60.0

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL")


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return env


def hold(event: threading.Event, release: threading.Event) -> Callable[[object], None]:
    def hook(_: object) -> None:
        event.set()
        release.wait(TIMEOUT)

    return hook


@pytest.mark.parametrize("where", ["import", "poll"])
def test_kill_between_sending_and_recording_sends_nothing_twice(
    where: str, db_path: Path, graph: FakeGraph, tmp_path: Path
) -> None:
    with Store.open(db_path) as store:
        connect(store, graph)
        serials = import_devices(store, tmp_path, 5)
        services.queue_uploads(store, serials, actor=ADMIN)
    held, release = threading.Event(), threading.Event()
    if where == "import":
        graph.tenant.on_import = hold(held, release)
    else:
        graph.tenant.on_poll = hold(held, release)
    child = subprocess.Popen(
        [sys.executable, str(CHILD), str(db_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(),
        cwd=ROOT,
    )
    try:
        assert held.wait(TIMEOUT), child.communicate(timeout=5)
        child.send_signal(signal.SIGKILL)
        child.wait(TIMEOUT)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate(timeout=TIMEOUT)
        graph.tenant.on_import = graph.tenant.on_poll = None
        release.set()
    assert child.returncode == -signal.SIGKILL
    with Store.open(db_path) as store:
        left = {i.state for i in store.outbox_items(list(OutboxState))}
        assert left == {"sending" if where == "import" else "importing"}

        report = services.sync_once(
            store, options=SyncOptions(poll=PollPolicy(interval=0.0, rounds=3)), actor=ADMIN
        )

        assert sorted(report.drain.uploaded) == sorted(serials)
        assert {i.state for i in store.outbox_items(list(OutboxState))} == {"done"}
    assert graph.tenant.import_posts == {s: 1 for s in serials}
