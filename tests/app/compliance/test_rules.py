"""A truth table per setting: fact value x requirement -> Graph complianceStatus and reason."""

from __future__ import annotations

from typing import Any

import pytest

from app.compliance.facts import DeviceFacts, FactSource
from app.compliance.properties import VersionRange
from app.compliance.rules import BY_SETTING, RULES, Comparison, Status, check, leading_number
from app.compliance.versions import parse_version, version_key

C, N, U, E = Status.COMPLIANT, Status.NON_COMPLIANT, Status.UNKNOWN, Status.ERROR
BOOL_TABLE = [(True, C), (False, N), (None, U)]
RANGES = (
    VersionRange("10.0.19045", "10.0.19045.9999"),
    VersionRange("10.0.22631", "10.0.26100.9999"),
)


def facts(**values: Any) -> DeviceFacts:
    return DeviceFacts("S1", "2026-01-01T00:00:00Z", FactSource.COLLECTOR, **values)


TABLE: list[tuple[str, Any, Any, Status]] = [
    *[
        (rule.setting, True, value, status)
        for rule in RULES
        if rule.comparison is Comparison.TRUE
        for value, status in BOOL_TABLE
    ],
    ("passwordMinimumLength", 8, 8, C),
    ("passwordMinimumLength", 8, 14, C),
    ("passwordMinimumLength", 8, 7, N),
    ("passwordMinimumLength", 8, 0, N),
    ("passwordMinimumLength", 8, None, U),
    ("passwordExpirationDays", 90, 90, C),
    ("passwordExpirationDays", 90, 1, C),
    ("passwordExpirationDays", 90, 91, N),
    ("passwordExpirationDays", 90, 0, N),  # never expires
    ("passwordExpirationDays", 90, None, U),
    ("passwordPreviousPasswordBlockCount", 5, 5, C),
    ("passwordPreviousPasswordBlockCount", 5, 4, N),
    ("osMinimumVersion", "10.0.19045", "10.0.19045", C),
    ("osMinimumVersion", "10.0.19045", "10.0.19045.0", C),
    ("osMinimumVersion", "10.0.19045", "10.0.19044.9999", N),
    ("osMinimumVersion", "10.0.19045", "10.0.26100.1", C),
    ("osMinimumVersion", "10.0.9", "10.0.10", C),  # numeric, not text, comparison
    ("osMinimumVersion", "10.0.19045", "Windows 11", E),
    ("osMinimumVersion", "10.0.19045", None, U),
    ("osMaximumVersion", "10.0.22631.9999", "10.0.22631.4602", C),
    ("osMaximumVersion", "10.0.22631.9999", "10.0.26100.1", N),
    ("validOperatingSystemBuildRanges", RANGES, "10.0.19045.5247", C),
    ("validOperatingSystemBuildRanges", RANGES, "10.0.22621.4602", N),
    ("validOperatingSystemBuildRanges", RANGES, "10.0.26100.9999", C),
    ("validOperatingSystemBuildRanges", RANGES, "x", E),
    ("defenderVersion", "4.18.24090.11", "4.18.24090.11", C),
    ("defenderVersion", "4.18.24090.11", "4.18.3.0", N),
    ("defenderVersion", "4.18.24090.11", "4.18.100000.0", C),
    ("signatureOutOfDate", True, 0, C),
    ("signatureOutOfDate", True, 7, C),
    ("signatureOutOfDate", True, 8, N),
    ("signatureOutOfDate", True, None, U),
    ("tpmRequired", True, "2.0", C),
    ("tpmRequired", True, "1.2", C),
    ("tpmRequired", True, "", N),
    ("tpmRequired", True, "0", N),
    ("tpmRequired", True, None, U),
]


@pytest.mark.parametrize(("setting", "required", "value", "status"), TABLE)
def test_truth_table(setting: str, required: Any, value: Any, status: Status) -> None:
    rule = BY_SETTING[setting]
    got, reason = check(rule, required, facts(**{rule.fact: value}))
    assert got == status
    assert (reason is None) == (status == C)


def test_every_rule_has_a_row() -> None:
    assert {rule.setting for rule in RULES} <= {row[0] for row in TABLE}


def test_reasons_read_like_sentences() -> None:
    rule = BY_SETTING["osMinimumVersion"]
    _, reason = check(rule, "10.0.19045", facts(os_version="10.0.19044"))
    assert reason == "Windows 10.0.19044 is below the minimum 10.0.19045"
    _, reason = check(BY_SETTING["bitLockerEnabled"], True, facts(bitlocker_enabled=False))
    assert reason == "BitLocker is off"
    _, reason = check(BY_SETTING["bitLockerEnabled"], True, facts())
    assert reason == "BitLocker was not reported"


def test_versions_compare_part_by_part() -> None:
    assert parse_version("10.0.19045") == (10, 0, 19045, 0)
    assert parse_version("10.0.1.2.3") is None and parse_version("") is None
    assert version_key("10.0.9") < version_key("10.0.10")  # type: ignore[operator]
    assert version_key(" 10.0.1 ") == version_key("10.0.1.0")


@pytest.mark.parametrize(
    ("text", "number"), [("2.0", 2.0), (" 1.2", 1.2), ("", 0.0), ("abc", 0.0), ("0", 0.0)]
)
def test_leading_number_is_sqlites_cast(text: str, number: float) -> None:
    assert leading_number(text) == number
