"""Autopilot hardware-hash CSVs: read what Get-WindowsAutopilotInfo writes, write what Intune takes.

Facts and sources: reference/domain.md section 2. Reading never raises for bad content: every
fault is a `Problem` naming file, line and column; only an unreadable file raises `InputError`.
"""

from __future__ import annotations

import codecs
import io
import logging
import os
import re
import string
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from app.domain import AutopilotRecord
from app.errors import InputError, KnownError, Problem, TargetNotEmpty

log = logging.getLogger(__name__)

HEADER = (
    "Device Serial Number",
    "Windows Product ID",
    "Hardware Hash",
    "Group Tag",
    "Assigned User",
)
PARTNER_HEADER = (*HEADER[:3], "Manufacturer name", "Device model")
SERIAL, PRODUCT_ID, HASH, GROUP_TAG, USER = HEADER
MANUFACTURER, MODEL = PARTNER_HEADER[3:]

MAX_ROWS_PER_FILE = 500
"""Microsoft: "The multiple devices CSV file can have up to 500 rows of devices"."""

MIN_HASH_BYTES = 1024
MAX_HASH_BYTES = 16 * 1024
"""Microsoft calls it the "4K hardware hash": a base64 string of about 4,000 characters that
decodes to roughly 3 KB. Below 1 KiB it is a truncated copy or a placeholder; above 16 KiB it is
not a hash, and accepting it would only cost memory."""

MAX_GROUP_TAG = 512  # community-reported Intune limit (AutopilotGroupTagger issue #3)
MAX_SERIAL = 128
MAX_UPN = 113  # Entra's UPN limit; the part before the @ is at most 64
MAX_PRODUCT_ID = 64
MAX_NAME = 255  # manufacturer name and device model (partner layout)
MAX_FILE_BYTES = 512 * 1024 * 1024
MAX_LINE_CHARS = 64 * 1024  # the longest valid row is about 22,700 characters
_PROGRESS_EVERY = 200  # lines
_SCAN_CHUNK = 1024 * 1024

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
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SERIAL_CHARS = r"A-Za-z0-9\-_./:#+"
_SERIAL = re.compile(rf"[{_SERIAL_CHARS}]+(?: [{_SERIAL_CHARS}]+)*")
_SERIAL_BAD = re.compile(rf"[^{_SERIAL_CHARS} ]")
_PRODUCT_ID = re.compile(r"[A-Za-z0-9-]*")
_BASE64_BAD = re.compile(r"[^A-Za-z0-9+/=]")
_BASE64_ALPHABET = (string.ascii_letters + string.digits + "+/").encode("ascii")
_UPN_LOCAL = re.compile(r"[A-Za-z0-9_!#^~'-]+(?:\.[A-Za-z0-9_!#^~'-]+)*")
_DOMAIN = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}")
_UNWRITABLE = re.compile(r'[,"\x00-\x1f\x7f-\x9f]')
_OUTPUT_NAME = re.compile(r"autopilot-\d{3,}\.csv")


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
    encoding: str | None  # utf-16-le, utf-16-be, utf-8-sig, utf-8 or cp1252
    layout: str | None  # 3-column, 4-column, 5-column or partner; None if the header is bad
    records: list[AutopilotRecord]
    problems: list[Problem]


def iter_records(
    path: str | Path, *, progress: Callable[[int], None] | None = None
) -> Iterator[AutopilotRecord | Problem]:
    """Stream one file: a record per valid row, a Problem per fault in its content.

    `progress(bytes_read)` is called every few hundred lines; an unreadable file raises InputError.
    """
    return _Reader(path, progress).items()


def read_csv(path: str | Path) -> AutopilotFile:
    """Read one file whole; raises InputError only if it can't be opened or read."""
    reader = _Reader(path, None)
    records: list[AutopilotRecord] = []
    problems: list[Problem] = []
    for item in reader.items():
        if isinstance(item, Problem):
            problems.append(item)
        else:
            records.append(item)
    log.debug("%s: %d records, %d problems", path, len(records), len(problems))
    return AutopilotFile(Path(path), reader.encoding, reader.layout, records, problems)


class _Reader:
    """One pass over one file; remembers its encoding and layout for `read_csv`."""

    def __init__(self, path: str | Path, progress: Callable[[int], None] | None) -> None:
        self.path = Path(path)
        self.name = str(path)
        self.progress = progress
        self.encoding: str | None = None
        self.layout: str | None = None

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
        with io.TextIOWrapper(binary, encoding=codec, errors=_ESCAPE, newline="") as text:
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
            if not line.isascii() and (bad := _ESCAPED.search(line)):
                yield Problem(self.name, lineno, None, self._undecodable(ord(bad.group()) - 0xDC00))
            elif line.strip():
                yield lineno, line
        if self.progress:
            self.progress(binary.tell())

    def _undecodable(self, byte: int) -> str:
        if self.encoding == "cp1252":
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
        if SERIAL in values:
            first = seen.setdefault(values[SERIAL].upper(), lineno)
            if first != lineno:
                reason = f"serial {values[SERIAL]} already appears on line {first} of this file"
                problems.append(Problem(self.name, lineno, SERIAL, reason))
        if problems:
            yield from problems
        else:
            yield _record(values, self.name, lineno)


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
    return value, _CHECKS[column](value)


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


def _check_serial(value: str) -> str | None:
    if not value:
        return "the serial number is required"
    if len(value) > MAX_SERIAL:
        return f"the serial number has {len(value)} characters; at most {MAX_SERIAL} are allowed"
    if _SERIAL.fullmatch(value):
        return None
    if bad := _SERIAL_BAD.search(value):
        return (
            f"the serial number contains {bad.group()!r}; use letters A-Z, digits, "
            "single spaces and - _ . / : # +"
        )
    if value != value.strip():
        return "the serial number has spaces at its start or end; remove them"
    return "the serial number has two spaces in a row; remove one"


def _check_product_id(value: str) -> str | None:
    if len(value) <= MAX_PRODUCT_ID and _PRODUCT_ID.fullmatch(value):
        return None
    return f"the Windows Product ID is up to {MAX_PRODUCT_ID} letters, digits and hyphens, or empty"


def _check_hash(value: str) -> str | None:
    if not value:
        return "the hardware hash is required"
    size = _base64_size(value)
    if size is None:
        return _base64_fault(value)
    if MIN_HASH_BYTES <= size <= MAX_HASH_BYTES:
        return None
    return (
        f"the hardware hash decodes to {size:,} bytes; a 4K hash is {MIN_HASH_BYTES:,} to "
        f"{MAX_HASH_BYTES:,} bytes, so this is a truncated copy, a placeholder or not a hash"
    )


def _base64_size(value: str) -> int | None:
    """The decoded size of strict base64 (as binascii's strict_mode), or None if it isn't.

    Counted rather than decoded: decoding a 4K hash costs five times as much.
    """
    if not value.isascii() or len(value) % 4:
        return None
    data = value.encode("ascii")
    body = data.rstrip(b"=")
    padding = len(data) - len(body)
    if padding > 2 or body.translate(None, _BASE64_ALPHABET):
        return None
    return len(data) // 4 * 3 - padding


def _base64_fault(value: str) -> str:
    if bad := _BASE64_BAD.search(value):
        return (
            f"the hardware hash contains {bad.group()!r} at character {bad.start() + 1}; "
            "a hash is base64 (letters, digits, + / and = at the end) with no spaces"
        )
    if len(value) % 4:
        return (
            f"the hardware hash has {len(value):,} characters, not a multiple of 4: "
            "it was cut short or lost its = padding; copy it again"
        )
    return "the hardware hash has = padding in the wrong place; copy it again"


def _check_group_tag(value: str) -> str | None:
    if len(value) > MAX_GROUP_TAG:
        return f"the group tag has {len(value)} characters; at most {MAX_GROUP_TAG} are allowed"
    return _control_fault("the group tag", value) or _ansi_fault("the group tag", value)


def _check_user(value: str) -> str | None:
    if not value:
        return None
    local, _, domain = value.rpartition("@")
    if not local:
        return "the assigned user must be a user principal name such as megan@contoso.com"
    if len(value) > MAX_UPN or len(local) > 64:
        return f"the assigned user is too long: at most {MAX_UPN} characters, 64 before the @"
    if not _UPN_LOCAL.fullmatch(local):
        return (
            "the assigned user's name before the @ may hold letters, digits and . - _ ! # ^ ~ ' "
            "with no dot at either end and no two dots in a row"
        )
    if not _DOMAIN.fullmatch(domain):
        return f"the assigned user's domain {domain!r} isn't a domain name such as contoso.com"
    return None


def _check_name(what: str, value: str) -> str | None:
    if not value:
        return f"the {what} is required in a partner file"
    if len(value) > MAX_NAME:
        return f"the {what} has {len(value)} characters; at most {MAX_NAME} are allowed"
    return _control_fault(f"the {what}", value)


def _control_fault(what: str, value: str) -> str | None:
    if bad := _CONTROL.search(value):
        return f"{what} contains the control character U+{ord(bad.group()):04X}; remove it"
    return None


def _ansi_fault(what: str, value: str) -> str | None:
    if value.isascii():
        return None
    try:
        value.encode("cp1252")
    except UnicodeEncodeError as exc:
        return (
            f"{what} contains {exc.object[exc.start]!r}, which ANSI (Windows-1252) can't hold, "
            "and Intune imports only ANSI files; use another character"
        )
    return None


_CHECKS: dict[str, Callable[[str], str | None]] = {
    SERIAL: _check_serial,
    PRODUCT_ID: _check_product_id,
    HASH: _check_hash,
    GROUP_TAG: _check_group_tag,
    USER: _check_user,
    MANUFACTURER: lambda value: _check_name("manufacturer name", value),
    MODEL: lambda value: _check_name("device model", value),
}


def format_intune_csv(records: Sequence[AutopilotRecord]) -> bytes:
    """One Intune import file: ANSI, no BOM, no quotes, CRLF, Microsoft's 5-column header."""
    if len(records) > MAX_ROWS_PER_FILE:
        raise InputError(
            f"{len(records)} devices don't fit in one file; Intune takes {MAX_ROWS_PER_FILE}"
        )
    _check_writable(records)
    return _encode(records)


def write_intune_csv(
    records: Sequence[AutopilotRecord], outdir: str | Path, *, overwrite: bool = False
) -> list[Path]:
    """Write autopilot-001.csv, -002.csv, ... of up to 500 devices each; all or nothing checked."""
    if not records:
        raise InputError("no devices to export")
    _check_writable(records)
    out = Path(outdir)
    old = sorted(p for p in out.iterdir() if _OUTPUT_NAME.fullmatch(p.name)) if out.is_dir() else []
    if old and not overwrite:
        names = ", ".join(p.name for p in old[:3]) + (", ..." if len(old) > 3 else "")
        raise TargetNotEmpty(
            f"{out} already holds {names} from an earlier export; pass --overwrite to "
            "replace them, or pick an empty folder"
        )
    paths: list[Path] = []
    try:
        out.mkdir(parents=True, exist_ok=True)
        for leftover in out.glob(".autopilot-*.tmp"):  # from an export killed mid-write
            leftover.unlink(missing_ok=True)
        for start in range(0, len(records), MAX_ROWS_PER_FILE):
            path = out / f"autopilot-{len(paths) + 1:03d}.csv"
            _write_atomic(path, _encode(records[start : start + MAX_ROWS_PER_FILE]))
            paths.append(path)
        for stale in sorted(set(old) - set(paths)):
            stale.unlink(missing_ok=True)
    except OSError as exc:
        raise KnownError(f"cannot write to {out}: {exc.strerror or exc}") from exc
    log.info("wrote %d devices to %d files in %s", len(records), len(paths), out)
    return paths


def _check_writable(records: Sequence[AutopilotRecord]) -> None:
    """Raise InputError naming every value Intune would reject, before anything is written."""
    problems: list[Problem] = []
    seen: set[str] = set()
    for record in records:
        where = f"serial {record.serial!r}"
        for column, value in zip(HEADER, _intune_values(record), strict=True):
            if reason := _unwritable(value) or _CHECKS[column](value):
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
    return _ansi_fault("the value", value)


def _intune_values(r: AutopilotRecord) -> tuple[str, str, str, str, str]:
    return (r.serial, r.product_id, r.hardware_hash, r.group_tag or "", r.assigned_user or "")


def _encode(records: Sequence[AutopilotRecord]) -> bytes:
    lines = [",".join(HEADER), *(",".join(_intune_values(r)) for r in records)]
    return "".join(line + "\r\n" for line in lines).encode("cp1252")


def _write_atomic(path: Path, data: bytes) -> None:
    # A crash leaves either the old file or the complete new one, never half an import file.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".autopilot-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
