"""Kiosk settings: each declared once, with its type, default, bounds, label and meaning.

The CLI (`joinery settings`) and the kiosk's Settings screen both read these declarations:
a new setting appears in both without another line of UI code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from app.errors import InputError, Problem
from app.security.audit_actions import AuditAction
from app.security.roles import Actor, Permission
from app.store import Store

_DOMAIN = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
_GUID = re.compile(r"\{?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\}?")
#: What a one-value text setting holds: the check its value must pass and an example.
TEXT_KINDS = {
    "guid": (_GUID, "a GUID such as 00000000-0000-0000-0000-000000000000"),
    "domain": (_DOMAIN, "a domain name such as contoso.onmicrosoft.com"),
}


@dataclass(frozen=True)
class Setting:
    key: str
    default: int | tuple[str, ...] | str
    label: str  # a few words for a form row
    description: str  # one sentence: what it does, and where its bounds come from
    minimum: int = 0
    maximum: int = 0
    kind: str = ""  # a text setting (default ""): a key of TEXT_KINDS

    @property
    def is_flag(self) -> bool:
        """A yes/no setting, stored as 0 or 1."""
        return isinstance(self.default, int) and (self.minimum, self.maximum) == (0, 1)

    def parse(self, text: str) -> int | tuple[str, ...] | str:
        """The value typed by an admin, checked; InputError says what is wrong."""
        if isinstance(self.default, str):
            return self._parse_text(text)
        if isinstance(self.default, int):
            try:
                value = int(text)
            except ValueError:
                raise InputError(f"{self.key} is a whole number, not {text!r}") from None
            if not self.minimum <= value <= self.maximum:
                raise InputError(f"{self.key} must be between {self.minimum} and {self.maximum}")
            return value
        domains = tuple(d.strip().lower() for d in text.split(",") if d.strip())
        for domain in domains:
            if not _DOMAIN.fullmatch(domain):
                raise InputError(f"{domain!r} is not a domain name such as contoso.com")
        return domains

    def _parse_text(self, text: str) -> str:
        """One GUID (kept lowercase, without braces) or one domain; empty means not set."""
        value = text.strip().lower()
        if not value:
            return ""
        pattern, example = TEXT_KINDS[self.kind]
        match = pattern.fullmatch(value)
        if match is None:
            raise InputError(f"{self.label} is {example}, not {text.strip()!r}")
        return match.group(match.lastindex or 0)

    def problem(self, text: str) -> str | None:
        """Why `text` cannot be saved, as a form says it beside the field; None if it can."""
        try:
            self.parse(text)
        except InputError as exc:
            if isinstance(self.default, int):
                return f"Type a whole number from {self.minimum} to {self.maximum}."
            return f"{str(exc)[0].upper()}{str(exc)[1:]}."
        return None

    def show(self, value: int | tuple[str, ...] | str) -> str:
        return ",".join(value) if isinstance(value, tuple) else str(value)


SETTINGS = {
    s.key: s
    for s in (
        Setting(
            "tenant_domains",
            (),
            "Verified domains",
            "The tenant's verified domains, comma-separated: a user's UPN must end in one.",
        ),
        Setting(
            "max_devices_per_user",
            50,
            "Devices per user",
            "Entra's 'Maximum number of devices' per user (default 50, at most 100).",
            1,
            100,
        ),
        Setting(
            "idle_lock_minutes",
            5,
            "Idle lock (minutes)",
            "Minutes without input before the kiosk locks (OWASP: 2-5 for high value).",
            1,
            30,
        ),
        Setting(
            "compliance_validity_days",
            30,
            "Compliance validity (days)",
            "Compliance status validity period: a device with no report for this many days "
            "is noncompliant through 'Is active' (Intune: 1-120, default 30).",
            1,
            120,
        ),
        Setting(
            "stale_days",
            90,
            "Stale after (days)",
            "A device with no activity for this many days is stale (never fewer than 21: "
            "Entra updates the activity timestamp only every 14 days).",
            21,
            3650,
        ),
        Setting(
            "no_policy_compliant",
            1,
            "Devices without a policy are compliant",
            "Ticked (1, Intune's default): a device with no compliance policy counts as "
            "compliant. Not ticked (0): as noncompliant; choose this with Conditional Access.",
            0,
            1,
        ),
        Setting(
            "tenant_id",
            "",
            "Tenant ID",
            "The Microsoft Entra tenant's ID (a GUID, Entra admin center > Overview), written "
            "into each device's AutopilotConfigurationFile.json.",
            kind="guid",
        ),
        Setting(
            "tenant_domain",
            "",
            "Tenant domain",
            "The tenant's initial domain, such as contoso.onmicrosoft.com, written into each "
            "device's AutopilotConfigurationFile.json.",
            kind="domain",
        ),
        Setting(
            "autopilot_profile_id",
            "",
            "Autopilot profile ID",
            "The Autopilot deployment profile's ID (a GUID, Intune > Deployment profiles): "
            "the ZtdCorrelationId of each device's AutopilotConfigurationFile.json.",
            kind="guid",
        ),
        Setting(
            "tenant_push_policies",
            0,
            "Push compliance policies to the tenant",
            "Ticked (1): a policy can be queued for Intune (POST deviceCompliancePolicies); "
            "the app then also needs DeviceManagementConfiguration.ReadWrite.All.",
            0,
            1,
        ),
        Setting(
            "tenant_read_profiles",
            0,
            "Read Autopilot deployment profiles",
            "Ticked (1): each sync reads the tenant's Autopilot deployment profiles (a Graph "
            "beta API), so a bench profile can name the one it expects.",
            0,
            1,
        ),
    )
}


def value(store: Store, key: str) -> int | tuple[str, ...] | str:
    setting = SETTINGS[key]
    raw = store.setting(key)
    if raw is None:
        return setting.default
    try:
        return setting.parse(raw)
    except InputError:
        return setting.default  # an edited row never breaks the kiosk


def get(store: Store, key: str) -> int:
    result = value(store, key)
    assert isinstance(result, int), key
    return result


def text(store: Store, key: str) -> str:
    """A text setting's value; "" when it is not set."""
    result = value(store, key)
    assert isinstance(result, str), key
    return result


def domains(store: Store) -> tuple[str, ...]:
    result = value(store, "tenant_domains")
    assert isinstance(result, tuple)
    return result


def domain_problem(verified: tuple[str, ...], upn: str) -> str | None:
    """Why `upn`'s domain is not one of the tenant's `verified` domains (or subdomains), or None."""
    domain = upn.rpartition("@")[2].lower()
    if not verified:
        return (
            "the tenant's verified domains are not set, so no user can be checked: an "
            "admin adds them in the kiosk's Settings (or `joinery settings set tenant_domains "
            "contoso.com`)"
        )
    if domain not in verified and not any(domain.endswith("." + d) for d in verified):
        return f"{domain} is not one of the tenant's verified domains ({', '.join(verified)})"
    return None


def put(store: Store, actor: Actor, key: str, text: str) -> None:
    put_many(store, actor, {key: text})


def put_many(store: Store, actor: Actor, changes: Mapping[str, str]) -> list[str]:
    """Save several settings at once: all are checked first, then written in one
    transaction with one audit entry each. Returns the keys whose value changed."""
    actor.require(Permission.CHANGE_SETTINGS)
    unknown = [key for key in changes if key not in SETTINGS]
    if unknown:
        raise InputError(f"there is no setting called {unknown[0]!r}; known: {', '.join(SETTINGS)}")
    wanted: dict[str, str] = {}
    problems: list[Problem] = []
    for key, text in changes.items():
        try:
            wanted[key] = SETTINGS[key].show(SETTINGS[key].parse(text))
        except InputError as exc:
            problems.append(Problem(key, None, None, str(exc)))
    if len(problems) == 1:
        raise InputError(problems[0].reason)
    if problems:
        raise InputError(f"{len(problems)} settings cannot be saved", problems)
    changed: list[str] = []
    with store.transaction():
        for key, shown in wanted.items():
            old = store.setting(key)
            if old == shown or (old is None and shown == SETTINGS[key].show(SETTINGS[key].default)):
                continue  # saving a form unchanged writes nothing and audits nothing
            store.set_setting(key, shown)
            store.append_audit(
                actor.audit_name, AuditAction.SETTINGS_CHANGE, key, {"from": old, "to": shown}
            )
            changed.append(key)
    return changed
