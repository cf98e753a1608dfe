"""A device's compliance state from its latest facts, its policies, its past and the clock.

Everything takes `now`: nothing here reads the system clock, so tests drive grace periods,
the validity period and the error hold through their transitions.

Order of precedence, the same in the SQL path (app/store/compliance_sql.py):
no facts -> notEvaluated (a report state); no check-in within the validity period ->
noncompliant through Intune's built-in "Is active" setting (RequireRemainContact); no
policy -> the tenant's choice; a failing setting -> inGracePeriod until first-noncompliant
+ grace, then noncompliant (no grace for a policy with a setting in error); a setting in
error -> the previous state for up to 7 days (error when there is none), then noncompliant;
a setting not reported -> unknown; otherwise compliant.

Several policies with different values for one setting are not a conflict: Intune applies
the most secure value (app/compliance/merge.py). Each policy's own value is checked (one
Requirement per distinct value, strictest first), which gives the same answer and tells
whose grace period applies and which policy the reason names.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from app.compliance import merge
from app.compliance.facts import DeviceFacts
from app.compliance.policy import CompliancePolicy
from app.compliance.properties import BY_NAME, is_configured
from app.compliance.rules import BY_SETTING, Status, check, note_for
from app.compliance.words import setting_words, state_words
from app.domain import ComplianceState
from app.timeutil import iso, parse_iso

ERROR_HOLD = timedelta(days=7)
#: States an erroring setting may hold on to (the others say nothing about the settings).
HELD_STATES = (
    ComplianceState.COMPLIANT,
    ComplianceState.NONCOMPLIANT,
    ComplianceState.IN_GRACE_PERIOD,
)
#: Intune's built-in "Is active" setting (Default Device Compliance Policy): a device that
#: does not report within the validity period is noncompliant through it.
IS_ACTIVE = "RequireRemainContact"


@dataclass(frozen=True)
class Tenant:
    """The tenant-wide compliance settings (app/settings.py declares them)."""

    no_policy_compliant: bool = True
    validity_days: int = 30
    stale_days: int = 90


@dataclass(frozen=True)
class Requirement:
    """One value one or more policies require for a setting, the shortest grace period among
    those policies, and their names. A setting required with different values by different
    policies has one Requirement per value."""

    setting: str
    value: Any
    policies: tuple[str, ...]
    grace_hours: int


@dataclass(frozen=True)
class PolicySet:
    """The policies that apply to one group tag: every evaluable requirement (grouped by
    setting, strictest value first), the most secure value of each configured setting, and
    the settings Joinery cannot evaluate."""

    names: tuple[str, ...]
    requirements: tuple[Requirement, ...]
    not_evaluated: tuple[str, ...]
    effective: dict[str, Any] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.names

    def tiers(self) -> dict[str, list[int]]:
        """Requirement indexes by setting, strictest first (the order they are stored in)."""
        found: dict[str, list[int]] = {}
        for index, requirement in enumerate(self.requirements):
            found.setdefault(requirement.setting, []).append(index)
        return found

    def sharing(self, index: int) -> list[int]:
        """Requirements sharing a policy with requirement `index`: an error in any of them
        takes that policy's grace period away (Microsoft: grace periods do not apply to a
        policy with a setting in Error)."""
        mine = set(self.requirements[index].policies)
        return [i for i, r in enumerate(self.requirements) if mine & set(r.policies)]


def applies(policy: CompliancePolicy, group_tag: str | None) -> bool:
    assignment = policy.assignment
    return assignment.all_devices or (group_tag is not None and group_tag in assignment.group_tags)


def policy_set(policies: Iterable[CompliancePolicy]) -> PolicySet:
    """The policies together: each policy's value of each setting, most secure first."""
    chosen = sorted(policies, key=lambda p: p.display_name.casefold())
    by_setting: dict[str, list[tuple[CompliancePolicy, Any]]] = {}
    not_evaluated: set[str] = set()
    for policy in chosen:
        not_evaluated.update(policy.unknown_properties)
        for name, value in policy.settings.items():
            if name in BY_NAME and is_configured(BY_NAME[name], value):
                by_setting.setdefault(name, []).append((policy, value))
            if name not in BY_SETTING:
                not_evaluated.add(name)
    requirements: list[Requirement] = []
    effective: dict[str, Any] = {}
    for name in sorted(by_setting):
        pairs = by_setting[name]
        try:
            effective[name] = merge.most_secure(name, [value for _, value in pairs])
        except merge.Unmergeable:
            not_evaluated.add(name)
        if name in BY_SETTING:
            requirements += _tiers(name, pairs)
    return PolicySet(
        tuple(p.display_name for p in chosen),
        tuple(requirements),
        tuple(sorted(not_evaluated)),
        effective,
    )


def _tiers(name: str, pairs: list[tuple[CompliancePolicy, Any]]) -> list[Requirement]:
    """One Requirement per distinct value, most secure first."""
    values: list[Any] = []
    for _, value in pairs:
        if value not in values:
            values.append(value)
    values.sort(key=lambda v: merge.strictness(name, v))
    tiers = []
    for value in values:
        owners = [p for p, v in pairs if v == value]
        tiers.append(
            Requirement(
                name,
                value,
                tuple(p.display_name for p in owners),
                min(p.grace_hours for p in owners),
            )
        )
    return tiers


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
    note: str | None = None  # how Intune's view may differ (attestation, approximate facts)


@dataclass(frozen=True)
class Verdict:
    state: ComplianceState
    results: tuple[SettingResult, ...] = ()
    noncompliant_since: str | None = None
    grace_until: str | None = None
    error_since: str | None = None
    why: str = ""

    @property
    def failing(self) -> dict[str, str]:
        """Every setting that is not compliant, and its status (what the store keeps)."""
        return {r.setting: r.status.value for r in self.results if r.status != Status.COMPLIANT}

    @property
    def reasons(self) -> list[str]:
        return [r.reason for r in self.results if r.reason]

    @property
    def notes(self) -> list[str]:
        """Where Intune may see the device differently from this bench check, per setting."""
        return [f"{setting_words(r.setting)}: {r.note}" for r in self.results if r.note]


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
        reason = (
            f"Is active: no check-in within the {tenant.validity_days}-day compliance status "
            f"validity period (last {facts.reported_at})"
        )
        return Verdict(
            ComplianceState.NONCOMPLIANT,
            (SettingResult(IS_ACTIVE, Status.NON_COMPLIANT, reason),),
            noncompliant_since=previous.noncompliant_since or iso(now),
            why=f"not active: {reason}",
        )
    if policies.empty:
        state = (
            ComplianceState.COMPLIANT
            if tenant.no_policy_compliant
            else ComplianceState.NONCOMPLIANT
        )
        return Verdict(state, why="no compliance policy assigned")
    checked = [_result(r, facts) for r in policies.requirements]
    return _decide(checked, policies, previous, iso(now))


def _result(requirement: Requirement, facts: DeviceFacts) -> SettingResult:
    rule = BY_SETTING[requirement.setting]
    status, reason = check(rule, requirement.value, facts)
    if reason is not None:
        reason += f" (required by {', '.join(requirement.policies)})"
    return SettingResult(requirement.setting, status, reason, note_for(rule, facts))


def per_setting(checked: Sequence[SettingResult], policies: PolicySet) -> list[SettingResult]:
    """One result per setting: the strictest failing requirement's, else the first one's."""
    results = []
    for indexes in policies.tiers().values():
        failing = [checked[i] for i in indexes if checked[i].status == Status.NON_COMPLIANT]
        results.append(failing[0] if failing else checked[indexes[0]])
    return results


def _decide(
    checked: Sequence[SettingResult], policies: PolicySet, previous: Previous, now: str
) -> Verdict:
    results = tuple(per_setting(checked, policies))
    statuses = {r.status for r in results}
    has_error = Status.ERROR in statuses
    error_since = (previous.error_since or now) if has_error else None
    if Status.NON_COMPLIANT in statuses:
        since = previous.noncompliant_since or now
        grace = min(
            _grace(i, checked, policies)
            for i, r in enumerate(checked)
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


def _grace(index: int, checked: Sequence[SettingResult], policies: PolicySet) -> int:
    """The grace a failing requirement gives: none while one of its policies is in error."""
    if any(checked[i].status == Status.ERROR for i in policies.sharing(index)):
        return 0
    return policies.requirements[index].grace_hours


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
