"""The fleet at a glance: summary, one device's compliance, Conditional Access, stale devices,
daily snapshots. Reads come from trigger-kept counters and indexes: never a fleet scan."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.compliance import stale
from app.compliance.evaluate import (
    AccessOutcome,
    Previous,
    Verdict,
    ca_decision,
    evaluate_device,
)
from app.compliance.facts import DeviceFacts, FactSource
from app.domain import ComplianceState, Device
from app.errors import InputError
from app.security.audit_actions import AuditAction
from app.security.roles import Actor, Permission
from app.services.compliance import (
    assigned_policy_names,
    cohorts,
    policies,
    tenant_settings,
)
from app.store import Store
from app.store.compliance import ComplianceRow, StateChange
from app.timeutil import iso, utcnow


def fleet_summary(store: Store, *, now: datetime | None = None, actor: Actor) -> dict[str, Any]:
    """The `fleet summary --json` document (DESIGN.md): counts by state, stale, failing.

    `states` counts each device's verdict: Intune's own state where Intune gave one (its
    export), else Joinery's bench check. `bench_states` and `intune_states` split the two:
    the bench check of every device, and Intune's state of the devices that have one.
    """
    actor.require(Permission.VIEW)
    moment = now or utcnow()
    days = tenant_settings(store, actor=actor).stale_days
    verdicts = store.counters("verdict:")
    bench = store.counters("state:")
    intune = store.counters("intune:")
    failing = store.counters("failing:")
    return {
        "total": store.count_devices(),
        "states": _by_state(verdicts),
        "stale": store.count_stale(stale.cutoff(moment, days)),
        "stale_days": days,
        "failing_settings": {k: n for k, n in sorted(failing.items()) if n > 0},
        # Intune's own verdict (the tenant, Intune's export) beside Joinery's bench check:
        # the states Intune gave, counted by the same triggers as `intune_states`.
        "intune": {state: n for state, n in sorted(intune.items()) if n > 0},
        "policies": assigned_policy_names(store, actor=actor),
        "at": iso(moment),
        "bench_states": _by_state(bench),
        "intune_states": _by_state(intune),
        "intune_verdicts": sum(n for n in intune.values() if n > 0),
        "activity_signal": stale.SIGNAL,
    }


def _by_state(counts: dict[str, int]) -> dict[str, int]:
    return {s.value: counts.get(s.value, 0) for s in ComplianceState}


@dataclass(frozen=True)
class DeviceCompliance:
    """One device's compliance for its detail view: the bench check's stored state with its
    reasons in words, and Intune's own state (device.intune_state) where Intune gave one."""

    device: Device
    stored: ComplianceRow
    verdict: Verdict  # evaluated now from the latest facts, with reasons
    facts: DeviceFacts | None
    history: list[StateChange]
    access: AccessOutcome


def device_compliance(
    store: Store,
    device_id: int,
    *,
    now: datetime | None = None,
    require_compliant: bool = True,
    actor: Actor,
) -> DeviceCompliance:
    actor.require(Permission.VIEW)
    device = store.device(device_id)
    stored = store.compliance_row(device_id)
    if device is None or stored is None:
        raise InputError(f"there is no device with id {device_id}")
    raw = store.latest_facts(device_id)
    facts = None
    if raw is not None:
        facts = DeviceFacts(**{**raw, "source": FactSource(raw["source"])})
    pset = next(
        p
        for cohort, p in cohorts(policies(store, actor=actor))
        if cohort.rest or cohort.group_tag == device.group_tag
    )
    previous = Previous(stored.state, stored.noncompliant_since, stored.error_since)
    tenant = tenant_settings(store, actor=actor)
    verdict = evaluate_device(facts, pset, previous, now or utcnow(), tenant)
    # Conditional Access follows Intune's verdict where Intune gave one.
    access = ca_decision(device.verdict, require_compliant=require_compliant)
    return DeviceCompliance(device, stored, verdict, facts, store.state_history(device_id), access)


def ca_outcome(
    store: Store, serial: str, *, require_compliant: bool = True, actor: Actor
) -> AccessOutcome:
    """What a "require compliant device" Conditional Access rule does to this device now."""
    actor.require(Permission.VIEW)
    device = store.device_by_serial(serial)
    if device is None:
        raise InputError(f"there is no device with serial {serial!r}")
    return ca_decision(device.verdict, require_compliant=require_compliant)


@dataclass(frozen=True)
class StalePlan:
    days: int
    cutoff: str
    count: int
    devices: Iterator[stale.StaleDevice]  # longest inactive first, streamed
    signal: str = stale.SIGNAL  # the activity a device is judged stale by
    signal_words: str = stale.SIGNAL_WORDS


def stale_plan(
    store: Store,
    *,
    days: int | None = None,
    now: datetime | None = None,
    limit: int | None = None,
    actor: Actor,
) -> StalePlan:
    """Devices with no activity for `days` (the stale_days setting by default, at least 21)
    by Joinery's last check-in, and each one's default cleanup (disable; Autopilot records
    kept). A plan only: nothing is changed."""
    actor.require(Permission.VIEW)
    moment = now or utcnow()
    chosen = stale.check_days(
        days if days is not None else tenant_settings(store, actor=actor).stale_days
    )
    before = stale.cutoff(moment, chosen)
    planned = (stale.plan_device(d, moment) for d in store.stale_devices(before, limit))
    return StalePlan(chosen, before, store.count_stale(before), planned)


def take_snapshot(store: Store, *, now: datetime | None = None, actor: Actor) -> dict[str, Any]:
    """Record today's fleet summary (one per UTC day; a later one the same day replaces it)."""
    moment = now or utcnow()
    summary = fleet_summary(store, now=moment, actor=actor)
    with store.transaction():
        store.save_snapshot(moment.date().isoformat(), iso(moment), summary, summary["stale_days"])
        store.append_audit(
            actor.audit_name,
            AuditAction.COMPLIANCE_SNAPSHOT,
            moment.date().isoformat(),
            {},
            at=iso(moment),
        )
    return summary


def daily_snapshot(
    store: Store, *, now: datetime | None = None, actor: Actor
) -> dict[str, Any] | None:
    """Take today's snapshot if there is none yet: the services that change devices' states
    (check-ins, the simulator) call it, so the trend has a day for every day of writes."""
    moment = now or utcnow()
    today = moment.date().isoformat()
    found = store.snapshot_at(today)
    if found is not None and found["date"] == today:
        return None
    return take_snapshot(store, now=moment, actor=actor)


def fleet_at(store: Store, date: str, *, actor: Actor) -> dict[str, Any] | None:
    """The fleet as it was on `date` (YYYY-MM-DD): the latest snapshot on or before it."""
    actor.require(Permission.VIEW)
    try:
        datetime.strptime(date, "%Y-%m-%d")
    except ValueError:
        raise InputError(f"{date!r} is not a date such as 2026-03-03") from None
    return store.snapshot_at(date)
