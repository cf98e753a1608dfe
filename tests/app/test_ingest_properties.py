"""Collector reports, properties: a round trip of generated reports, and fuzzed input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.ingest import SCHEMA, read_report, read_report_file
from tests.helpers.ingest_corpus import edit, report_bytes, sample_report, volumes


def write(folder: Path, data: bytes) -> Path:
    path = folder / "joinery-report-PF1-20261129051244.json"
    path.write_bytes(data)
    return path


maybe_bool = st.none() | st.booleans()
maybe_int = st.none() | st.integers(0, 200)
names = st.none() | st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp")),
    min_size=1,
    max_size=40,
)
serials = st.from_regex(r"[A-Z0-9][A-Z0-9\-]{0,20}", fullmatch=True)
versions = st.none() | st.from_regex(r"10\.0\.[1-9][0-9]{4}\.[0-9]{1,4}", fullmatch=True)
reports = st.fixed_dictionaries(
    {
        "serial": serials,
        "name": names,
        "manufacturer": names,
        "model": names,
        "edition": names,
        "version": versions,
        "secure_boot": maybe_bool,
        "code_integrity": maybe_bool,
        "defender": maybe_bool,
        "rtp": maybe_bool,
        "age": maybe_int,
        "min_length": maybe_int,
        "max_age": maybe_int,
        "history": maybe_int,
        "required": maybe_bool,
        "os_protected": maybe_bool,
    }
)


def as_report(f: dict[str, Any]) -> dict[str, Any]:
    status = {None: "Unknown", True: "On", False: "Off"}[f["os_protected"]]
    return {
        "schema": SCHEMA,
        "reportedAt": "2026-11-29T05:12:44Z",
        "device": {
            "serialNumber": f["serial"],
            "name": f["name"],
            "manufacturer": f["manufacturer"],
            "model": f["model"],
        },
        "os": {"edition": f["edition"], "version": f["version"]},
        "bitlocker": {"volumes": volumes(("OperatingSystem", status, 100))},
        "secureBoot": f["secure_boot"],
        "codeIntegrity": {"enabled": f["code_integrity"]},
        "defender": {
            "antivirusEnabled": f["defender"],
            "realTimeProtectionEnabled": f["rtp"],
            "antivirusSignatureAge": f["age"],
        },
        "passwordPolicy": {
            "required": f["required"],
            "minimumLength": f["min_length"],
            "maximumAgeDays": f["max_age"],
            "historyCount": f["history"],
        },
        "errors": [],
    }


@settings(max_examples=120, deadline=None)
@given(f=reports, bom=st.booleans())
def test_round_trip_a_report_gives_back_its_facts(
    tmp_path_factory: pytest.TempPathFactory, f: dict[str, Any], bom: bool
) -> None:
    path = write(tmp_path_factory.mktemp("rt"), report_bytes(as_report(f), bom=bom))
    facts = read_report(path)
    stripped = {
        k: (v.strip() or None) if isinstance(v, str) and k != "serial" else v for k, v in f.items()
    }
    if isinstance(stripped["edition"], str) and stripped["edition"].startswith("Microsoft "):
        stripped["edition"] = stripped["edition"].removeprefix("Microsoft ").strip()
    assert facts.serial == f["serial"]
    assert (facts.device_name, facts.manufacturer, facts.model) == (
        stripped["name"],
        stripped["manufacturer"],
        stripped["model"],
    )
    assert (facts.os_edition, facts.os_version) == (stripped["edition"], f["version"])
    assert facts.bitlocker_enabled is f["os_protected"]
    assert facts.storage_encrypted is True
    assert (facts.secure_boot_enabled, facts.code_integrity_enabled) == (
        f["secure_boot"],
        f["code_integrity"],
    )
    assert (facts.defender_enabled, facts.rtp_enabled, facts.signature_age_days) == (
        f["defender"],
        f["rtp"],
        f["age"],
    )
    assert facts.password_required is f["required"]
    assert (
        facts.password_minimum_length,
        facts.password_expiration_days,
        facts.password_history_count,
    ) == (f["min_length"], f["max_age"], f["history"])


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)
paths = st.sampled_from(
    [
        "device",
        "device.serialNumber",
        "os",
        "bitlocker",
        "bitlocker.volumes",
        "tpm",
        "secureBoot",
        "deviceGuard",
        "defender",
        "firewall.profiles",
        "securityCenter",
        "passwordPolicy",
        "lastUpdate",
        "errors",
        "reportedAt",
        "codeIntegrity",
    ]
)


@settings(max_examples=200, deadline=None)
@given(edits=st.lists(st.tuples(paths, json_values), min_size=1, max_size=4))
def test_any_json_in_any_field_is_read_or_refused_never_crashes(
    tmp_path_factory: pytest.TempPathFactory, edits: list[tuple[str, object]]
) -> None:
    report = sample_report()
    for path, value in edits:
        parent = path.rsplit(".", 1)[0] if "." in path else None
        if parent is None or isinstance(report.get(parent), dict):
            edit(report, path, value)
    result = read_report_file(write(tmp_path_factory.mktemp("fz"), report_bytes(report)))
    assert (result.facts is None) == bool(result.problems)


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=512))
def test_random_bytes_are_refused_never_crash(
    tmp_path_factory: pytest.TempPathFactory, data: bytes
) -> None:
    result = read_report_file(write(tmp_path_factory.mktemp("rb"), data))
    assert result.facts is None and result.problems
