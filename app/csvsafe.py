"""CSV for people: opens in Excel as UTF-8 and never runs a cell as a formula.

OWASP ASVS 5.0 V1.2.10: a cell starting with = + - @ tab, CR or NUL is prefixed with a single
quote; quoting alone does not stop a spreadsheet from evaluating it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

from app.fileutil import atomic_write

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")


def neutralize(value: object) -> str:
    text = "" if value is None else str(value)
    stripped = text.lstrip(" \"'")
    if text.startswith(TRIGGERS) or stripped.startswith(TRIGGERS):
        return "'" + text
    return text


def write(path: str | Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """Write atomically, UTF-8 with a BOM (so Excel reads it), every cell neutralized."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with atomic_write(target, encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
        writer.writerow([neutralize(h) for h in header])
        for row in rows:
            writer.writerow([neutralize(cell) for cell in row])
            count += 1
    return count


def dumps(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralize(h) for h in header])
    writer.writerows([neutralize(c) for c in row] for row in rows)
    return buffer.getvalue()
