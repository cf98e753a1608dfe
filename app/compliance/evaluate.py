"""A device's compliance state from its latest facts, its policies, its past and the clock.

Everything takes `now`: nothing here reads the system clock, so tests drive grace periods,
the validity period and the error hold through their transitions.

Order of precedence, the same in the SQL path (app/store/compliance_sql.py):
no facts -> notEvaluated; facts older than the validity period -> unknown; no policy ->
the tenant's choice; two policies disagree -> conflict; a failing setting -> inGracePeriod
until first-noncompliant + grace, then noncompliant; a setting in error -> the previous state
for up to 7 days (error when there is none), then noncompliant; a setting not reported ->
unknown; otherwise compliant.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from app.compliance.facts import DeviceFacts
from app.compliance.policy import CompliancePolicy
from app.compliance.properties import BY_NAME, is_configured
from app.compliance.rules import BY_SETTING, NOT_APPLICABLE, Status, check
from app.compliance.words import state_words
from app.domain import ComplianceState
from app.timeutil import iso, parse_iso

ERROR_HOLD = timedelta(days=7)
#: States an erroring setting may hold on to (the others say nothing about the settings).
HELD_STATES = (
    ComplianceState.COMPLIANT,
    ComplianceState.NONCOMPLIANT,
    ComplianceState.IN_GRACE_PERIOD,
)


@dataclass(frozen=True)
class Tenant:
    """The tenant-wide compliance settings (app/settings.py declares them)."""

    no_policy_compliant: bool = True
    validity_days: int = 30
    stale_days: int = 90


@dataclass(frozen=True)
class Requirement:
    """One setting required by one or more policies (which all agree on its value)."""

    setting: str
    value: Any
    policies: tuple[str, ...]
    grace_hours: int


@dataclass(frozen=True)
class PolicySet:
    """The policies that apply to one group tag, merged setting by setting."""

    names: tuple[str, ...]
    requirements: tuple[Requirement, ...]
    conflicts: tuple[str, ...]
    not_evaluated: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not self.names


def applies(policy: CompliancePolicy, group_tag: str | None) -> bool:
    assignment = policy.assignment
    return assignment.all_devices or (group_tag is not None and group_tag in assignment.group_tags)


def policy_set(policies: Iterable[CompliancePolicy]) -> PolicySet:
    """Merge policies: equal requirements combine, different values for one setting conflict."""
    chosen = sorted(policies, key=lambda p: p.display_name.casefold())
    by_setting: dict[str, list[tuple[CompliancePolicy, Any]]] = {}
    not_evaluated: set[str] = set()
    for policy in chosen:
        not_evaluated.update(policy.unknown_properties)
        for name, value in policy.settings.items():
            if name in BY_SETTING:
                by_setting.setdefault(name, []).append((policy, value))
            elif name in BY_NAME and is_configured(BY_NAME[name], value):
                not_evaluated.add(name)
    requirements: list[Requirement] = []
    conflicts: list[str] = []
    for name in sorted(by_setting):
        pairs = by_setting[name]
        if any(value != pairs[0][1] for _, value in pairs):
            conflicts.append(name)
            continue
        requirements.append(
            Requirement(
                name,
                pairs[0][1],
                tuple(p.display_name for p, _ in pairs),
                min(p.grace_hours for p, _ in pairs),
            )
        )
    return PolicySet(
        tuple(p.display_name for p in chosen),
        tuple(requirements),
        tuple(conflicts),
        tuple(sorted(not_evaluated)),
    )


@dataclass(frozen=True)
class Previous:
    """What the store remembers of a device's last evaluation."""

    state: str = ComplianceState.NOT_EVALUATED.value
    noncompliant_since: str | None = None
    error_since: str | None = None


@dataclass(frozen=True)
class SettingResult:
    setting: str
    status: Status
    reason: str | None = None  # "BitLocker is off (required by Baseline)"


@dataclass(frozen=True)
class Verdict:
    state: ComplianceState
    results: tuple[SettingResult, ...] = ()
    noncompliant_since: str | None = None
    grace_until: str | None = None
    error_since: str | None = None
    why: str = ""
    not_applicable: tuple[str, ...] = field(default=NOT_APPLICABLE)

    @property
    def failing(self) -> dict[str, str]:
        """Every setting that is not compliant, and its status (what the store keeps)."""
        return {r.setting: r.status.value for r in self.results if r.status != Status.COMPLIANT}

    @property
    def reasons(self) -> list[str]:
        return [r.reason for r in self.results if r.reason]


def evaluate_device(
    facts: DeviceFacts | None,
    policies: PolicySet,
    previous: Previous,
    now: datetime,
    tenant: Tenant,
) -> Verdict:
    """The device's state at `now` (the reference the SQL path must agree with)."""
    if facts is None:
        return Verdict(ComplianceState.NOT_EVALUATED, why="no check-in yet")
    if facts.reported_at < iso(now - timedelta(days=tenant.validity_days)):
        return Verdict(
            ComplianceState.UNKNOWN,
            why=f"no check-in within {tenant.validity_days} days (last {facts.reported_at})",
        )
    if policies.empty:
        state = (
            ComplianceState.COMPLIANT
            if tenant.no_policy_compliant
            else ComplianceState.NONCOMPLIANT
        )
        return Verdict(state, why="no compliance policy assigned")
    if policies.conflicts:
        results = tuple(
            SettingResult(s, Status.CONFLICT, f"Assigned policies disagree on {s}")
            for s in policies.conflicts
        )
        return Verdict(ComplianceState.CONFLICT, results, why="policies disagree")
    results = tuple(_result(r, facts) for r in policies.requirements)
    return _decide(results, policies.requirements, previous, iso(now))


def _result(requirement: Requirement, facts: DeviceFacts) -> SettingResult:
    status, reason = check(BY_SETTING[requirement.setting], requirement.value, facts)
    if reason is not None:
        reason += f" (required by {', '.join(requirement.policies)})"
    return SettingResult(requirement.setting, status, reason)


def _decide(
    results: tuple[SettingResult, ...],
    requirements: Sequence[Requirement],
    previous: Previous,
    now: str,
) -> Verdict:
    statuses = {r.status for r in results}
    has_error = Status.ERROR in statuses
    error_since = (previous.error_since or now) if has_error else None
    if Status.NON_COMPLIANT in statuses:
        since = previous.noncompliant_since or now
        grace = min(
            q.grace_hours
            for q, r in zip(requirements, results, strict=True)
            if r.status == Status.NON_COMPLIANT
        )
        until = iso(parse_iso(since) + timedelta(hours=grace))
        state = ComplianceState.IN_GRACE_PERIOD if now < until else ComplianceState.NONCOMPLIANT
        return Verdict(state, results, since, until, error_since, why="a setting fails")
    if has_error:
        assert error_since is not None
        if error_since <= iso(parse_iso(now) - ERROR_HOLD):
            state = ComplianceState.NONCOMPLIANT
        elif previous.state in HELD_STATES:
            state = ComplianceState(previous.state)
        else:
            state = ComplianceState.ERROR
        return Verdict(state, results, error_since=error_since, why="a setting is in error")
    if Status.UNKNOWN in statuses:
        return Verdict(ComplianceState.UNKNOWN, results, why="a required fact was not reported")
    return Verdict(ComplianceState.COMPLIANT, results, why="every setting complies")


# -- Conditional Access ----------------------------------------------------------------------

#: With "Require device to be marked as compliant", these states still get in.
ACCESS_STATES = (ComplianceState.COMPLIANT, ComplianceState.IN_GRACE_PERIOD)


@dataclass(frozen=True)
class AccessOutcome:
    granted: bool
    reason: str


def ca_decision(state: str, *, require_compliant: bool = True) -> AccessOutcome:
    """What a Conditional Access "require compliant device" rule does to a device."""
    if not require_compliant:
        return AccessOutcome(True, "no Conditional Access rule requires a compliant device")
    verdict = "granted" if state in ACCESS_STATES else "blocked"
    return AccessOutcome(verdict == "granted", f"{verdict}: the device is “{state_words(state)}”")
