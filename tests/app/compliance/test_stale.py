"""The stale-device cleanup plan keeps Microsoft's order and refuses unsafe deletions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.compliance.stale import PlannedStep, Step, check_days, check_order, plan_device
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


def test_autopilot_device_steps_in_microsofts_order() -> None:
    planned = plan_device(device(), NOW)
    assert [s.step for s in planned.steps] == [
        Step.BACKUP_BITLOCKER,
        Step.RETIRE_INTUNE,
        Step.DELETE_AUTOPILOT,
        Step.DISABLE_ENTRA,
        Step.DELETE_ENTRA,
    ]
    assert planned.days_inactive == 151
    assert planned.steps[-1].not_before == "2026-07-01T00:00:00Z"
    assert "BitLocker recovery keys" in planned.steps[0].what


def test_keeping_the_autopilot_record_keeps_the_entra_device() -> None:
    steps = [s.step for s in plan_device(device(), NOW, keep_autopilot=True).steps]
    assert Step.DELETE_ENTRA not in steps and Step.DISABLE_ENTRA in steps


def test_hybrid_devices_are_disabled_on_premises() -> None:
    steps = [s.step for s in plan_device(device(join_type="hybridJoined"), NOW).steps]
    assert Step.DISABLE_ON_PREM in steps and Step.DELETE_ENTRA not in steps


def test_deleting_entra_before_autopilot_is_refused() -> None:
    steps = (PlannedStep(Step.DISABLE_ENTRA, ""), PlannedStep(Step.DELETE_ENTRA, ""))
    with pytest.raises(InputError, match="still registered in Autopilot"):
        check_order(steps, registered_in_autopilot=True)
    check_order(steps, registered_in_autopilot=False)
    backwards = (PlannedStep(Step.DELETE_ENTRA, ""), PlannedStep(Step.DELETE_AUTOPILOT, ""))
    with pytest.raises(InputError, match="out of order"):
        check_order(backwards, registered_in_autopilot=True)


def test_fewer_than_21_days_is_refused() -> None:
    with pytest.raises(InputError, match="21"):
        check_days(20)
    assert check_days(21) == 21
