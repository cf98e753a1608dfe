"""Stale devices: a cleanup plan as Microsoft describes it, and the separate decommission.

Sources: ENTRA `manage-stale-devices.md` and MEM `autopilot/includes/deregister-autopilot-
device.md` (cited in docs/compliance.md).

* The default plan for a stale device *disables* its Entra object (a hybrid-joined one in
  Active Directory). A device that is not an Autopilot device is deleted after a further
  wait (BitLocker keys backed up first; an MDM-managed one retired in Intune first).
  An Autopilot device's Entra object is never deleted and its Autopilot record is kept:
  Microsoft says "Don't delete system-managed devices ... such as Autopilot. Once deleted,
  these devices can't be reprovisioned."
* Decommissioning is for a device that leaves the organization for good: delete it from
  Intune, unassign its user and delete its Autopilot record, in that order; an Entra-joined
  Autopilot device's Entra object is then removed automatically (Microsoft: deleting it by
  hand "might cause unexpected problems"), a hybrid one's computer object is deleted in
  Active Directory. It is a separate action with its own confirmation and audit entry.

The activity signal is Joinery's last check-in (SIGNAL), not Entra's
approximateLastSignInDateTime, which Joinery does not read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from app.domain import Device, EnrollmentStatus, JoinType
from app.errors import InputError
from app.timeutil import iso, parse_iso

#: Entra rewrites the activity timestamp only every 14 days (+-5): younger is no signal.
MIN_STALE_DAYS = 21
#: Microsoft's example: disable at 90 days, delete what is disabled and inactive at 120.
DELETE_AFTER_DISABLE_DAYS = 30
#: Which activity a stale device is judged by.
SIGNAL = "joineryLastCheckIn"
SIGNAL_WORDS = (
    "Joinery's last check-in (a collector report or the Intune export's 'Last check-in'), "
    "not Entra's activity timestamp (approximateLastSignInDateTime), which Joinery does not "
    "read: check that too before you delete anything"
)


class Step(StrEnum):
    BACKUP_BITLOCKER = "backupBitLockerKeys"
    RETIRE_INTUNE = "retireIntuneDevice"
    DELETE_INTUNE = "deleteIntuneDevice"
    UNASSIGN_USER = "unassignAutopilotUser"
    DELETE_AUTOPILOT = "deleteAutopilotRecord"
    DISABLE_ON_PREM = "disableInActiveDirectory"
    DELETE_ON_PREM = "deleteInActiveDirectory"
    DISABLE_ENTRA = "disableEntraDevice"
    DELETE_ENTRA = "deleteEntraDevice"


#: The only order in which steps may run.
ORDER = (
    Step.BACKUP_BITLOCKER,
    Step.RETIRE_INTUNE,
    Step.DELETE_INTUNE,
    Step.UNASSIGN_USER,
    Step.DELETE_AUTOPILOT,
    Step.DISABLE_ON_PREM,
    Step.DELETE_ON_PREM,
    Step.DISABLE_ENTRA,
    Step.DELETE_ENTRA,
)


@dataclass(frozen=True)
class PlannedStep:
    step: Step
    what: str
    not_before: str | None = None  # ISO date-time; None: now


@dataclass(frozen=True)
class StaleDevice:
    device_id: int
    serial: str
    device_name: str | None
    last_activity: str
    days_inactive: int
    steps: tuple[PlannedStep, ...]
    keeps: tuple[str, ...] = ()  # what the plan deliberately leaves alone, and why

    def as_json(self) -> dict[str, object]:
        return {
            "device_id": self.device_id,
            "serial": self.serial,
            "device_name": self.device_name,
            "last_activity": self.last_activity,
            "activity_signal": SIGNAL,
            "days_inactive": self.days_inactive,
            "steps": [
                {"step": s.step.value, "what": s.what, "not_before": s.not_before}
                for s in self.steps
            ],
            "keeps": list(self.keeps),
        }


def check_days(days: int) -> int:
    if days < MIN_STALE_DAYS:
        raise InputError(
            f"a device is stale after at least {MIN_STALE_DAYS} days, not {days}: Entra "
            "updates the activity timestamp only every 14 days (give or take 5)"
        )
    return days


def cutoff(now: datetime, days: int) -> str:
    """Devices whose last activity is before this are stale."""
    return iso(now - timedelta(days=check_days(days)))


def plan_device(device: Device, now: datetime) -> StaleDevice:
    """The default steps for one stale device: disable, and delete only what Microsoft
    allows to be deleted (never an Autopilot device's Entra object or Autopilot record)."""
    name = device.device_name or device.serial
    steps: list[PlannedStep] = []
    keeps: list[str] = []
    autopilot = device.has_hash
    hybrid = device.join_type == JoinType.HYBRID_JOINED
    if not autopilot:
        steps.append(_backup(name))
        if device.enrollment_status == EnrollmentStatus.ENROLLED:
            steps.append(
                PlannedStep(Step.RETIRE_INTUNE, f"Retire {name} in Intune (it is MDM-managed)")
            )
    steps.append(_disable(name, hybrid))
    if autopilot:
        keeps.append(
            f"The Autopilot record of {device.serial} and its Entra object stay: Microsoft says "
            "not to delete system-managed (Autopilot) devices, which can't be reprovisioned "
            "once deleted. If the device leaves the organization, decommission it instead."
        )
    elif not hybrid:
        later = iso(now + timedelta(days=DELETE_AFTER_DISABLE_DAYS))
        steps.append(
            PlannedStep(
                Step.DELETE_ENTRA,
                f"Delete the Entra device {name} if it is still inactive and disabled",
                later,
            )
        )
    planned = tuple(steps)
    check_order(planned, registered_in_autopilot=autopilot)
    return StaleDevice(
        device.id,
        device.serial,
        device.device_name,
        device.last_checkin or "",
        _days(device, now),
        planned,
        tuple(keeps),
    )


def decommission_steps(device: Device) -> tuple[PlannedStep, ...]:
    """Deregistering a device that leaves the organization for good, in Microsoft's order:
    Intune, then the Autopilot user and record; Entra follows by itself for an Entra-joined
    Autopilot device."""
    name = device.device_name or device.serial
    steps = [_backup(name)]
    if device.enrollment_status == EnrollmentStatus.ENROLLED:
        steps.append(
            PlannedStep(
                Step.DELETE_INTUNE,
                f"Delete {name} from Intune (Devices > Windows > the device > Delete); note "
                f"its serial number {device.serial}",
            )
        )
    if device.has_hash:
        if device.assigned_user:
            steps.append(
                PlannedStep(
                    Step.UNASSIGN_USER,
                    f"Unassign {device.assigned_user} from the Autopilot device {device.serial}",
                )
            )
        steps.append(
            PlannedStep(
                Step.DELETE_AUTOPILOT,
                f"Delete the Autopilot record of {device.serial} (Windows Autopilot > Devices), "
                "then Sync until it is gone",
            )
        )
    if device.join_type == JoinType.HYBRID_JOINED:
        steps.append(
            PlannedStep(
                Step.DELETE_ON_PREM,
                f"Delete the computer object of {name} in Active Directory, so it is not "
                "synced back to Entra",
            )
        )
    elif not device.has_hash:
        steps.append(PlannedStep(Step.DISABLE_ENTRA, f"Disable the Entra device {name}"))
        steps.append(PlannedStep(Step.DELETE_ENTRA, f"Delete the Entra device {name}"))
    planned = tuple(steps)
    check_order(planned, registered_in_autopilot=device.has_hash)
    return planned


def _backup(name: str) -> PlannedStep:
    return PlannedStep(
        Step.BACKUP_BITLOCKER,
        f"Back up the BitLocker recovery keys of {name}: deleting the Entra device deletes them",
    )


def _disable(name: str, hybrid: bool) -> PlannedStep:
    if hybrid:
        return PlannedStep(
            Step.DISABLE_ON_PREM,
            f"Disable {name} in Active Directory and let Entra Connect sync it",
        )
    return PlannedStep(
        Step.DISABLE_ENTRA, f"Disable the Entra device {name} (accountEnabled=false)"
    )


def _days(device: Device, now: datetime) -> int:
    if not device.last_checkin:
        return 0
    return int((now - parse_iso(device.last_checkin)).total_seconds() // 86400)


def check_order(steps: tuple[PlannedStep, ...], *, registered_in_autopilot: bool) -> None:
    """Refuse steps out of Microsoft's order, or an Entra deletion of an Autopilot device."""
    positions = [ORDER.index(s.step) for s in steps]
    if positions != sorted(positions):
        raise InputError("cleanup steps are out of order: Intune, then Autopilot, then Entra")
    kinds = [s.step for s in steps]
    if registered_in_autopilot and Step.DELETE_ENTRA in kinds:
        raise InputError(
            "refusing to delete the Entra object of an Autopilot device: Microsoft says not to "
            "delete system-managed devices (self-deploying and pre-provisioning break with a "
            "ZTDID mismatch); decommission it, and Entra removes the object itself"
        )
