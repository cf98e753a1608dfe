"""What the check-in readers share: a file's bytes to text, timestamps and version strings.

Each helper returns a value or the reason it can't: the callers turn reasons into Problems that
name the file, line and field.
"""

from __future__ import annotations

import codecs
import io
import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import BinaryIO, TextIO

from app.errors import Problem

_BOMS = (
    (codecs.BOM_UTF8, "utf-8", "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16-be"),
)
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_OS_VERSION = re.compile(r"\d{1,5}(?:\.\d{1,9}){1,3}")


@dataclass(frozen=True)
class Text:
    """A decoded file: its text and the encoding it was read with."""

    text: str
    encoding: str  # utf-8, utf-8-sig, utf-16-le, utf-16-be or cp1252


def read_text(path: Path, limit: int, what: str, *, ansi: bool) -> Text | Problem:
    """The file as text (UTF-8 or UTF-16 with a BOM, UTF-8 without, cp1252 if `ansi`).

    Never raises for the file's content or an unreadable file: either becomes a Problem.
    """
    name = str(path)
    try:
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            data = handle.read(limit + 1)
    except OSError as exc:
        reason = f"cannot read the file ({exc.strerror or exc}); check the path and permissions"
        return Problem(name, None, None, reason)
    if max(size, len(data)) > limit:
        reason = (
            f"the file is {max(size, len(data)):,} bytes; {what} is at most {limit:,} bytes, "
            "so this is not the right file"
        )
        return Problem(name, None, None, reason)
    return decode(data, name, ansi=ansi)


def decode(data: bytes, name: str, *, ansi: bool) -> Text | Problem:
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            return _decode(data[len(bom) :], codec, label, name)
    if (nul := data.find(b"\0")) >= 0:
        reason = (
            "contains NUL bytes: binary data, or UTF-16 without a byte-order mark; "
            "save it again as UTF-8"
        )
        return Problem(name, data.count(b"\n", 0, nul) + 1, None, reason)
    decoded = _decode(data, "utf-8", "utf-8", name)
    if isinstance(decoded, Problem) and ansi:
        return _decode(data, "cp1252", "cp1252", name)
    return decoded


def _decode(data: bytes, codec: str, label: str, name: str) -> Text | Problem:
    try:
        return Text(data.decode(codec), label)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].decode(codec, "replace").count("\n") + 1
        byte = data[exc.start]
        reason = f"byte 0x{byte:02X} isn't valid {label} text; write the file again"
        return Problem(name, line, None, reason)


SCAN_CHUNK = 256 * 1024


@dataclass
class TextStream:
    """A file opened for reading as text, a piece at a time; `raw.tell()` tells progress."""

    text: TextIO
    raw: BinaryIO
    encoding: str
    size: int

    def close(self) -> None:
        self.text.close()


def open_text(path: Path, limit: int, what: str, *, ansi: bool) -> TextStream | Problem:
    """The file as a text stream, its encoding found as `read_text` finds it, without
    reading it whole: one pass checks it decodes (naming the line of a bad byte), then the
    stream decodes it again as it is read. Memory does not grow with the file's size."""
    name = str(path)
    try:
        raw: BinaryIO = path.open("rb")
    except OSError as exc:
        reason = f"cannot read the file ({exc.strerror or exc}); check the path and permissions"
        return Problem(name, None, None, reason)
    try:
        size = os.fstat(raw.fileno()).st_size
        if size > limit:
            reason = (
                f"the file is {size:,} bytes; {what} is at most {limit:,} bytes, so this is "
                "not the right file"
            )
            raise _Refused(Problem(name, None, None, reason))
        codec, label, skip = _encoding(raw, name, ansi=ansi)
        raw.seek(skip)
        text = io.TextIOWrapper(raw, encoding=codec, newline="")
    except _Refused as refused:
        raw.close()
        return refused.problem
    except OSError as exc:
        raw.close()
        return Problem(name, None, None, f"cannot read the file ({exc.strerror or exc})")
    return TextStream(text, raw, label, size)


class _Refused(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.reason)
        self.problem = problem


def _encoding(raw: BinaryIO, name: str, *, ansi: bool) -> tuple[str, str, int]:
    """(codec, label, bytes to skip) for the file, or _Refused with the reason."""
    head = raw.read(4)
    for bom, codec, label in _BOMS:
        if head.startswith(bom):
            problem = _scan(raw, len(bom), codec, label, name, nul=False)
            if problem is not None:
                raise _Refused(problem)
            return codec.removesuffix("-sig"), label, len(bom)
    problem = _scan(raw, 0, "utf-8", "utf-8", name, nul=True)
    if problem is None:
        return "utf-8", "utf-8", 0
    if ansi and "NUL" not in problem.reason:
        fallback = _scan(raw, 0, "cp1252", "cp1252", name, nul=False)
        if fallback is None:
            return "cp1252", "cp1252", 0
        raise _Refused(fallback)
    raise _Refused(problem)


def _scan(
    raw: BinaryIO, start: int, codec: str, label: str, name: str, *, nul: bool
) -> Problem | None:
    """Decode the file once, a chunk at a time; the first fault as a Problem with its line."""
    raw.seek(start)
    decoder = codecs.getincrementaldecoder(codec)("strict")
    lines = 1
    while True:
        chunk = raw.read(SCAN_CHUNK)
        if nul and (at := chunk.find(b"\0")) >= 0:
            reason = (
                "contains NUL bytes: binary data, or UTF-16 without a byte-order mark; "
                "save it again as UTF-8"
            )
            return Problem(name, lines + chunk.count(b"\n", 0, at), None, reason)
        try:
            text = decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            good = codecs.getincrementaldecoder(codec)("replace").decode(exc.object[: exc.start])
            byte = exc.object[exc.start]
            reason = f"byte 0x{byte:02X} isn't valid {label} text; write the file again"
            return Problem(name, lines + good.count("\n"), None, reason)
        lines += text.count("\n")
        if not chunk:
            return None


def check_date(value: str) -> str | None:
    """Why `value` isn't an ISO date (YYYY-MM-DD), or None."""
    match = _DATE.fullmatch(value)
    if match is None:
        return f"{value!r} isn't a date written as YYYY-MM-DD"
    try:
        date(*(int(g) for g in match.groups()))
    except ValueError:
        return f"{value!r} isn't a real date"
    return None


def check_os_version(value: str) -> str | None:
    """Why `value` isn't a Windows version such as 10.0.26100.2314, or None."""
    if _OS_VERSION.fullmatch(value):
        return None
    return f"{value!r} isn't a Windows version such as 10.0.26100.2314 (major.minor.build.revision)"
