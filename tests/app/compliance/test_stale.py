"""The stale-device cleanup plan keeps Microsoft's order and refuses unsafe deletions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.compliance.stale import (
    PlannedStep,
    Step,
    check_days,
    check_order,
    decommission_steps,
    plan_device,
)
from app.domain import Device
from app.errors import InputError

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def device(**changes: object) -> Device:
    values: dict[str, object] = {
        "id": 1,
        "serial": "PF3KX1ZB",
        "manufacturer": "LENOVO",
        "model": "ThinkPad T14 Gen 4",
        "product_id": None,
        "group_tag": "Sales",
        "assigned_user": None,
        "device_name": "CTS-PF3KX1ZB",
        "join_type": "entraJoined",
        "provisioning_method": "autopilot",
        "ownership": "company",
        "os_edition": None,
        "os_version": None,
        "management_authority": "intune",
        "enrollment_status": "enrolled",
        "compliance_state": "compliant",
        "last_checkin": "2026-01-01T00:00:00Z",
        "lineage": 1,
        "has_hash": True,
        "created_at": "2025-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
    }
    values.update(changes)
    return Device(**values)  # type: ignore[arg-type]


def test_an_autopilot_device_is_disabled_and_its_records_kept() -> None:
    planned = plan_device(device(), NOW)
    assert [s.step for s in planned.steps] == [Step.DISABLE_ENTRA]
    assert planned.days_inactive == 151
    assert "Autopilot record" in planned.keeps[0] and "system-managed" in planned.keeps[0]


def test_a_device_outside_autopilot_is_disabled_then_deleted() -> None:
    planned = plan_device(device(has_hash=False, lineage=0), NOW)
    assert [s.step for s in planned.steps] == [
        Step.BACKUP_BITLOCKER,
        Step.RETIRE_INTUNE,
        Step.DISABLE_ENTRA,
        Step.DELETE_ENTRA,
    ]
    assert planned.steps[-1].not_before == "2026-07-01T00:00:00Z"
    assert "BitLocker recovery keys" in planned.steps[0].what


def test_hybrid_devices_are_disabled_on_premises() -> None:
    steps = [s.step for s in plan_device(device(join_type="hybridJoined"), NOW).steps]
    assert Step.DISABLE_ON_PREM in steps and Step.DELETE_ENTRA not in steps


def test_decommission_follows_microsofts_deregistration_order() -> None:
    steps = [s.step for s in decommission_steps(device(assigned_user="megan@contoso.com"))]
    assert steps == [
        Step.BACKUP_BITLOCKER,
        Step.DELETE_INTUNE,
        Step.UNASSIGN_USER,
        Step.DELETE_AUTOPILOT,
    ]  # an Entra-joined Autopilot device's Entra object goes by itself


def test_deleting_an_autopilot_devices_entra_object_is_refused() -> None:
    steps = (PlannedStep(Step.DISABLE_ENTRA, ""), PlannedStep(Step.DELETE_ENTRA, ""))
    with pytest.raises(InputError, match="system-managed"):
        check_order(steps, registered_in_autopilot=True)
    check_order(steps, registered_in_autopilot=False)
    backwards = (PlannedStep(Step.DELETE_ENTRA, ""), PlannedStep(Step.DELETE_AUTOPILOT, ""))
    with pytest.raises(InputError, match="out of order"):
        check_order(backwards, registered_in_autopilot=False)


def test_fewer_than_21_days_is_refused() -> None:
    with pytest.raises(InputError, match="21"):
        check_days(20)
    assert check_days(21) == 21
