"""Intune's "All devices" export into the store, a chunk of rows at a time.

The export is the tenant's view of its fleet, so it must land on an empty or partial registry:
a serial Joinery does not know becomes a device, marked as coming from the export (origin
`intuneExport`) with what Intune knows of it (name, model, manufacturer, user, OS). Intune's
own verdict (the Compliance column, and its grace period end) is kept as the device's Intune
state, beside Joinery's bench check of the same facts. Runs inside the caller's transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from app.domain import DeviceOrigin, EnrollmentStatus, HistoryKind, JoinType
from app.errors import Problem
from app.ingest import IntuneRow
from app.services.compliance import CheckinWriter, keep_newest
from app.store import Store
from app.timeutil import iso

log = logging.getLogger(__name__)


class IntuneWriter:
    """Writes chunks of one export's rows: new devices, Intune's verdicts, the facts."""

    def __init__(self, store: Store, checkins: CheckinWriter, actor: str, source: Path) -> None:
        self.store = store
        self.checkins = checkins
        self.actor = actor
        self.source = source
        self.created = 0
        self.verdicts = 0
        self.recorded = 0

    def write(self, chunk: Sequence[IntuneRow]) -> list[Problem]:
        """Record a chunk; the rows refused (a check-in time in the future) as Problems."""
        known = self.store.device_ids_by_serial([row.facts.serial for row in chunk])
        self._create([row for row in chunk if row.facts.serial.casefold() not in known], known)
        problems: list[Problem] = []
        facts: dict[int, dict[str, object]] = {}
        verdicts: dict[int, tuple[int, str, str | None]] = {}
        for row in chunk:
            device_id = known[row.facts.serial.casefold()]
            fact, reason = self.checkins.fact_row(row.facts, device_id)
            if fact is None:
                problems.append(Problem(self.source.name, row.line, "Last check-in", reason))
                continue
            keep_newest(facts, device_id, fact)
            if row.facts.reported_compliance is not None:
                verdicts[device_id] = (device_id, row.facts.reported_compliance, row.grace_until)
        self.store.set_intune_verdicts(verdicts.values())
        self.checkins.write(facts)
        self.verdicts += len(verdicts)
        self.recorded += len(chunk) - len(problems)
        return problems

    def _create(self, rows: Sequence[IntuneRow], known: dict[str, int]) -> None:
        """New devices for the serials the store does not know (the first row of each)."""
        at = iso(self.checkins.moment)
        next_id = self.store.next_device_id()
        new: list[dict[str, object]] = []
        for row in rows:
            key = row.facts.serial.casefold()
            if key in known:
                continue  # a serial twice in the chunk
            known[key] = next_id
            new.append(self._device(next_id, row, at))
            next_id += 1
        if not new:
            return
        self.store.insert_devices(new)
        note = f"created from the Intune export {self.source.name}"
        self.store.insert_history(
            [(int(str(d["id"])), at, HistoryKind.IMPORTED, 0, self.actor, {}, note) for d in new]
        )
        self.created += len(new)

    def _device(self, device_id: int, row: IntuneRow, at: str) -> dict[str, object]:
        facts = row.facts
        return {
            "id": device_id,
            "serial": facts.serial.strip(),
            "manufacturer": facts.manufacturer,
            "model": facts.model,
            "device_name": facts.device_name,
            "assigned_user": row.user,
            "join_type": row.join_type or JoinType.ENTRA_JOINED.value,
            "ownership": "company",
            "os_edition": row.edition,
            "os_version": facts.os_version,
            "management_authority": "intune",
            "enrollment_status": EnrollmentStatus.ENROLLED.value,
            "compliance_state": "notEvaluated",
            "lineage": 0,
            "created_at": at,
            "updated_at": at,
            "origin": DeviceOrigin.INTUNE_EXPORT.value,
        }
