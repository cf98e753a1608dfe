"""Issue 14, items 17-18: stale devices as Microsoft says to clean them up.

Sources (docs/compliance.md): ENTRA manage-stale-devices ("Don't delete system-managed
devices", disable first) and MEM's Autopilot deregistration (Intune delete, unassign the
user, Autopilot delete; an Entra-joined device's object then goes by itself).
"""

from __future__ import annotations

from pathlib import Path

from app.store import Store
from tests.helpers.conformance import joinery, joinery_json

DISABLE = {"disableEntraDevice", "disableInActiveDirectory"}
NEVER_BY_DEFAULT = {"deleteAutopilotRecord", "unassignAutopilotUser", "deleteIntuneDevice"}


def fleet(tmp_path: Path) -> Path:
    db = tmp_path / "j.db"
    assert joinery(db, "demo", "seed", "--devices", "300", "--seed", "4").exit_code == 0
    return db


# -- 17 ---------------------------------------------------------------------------------------


def test_item17_default_disables_and_keeps_autopilot_decommission_is_separate_and_audited(
    tmp_path: Path,
) -> None:
    db = fleet(tmp_path)
    plan = joinery_json(db, "stale", "plan")
    assert plan["count"] > 0
    with Store.open(db) as store:
        autopilot = {d["serial"] for d in plan["devices"] if store.device(d["device_id"]).has_hash}  # type: ignore[union-attr]
    assert autopilot
    for device in plan["devices"]:
        steps = [s["step"] for s in device["steps"]]
        assert DISABLE & set(steps), steps  # disable first, always
        assert not NEVER_BY_DEFAULT & set(steps), steps
        if device["serial"] in autopilot:
            assert "deleteEntraDevice" not in steps  # system-managed: never deleted
            assert any("Autopilot" in kept for kept in device["keeps"])

    serial = sorted(autopilot)[0]
    refused = joinery(db, "stale", "decommission", serial, "--confirm", "NOT-IT")
    assert refused.exit_code == 1 and "confirm" in refused.stderr
    done = joinery_json(db, "stale", "decommission", serial, "--confirm", serial)
    steps = [s["step"] for s in done["steps"]]
    order = ["deleteIntuneDevice", "unassignAutopilotUser", "deleteAutopilotRecord"]
    present = [s for s in order if s in steps]
    assert "deleteAutopilotRecord" in present and present == sorted(present, key=order.index)
    assert "deleteEntraDevice" not in steps  # removed by itself after the Autopilot delete
    assert done["enrollment_status"] == "retired"
    with Store.open(db) as store:
        [entry] = store.audit_entries(action="stale.decommission")
        assert entry.target == serial


# -- 18 ---------------------------------------------------------------------------------------


def test_item18_the_activity_signal_is_named(tmp_path: Path) -> None:
    db = fleet(tmp_path)
    plan = joinery_json(db, "stale", "plan")
    assert plan["activity_signal"] == "joineryLastCheckIn"
    assert all(d["activity_signal"] == "joineryLastCheckIn" for d in plan["devices"])
    assert joinery_json(db, "fleet", "summary")["activity_signal"] == "joineryLastCheckIn"
    text = joinery(db, "stale", "plan").stdout
    assert "Joinery's last check-in" in text and "approximateLastSignInDateTime" in text
