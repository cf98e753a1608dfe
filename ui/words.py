"""How stored values read on screen (Intune's and Entra's own words)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from app.domain import Device, EnrollmentStatus
from app.services import STATE_WORDS

_WORDS = {
    "compliance_state": {str(state): words for state, words in STATE_WORDS.items()},
    "enrollment_status": {
        "registered": "Registered",
        "prepared": "Prepared at the bench",
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


def _tr(text: str) -> str:
    return QCoreApplication.translate("words", text)


#: The join a prepared device is set up for: planned, not yet done.
_PLANNED_JOIN = {
    "entraJoined": "Microsoft Entra join (planned)",
    "hybridJoined": "Microsoft Entra hybrid join (planned)",
    "entraRegistered": "Microsoft Entra registration (planned)",
}


def join_type(device: Device) -> str:
    """The join type in words; for a device only prepared at the bench, the planned one."""
    if device.enrollment_status == EnrollmentStatus.PREPARED:
        planned = _PLANNED_JOIN.get(device.join_type)
        if planned:
            return _tr(planned)
    return shown("join_type", device.join_type)


def enrollment(device: Device) -> tuple[str, str]:
    """Where the device is on its way to a managed desktop, in one line, and what that
    means (a tooltip). A bench enrollment is only prepared until its join is confirmed."""
    at = (device.enrolled_at or "").replace("T", " ")[:16]  # to the minute
    if device.enrollment_status == EnrollmentStatus.PREPARED:
        return (
            _tr("Prepared at the bench {t}; join not confirmed yet").format(t=at),
            _tr(
                "The device joins when it runs its setup. This says Enrolled once a check-in "
                "that reports the join, an Intune export or the tenant confirms it."
            ),
        )
    if device.enrollment_status == EnrollmentStatus.ENROLLED and at:
        return (
            _tr("Enrolled (prepared at the bench {t})").format(t=at),
            _tr("A check-in, an Intune export or the tenant confirmed the join."),
        )
    words = shown("enrollment_status", device.enrollment_status)
    return words, words
