"""Fleet re-evaluation after a policy change, against one plain SQL UPDATE of the same rows.

Joinery evaluates every required setting of every device from its latest facts, in SQL
compiled per cohort, and writes states (with their counters), failing settings, clocks and
one history row per change. The baseline is a single `UPDATE devices SET compliance_state`
over the same rows (which fires the same counter trigger). Each run flips the policy's
minimum build, so about half of the fleet changes state. Medians of several runs.

    python bench/evaluate_fleet.py [--quick]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import tempfile
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from _common import Report, median_time

from app import demo, services
from app.compliance import policy as pol
from app.compliance.simulate import first_facts
from app.compliance.versions import version_key
from app.domain import DeviceQuery
from app.store import Store
from app.timeutil import iso

ADMIN = services.local_admin()  # who the bench acts as: the CLI's default

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
BUILDS = ("10.0.19045", "10.0.26100")


def build(path: Path, count: int) -> None:
    """A fleet of `count` devices, each with one check-in, and Baseline assigned to all."""
    with Store.open(path) as store:
        demo.seed(store, count, now=NOW)
        rng = random.Random(1)
        at = iso(NOW)
        with store.transaction():
            ids: list[int] = []
            rows = []
            for device in store.iter_devices(DeviceQuery(sort="serial"), batch=50_000):
                facts = first_facts(device.serial, device.os_version, at, rng)
                row = asdict(facts) | {"device_id": device.id, "source": str(facts.source)}
                row["os_version_key"] = version_key(facts.os_version)
                row["defender_version_key"] = version_key(facts.defender_version)
                rows.append(row)
                ids.append(device.id)
            store.mark_for_evaluation(ids)
            store.upsert_facts(rows)
        services.import_template(store, "baseline", now=NOW, actor=ADMIN)
        services.assign(store, "Baseline", all_devices=True, actor=ADMIN)
        services.reevaluate(store, now=NOW, actor=ADMIN)


def change_policy(path: Path, run: list[int]) -> None:
    """Untimed: flip the minimum build (the policy change an admin makes)."""
    run[0] += 1
    policy = pol.template("baseline")
    policy.settings["osMinimumVersion"] = BUILDS[run[0] % 2]
    with Store.open(path) as store:
        services.import_policy(
            store, pol.to_graph_json(policy), "baseline.json", now=NOW, actor=ADMIN
        )


def ours(path: Path) -> None:
    with Store.open(path) as store:
        services.reevaluate(store, now=NOW, actor=ADMIN)


def baseline(path: Path, run: list[int]) -> None:
    run[0] += 1
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("synchronous = FULL", "foreign_keys = ON"):
        conn.execute(f"PRAGMA {pragma}")
    state = ("compliant", "noncompliant")[run[0] % 2]
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("UPDATE devices SET compliance_state = ?", [state])
    conn.execute("COMMIT")
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="100,000 devices, 3 runs")
    args = parser.parse_args()
    count, runs = (100_000, 3) if args.quick else (1_000_000, 3)
    report = Report()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        started = time.perf_counter()
        build(db, count)
        print(f"# built {count} devices with facts in {time.perf_counter() - started:.0f} s")
        flips = [0]
        mine = median_time(lambda: ours(db), runs, setup=lambda: change_policy(db, flips))
        toggles = [0]
        base = median_time(lambda: baseline(db, toggles), runs)
        with Store.open(db) as store:
            assert store.count_devices() == count
    report.line(f"reevaluate_{count}_seconds", mine, "s")
    report.line(f"plain_update_{count}_seconds", base, "s")
    report.line("reevaluate_per_100000_devices", mine / count * 100_000, "s")
    report.line("reevaluate_ratio", mine / base, "x", "<=", 5.0)
    report.exit()


if __name__ == "__main__":
    main()
