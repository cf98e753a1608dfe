"""Check-ins from files: collector reports and Intune exports, recorded at once.

The kiosk and `joinery ingest` both call `ingest_files`. Reports are small and read whole; an
Intune export is streamed a chunk of rows at a time into the same transaction, so memory does
not grow with its size. All or nothing: any problem (without `skip_invalid`) rolls the whole
ingest back and lists the problems by file and line.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from app import domain, ingest
from app.errors import Cancelled, InputError, Problem
from app.ingest import IntuneRow
from app.security.audit_actions import AuditAction
from app.security.roles import Actor, Permission
from app.services.actors import CancelCheck, Progress
from app.services.compliance import CheckinWriter, keep_newest
from app.services.fleet import daily_snapshot
from app.services.intune_export import IntuneWriter
from app.store import Store
from app.timeutil import iso, utcnow

#: Export rows written per statement batch (and between progress reports and cancel checks).
CHUNK = 2000


@dataclass
class IngestReport:
    files: list[dict[str, object]] = field(default_factory=list)
    read: int = 0
    recorded: int = 0
    changed: int = 0
    joins_confirmed: int = 0  # devices prepared at the bench now known to have joined
    hashes_recorded: int = 0  # devices that had no hardware hash and now have one
    created: int = 0  # devices created from Intune exports (serials not known before)
    intune_verdicts: int = 0  # devices whose Intune state an export set
    warnings: list[dict[str, object]] = field(default_factory=list)
    rejected: list[dict[str, object]] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return asdict(self)


class _Problems:
    """Problems of one ingest: the first REJECTED_KEPT kept, the rest counted (as an
    Autopilot import's report keeps its rejected rows)."""

    def __init__(self) -> None:
        self.listed: list[Problem] = []
        self.more = 0

    def add(self, problems: Iterable[Problem]) -> None:
        for problem in problems:
            if not domain.keep_first(self.listed, problem):
                self.more += 1

    def __bool__(self) -> bool:
        return bool(self.listed)

    def all(self) -> list[Problem]:
        if not self.more:
            return self.listed
        tail = Problem("", None, None, f"... and {self.more} more problem(s) not listed")
        return [*self.listed, tail]


def ingest_files(
    store: Store,
    paths: Iterable[str | Path],
    *,
    skip_invalid: bool = False,
    actor: Actor,
    progress: Progress | None = None,
    cancel: CancelCheck | None = None,
) -> IngestReport:
    """Read and record every file in one transaction; InputError names each bad row."""
    actor.require(Permission.IMPORT)
    files = ingest.collect_paths(paths)
    reports = [p for p in files if ingest.kind_of(p) == ingest.KIND_REPORT]
    exports = [p for p in files if ingest.kind_of(p) == ingest.KIND_INTUNE]
    batch = ingest.read_reports(reports, cancel)
    report = IngestReport(warnings=[_problem(p) for p in batch.warnings])
    problems = _Problems()
    problems.add(batch.problems)
    moment = utcnow()
    sizes = {p: _size(p) for p in exports}
    with store.transaction():
        checkins = CheckinWriter(store, moment, actor)
        problems.add(_record_reports(store, checkins, batch, report))
        counts = [asdict(f) for f in batch.files]
        done = 0
        for path in exports:
            writer = IntuneWriter(store, checkins, actor.audit_name, path)
            count = _stream(path, writer, problems, skip_invalid, cancel, progress, done, sizes)
            counts.append(count)
            report.created += writer.created
            report.intune_verdicts += writer.verdicts
            report.recorded += writer.recorded
            done += sizes[path]
        report.files = counts
        report.read = sum(int(str(c["facts"])) for c in counts)
        if problems and not skip_invalid:
            bad_files = len({p.file for p in problems.listed})
            raise InputError(
                f"{len(problems.listed) + problems.more} problem(s) in {bad_files} file(s), so "
                "nothing was recorded. Fix them, or record the valid files and rows alone "
                "(skip invalid).",
                problems.all(),
            )
        report.changed = checkins.changed
        report.joins_confirmed = checkins.joins_confirmed
        report.hashes_recorded = checkins.hashes_recorded
        report.rejected = [_problem(p) for p in problems.all()]
        store.append_audit(
            actor.audit_name,
            AuditAction.COMPLIANCE_CHECKINS,
            None,
            {
                "recorded": report.recorded,
                "rejected": len(problems.listed) + problems.more,
                "changed": report.changed,
                "created": report.created,
                "intune_verdicts": report.intune_verdicts,
                "joins_confirmed": report.joins_confirmed,
                "hashes_recorded": report.hashes_recorded,
            },
            at=iso(moment),
        )
    daily_snapshot(store, actor=actor)
    return report


def _record_reports(
    store: Store, checkins: CheckinWriter, batch: ingest.IngestBatch, report: IngestReport
) -> list[Problem]:
    """The reports' check-ins (a report for a serial Joinery does not know is refused)."""
    known = store.device_ids_by_serial([f.serial.strip() for f in batch.facts])
    rows: dict[int, dict[str, object]] = {}
    problems: list[Problem] = []
    for facts, (path, _line) in zip(batch.facts, batch.origins, strict=True):
        device_id = known.get(facts.serial.strip().casefold())
        reason = "no device with this serial: import or enroll it first"
        row = None
        if device_id is not None:
            row, reason = checkins.fact_row(facts, device_id)
        if row is None or device_id is None:
            problems.append(
                Problem(Path(path).name, None, None, f"serial {facts.serial}: {reason}")
            )
            continue
        keep_newest(rows, device_id, row)
    checkins.write(rows)
    report.recorded += len(batch.facts) - len(problems)
    return problems


def _stream(
    path: Path,
    writer: IntuneWriter,
    problems: _Problems,
    skip_invalid: bool,
    cancel: CancelCheck | None,
    progress: Progress | None,
    done: int,
    sizes: dict[Path, int],
) -> dict[str, object]:
    """Read one export and write it a chunk at a time; once a problem means the ingest will
    be refused, the rest is still read (to list every problem) but no longer written."""
    reader = ingest.ExportReader(path)
    total = sum(sizes.values())
    facts = 0
    bad_lines: set[int | None] = set()
    for chunk in _chunks(reader, problems, bad_lines):
        if cancel is not None and cancel():
            raise Cancelled("recording check-ins cancelled: nothing was recorded")
        facts += len(chunk)
        if skip_invalid or not problems:
            found = writer.write(chunk)
            problems.add(found)
            bad_lines.update(p.line for p in found)
        if progress is not None:
            progress(min(done + int(sizes[path] * reader.done), total), total)
    return {
        "path": str(path),
        "kind": ingest.KIND_INTUNE,
        "facts": facts,
        "rejected": len(bad_lines),
        "skipped": reader.skipped,
    }


def _chunks(
    reader: ingest.ExportReader, problems: _Problems, bad_lines: set[int | None]
) -> Iterator[list[IntuneRow]]:
    chunk: list[IntuneRow] = []
    for item in reader.items():
        if isinstance(item, Problem):
            problems.add([item])
            bad_lines.add(item.line)
        elif item is not None:
            chunk.append(item)
            if len(chunk) >= CHUNK:
                yield chunk
                chunk = []
    if chunk:
        yield chunk


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # the reader reports why it can't read the file


def _problem(problem: Problem) -> dict[str, object]:
    return problem.as_json()
