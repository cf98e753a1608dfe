"""Read one check-in report written by resources/collector/Get-JoineryReport.ps1.

The format is "joinery.report/1" (docs/collector-report.md). A reader accepts schema major 1,
ignores fields it does not know, and refuses a newer major. Facts the collector could not
read are null in the report and None in DeviceFacts; the report's own "errors" list comes
back as warnings, never as problems.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

from app import jsonsafe
from app.autopilot.fields import CHECKS, HASH, SERIAL
from app.compliance.facts import DeviceFacts, FactSource
from app.errors import InputError, Problem
from app.ingest.fields import Faults, Node, describe
from app.ingest.text import check_date, check_os_version, read_text
from app.timeutil import parse_timestamp

log = logging.getLogger(__name__)

SCHEMA_NAME = "joinery.report"
SCHEMA_MAJOR = 1
SCHEMA = f"{SCHEMA_NAME}/{SCHEMA_MAJOR}"
MAX_REPORT_BYTES = 1024 * 1024  # a full report with its 4K hash is about 8 KB
_SCHEMA = re.compile(rf"{re.escape(SCHEMA_NAME)}/(\d{{1,6}})(?:\.\d{{1,6}})?")

VOLUME_TYPES = ("OperatingSystem", "FixedData", "Removable")
PROTECTION = ("On", "Off", "Unknown")
PROFILES = ("Domain", "Private", "Public")
VBS_RUNNING = 2  # Win32_DeviceGuard.VirtualizationBasedSecurityStatus
HVCI = 2  # SecurityServicesRunning: memory integrity
SECURE_LAUNCH = 3  # SecurityServicesRunning: System Guard Secure Launch
#: Windows Security Center productState, definitions byte: 0x10 = signatures out of date.
#: (The bit layout is community-documented; Microsoft documents no public decoding.)
SIGNATURES_OUT_OF_DATE = 0x10


class _Encryption(TypedDict):
    bitlocker_enabled: bool | None
    storage_encrypted: bool | None


class _Registered(TypedDict):
    antivirus_registered: bool | None
    antispyware_registered: bool | None


class _Password(TypedDict):
    password_required: bool | None
    password_minimum_length: int | None
    password_expiration_days: int | None
    password_history_count: int | None


@dataclass(frozen=True)
class ReportFile:
    """One report: its facts, or the problems that refused it; the collector's own errors."""

    path: Path
    facts: DeviceFacts | None
    problems: list[Problem]
    warnings: list[Problem]


def read_report(path: str | Path) -> DeviceFacts:
    """The facts of one report; raises InputError naming every problem (file and field)."""
    report = read_report_file(path)
    if report.facts is None:
        count = len(report.problems)
        raise InputError(
            f"{path}: the check-in report was refused ({count} problem(s))", report.problems
        )
    return report.facts


def read_report_file(path: str | Path) -> ReportFile:
    """Read one report; never raises for its content or an unreadable file."""
    target = Path(path)
    faults = Faults(str(path))
    root = _load(target, faults)
    if root is None or not _schema_ok(root):
        return ReportFile(target, None, faults.problems, [])
    facts = _facts(root)
    warnings = _collector_errors(root)
    if faults.problems:
        return ReportFile(target, None, faults.problems, warnings)
    log.debug("%s: report of %s, %d collector error(s)", path, facts.serial, len(warnings))
    return ReportFile(target, facts, [], warnings)


def _load(path: Path, faults: Faults) -> Node | None:
    decoded = read_text(path, MAX_REPORT_BYTES, "a check-in report", ansi=False)
    if isinstance(decoded, Problem):
        faults.problems.append(decoded)
        return None
    try:
        data = jsonsafe.loads(decoded.text)
    except json.JSONDecodeError as exc:
        reason = f"isn't valid JSON: {exc.msg} at character {exc.colno}; the file is damaged"
        faults.problems.append(Problem(faults.file, exc.lineno, None, reason))
        return None
    except jsonsafe.JsonRefused as exc:
        reason = f"isn't a check-in report: the JSON can't be read (it {exc.reason})"
        faults.problems.append(Problem(faults.file, exc.line, None, reason))
        return None
    except ValueError as exc:
        faults.add(None, f"isn't a check-in report: the JSON can't be read ({exc})")
        return None
    if not isinstance(data, dict):
        faults.add(None, f"a check-in report is one JSON object {{...}}, found {describe(data)}")
        return None
    return Node(faults, data)


def _schema_ok(root: Node) -> bool:
    schema = root.raw("schema")
    match = _SCHEMA.fullmatch(schema) if isinstance(schema, str) else None
    if match is None:
        root.faults.add(
            "schema",
            f"expected {SCHEMA!r}, found {describe(schema)}: this isn't a Joinery check-in "
            "report (Get-JoineryReport.ps1 writes them)",
        )
        return False
    major = int(match.group(1))
    if major > SCHEMA_MAJOR:
        root.faults.add(
            "schema",
            f"the report is {schema}, written by a newer collector; this Joinery reads "
            f"{SCHEMA} only: update Joinery, or collect with its own Get-JoineryReport.ps1",
        )
        return False
    if major < SCHEMA_MAJOR:
        root.faults.add("schema", f"{schema} isn't a schema any Joinery wrote; expected {SCHEMA}")
        return False
    return True


def _facts(root: Node) -> DeviceFacts:
    device = root.node("device") or Node(root.faults, {}, "device")
    serial = device.text("serialNumber", required=True)
    if serial is not None and (reason := CHECKS[SERIAL](serial)):
        root.faults.add("device.serialNumber", reason)
    stamp = root.text("reportedAt", required=True)
    reported_at = None
    if stamp is not None:
        reported_at, reason = parse_timestamp(stamp, naive_is_utc=False)
        if reason:
            root.faults.add("reportedAt", reason)
    edition, version = _os(root)
    guard = _device_guard(root)
    defender = root.node("defender")
    return DeviceFacts(
        serial=serial or "",
        reported_at=reported_at or "",
        source=FactSource.COLLECTOR,
        device_name=device.text("name"),
        manufacturer=device.text("manufacturer"),
        model=device.text("model"),
        hardware_hash=_hash(device),
        os_edition=edition,
        os_version=version,
        **_bitlocker(root),
        tpm_version=_tpm(root),
        secure_boot_enabled=root.flag("secureBoot"),
        code_integrity_enabled=_code_integrity(root),
        vbs_enabled=guard[0],
        memory_integrity_enabled=guard[1],
        firmware_protection_enabled=guard[2],
        defender_enabled=defender.flag("antivirusEnabled") if defender else None,
        rtp_enabled=defender.flag("realTimeProtectionEnabled") if defender else None,
        defender_version=defender.text("amProductVersion") if defender else None,
        signature_age_days=defender.integer("antivirusSignatureAge") if defender else None,
        **_security_center(root),
        firewall_enabled=_firewall(root),
        **_password(root),
        last_update_installed=_last_update(root),
        entra_joined=_joined(root),
    )


def _joined(root: Node) -> bool | None:
    """join.entraJoined (collector 1.1: dsregcmd /status, AzureAdJoined); None before 1.1."""
    node = root.node("join")
    return node.flag("entraJoined") if node else None


def _hash(device: Node) -> str | None:
    value = device.text("hardwareHash", limit=64 * 1024)
    if value is not None and (reason := CHECKS[HASH](value)):
        device.faults.add(device.where("hardwareHash"), reason)
        return None
    return value


def _os(root: Node) -> tuple[str | None, str | None]:
    node = root.node("os")
    if node is None:
        return None, None
    edition = node.text("edition")
    if edition is not None and edition.startswith("Microsoft "):
        edition = edition.removeprefix("Microsoft ").strip()  # Win32_OperatingSystem.Caption
    version = node.text("version")
    if version is not None and (reason := check_os_version(version)):
        node.faults.add(node.where("version"), reason)
        version = None
    return edition, version


def _bitlocker(root: Node) -> _Encryption:
    """bitlocker_enabled: the OS volume is protected; storage_encrypted: the OS volume is
    fully encrypted. Data drives do not count: Intune's "Encryption of data storage on a
    device" checks "more specifically at the OS drive level". None where the report can't
    tell."""
    node = root.node("bitlocker")
    volumes = node.nodes("volumes") if node else None
    if not volumes:
        return {"bitlocker_enabled": None, "storage_encrypted": None}
    protected: list[bool | None] = []
    encrypted: list[bool | None] = []
    for volume in volumes:
        kind = volume.choice("volumeType", VOLUME_TYPES)
        status = volume.choice("protectionStatus", PROTECTION)
        percent = volume.number("encryptionPercentage", 0, 100)
        if kind == "OperatingSystem":
            protected.append(None if status in (None, "Unknown") else status == "On")
            encrypted.append(None if percent is None else percent >= 100)
    return {"bitlocker_enabled": _all(protected), "storage_encrypted": _all(encrypted)}


def _all(values: list[bool | None]) -> bool | None:
    """False if any is False; True if all are True; otherwise (or if empty) unknown."""
    if False in values:
        return False
    if values and all(values):
        return True
    return None


def _tpm(root: Node) -> str | None:
    node = root.node("tpm")
    if node is None:
        return None
    present = node.flag("present")
    version = node.text("version")
    if present is False:
        return ""  # DeviceFacts: "" means the device has no TPM
    if version is not None and not re.fullmatch(r"\d{1,3}\.\d{1,3}", version):
        node.faults.add(node.where("version"), f"{version!r} isn't a TPM version such as 2.0")
        return None
    return version if present else None


def _code_integrity(root: Node) -> bool | None:
    node = root.node("codeIntegrity")
    return node.flag("enabled") if node else None


def _device_guard(root: Node) -> tuple[bool | None, bool | None, bool | None]:
    """(VBS running, memory integrity running, System Guard Secure Launch running)."""
    node = root.node("deviceGuard")
    if node is None:
        return None, None, None
    status = node.integer("virtualizationBasedSecurityStatus", 0, 2)
    running = node.integers("securityServicesRunning")
    vbs = None if status is None else status == VBS_RUNNING
    if running is None:
        return vbs, None, None
    return vbs, HVCI in running, SECURE_LAUNCH in running


def _security_center(root: Node) -> _Registered:
    node = root.node("securityCenter")
    return {
        "antivirus_registered": _registered(node, "antivirus"),
        "antispyware_registered": _registered(node, "antispyware"),
    }


def _registered(node: Node | None, key: str) -> bool | None:
    """True when a product registered with Security Center is on and up to date: Intune's
    "Require" fails a device "that has its Antivirus software disabled or out of date"."""
    products = node.nodes(key) if node else None
    if products is None:
        return None
    good = False
    for product in products:
        product.text("displayName")  # read to check its type
        state = product.integer("productState")
        current = state is None or not state & SIGNATURES_OUT_OF_DATE
        good |= product.flag("enabled") is not False and current
    return good


def _firewall(root: Node) -> bool | None:
    """True only when the domain, private and public profiles are all on."""
    node = root.node("firewall")
    profiles = node.nodes("profiles") if node else None
    if profiles is None:
        return None
    states: dict[str, bool | None] = {}
    for profile in profiles:
        name = profile.choice("name", PROFILES)
        enabled = profile.flag("enabled")
        if name is not None:
            states[name] = enabled
    return _all([states.get(name) for name in PROFILES])


def _password(root: Node) -> _Password:
    node = root.node("passwordPolicy")
    if node is None:
        node = Node(root.faults, {}, "passwordPolicy")
    return {
        "password_required": node.flag("required"),
        "password_minimum_length": node.integer("minimumLength", 0, 256),
        "password_expiration_days": node.integer("maximumAgeDays", 0, 999),
        "password_history_count": node.integer("historyCount", 0, 1024),
    }


def _last_update(root: Node) -> str | None:
    node = root.node("lastUpdate")
    installed = node.text("installedOn") if node else None
    if node is not None and installed is not None and (reason := check_date(installed)):
        node.faults.add(node.where("installedOn"), reason)
        return None
    return installed


def _collector_errors(root: Node) -> list[Problem]:
    """The collector's "errors" list: facts it could not read, as warnings for the operator."""
    warnings: list[Problem] = []
    for entry in root.nodes("errors") or []:
        fact = entry.text("fact") or "?"
        message = entry.text("message", limit=4096) or "no reason given"
        warnings.append(Problem(root.faults.file, None, fact, f"not collected: {message}"))
    return warnings
