"""Crash and concurrency: T-DB-1, T-DB-1b and T-DB-7 of reliability.md, section B3.

T-DB-1   A child process imports 10,000 Autopilot rows (20 files of 500) into a database that
         already holds 500 devices and is SIGKILLed at a uniformly random moment of the
         import. The parent reopens: integrity ok, no foreign-key faults, and every table is
         exactly as before or exactly as after (never in between), with the import's audit
         entry present if and only if its rows are.
T-DB-1b  The same harness and checks on a deliberately non-atomic importer (one committed
         import per file) must report a partial import: the harness can see the defect.
T-DB-7   Two writer processes append 1,000 audit entries each, at the same time: no busy
         error escapes, none is lost, and the hash chain still verifies.

12 kills by default, 1,000 more in a `slow` run (JOINERY_FULL=1). JOINERY_CRASH_SEED
replays a kill schedule.
The child process is tests/reliability/_child.py.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from app import demo, services
from app.errors import KnownError
from app.security import keys
from app.store import Store
from tests.helpers.actors import ADMIN

ROOT = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).with_name("_child.py")

CONTROL_RUNS = 30
BASE_DEVICES = 500
FILES = 20
ROWS_PER_FILE = 500
NEW_DEVICES = FILES * ROWS_PER_FILE
WRITES_PER_WRITER = 1000
CHILD_TIMEOUT = 120.0
# Popen.kill(): SIGKILL on POSIX; on Windows TerminateProcess(handle, 1).
KILLED = -signal.SIGKILL if os.name == "posix" else 1
TABLES = ("devices", "device_lineage", "device_history", "audit")


# -- harness ---------------------------------------------------------------------------------


def _hermetic(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> None:
    """Keys in `data_dir`'s key files, never in an OS keyring: the children do the same."""
    monkeypatch.setenv("JOINERY_DATA_DIR", str(data_dir))
    monkeypatch.setattr(keys, "keyring_usable", lambda: False)


def _child_env(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["JOINERY_DATA_DIR"] = str(data_dir)
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    env.pop("JOINERY_DB", None)
    return env


def _start(args: Sequence[object], data_dir: Path, *, stdin: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(CHILD), *(str(a) for a in args)],
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_child_env(data_dir),
        cwd=ROOT,
    )


def _reap(child: subprocess.Popen[str]) -> None:
    if child.poll() is None:
        child.kill()
        child.communicate(timeout=CHILD_TIMEOUT)


@dataclass(frozen=True)
class ChildRun:
    returncode: int
    lines: list[str]  # what the child printed: ready, committed, done
    stderr: str
    ran: float  # seconds from "ready" to its exit

    @property
    def phase(self) -> str:
        """Where the child was when it ended.

        "running": killed before import_autopilot returned (the commit, its fsync and the
        WAL auto-checkpoint run inside that call); "returned": killed afterwards, while
        closing the store; "finished": it exited before the kill.
        """
        if self.returncode == 0 and "done" in self.lines:
            return "finished"
        if self.returncode == KILLED:
            return "returned" if "committed" in self.lines else "running"
        return "error"


def _run_import(
    mode: str, db: Path, files: Sequence[Path], data_dir: Path, kill_after: float | None
) -> ChildRun:
    """Run one child import; SIGKILL it `kill_after` seconds after it reports "ready"."""
    child = _start([mode, db, *files], data_dir, stdin=subprocess.DEVNULL)
    try:
        assert child.stdout is not None
        first = child.stdout.readline().strip()
        if first != "ready":
            out, err = child.communicate(timeout=CHILD_TIMEOUT)
            raise AssertionError(
                f"the {mode} child did not start (rc {child.returncode}): {first}{out}\n{err}"
            )
        started = time.perf_counter()
        if kill_after is not None:
            time.sleep(kill_after)
            child.kill()  # no-op if it has already exited
        out, err = child.communicate(timeout=CHILD_TIMEOUT)
        ran = time.perf_counter() - started
    finally:
        _reap(child)
    return ChildRun(child.returncode, [first, *out.split()], err, ran)


def _fresh_copy(source: Path, target: Path) -> Path:
    """A byte copy of a closed database (no -wal or -shm exists) to a path never used before."""
    for suffix in ("-wal", "-shm"):
        assert not Path(f"{source}{suffix}").exists(), f"{source} is still open somewhere"
        assert not Path(f"{target}{suffix}").exists()
    assert not target.exists()
    shutil.copyfile(source, target)
    return target


def _remove(db: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)


def _imports(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT count(*) FROM audit WHERE action = 'autopilot.import'").fetchone()
    return int(row[0])


def _table_counts(conn: sqlite3.Connection) -> dict[str, int]:
    counts = {t: int(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in TABLES}
    total = conn.execute("SELECT n FROM device_counts WHERE key = 'total'").fetchone()
    counts["device_counts.total"] = int(total[0])
    counts["autopilot.import entries"] = _imports(conn)
    return counts


@dataclass(frozen=True)
class Outcome:
    state: str  # "before", "after", "partial" or "unreadable"
    devices: int
    integrity_ok: bool
    problems: list[str]


@dataclass(frozen=True)
class Prepared:
    """Built once per module: the files, the database before the import, the clean run."""

    root: Path
    data_dir: Path
    db: Path
    files: list[Path]
    before: dict[str, int]  # table counts before the import
    after: dict[str, int]  # table counts after one clean import
    import_seconds: float  # "ready" to exit of one clean child import
    witness: tuple[str, str]  # the head witness of `db` (kept beside its key): name, text

    def copy(self, target: Path) -> Path:
        """`db` as if restored from a backup, its head witness with it: a restore without
        the witness reads as deleted entries, which is what the witness is for."""
        keys.save_record(*self.witness)
        return _fresh_copy(self.db, target)

    def inspect(self, db: Path) -> Outcome:
        """Reopen the database as the app would after a crash and judge what is in it."""
        try:
            store = Store.open(db)
        except (KnownError, sqlite3.DatabaseError) as exc:
            return Outcome("unreadable", -1, False, [f"cannot reopen: {exc}"])
        with store:
            return self._judge(store)

    def _judge(self, store: Store) -> Outcome:
        problems: list[str] = []
        conn = store.conn
        integrity = [str(r[0]) for r in conn.execute("PRAGMA integrity_check")]
        if integrity != ["ok"]:
            problems.append(f"integrity_check: {integrity[:5]}")
        fk_faults = conn.execute("PRAGMA foreign_key_check").fetchall()
        if fk_faults:
            problems.append(f"foreign_key_check: {len(fk_faults)} row(s), e.g. {fk_faults[:3]}")
        devices = store.count_devices()
        if devices == self.before["devices"]:
            state, expected = "before", self.before
        elif devices == self.after["devices"]:
            state, expected = "after", self.after
        else:
            state, expected = "partial", None
            problems.append(
                f"partial import: {devices - self.before['devices']} of {NEW_DEVICES} devices"
            )
        counts = _table_counts(conn)
        if expected is not None and counts != expected:
            # Covers "the audit entry exists if and only if the rows are there" and the
            # lineage, history and counter tables moving together with the devices.
            problems.append(f"tables disagree with the {state} state: {counts} != {expected}")
        verdict = store.verify_audit()
        if not verdict.ok:
            problems.append(f"audit chain broken at {verdict.broken_at}: {verdict.reason}")
        return Outcome(state, devices, integrity == ["ok"], problems)


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Prepared:
    root = tmp_path_factory.mktemp("crash")
    data_dir = root / "data"
    # One call, so the 500 base devices and the 10,000 new ones have distinct serials.
    rows = demo.autopilot_rows(BASE_DEVICES + NEW_DEVICES, seed=2024)
    base, new = rows[:BASE_DEVICES], rows[BASE_DEVICES:]
    files = []
    for index in range(FILES):
        path = root / f"autopilot-{index:02d}.csv"
        path.write_bytes(demo.capture_csv(new[index * ROWS_PER_FILE : (index + 1) * ROWS_PER_FILE]))
        files.append(path)
    base_file = root / "base.csv"
    base_file.write_bytes(demo.capture_csv(base))
    db = root / "prepared.db"
    with pytest.MonkeyPatch.context() as monkeypatch:
        _hermetic(monkeypatch, data_dir)
        with Store.open(db) as store:
            services.import_autopilot(store, [base_file], actor=ADMIN)
            before = _table_counts(store.conn)
            name = store.witness_name()
        witness = keys.load_record(name)
        assert witness is not None
        assert before["devices"] == BASE_DEVICES
        assert before["autopilot.import entries"] == 1

        # One clean run: it sets the kill window and the "after" state.
        clean = _fresh_copy(db, root / "clean.db")
        run = _run_import("import", clean, files, data_dir, kill_after=None)
        assert run.phase == "finished", run.stderr
        with Store.open(clean) as store:
            after = _table_counts(store.conn)
        ready = Prepared(root, data_dir, db, files, before, after, run.ran, (name, witness))
        outcome = ready.inspect(clean)
        _remove(clean)
    assert outcome.state == "after" and outcome.problems == [], outcome
    assert after["devices"] == BASE_DEVICES + NEW_DEVICES
    assert after["autopilot.import entries"] == 2
    return ready


def _say(capsys: pytest.CaptureFixture[str], line: str) -> None:
    with capsys.disabled():
        print(f"\n{line}")


def _seed() -> int:
    return int(os.environ.get("JOINERY_CRASH_SEED") or random.randrange(2**32))


# -- T-DB-1 ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kill_runs", [12, pytest.param(1000, marks=pytest.mark.slow)])
def test_kill_during_import_leaves_all_or_nothing(
    prepared: Prepared,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    kill_runs: int,
) -> None:
    _hermetic(monkeypatch, prepared.data_dir)
    seed = _seed()
    rng = random.Random(seed)
    window = prepared.import_seconds
    states: Counter[str] = Counter()
    phases: Counter[str] = Counter()
    integrity_ok = rolled_back = 0
    failures: list[str] = []
    for index in range(kill_runs):
        db = prepared.copy(tmp_path / f"kill-{index:04d}.db")
        delay = rng.uniform(0, window)
        run = _run_import("import", db, prepared.files, prepared.data_dir, kill_after=delay)
        outcome = prepared.inspect(db)
        states[outcome.state] += 1
        phases[run.phase] += 1
        integrity_ok += outcome.integrity_ok
        rolled_back += run.phase == "running" and outcome.state == "before"
        problems = list(outcome.problems)
        if run.phase == "error":
            problems.append(f"child failed (rc {run.returncode}): {run.stderr[-2000:]}")
        if "committed" in run.lines and outcome.state != "after":
            problems.append("import_autopilot had returned, yet its rows are gone")
        if problems:
            failures.append(
                f"run {index} (kill {delay:.3f} s after ready, {run.phase}): "
                f"{problems}; database kept at {db}"
            )
            if len(failures) >= 5:
                break
        else:
            _remove(db)
    runs = sum(states.values())
    _say(
        capsys,
        f"T-DB-1 seed {seed}: {runs} kills in a {window:.2f} s window: "
        f"{states['before']} before, {states['after']} after, {states['partial']} partial, "
        f"{states['unreadable']} unreadable; integrity ok {integrity_ok}/{runs}; killed "
        f"inside import_autopilot {phases['running']} ({rolled_back} rolled back), after it "
        f"returned {phases['returned']}, child finished first {phases['finished']}",
    )
    assert failures == [], "\n".join(failures)
    assert runs == kill_runs
    # The test means something only if most kills land while the child is still running,
    # and a good share of them mid-import, before the commit: the child had said "ready",
    # had not returned from import_autopilot, and its rows were rolled back.
    killed = phases["running"] + phases["returned"]
    assert killed > runs / 2, f"only {killed}/{runs} kills landed before the child exited"
    assert rolled_back >= runs / 3, f"only {rolled_back}/{runs} kills landed mid-import"


# -- T-DB-1b ---------------------------------------------------------------------------------


def test_harness_detects_a_non_atomic_import(
    prepared: Prepared,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """One committed import per file is the defect T-DB-1 exists to catch: it must show."""
    _hermetic(monkeypatch, prepared.data_dir)
    seed = _seed()
    rng = random.Random(seed)
    found: tuple[int, Outcome, float] | None = None
    for index in range(CONTROL_RUNS):
        db = prepared.copy(tmp_path / f"control-{index:02d}.db")
        delay = rng.uniform(0, prepared.import_seconds)
        run = _run_import("per-file", db, prepared.files, prepared.data_dir, kill_after=delay)
        assert run.phase != "error", run.stderr
        outcome = prepared.inspect(db)
        _remove(db)
        if outcome.state == "partial":
            found = (index, outcome, delay)
            break
    assert found is not None, f"no partial import in {CONTROL_RUNS} kills: the harness is blind"
    index, outcome, delay = found
    # The very checks T-DB-1 relies on flag it: the count, and the tables vs. the audit trail.
    assert any(p.startswith("partial import") for p in outcome.problems), outcome
    assert outcome.integrity_ok  # SQLite itself is fine: the damage is in the application
    _say(
        capsys,
        f"T-DB-1b seed {seed}: non-atomic importer left a partial import at run {index + 1} "
        f"(kill {delay:.3f} s after ready): {outcome.devices - prepared.before['devices']} "
        f"of {NEW_DEVICES} devices",
    )


# -- T-DB-7 ----------------------------------------------------------------------------------


@pytest.mark.parametrize("pause_ms", [0, 2], ids=["back-to-back", "with-pauses"])
def test_two_writer_processes_lose_nothing(
    pause_ms: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Back to back, the writers hammer the lock; with short random pauses they interleave."""
    data_dir = tmp_path / "data"
    _hermetic(monkeypatch, data_dir)
    db = tmp_path / "writers.db"
    # A fresh database: no audit key yet, so the writers also race to create it.
    Store.open(db).close()
    names = ("writer-a", "writer-b")
    children = [
        _start(["audit", db, WRITES_PER_WRITER, name, pause_ms], data_dir, stdin=subprocess.PIPE)
        for name in names
    ]
    try:
        for child in children:
            assert child.stdout is not None
            assert child.stdout.readline().strip() == "ready"
        started = time.perf_counter()
        for child in children:
            assert child.stdin is not None
            child.stdin.write("go\n")
            child.stdin.flush()
        results = [child.communicate(timeout=CHILD_TIMEOUT) for child in children]
        took = time.perf_counter() - started
    finally:
        for child in children:
            _reap(child)

    for name, child, (out, err) in zip(names, children, results, strict=True):
        assert child.returncode == 0, f"{name} failed:\n{err}"
        lowered = err.lower()
        assert "traceback" not in lowered and "locked" not in lowered, f"{name}:\n{err}"
        assert "busy" not in lowered, f"{name}:\n{err}"
        assert out.split()[-1] == "done", out

    with Store.open(db) as store:
        rows = store.conn.execute(
            "SELECT actor, details FROM audit WHERE action = 'test.write' ORDER BY id"
        ).fetchall()
        verdict = store.verify_audit()
        total = int(store.conn.execute("SELECT count(*) FROM audit").fetchone()[0])
    assert len(rows) == 2 * WRITES_PER_WRITER == total
    for name in names:
        sequence = [json.loads(details)["n"] for actor, details in rows if actor == name]
        assert sequence == list(range(WRITES_PER_WRITER)), f"{name} lost or reordered writes"
    assert verdict.ok, verdict
    assert verdict.entries == total
    switches = sum(1 for a, b in zip(rows, rows[1:], strict=False) if a[0] != b[0])
    waits = " / ".join(
        line for out, _ in results for line in out.splitlines() if line.startswith("longest")
    )
    _say(
        capsys,
        f"T-DB-7 {pause_ms} ms pauses: {len(rows)}/{2 * WRITES_PER_WRITER} entries in "
        f"{took:.1f} s, chain ok, writers alternated {switches} times; {waits}",
    )
    if pause_ms:
        # Otherwise the chain would only ever have been extended by one writer at a time.
        assert switches >= WRITES_PER_WRITER // 10, f"the writers barely interleaved: {switches}"
