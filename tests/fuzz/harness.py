"""Run a fuzz target in child processes and judge every input.

A crash is any exception but Joinery's typed errors (or a child that dies on an input); a
hang is an input not finished within `HANG_SECONDS`; a blow-up is a child whose peak RSS
passes `RSS_LIMIT_MB` on an input. After a hang or a blow-up the child is replaced and the
run goes on from the next input, so one run reports every finding, each by its index.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
HANG_SECONDS = 10.0
START_SECONDS = 120.0  # imports and the fixtures' database, on a loaded machine
RSS_LIMIT_MB = 500
#: Inputs per child. click's test runner keeps each run's output buffers (about 100 KB a
#: run): a fresh child per batch keeps the peak a measure of one input, not of the harness.
BATCH = 250


@dataclass
class Finding:
    kind: str  # crash, hang, memory, harness
    index: int
    detail: str


@dataclass
class Report:
    target: str
    seed: int
    inputs: int = 0
    exits: Counter[int] = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)
    peak_mb: int = 0
    peak_at: int = -1
    slowest: float = 0.0
    slowest_at: int = -1
    largest: int = 0
    seconds: float = 0.0

    def count(self, kind: str) -> int:
        return sum(1 for f in self.findings if f.kind == kind)

    def line(self) -> str:
        return (
            f"{self.target}: {self.inputs} inputs (seed {self.seed}) in {self.seconds:.0f} s: "
            f"{self.count('crash')} crashes, {self.count('hang')} hangs, "
            f"{self.count('memory')} memory blow-ups; accepted {self.exits[0]}, refused "
            f"{self.exits[1]}; slowest input {self.slowest:.2f} s (#{self.slowest_at}), peak "
            f"RSS {self.peak_mb} MB (#{self.peak_at}), largest input {self.largest:,} bytes"
        )


def fuzz(target: str, seed: int, count: int, work: Path) -> Report:
    report = Report(target, seed)
    started = time.perf_counter()
    index = 0
    restarts = 0
    while index < count:
        index = _one_child(target, seed, index, count, work, report)
        restarts += 1
        if restarts > count + 5:
            raise AssertionError(f"{target}: the harness restarted {restarts} times")
    report.seconds = time.perf_counter() - started
    return report


def _one_child(target: str, seed: int, start: int, count: int, work: Path, report: Report) -> int:
    """Run inputs from `start` in one child (at most BATCH); the index to go on from."""
    count = min(count, start + BATCH)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    work.mkdir(parents=True, exist_ok=True)
    with (work / f"stderr-{start}.txt").open("wb") as stderr:
        child = subprocess.Popen(
            [sys.executable, "-m", "tests.fuzz.child", target, str(seed), str(start),
             str(count - start), str(work)],
            stdout=subprocess.PIPE,
            stderr=stderr,
            env=env,
            cwd=ROOT,
        )  # fmt: skip
        try:
            return _follow(child, start, count, report, work / f"stderr-{start}.txt")
        finally:
            if child.poll() is None:
                child.kill()
            child.wait(timeout=60)
            assert child.stdout is not None
            child.stdout.close()


def _follow(
    child: subprocess.Popen[bytes], start: int, count: int, report: Report, stderr: Path
) -> int:
    """Read the child's events until it is done or must be replaced; the next input."""
    lines = _lines(child)
    next(lines)  # started: it waits for its first timeout
    state = _State(report, following=start)
    while True:
        wait = HANG_SECONDS if state.current is not None else START_SECONDS
        line = lines.send(wait)
        if line is None:  # timed out
            if state.current is None:
                raise AssertionError(f"the fuzz child stopped answering: {_tail(stderr)}")
            return state.lost("hang", f"no answer in {wait:.0f} s")
        if line == b"":  # the child ended
            if state.current is not None:
                code = child.wait(timeout=60)
                return state.lost("crash", f"the child died (exit {code}): {_tail(stderr)}")
            if state.following >= count:
                return count
            raise AssertionError(
                f"the fuzz child ended at input {state.following}: {_tail(stderr)}"
            )
        if (going_on := state.event(json.loads(line))) is not None:
            return going_on


@dataclass
class _State:
    """What one child has said so far."""

    report: Report
    following: int  # the next input the child owes an answer for
    current: int | None = None  # the input running now

    def lost(self, kind: str, detail: str) -> int:
        """The running input hung or killed the child: recorded; go on after it."""
        assert self.current is not None
        self.report.findings.append(Finding(kind, self.current, detail))
        self.report.inputs += 1
        return self.current + 1

    def event(self, event: dict[str, Any]) -> int | None:
        """Take one event; an index to go on from in a new child, or None to keep going."""
        report = self.report
        if event["event"] == "start":
            self.current = event["i"]
            report.largest = max(report.largest, event["size"])
            return None
        if event["event"] != "done":
            self.current = None  # ready, or generating the next input
            return None
        self.current, self.following = None, event["i"] + 1
        report.inputs += 1
        report.exits[event["code"]] += 1
        if event["seconds"] > report.slowest:
            report.slowest, report.slowest_at = event["seconds"], event["i"]
        peak = event["rss_kib"] // 1024
        if peak > report.peak_mb:
            report.peak_mb, report.peak_at = peak, event["i"]
        if event["status"] != "ok":
            report.findings.append(Finding(event["status"], event["i"], event["detail"]))
        if event["seconds"] > HANG_SECONDS:
            report.findings.append(Finding("hang", event["i"], f"took {event['seconds']:.1f} s"))
        if peak > RSS_LIMIT_MB:
            report.findings.append(Finding("memory", event["i"], f"peak RSS {peak} MB"))
            return self.following  # a new child: its high-water mark starts again
        return None


def _lines(child: subprocess.Popen[bytes]):  # type: ignore[no-untyped-def]
    """A generator: send it a timeout, get the next line, None on timeout, b"" at the end."""
    assert child.stdout is not None
    fd = child.stdout.fileno()
    buffer = b""
    timeout = yield None
    while True:
        if b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            timeout = yield line
            continue
        readable, _, _ = select.select([fd], [], [], timeout)
        if not readable:
            timeout = yield None
            continue
        chunk = os.read(fd, 65536)
        if not chunk:
            timeout = yield b""
            continue
        buffer += chunk


def _tail(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[-3000:]
    except OSError:
        return "(no stderr)"
