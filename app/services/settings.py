"""Kiosk settings as the front ends read and change them. Each setting is declared once in
app.settings (type, default, bounds, label, meaning); these check who acts."""

from __future__ import annotations

from collections.abc import Mapping

from app import settings
from app.security.roles import Actor, Permission
from app.settings import SETTINGS, Setting
from app.store import Store

__all__ = [
    "SETTINGS",
    "Setting",
    "save_settings",
    "setting_number",
    "settings_values",
    "tenant_domains",
]

Value = int | tuple[str, ...] | str


def settings_values(store: Store, *, actor: Actor) -> dict[str, Value]:
    """Every setting's value (the default where none is stored), in declaration order."""
    actor.require(Permission.VIEW)
    return {key: settings.value(store, key) for key in SETTINGS}


def setting_number(store: Store, key: str, *, actor: Actor) -> int:
    """A whole-number setting (minutes, days, a count, a 0/1 flag)."""
    actor.require(Permission.VIEW)
    return settings.get(store, key)


def tenant_domains(store: Store, *, actor: Actor) -> tuple[str, ...]:
    """The tenant's verified domains: a user's UPN must end in one."""
    actor.require(Permission.VIEW)
    return settings.domains(store)


def save_settings(store: Store, changes: Mapping[str, str], *, actor: Actor) -> list[str]:
    """Check every typed value, then save them in one transaction, one audit entry each
    (admins); the keys whose value changed."""
    return settings.put_many(store, actor, changes)
