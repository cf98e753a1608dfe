"""Read Intune's "All devices" export (report DevicesWithInventory) as check-ins.

Columns are found by name, not position (domain.md 5.3 documents the order, but a download may
carry optional columns). Only Windows rows become facts; rows of other platforms are counted
as skipped. Every fault is a Problem naming file, line and column.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from app.autopilot.fields import CHECKS, HEADER, SERIAL
from app.compliance.facts import DeviceFacts, FactSource
from app.domain import ComplianceState
from app.errors import Problem
from app.ingest.text import check_os_version, read_text
from app.timeutil import parse_timestamp

log = logging.getLogger(__name__)

MAX_EXPORT_BYTES = 64 * 1024 * 1024  # about 100,000 devices
COL_SERIAL = "Serial number"
COL_CHECK_IN = "Last check-in"
COL_NAME = "Device name"
COL_OS = "OS"
COL_OS_VERSION = "OS version"
COL_MANUFACTURER = "Manufacturer"
COL_MODEL = "Model"
COL_COMPLIANCE = "Compliance"
COL_ENCRYPTED = "Encrypted"
REQUIRED = (COL_SERIAL, COL_CHECK_IN)

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
    # Co-managed devices whose compliance Configuration Manager owns: Intune doesn't say.
    "configmanager": ComplianceState.UNKNOWN,
    "config manager": ComplianceState.UNKNOWN,
}
_YES = {"yes": True, "true": True, "no": False, "false": False}
_Fault = Callable[[str, str], None]  # (column, reason) of the current row
_COMPLIANCE_HELP = (
    "Compliant, Noncompliant, In grace period, Not evaluated, Error, Conflict, Unknown"
)


@dataclass(frozen=True)
class IntuneFile:
    """One export read whole: the Windows rows as facts, and what was wrong with the rest."""

    path: Path
    encoding: str | None
    facts: list[DeviceFacts]
    problems: list[Problem]
    skipped: int  # rows of other platforms (iOS, Android, macOS, Linux)


def read_intune_export(path: str | Path) -> IntuneFile:
    """Read one export; never raises for its content or an unreadable file."""
    reader = ExportReader(path)
    facts: list[DeviceFacts] = []
    problems: list[Problem] = []
    for item in reader.items():
        if isinstance(item, Problem):
            problems.append(item)
        elif item is not None:
            facts.append(item)
    log.debug(
        "%s: %d facts, %d problems, %d skipped", path, len(facts), len(problems), reader.skipped
    )
    return IntuneFile(Path(path), reader.encoding, facts, problems, reader.skipped)


@dataclass
class ExportReader:
    """One pass over one export. `items()` yields facts, Problems, and None for a skipped row;
    `line` and `lines` tell how far it has got."""

    path: str | Path
    encoding: str | None = None
    skipped: int = 0
    line: int = 0
    lines: int = 0
    columns: dict[str, int] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return str(self.path)

    def items(self) -> Iterator[DeviceFacts | Problem | None]:
        decoded = read_text(
            Path(self.path), MAX_EXPORT_BYTES, "an Intune export read here", ansi=True
        )
        if isinstance(decoded, Problem):
            yield decoded
            return
        self.encoding = decoded.encoding
        self.lines = decoded.text.count("\n") + 1
        rows = csv.reader(io.StringIO(decoded.text, newline=""))

        def numbered() -> Iterator[tuple[int, list[str]]]:
            for row in rows:
                start, self.line = self.line + 1, rows.line_num
                yield start, row

        try:
            yield from self._rows(numbered())
        except csv.Error as exc:
            yield Problem(self.name, rows.line_num, None, f"isn't readable CSV here: {exc}")

    def _rows(
        self, rows: Iterator[tuple[int, list[str]]]
    ) -> Iterator[DeviceFacts | Problem | None]:
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

    def _row(self, line: int, row: list[str]) -> Iterator[DeviceFacts | Problem | None]:
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
        version = self._value(row, COL_OS_VERSION) or None
        if version is not None and (reason := check_os_version(version)):
            fault(COL_OS_VERSION, reason)
        if problems:
            yield from problems
            return
        yield DeviceFacts(
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
