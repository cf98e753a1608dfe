"""Intune "All devices" exports: the sample, encodings, header by name, a malformed corpus."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.autopilot import HEADER as AUTOPILOT_HEADER
from app.compliance.facts import FactSource
from app.domain import ComplianceState
from app.errors import Problem
from app.ingest import COMPLIANCE_TEXT, read_intune_export
from tests.helpers.ingest_corpus import INTUNE_HEADER, SAMPLE_EXPORT, intune_csv, intune_row


def write(tmp_path: Path, data: bytes, name: str = "DevicesWithInventory.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def only_problem(path: Path) -> Problem:
    export = read_intune_export(path)
    assert export.facts == [], export.facts
    assert len(export.problems) == 1, export.problems
    return export.problems[0]


def test_sample_export_reads_field_by_field() -> None:
    export = read_intune_export(SAMPLE_EXPORT)
    assert (export.encoding, export.problems, export.skipped) == ("utf-8-sig", [], 1)  # the iPhone
    lenovo, hp, dell, vm = export.facts
    assert all(f.source is FactSource.INTUNE_EXPORT for f in export.facts)
    assert lenovo.serial == "PF4XK2QZ"
    assert lenovo.reported_at == "2026-11-28T22:41:07Z"
    assert lenovo.device_name == "CTS-PF4XK2QZ"
    assert (lenovo.manufacturer, lenovo.model) == ("LENOVO", "21HD003GMX")
    assert lenovo.os_version == "10.0.26100.2314"
    assert (lenovo.bitlocker_enabled, lenovo.storage_encrypted) == (True, True)
    assert lenovo.reported_compliance == "compliant"
    assert (hp.serial, hp.reported_at) == ("5CG3471KQD", "2026-11-27T07:15:55Z")
    assert (hp.model, hp.os_version) == ("HP EliteBook 840 G10 Notebook PC", "10.0.19045.5131")
    assert (hp.bitlocker_enabled, hp.storage_encrypted) == (False, False)
    assert hp.reported_compliance == "noncompliant"
    assert (dell.serial, dell.manufacturer, dell.model) == ("8H2KQ73", "Dell Inc.", "Latitude 7440")
    assert dell.reported_compliance == "inGracePeriod"
    assert vm.serial == "0000-4411-3842-5177-0512-6601-20"
    assert (vm.bitlocker_enabled, vm.storage_encrypted) == (None, None)  # Encrypted left empty
    assert vm.reported_compliance == "notEvaluated"
    # The export carries none of the device-side facts: they stay unknown, never a pass or fail.
    for facts in export.facts:
        assert facts.hardware_hash is None and facts.os_edition is None
        assert facts.tpm_version is None and facts.firewall_enabled is None
        assert facts.defender_enabled is None and facts.password_required is None


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "utf-16", "utf-16-be", "cp1252"])
def test_export_reads_in_each_encoding(tmp_path: Path, encoding: str) -> None:
    data = intune_csv([intune_row(Device_name="CTS-Zürich-1")], encoding=encoding)
    if encoding == "utf-16-be":
        data = "\ufeff".encode("utf-16-be") + data
    export = read_intune_export(write(tmp_path, data))
    assert export.problems == []
    assert [f.device_name for f in export.facts] == ["CTS-Zürich-1"]


def test_columns_are_found_by_name_in_any_order_and_case(tmp_path: Path) -> None:
    header = ["Compliance", "serial NUMBER", "Extra column", " Last check-in ", "Encrypted"]
    row = {
        "Compliance": "Not compliant",
        "serial NUMBER": "PF9",
        " Last check-in ": "2026-11-28T22:41:07Z",
        "Encrypted": "False",
    }
    export = read_intune_export(write(tmp_path, intune_csv([row], header=header)))
    assert export.problems == []
    (facts,) = export.facts
    assert (facts.serial, facts.reported_at, facts.reported_compliance) == (
        "PF9",
        "2026-11-28T22:41:07Z",
        "noncompliant",
    )
    assert (facts.storage_encrypted, facts.device_name, facts.os_version) == (False, None, None)


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        ("2024-05-01 13:45:10.0000000", "2024-05-01T13:45:10Z"),
        ("2024-05-01 13:45:10", "2024-05-01T13:45:10Z"),
        ("2024-05-01T13:45:10Z", "2024-05-01T13:45:10Z"),
        ("2024-05-01T13:45:10.123+02:00", "2024-05-01T11:45:10Z"),
        ("2024-05-01 13:45", "2024-05-01T13:45:00Z"),
    ],
)
def test_check_in_times_as_the_portal_and_graph_write_them(
    tmp_path: Path, stamp: str, expected: str
) -> None:
    export = read_intune_export(write(tmp_path, intune_csv([intune_row(Last_check_in=stamp)])))
    assert [f.reported_at for f in export.facts] == [expected]


@pytest.mark.parametrize(("text", "state"), sorted(COMPLIANCE_TEXT.items()))
def test_every_compliance_text_maps_to_a_state(tmp_path: Path, text: str, state: str) -> None:
    row = intune_row(Compliance=text.upper() if len(text) > 5 else text.title())
    export = read_intune_export(write(tmp_path, intune_csv([row])))
    assert [f.reported_compliance for f in export.facts] == [state]
    assert state in set(ComplianceState)


def test_rows_of_other_platforms_are_skipped_not_refused(tmp_path: Path) -> None:
    rows = [
        intune_row(OS="Android", Serial_number="", Last_check_in="never"),
        intune_row(OS="macOS"),
        intune_row(OS="Windows", Serial_number="PF2"),
        intune_row(OS="", Serial_number="PF3"),  # no OS column value: taken as Windows
    ]
    export = read_intune_export(write(tmp_path, intune_csv(rows)))
    assert (export.skipped, export.problems) == (2, [])
    assert [f.serial for f in export.facts] == ["PF2", "PF3"]


# --- the malformed corpus --------------------------------------------------------------------

ROW_CORPUS = [
    ("no serial", {"Serial_number": ""}, "Serial number", "serial number is required"),
    ("bad serial", {"Serial_number": "PF\t1"}, "Serial number", "contains"),
    ("no check-in", {"Last_check_in": ""}, "Last check-in", "isn't a date and time"),
    ("us date", {"Last_check_in": "5/1/2024 1:45:10 PM"}, "Last check-in", "isn't a date"),
    ("feb 30", {"Last_check_in": "2024-02-30 13:45:10"}, "Last check-in", "real date"),
    ("compliance", {"Compliance": "Mostly fine"}, "Compliance", "isn't a compliance state"),
    ("encrypted", {"Encrypted": "Partially"}, "Encrypted", "isn't Yes, No, True or False"),
    ("os version", {"OS_version": "Windows 11 24H2"}, "OS version", "isn't a Windows version"),
]


@pytest.mark.parametrize(
    ("name", "values", "column", "reason"), ROW_CORPUS, ids=[c[0] for c in ROW_CORPUS]
)
def test_bad_rows_are_problems_naming_line_and_column(
    tmp_path: Path, name: str, values: dict[str, str], column: str, reason: str
) -> None:
    rows = [intune_row(Serial_number="PF1"), intune_row(**({"Serial_number": "PF2"} | values))]
    export = read_intune_export(write(tmp_path, intune_csv(rows)))
    assert [f.serial for f in export.facts] == ["PF1"]
    (problem,) = export.problems
    assert (problem.line, problem.column) == (3, column), problem
    assert reason in problem.reason, problem
    assert f"line 3, column {column!r}" in str(problem)


def test_every_fault_of_a_row_is_reported(tmp_path: Path) -> None:
    row = intune_row(Serial_number="", Compliance="?", Encrypted="maybe")
    export = read_intune_export(write(tmp_path, intune_csv([row])))
    assert {p.column for p in export.problems} == {"Serial number", "Compliance", "Encrypted"}


@pytest.mark.parametrize("missing", ["Serial number", "Last check-in"])
def test_a_missing_required_column_refuses_the_file(tmp_path: Path, missing: str) -> None:
    header = [c for c in INTUNE_HEADER if c != missing]
    problem = only_problem(write(tmp_path, intune_csv([intune_row()], header=header)))
    assert (problem.line, problem.column) == (1, missing)
    assert "is missing" in problem.reason


def test_an_autopilot_csv_is_told_apart(tmp_path: Path) -> None:
    data = (",".join(AUTOPILOT_HEADER[:3]) + "\r\nPF1,,QUJD\r\n").encode()
    problem = only_problem(write(tmp_path, data))
    assert "Autopilot hardware-hash CSV" in problem.reason


@pytest.mark.parametrize(
    ("data", "line", "reason"),
    [
        (b"", None, "empty file"),
        (b"\r\n\r\n", None, "empty file"),
        ("Serial number,Last check-in\r\n".encode("utf-16-le"), 1, "NUL bytes"),
        (b"Serial number,Last check-in,Serial number\r\nA,B,C\r\n", 1, "appears twice"),
        (b"Serial number,Last check-in\r\nPF1\r\n", 2, "found 1 values, expected 2"),
        (b'Serial number,Last check-in\r\n"PF1,2024-05-01\r\n', 2, "found 1 values"),
        (b"Serial number,Last check-in\r\nPF1,\x81\r\n", 2, "0x81 isn't valid cp1252"),
    ],
)
def test_malformed_files_are_problems_with_a_line(
    tmp_path: Path, data: bytes, line: int | None, reason: str
) -> None:
    problems = read_intune_export(write(tmp_path, data)).problems
    assert any(p.line == line and reason in p.reason for p in problems), problems


def test_quoted_fields_may_hold_commas_and_line_breaks(tmp_path: Path) -> None:
    rows = [
        intune_row(Serial_number="PF1", Model='Surface Laptop 5, 13.5"\r\nfor Business'),
        intune_row(Serial_number="PF2", Compliance="Oops"),
    ]
    export = read_intune_export(write(tmp_path, intune_csv(rows)))
    assert [f.model for f in export.facts] == ['Surface Laptop 5, 13.5"\r\nfor Business']
    assert [p.line for p in export.problems] == [4]  # the first row took lines 2 and 3


@settings(max_examples=150, deadline=None)
@given(
    cells=st.lists(st.lists(st.text(max_size=12), min_size=1, max_size=6), max_size=5),
    encoding=st.sampled_from(["utf-8-sig", "utf-16", "utf-8"]),
)
def test_any_csv_is_read_or_refused_never_crashes(
    tmp_path_factory: pytest.TempPathFactory, cells: list[list[str]], encoding: str
) -> None:
    header = ["Serial number", "Last check-in", "Compliance", "Encrypted", "OS"]
    rows = [dict(zip(header, row, strict=False)) for row in cells]
    path = write(tmp_path_factory.mktemp("csv"), intune_csv(rows, header, encoding))
    export = read_intune_export(path)
    assert len(export.facts) + export.skipped <= len(rows)
    assert all(p.file == str(path) for p in export.problems)
