"""Read Intune's "All devices" export (report DevicesWithInventory) as check-ins.

Columns are found by name, not position (domain.md 5.3 documents the order, but a download may
carry optional columns). Only Windows rows become facts; rows of other platforms are counted
as skipped. Every fault is a Problem naming file, line and column.

The file is streamed: `ExportReader.items()` yields one row at a time, so memory does not grow
with the export (a tenant's export can be hundreds of megabytes). Besides the facts, a row
carries what Intune knows about the device (its user, edition, join type) and Intune's own
verdict: the `Compliance` column and `Compliance grace period expiration`.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from app.autopilot.fields import CHECKS, HEADER, SERIAL
from app.compliance.facts import DeviceFacts, FactSource
from app.domain import ComplianceState, JoinType
from app.errors import Problem
from app.ingest.text import check_os_version, open_text
from app.timeutil import parse_timestamp

log = logging.getLogger(__name__)

MAX_EXPORT_BYTES = 16 * 1024**3  # a sanity bound only: the file is streamed
COL_SERIAL = "Serial number"
COL_CHECK_IN = "Last check-in"
COL_NAME = "Device name"
COL_OS = "OS"
COL_OS_VERSION = "OS version"
COL_MANUFACTURER = "Manufacturer"
COL_MODEL = "Model"
COL_COMPLIANCE = "Compliance"
COL_ENCRYPTED = "Encrypted"
COL_GRACE = "Compliance grace period expiration"
COL_USER = "Primary user UPN"
COL_SKU = "SkuFamily"
COL_JOIN = "JoinType"
REQUIRED = (COL_SERIAL, COL_CHECK_IN)
#: Intune writes this for "no grace period" (as Graph's complianceGracePeriodExpirationDateTime).
NO_GRACE_YEAR = "9999"
JOIN_TEXT = {
    "azure ad joined": JoinType.ENTRA_JOINED,
    "microsoft entra joined": JoinType.ENTRA_JOINED,
    "hybrid azure ad joined": JoinType.HYBRID_JOINED,
    "microsoft entra hybrid joined": JoinType.HYBRID_JOINED,
    "azure ad registered": JoinType.ENTRA_REGISTERED,
    "microsoft entra registered": JoinType.ENTRA_REGISTERED,
}

COMPLIANCE_TEXT = {
    "compliant": ComplianceState.COMPLIANT,
    "noncompliant": ComplianceState.NONCOMPLIANT,
    "not compliant": ComplianceState.NONCOMPLIANT,
    "non-compliant": ComplianceState.NONCOMPLIANT,
    "in grace period": ComplianceState.IN_GRACE_PERIOD,
    "ingraceperiod": ComplianceState.IN_GRACE_PERIOD,
    "not evaluated": ComplianceState.NOT_EVALUATED,
    "notevaluated": ComplianceState.NOT_EVALUATED,
    "error": ComplianceState.ERROR,
    "conflict": ComplianceState.CONFLICT,
    "unknown": ComplianceState.UNKNOWN,
    # Co-managed devices whose compliance Configuration Manager owns (Graph's configManager).
    "configmanager": ComplianceState.CONFIG_MANAGER,
    "config manager": ComplianceState.CONFIG_MANAGER,
}
_YES = {"yes": True, "true": True, "no": False, "false": False}
_Fault = Callable[[str, str], None]  # (column, reason) of the current row
_COMPLIANCE_HELP = (
    "Compliant, Noncompliant, In grace period, Not evaluated, Error, Conflict, ConfigManager, "
    "Unknown"
)


@dataclass(frozen=True)
class IntuneRow:
    """One Windows row: the check-in facts, what Intune knows about the device, and Intune's
    own verdict (facts.reported_compliance; grace_until None when Intune gave no grace)."""

    line: int
    facts: DeviceFacts
    user: str | None
    edition: str | None
    join_type: str | None
    grace_until: str | None


@dataclass(frozen=True)
class IntuneFile:
    """One export read whole: the Windows rows as facts, and what was wrong with the rest."""

    path: Path
    encoding: str | None
    facts: list[DeviceFacts]
    problems: list[Problem]
    skipped: int  # rows of other platforms (iOS, Android, macOS, Linux)
    rows: list[IntuneRow] = field(default_factory=list)


def read_intune_export(path: str | Path) -> IntuneFile:
    """Read one export whole (small files, tests); never raises for its content or an
    unreadable file. The ingest service streams instead (ExportReader)."""
    reader = ExportReader(path)
    rows: list[IntuneRow] = []
    problems: list[Problem] = []
    for item in reader.items():
        if isinstance(item, Problem):
            problems.append(item)
        elif item is not None:
            rows.append(item)
    facts = [row.facts for row in rows]
    log.debug(
        "%s: %d facts, %d problems, %d skipped", path, len(facts), len(problems), reader.skipped
    )
    return IntuneFile(Path(path), reader.encoding, facts, problems, reader.skipped, rows)


@dataclass
class ExportReader:
    """One pass over one export, streamed. `items()` yields IntuneRows, Problems, and None
    for a skipped row; `line` is how far it has got, `done` the share of bytes read (0-1)."""

    path: str | Path
    encoding: str | None = None
    skipped: int = 0
    line: int = 0
    done: float = 0.0
    columns: dict[str, int] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return str(self.path)

    def items(self) -> Iterator[IntuneRow | Problem | None]:
        stream = open_text(
            Path(self.path), MAX_EXPORT_BYTES, "an Intune export read here", ansi=True
        )
        if isinstance(stream, Problem):
            yield stream
            return
        self.encoding = stream.encoding
        rows = csv.reader(stream.text)

        def numbered() -> Iterator[tuple[int, list[str]]]:
            for row in rows:
                start, self.line = self.line + 1, rows.line_num
                if stream.size:
                    self.done = min(stream.raw.tell() / stream.size, 1.0)
                yield start, row

        try:
            yield from self._rows(numbered())
        except csv.Error as exc:
            yield Problem(self.name, rows.line_num, None, f"isn't readable CSV here: {exc}")
        finally:
            stream.close()

    def _rows(self, rows: Iterator[tuple[int, list[str]]]) -> Iterator[IntuneRow | Problem | None]:
        header: list[str] | None = None
        for start, row in rows:
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = row
                faults = self._header(start, row)
                if faults:
                    yield from faults
                    return
                continue
            if len(row) != len(header):
                reason = f"found {len(row)} values, expected {len(header)} (one per header column)"
                yield Problem(self.name, start, None, reason)
                continue
            yield from self._row(start, row)
        if header is None:
            yield Problem(
                self.name, None, None, "empty file: expected an Intune 'All devices' export"
            )

    def _header(self, line: int, names: list[str]) -> list[Problem]:
        problems: list[Problem] = []
        for index, raw in enumerate(names):
            name = raw.strip().lstrip("\ufeff").strip()
            key = name.casefold()
            if key in self.columns:
                problems.append(Problem(self.name, line, name, "this column appears twice"))
            self.columns[key] = index
        if names and names[0].strip() == HEADER[0]:
            reason = (
                "this is an Autopilot hardware-hash CSV, not an Intune export; import it as one"
            )
            return [Problem(self.name, line, None, reason)]
        for column in REQUIRED:
            if column.casefold() not in self.columns:
                reason = (
                    f"the column {column!r} is missing: this isn't an Intune 'All devices' "
                    "export (DevicesWithInventory), or its headers are in another language"
                )
                problems.append(Problem(self.name, line, column, reason))
        return problems

    def _value(self, row: list[str], column: str) -> str:
        index = self.columns.get(column.casefold())
        return "" if index is None else row[index].strip()

    def _row(self, line: int, row: list[str]) -> Iterator[IntuneRow | Problem | None]:
        platform = self._value(row, COL_OS)
        if platform and not platform.casefold().startswith("windows"):
            self.skipped += 1
            yield None
            return
        problems: list[Problem] = []

        def fault(column: str, reason: str) -> None:
            problems.append(Problem(self.name, line, column, reason))

        serial = self._value(row, COL_SERIAL)
        if reason := CHECKS[SERIAL](serial):
            fault(COL_SERIAL, reason)
        reported_at, reason = parse_timestamp(self._value(row, COL_CHECK_IN), naive_is_utc=True)
        if reason:
            fault(COL_CHECK_IN, reason)
        compliance = self._compliance(row, fault)
        encrypted = self._encrypted(row, fault)
        grace = self._grace(row, fault)
        version = self._value(row, COL_OS_VERSION) or None
        if version is not None and (reason := check_os_version(version)):
            fault(COL_OS_VERSION, reason)
        if problems:
            yield from problems
            return
        sku = self._value(row, COL_SKU)
        facts = DeviceFacts(
            serial=serial,
            reported_at=reported_at or "",
            source=FactSource.INTUNE_EXPORT,
            device_name=self._value(row, COL_NAME) or None,
            manufacturer=self._value(row, COL_MANUFACTURER) or None,
            model=self._value(row, COL_MODEL) or None,
            os_version=version,
            # The export's only encryption signal is managedDevice.isEncrypted (docs).
            bitlocker_enabled=encrypted,
            storage_encrypted=encrypted,
            reported_compliance=compliance,
        )
        join = JOIN_TEXT.get(" ".join(self._value(row, COL_JOIN).casefold().split()))
        yield IntuneRow(
            line,
            facts,
            self._value(row, COL_USER) or None,
            f"Windows {sku}" if sku else None,  # SkuFamily: "Enterprise", "Professional"
            join.value if join else None,
            grace if compliance == ComplianceState.IN_GRACE_PERIOD else None,
        )

    def _grace(self, row: list[str], fault: _Fault) -> str | None:
        text = self._value(row, COL_GRACE)
        if not text or text.startswith(NO_GRACE_YEAR):
            return None
        until, reason = parse_timestamp(text, naive_is_utc=True)
        if reason:
            fault(COL_GRACE, reason)
        return until

    def _compliance(self, row: list[str], fault: _Fault) -> str | None:
        text = self._value(row, COL_COMPLIANCE)
        if not text:
            return None
        state = COMPLIANCE_TEXT.get(" ".join(text.casefold().split()))
        if state is None:
            fault(COL_COMPLIANCE, f"{text!r} isn't a compliance state; expected {_COMPLIANCE_HELP}")
            return None
        return state.value

    def _encrypted(self, row: list[str], fault: _Fault) -> bool | None:
        text = self._value(row, COL_ENCRYPTED)
        if not text:
            return None
        value = _YES.get(text.casefold())
        if value is None:
            fault(COL_ENCRYPTED, f"{text!r} isn't Yes, No, True or False")
        return value
