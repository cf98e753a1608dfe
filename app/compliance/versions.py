"""Windows and Defender version strings ("10.0.19045.5247"), compared numerically.

Text comparison gets versions wrong ("10.0.9" > "10.0.19045"), so versions compare part by
part as numbers, missing parts counting as 0. `version_key` turns a version into a fixed-width
string with the same order, so SQL can compare and index it.
"""

from __future__ import annotations

import re

_VERSION = re.compile(r"\d{1,10}(?:\.\d{1,10}){0,3}")
_PART_WIDTH = 10  # a part is at most a 32-bit number: 4294967295 has ten digits
_PARTS = 4  # major.minor.build.revision


def parse_version(text: str | None) -> tuple[int, ...] | None:
    """(major, minor, build, revision) with missing parts 0, or None if not a version."""
    if text is None:
        return None
    cleaned = text.strip()
    if not _VERSION.fullmatch(cleaned):
        return None
    parts = [int(p) for p in cleaned.split(".")]
    if any(p > 0xFFFFFFFF for p in parts):
        return None
    return tuple(parts + [0] * (_PARTS - len(parts)))


def version_key(text: str | None) -> str | None:
    """A string that sorts like the version (None when `text` is not a version)."""
    parts = parse_version(text)
    if parts is None:
        return None
    return ".".join(f"{p:0{_PART_WIDTH}d}" for p in parts)
