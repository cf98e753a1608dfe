"""How stored values read on screen (Intune's and Entra's own words)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from app.compliance.words import STATE_WORDS

_WORDS = {
    "compliance_state": {str(state): words for state, words in STATE_WORDS.items()},
    "enrollment_status": {
        "registered": "Registered",
        "enrolled": "Enrolled",
        "retired": "Retired",
    },
    "join_type": {
        "entraJoined": "Microsoft Entra joined",
        "hybridJoined": "Microsoft Entra hybrid joined",
        "entraRegistered": "Microsoft Entra registered",
        "none": "Not joined",
    },
    "provisioning_method": {
        "autopilot": "Windows Autopilot",
        "bulk": "Bulk enrollment",
        "selfService": "Self-service (OOBE)",
    },
    "management_authority": {
        "intune": "Microsoft Intune",
        "configurationManager": "Configuration Manager",
        "coManaged": "Co-managed",
        "none": "Not managed",
    },
}


def shown(field: str, value: str | None) -> str:
    """The on-screen words for a stored value; unknown values show as they are."""
    if value is None:
        return ""
    words = _WORDS.get(field, {}).get(value)
    return QCoreApplication.translate("words", words) if words else value
