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
    at = when(device.enrolled_at, to="minute", empty="")
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


def when(stamp: str | None, *, to: str = "second", empty: str = "—") -> str:
    """A stored time ("2026-11-30T19:20:13Z", UTC as everything Joinery stores) as a person
    reads it: "2026-11-30 19:20:13"; `to` "minute", "day" or "clock" (19:20:13) shorten it.
    The one formatter of times on screen."""
    if not stamp:
        return empty
    text = stamp.replace("T", " ").removesuffix("Z")
    if to == "minute":
        return text[:16]
    if to == "day":
        return text[:10]
    if to == "clock":
        return text[11:19]
    return text[:19]
