"""The kiosk's screens in navigation order: Ctrl+1 opens the first, Ctrl+7 the seventh."""

from __future__ import annotations

SCREENS = ("enroll", "bulk", "devices", "fleet", "packages", "audit", "settings")
TITLES = {
    "enroll": "Enroll",
    "bulk": "Bulk provisioning",
    "devices": "Devices",
    "fleet": "Fleet",
    "packages": "Packages",
    "audit": "Audit",
    "settings": "Settings",
}


def shortcut(key: str) -> str:
    """The key sequence that opens the screen `key`, as a person reads it ("Ctrl+7")."""
    return f"Ctrl+{SCREENS.index(key) + 1}"
