"""Collector reports: the samples, a malformed corpus, derived facts, properties, the script."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.compliance.facts import DeviceFacts, FactSource
from app.errors import InputError
from app.ingest import MAX_REPORT_BYTES, read_report, read_report_file
from tests.helpers.ingest_corpus import (
    PARTIAL_REPORT,
    SAMPLE_REPORT,
    edit,
    report_bytes,
    sample_report,
    volumes,
)


def write(
    tmp_path: Path, data: bytes, name: str = "joinery-report-PF1-20261129051244.json"
) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def refused(path: Path) -> str:
    """The message of the InputError that read_report raises, problems included."""
    with pytest.raises(InputError) as caught:
        read_report(path)
    assert caught.value.problems, "every refusal lists its problems"
    assert all(p.file == str(path) for p in caught.value.problems)
    return str(caught.value)


def facts_of(tmp_path: Path, report: dict[str, Any]) -> DeviceFacts:
    return read_report(write(tmp_path, report_bytes(report)))


# --- the samples -----------------------------------------------------------------------------


def test_full_sample_report_reads_field_by_field() -> None:
    facts = read_report(SAMPLE_REPORT)
    hash_ = sample_report()["device"]["hardwareHash"]
    assert facts.serial == "PF4XK2QZ"
    assert facts.reported_at == "2026-11-29T05:12:44Z"
    assert facts.source is FactSource.COLLECTOR
    assert facts.device_name == "CTS-PF4XK2QZ"
    assert facts.manufacturer == "LENOVO"
    assert facts.model == "21HD003GMX"
    assert facts.hardware_hash == hash_
    assert facts.os_edition == "Windows 11 Enterprise"
    assert facts.os_version == "10.0.26100.2314"
    assert facts.bitlocker_enabled is True
    assert facts.storage_encrypted is True  # the removable E: at 0% doesn't count
    assert facts.tpm_version == "2.0"
    assert facts.secure_boot_enabled is True
    assert facts.code_integrity_enabled is True
    assert facts.vbs_enabled is True
    assert facts.memory_integrity_enabled is True
    assert facts.firmware_protection_enabled is False  # Secure Launch configured, not running
    assert facts.kernel_dma_protection_enabled is None  # not collected
    assert facts.early_launch_antimalware_enabled is None  # not collected
    assert facts.defender_enabled is True
    assert facts.rtp_enabled is True
    assert facts.defender_version == "4.18.24090.11"
    assert facts.signature_age_days == 1
    assert facts.antivirus_registered is True
    assert facts.antispyware_registered is True
    assert facts.firewall_enabled is True
    assert facts.password_required is True
    assert facts.password_minimum_length == 14
    assert facts.password_expiration_days == 0
    assert facts.password_history_count == 24
    assert facts.last_update_installed == "2026-11-13"
    assert facts.reported_compliance is None


def test_partial_sample_keeps_missing_facts_unknown_and_warns() -> None:
    report = read_report_file(PARTIAL_REPORT)
    facts = report.facts
    assert facts is not None and report.problems == []
    assert (facts.serial, facts.hardware_hash) == ("5CG3471KQD", None)
    assert facts.os_edition == "Windows 10 Pro"
    assert facts.os_version == "10.0.19045.5131"
    assert (facts.bitlocker_enabled, facts.storage_encrypted, facts.tpm_version) == (None,) * 3
    assert facts.secure_boot_enabled is False
    assert (facts.vbs_enabled, facts.memory_integrity_enabled) == (False, False)
    assert (facts.defender_enabled, facts.rtp_enabled, facts.defender_version) == (None,) * 3
    assert facts.signature_age_days is None
    assert facts.antivirus_registered is True  # ESET, registered and on
    assert facts.antispyware_registered is None
    assert facts.firewall_enabled is False  # Public is off
    assert (facts.password_required, facts.password_minimum_length) == (False, 0)
    assert facts.password_expiration_days == 42
    assert facts.last_update_installed is None
    assert [w.column for w in report.warnings] == [
        "device.hardwareHash",
        "bitlocker",
        "tpm",
        "defender",
        "securityCenter.antispyware",
        "lastUpdate",
    ]
    assert report.warnings[0].reason == "not collected: Access denied"


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [("utf-8", False), ("utf-8", True), ("utf-16-le", True), ("utf-16-be", True)],
)
def test_report_reads_in_every_encoding_powershell_writes(
    tmp_path: Path, encoding: str, bom: bool
) -> None:
    data = report_bytes(sample_report(), encoding, bom=bom)
    assert read_report(write(tmp_path, data)) == read_report(SAMPLE_REPORT)


# --- derived facts ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("vols", "bitlocker", "encrypted"),
    [
        (volumes(("OperatingSystem", "On", 100), ("FixedData", "Off", 100)), True, True),
        (volumes(("OperatingSystem", "Off", 100)), False, True),  # suspended: encrypted, off
        # Intune judges encryption on the OS drive: a data drive does not fail it.
        (volumes(("OperatingSystem", "On", 100), ("FixedData", "On", 42.5)), True, True),
        (volumes(("OperatingSystem", "On", 60), ("FixedData", "On", 100)), True, False),
        (volumes(("OperatingSystem", "Unknown", None)), None, None),
        (volumes(("FixedData", "On", 100)), None, None),  # no OS volume listed
        (volumes(("OperatingSystem", "On", 100), ("Removable", "Off", 0)), True, True),
        ([], None, None),
    ],
)
def test_bitlocker_and_storage_encryption_are_derived_from_the_volumes(
    tmp_path: Path, vols: list[dict[str, object]], bitlocker: bool | None, encrypted: bool | None
) -> None:
    facts = facts_of(tmp_path, edit(sample_report(), "bitlocker.volumes", vols))
    assert (facts.bitlocker_enabled, facts.storage_encrypted) == (bitlocker, encrypted)


@pytest.mark.parametrize(
    ("profiles", "expected"),
    [
        ([("Domain", True), ("Private", True), ("Public", True)], True),
        ([("Domain", True), ("Private", False), ("Public", True)], False),
        ([("Domain", True), ("Private", True)], None),  # Public not reported
        ([("Domain", True), ("Private", True), ("Public", None)], None),
    ],
)
def test_firewall_is_on_only_when_every_profile_is(
    tmp_path: Path, profiles: list[tuple[str, bool | None]], expected: bool | None
) -> None:
    value = [{"name": n, "enabled": e} for n, e in profiles]
    facts = facts_of(tmp_path, edit(sample_report(), "firewall.profiles", value))
    assert facts.firewall_enabled is expected


def test_no_tpm_reads_as_empty_version(tmp_path: Path) -> None:
    report = edit(sample_report(), "tpm", {"present": False, "specVersion": None, "version": ""})
    assert facts_of(tmp_path, report).tpm_version == ""


def test_security_center_products_turned_off_are_not_registered(tmp_path: Path) -> None:
    off = [{"displayName": "Contoso AV", "productState": 266256, "enabled": False}]
    report = edit(sample_report(), "securityCenter.antivirus", off)
    report = edit(report, "securityCenter.antispyware", [])
    facts = facts_of(tmp_path, report)
    assert (facts.antivirus_registered, facts.antispyware_registered) == (False, False)


def test_caption_prefix_and_offset_times_are_normalised(tmp_path: Path) -> None:
    report = edit(sample_report(), "os.edition", "Microsoft Windows 11 Pro")
    report = edit(report, "reportedAt", "2026-11-29T06:12:44.1234567+01:00")
    facts = facts_of(tmp_path, report)
    assert (facts.os_edition, facts.reported_at) == ("Windows 11 Pro", "2026-11-29T05:12:44Z")


def test_unknown_fields_and_a_minor_version_are_accepted(tmp_path: Path) -> None:
    report = edit(sample_report(), "schema", "joinery.report/1.3")
    report["newFact"] = {"anything": [1, 2]}
    report["device"]["chassis"] = "Notebook"
    assert facts_of(tmp_path, report) == read_report(SAMPLE_REPORT)


# --- the malformed corpus --------------------------------------------------------------------

VALID = report_bytes(sample_report())

CORPUS: list[tuple[str, bytes, list[str]]] = [
    ("truncated", VALID[: len(VALID) // 2], ["line ", "isn't valid JSON"]),
    ("empty", b"", ["line 1", "isn't valid JSON"]),
    ("not an object", b"[1, 2]", ["a check-in report is one JSON object", "a list of 2"]),
    ("binary", b"\x00\x01\x02garbage", ["NUL bytes"]),
    ("utf-16 without bom", json.dumps(sample_report()).encode("utf-16-le"), ["NUL bytes"]),
    ("bad utf-8", VALID.replace(b"LENOVO", b"LEN\xc3\x28VO"), ["line 11", "0xC3"]),
    ("nested too deep", b"[" * 100_000 + b"]" * 100_000, ["can't be read"]),
    ("huge number", b'{"schema": ' + b"9" * 5000 + b"}", ["can't be read"]),
]


def mutated(path: str, value: object) -> bytes:
    return report_bytes(edit(sample_report(), path, value))


FIELD_CORPUS: list[tuple[str, bytes, str, str]] = [
    ("no schema", mutated("schema", ...), "schema", "isn't a Joinery check-in report"),
    (
        "foreign schema",
        mutated("schema", "intune.report/1"),
        "schema",
        "expected 'joinery.report/1'",
    ),
    (
        "newer major",
        mutated("schema", "joinery.report/2"),
        "schema",
        "written by a newer collector",
    ),
    ("newer major minor", mutated("schema", "joinery.report/3.1"), "schema", "update Joinery"),
    ("schema not text", mutated("schema", 1), "schema", "found a number (1)"),
    ("missing serial", mutated("device.serialNumber", ...), "device.serialNumber", "required"),
    ("null serial", mutated("device.serialNumber", None), "device.serialNumber", "required"),
    ("blank serial", mutated("device.serialNumber", "   "), "device.serialNumber", "required"),
    (
        "serial number",
        mutated("device.serialNumber", 12345),
        "device.serialNumber",
        "expected a string",
    ),
    (
        "serial chars",
        mutated("device.serialNumber", "PF<1>"),
        "device.serialNumber",
        "contains '<'",
    ),
    ("no device", mutated("device", ...), "device.serialNumber", "required"),
    ("device a list", mutated("device", []), "device", "expected an object"),
    ("no time", mutated("reportedAt", ...), "reportedAt", "required"),
    ("naive time", mutated("reportedAt", "2026-11-29T05:12:44"), "reportedAt", "no time zone"),
    ("bad time", mutated("reportedAt", "yesterday"), "reportedAt", "isn't a date and time"),
    ("impossible time", mutated("reportedAt", "2026-02-30T05:12:44Z"), "reportedAt", "real date"),
    ("bool as text", mutated("secureBoot", "true"), "secureBoot", "expected true or false"),
    ("int as bool", mutated("secureBoot", 1), "secureBoot", "found a number (1)"),
    (
        "bool as int",
        mutated("passwordPolicy.minimumLength", True),
        "passwordPolicy.minimumLength",
        "whole number",
    ),
    (
        "float as int",
        mutated("defender.antivirusSignatureAge", 1.5),
        "defender.antivirusSignatureAge",
        "whole number",
    ),
    (
        "negative",
        mutated("passwordPolicy.historyCount", -1),
        "passwordPolicy.historyCount",
        "outside 0",
    ),
    (
        "percent",
        mutated("bitlocker.volumes.0.encryptionPercentage", 101),
        "bitlocker.volumes[0].encryptionPercentage",
        "outside 0 to 100",
    ),
    (
        "volume type",
        mutated("bitlocker.volumes.1.volumeType", "Data"),
        "bitlocker.volumes[1].volumeType",
        "isn't one of",
    ),
    (
        "volume not object",
        mutated("bitlocker.volumes.0", "C:"),
        "bitlocker.volumes[0]",
        "expected an object",
    ),
    ("volumes not list", mutated("bitlocker.volumes", {}), "bitlocker.volumes", "expected a list"),
    (
        "services",
        mutated("deviceGuard.securityServicesRunning", ["2"]),
        "deviceGuard.securityServicesRunning",
        "list of whole numbers",
    ),
    (
        "vbs status",
        mutated("deviceGuard.virtualizationBasedSecurityStatus", 7),
        "deviceGuard.virtualizationBasedSecurityStatus",
        "outside 0 to 2",
    ),
    ("os version", mutated("os.version", "Windows 11"), "os.version", "isn't a Windows version"),
    ("tpm version", mutated("tpm.version", "two"), "tpm.version", "isn't a TPM version"),
    (
        "update date",
        mutated("lastUpdate.installedOn", "11/13/2026"),
        "lastUpdate.installedOn",
        "YYYY-MM-DD",
    ),
    ("hash", mutated("device.hardwareHash", "not base64!"), "device.hardwareHash", "hardware hash"),
    (
        "short hash",
        mutated("device.hardwareHash", "QUJD"),
        "device.hardwareHash",
        "decodes to 3 bytes",
    ),
    (
        "profile name",
        mutated("firewall.profiles.0.name", "Work"),
        "firewall.profiles[0].name",
        "isn't one of",
    ),
    ("long model", mutated("device.model", "x" * 300), "device.model", "300 characters"),
]


@pytest.mark.parametrize(("name", "data", "expected"), CORPUS, ids=[c[0] for c in CORPUS])
def test_malformed_reports_are_refused_with_where_and_why(
    tmp_path: Path, name: str, data: bytes, expected: list[str]
) -> None:
    message = refused(write(tmp_path, data))
    for part in expected:
        assert part in message, f"{name}: {part!r} not in {message!r}"


@pytest.mark.parametrize(
    ("name", "data", "field", "reason"), FIELD_CORPUS, ids=[c[0] for c in FIELD_CORPUS]
)
def test_wrong_fields_are_refused_naming_the_field(
    tmp_path: Path, name: str, data: bytes, field: str, reason: str
) -> None:
    path = write(tmp_path, data)
    report = read_report_file(path)
    assert report.facts is None
    matches = [p for p in report.problems if p.column == field and reason in p.reason]
    assert matches, f"{name}: no problem at {field} with {reason!r}: {report.problems}"
    assert f"column {field!r}" in refused(path)


def test_every_wrong_field_is_reported_in_one_pass(tmp_path: Path) -> None:
    report = edit(sample_report(), "secureBoot", "yes")
    report = edit(report, "os.version", 10)
    report = edit(report, "device.serialNumber", None)
    problems = read_report_file(write(tmp_path, report_bytes(report))).problems
    assert {p.column for p in problems} == {"secureBoot", "os.version", "device.serialNumber"}


def test_a_huge_file_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    data = VALID[:-2] + b',"padding": "' + b"x" * MAX_REPORT_BYTES + b'"}'
    message = refused(write(tmp_path, data))
    assert f"at most {MAX_REPORT_BYTES:,} bytes" in message


def test_an_unreadable_path_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    message = refused(tmp_path / "missing.json")
    assert "cannot read the file" in message
