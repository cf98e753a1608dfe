"""Memory of ingesting Intune's "All devices" export: streamed, so it does not grow with the file.

A tenant's DevicesWithInventory export of about 100 MB (some 175,000 Windows devices, every
one new to the registry: the devices are created, Intune's verdicts and the facts recorded,
in one transaction) is ingested by `joinery ingest`'s service in a child process, and the
child's peak resident memory (ru_maxrss) is the figure. The baseline, on the same file, is a
child that only reads and decodes the file whole, as Joinery did before it streamed; the idle
line is a child that imports Joinery and opens the store, nothing more.

    python bench/ingest_intune.py [--quick]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, Report

TARGET_MB = 150
EXPORT = ROOT / "tests" / "data" / "conformance" / "DevicesWithInventory-contoso.csv"


def write_export(path: Path, megabytes: int) -> int:
    """An export of at least `megabytes` MB: the fixture's Windows rows with new serials."""
    rows = list(csv.reader(io.StringIO(EXPORT.read_text("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    serial, name = header.index("Serial number"), header.index("Device name")
    windows = [r for r in body if r[header.index("OS")] == "Windows"]
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        writer.writerow(header)
        while handle.tell() < megabytes * 1_000_000:
            for _ in range(1000):
                row = list(windows[count % len(windows)])
                row[serial] = f"CZC{count:08d}"
                row[name] = f"CTS-{count:08d}"
                writer.writerow(row)
                count += 1
    return count


def child(mode: str, export: Path, db: Path) -> None:
    """Runs in the child process: do `mode`, print its peak RSS (MB) and seconds as JSON."""
    import resource

    start = time.perf_counter()
    result: dict[str, object] = {}
    if mode == "ingest":
        from app import services
        from app.store import Store

        with Store.open(db) as store:
            report = services.ingest_files(store, [export], actor=services.local_admin())
            result = {"recorded": report.recorded, "created": report.created}
    elif mode == "whole":
        text = export.read_bytes().decode("utf-8-sig")  # the file read whole, as before
        result = {"chars": len(text)}
    else:
        from app.store import Store

        Store.open(db).close()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    result.update(rss_mb=peak_kb * 1024 / 1_000_000, seconds=time.perf_counter() - start)
    print(json.dumps(result))


def measure(mode: str, export: Path, db: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(export), str(db)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    found: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="a 10 MB export")
    parser.add_argument(
        "--child", nargs=3, metavar=("MODE", "EXPORT", "DB"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        mode, export, db = args.child
        child(mode, Path(export), Path(db))
        return
    megabytes = 10 if args.quick else 100
    report = Report()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        export = folder / "DevicesWithInventory.csv"
        rows = write_export(export, megabytes)
        size_mb = export.stat().st_size / 1_000_000
        idle = measure("idle", export, folder / "idle.db")
        whole = measure("whole", export, folder / "whole.db")
        ours = measure("ingest", export, folder / "ingest.db")
    assert ours["recorded"] == rows, ours
    assert ours["created"] == rows, ours
    report.line(f"intune_export_{megabytes}mb_size", size_mb, "MB")
    report.line("intune_export_rows", rows, "rows")
    report.line("idle_joinery_rss", idle["rss_mb"], "MB")
    report.line("baseline_read_whole_rss", whole["rss_mb"], "MB")
    report.line("ingest_intune_rows_per_second", rows / ours["seconds"], "rows/s")
    report.line(f"ingest_intune_{megabytes}mb_rss", ours["rss_mb"], "MB", "<=", TARGET_MB)
    report.exit()


if __name__ == "__main__":
    main()
