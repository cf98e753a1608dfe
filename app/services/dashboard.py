"""The Fleet dashboard's numbers, and the device list behind each of them.

Every tile has one `DeviceQuery`; the tile's number is `store.count_devices` of that query
(a trigger-kept counter or an index range), and a click lists that same query, so a tile
and its list can never disagree. Nothing here scans the fleet.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from app.compliance import stale
from app.compliance.words import STATE_WORDS, states_words
from app.domain import ComplianceState, Device, DeviceQuery, EnrollmentStatus, HistoryKind
from app.errors import InputError
from app.security.audit_actions import AuditAction
from app.security.roles import Actor, Permission
from app.services.compliance import (
    assigned_policy_names,
    cohorts,
    policies,
    tenant_settings,
)
from app.services.fleet import fleet_at
from app.store import Store
from app.timeutil import iso, utcnow

#: Tiles in the order they show: key, words. A state's tile says the state's own words
#: (app/compliance/words.py), as every other place that names a state does.
_S = ComplianceState
TILES: tuple[tuple[str, str], ...] = (
    ("total", "Total"),
    *(
        (state.value, STATE_WORDS[state])
        for state in (
            _S.COMPLIANT,
            _S.NONCOMPLIANT,
            _S.IN_GRACE_PERIOD,
            _S.NOT_EVALUATED,
            _S.UNKNOWN,
        )
    ),
    ("problem", states_words((_S.ERROR.value, _S.CONFLICT.value))),
    ("stale", "Stale"),
)


@dataclass(frozen=True)
class Dashboard:
    """What the Fleet screen draws; `queries[key]` lists the devices behind `tiles[key]`."""

    at: str
    stale_days: int
    stale_before: str
    tiles: dict[str, int]
    queries: dict[str, DeviceQuery]
    states: dict[str, int]
    failing: list[tuple[str, int]]  # every failing setting, most failed first
    builds: list[tuple[str, int]]  # every Windows build, most devices first
    trend: list[tuple[str, dict[str, int]]]  # daily snapshots, oldest first
    enrolled: list[tuple[str, int]]  # devices enrolled per day, every day of the range
    policies: list[str]
    as_of: str | None = None  # a past date: the fleet as its snapshot recorded it
    bench_states: dict[str, int] = field(default_factory=dict)  # Joinery's own check
    intune_states: dict[str, int] = field(default_factory=dict)  # Intune's, where it gave one


def tile_query(key: str, stale_before: str) -> DeviceQuery:
    """The device list behind a tile. State tiles count verdicts: Intune's state where Intune
    gave one (it is authoritative for the devices it manages), else the bench check."""
    if key == "total":
        return DeviceQuery()
    if key == "problem":
        return DeviceQuery(verdicts=(ComplianceState.ERROR.value, ComplianceState.CONFLICT.value))
    if key == "stale":
        return DeviceQuery(stale_before=stale_before)
    if key in {s.value for s in ComplianceState}:
        return DeviceQuery(verdict=key)
    raise InputError(f"there is no dashboard tile {key!r}")


def dashboard(
    store: Store, *, now: datetime | None = None, days: int = 30, actor: Actor
) -> Dashboard:
    """The fleet now: tiles, the charts' data and the trend of the last `days` days."""
    actor.require(Permission.VIEW)
    moment = now or utcnow()
    settings = tenant_settings(store, actor=actor)
    before = stale.cutoff(moment, settings.stale_days)
    queries = {key: tile_query(key, before) for key, _ in TILES}
    tiles = {key: store.count_devices(query) for key, query in queries.items()}
    states = store.counters("verdict:")
    bench = store.counters("state:")
    intune = store.counters("intune:")
    first_day = (moment - timedelta(days=days - 1)).date()
    per_day = store.enrolled_per_day(first_day.isoformat())
    enrolled = [((first_day + timedelta(days=n)).isoformat(), 0) for n in range(days)]
    enrolled = [(day, per_day.get(day, 0)) for day, _ in enrolled]
    return Dashboard(
        at=iso(moment),
        stale_days=settings.stale_days,
        stale_before=before,
        tiles=tiles,
        queries=queries,
        states={s.value: states.get(s.value, 0) for s in ComplianceState},
        failing=_ranked(store.counters("failing:")),
        builds=_ranked(store.counters("build:")),
        trend=store.snapshots_since(first_day.isoformat()),
        enrolled=enrolled,
        policies=assigned_policy_names(store, actor=actor),
        bench_states={s.value: bench.get(s.value, 0) for s in ComplianceState},
        intune_states={s.value: intune.get(s.value, 0) for s in ComplianceState},
    )


def dashboard_at(store: Store, date: str, *, days: int = 30, actor: Actor) -> Dashboard:
    """The fleet as the snapshot of `date` (or the last one before it) recorded it.

    Only counts were kept then, so the tiles and charts show that day; the device list
    stays the current one (the screen says so).
    """
    found = fleet_at(store, date, actor=actor)  # checks the date and the permission
    day = datetime.strptime(date, "%Y-%m-%d")
    if found is None:
        raise InputError(f"there is no snapshot of the fleet on or before {date}")
    states: dict[str, int] = {k: int(v) for k, v in found["states"].items()}
    tiles = {key: states.get(key, 0) for key, _ in TILES if key in states}
    tiles["total"] = int(found["total"])
    tiles["problem"] = states.get("error", 0) + states.get("conflict", 0)
    tiles["stale"] = int(found["stale"])
    first_day = (day - timedelta(days=days - 1)).date().isoformat()
    trend = [(d, s) for d, s in store.snapshots_since(first_day) if d <= found["date"]]
    failing: dict[str, int] = {k: int(v) for k, v in found["failing_settings"].items()}
    return Dashboard(
        at=str(found["taken_at"]),
        stale_days=int(found["stale_days"]),
        stale_before="",
        tiles=tiles,
        queries={},
        states={s.value: states.get(s.value, 0) for s in ComplianceState},
        failing=_ranked(failing),
        builds=[],
        trend=trend,
        enrolled=[],
        policies=[],
        as_of=str(found["date"]),
    )


def reevaluate_device(
    store: Store, device_id: int, *, now: datetime | None = None, actor: Actor
) -> str:
    """Evaluate one device again from its latest facts; returns its state afterwards.

    A write (state, history, audit), so it needs what recording check-ins needs."""
    actor.require(Permission.IMPORT)
    moment = now or utcnow()
    device = store.device(device_id)
    if device is None:
        raise InputError(f"there is no device with id {device_id}")
    with store.transaction():
        store.mark_for_evaluation([device_id])
        tenant = tenant_settings(store, actor=actor)
        for cohort, policy_set in cohorts(policies(store, actor=actor)):
            store.evaluate_cohort(cohort, policy_set, tenant, moment)
        store.append_audit(actor.audit_name, AuditAction.COMPLIANCE_REEVALUATE, device.serial, {})
        after = store.device(device_id)
    assert after is not None
    return after.compliance_state


def mark_for_cleanup(
    store: Store, device_id: int, *, now: datetime | None = None, actor: Actor
) -> None:
    """Record that an admin decided to clean this stale device up (the plan's steps follow
    outside Joinery, in Intune, Autopilot and Entra); audited and kept in its history."""
    actor.require(Permission.STALE_ACTIONS)
    device = store.device(device_id)
    if device is None:
        raise InputError(f"there is no device with id {device_id}")
    at = iso(now or utcnow())
    with store.transaction():
        store.insert_history(
            [(device_id, at, HistoryKind.CLEANUP, device.lineage, actor.audit_name, {}, None)]
        )
        store.append_audit(actor.audit_name, AuditAction.STALE_MARK, device.serial, {"at": at})


@dataclass(frozen=True)
class Decommissioned:
    """A device recorded as leaving the organization, and the steps to take in Intune,
    Autopilot and Active Directory (Joinery changes nothing there)."""

    device: Device
    steps: tuple[stale.PlannedStep, ...]


def decommission(
    store: Store,
    device_id: int,
    *,
    confirm: str,
    now: datetime | None = None,
    actor: Actor,
) -> Decommissioned:
    """Record that a device leaves the organization for good (retired, audited, in its
    history) and return Microsoft's deregistration steps. `confirm` must repeat the serial:
    this is the one action that leads to deleting an Autopilot record."""
    actor.require(Permission.STALE_ACTIONS)
    device = store.device(device_id)
    if device is None:
        raise InputError(f"there is no device with id {device_id}")
    if confirm.strip().casefold() != device.serial.casefold():
        raise InputError(
            f"to decommission {device.serial}, type its serial number to confirm: it leaves "
            "the organization, and its Autopilot record is to be deleted"
        )
    steps = stale.decommission_steps(device)
    at = iso(now or utcnow())
    with store.transaction():
        store.update_devices(
            [device_id], [{"enrollment_status": EnrollmentStatus.RETIRED.value, "updated_at": at}]
        )
        note = "; ".join(f"{n}. {s.what}" for n, s in enumerate(steps, start=1))
        store.insert_history(
            [
                (
                    device_id,
                    at,
                    HistoryKind.DECOMMISSIONED,
                    device.lineage,
                    actor.audit_name,
                    {"enrollment_status": [device.enrollment_status, "retired"]},
                    note,
                )
            ]
        )
        store.append_audit(
            actor.audit_name,
            AuditAction.STALE_DECOMMISSION,
            device.serial,
            {"at": at, "steps": [s.step.value for s in steps]},
        )
    after = store.device(device_id)
    assert after is not None
    return Decommissioned(after, steps)


def drill_down(query: DeviceQuery, **filters: Any) -> DeviceQuery:
    """A tile's query narrowed by the table's filters (empty values are ignored)."""
    given = {k: v for k, v in filters.items() if v not in (None, "", ())}
    return replace(query, **given)


def _ranked(counts: dict[str, int]) -> list[tuple[str, int]]:
    """Every non-zero count, largest first (charts show the top few; filters offer all)."""
    return sorted(((k, n) for k, n in counts.items() if n > 0), key=lambda kv: (-kv[1], kv[0]))
