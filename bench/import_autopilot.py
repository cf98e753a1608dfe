"""Autopilot import speed: Joinery's import against plain sqlite3 executemany.

Joinery reads, decodes and validates the CSV files, matches serials, and writes devices,
lineage, history and the audit entry in one transaction. The baseline gets the rows already
parsed and only inserts them into the same schema (devices and device_lineage), with the
same pragmas. Both run on the same data in this process; medians of several runs.

    python bench/import_autopilot.py [--quick]
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
from pathlib import Path

from _common import Report, median_time, remove_db

from app import autopilot, demo, services
from app.store import Store
from app.timeutil import now_iso

ADMIN = services.local_admin()  # who the bench acts as: the CLI's default


def write_files(folder: Path, count: int) -> list[Path]:
    rows = demo.autopilot_rows(count, seed=42, group_tag="Bench")
    files = []
    for start in range(0, count, 500):
        path = folder / f"hwid-{start // 500 + 1:04d}.csv"
        path.write_bytes(demo.capture_csv(rows[start : start + 500]))  # UTF-16LE, as PS 5.1
        files.append(path)
    return files


def fresh(path: Path) -> None:
    remove_db(path)
    Store.open(path).close()  # the same schema, empty


def baseline(path: Path, records: list[autopilot.AutopilotRecord]) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode = WAL", "synchronous = FULL", "foreign_keys = ON"):
        conn.execute(f"PRAGMA {pragma}")
    at = now_iso()
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(
        "INSERT INTO devices (id, serial, product_id, group_tag, assigned_user, lineage, "
        "created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?)",
        (
            (i, r.serial, r.product_id, r.group_tag, r.assigned_user, at, at)
            for i, r in enumerate(records, start=1)
        ),
    )
    conn.executemany(
        "INSERT INTO device_lineage (device_id, lineage, hardware_hash, product_id, first_seen, "
        "source) VALUES (?, 1, ?, ?, ?, ?)",
        ((i, r.hardware_hash, r.product_id, at, r.source) for i, r in enumerate(records, start=1)),
    )
    conn.execute("COMMIT")
    conn.close()


def ours(path: Path, files: list[Path]) -> None:
    with Store.open(path) as store:
        report = services.import_autopilot(store, files, actor=ADMIN)
    assert report.committed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="10,000 devices, 3 runs")
    args = parser.parse_args()
    count, runs = (10_000, 3) if args.quick else (100_000, 5)
    report = Report()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = write_files(folder, count)
        records = [r for f in files for r in autopilot.read_csv(f).records]
        assert len(records) == count
        db = folder / "bench.db"
        base = median_time(lambda: baseline(db, records), runs, setup=lambda: fresh(db))
        mine = median_time(lambda: ours(db, files), runs, setup=lambda: fresh(db))
        with Store.open(db) as store:
            assert store.count_devices() == count
    report.line(f"import_autopilot_{count}_seconds", mine, "s")
    report.line(f"executemany_baseline_{count}_seconds", base, "s")
    report.line("import_autopilot_rows_per_second", count / mine, "rows/s")
    report.line("import_autopilot_ratio", mine / base, "x", "<=", 2.0)
    report.exit()


if __name__ == "__main__":
    main()
