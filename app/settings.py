"""Kiosk settings: each declared once, with its type, default, bounds and meaning."""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.errors import InputError
from app.security.roles import Actor, Permission
from app.store import Store

_DOMAIN = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")


@dataclass(frozen=True)
class Setting:
    key: str
    default: int | tuple[str, ...]
    description: str
    minimum: int = 0
    maximum: int = 0

    def parse(self, text: str) -> int | tuple[str, ...]:
        """The value typed by an admin, checked; InputError says what is wrong."""
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

    def show(self, value: int | tuple[str, ...]) -> str:
        return str(value) if isinstance(value, int) else ",".join(value)


SETTINGS = {
    s.key: s
    for s in (
        Setting(
            "idle_lock_minutes",
            5,
            "Minutes without input before the kiosk locks (OWASP: 2-5 for high value).",
            1,
            30,
        ),
        Setting(
            "tenant_domains",
            (),
            "The tenant's verified domains, comma-separated: a user's UPN must end in one.",
        ),
        Setting(
            "max_devices_per_user",
            50,
            "Entra's 'Maximum number of devices' per user (default 50, at most 100).",
            1,
            100,
        ),
        Setting(
            "no_policy_compliant",
            1,
            "1: devices with no compliance policy count as compliant (Intune's default); "
            "0: as noncompliant (choose 0 with Conditional Access).",
            0,
            1,
        ),
        Setting(
            "compliance_validity_days",
            30,
            "Compliance status validity period: a device with no report for this many days "
            "is noncompliant through 'Is active' (Intune: 1-120, default 30).",
            1,
            120,
        ),
        Setting(
            "stale_days",
            90,
            "A device with no activity for this many days is stale (never fewer than 21: "
            "Entra updates the activity timestamp only every 14 days).",
            21,
            3650,
        ),
    )
}


def value(store: Store, key: str) -> int | tuple[str, ...]:
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
            "admin sets them with `joinery settings set tenant_domains contoso.com`"
        )
    if domain not in verified and not any(domain.endswith("." + d) for d in verified):
        return f"{domain} is not one of the tenant's verified domains ({', '.join(verified)})"
    return None


def put(store: Store, actor: Actor, key: str, text: str) -> None:
    actor.require(Permission.CHANGE_SETTINGS)
    setting = SETTINGS.get(key)
    if setting is None:
        raise InputError(f"there is no setting called {key!r}; known: {', '.join(SETTINGS)}")
    parsed = setting.show(setting.parse(text))
    with store.transaction():
        old = store.setting(key)
        store.set_setting(key, parsed)
        store.append_audit(actor.audit_name, "settings.change", key, {"from": old, "to": parsed})
