"""Check-ins from files: collector reports and Intune exports, read then recorded at once.

The kiosk and `joinery ingest` both call `ingest_files`: every file is read and checked first
(app.ingest), then every check-in is recorded and re-evaluated in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from app import ingest
from app.errors import InputError, Problem
from app.security.roles import Actor, Permission
from app.services.actors import CancelCheck, Progress, local_admin
from app.services.compliance import CheckinReport, CheckinsRejected, record_checkins
from app.services.fleet import daily_snapshot
from app.store import Store


@dataclass
class IngestReport:
    files: list[dict[str, object]] = field(default_factory=list)
    read: int = 0
    recorded: int = 0
    changed: int = 0
    joins_confirmed: int = 0
    hashes_recorded: int = 0
    warnings: list[dict[str, object]] = field(default_factory=list)
    rejected: list[dict[str, object]] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return asdict(self)


def ingest_files(
    store: Store,
    paths: Iterable[str | Path],
    *,
    skip_invalid: bool = False,
    actor: Actor | None = None,
    progress: Progress | None = None,
    cancel: CancelCheck | None = None,
) -> IngestReport:
    """Read every file, then record all check-ins at once; InputError names each bad row."""
    who = actor or local_admin()
    who.require(Permission.IMPORT)
    batch = ingest.read_all(paths, skip_invalid=skip_invalid, progress=progress, cancel=cancel)
    report = IngestReport(
        files=[asdict(f) for f in batch.files],
        read=len(batch.facts),
        warnings=[_problem(p) for p in batch.warnings],
        rejected=[_problem(p) for p in batch.problems],
    )
    try:
        recorded: CheckinReport = record_checkins(
            store, batch.facts, actor=who, skip_unknown=skip_invalid
        )
    except CheckinsRejected as error:
        raise InputError(error.args[0], _in_files(error.problems, batch)) from None
    daily_snapshot(store, actor=who)
    report.recorded = recorded.recorded
    report.changed = recorded.changed
    report.joins_confirmed = recorded.joins_confirmed
    report.hashes_recorded = recorded.hashes_recorded
    report.rejected += [
        _problem(p)
        for p in _in_files(
            [
                Problem("", int(str(r["row"])), str(r["serial"]), str(r["reason"]))
                for r in recorded.rejected
            ],
            batch,
        )
    ]
    return report


def _in_files(problems: list[Problem], batch: ingest.IngestBatch) -> list[Problem]:
    """Name the file and line each refused check-in came from (rows count across the batch)."""
    named = []
    for problem in problems:
        row = (problem.line or 0) - 1
        path, line = batch.origins[row] if 0 <= row < len(batch.origins) else ("", None)
        reason = f"serial {problem.column}: {problem.reason}"
        named.append(Problem(Path(path).name if path else "check-ins", line, None, reason))
    return named


def _problem(problem: Problem) -> dict[str, object]:
    return {
        "file": problem.file,
        "line": problem.line,
        "column": problem.column,
        "reason": problem.reason,
    }
