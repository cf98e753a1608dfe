"""Autopilot import end to end through the CLI, against csv + sqlite3 executemany.

Joinery: a child process runs `joinery autopilot import` (ui.entry, as the console script
does) on a fresh database over 200 files of 500 devices (UTF-16LE with a BOM, as Windows
PowerShell 5.1 writes them): process start, reading, validating, storing devices, lineage
and history, the audit entry, the commit and the checkpoint at close. Baseline: a child
process that reads the same files with the csv module and inserts them with one
executemany into a one-table schema (serial, product id, hardware hash, group tag, assigned
user, source) with sqlite3's defaults (rollback journal, synchronous=FULL), then commits.
Runs alternate, each starts after `sync` (untimed); medians. Each child reports its
/proc/self/io write_bytes as it exits; system time is the child's own rusage.

    python bench/import_autopilot_cli.py [--quick] [--runs N] [--before OTHER_CHECKOUT]

Figures (docs/formats.md, "Writing many devices at once"), 100,000 devices, 5 rounds with
4a7a7fe alternated, busy disk: before 28.9 s (2.76x; 6.2 s system, 1,144 MB written), now
16.0 s (1.53x; 2.6 s system, 1,140 MB), csv + executemany 10.5 s (1.1 s system, 515 MB).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, Report, remove_db
from import_autopilot import write_files

FILES, ROWS = 200, 500

# Both children run under the same wrapper: it reports the process's I/O as it exits.
_WRAP = """
import atexit, json, sys
def _io():
    with open("/proc/self/io") as f:
        fields = dict(line.split(": ") for line in f.read().splitlines())
    with open({out!r}, "w") as f:
        json.dump({{k: int(v) for k, v in fields.items()}}, f)
atexit.register(_io)
sys.argv = {argv!r}
{body}
"""

_JOINERY = "from ui.entry import main\nmain()"

_BASELINE = """
import csv, sqlite3
files, db = sys.argv[1:-1], sys.argv[-1]
conn = sqlite3.connect(db)
conn.execute(
    "CREATE TABLE devices (serial TEXT PRIMARY KEY, product_id TEXT, hardware_hash TEXT NOT NULL, "
    "group_tag TEXT, assigned_user TEXT, source TEXT)"
)
def rows():
    for name in files:
        with open(name, encoding="utf-16", newline="") as f:
            reader = csv.reader(f)
            header = next(reader)
            for row in reader:
                row += [""] * (5 - len(row))
                yield (row[0], row[1], row[2], row[3] or None, row[4] or None, name)
conn.executemany("INSERT INTO devices VALUES (?, ?, ?, ?, ?, ?)", rows())
conn.commit()
conn.close()
"""


def fresh(db: Path) -> None:
    remove_db(db)


def run_child(body: str, argv: list[str], workdir: Path, root: Path = ROOT) -> dict[str, float]:
    """Wall, user and system seconds and bytes written of one child process (Joinery
    imported from `root`)."""
    io_file = workdir / "io.json"
    io_file.unlink(missing_ok=True)
    code = _WRAP.format(out=str(io_file), argv=argv, body=body)
    env = {**os.environ, "PYTHONPATH": str(root), "JOINERY_DATA_DIR": str(workdir / "data")}
    os.sync()
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", code], env=env, cwd=root, stdout=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"child failed ({child.returncode}): {argv[:3]}")
    io = json.loads(io_file.read_text())
    return {
        "wall": wall,
        "user": usage.ru_utime,
        "sys": usage.ru_stime,
        "written": io["write_bytes"] / 1e6,
        "cancelled": io["cancelled_write_bytes"] / 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="20 files (10,000 devices), 3 runs")
    parser.add_argument("--runs", type=int, help="runs of each side")
    parser.add_argument(
        "--before", type=Path, help="another checkout of Joinery, run too (interleaved)"
    )
    args = parser.parse_args()
    files, runs = (20, 3) if args.quick else (FILES, 5)
    runs = args.runs or runs
    count = files * ROWS
    report = Report()
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
        folder = Path(tmp)
        paths = [str(p) for p in write_files(folder, files * ROWS)]
        db = folder / "bench.db"
        ours: list[dict[str, float]] = []
        base: list[dict[str, float]] = []
        before: list[dict[str, float]] = []
        argv = ["joinery", "--db", str(db), "autopilot", "import", *paths]
        for _ in range(runs):  # alternated: a change of load moves both sides
            if args.before is not None:
                fresh(db)
                before.append(run_child(_JOINERY, argv, folder, args.before.resolve()))
            fresh(db)
            ours.append(run_child(_JOINERY, argv, folder))
            fresh(db)
            base.append(run_child(_BASELINE, ["baseline", *paths, str(db)], folder))
        fresh(db)

    def med(samples: list[dict[str, float]], key: str) -> float:
        return statistics.median(s[key] for s in samples)

    sides = [("joinery autopilot import", ours), ("csv + executemany", base)]
    if before:
        sides.insert(0, (f"before ({args.before})", before))
        ratio = med(before, "wall") / med(base, "wall")
        report.line("before: ratio vs executemany", ratio, "x")
    for name, samples in sides:
        report.line(f"{name}, {count} devices, wall", med(samples, "wall"), "s")
        report.line(f"{name}, user", med(samples, "user"), "s")
        report.line(f"{name}, system", med(samples, "sys"), "s")
        report.line(f"{name}, written", med(samples, "written"), "MB")
    ratios = [o["wall"] / b["wall"] for o, b in zip(ours, base, strict=True)]
    report.line("run-by-run ratios", statistics.median(ratios), "x (median)")
    print("  " + " ".join(f"{r:.2f}" for r in ratios))
    report.line(
        "import CLI ratio vs executemany", med(ours, "wall") / med(base, "wall"), "x", "<=", 2.0
    )
    report.exit()


if __name__ == "__main__":
    main()
