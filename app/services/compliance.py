"""Compliance use cases: policies, check-ins and fleet re-evaluation.

`now` is the clock: every use case takes it (tests and the simulator inject it); only when
it is None does the use case read the system clock, here at the boundary.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta

from app import settings
from app.compliance import policy as pol
from app.compliance.evaluate import PolicySet, Tenant, applies, policy_set
from app.compliance.facts import FACT_FIELDS, DeviceFacts
from app.compliance.versions import version_key
from app.errors import Cancelled, InputError, Problem
from app.security.audit_actions import AuditAction
from app.security.roles import Actor, Permission
from app.services import joins
from app.services.actors import CancelCheck, Progress
from app.store import Store
from app.store.compliance import Cohort
from app.timeutil import iso, parse_timestamp, utcnow

log = logging.getLogger(__name__)

REEVALUATE_BATCH = 100_000  # device ids per statement: progress and Cancel in between


def tenant_settings(store: Store, *, actor: Actor) -> Tenant:
    """The tenant's compliance settings (validity period, stale days, no-policy verdict)."""
    actor.require(Permission.VIEW)
    return Tenant(
        no_policy_compliant=bool(settings.get(store, "no_policy_compliant")),
        validity_days=settings.get(store, "compliance_validity_days"),
        stale_days=settings.get(store, "stale_days"),
    )


# -- policies ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportedPolicy:
    policy: pol.CompliancePolicy
    created: bool
    not_evaluated: tuple[str, ...]

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.policy.display_name,
            "created": self.created,
            "settings": sorted(self.policy.settings),
            "not_evaluated": list(self.not_evaluated),
            "grace_period_days": self.policy.grace_hours / 24,
        }


def policies(store: Store, *, actor: Actor) -> list[pol.CompliancePolicy]:
    """Every stored policy with its assignment, by name."""
    actor.require(Permission.VIEW)
    found = []
    for row in store.policy_rows():
        policy = pol.parse_graph_json(row.policy_json, row.name)
        found.append(replace(policy, assignment=pol.Assignment(row.assign_all, row.group_tags)))
    return found


def assigned_policy_names(store: Store, *, actor: Actor) -> list[str]:
    """The policies assigned to any device, by name: from the rows, without parsing each
    policy (the dashboard asks on every refresh)."""
    actor.require(Permission.VIEW)
    return [row.name for row in store.policy_rows() if row.assign_all or row.group_tags]


def import_policy(
    store: Store,
    text: str,
    source_name: str,
    *,
    actor: Actor,
    now: datetime | None = None,
) -> ImportedPolicy:
    """Import Graph JSON (as Intune exports it); a policy of the same name is replaced.

    Its assignment stays as it was (a new policy is assigned to nobody): call `assign`,
    then `reevaluate`.
    """
    actor.require(Permission.MANAGE_POLICIES)
    policy = pol.parse_graph_json(text, source_name)
    return _save(store, policy, text, source_name, actor, now or utcnow())


def import_template(
    store: Store, name: str, *, actor: Actor, now: datetime | None = None
) -> ImportedPolicy:
    return import_policy(store, pol.template_text(name), f"{name}.json", actor=actor, now=now)


def _save(
    store: Store,
    policy: pol.CompliancePolicy,
    text: str,
    source: str,
    who: Actor,
    now: datetime,
) -> ImportedPolicy:
    unevaluated = policy_set([policy]).not_evaluated
    fields = {
        "policy_json": pol.to_graph_json(policy, include_read_only=True, api="beta"),
        "imported_json": text,
        "settings": json.dumps(sorted(policy.settings)),
        "not_evaluated": json.dumps(unevaluated),
        "grace_hours": policy.grace_hours,
        "source": source,
    }
    with store.transaction():
        policy_id, created = store.save_policy(policy.display_name, fields, iso(now))
        store.append_audit(
            who.audit_name,
            AuditAction.POLICY_IMPORT,
            policy.display_name,
            {
                "id": policy_id,
                "created": created,
                "source": source,
                "settings": len(policy.settings),
            },
        )
    return ImportedPolicy(policy, created, unevaluated)


@dataclass(frozen=True)
class ExportedPolicy:
    """A policy as Graph JSON for one API version, and what that version cannot carry."""

    text: str
    api: str
    left_out: tuple[str, ...]  # beta-only properties a v1.0 body does not have


def export_policy(store: Store, name: str, *, beta: bool = False, actor: Actor) -> ExportedPolicy:
    """The policy as Graph JSON for POST /deviceManagement/deviceCompliancePolicies: for
    v1.0 by default (beta-only settings left out and named), for /beta with `beta`."""
    actor.require(Permission.EXPORT)
    policy = _policy(store, name, actor)
    api = "beta" if beta else "v1.0"
    left_out = () if beta else tuple(pol.beta_only(policy))
    return ExportedPolicy(pol.to_graph_json(policy, api=api), api, left_out)


def _policy(store: Store, name: str, actor: Actor) -> pol.CompliancePolicy:
    for policy in policies(store, actor=actor):
        if policy.display_name.casefold() == name.casefold():
            return policy
    known = ", ".join(p.display_name for p in policies(store, actor=actor)) or "none yet"
    raise InputError(f"there is no compliance policy called {name!r} (known: {known})")


def assign(
    store: Store,
    name: str,
    *,
    all_devices: bool = False,
    group_tags: Iterable[str] = (),
    actor: Actor,
) -> pol.CompliancePolicy:
    """Assign a policy to every device, or to devices with these group tags (replaces the
    previous assignment; neither means unassigned). Call `reevaluate` afterwards."""
    actor.require(Permission.MANAGE_POLICIES)
    tags = tuple(t.strip() for t in group_tags if t.strip())
    policy = _policy(store, name, actor)
    row = store.policy_row(name)
    assert row is not None
    with store.transaction():
        store.set_assignment(row.id, all_devices, tags)
        store.append_audit(
            actor.audit_name,
            AuditAction.POLICY_ASSIGN,
            policy.display_name,
            {"all_devices": all_devices, "group_tags": list(tags)},
        )
    return replace(policy, assignment=pol.Assignment(all_devices, tags))


# -- evaluation -------------------------------------------------------------------------------


def cohorts(found: list[pol.CompliancePolicy]) -> list[tuple[Cohort, PolicySet]]:
    """Devices grouped by the policy set that applies to them: one per named group tag,
    and the rest (untagged, or tags no policy names)."""
    named = tuple(sorted({t for p in found for t in p.assignment.group_tags}))
    groups = [(Cohort(tag, False, named), [p for p in found if applies(p, tag)]) for tag in named]
    groups.append((Cohort(None, True, named), [p for p in found if applies(p, None)]))
    return [(cohort, policy_set(chosen)) for cohort, chosen in groups]


def reevaluate(
    store: Store,
    *,
    now: datetime | None = None,
    actor: Actor,
    progress: Progress | None = None,
    cancel: CancelCheck | None = None,
    batch: int = REEVALUATE_BATCH,
) -> int:
    """Re-evaluate every device in set-based SQL, in one transaction; returns how many
    changed state. Cancelled (nothing kept) when `cancel()` turns true between batches."""
    actor.require(Permission.MANAGE_POLICIES)
    moment = now or utcnow()
    tenant = tenant_settings(store, actor=actor)
    changed = 0
    with store.transaction():
        groups = cohorts(policies(store, actor=actor))
        low, high = store.id_range()
        total = max(high - low + 1, 0)
        for start in range(low, high + 1, batch):
            if cancel is not None and cancel():
                raise Cancelled("re-evaluation cancelled: no device changed")
            end = min(start + batch - 1, high)
            for cohort, pset in groups:
                changed += store.evaluate_cohort(
                    cohort, pset, tenant, moment, id_range=(start, end)
                )
            if progress is not None:
                progress(end - low + 1, total)
        store.append_audit(
            actor.audit_name,
            AuditAction.COMPLIANCE_REEVALUATE,
            None,
            {"changed": changed},
            at=iso(moment),
        )
    log.info("re-evaluated the fleet: %d device(s) changed state", changed)
    return changed


# -- check-ins --------------------------------------------------------------------------------


@dataclass
class CheckinReport:
    recorded: int = 0
    changed: int = 0
    rejected: list[dict[str, object]] = field(default_factory=list)
    joins_confirmed: int = 0  # devices prepared at the bench now known to have joined
    hashes_recorded: int = 0  # devices that had no hardware hash and now have one

    def as_json(self) -> dict[str, object]:
        return asdict(self)


class CheckinsRejected(InputError):
    """Some check-ins were refused and nothing was recorded; `report` names each row."""

    def __init__(self, report: CheckinReport, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} check-in(s) refused; nothing was recorded", problems)
        self.report = report


def record_checkins(
    store: Store,
    facts: Iterable[DeviceFacts],
    *,
    actor: Actor,
    now: datetime | None = None,
    skip_unknown: bool = False,
) -> CheckinReport:
    """Record check-ins and re-evaluate those devices, atomically: all rows or none.

    A row for a serial the store does not know, or with an unreadable or future time, is
    reported by row number; without `skip_unknown` nothing is then written.
    """
    actor.require(Permission.IMPORT)
    moment = now or utcnow()
    batch = list(facts)
    report = CheckinReport()
    with store.transaction():
        writer = CheckinWriter(store, moment, actor)
        known = store.device_ids_by_serial([f.serial.strip() for f in batch])
        rows: dict[int, dict[str, object]] = {}
        problems: list[Problem] = []
        for number, fact in enumerate(batch, start=1):
            device_id = known.get(fact.serial.strip().casefold())
            if device_id is None:
                reason = "no device with this serial: import or enroll it first"
                problems.append(Problem("check-ins", number, fact.serial, reason))
                continue
            row, reason = writer.fact_row(fact, device_id)
            if row is None:
                problems.append(Problem("check-ins", number, fact.serial, str(reason)))
                continue
            keep_newest(rows, device_id, row)
        report.rejected = [
            {"row": p.line, "serial": p.column, "reason": p.reason} for p in problems
        ]
        if problems and not skip_unknown:
            raise CheckinsRejected(report, problems)
        writer.write(rows)
        report.recorded = len(batch) - len(problems)
        report.changed = writer.changed
        report.hashes_recorded = writer.hashes_recorded
        report.joins_confirmed = writer.joins_confirmed
        store.append_audit(
            actor.audit_name,
            AuditAction.COMPLIANCE_CHECKINS,
            None,
            {
                "recorded": report.recorded,
                "rejected": len(problems),
                "changed": report.changed,
                "joins_confirmed": report.joins_confirmed,
                "hashes_recorded": report.hashes_recorded,
            },
            at=iso(moment),
        )
    return report


#: A device's clock may run a little ahead of the kiosk's; beyond this a report is refused.
CLOCK_SKEW = timedelta(minutes=5)


class CheckinWriter:
    """Records check-ins inside the caller's transaction, a batch at a time: the latest facts,
    what they tell the record (a confirmed join, a hardware hash Joinery had none for), then
    those devices evaluated (policies and tenant settings read once)."""

    def __init__(self, store: Store, moment: datetime, actor: Actor) -> None:
        self.store = store
        self.moment = moment
        self.actor = actor.audit_name  # who the history and audit entries name
        self.latest = iso(moment + CLOCK_SKEW)
        self.groups = cohorts(policies(store, actor=actor))
        self.tenant = tenant_settings(store, actor=actor)
        self.changed = 0
        self.joins_confirmed = 0
        self.hashes_recorded = 0

    def fact_row(self, facts: DeviceFacts, device_id: int) -> tuple[dict[str, object] | None, str]:
        """The store row of one check-in, or None and why it is refused."""
        reported = _normalise_time(facts.reported_at)
        if reported is None:
            return None, f"reported_at {facts.reported_at!r} is not an ISO 8601 time"
        if reported > self.latest:
            return None, (
                f"reported_at {reported} is in the future (more than {CLOCK_SKEW} ahead of "
                f"this kiosk's clock): check the device's clock"
            )
        # Every field is a scalar: read them as they are (asdict deep-copies each one, a
        # quarter of the time a check-in took to record).
        row: dict[str, object] = {name: getattr(facts, name) for name in FACT_FIELDS}
        row.update(device_id=device_id, reported_at=reported)
        row["source"] = str(facts.source)
        row["os_version_key"] = version_key(facts.os_version)
        row["defender_version_key"] = version_key(facts.defender_version)
        return row, ""

    def write(self, rows: dict[int, dict[str, object]]) -> None:
        if not rows:
            return
        self.store.mark_for_evaluation(rows)
        self.store.upsert_facts(rows.values())
        self.hashes_recorded += joins.record_reported_hashes(self.store, self.actor)
        self.joins_confirmed += joins.confirm_joins(self.store, self.actor)
        for cohort, pset in self.groups:
            self.changed += self.store.evaluate_cohort(cohort, pset, self.tenant, self.moment)


def keep_newest(rows: dict[int, dict[str, object]], device_id: int, row: dict[str, object]) -> None:
    """Keep the newest check-in of each device in a batch."""
    previous = rows.get(device_id)
    if previous is None or str(previous["reported_at"]) <= str(row["reported_at"]):
        rows[device_id] = row


def _normalise_time(text: str) -> str | None:
    """ISO UTC text, or None (a local time without an offset cannot be compared)."""
    return parse_timestamp(text, naive_is_utc=False)[0]
