"""The kiosk's screens in navigation order: Ctrl+1 opens the first, Ctrl+8 the eighth."""

from __future__ import annotations

SCREENS = ("enroll", "bulk", "devices", "fleet", "packages", "audit", "settings", "tenant")
TITLES = {
    "enroll": "Enroll",
    "bulk": "Bulk provisioning",
    "devices": "Devices",
    "fleet": "Fleet",
    "packages": "Packages",
    "audit": "Audit",
    "settings": "Settings",
    "tenant": "Tenant",
}


def shortcut(key: str) -> str:
    """The key sequence that opens the screen `key`, as a person reads it ("Ctrl+7")."""
    return f"Ctrl+{SCREENS.index(key) + 1}"
