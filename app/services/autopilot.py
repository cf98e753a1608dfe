"""Autopilot hardware-hash import (one transaction, lineage on reimage) and Intune export."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from app import autopilot, settings
from app.domain import (
    AutopilotRecord,
    EnrollmentStatus,
    HistoryKind,
    ImportReport,
    ProvisioningMethod,
)
from app.errors import Cancelled, InputError, JoineryError, Problem
from app.memory import collector_paused
from app.security.audit_actions import AuditAction
from app.security.roles import Actor, Permission
from app.services.actors import CancelCheck, Progress
from app.store import Store
from app.store.devices import KnownDevice
from app.timeutil import now_iso

log = logging.getLogger(__name__)

_CHUNK = 500
_UTF16_ROW_BYTES = 8_400  # a row with a 4K hash (~4,100 base64 characters), in UTF-16
_BULK_MIN_ROWS = 5_000  # below this, index upkeep costs less than a rebuild can save
_UPDATABLE = ("product_id", "group_tag", "assigned_user", "manufacturer", "model")


class ImportRejected(InputError):
    """An all-or-nothing import found bad rows; nothing was written."""

    def __init__(self, report: ImportReport) -> None:
        count = report.rejected_count
        listed = f" (the first {len(report.rejected):,} are listed)" if report.more_rejected else ""
        super().__init__(
            f"{count:,} row(s) were rejected{listed}, so nothing was imported. Fix them, or "
            "import the valid rows alone with --skip-invalid.",
            [
                Problem(str(r["file"]), _int(r["line"]), _str(r["column"]), str(r["reason"]))
                for r in report.rejected
            ],
        )
        self.report = report

    def details(self) -> dict[str, object]:
        return self.report.as_json()  # its "rejected" rows name file, line, column and reason


def _int(value: object) -> int | None:
    return value if isinstance(value, int) else None


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


@dataclass
class _ImportRun:
    """State of one import while its rows stream through."""

    store: Store
    actor: str
    at: str
    skip_invalid: bool
    report: ImportReport
    next_id: int
    seen: dict[str, tuple[str, int]] = field(default_factory=dict)
    pending: list[AutopilotRecord] = field(default_factory=list)

    def reject(self, problem: Problem) -> None:
        self.report.reject(problem.as_json())

    def note(self, problem: Problem) -> None:
        """Worth a look, though nothing was refused (lines of a file read as ANSI)."""
        self.report.warnings.append(problem.as_json())

    def accept(self, record: AutopilotRecord) -> None:
        key = record.serial.casefold()
        earlier = self.seen.get(key)
        if earlier is not None:
            self.reject(
                Problem(
                    record.source,
                    record.line,
                    "Device Serial Number",
                    f"serial {record.serial} is also on line {earlier[1]} of "
                    f"{earlier[0]}; keep one of the two rows",
                )
            )
            return
        self.seen[key] = (record.source, record.line)
        self.pending.append(record)

    @property
    def writing(self) -> bool:
        # An all-or-nothing import stops writing at the first bad row, but keeps reading
        # so the operator gets every problem in one pass.
        return self.skip_invalid or not self.report.rejected

    def flush(self) -> None:
        chunk, self.pending = self.pending, []
        if chunk and self.writing:
            self._apply(chunk)

    def _apply(self, chunk: list[AutopilotRecord]) -> None:
        known = self.store.known_devices([r.serial for r in chunk])
        new_rows: list[dict[str, object]] = []
        lineage_rows: list[tuple[int, int, str, str | None, str, str]] = []
        history: list[tuple[int, str, str, int, str, dict[str, object], str | None]] = []
        updated_ids: list[int] = []
        updates: list[dict[str, object]] = []
        for record in chunk:
            existing = known.get(record.serial.casefold())
            if existing is None:
                device_id = self.next_id
                self.next_id += 1
                new_rows.append(self._new_device(device_id, record))
                lineage_rows.append(
                    (device_id, 1, record.hardware_hash, record.product_id, self.at, record.source)
                )
                history.append(
                    (
                        device_id,
                        self.at,
                        HistoryKind.IMPORTED,
                        1,
                        self.actor,
                        {},
                        f"{record.source}, line {record.line}",
                    )
                )
                self.report.imported += 1
                continue
            change, kind = _changes(existing, record)
            if kind is None:
                self.report.unchanged += 1
                continue
            lineage = existing.lineage
            if "hardware_hash" in change:
                lineage += 1
                lineage_rows.append(
                    (
                        existing.id,
                        lineage,
                        record.hardware_hash,
                        record.product_id,
                        self.at,
                        record.source,
                    )
                )
                change["hardware_hash"] = [
                    _short(existing.hardware_hash),
                    _short(record.hardware_hash),
                ]
            columns: dict[str, object] = {c: v[1] for c, v in change.items() if c in _UPDATABLE}
            columns.update(lineage=lineage, updated_at=self.at)
            updated_ids.append(existing.id)
            updates.append(columns)
            history.append(
                (
                    existing.id,
                    self.at,
                    kind,
                    lineage,
                    self.actor,
                    dict(change),
                    f"{record.source}, line {record.line}",
                )
            )
            if kind == HistoryKind.REIMAGED:
                self.report.reimaged += 1
            else:
                self.report.updated += 1
        self.store.insert_devices(new_rows)
        self.store.update_devices(updated_ids, updates)
        self.store.insert_lineage(lineage_rows)
        self.store.insert_history(history)

    def _new_device(self, device_id: int, record: AutopilotRecord) -> dict[str, object]:
        return {
            "id": device_id,
            "serial": record.serial,
            "manufacturer": record.manufacturer,
            "model": record.model,
            "product_id": record.product_id or None,
            "group_tag": record.group_tag,
            "assigned_user": record.assigned_user,
            "join_type": "entraJoined",
            "provisioning_method": ProvisioningMethod.AUTOPILOT,
            "ownership": "company",
            "management_authority": "intune",
            "enrollment_status": EnrollmentStatus.REGISTERED,
            "compliance_state": "notEvaluated",
            "lineage": 1,
            "created_at": self.at,
            "updated_at": self.at,
        }


def _short(value: str | None) -> str | None:
    """Hashes are sensitive and long: history keeps a recognisable fragment only."""
    return None if value is None else f"{value[:8]}…{value[-8:]}"


def _changes(
    existing: KnownDevice, record: AutopilotRecord
) -> tuple[dict[str, list[str | None]], HistoryKind | None]:
    change: dict[str, list[str | None]] = {}
    for column in _UPDATABLE:
        new = getattr(record, column) or None
        old = existing.fields.get(column)
        # An empty value in the file means "not given", never "erase what we know".
        if new is not None and new != old:
            change[column] = [old, new]
    if existing.hardware_hash != record.hardware_hash:
        change["hardware_hash"] = [existing.hardware_hash, record.hardware_hash]
        if existing.hardware_hash is not None:
            return change, HistoryKind.REIMAGED
    return change, (HistoryKind.UPDATED if change else None)


def import_autopilot(
    store: Store,
    paths: Sequence[str | Path],
    *,
    skip_invalid: bool = False,
    actor: Actor,
    progress: Progress | None = None,
    cancelled: CancelCheck | None = None,
) -> ImportReport:
    """Import hardware-hash CSV files in one transaction: all rows or none.

    With `skip_invalid`, the valid rows land and every rejected row is reported (the first
    REJECTED_KEPT with file, line and reason; all of them in `rejected_count`). Raises
    ImportRejected (nothing written) when rows were rejected without `skip_invalid`, and
    Cancelled when `cancelled()` turns true: the database is then as it was.
    """
    actor.require(Permission.IMPORT)
    if not paths:
        raise InputError("no files to import: name one or more Autopilot CSV files")
    sizes = [_size(Path(p)) for p in paths]
    total = sum(sizes)
    report = ImportReport(files=[str(p) for p in paths])
    with collector_paused(), store.transaction(), _index_strategy(store, total):
        run = _ImportRun(
            store, actor.audit_name, now_iso(), skip_invalid, report, store.next_device_id()
        )
        done = 0
        for path, size in zip(paths, sizes, strict=True):
            base = done

            def tick(consumed: int, base: int = base) -> None:
                if progress is not None:
                    progress(min(base + consumed, total), total)

            records = autopilot.iter_records(path, progress=tick, noted=run.note)
            for read, item in enumerate(records, 1):
                if read % _CHUNK == 0:  # a file of nothing but bad rows is cancelled too
                    _check_cancel(cancelled)
                if isinstance(item, Problem):
                    run.reject(item)
                    continue
                run.accept(item)
                if len(run.pending) >= _CHUNK:
                    run.flush()
            run.flush()
            done = base + size
            if progress is not None:
                progress(done, total)
            _check_cancel(cancelled)
        if report.rejected and not skip_invalid:
            raise ImportRejected(report)
        store.append_audit(
            actor.audit_name,
            AuditAction.AUTOPILOT_IMPORT,
            None,
            {
                "files": report.files,
                "imported": report.imported,
                "updated": report.updated,
                "reimaged": report.reimaged,
                "unchanged": report.unchanged,
                "rejected": report.rejected_count,
            },
        )
    report.committed = True
    log.info("autopilot import: %s", report.as_json() | {"rejected": report.rejected_count})
    return report


def _index_strategy(store: Store, total_bytes: int) -> AbstractContextManager[None]:
    """Build the device indexes once, after the rows, when the import is at least as large
    as the fleet it joins; else keep them up to date row by row.

    Each device row goes into some 16 indexes; for a large import into a small fleet,
    sorting each index once at the end is far cheaper. The rows are estimated from the
    files' size, as UTF-16 (the largest a row is), so UTF-8 files are underestimated:
    the cheaper path for a small import is never missed by much.
    """
    expected = total_bytes // _UTF16_ROW_BYTES
    if expected >= _BULK_MIN_ROWS and expected >= store.count_devices():
        return store.bulk_load()
    return nullcontext()


def _check_for_tenant(store: Store, records: Sequence[AutopilotRecord]) -> None:
    """Refuse an export Intune would take but the tenant could not use, naming every value.

    The file format allows any ANSI group tag and any UPN; the tenant does not. A group tag
    becomes the Entra device's `[OrderID]:` physical id that dynamic group rules match, so it is
    kept to ASCII; an assigned user must be in one of the tenant's verified domains, as at
    enrollment (docs/formats.md, "Autopilot export").
    """
    verified = settings.domains(store)
    problems: list[Problem] = []
    for r in records:
        where = f"serial {r.serial!r}"
        if r.group_tag and (bad := next((c for c in r.group_tag if not c.isascii()), None)):
            ascii_only = (
                f"the group tag contains {bad!r}: it becomes the device's [OrderID] in "
                "dynamic group rules, so keep it to ASCII letters, digits and punctuation"
            )
            problems.append(Problem(where, None, "Group Tag", ascii_only))
        if r.assigned_user and (domain := settings.domain_problem(verified, r.assigned_user)):
            problems.append(Problem(where, None, "Assigned User", domain))
    if problems:
        raise InputError(
            f"cannot export {len(problems)} value(s) for this tenant; nothing was written",
            problems=problems,
        )


def _check_cancel(cancelled: CancelCheck | None) -> None:
    if cancelled is not None and cancelled():
        raise Cancelled("import cancelled: nothing was imported")


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError as exc:
        raise InputError(f"{path}: cannot read the file ({exc.strerror}). Check the path.") from exc


#: Why an Intune export leaves a device out (the only reason: the CSV needs the hash).
NO_HASH = "no hardware hash recorded: collect it on the device, then import it"


@dataclass(frozen=True)
class ExportReport:
    files: list[str]
    devices: int
    skipped: list[str] = field(default_factory=list)  # serials left out: no hardware hash

    def as_json(self) -> dict[str, object]:
        return {
            "files": self.files,
            "devices": self.devices,
            "skipped": [{"serial": serial, "reason": NO_HASH} for serial in self.skipped],
        }


class NothingToExport(InputError):
    """No device in the export's scope has a hardware hash; names the ones without."""

    def __init__(self, message: str, skipped: list[str]) -> None:
        super().__init__(message)
        self.skipped = skipped

    def details(self) -> dict[str, object]:
        return {"skipped": [{"serial": serial, "reason": NO_HASH} for serial in self.skipped]}


def export_autopilot(
    store: Store,
    outdir: str | Path,
    *,
    group_tag: str | None = None,
    overwrite: bool = False,
    actor: Actor,
) -> ExportReport:
    """Write Intune-ready CSV files (500 devices each) for devices with a hardware hash; the
    report names the devices in scope left out for want of one.

    Hardware hashes are sensitive, so they never reach a disk unaudited: the intent is
    audited first (a locked database stops the export before a file is written), then the
    files are written, then the outcome is audited. If that last entry cannot be written,
    the files are removed again.
    """
    actor.require(Permission.EXPORT)
    with store.read_snapshot():  # the two lists from one reading of the database
        records = list(store.autopilot_records(group_tag))
        skipped = list(store.serials_without_hash(group_tag))
    if not records:
        scope = f" with group tag {group_tag!r}" if group_tag is not None else ""
        if not skipped:
            raise NothingToExport(
                f"there are no devices{scope} to export; import Autopilot CSV files first", []
            )
        raise NothingToExport(
            f"no devices{scope} have a hardware hash to export ({_named(skipped)}). Collect "
            "the hashes on the devices (Get-JoineryReport.ps1 or Get-WindowsAutopilotInfo), "
            "then import them",
            skipped,
        )
    autopilot.check_writable(records)  # a refused value stops it before anything is recorded
    _check_for_tenant(store, records)
    intent: dict[str, object] = {
        "devices": len(records),
        "group_tag": group_tag,
        "skipped": len(skipped),
    }
    with store.transaction():
        store.append_audit(
            actor.audit_name, AuditAction.AUTOPILOT_EXPORT_START, str(outdir), intent
        )
    try:
        files = autopilot.write_intune_csv(records, outdir, overwrite=overwrite)
    except BaseException as error:
        _audit_failure(store, actor, outdir, intent, error)
        raise
    try:
        with store.transaction():
            store.append_audit(
                actor.audit_name,
                AuditAction.AUTOPILOT_EXPORT,
                str(outdir),
                {**intent, "files": [f.name for f in files]},
            )
    except BaseException:
        for written in files:  # no hashes on disk without the entry that says so
            written.unlink(missing_ok=True)
        raise
    return ExportReport([str(f) for f in files], len(records), skipped)


def _audit_failure(
    store: Store, who: Actor, outdir: str | Path, intent: dict[str, object], error: BaseException
) -> None:
    """Best effort: say the export failed (the intent entry already says it was tried)."""
    try:
        with store.transaction():
            details = {**intent, "ok": False, "reason": type(error).__name__}
            store.append_audit(who.audit_name, AuditAction.AUTOPILOT_EXPORT, str(outdir), details)
    except (JoineryError, sqlite3.Error, OSError) as again:
        log.warning("could not audit the failed export: %s", type(again).__name__)


def _named(serials: list[str], shown: int = 5) -> str:
    """'1 device without one: A', '3 devices without one: A, B and C', or the first few
    and how many more."""
    count = f"{len(serials)} device{'s' if len(serials) != 1 else ''} without one"
    if len(serials) > shown:
        return f"{count}: {', '.join(serials[:shown])} and {len(serials) - shown} more"
    if len(serials) == 1:
        return f"{count}: {serials[0]}"
    return f"{count}: {', '.join(serials[:-1])} and {serials[-1]}"
