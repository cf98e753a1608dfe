"""Kiosk settings: each declared once, with its type, default and what it means."""

from __future__ import annotations

from dataclasses import dataclass

from app.errors import InputError
from app.security.roles import Actor, Permission
from app.store import Store


@dataclass(frozen=True)
class Setting:
    key: str
    default: int
    minimum: int
    maximum: int
    description: str


SETTINGS = {
    s.key: s
    for s in (
        Setting(
            "idle_lock_minutes",
            5,
            1,
            30,
            "Minutes without input before the kiosk locks (OWASP: 2-5 for high value).",
        ),
    )
}


def get(store: Store, key: str) -> int:
    setting = SETTINGS[key]
    raw = store.setting(key)
    try:
        value = int(raw) if raw is not None else setting.default
    except ValueError:
        return setting.default
    return min(max(value, setting.minimum), setting.maximum)


def put(store: Store, actor: Actor, key: str, value: int) -> None:
    actor.require(Permission.CHANGE_SETTINGS)
    setting = SETTINGS.get(key)
    if setting is None:
        raise InputError(f"there is no setting called {key!r}; known: {', '.join(SETTINGS)}")
    if not setting.minimum <= value <= setting.maximum:
        raise InputError(f"{key} must be between {setting.minimum} and {setting.maximum}")
    with store.transaction():
        old = store.setting(key)
        store.set_setting(key, str(value))
        store.append_audit(actor.audit_name, "settings.change", key, {"from": old, "to": value})
