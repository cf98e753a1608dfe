"""Write hardware-hash CSVs for Intune: ANSI, no BOM, no quotes, CRLF, 500 devices a file."""

from __future__ import annotations

import logging
import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path

from app.autopilot.fields import HEADER, SERIAL, ansi_fault, value_fault
from app.domain import AutopilotRecord
from app.errors import InputError, KnownError, Problem, TargetNotEmpty, from_environment

log = logging.getLogger(__name__)

MAX_ROWS_PER_FILE = 500
"""Microsoft: "The multiple devices CSV file can have up to 500 rows of devices"."""

_UNWRITABLE = re.compile(r'[,"\x00-\x1f\x7f-\x9f]')
_OUTPUT_NAME = re.compile(r"autopilot-\d{3,}\.csv")


def format_intune_csv(records: Sequence[AutopilotRecord]) -> bytes:
    """One Intune import file: ANSI, no BOM, no quotes, CRLF, Microsoft's 5-column header."""
    if len(records) > MAX_ROWS_PER_FILE:
        raise InputError(
            f"{len(records)} devices don't fit in one file; Intune takes {MAX_ROWS_PER_FILE}"
        )
    check_writable(records)
    return _encode(records)


def write_intune_csv(
    records: Sequence[AutopilotRecord], outdir: str | Path, *, overwrite: bool = False
) -> list[Path]:
    """Write autopilot-001.csv, -002.csv, ... of up to 500 devices each; all or nothing checked."""
    if not records:
        raise InputError("no devices to export")
    check_writable(records)
    out = Path(outdir)
    old = sorted(p for p in out.iterdir() if _OUTPUT_NAME.fullmatch(p.name)) if out.is_dir() else []
    if old and not overwrite:
        names = ", ".join(p.name for p in old[:3]) + (", ..." if len(old) > 3 else "")
        raise TargetNotEmpty(
            f"{out} already holds {names} from an earlier export; pass --overwrite to "
            "replace them, or pick an empty folder"
        )
    staged: list[tuple[Path, Path]] = []  # (temporary file, final name)
    try:
        out.mkdir(parents=True, exist_ok=True)
        for leftover in out.glob(".autopilot-*.tmp"):  # from an export killed mid-write
            leftover.unlink(missing_ok=True)
        # Every file is written and synced under a temporary name first: a full disk or a
        # failure half way leaves the folder as it was, not a partial export.
        for start in range(0, len(records), MAX_ROWS_PER_FILE):
            path = out / f"autopilot-{len(staged) + 1:03d}.csv"
            staged.append((_stage(out, _encode(records[start : start + MAX_ROWS_PER_FILE])), path))
        for temporary, path in staged:
            os.replace(temporary, path)
        paths = [path for _, path in staged]
        for stale in sorted(set(old) - set(paths)):
            stale.unlink(missing_ok=True)
    except OSError as exc:
        for temporary, _path in staged:
            temporary.unlink(missing_ok=True)
        raise (
            from_environment(exc) or KnownError(f"cannot write to {out}: {exc.strerror or exc}")
        ) from exc
    log.info("wrote %d devices to %d files in %s", len(records), len(paths), out)
    return paths


def check_writable(records: Sequence[AutopilotRecord]) -> None:
    """Raise InputError naming every value Intune would reject, before anything is written."""
    problems: list[Problem] = []
    seen: set[str] = set()
    for record in records:
        where = f"serial {record.serial!r}"
        for column, value in zip(HEADER, _intune_values(record), strict=True):
            if reason := _unwritable(value) or value_fault(column, value):
                problems.append(Problem(where, None, column, reason))
        if record.serial.upper() in seen:
            reason = "this serial appears more than once; Intune rejects duplicates"
            problems.append(Problem(where, None, SERIAL, reason))
        seen.add(record.serial.upper())
    if problems:
        raise InputError(f"cannot write {len(problems)} values for Intune", problems=problems)


def _unwritable(value: str) -> str | None:
    if bad := _UNWRITABLE.search(value):
        char = bad.group()
        names = {",": "a comma", '"': "a double quote", "\r": "a line break", "\n": "a line break"}
        what = names.get(char, f"the control character U+{ord(char):04X}")
        return f"the value contains {what}, which an Intune CSV can't hold (no quotes allowed)"
    return ansi_fault("the value", value)


def _intune_values(r: AutopilotRecord) -> tuple[str, str, str, str, str]:
    return (r.serial, r.product_id, r.hardware_hash, r.group_tag or "", r.assigned_user or "")


def _encode(records: Sequence[AutopilotRecord]) -> bytes:
    lines = [",".join(HEADER), *(",".join(_intune_values(r)) for r in records)]
    return "".join(line + "\r\n" for line in lines).encode("cp1252")


def _stage(folder: Path, data: bytes) -> Path:
    """`data` in a synced temporary file in `folder` (removed again if writing fails)."""
    fd, name = tempfile.mkstemp(dir=folder, prefix=".autopilot-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)
