"""Read hardware-hash CSVs as Get-WindowsAutopilotInfo writes them, streaming.

Reading never raises for bad content: every fault is a `Problem` naming file, line and
column; only an unreadable file raises `InputError`.
"""

from __future__ import annotations

import codecs
import io
import logging
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from app.autopilot.fields import (
    GROUP_TAG,
    HASH,
    HEADER,
    MANUFACTURER,
    MODEL,
    PARTNER_HEADER,
    PRODUCT_ID,
    SERIAL,
    USER,
    value_fault,
)
from app.domain import AutopilotRecord
from app.errors import InputError, Problem

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 512 * 1024 * 1024
MAX_LINE_CHARS = 64 * 1024  # the longest valid row is about 22,700 characters
_PROGRESS_EVERY = 200  # lines
_SCAN_CHUNK = 1024 * 1024
_TEXT_CHUNK = 64 * 1024
_NOTE_LINES = 10  # line numbers a note lists before it only counts the rest
MIXED = "utf-8+cp1252"

_BOMS = (
    (codecs.BOM_UTF8, "utf-8", "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16-be"),
)
_LAYOUTS = {HEADER[:3]: "3-column", HEADER[:4]: "4-column", HEADER: "5-column"}
_EMPTY = "empty file: expected the header " + ",".join(HEADER[:3])
_NUL = (
    "contains NUL bytes: binary data, or UTF-16 without a byte-order mark; "
    "save it again as UTF-8 or ANSI"
)
_QUOTES = "quotation marks aren't allowed inside a value; remove them"
_ESCAPE = "joinery.autopilot.escape"
_ESCAPED = re.compile("[\udc00-\udcff]")


def _escape_bytes(exc: UnicodeError) -> tuple[str, int]:
    # Undecodable bytes become lone surrogates U+DC00+byte, which no decoder produces by itself,
    # so the line can name the exact byte and the rest of the file still reads.
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return "".join(chr(0xDC00 + b) for b in exc.object[exc.start : exc.end]), exc.end


codecs.register_error(_ESCAPE, _escape_bytes)


@dataclass(frozen=True)
class AutopilotFile:
    """Everything read from one CSV: the good rows, and what was wrong with the rest."""

    path: Path
    encoding: str | None  # utf-16-le, utf-16-be, utf-8-sig, utf-8, cp1252 or MIXED
    layout: str | None  # 3-column, 4-column, 5-column or partner; None if the header is bad
    records: list[AutopilotRecord]
    problems: list[Problem]
    # Worth a look, though nothing was refused: the lines of a MIXED file read as ANSI.
    notes: tuple[Problem, ...] = ()


def iter_records(
    path: str | Path,
    *,
    progress: Callable[[int], None] | None = None,
    noted: Callable[[Problem], None] | None = None,
) -> Iterator[AutopilotRecord | Problem]:
    """Stream one file: a record per valid row, a Problem per fault in its content.

    `progress(bytes_read)` is called every few hundred lines; an unreadable file raises InputError.
    A note is not a fault, so it is not in the stream: `noted(problem)` hears it, once the
    file is read (the lines of a MIXED file read as ANSI), and it is logged.
    """
    return _Reader(path, progress, noted).items()


def read_csv(path: str | Path) -> AutopilotFile:
    """Read one file whole; raises InputError only if it can't be opened or read."""
    notes: list[Problem] = []
    reader = _Reader(path, None, notes.append)
    records: list[AutopilotRecord] = []
    problems: list[Problem] = []
    for item in reader.items():
        if isinstance(item, Problem):
            problems.append(item)
        else:
            records.append(item)
    log.debug("%s: %d records, %d problems", path, len(records), len(problems))
    return AutopilotFile(
        Path(path), reader.encoding, reader.layout, records, problems, tuple(notes)
    )


class _Reader:
    """One pass over one file; remembers its encoding and layout for `read_csv`."""

    def __init__(
        self,
        path: str | Path,
        progress: Callable[[int], None] | None,
        noted: Callable[[Problem], None] | None,
    ) -> None:
        self.path = Path(path)
        self.name = str(path)
        self.progress = progress
        self.noted = noted
        self.encoding: str | None = None
        self.layout: str | None = None
        self._by_line: _LineByLine | None = None

    def items(self) -> Iterator[AutopilotRecord | Problem]:
        try:
            with self.path.open("rb") as binary:
                yield from self._read(binary)
        except OSError as exc:
            raise InputError(
                f"cannot read {self.name}: {exc.strerror or exc}; "
                "check the path and that the file is readable"
            ) from exc

    def _read(self, binary: io.BufferedReader) -> Iterator[AutopilotRecord | Problem]:
        size = os.fstat(binary.fileno()).st_size
        if size > MAX_FILE_BYTES:
            reason = (
                f"the file is {size:,} bytes; 500 devices take about 2 MB and nothing over "
                f"{MAX_FILE_BYTES:,} bytes is read: check that this is the right file"
            )
            yield Problem(self.name, None, None, reason)
            return
        codec, self.encoding, nul_line = _sniff(binary)
        if nul_line is not None:
            yield Problem(self.name, nul_line, None, _NUL)
            return
        if codec == "cp1252":
            # Not UTF-8 as a whole: each line chooses its own encoding (_LineByLine). latin-1
            # keeps every byte as one character, so lines split and measure as in cp1252.
            self._by_line, codec = _LineByLine(), "latin-1"
        with io.TextIOWrapper(binary, encoding=codec, errors=_ESCAPE, newline="") as text:
            # Decoded 64 KiB at a time rather than 8 KiB: a row is ~8 KB in UTF-16, and
            # readline() then costs half as much.
            text._CHUNK_SIZE = _TEXT_CHUNK  # type: ignore[attr-defined]
            yield from self._parse(text, binary)

    def _parse(
        self, text: io.TextIOWrapper, binary: io.BufferedReader
    ) -> Iterator[AutopilotRecord | Problem]:
        columns: tuple[str, ...] | None = None
        seen: dict[str, int] = {}
        for item in self._lines(text, binary):
            if isinstance(item, Problem):
                yield item
                if columns is None:
                    return  # no header, no rows: a fault there stops the file
                continue
            lineno, line = item
            if columns is not None:
                yield from self._row(lineno, line, columns, seen)
                continue
            names = line.split(",")
            columns = _expected_columns(names)
            fault = _header_fault(names, columns)
            if fault:
                yield Problem(self.name, lineno, *fault)
                return
            self.layout = _LAYOUTS.get(columns, "partner")
        if columns is None:
            yield Problem(self.name, None, None, _EMPTY)

    def _lines(
        self, text: io.TextIOWrapper, binary: io.BufferedReader
    ) -> Iterator[tuple[int, str] | Problem]:
        """Non-blank lines with their numbers, or a Problem for a line that can't be read."""
        lineno = 0
        while line := text.readline(MAX_LINE_CHARS):
            lineno += 1
            if self.progress and lineno % _PROGRESS_EVERY == 0:
                self.progress(binary.tell())
            if len(line) == MAX_LINE_CHARS and line[-1] not in "\r\n":
                while (rest := text.readline(MAX_LINE_CHARS)) and rest[-1] not in "\r\n":
                    pass
                reason = f"the line is longer than {MAX_LINE_CHARS:,} characters: not a device row"
                yield Problem(self.name, lineno, None, reason)
                continue
            line = line.rstrip("\r\n")
            if self._by_line is not None and not line.isascii():
                line = self._by_line.decode(lineno, line)
            if not line.isascii() and (bad := _ESCAPED.search(line)):
                yield Problem(self.name, lineno, None, self._undecodable(ord(bad.group()) - 0xDC00))
            elif line.strip():
                yield lineno, line
        if self.progress:
            self.progress(binary.tell())
        if self._by_line is not None:
            self._settle(self._by_line)

    def _settle(self, by_line: _LineByLine) -> None:
        """Name the encoding found line by line; note a MIXED file's ANSI lines."""
        self.encoding = by_line.encoding()
        if self.encoding == MIXED:
            note = Problem(self.name, None, None, by_line.note())
            log.warning("%s", note)
            if self.noted is not None:
                self.noted(note)

    def _undecodable(self, byte: int) -> str:
        if self._by_line is not None:  # only an ANSI line can hold a byte that isn't text
            return f"byte 0x{byte:02X} isn't ANSI (Windows-1252) text; remove it or save as UTF-8"
        return f"byte 0x{byte:02X} isn't valid {self.encoding} text; export the file again"

    def _row(
        self, lineno: int, line: str, columns: tuple[str, ...], seen: dict[str, int]
    ) -> Iterator[AutopilotRecord | Problem]:
        fields = line.split(",")
        if len(fields) != len(columns):
            yield Problem(self.name, lineno, None, _count_fault(len(fields), len(columns)))
            return
        values: dict[str, str] = {}
        problems: list[Problem] = []
        for column, field in zip(columns, fields, strict=True):
            value, reason = _field(column, field)
            if reason:
                problems.append(Problem(self.name, lineno, column, reason))
            else:
                values[column] = value
        if SERIAL in values and (first := seen.get(values[SERIAL].upper())) is not None:
            reason = f"serial {values[SERIAL]} already appears on line {first} of this file"
            problems.append(Problem(self.name, lineno, SERIAL, reason))
        if problems:
            yield from problems
        else:
            # Only a row read whole takes its serial: a rejected row corrected further down
            # the file is not a duplicate of itself (across files, the import does the same).
            seen[values[SERIAL].upper()] = lineno
            yield _record(values, self.name, lineno)


class _LineByLine:
    """Decodes the lines of a BOM-less file that isn't valid UTF-8 as a whole.

    The rule: a line that is valid UTF-8 is read as UTF-8, any other as ANSI (Windows-1252);
    an ASCII line reads the same either way (docs/formats.md, "Which encoding").
    Known: a line that isn't valid UTF-8 wasn't written as UTF-8. Assumed: a mixed file
    is files joined by hand (`copy a.csv+b.csv`, `type *.csv >`) or a line appended by
    another tool; `Get-WindowsAutopilotInfo -Append` rewrites the whole file in one encoding.
    Assumed: an ANSI line whose bytes happen to be valid UTF-8 doesn't occur in real files.
    Each byte above 0x7F would have to fall in a UTF-8 sequence, as in "Ã©" (C3 A9) or "Â"
    and a no-break space (C2 A0): an accented capital then a symbol, which is what UTF-8
    text looks like misread as ANSI, not what anyone types. Such a line reads as UTF-8 ("é"),
    as a whole file like that always has. So a file none of whose non-ASCII lines is valid
    UTF-8 reads exactly as when the whole file was decoded as cp1252.
    """

    def __init__(self) -> None:
        self._utf8 = False  # a line with non-ASCII text read as UTF-8
        self._ansi: list[int] = []  # the first _NOTE_LINES lines read as ANSI
        self._ansi_count = 0

    def decode(self, lineno: int, line: str) -> str:
        """`line` holds one byte per character (latin-1) and isn't ASCII."""
        data = line.encode("latin-1")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            self._ansi_count += 1
            if len(self._ansi) < _NOTE_LINES:
                self._ansi.append(lineno)
            return data.decode("cp1252", _ESCAPE)
        self._utf8 = True
        return text

    def encoding(self) -> str:
        if self._utf8:
            # Without an ANSI line, the bytes that weren't UTF-8 were in a line too long to read.
            return MIXED if self._ansi_count else "utf-8"
        return "cp1252"

    def note(self) -> str:
        lines = ", ".join(map(str, self._ansi))
        if (more := self._ansi_count - len(self._ansi)) > 0:
            lines += f" and {more:,} more"
        if self._ansi_count == 1:
            return (
                f"line {lines} isn't UTF-8 like the rest of the file: it was read as ANSI "
                "(Windows-1252); check its accented letters"
            )
        return (
            f"lines {lines} aren't UTF-8 like the rest of the file: they were read as ANSI "
            "(Windows-1252); check their accented letters"
        )


def _sniff(binary: io.BufferedReader) -> tuple[str, str, int | None]:
    """(codec, encoding name, line of the first NUL byte); leaves `binary` just after any BOM."""
    head = binary.read(3)
    start, codec, name = next(
        ((len(bom), codec, name) for bom, codec, name in _BOMS if head.startswith(bom)),
        (0, "", ""),
    )
    binary.seek(start)
    if codec.startswith("utf-16"):
        return codec, name, None  # in UTF-16 a NUL byte is half of an ASCII character
    nul_line, utf8 = _scan(binary)
    binary.seek(start)
    if not codec:
        codec = name = "utf-8" if utf8 else "cp1252"
    return codec, name, nul_line


def _scan(binary: io.BufferedReader) -> tuple[int | None, bool]:
    """The line of the first NUL byte, and whether the rest is valid UTF-8, a chunk at a time."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8, newlines = True, 0
    while chunk := binary.read(_SCAN_CHUNK):
        nul = chunk.find(b"\0")
        if nul >= 0:
            return newlines + chunk.count(b"\n", 0, nul) + 1, False
        newlines += chunk.count(b"\n")
        if utf8 and not (chunk.isascii() and not decoder.getstate()[0]):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                utf8 = False
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        utf8 = False
    return None, utf8


def _expected_columns(names: list[str]) -> tuple[str, ...]:
    if len(names) > 3 and names[3].strip(' \t"').lower() == MANUFACTURER.lower():
        return PARTNER_HEADER
    return HEADER[: min(max(len(names), 3), len(HEADER))]


def _header_fault(names: list[str], expected: tuple[str, ...]) -> tuple[str | None, str] | None:
    """(column, reason) of the first thing wrong with the header, or None if it is Microsoft's."""
    official = ",".join(expected)
    for i, raw in enumerate(names):
        if i >= len(expected):
            extra = raw.strip()
            return None, f"extra column {extra!r}: extra columns aren't allowed; use {official}"
        want, name = expected[i], _unquote(raw.strip())
        if name is None:
            return want, "quotation marks aren't allowed inside a header; remove them"
        if name != name.strip() or raw != raw.strip():
            return want, f"the header {name.strip()!r} has spaces around it; remove them"
        if name == want:
            continue
        if name.lower() == want.lower():
            return want, f"headers are case-sensitive: write {want!r}, not {name!r}"
        return want, f"expected the column {want!r} here, found {name!r}; use {official}"
    if len(names) < len(expected):
        missing = expected[len(names)]
        return missing, f"the column {missing!r} is missing; use {official}"
    return None


def _unquote(value: str) -> str | None:
    """The value without wrapping quotes (ConvertTo-Csv adds them), or None for a stray quote."""
    if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        value = value[1:-1]
    return None if '"' in value else value


def _field(column: str, field: str) -> tuple[str, str | None]:
    """The cleaned value of one field, and what is wrong with it (None if nothing)."""
    value = field.strip(" \t")  # BIOS serials are often space-padded
    if '"' in value:
        unquoted = _unquote(value)
        if unquoted is None:
            return field, _QUOTES
        value = unquoted.strip(" \t")
    # What Intune's CSV could not carry is refused here, where the file and line are known,
    # not at the export (whatever is read can be written for Intune).
    return value, value_fault(column, value)


def _count_fault(found: int, expected: int) -> str:
    hint = "values can't contain commas" if found > expected else "keep empty values as ,,"
    return f"found {found} values, expected {expected} (one per header column); {hint}"


def _record(values: dict[str, str], source: str, line: int) -> AutopilotRecord:
    return AutopilotRecord(
        serial=values[SERIAL],
        product_id=values[PRODUCT_ID],
        hardware_hash=values[HASH],
        group_tag=values.get(GROUP_TAG) or None,
        assigned_user=values.get(USER) or None,
        manufacturer=values.get(MANUFACTURER),
        model=values.get(MODEL),
        source=source,
        line=line,
    )
