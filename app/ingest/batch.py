"""Read many check-in files at once: a USB stick of reports, or Intune exports.

All or nothing by default: one problem anywhere refuses the whole batch, listing every problem;
with `skip_invalid` the good facts come back with the problems beside them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from app.compliance.facts import DeviceFacts
from app.errors import Cancelled, InputError, Problem
from app.ingest.intune_csv import ExportReader
from app.ingest.report import read_report_file

log = logging.getLogger(__name__)

REPORT_PREFIX = "joinery-report-"
REPORT_SUFFIX = ".json"
CSV_SUFFIX = ".csv"
KIND_REPORT = "report"
KIND_INTUNE = "intuneExport"
_CHECK_EVERY = 200  # CSV rows between progress reports and cancel checks

Progress = Callable[[int, int], None]
CancelCheck = Callable[[], bool]


@dataclass(frozen=True)
class FileCount:
    """What one file gave: facts, rejected rows (a report counts as one), skipped rows."""

    path: str
    kind: str  # "report" or "intuneExport"
    facts: int
    rejected: int
    skipped: int


@dataclass
class IngestBatch:
    """Everything read: the facts, the problems, the collectors' warnings, and per-file counts."""

    facts: list[DeviceFacts] = field(default_factory=list)
    # Where each fact came from, in the same order: (file, line; None for a report).
    origins: list[tuple[str, int | None]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    files: list[FileCount] = field(default_factory=list)


def collect_paths(paths: Iterable[str | Path]) -> list[Path]:
    """The files to read, sorted: files as given, and from each folder its reports
    (joinery-report-*.json) and CSV files. Raises InputError naming every path it can't use."""
    found: set[Path] = set()
    problems: list[Problem] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            inside = [p for p in path.iterdir() if p.is_file() and _in_folder(p)]
            if not inside:
                reason = (
                    f"the folder holds no check-in reports ({REPORT_PREFIX}*{REPORT_SUFFIX}) "
                    "and no Intune export CSV files"
                )
                problems.append(Problem(str(path), None, None, reason))
            found.update(inside)
        elif not path.exists():
            problems.append(Problem(str(path), None, None, "no such file or folder"))
        elif _kind(path) is None:
            reason = (
                "unknown file type: expected a check-in report (.json) or an Intune export (.csv)"
            )
            problems.append(Problem(str(path), None, None, reason))
        else:
            found.add(path)
    if problems:
        raise InputError(f"{len(problems)} path(s) can't be read", problems)
    if not found:
        raise InputError("no files to read: name check-in reports, Intune exports or a folder")
    return sorted(found)


def _in_folder(path: Path) -> bool:
    """A folder (a USB stick, say) holds other JSON files too: take only the collector's."""
    kind = _kind(path)
    return kind == KIND_INTUNE or (
        kind == KIND_REPORT and path.name.casefold().startswith(REPORT_PREFIX)
    )


def kind_of(path: Path) -> str | None:
    """ "report", "intuneExport", or None for a file that is neither."""
    return _kind(path)


def read_reports(paths: list[Path], cancel: CancelCheck | None = None) -> IngestBatch:
    """Read check-in reports (small files, read whole); problems are listed, not raised."""
    batch = IngestBatch()
    for path in paths:
        _check(cancel)
        _read_report(batch, path)
    return batch


def _kind(path: Path) -> str | None:
    name = path.name.casefold()
    if name.endswith(REPORT_SUFFIX):
        return KIND_REPORT
    if name.endswith(CSV_SUFFIX):
        return KIND_INTUNE
    return None


def read_all(
    paths: Iterable[str | Path],
    *,
    skip_invalid: bool = False,
    progress: Progress | None = None,
    cancel: CancelCheck | None = None,
) -> IngestBatch:
    """Read every file (folders expanded by `collect_paths`).

    Raises InputError listing every problem unless `skip_invalid`, and Cancelled when
    `cancel()` turns true. `progress(done, total)` counts bytes.
    """
    files = collect_paths(paths)
    batch = IngestBatch()
    _read_files(batch, files, progress, cancel)
    if batch.problems and not skip_invalid:
        count = len({p.file for p in batch.problems})
        raise InputError(
            f"{len(batch.problems)} problem(s) in {count} file(s), so nothing was read. Fix them, "
            "or read the valid files and rows alone (skip invalid).",
            batch.problems,
        )
    log.info(
        "ingest: %d facts from %d file(s), %d problem(s)",
        len(batch.facts),
        len(files),
        len(batch.problems),
    )
    return batch


def _read_files(
    batch: IngestBatch, files: list[Path], progress: Progress | None, cancel: CancelCheck | None
) -> None:
    sizes = [_size(p) for p in files]
    total = sum(sizes)
    done = 0
    for path, size in zip(files, sizes, strict=True):
        _check(cancel)
        if _kind(path) == KIND_REPORT:
            _read_report(batch, path)
        else:

            def tick(part: float, base: int = done, size: int = size) -> None:
                if progress is not None:
                    progress(min(base + int(size * part), total), total)

            _read_export(batch, path, tick, cancel)
        done += size
        if progress is not None:
            progress(done, total)
    _check(cancel)


def _read_report(batch: IngestBatch, path: Path) -> None:
    report = read_report_file(path)
    batch.warnings.extend(report.warnings)
    batch.problems.extend(report.problems)
    if report.facts is not None:
        batch.facts.append(report.facts)
        batch.origins.append((str(path), None))
    good = report.facts is not None
    batch.files.append(FileCount(str(path), KIND_REPORT, int(good), int(not good), 0))


def _read_export(
    batch: IngestBatch, path: Path, tick: Callable[[float], None], cancel: CancelCheck | None
) -> None:
    reader = ExportReader(path)
    facts = 0
    bad_lines: set[int | None] = set()
    for count, item in enumerate(reader.items(), 1):
        if isinstance(item, Problem):
            batch.problems.append(item)
            bad_lines.add(item.line)
        elif item is not None:
            batch.facts.append(item.facts)
            batch.origins.append((str(path), item.line))
            facts += 1
        if count % _CHECK_EVERY == 0:
            _check(cancel)
            tick(reader.done)
    batch.files.append(FileCount(str(path), KIND_INTUNE, facts, len(bad_lines), reader.skipped))


def _check(cancel: CancelCheck | None) -> None:
    if cancel is not None and cancel():
        raise Cancelled("reading check-ins cancelled: nothing was read")


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # the reader reports why it can't read the file
