"""Stale devices and a cleanup plan in Microsoft's order (domain.md 5.1 and 5.4).

Order per device: back up the BitLocker recovery keys, retire/delete the Intune record,
delete the Autopilot record, disable the Entra device, and delete it only after a further
wait. Deleting an Entra device that is still registered in Autopilot breaks self-deploying
and pre-provisioning (ZTDID mismatch), so a plan that would do that is refused.
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
DEFAULT_STALE_DAYS = 90
#: Microsoft's example: disable at 90 days, delete what is disabled and inactive at 120.
DELETE_AFTER_DISABLE_DAYS = 30


class Step(StrEnum):
    BACKUP_BITLOCKER = "backupBitLockerKeys"
    RETIRE_INTUNE = "retireIntuneDevice"
    DELETE_AUTOPILOT = "deleteAutopilotRecord"
    DISABLE_ENTRA = "disableEntraDevice"
    DELETE_ENTRA = "deleteEntraDevice"
    DISABLE_ON_PREM = "disableInActiveDirectory"


#: The only order in which steps may run.
ORDER = (
    Step.BACKUP_BITLOCKER,
    Step.RETIRE_INTUNE,
    Step.DELETE_AUTOPILOT,
    Step.DISABLE_ON_PREM,
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

    def as_json(self) -> dict[str, object]:
        return {
            "device_id": self.device_id,
            "serial": self.serial,
            "device_name": self.device_name,
            "last_activity": self.last_activity,
            "days_inactive": self.days_inactive,
            "steps": [
                {"step": s.step.value, "what": s.what, "not_before": s.not_before}
                for s in self.steps
            ],
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


def plan_device(device: Device, now: datetime, *, keep_autopilot: bool = False) -> StaleDevice:
    """The steps for one stale device, in order; refuses an unsafe Entra deletion."""
    assert device.last_checkin is not None
    name = device.device_name or device.serial
    steps = [
        PlannedStep(
            Step.BACKUP_BITLOCKER,
            f"Back up the BitLocker recovery keys of {name}: deleting the Entra device "
            "deletes them",
        )
    ]
    if device.enrollment_status == EnrollmentStatus.ENROLLED:
        steps.append(PlannedStep(Step.RETIRE_INTUNE, f"Retire {name} and delete its Intune record"))
    autopilot = device.has_hash
    if autopilot and not keep_autopilot:
        steps.append(
            PlannedStep(
                Step.DELETE_AUTOPILOT,
                f"Delete the Autopilot record of {device.serial} (Windows Autopilot devices)",
            )
        )
        autopilot = False
    if device.join_type == JoinType.HYBRID_JOINED:
        steps.append(
            PlannedStep(
                Step.DISABLE_ON_PREM,
                f"Disable {name} in Active Directory and let Entra Connect sync it",
            )
        )
    else:
        steps.append(
            PlannedStep(
                Step.DISABLE_ENTRA, f"Disable the Entra device {name} (accountEnabled=false)"
            )
        )
        if not autopilot:
            later = iso(now + timedelta(days=DELETE_AFTER_DISABLE_DAYS))
            steps.append(
                PlannedStep(
                    Step.DELETE_ENTRA,
                    f"Delete the Entra device {name} if still inactive and disabled",
                    later,
                )
            )
    planned = tuple(steps)
    check_order(planned, registered_in_autopilot=device.has_hash)
    days = int((now - parse_iso(device.last_checkin)).total_seconds() // 86400)
    return StaleDevice(
        device.id, device.serial, device.device_name, device.last_checkin, days, planned
    )


def check_order(steps: tuple[PlannedStep, ...], *, registered_in_autopilot: bool) -> None:
    """Refuse steps out of Microsoft's order, or an Entra deletion before the Autopilot one."""
    positions = [ORDER.index(s.step) for s in steps]
    if positions != sorted(positions):
        raise InputError("cleanup steps are out of order: Intune, then Autopilot, then Entra")
    kinds = [s.step for s in steps]
    if (
        registered_in_autopilot
        and Step.DELETE_ENTRA in kinds
        and Step.DELETE_AUTOPILOT not in kinds
    ):
        raise InputError(
            "refusing to delete an Entra device that is still registered in Autopilot: "
            "delete its Autopilot record first (otherwise self-deploying and pre-provisioning "
            "break with a ZTDID mismatch)"
        )
