"""Which fact answers which setting, and how: one rule per evaluable Graph setting.

The Python evaluation below is the reference (one device, with reasons a person reads); the
store compiles the same rules to SQL for the fleet (app/store/compliance_sql.py), and a
property test holds the two to the same answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from app.compliance.facts import DeviceFacts, FactSource
from app.compliance.properties import VersionRange
from app.compliance.versions import version_key

#: Windows Security Center calls signatures out of date after 7 days (the default of
#: "Define the number of days before virus definitions are considered out of date").
SIGNATURE_MAX_AGE_DAYS = 7


class Status(StrEnum):
    """Graph complianceStatus, per setting."""

    UNKNOWN = "unknown"
    NOT_APPLICABLE = "notApplicable"
    COMPLIANT = "compliant"
    REMEDIATED = "remediated"
    NON_COMPLIANT = "nonCompliant"
    ERROR = "error"
    CONFLICT = "conflict"
    NOT_ASSIGNED = "notAssigned"


class Comparison(StrEnum):
    TRUE = "true"  # the boolean fact is true
    AT_LEAST = "atLeast"  # the number is at least the required value
    EXPIRES_WITHIN = "expiresWithin"  # 1 <= days <= required (0 means never expires)
    SIGNATURES_CURRENT = "signaturesCurrent"  # age <= SIGNATURE_MAX_AGE_DAYS
    VERSION_MIN = "versionMin"
    VERSION_MAX = "versionMax"
    VERSION_RANGES = "versionRanges"
    TPM = "tpm"  # a TPM spec version above 0


#: Settings Intune reads from Device Health Attestation, which the device reports at boot.
ATTESTATION_NOTE = (
    "Intune reads this from Device Health Attestation, so it sees a change only after the "
    "device restarts"
)
#: Password facts come from the local password policy (net accounts), not from the
#: DeviceLock policy Intune reads: close, not the same.
PASSWORD_NOTE = "approximate: read from the local password policy, not from Intune"


@dataclass(frozen=True)
class Rule:
    setting: str  # Graph property
    fact: str  # DeviceFacts field
    comparison: Comparison
    failure: str  # what a failing device has, in words ("BitLocker is off")
    missing: str  # what was not reported ("BitLocker")
    note: str | None = None  # how Intune's view of this may differ from the bench's


def _true(setting: str, fact: str, failure: str, missing: str, note: str | None = None) -> Rule:
    return Rule(setting, fact, Comparison.TRUE, failure, missing, note)


RULES: tuple[Rule, ...] = (
    _true(
        "passwordRequired",
        "password_required",
        "No password is required",
        "The password",
        PASSWORD_NOTE,
    ),
    Rule(
        "passwordMinimumLength",
        "password_minimum_length",
        Comparison.AT_LEAST,
        "The minimum password length is {value}, below {required}",
        "The minimum password length",
        PASSWORD_NOTE,
    ),
    Rule(
        "passwordExpirationDays",
        "password_expiration_days",
        Comparison.EXPIRES_WITHIN,
        "Passwords expire after {value} days, not within {required}",
        "Password expiry",
        PASSWORD_NOTE,
    ),
    Rule(
        "passwordPreviousPasswordBlockCount",
        "password_history_count",
        Comparison.AT_LEAST,
        "Password history remembers {value} passwords, fewer than {required}",
        "Password history",
        PASSWORD_NOTE,
    ),
    Rule(
        "osMinimumVersion",
        "os_version",
        Comparison.VERSION_MIN,
        "Windows {value} is below the minimum {required}",
        "The Windows version",
    ),
    Rule(
        "osMaximumVersion",
        "os_version",
        Comparison.VERSION_MAX,
        "Windows {value} is above the maximum {required}",
        "The Windows version",
    ),
    Rule(
        "validOperatingSystemBuildRanges",
        "os_version",
        Comparison.VERSION_RANGES,
        "Windows {value} is in none of the allowed build ranges ({required})",
        "The Windows version",
    ),
    _true(
        "earlyLaunchAntiMalwareDriverEnabled",
        "early_launch_antimalware_enabled",
        "Early launch antimalware is off",
        "Early launch antimalware",
        ATTESTATION_NOTE,
    ),
    _true(
        "bitLockerEnabled",
        "bitlocker_enabled",
        "BitLocker is off",
        "BitLocker",
        ATTESTATION_NOTE,
    ),
    _true(
        "secureBootEnabled",
        "secure_boot_enabled",
        "Secure Boot is off",
        "Secure Boot",
        ATTESTATION_NOTE,
    ),
    _true(
        "codeIntegrityEnabled",
        "code_integrity_enabled",
        "Code integrity is off",
        "Code integrity",
        ATTESTATION_NOTE,
    ),
    _true(
        "memoryIntegrityEnabled",
        "memory_integrity_enabled",
        "Memory integrity (HVCI) is off",
        "Memory integrity",
    ),
    _true(
        "kernelDmaProtectionEnabled",
        "kernel_dma_protection_enabled",
        "Kernel DMA protection is off",
        "Kernel DMA protection",
    ),
    _true(
        "virtualizationBasedSecurityEnabled",
        "vbs_enabled",
        "Virtualization-based security is not running",
        "Virtualization-based security",
    ),
    _true(
        "firmwareProtectionEnabled",
        "firmware_protection_enabled",
        "Firmware protection is off",
        "Firmware protection",
    ),
    _true(
        "storageRequireEncryption",
        "storage_encrypted",
        "The OS drive is not encrypted",
        "Drive encryption",
    ),
    _true("activeFirewallRequired", "firewall_enabled", "The firewall is off", "The firewall"),
    _true(
        "defenderEnabled",
        "defender_enabled",
        "Microsoft Defender Antimalware is off",
        "Microsoft Defender",
    ),
    Rule(
        "defenderVersion",
        "defender_version",
        Comparison.VERSION_MIN,
        "Defender {value} is below the minimum {required}",
        "The Defender version",
    ),
    Rule(
        "signatureOutOfDate",
        "signature_age_days",
        Comparison.SIGNATURES_CURRENT,
        f"Defender signatures are {{value}} days old (out of date after {SIGNATURE_MAX_AGE_DAYS})",
        "The Defender signature age",
    ),
    _true("rtpEnabled", "rtp_enabled", "Real-time protection is off", "Real-time protection"),
    _true(
        "antivirusRequired",
        "antivirus_registered",
        "No antivirus registered with Windows Security Center is on and up to date",
        "Antivirus registration",
    ),
    _true(
        "antiSpywareRequired",
        "antispyware_registered",
        "No antispyware registered with Windows Security Center is on and up to date",
        "Antispyware registration",
    ),
    Rule("tpmRequired", "tpm_version", Comparison.TPM, "There is no TPM", "The TPM"),
)
BY_SETTING = {r.setting: r for r in RULES}

#: The column holding the sortable key of each version fact (facts table).
VERSION_KEYS = {"os_version": "os_version_key", "defender_version": "defender_version_key"}

_LEADING_NUMBER = re.compile(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def leading_number(text: str) -> float:
    """SQLite's CAST(text AS REAL): the leading number, or 0.0 (so SQL and Python agree)."""
    match = _LEADING_NUMBER.match(text)
    return float(match.group(0)) if match else 0.0


def shown_required(rule: Rule, required: Any) -> str:
    if rule.comparison is Comparison.VERSION_RANGES:
        return ", ".join(f"{r.lowest}-{r.highest}" for r in required)
    return str(required)


def check(rule: Rule, required: Any, facts: DeviceFacts) -> tuple[Status, str | None]:
    """The setting's status on this device, and the failure in words (None when compliant)."""
    value = getattr(facts, rule.fact)
    if value is None:
        return Status.UNKNOWN, f"{rule.missing} was not reported"
    passed = _passes(rule, required, value)
    if passed is None:
        return Status.ERROR, f"{rule.missing} {value!r} cannot be read"
    if passed:
        return Status.COMPLIANT, None
    return Status.NON_COMPLIANT, rule.failure.format(
        value=value, required=shown_required(rule, required)
    )


def note_for(rule: Rule, facts: DeviceFacts) -> str | None:
    """How Intune's view of this setting may differ from what the bench measured."""
    if rule.note == PASSWORD_NOTE and facts.source is FactSource.INTUNE_EXPORT:
        return None
    return rule.note


def _passes(rule: Rule, required: Any, value: Any) -> bool | None:
    test = rule.comparison
    if test is Comparison.TRUE:
        return bool(value)
    if test is Comparison.AT_LEAST:
        return bool(value >= required)
    if test is Comparison.EXPIRES_WITHIN:
        return bool(1 <= value <= required)
    if test is Comparison.SIGNATURES_CURRENT:
        return bool(value <= SIGNATURE_MAX_AGE_DAYS)
    if test is Comparison.TPM:
        return leading_number(str(value)) > 0
    key = version_key(value)
    if key is None:
        return None  # reported, but not a version: the collector or parser misread it
    if test is Comparison.VERSION_MIN:
        return key >= (version_key(required) or "")
    if test is Comparison.VERSION_MAX:
        return key <= (version_key(required) or "")
    ranges: tuple[VersionRange, ...] = required
    return any(range_keys(r)[0] <= key <= range_keys(r)[1] for r in ranges)


def range_keys(r: VersionRange) -> tuple[str, str]:
    """Sortable keys of a range's ends (validated versions: never None)."""
    return version_key(r.lowest) or "", version_key(r.highest) or ""
