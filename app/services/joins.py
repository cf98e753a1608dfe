"""What a check-in tells the record beyond compliance: that a device's join happened, and the
hardware hash of a device Joinery had none for.

A device enrolled at the bench is "prepared": the join happens later, on the device, during
its OOBE. It becomes "enrolled" only when something outside the bench says so: Intune lists
it (its export; the demo's simulator stands in for Intune), the tenant does, or the device's
own check-in report says it is Microsoft Entra joined (dsregcmd /status). Both writes run
inside the caller's transaction, beside the check-ins that carried them.
"""

from __future__ import annotations

from app.compliance.facts import FactSource
from app.domain import EnrollmentStatus, HistoryKind
from app.store import Store
from app.timeutil import now_iso

#: Why a join counts as confirmed, by the source of the check-in that confirmed it.
EVIDENCE = {
    FactSource.COLLECTOR: "the device's check-in report says it is Microsoft Entra joined",
    FactSource.INTUNE_EXPORT: "Intune lists the device (its device export)",
    FactSource.TENANT: "the tenant lists the device as joined and managed",
    FactSource.SIMULATOR: "a simulated Intune check-in (demo)",
}
_CHANGE = {"enrollment_status": [EnrollmentStatus.PREPARED.value, EnrollmentStatus.ENROLLED.value]}


def confirm_joins(store: Store, actor: str) -> int:
    """Mark the prepared devices among this batch's check-ins (temp.eval_ids) whose join
    the check-in confirms as enrolled, each with a history entry; returns how many."""
    found = store.join_confirmations()
    if not found:
        return 0
    ids = [device_id for device_id, *_ in found]
    store.set_enrollment_status(ids, EnrollmentStatus.ENROLLED, now_iso())
    store.insert_history(
        (
            device_id,
            reported_at,
            HistoryKind.JOIN_CONFIRMED,
            lineage,
            actor,
            dict(_CHANGE),
            f"join confirmed: {EVIDENCE.get(FactSource(source), source)}",
        )
        for device_id, lineage, reported_at, source in found
    )
    return len(found)


def record_reported_hashes(store: Store, actor: str) -> int:
    """Give devices of this batch that had no hardware hash the one their collector report
    carried (the Autopilot export then includes them); returns how many. A device that has a
    hash keeps it: a different one is a reimage, which an Autopilot CSV import records."""
    found = store.reported_hashes()
    if not found:
        return 0
    store.insert_lineage(
        (device_id, 1, hardware_hash, None, reported_at, "check-in report")
        for device_id, hardware_hash, reported_at in found
    )
    at = now_iso()
    ids = [device_id for device_id, *_ in found]
    store.update_devices(ids, [{"lineage": 1, "updated_at": at}] * len(ids))
    store.insert_history(
        (
            device_id,
            reported_at,
            HistoryKind.UPDATED,
            1,
            actor,
            {"hardware_hash": [None, f"{hardware_hash[:8]}…{hardware_hash[-8:]}"]},
            "hardware hash from the device's check-in report",
        )
        for device_id, hardware_hash, reported_at in found
    )
    return len(found)
