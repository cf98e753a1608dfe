"""Device states driven through their transitions by an injected clock."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.compliance import policy as pol
from app.compliance.evaluate import (
    Previous,
    Tenant,
    Verdict,
    ca_decision,
    evaluate_device,
    policy_set,
)
from app.compliance.facts import DeviceFacts, FactSource
from app.compliance.policy import Assignment
from app.compliance.properties import ODATA_TYPE, ActionType, ScheduledAction
from app.domain import ComplianceState as S
from app.timeutil import iso

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
TENANT = Tenant()


def make_policy(name: str, grace_days: int = 3, **settings: Any) -> pol.CompliancePolicy:
    doc = {"@odata.type": ODATA_TYPE, "displayName": name, **settings}
    policy = pol.parse_graph_json(json.dumps(doc), f"{name}.json")
    block = ScheduledAction(ActionType.BLOCK.value, grace_days * 24)
    return replace(policy, actions=(block,), assignment=Assignment(all_devices=True))


BASE = make_policy("Baseline", bitLockerEnabled=True, osMinimumVersion="10.0.19045")


def facts(at: datetime, **values: Any) -> DeviceFacts:
    good: dict[str, Any] = {"bitlocker_enabled": True, "os_version": "10.0.26100.1"}
    return DeviceFacts("S1", iso(at), FactSource.COLLECTOR, **{**good, **values})


def step(verdict: Verdict) -> Previous:
    return Previous(verdict.state.value, verdict.noncompliant_since, verdict.error_since)


def run(
    timeline: list[tuple[timedelta, DeviceFacts | None]], *policies: pol.CompliancePolicy
) -> list[Verdict]:
    pset = policy_set(policies or (BASE,))
    previous = Previous()
    verdicts = []
    for offset, fact in timeline:
        verdict = evaluate_device(fact, pset, previous, T0 + offset, TENANT)
        verdicts.append(verdict)
        previous = step(verdict)
    return verdicts


def test_not_evaluated_until_the_first_report() -> None:
    assert run([(timedelta(0), None)])[0].state == S.NOT_EVALUATED


def test_grace_period_then_noncompliant_then_compliant_again() -> None:
    bad = facts(T0, bitlocker_enabled=False)
    day = timedelta(days=1)
    verdicts = run(
        [
            (timedelta(0), bad),
            (2 * day, replace(bad, reported_at=iso(T0 + 2 * day))),
            (3 * day, replace(bad, reported_at=iso(T0 + 3 * day))),
            (4 * day, facts(T0 + 4 * day)),
        ]
    )
    assert [v.state for v in verdicts] == [
        S.IN_GRACE_PERIOD,
        S.IN_GRACE_PERIOD,
        S.NONCOMPLIANT,
        S.COMPLIANT,
    ]
    assert verdicts[0].grace_until == iso(T0 + 3 * day)
    assert verdicts[1].noncompliant_since == iso(T0)  # the first time, not the latest
    assert verdicts[0].reasons == ["BitLocker is off (required by Baseline)"]
    assert verdicts[3].noncompliant_since is None


def test_no_grace_means_noncompliant_at_once() -> None:
    strict = make_policy("Strict", grace_days=0, bitLockerEnabled=True)
    verdicts = run([(timedelta(0), facts(T0, bitlocker_enabled=False))], strict)
    assert verdicts[0].state == S.NONCOMPLIANT


def test_no_report_within_the_validity_period_is_noncompliant_through_is_active() -> None:
    report = facts(T0)
    verdicts = run(
        [
            (timedelta(days=30), report),
            (timedelta(days=30, seconds=1), report),
        ]
    )
    assert [v.state for v in verdicts] == [S.COMPLIANT, S.NONCOMPLIANT]
    assert verdicts[1].failing == {"RequireRemainContact": "nonCompliant"}
    assert "Is active" in verdicts[1].reasons[0] and "30-day" in verdicts[1].why


def test_error_keeps_the_previous_state_for_seven_days_then_noncompliant() -> None:
    broken = {"os_version": "garbage"}
    day = timedelta(days=1)
    verdicts = run(
        [
            (timedelta(0), facts(T0)),
            (day, facts(T0 + day, **broken)),
            (7 * day, facts(T0 + 7 * day, **broken)),
            (8 * day, facts(T0 + 8 * day, **broken)),
        ]
    )
    assert [v.state for v in verdicts] == [S.COMPLIANT, S.COMPLIANT, S.COMPLIANT, S.NONCOMPLIANT]
    assert verdicts[3].error_since == iso(T0 + day)


def test_error_with_no_previous_state_is_error() -> None:
    verdicts = run([(timedelta(0), facts(T0, os_version="garbage"))])
    assert verdicts[0].state == S.ERROR
    assert verdicts[0].failing == {"osMinimumVersion": "error"}


def test_a_fact_not_reported_makes_the_device_unknown() -> None:
    verdicts = run([(timedelta(0), facts(T0, bitlocker_enabled=None))])
    assert verdicts[0].state == S.UNKNOWN
    assert verdicts[0].failing == {"bitLockerEnabled": "unknown"}


def test_two_policies_that_disagree_apply_the_most_secure_value() -> None:
    other = make_policy("Other", osMinimumVersion="10.0.22631")
    verdict = run([(timedelta(0), facts(T0))], BASE, other)[0]
    assert verdict.state == S.COMPLIANT  # 10.0.26100 meets both
    old = run([(timedelta(0), facts(T0, os_version="10.0.19045.100"))], BASE, other)[0]
    assert old.state == S.IN_GRACE_PERIOD and old.failing == {"osMinimumVersion": "nonCompliant"}
    assert old.reasons == [
        "Windows 10.0.19045.100 is below the minimum 10.0.22631 (required by Other)"
    ]


def test_two_policies_that_agree_combine_and_the_shortest_grace_wins() -> None:
    other = make_policy("Other", grace_days=1, bitLockerEnabled=True)
    verdict = run([(timedelta(0), facts(T0, bitlocker_enabled=False))], BASE, other)[0]
    assert verdict.grace_until == iso(T0 + timedelta(days=1))
    assert verdict.reasons == ["BitLocker is off (required by Baseline, Other)"]


@pytest.mark.parametrize(("compliant", "state"), [(True, S.COMPLIANT), (False, S.NONCOMPLIANT)])
def test_no_policy_follows_the_tenant_setting(compliant: bool, state: S) -> None:
    tenant = Tenant(no_policy_compliant=compliant)
    verdict = evaluate_device(facts(T0), policy_set(()), Previous(), T0, tenant)
    assert verdict.state == state


def test_unevaluable_settings_are_listed() -> None:
    policy = make_policy("P", passwordRequiredType="alphanumeric", futureSetting=True)
    assert policy_set([policy]).not_evaluated == ("futureSetting", "passwordRequiredType")


@pytest.mark.parametrize(
    ("state", "granted"),
    [
        (S.COMPLIANT, True),
        (S.IN_GRACE_PERIOD, True),
        (S.NONCOMPLIANT, False),
        (S.NOT_EVALUATED, False),
        (S.UNKNOWN, False),
        (S.ERROR, False),
        (S.CONFLICT, False),
    ],
)
def test_conditional_access(state: S, granted: bool) -> None:
    assert ca_decision(state.value).granted is granted
    assert ca_decision(state.value, require_compliant=False).granted
