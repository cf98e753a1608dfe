"""Entra join eligibility: a truth table of editions, builds and provisioning methods."""

from __future__ import annotations

import pytest

from app import eligibility
from app.domain import ProvisioningMethod as M

CASES = [
    # edition, build, method, azure_vm, eligible, words in the reason or way out
    ("Windows 11 Pro", "10.0.26100.2605", M.AUTOPILOT, False, True, "Windows 11 24H2"),
    ("Enterprise", "24H2", M.BULK, False, True, "bulk enrollment"),
    ("Education", "22631", M.SELF_SERVICE, False, True, "Windows 11 23H2"),
    ("Pro for Workstations", "10.0.19045", M.AUTOPILOT, False, True, "Windows 10 22H2"),
    ("Pro Education", "1709", M.AUTOPILOT, False, True, "1709"),
    ("Windows 11 Home", "26100", M.SELF_SERVICE, False, False, "Upgrade the edition to Pro"),
    ("Home Single Language", "22631", M.BULK, False, False, "Home editions"),
    ("Pro", "1703", M.AUTOPILOT, False, False, "Windows Autopilot"),
    ("Pro", "1703", M.BULK, False, True, "bulk"),
    ("Pro", "1607", M.BULK, False, False, "build 15063"),
    ("Pro", "1511", M.SELF_SERVICE, False, True, "self-service"),
    ("Pro", "1507", M.SELF_SERVICE, False, False, "1511"),
    ("Windows Server 2022 Datacenter", "10.0.20348", M.SELF_SERVICE, True, True, "Azure VM"),
    ("Windows Server 2022 Datacenter", "10.0.20348", M.SELF_SERVICE, False, False, "Azure"),
    ("Windows Server 2016 Standard", "10.0.14393", M.SELF_SERVICE, True, False, "2019"),
    ("Windows Server 2022 Standard", "10.0.20348", M.SELF_SERVICE, True, False, "Datacenter"),
    (
        "Windows Server 2022 Datacenter Core",
        "10.0.20348",
        M.SELF_SERVICE,
        True,
        False,
        "Desktop Experience",
    ),
    ("Pro", "banana", M.BULK, False, False, "not a Windows version"),
]


@pytest.mark.parametrize(("edition", "build", "method", "vm", "eligible", "words"), CASES)
def test_truth_table(
    edition: str, build: str, method: M, vm: bool, eligible: bool, words: str
) -> None:
    verdict = eligibility.check(edition, build, method, azure_vm=vm)
    assert verdict.eligible is eligible
    text = f"{verdict.reason} {verdict.way_out or ''} {verdict.windows}"
    assert words in text
    if not eligible:
        assert verdict.reason


def test_every_eligible_verdict_warns_against_sysprep() -> None:
    for edition, build, vm in (
        ("Pro", "26100", False),
        ("Windows Server 2022 Datacenter", "20348", True),
    ):
        verdict = eligibility.check(edition, build, M.SELF_SERVICE, azure_vm=vm)
        assert verdict.eligible
        assert verdict.warnings == (eligibility.SYSPREP_WARNING,)
        assert verdict.as_json()["warnings"] == [eligibility.SYSPREP_WARNING]
    assert eligibility.check("Home", "26100", M.SELF_SERVICE).warnings == ()


def test_refusals_always_offer_a_way_out_when_there_is_one() -> None:
    home = eligibility.check("Home", "26100", M.AUTOPILOT)
    assert home.way_out is not None and "Pro" in home.way_out


@pytest.mark.parametrize(
    ("text", "build"),
    [
        ("10.0.26100.2605", 26100),
        ("26100", 26100),
        ("Windows 11 24H2", 26100),
        ("1709", 16299),
        ("Windows 10 22H2", 19045),
        ("22H2", 19045),
        ("nonsense", None),
    ],
)
def test_parse_build(text: str, build: int | None) -> None:
    assert eligibility.parse_build(text) == build
