"""Autopilot CSV reader and Intune writer: valid files, a malformed corpus, properties."""

from __future__ import annotations

import base64
import binascii
import codecs
import os
import random
import string
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from app import autopilot
from app.autopilot import (
    HEADER,
    MAX_HASH_BYTES,
    MAX_ROWS_PER_FILE,
    MIN_HASH_BYTES,
    PARTNER_HEADER,
    format_intune_csv,
    iter_records,
    read_csv,
    write_intune_csv,
)
from app.autopilot.fields import base64_size
from app.domain import AutopilotRecord
from app.errors import InputError, KnownError, Problem
from tests.helpers.autopilot_corpus import fake_hash, make_csv, make_row, make_rows

SERIAL, PRODUCT_ID, HASH, GROUP_TAG, USER = HEADER
MANUFACTURER, MODEL = PARTNER_HEADER[3:]
DATA = Path(__file__).parent.parent / "data" / "autopilot"

RNG = random.Random(20261129)
H = fake_hash(RNG)
H2 = fake_hash(RNG)
HDR3 = ",".join(HEADER[:3])
HDR4 = ",".join(HEADER[:4])
HDR5 = ",".join(HEADER)
HDRP = ",".join(PARTNER_HEADER)


def raw(*lines: str, newline: str = "\r\n") -> bytes:
    """Lines as bytes, one byte per character (U+0000-U+00FF), to build exact bad bytes."""
    return "".join(line + newline for line in lines).encode("latin-1")


def b64(size: int) -> str:
    return base64.b64encode(bytes(size)).decode("ascii")


def upn_row(user: str) -> bytes:
    return raw(HDR5, f"PF1,,{H},,{user}")


def with_hash(value: str) -> bytes:
    return raw(HDR3, f"PF1,,{value}")


def at(value: str, index: int, insert: str, drop: int = 0) -> str:
    return value[:index] + insert + value[index + drop :]


def write(tmp_path: Path, data: bytes, name: str = "devices.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def split(path: Path) -> tuple[list[AutopilotRecord], list[Problem]]:
    items = list(iter_records(path))
    records = [item for item in items if isinstance(item, AutopilotRecord)]
    problems = [item for item in items if isinstance(item, Problem)]
    assert len(records) + len(problems) == len(items)
    return records, problems


def record(serial: str, **fields: object) -> AutopilotRecord:
    values: dict[str, object] = {"product_id": "", "hardware_hash": H, **fields}
    return AutopilotRecord(serial=serial, **values)  # type: ignore[arg-type]


# --- valid files ------------------------------------------------------------------------------


@pytest.mark.parametrize("columns", [3, 4, 5])
@pytest.mark.parametrize("newline", ["\r\n", "\n"])
@pytest.mark.parametrize(
    ("encoding", "detected"),
    [
        ("utf-16", "utf-16-le"),  # Windows PowerShell 5.1
        ("utf-16-be", "utf-16-be"),
        ("utf-8-sig", "utf-8-sig"),
        ("utf-8", "utf-8"),  # PowerShell 7
    ],
)
def test_reads_what_get_windowsautopilotinfo_writes(
    tmp_path: Path, encoding: str, detected: str, newline: str, columns: int
) -> None:
    rng = random.Random(columns)
    rows = make_rows(rng, 3, columns)
    path = write(tmp_path, make_csv(rows, encoding=encoding, newline=newline))

    result = read_csv(path)

    assert result.problems == []
    assert (result.encoding, result.layout) == (detected, f"{columns}-column")
    assert [r.line for r in result.records] == [2, 3, 4]
    for got, row in zip(result.records, rows, strict=True):
        assert (got.serial, got.product_id, got.hardware_hash) == (row[0], "", row[2])
        assert got.group_tag == (row[3] if columns > 3 else None)
        assert got.assigned_user == (row[4] if columns > 4 else None)
        assert (got.manufacturer, got.model, got.source) == (None, None, str(path))


@pytest.mark.parametrize(("encoding", "detected"), [("cp1252", "cp1252"), ("utf-8", "utf-8")])
def test_ansi_and_utf8_group_tags_decode_correctly(
    tmp_path: Path, encoding: str, detected: str
) -> None:
    rows = [make_row(RNG, 4, serial="PF1", group_tag="Café-Zürich"), make_row(RNG, 4)]
    result = read_csv(write(tmp_path, make_csv(rows, encoding=encoding)))

    assert result.problems == []
    assert result.encoding == detected
    assert result.records[0].group_tag == "Café-Zürich"


# --- a file whose lines are in different encodings --------------------------------------------
# Get-WindowsAutopilotInfo -Append run on several machines builds one file: PowerShell 7 appends
# UTF-8, Windows PowerShell 5.1's Add-Content (or Out-File -Append -Encoding Default) ANSI.


def lines_in(*lines: tuple[str, str], newline: str = "\r\n") -> bytes:
    """A file of (text, encoding) lines, each encoded on its own."""
    return b"".join((text + newline).encode(encoding) for text, encoding in lines)


def tags(result: autopilot.AutopilotFile) -> list[tuple[str, str | None, int]]:
    return [(r.serial, r.group_tag, r.line) for r in result.records]


def test_an_ansi_line_appended_to_a_utf8_file_is_read_as_ansi(tmp_path: Path) -> None:
    """The whole file was read as ANSI because one line wasn't UTF-8: "Café" on the UTF-8
    lines silently became "CafÃ©"."""
    data = lines_in(
        (HDR4, "utf-8"),
        (f"PF1,,{H},Café", "utf-8"),
        (f"PF2,,{H},Müller", "cp1252"),
        (f"PF3,,{H},Zürich", "utf-8"),
    )

    result = read_csv(write(tmp_path, data))

    assert result.problems == []
    assert tags(result) == [("PF1", "Café", 2), ("PF2", "Müller", 3), ("PF3", "Zürich", 4)]
    assert result.encoding == "utf-8+cp1252"


def test_a_utf8_line_appended_to_an_ansi_file_is_read_as_utf8(tmp_path: Path) -> None:
    data = lines_in((HDR4, "cp1252"), (f"PF1,,{H},Müller", "cp1252"), (f"PF2,,{H},Café", "utf-8"))

    result = read_csv(write(tmp_path, data))

    assert result.problems == []
    assert tags(result) == [("PF1", "Müller", 2), ("PF2", "Café", 3)]
    assert result.encoding == "utf-8+cp1252"


def test_a_mixed_file_names_the_lines_read_as_ansi(tmp_path: Path) -> None:
    data = lines_in(
        (HDR4, "utf-8"),
        (f"PF1,,{H},Café", "utf-8"),
        (f"PF2,,{H},Müller", "cp1252"),
        (f"PF3,,{H},Lab", "cp1252"),  # ASCII: the same in both
        (f"PF4,,{H},Ärzte", "cp1252"),
    )
    path = write(tmp_path, data)

    result = read_csv(path)

    [note] = result.notes
    assert (note.file, note.line, note.column) == (str(path), None, None)
    assert note.reason.startswith("lines 3, 5 aren't UTF-8 like the rest of the file")
    assert "read as ANSI (Windows-1252)" in note.reason
    assert result.problems == []


def test_the_note_lists_the_first_ansi_lines_and_counts_the_rest(tmp_path: Path) -> None:
    rows = [(f"PF{i},,{H},Müller", "cp1252") for i in range(25)]
    data = lines_in((HDR4, "utf-8"), (f"PFU,,{H},Café", "utf-8"), *rows)

    [note] = read_csv(write(tmp_path, data)).notes

    assert note.reason.startswith("lines 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 and 15 more aren't")


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8"])
def test_a_file_in_one_encoding_has_no_note(tmp_path: Path, encoding: str) -> None:
    data = lines_in((HDR4, encoding), (f"PF1,,{H},Café", encoding), (f"PF2,,{H},Müller", encoding))
    result = read_csv(write(tmp_path, data))
    assert (result.encoding, result.notes, result.problems) == (encoding, (), [])


def test_an_ansi_file_reads_as_before(tmp_path: Path) -> None:
    """Every non-ASCII line invalid UTF-8: all of it ANSI, the faults and the lone CR too."""
    data = raw(HDR4, f"PF1,,{H},Café-Zürich", f"PF2,,{H},Caf\x81", "", f"PF3,,{H},Lab") + raw(
        f"PF4,,{H},Müller", f"PF5,,{H},\xa0Ä", newline="\r"
    )

    result = read_csv(write(tmp_path, data))

    assert result.encoding == "cp1252"
    assert tags(result) == [
        ("PF1", "Café-Zürich", 2), ("PF3", "Lab", 5), ("PF4", "Müller", 6), ("PF5", "\xa0Ä", 7)
    ]  # fmt: skip
    [problem] = result.problems
    assert (problem.line, problem.column) == (3, None)
    assert problem.reason == "byte 0x81 isn't ANSI (Windows-1252) text; remove it or save as UTF-8"


def test_a_utf8_file_reads_as_before(tmp_path: Path) -> None:
    data = lines_in((HDR4, "utf-8"), (f"PF1,,{H},Café-Zürich", "utf-8"), (f"PF2,,{H},€", "utf-8"))
    result = read_csv(write(tmp_path, data))
    assert (result.encoding, result.problems) == ("utf-8", [])
    assert tags(result) == [("PF1", "Café-Zürich", 2), ("PF2", "€", 3)]


def test_an_ansi_line_that_is_also_valid_utf8_reads_as_utf8(tmp_path: Path) -> None:
    """The rule's known limit, as for a whole file: cp1252 "Ã©" is the bytes of UTF-8 "é"."""
    data = lines_in((HDR4, "cp1252"), (f"PF1,,{H},CafÃ©", "cp1252"), (f"PF2,,{H},Müller", "cp1252"))
    result = read_csv(write(tmp_path, data))
    assert tags(result) == [("PF1", "Café", 2), ("PF2", "Müller", 3)]


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 8, 4096])
def test_lines_and_characters_across_chunk_boundaries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    """Small chunks put a boundary inside every CRLF and every UTF-8 character somewhere."""
    monkeypatch.setattr(autopilot.reader, "_TEXT_CHUNK", chunk)
    monkeypatch.setattr(autopilot.reader, "_SCAN_CHUNK", chunk)
    short = fake_hash(random.Random(chunk), 1100)
    data = (
        lines_in((HDR4, "utf-8"), (f"PF1,,{short},Café€", "utf-8"))
        + lines_in((f"PF2,,{short},Müller", "cp1252"), newline="\n")
        + lines_in((f"PF3,,{short},Zürich", "utf-8"), newline="\r")
        + lines_in((f"PF4,,{short},Ärzte", "cp1252"), (f"PF5,,{short},Señor", "utf-8"))
    )

    result = read_csv(write(tmp_path, data))

    assert result.problems == []
    assert tags(result) == [
        ("PF1", "Café€", 2), ("PF2", "Müller", 3), ("PF3", "Zürich", 4), ("PF4", "Ärzte", 5),
        ("PF5", "Señor", 6),
    ]  # fmt: skip
    assert result.encoding == "utf-8+cp1252"


@pytest.mark.parametrize("tag", ["=ab", "+1", "-Lab", "@SUM(1)"])
def test_a_value_a_spreadsheet_would_run_is_refused_where_it_is_read(
    tmp_path: Path, tag: str
) -> None:
    """Found by the mutation property: a flipped byte made a group tag begin with "=". It
    was read, then refused by the Intune export; now it is refused with its line, and what
    is read can always be written for Intune."""
    rows = [make_row(RNG, 4, serial="PF1", group_tag=tag), make_row(RNG, 4, serial="PF2")]
    result = read_csv(write(tmp_path, make_csv(rows)))

    [problem] = result.problems
    assert (problem.line, problem.column) == (2, "Group Tag")
    assert "formula" in problem.reason
    assert [r.serial for r in result.records] == ["PF2"]
    format_intune_csv(result.records)


def test_partner_layout(tmp_path: Path) -> None:
    rows = [["PF1", "00330-80000-00000-AA123", H, "Microsoft Corporation", "Surface Laptop 5"]]
    result = read_csv(write(tmp_path, make_csv(rows, header=PARTNER_HEADER, encoding="utf-8")))

    assert result.problems == []
    assert result.layout == "partner"
    [got] = result.records
    assert (got.product_id, got.manufacturer, got.model) == (rows[0][1], *rows[0][3:])
    assert (got.group_tag, got.assigned_user) == (None, None)


def test_quoted_fields_from_convertto_csv_are_unwrapped(tmp_path: Path) -> None:
    rows = [["PF1", "", H, "Lab A", "megan@contoso.com"]]
    path = write(tmp_path, make_csv(rows, quoted=True, encoding="utf-8"))

    result = read_csv(path)

    assert result.problems == []
    expected = record("PF1", group_tag="Lab A", assigned_user="megan@contoso.com")
    assert result.records == [replace(expected, source=str(path), line=2)]


def test_blank_lines_padding_and_mixed_line_endings(tmp_path: Path) -> None:
    data = (
        raw("", "  ", HDR4)
        + raw(f"  PF1  ,,{H}\t, Lab ", newline="\n")
        + raw("", f"VMware-56 4d 9f 1a 2b 3c 4d 5e-6f 70 81 92 a3 b4 c5 d6,,{H2},", " \t", "")
    )
    path = write(tmp_path, data)

    records, problems = split(path)

    assert problems == []
    assert [(r.serial, r.group_tag, r.line) for r in records] == [
        ("PF1", "Lab", 4),
        ("VMware-56 4d 9f 1a 2b 3c 4d 5e-6f 70 81 92 a3 b4 c5 d6", None, 6),
    ]


def test_empty_and_given_optional_values(tmp_path: Path) -> None:
    path = write(tmp_path, raw(HDR5, f"PF1,,{H},,", f"PF2,XJ4-9K2,{H},Lab,megan@contoso.com"))
    records, problems = split(path)

    assert problems == []
    assert [(r.product_id, r.group_tag, r.assigned_user) for r in records] == [
        ("", None, None),
        ("XJ4-9K2", "Lab", "megan@contoso.com"),
    ]


def test_header_only_is_zero_devices(tmp_path: Path) -> None:
    result = read_csv(write(tmp_path, make_csv([], header=HEADER)))
    assert (result.records, result.problems, result.layout) == ([], [], "5-column")


@pytest.mark.parametrize(
    "user",
    [
        "megan@contoso.com",
        "o'neil@contoso.co.uk",
        "first.last@eu.sub.contoso.com",
        "a_b-c!#^~@x-y.org",
        "m" * 64 + "@contoso.com",
        "m" * 64 + "@" + "d" * 44 + ".com",  # 113 characters
    ],
)
def test_valid_user_principal_names(tmp_path: Path, user: str) -> None:
    records, problems = split(write(tmp_path, upn_row(user)))
    assert problems == []
    assert records[0].assigned_user == user


@pytest.mark.parametrize("size", [MIN_HASH_BYTES, MAX_HASH_BYTES])
def test_hash_size_bounds_are_inclusive(tmp_path: Path, size: int) -> None:
    records, problems = split(write(tmp_path, with_hash(b64(size))))
    assert (len(records), problems) == (1, [])


def test_longest_valid_row_is_read(tmp_path: Path) -> None:
    user = "m" * 64 + "@" + "d" * 44 + ".com"
    row = f"{'S' * 128},{'P' * 64},{b64(MAX_HASH_BYTES)},{'T' * 512},{user}"
    records, problems = split(write(tmp_path, raw(HDR5, row)))
    assert (len(records), problems) == (1, [])


# --- malformed corpus -------------------------------------------------------------------------

ENCODING_FAULTS = [
    pytest.param(raw(HDR4, f"PF1,,{H},Caf\x81", f"PF2,,{H},Café"), 2, None, "byte 0x81", 1,
                 id="cp1252-undefined-byte"),
    pytest.param(make_csv([["PF1", "", H]], encoding="utf-16-le", bom=False), 1, None,
                 "NUL bytes: binary data, or UTF-16 without a byte-order mark", 0,
                 id="utf16-without-bom"),
    pytest.param(raw(HDR3, f"PF1,,{H}", f"PF2\x00,,{H}"), 3, None, "NUL bytes", 0,
                 id="nul-byte-in-ansi"),
    pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 3, None, "NUL bytes", 0,
                 id="binary-junk"),
    pytest.param(make_csv([["PF1", "", H], ["PF2", "", H2]]) + b"A", 4, None,
                 "isn't valid utf-16-le text", 2, id="utf16-odd-byte-count"),
    pytest.param(make_csv([["PF1", "", H]]) + "PF2,,".encode("utf-16-le") + b"\x00\xd8"
                 + f"{H2}\r\n".encode("utf-16-le"), 3, None, "isn't valid utf-16-le", 1,
                 id="utf16-lone-surrogate"),
    pytest.param(codecs.BOM_UTF8 + raw(HDR3, f"PF1,,{H}", f"PF\xff2,,{H2}"), 3, None,
                 "byte 0xFF isn't valid utf-8-sig", 1, id="utf8-bom-invalid-byte"),
    pytest.param(b"", None, None,
                 "empty file: expected the header Device Serial Number,Windows Product ID,"
                 "Hardware Hash", 0, id="empty-file"),
    pytest.param(b"\r\n  \r\n\t\n", None, None, "empty file", 0, id="blank-lines-only"),
    pytest.param(codecs.BOM_UTF16_LE, None, None, "empty file", 0, id="utf16-bom-only"),
    pytest.param(raw(HDR3, "PF1,," + "A" * 70_000, f"PF2,,{H}"), 2, None,
                 "longer than 65,536 characters", 1, id="line-too-long"),
]  # fmt: skip

HEADER_FAULTS = [
    pytest.param(raw(HDR5 + ",Notes", f"PF1,,{H},,,x"), 1, None,
                 "extra column 'Notes': extra columns aren't allowed", 0, id="extra-column"),
    pytest.param(raw(HDRP + ",Notes"), 1, None, "extra columns aren't allowed", 0,
                 id="extra-partner-column"),
    pytest.param(raw("Device serial number,Windows Product ID,Hardware Hash", f"PF1,,{H}"), 1,
                 SERIAL, "headers are case-sensitive: write 'Device Serial Number'", 0,
                 id="miscased-serial"),
    pytest.param(raw(HDR3 + ",Group tag", f"PF1,,{H},"), 1, GROUP_TAG, "case-sensitive", 0,
                 id="miscased-group-tag"),
    pytest.param(raw("Device Serial Number, Windows Product ID,Hardware Hash"), 1, PRODUCT_ID,
                 "has spaces around it", 0, id="space-after-comma"),
    pytest.param(raw(HDR3 + " "), 1, HASH, "spaces", 0, id="trailing-space"),
    pytest.param(raw('Device Serial Number,"Windows Product ID,Hardware Hash'), 1, PRODUCT_ID,
                 "quotation marks aren't allowed", 0, id="stray-quote-in-header"),
    pytest.param(raw("Device Serial Number,Windows Product ID", "PF1,"), 1, HASH,
                 "'Hardware Hash' is missing", 0, id="missing-hash-column"),
    pytest.param(raw("Device Serial Number,Hardware Hash", f"PF1,{H}"), 1, PRODUCT_ID,
                 "expected the column 'Windows Product ID' here, found 'Hardware Hash'", 0,
                 id="missing-product-id-column"),
    pytest.param(raw("Windows Product ID,Device Serial Number,Hardware Hash"), 1, SERIAL,
                 "found 'Windows Product ID'", 0, id="wrong-order"),
    pytest.param(raw(HDR3 + ",Manufacturer name"), 1, MODEL, "'Device model' is missing", 0,
                 id="partner-missing-model"),
    pytest.param(raw("", "", "Serial,Hash", f"PF1,{H}"), 3, SERIAL, "found 'Serial'", 0,
                 id="foreign-header-after-blank-lines"),
    pytest.param(codecs.BOM_UTF8 + codecs.BOM_UTF8 + raw(HDR3), 1, SERIAL, "'\\ufeffDevice", 0,
                 id="doubled-byte-order-mark"),
]  # fmt: skip

ROW_FAULTS = [
    pytest.param(raw(HDR3, f'PF"1,,{H}'), 2, SERIAL, "quotation marks aren't allowed", 0,
                 id="stray-quote"),
    pytest.param(raw(HDR4, f'"PF1","","{H}","Lab ""A"""'), 2, GROUP_TAG, "quotation marks", 0,
                 id="csv-escaped-quote"),
    pytest.param(raw(HDR4, f'PF1,,{H},"Lab, A"'), 2, None, "found 5 values, expected 4", 0,
                 id="quoted-comma"),
    pytest.param(raw(HDR4, f"PF1,,{H}", f"PF2,,{H2},Lab"), 2, None,
                 "found 3 values, expected 4", 1, id="too-few-fields"),
    pytest.param(raw(HDR3, f"PF1,,{H},extra"), 2, None, "found 4 values, expected 3", 0,
                 id="too-many-fields"),
    pytest.param(raw(HDR3, f"PF1,,{H},"), 2, None, "values can't contain commas", 0,
                 id="trailing-comma"),
    pytest.param(with_hash(at(H, 100, "!", 1)), 2, HASH, "'!' at character 101", 0,
                 id="hash-bad-char"),
    pytest.param(with_hash(at(H, 100, " ")), 2, HASH, "' ' at character 101", 0,
                 id="hash-space-inside"),
    pytest.param(with_hash(at(H, 8, "-", 1)), 2, HASH, "'-' at character 9", 0,
                 id="hash-url-safe-alphabet"),
    pytest.param(with_hash(H[:-1]), 2, HASH, "not a multiple of 4", 0, id="hash-cut-short"),
    pytest.param(with_hash(at(H, 100, "==", 2)), 2, HASH, "padding in the wrong place", 0,
                 id="hash-padding-inside"),
    pytest.param(with_hash(b64(MIN_HASH_BYTES - 1)), 2, HASH, "decodes to 1,023 bytes", 0,
                 id="hash-too-small"),
    pytest.param(with_hash(b64(20_000)), 2, HASH, "decodes to 20,000 bytes", 0,
                 id="hash-too-large"),
    pytest.param(with_hash("AAAA"), 2, HASH, "placeholder", 0, id="hash-placeholder"),
    pytest.param(raw(HDR3, "PF1,,"), 2, HASH, "hardware hash is required", 0, id="hash-empty"),
    pytest.param(raw(HDR3, f"PF$1,,{H}"), 2, SERIAL, "contains '$'", 0, id="serial-bad-char"),
    pytest.param(raw(HDR3, f"PF\xa01,,{H}"), 2, SERIAL, "contains '\\xa0'", 0,
                 id="serial-no-break-space"),
    pytest.param(raw(HDR3, f",,{H}"), 2, SERIAL, "serial number is required", 0,
                 id="serial-empty"),
    pytest.param(raw(HDR3, f"   ,,{H}"), 2, SERIAL, "required", 0, id="serial-only-spaces"),
    pytest.param(raw(HDR3, f"VMware-56  4d,,{H}"), 2, SERIAL, "two spaces in a row", 0,
                 id="serial-double-space"),
    pytest.param(raw(HDR3, f"{'S' * 129},,{H}"), 2, SERIAL, "129 characters", 0,
                 id="serial-too-long"),
    pytest.param(raw(HDR3, f"PF1,ABC_123,{H}"), 2, PRODUCT_ID, "letters, digits and hyphens", 0,
                 id="product-id-bad-char"),
    pytest.param(raw(HDR4, f"PF1,,{H},{'T' * 513}"), 2, GROUP_TAG, "513 characters", 0,
                 id="group-tag-too-long"),
    pytest.param(raw(HDR4, f"PF1,,{H},Lab\x07"), 2, GROUP_TAG, "control character U+0007", 0,
                 id="group-tag-bell"),
    pytest.param(raw(HDR4, f"PF1,,{H},Lab\tA"), 2, GROUP_TAG, "U+0009", 0, id="group-tag-tab"),
    pytest.param(make_csv([["PF1", "", H, "東京"]], encoding="utf-8"), 2, GROUP_TAG,
                 "contains '東', which ANSI (Windows-1252) can't hold", 0,
                 id="group-tag-not-ansi"),
    pytest.param(make_csv([["PF1", "", H, "Lab\x85"]], encoding="utf-8"), 2, GROUP_TAG,
                 "U+0085", 0, id="group-tag-c1-control"),
    pytest.param(raw(HDRP, f"PF1,,{H},,Surface Laptop 5"), 2, MANUFACTURER,
                 "manufacturer name is required", 0, id="partner-no-manufacturer"),
    pytest.param(raw(HDRP, f"PF1,,{H},Microsoft,{'M' * 256}"), 2, MODEL, "256 characters", 0,
                 id="partner-model-too-long"),
    pytest.param(raw(HDRP, f"PF1,,{H},Micro\x1bsoft,Surface"), 2, MANUFACTURER, "U+001B", 0,
                 id="partner-control-char"),
    pytest.param(raw(HDR3, f"PF1,,{H}", f"PF2,,{H2}", f" pf1 ,,{H2}"), 4, SERIAL,
                 "serial pf1 already appears on line 2 of this file", 2, id="duplicate-serial"),
]  # fmt: skip

UPN_FAULTS = [
    ("nobody", "user principal name such as"),
    ("@contoso.com", "user principal name such as"),
    ("megan@contoso", "domain 'contoso' isn't"),
    (".megan@contoso.com", "no dot at either end"),
    ("megan.@contoso.com", "no dot at either end"),
    ("me..gan@contoso.com", "no two dots"),
    ("meg an@contoso.com", "before the @"),
    ("mégan@contoso.com", "before the @"),
    ("megan@@contoso.com", "before the @"),
    ("megan@-contoso.com", "domain '-contoso.com'"),
    ("megan@contoso-.com", "isn't a domain name"),
    ("megan@contoso.c", "isn't a domain name"),
    ("megan@contoso.c0m", "isn't a domain name"),
    ("megan@contoso..com", "isn't a domain name"),
    ("m" * 65 + "@contoso.com", "64 before the @"),
    ("m" * 60 + "@" + "d" * 60 + ".com", f"at most {autopilot.MAX_UPN} characters"),
]
UPN_PARAMS = [
    pytest.param(upn_row(user), 2, USER, reason, 0, id=f"upn-{i}")
    for i, (user, reason) in enumerate(UPN_FAULTS)
]


@pytest.mark.parametrize(
    ("data", "line", "column", "reason", "valid"),
    ENCODING_FAULTS + HEADER_FAULTS + ROW_FAULTS + UPN_PARAMS,
)
def test_malformed_file_gives_one_specific_problem(
    tmp_path: Path, data: bytes, line: int | None, column: str | None, reason: str, valid: int
) -> None:
    path = write(tmp_path, data)

    records, problems = split(path)

    assert len(problems) == 1, problems
    [problem] = problems
    assert (problem.file, problem.line, problem.column) == (str(path), line, column)
    assert reason in problem.reason
    assert len(records) == valid


def test_a_rejected_row_corrected_further_down_the_file_is_read(tmp_path: Path) -> None:
    """The bad row took its serial, so the corrected one was refused as its duplicate (in
    two files, the corrected row was imported)."""
    path = write(tmp_path, raw(HDR3, "PF1,,not base64!", f"PF2,,{H2}", f"PF1,,{H}"))
    records, problems = split(path)
    assert [r.serial for r in records] == ["PF2", "PF1"]
    assert [(p.line, p.column) for p in problems] == [(2, HASH)]


def test_bad_header_stops_the_file(tmp_path: Path) -> None:
    rows = "\r\n".join(f"PF{i},,{H}" for i in range(10))
    path = write(
        tmp_path, f"Device serial number,Windows Product ID,Hardware Hash\r\n{rows}".encode()
    )
    assert [p.line for p in split(path)[1]] == [1]  # one Problem, no row read


def test_each_bad_field_is_one_problem_and_the_row_is_dropped(tmp_path: Path) -> None:
    path = write(tmp_path, raw(HDR5, f"PF$1,x_y,{H[:-1]},Lab\x07,nobody", f"PF2,,{H},,"))

    records, problems = split(path)

    assert [(p.line, p.column) for p in problems] == [
        (2, SERIAL), (2, PRODUCT_ID), (2, HASH), (2, GROUP_TAG), (2, USER)
    ]  # fmt: skip
    assert [(r.serial, r.line) for r in records] == [("PF2", 3)]


def test_rows_after_a_too_long_line_keep_their_line_numbers(tmp_path: Path) -> None:
    path = write(tmp_path, raw(HDR3, "x" * 200_000, f"PF2,,{H}", f"PF3,,{H2}"))
    records, problems = split(path)
    assert [p.line for p in problems] == [2]
    assert [r.line for r in records] == [3, 4]


def test_progress_reports_bytes_read_up_to_the_file_size(tmp_path: Path) -> None:
    path = write(tmp_path, make_csv(make_rows(RNG, 1000), encoding="utf-8"))
    seen: list[int] = []

    records = [
        r for r in iter_records(path, progress=seen.append) if isinstance(r, AutopilotRecord)
    ]

    assert len(records) == 1000
    assert len(seen) >= 5
    assert seen == sorted(seen)
    assert seen[-1] == path.stat().st_size


def test_unreadable_file_raises_input_error_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "nope.csv"
    with pytest.raises(InputError, match=r"cannot read .*nope\.csv"):
        list(iter_records(missing))
    with pytest.raises(InputError, match="cannot read"):
        read_csv(tmp_path)  # a folder


def test_oversized_file_is_refused_without_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, make_csv(make_rows(RNG, 3), encoding="utf-8"))
    monkeypatch.setattr(autopilot.reader, "MAX_FILE_BYTES", 1000)

    records, problems = split(path)

    assert records == []
    assert [(p.line, p.column) for p in problems] == [(None, None)]
    assert "nothing over 1,000 bytes is read" in problems[0].reason


# --- properties -------------------------------------------------------------------------------

SERIAL_CHARS = string.ascii_letters + string.digits + "-_./:#+"
ANSI_CHARS = sorted(
    {bytes([b]).decode("cp1252", "ignore") for b in range(0x20, 0x100)} - {"", ",", '"', "\x7f"}
)
LOCAL_CHARS = string.ascii_letters + string.digits + "_!#^~'-"
LABEL = st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9-]{0,10}[A-Za-z0-9])?", fullmatch=True)

serials = st.lists(st.text(SERIAL_CHARS, min_size=1, max_size=12), min_size=1, max_size=4).map(
    " ".join
)
product_ids = st.text(string.ascii_letters + string.digits + "-", max_size=64)
hashes = st.builds(
    lambda seed, size: base64.b64encode(random.Random(seed).randbytes(size)).decode("ascii"),
    st.integers(0, 2**32),
    st.integers(MIN_HASH_BYTES, MAX_HASH_BYTES),
)
group_tags = st.none() | st.text(ANSI_CHARS, min_size=1, max_size=512).map(
    lambda tag: tag.strip(" \t") or "x"
)
users = st.none() | st.builds(
    lambda local, labels, tld: f"{'.'.join(local)}@{'.'.join(labels)}.{tld}",
    st.lists(st.text(LOCAL_CHARS, min_size=1, max_size=20), min_size=1, max_size=3),
    st.lists(LABEL, min_size=1, max_size=3),
    st.from_regex(r"[A-Za-z]{2,6}", fullmatch=True),
)


def _no_formula(value: str | None) -> bool:
    """Values the writer refuses (a spreadsheet would run them): tests/security covers them."""
    return not (value or "").startswith(("=", "+", "-", "@"))


records = st.lists(
    st.builds(
        AutopilotRecord,
        serial=serials.filter(_no_formula),
        product_id=product_ids.filter(_no_formula),
        hardware_hash=hashes,
        group_tag=group_tags.filter(_no_formula),
        assigned_user=users.filter(_no_formula),
    ),
    max_size=12,
    unique_by=lambda r: r.serial.upper(),
)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("autopilot") / "sample.csv"


def looks_like_utf8(data: bytes) -> bool:
    """ANSI text such as "Ã©" is also valid UTF-8; a line like that reads as UTF-8."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not data.isascii()


def test_ansi_that_is_also_valid_utf8_reads_as_utf8(tmp_path: Path) -> None:
    data = format_intune_csv([record("PF1", group_tag="CafÃ©")])
    assert read_csv(write(tmp_path, data)).records[0].group_tag == "Café"


@settings(max_examples=150, deadline=None)
@given(devices=records)
def test_written_records_read_back_equal(scratch: Path, devices: list[AutopilotRecord]) -> None:
    data = format_intune_csv(devices)
    assume(not any(looks_like_utf8(line) for line in data.split(b"\r\n")))
    scratch.write_bytes(data)

    result = read_csv(scratch)

    assert result.problems == []
    assert result.records == [
        replace(d, source=str(scratch), line=i) for i, d in enumerate(devices, 2)
    ]
    assert b'"' not in data
    assert data.count(b"\r\n") == data.count(b"\n") == len(devices) + 1


@settings(max_examples=150, deadline=None)
@given(devices=records, in_utf8=st.integers(0, 2**14 - 1))
def test_lines_each_in_utf8_or_ansi_read_back_equal(
    scratch: Path, devices: list[AutopilotRecord], in_utf8: int
) -> None:
    """Line i is UTF-8 if bit i of `in_utf8` is set, else ANSI (as Intune's export writes it)."""
    lines = format_intune_csv(devices).split(b"\r\n")
    utf8 = [bool(in_utf8 >> i & 1) for i in range(len(lines))]
    ansi = [i for i, line in enumerate(lines, 1) if not utf8[i - 1] and not line.isascii()]
    assume(not any(looks_like_utf8(lines[i - 1]) for i in ansi))
    lines = [
        line.decode("cp1252").encode("utf-8") if u else line
        for line, u in zip(lines, utf8, strict=True)
    ]
    scratch.write_bytes(b"\r\n".join(lines))

    result = read_csv(scratch)

    assert result.problems == []
    assert result.records == [
        replace(d, source=str(scratch), line=i) for i, d in enumerate(devices, 2)
    ]
    mixed = bool(ansi) and any(
        u and not line.isascii() for line, u in zip(lines, utf8, strict=True)
    )
    assert result.encoding == ("utf-8+cp1252" if mixed else "cp1252" if ansi else "utf-8")
    assert len(result.notes) == mixed
    if mixed:
        listed = ", ".join(map(str, ansi[:10])) + (f" and {len(ansi) - 10} more" * (len(ansi) > 10))
        assert result.notes[0].reason.startswith(f"line{'s' * (len(ansi) > 1)} {listed} ")


def assert_well_formed(path: Path, data: bytes) -> None:
    """Reading any bytes gives records and Problems that say where and why, never an exception."""
    path.write_bytes(data)
    items = list(iter_records(path))
    for item in items:
        assert isinstance(item, AutopilotRecord | Problem)
        if isinstance(item, Problem):
            assert item.file == str(path)
            assert item.reason.strip()
            assert item.line is None or item.line >= 1
        else:
            assert item.source == str(path)
            assert item.line >= 2
    accepted = [item for item in items if isinstance(item, AutopilotRecord)]
    format_intune_csv(accepted[:MAX_ROWS_PER_FILE])  # whatever is read can be written for Intune


BOMS = st.sampled_from([b"", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE])


@settings(max_examples=200, deadline=None)
@given(bom=BOMS, data=st.binary(max_size=2048))
def test_arbitrary_bytes_never_raise(scratch: Path, bom: bytes, data: bytes) -> None:
    assert_well_formed(scratch, bom + data)


@settings(max_examples=200, deadline=None)
@given(bom=BOMS, lines=st.lists(st.text(max_size=80), max_size=6))
def test_arbitrary_text_after_a_valid_header_never_raises(
    scratch: Path, bom: bytes, lines: list[str]
) -> None:
    encoding = {codecs.BOM_UTF16_LE: "utf-16-le", codecs.BOM_UTF16_BE: "utf-16-be"}.get(bom)
    text = "\r\n".join([HDR5, *lines])
    assert_well_formed(scratch, bom + text.encode(encoding or "utf-8", "surrogatepass"))


SMALL = random.Random(5)
SEEDS = [
    make_csv([make_row(SMALL, 5, serial=f"PF{i}", group_tag="Café-Zürich") for i in range(3)]),
    make_csv(
        [[f"PF{i}", "", fake_hash(SMALL, 1100), "Lab", "megan@contoso.com"] for i in range(3)],
        encoding="cp1252",
        newline="\n",
    ),
    make_csv(
        [["PF1", "", fake_hash(SMALL, 1100), "Contoso", "Model 1"]],
        PARTNER_HEADER,
        encoding="utf-8-sig",
    ),
]
INTERESTING = st.sampled_from(b'",\r\n\x00 \t=+/\xff\xfe')
mutations = st.lists(
    st.tuples(
        st.sampled_from(["flip", "insert", "delete"]),
        st.integers(0, 2**20),
        INTERESTING | st.integers(0, 255),
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=200, deadline=None)
@given(seed=st.sampled_from(SEEDS), edits=mutations)
def test_mutated_valid_files_never_raise(
    scratch: Path, seed: bytes, edits: list[tuple[str, int, int]]
) -> None:
    data = bytearray(seed)
    for kind, position, byte in edits:
        where = position % (len(data) + 1)
        if kind == "insert":
            data.insert(where, byte)
        elif data and where < len(data):
            if kind == "flip":
                data[where] = byte
            else:
                del data[where]
    assert_well_formed(scratch, bytes(data))


@given(
    st.text("AB+/=a-\n é", max_size=12)
    | st.binary(max_size=9).map(base64.b64encode).map(bytes.decode)
)
def test_base64_size_agrees_with_the_strict_decoder(value: str) -> None:
    try:
        expected: int | None = len(binascii.a2b_base64(value, strict_mode=True))
    except (binascii.Error, ValueError):
        expected = None
    if len(value) % 4:
        # Python's strict mode still accepts surplus padding ("AAAA="); .NET's
        # Convert.FromBase64String, and so Joinery, refuse any length not a multiple of 4.
        expected = None
    assert base64_size(value) == expected


# --- writing for Intune -----------------------------------------------------------------------


def test_intune_file_is_exact_ansi_without_quotes_or_bom() -> None:
    hash_ = b64(MIN_HASH_BYTES)
    devices = [
        record("PF1", hardware_hash=hash_, group_tag="Café-Zürich", assigned_user="m@contoso.com"),
        record("VMware-56 4d", product_id="XJ4-9K2", hardware_hash=hash_),
    ]

    data = format_intune_csv(devices)

    assert data == (
        b"Device Serial Number,Windows Product ID,Hardware Hash,Group Tag,Assigned User\r\n"
        + b"PF1,," + hash_.encode() + b",Caf\xe9-Z\xfcrich,m@contoso.com\r\n"
        + b"VMware-56 4d,XJ4-9K2," + hash_.encode() + b",,\r\n"
    )  # fmt: skip


def test_export_splits_into_files_of_500(tmp_path: Path) -> None:
    devices = [record(f"PF{i:05d}", group_tag="Lab") for i in range(1201)]

    paths = write_intune_csv(devices, tmp_path / "new" / "out")

    assert [p.name for p in paths] == [
        "autopilot-001.csv",
        "autopilot-002.csv",
        "autopilot-003.csv",
    ]
    files = [read_csv(p) for p in paths]
    assert [len(f.records) for f in files] == [500, 500, 201]
    assert all(f.problems == [] and f.layout == "5-column" for f in files)
    assert [r.serial for f in files for r in f.records] == [d.serial for d in devices]
    assert sorted(os.listdir(tmp_path / "new" / "out")) == [p.name for p in paths]  # no temp files


def test_ansi_export_reads_back_as_cp1252(tmp_path: Path) -> None:
    [path] = write_intune_csv([record("PF1", group_tag="Café-Zürich")], tmp_path)
    result = read_csv(path)
    assert (result.encoding, result.records[0].group_tag) == ("cp1252", "Café-Zürich")


@pytest.mark.parametrize(
    ("field", "value", "column", "reason"),
    [
        ("group_tag", "Lab, A", GROUP_TAG, "a comma"),
        ("group_tag", 'Lab "A"', GROUP_TAG, "a double quote"),
        ("group_tag", "Lab\r\nA", GROUP_TAG, "a line break"),
        ("group_tag", "Lab\x00", GROUP_TAG, "U+0000"),
        ("group_tag", "東京", GROUP_TAG, "ANSI (Windows-1252) can't hold"),
        ("serial", "PF,9", SERIAL, "a comma"),
        ("serial", "PF 9 ", SERIAL, "spaces at its start or end"),
        ("serial", "PFé9", SERIAL, "contains 'é'"),
        ("assigned_user", "megan@contoso", USER, "isn't a domain name"),
        ("hardware_hash", "AAAA", HASH, "placeholder"),
        ("product_id", "a,b", PRODUCT_ID, "a comma"),
    ],
)
def test_unwritable_value_refuses_the_whole_export(
    tmp_path: Path, field: str, value: str, column: str, reason: str
) -> None:
    bad = replace(record("PF9"), **{field: value})  # type: ignore[arg-type]
    devices = [record("PF1"), bad]

    with pytest.raises(InputError, match="cannot write 1 values for Intune") as caught:
        write_intune_csv(devices, tmp_path / "out")

    [problem] = caught.value.problems
    assert (problem.file, problem.line, problem.column) == (f"serial {bad.serial!r}", None, column)
    assert reason in problem.reason
    assert not (tmp_path / "out").exists()
    with pytest.raises(InputError):
        format_intune_csv(devices)


def test_every_unwritable_value_is_reported(tmp_path: Path) -> None:
    devices = [record("PF1", group_tag="a,b"), record("PF2", assigned_user="x"), record("pf1")]
    with pytest.raises(InputError) as caught:
        write_intune_csv(devices, tmp_path)
    assert [(p.file, p.column) for p in caught.value.problems] == [
        ("serial 'PF1'", GROUP_TAG), ("serial 'PF2'", USER), ("serial 'pf1'", SERIAL)
    ]  # fmt: skip
    assert "more than once" in caught.value.problems[-1].reason
    assert list(tmp_path.iterdir()) == []


def test_nothing_to_export(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no devices to export"):
        write_intune_csv([], tmp_path)


def test_one_file_holds_at_most_500_devices() -> None:
    with pytest.raises(InputError, match="501 devices don't fit in one file"):
        format_intune_csv([record(f"PF{i}") for i in range(501)])


def test_existing_export_is_kept_unless_overwrite(tmp_path: Path) -> None:
    first = write_intune_csv([record(f"PF{i}") for i in range(1001)], tmp_path)
    (tmp_path / "notes.txt").write_text("keep me")
    before = {p: p.read_bytes() for p in first}

    with pytest.raises(InputError, match=r"autopilot-001\.csv.*overwrite.*empty folder"):
        write_intune_csv([record("NEW1")], tmp_path)
    assert {p: p.read_bytes() for p in first} == before

    [only] = write_intune_csv([record("NEW1")], tmp_path, overwrite=True)

    assert sorted(p.name for p in tmp_path.iterdir()) == ["autopilot-001.csv", "notes.txt"]
    assert [r.serial for r in read_csv(only).records] == ["NEW1"]


def test_failed_write_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[int] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        synced.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)

    def refuse(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)

    with pytest.raises(KnownError, match="No space left"):
        write_intune_csv([record("PF1")], tmp_path)
    assert synced  # the data reached the disk before the rename was attempted
    assert list(tmp_path.iterdir()) == []


# --- stored samples ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "encoding", "layout", "serials"),
    [
        ("ps51-default.csv", "utf-16-le", "3-column",
         ["PF3X9K2A", "VMware-56 4d 9f 1a 2b 3c 4d 5e-6f 70 81 92 a3 b4 c5 d6"]),
        ("ps7-grouptag-user.csv", "utf-8", "5-column", ["5CG1234XYZ", "0000-0012-3842-5177"]),
        ("partner.csv", "utf-8-sig", "partner", ["8CC1234ABC"]),
        ("intune-ansi.csv", "cp1252", "4-column", ["JX4K2L9"]),
    ],
)  # fmt: skip
def test_stored_samples_read_and_export(
    tmp_path: Path, name: str, encoding: str, layout: str, serials: list[str]
) -> None:
    result = read_csv(DATA / name)
    assert result.problems == []
    assert (result.encoding, result.layout) == (encoding, layout)
    assert [r.serial for r in result.records] == serials

    [exported] = write_intune_csv(result.records, tmp_path)
    again = read_csv(exported)
    assert (again.problems, again.layout) == ([], "5-column")
    assert [r.serial for r in again.records] == serials
