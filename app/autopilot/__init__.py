"""Autopilot hardware-hash CSVs: read what Get-WindowsAutopilotInfo writes, write what Intune takes.

Facts and sources: docs/formats.md and the shared reference (domain.md section 2).
"""

from __future__ import annotations

from app.autopilot.fields import (
    HEADER,
    MAX_GROUP_TAG,
    MAX_HASH_BYTES,
    MAX_SERIAL,
    MAX_UPN,
    MIN_HASH_BYTES,
    PARTNER_HEADER,
)
from app.autopilot.reader import (
    MAX_FILE_BYTES,
    MAX_LINE_CHARS,
    AutopilotFile,
    iter_records,
    read_csv,
)
from app.autopilot.writer import (
    MAX_ROWS_PER_FILE,
    check_writable,
    format_intune_csv,
    write_intune_csv,
)

__all__ = [
    "HEADER",
    "MAX_FILE_BYTES",
    "MAX_GROUP_TAG",
    "MAX_HASH_BYTES",
    "MAX_LINE_CHARS",
    "MAX_ROWS_PER_FILE",
    "MAX_SERIAL",
    "MAX_UPN",
    "MIN_HASH_BYTES",
    "PARTNER_HEADER",
    "AutopilotFile",
    "check_writable",
    "format_intune_csv",
    "iter_records",
    "read_csv",
    "write_intune_csv",
]
