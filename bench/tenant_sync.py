"""Tenant pull speed: 100,000 Intune managed devices (2,000 pages of 50) into the store.

Joinery: `tenant sync` as the kiosk runs it (MSAL token, GraphClient with its retries, every
page followed by @odata.nextLink and read with $select, staged, then merged in one
transaction: Intune state, tenant facts, devices it did not know created with history).
Baseline, same process, same local HTTPS endpoint and the same pages: a requests.Session
follows the same next links, json-parses each page and does one plain sqlite3
`executemany` of the rows into a table of the same columns. Two figures:

- tenant_sync (first pull): the fleet is empty, every device is created;
- tenant_sync (known fleet): a re-sync of the same 100,000 (Intune states change).

Medians of several runs; `--quick` uses 10,000 devices (200 pages).

    python bench/tenant_sync.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import tempfile
from collections.abc import Callable
from pathlib import Path

from _common import Report, median_time, remove_db

from app import services
from app.security import vault
from app.services.tenant_sync import SyncOptions
from app.store import Store
from app.tenant import network, shapes
from app.tenant.sender import PollPolicy
from tests.helpers.actors import ADMIN
from tests.helpers.fake_graph import FakeGraph, FakeTenant
from tests.helpers.tenant import connect
from tests.helpers.tls import make_tls

PAGE = 50
PATH = "/v1.0/deviceManagement/managedDevices"


def fleet(tenant: FakeTenant, count: int) -> None:
    states = ("compliant", "noncompliant", "inGracePeriod", "compliant", "error")
    for n in range(count):
        tenant.add_managed(f"BENCH{n:07d}", complianceState=states[n % len(states)])


def baseline(graph: FakeGraph, db: Path) -> int:
    """Fetch the same pages, parse them, one plain executemany."""
    session = network.session()
    token = next(iter(graph.tenant.tokens))
    url: str | None = f"{graph.url}{PATH}?$select={','.join(shapes.MANAGED_FIELDS)}"
    rows = []
    while url:
        page = session.get(url, headers={"Authorization": f"Bearer {token}"}).json()
        rows.extend(
            (d["serialNumber"], d["id"], d["complianceState"], d["lastSyncDateTime"],
             d["osVersion"], d["userPrincipalName"])
            for d in page["value"]
        )  # fmt: skip
        url = page.get("@odata.nextLink")
    conn = sqlite3.connect(db, isolation_level=None)
    for pragma in ("journal_mode = WAL", "synchronous = FULL"):
        conn.execute(f"PRAGMA {pragma}")
    conn.execute("DROP TABLE IF EXISTS plain")
    conn.execute(
        "CREATE TABLE plain (serial TEXT, id TEXT, state TEXT, last_sync TEXT, os TEXT, upn TEXT)"
    )
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany("INSERT INTO plain VALUES (?, ?, ?, ?, ?, ?)", rows)
    conn.execute("COMMIT")
    conn.close()
    return len(rows)


def interleaved(
    ours: Callable[[], object], theirs: Callable[[], object], runs: int, setup: Callable[[], object]
) -> tuple[float, float]:
    """Medians of `ours` (after `setup`, untimed) and `theirs`, run turn about."""
    mine: list[float] = []
    base: list[float] = []
    for _ in range(runs):
        base.append(median_time(theirs, 1))
        mine.append(median_time(ours, 1, setup=setup))
    return statistics.median(mine), statistics.median(base)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    count = 10_000 if args.quick else 100_000
    runs = 3 if args.quick else 5
    work = Path(tempfile.mkdtemp(prefix="joinery-bench-"))
    tls = make_tls(work / "tls")
    for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "CURL_CA_BUNDLE"):
        os.environ.pop(name, None)
    os.environ["REQUESTS_CA_BUNDLE"] = os.environ["SSL_CERT_FILE"] = str(tls.ca)
    os.environ["JOINERY_DATA_DIR"] = str(work / "data")
    os.environ[vault.PASSPHRASE_ENV] = "bench passphrase, not a secret"
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    vault.KDF_COST = {"m": 19456, "t": 2, "p": 1}
    import keyring
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())

    tenant = FakeTenant(page_size=PAGE)
    fleet(tenant, count)
    graph = FakeGraph(tls, tenant).start()
    options = SyncOptions(poll=PollPolicy(interval=0.0, rounds=1))
    db = work / "joinery.db"
    template = work / "connected.db"
    with Store.open(template) as store:
        connect(store, graph)
    services.sync_once(Store.open(template), options=options, actor=ADMIN)  # warm the page cache
    with Store.open(template) as store:
        store.conn.execute("DELETE FROM tenant_managed")
        store.conn.execute("DELETE FROM device_history")
        store.conn.execute("DELETE FROM devices")
        store.conn.execute("UPDATE device_counts SET n = 0")
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    data = work / "data"
    saved = work / "data-saved"
    shutil.copytree(data, saved)

    def fresh() -> None:
        remove_db(db)
        shutil.copyfile(template, db)
        db.chmod(0o600)
        shutil.rmtree(data)
        shutil.copytree(saved, data)  # the audit head witness as the template left it

    def pull() -> None:
        with Store.open(db) as store:
            report = services.sync_once(store, options=options, actor=ADMIN)
        assert report.managed.listed == count, report.managed

    plain = work / "plain.db"

    def resync_setup() -> None:
        for record in tenant.managed[::7]:
            record["complianceState"] = (
                "noncompliant" if record["complianceState"] != "noncompliant" else "compliant"
            )
        tenant._pages.clear()
        baseline(graph, plain)  # the changed pages rendered once, for both

    # Baseline and Joinery alternate, so a load that comes and goes on a shared machine
    # weighs on both alike; each figure is the ratio of the two medians.
    first, base = interleaved(pull, lambda: baseline(graph, plain), runs, fresh)
    with Store.open(db) as store:
        assert store.count_devices() == count
    again, base_again = interleaved(pull, lambda: baseline(graph, plain), runs, resync_setup)
    graph.stop()
    report = Report()
    report.line(f"tenant_sync pages of {PAGE}", count / PAGE, "pages")
    report.line("tenant_sync baseline fetch+parse+executemany", base, "s")
    report.line("tenant_sync (first pull, creates every device)", first / base, "x", "<=", 2.0)
    report.line("tenant_sync (known fleet, re-sync)", again / base_again, "x", "<=", 2.0)
    report.exit()


if __name__ == "__main__":
    main()
