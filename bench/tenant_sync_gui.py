"""The kiosk's GUI thread during a tenant sync: it must never block for more than a frame.

The kiosk window is open, signed in, on the Fleet screen (the screen that redraws most when
devices change), with a tenant connected and hashes queued for upload. Its background
sender (ui/tenant/sender.py) runs `services.sync_once` on the writer thread: the uploads
are sent and polled, then Autopilot and Intune are read (100,000 managed devices in 2,000
pages of 50; --quick: 10,000), staged and merged, and every screen hears of it. A 5 ms
timer on the GUI thread measures how late it fires; the longest gap beyond its interval is
the longest stall (target: 16 ms, one frame at 60 Hz). Each sync is one run; the figure is
the median of the runs' longest stalls, with their spread. The same probe over the same
time with no sync is the baseline. bench/batch_scan_sync.py adds a technician scanning.

The local tenant (tests/helpers/fake_graph.py) runs in a process of its own, as a real
tenant would be elsewhere: its threads do not compete with the kiosk's for the GIL.

    python bench/tenant_sync_gui.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from _common import TARGET_MS, Probe, Report  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app import demo, services  # noqa: E402
from app.security import vault  # noqa: E402
from app.security.roles import Actor, Role  # noqa: E402
from app.security.secret import Secret  # noqa: E402
from app.services import SyncOptions  # noqa: E402
from app.store import Store  # noqa: E402
from app.tenant.config import AuthKind  # noqa: E402
from app.tenant.credentials import Credential  # noqa: E402
from app.tenant.sender import PollPolicy  # noqa: E402
from tests.helpers.fake_graph import CLIENT, TENANT, FakeGraph, FakeTenant  # noqa: E402
from tests.helpers.tls import TlsFiles, make_tls  # noqa: E402
from ui.collector import install as install_collector  # noqa: E402
from ui.ops import wait_until  # noqa: E402

PAGE = 50
UPLOADS = 200
RUNS = 3


def serve(count: int, tls_dir: Path) -> None:
    """The child: the local tenant with `count` Intune devices, until stdin closes. It
    stands for a tenant on Microsoft's servers, which takes no core from the kiosk: on a
    machine this busy it gives way to every other process (nice 10)."""
    os.nice(10)
    tls = TlsFiles(tls_dir / "ca.pem", tls_dir / "server.pem", tls_dir / "server.key")
    tenant = FakeTenant(page_size=PAGE)
    states = ("compliant", "noncompliant", "inGracePeriod", "compliant", "error")
    for n in range(count):
        tenant.add_managed(f"BENCH{n:07d}", complianceState=states[n % len(states)])
    graph = FakeGraph(tls, tenant).start()
    print(graph.url, flush=True)
    sys.stdin.read()
    graph.stop()


def isolate() -> Path:
    """A data folder of its own, no proxy, no keyring, a quick vault: the bench's work dir."""
    work = Path(tempfile.mkdtemp(prefix="joinery-bench-"))
    for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "CURL_CA_BUNDLE"):
        os.environ.pop(name, None)
    os.environ["JOINERY_DATA_DIR"] = str(work / "data")
    os.environ[vault.PASSPHRASE_ENV] = "bench passphrase, not a secret"
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    vault.KDF_COST = {"m": 19456, "t": 2, "p": 1}
    import keyring
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())
    return work


@contextmanager
def connected_kiosk(count: int) -> Iterator[Path]:
    """A kiosk database connected to a local tenant of `count` managed devices (in a
    process of its own) with uploads queued; the tenant stops when the block ends."""
    work = isolate()
    child, url = start_tenant(count, work)
    try:
        db = work / "joinery.db"
        prepare(db, url, work)
        yield db
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(30)


def start_tenant(count: int, work: Path) -> tuple[subprocess.Popen[str], str]:
    tls = make_tls(work / "tls")  # ca.pem, server.pem, server.key: read again by the child
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(count), "--tls", str(work / "tls")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    url = child.stdout.readline().strip()
    os.environ["REQUESTS_CA_BUNDLE"] = os.environ["SSL_CERT_FILE"] = str(tls.ca)
    return child, url


def prepare(db: Path, url: str, work: Path) -> None:
    """A bench with a fleet of its own, connected, and hashes queued for upload."""
    admin = Actor("bench", Role.ADMIN)
    with Store.open(db) as store:
        rows = demo.autopilot_rows(UPLOADS, seed=7)
        path = work / "hashes.csv"
        path.write_bytes(demo.capture_csv(rows))
        services.import_autopilot(store, [path], actor=admin)
        request = services.ConnectRequest(
            TENANT, CLIENT, Credential(AuthKind.SECRET, Secret("fake-client-secret")), url, url
        )
        services.connect_tenant(store, request, actor=admin)
        services.queue_uploads(store, None, actor=admin)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="10,000 managed devices")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--tls", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        serve(args.serve, Path(args.tls))
        return
    count = 10_000 if args.quick else 100_000
    with connected_kiosk(count) as db:
        app = QApplication.instance() or QApplication([])
        install_collector(app)  # as the kiosk's application() does
        stalls, idle, took, report = measure(app, db)
    result = Report()
    result.line(f"first sync in the kiosk: {count:,} Intune devices, {UPLOADS} uploads", took, "s")
    result.line("longest GUI-thread stall, idle kiosk (baseline)", idle, "ms")
    result.line(
        f"longest GUI-thread stall during a tenant sync, median of {RUNS} ({spread(stalls)})",
        statistics.median(stalls),
        "ms",
        "<=",
        TARGET_MS,
    )
    print(f"sync report: {report}", file=sys.stderr)
    result.exit()


def spread(values: list[float]) -> str:
    """The runs' range, as "min-max ms"."""
    return f"runs {min(values):.0f}-{max(values):.0f} ms"


def measure(app: QApplication, db: Path) -> tuple[list[float], float, float, object]:
    from ui.launch import freeze_startup_objects
    from ui.main import MainWindow

    window = MainWindow(str(db))
    window.resize(1366, 768)
    window.show()
    window._synced_once = True  # no sync at sign-in: the probe starts it
    window.tenant_sender.options = SyncOptions(poll=PollPolicy(interval=0.5, rounds=8))
    window.session.sign_in(Actor("bench", Role.ADMIN))
    window.show_screen("fleet")
    fleet = window.fleet
    wait_until(lambda: fleet.board is not None and not fleet.model.loading, 60_000, slice_ms=5)
    freeze_startup_objects()  # as the kiosk does once its window is up
    probe = Probe()
    ended: list[object] = []
    window.tenant_sender.finished.connect(ended.append)
    stalls: list[float] = []
    took = 0.0
    first: object = None
    for _ in range(RUNS):  # the first pull creates the fleet; the others re-read it
        ended.clear()
        started = time.perf_counter()
        probe.start()
        assert window.tenant_sender.sync_now()
        wait_until(lambda: bool(ended), 600_000, slice_ms=5)
        took = took or time.perf_counter() - started
        wait_until(lambda: not fleet.model.loading, 60_000, slice_ms=5)
        wait_until(lambda: False, 1000, slice_ms=5)  # the last refreshes land
        stalls.append(probe.stop())
        print(f"sync {len(stalls)}: {probe.summary()}", file=sys.stderr)
        if isinstance(ended[0], BaseException):
            raise SystemExit(f"the sync failed: {ended[0]}")
        first = first or ended[0]
    print(f"longest stall per sync: {stalls} ms", file=sys.stderr)

    idle = probe.idle(int(min(took, 10.0) * 1000))  # nothing syncing, as long (<= 10 s)
    print(f"idle: {probe.summary()}", file=sys.stderr)
    report = first.as_json()  # type: ignore[attr-defined]
    window.close()
    app.processEvents()
    return stalls, idle, took, {k: report[k] for k in ("uploaded", "pulled", "created")}


if __name__ == "__main__":
    main()
