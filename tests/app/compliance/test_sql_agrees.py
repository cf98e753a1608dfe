"""The set-based SQL evaluation agrees with the Python evaluator on random facts and clocks."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import demo, services
from app.compliance.evaluate import Previous, applies, evaluate_device, policy_set
from app.compliance.facts import DeviceFacts, FactSource
from app.compliance.properties import ODATA_TYPE
from app.compliance.rules import RULES, Comparison
from app.domain import ComplianceState, DeviceQuery
from app.store import Store
from app.timeutil import iso
from tests.helpers.actors import ADMIN

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
TAGS = ["Sales", "Lab", None]
VERSIONS = ["10.0.19044.5131", "10.0.19045", "10.0.22631.4602", "10.0.26100.1", "garbage", None]

VALUES: dict[Comparison, list[Any]] = {
    Comparison.TRUE: [True, False, None],
    Comparison.AT_LEAST: [0, 5, 8, 14, None],
    Comparison.EXPIRES_WITHIN: [0, 1, 90, 400, None],
    Comparison.SIGNATURES_CURRENT: [0, 7, 8, None],
    Comparison.TPM: ["2.0", "1.2", "", "0", " 2", "x", None],
    Comparison.VERSION_MIN: VERSIONS,
    Comparison.VERSION_MAX: VERSIONS,
    Comparison.VERSION_RANGES: VERSIONS,
}
FACT_VALUES = {rule.fact: VALUES[rule.comparison] for rule in RULES}
FACT_VALUES["defender_version"] = ["4.18.24090.11", "4.18.3", "4.x", None]

POLICIES = [
    {
        "displayName": "Baseline",
        "bitLockerEnabled": True,
        "osMinimumVersion": "10.0.19045",
        "tpmRequired": True,
        "passwordExpirationDays": 90,
        "signatureOutOfDate": True,
        "grace": 3,
    },
    {
        "displayName": "Lab",
        "bitLockerEnabled": True,
        "defenderVersion": "4.18.24090.11",
        "passwordMinimumLength": 8,
        "validOperatingSystemBuildRanges": [
            {"lowestVersion": "10.0.22631", "highestVersion": "10.0.26100.9999"}
        ],
        "grace": 1,
    },
    {
        "displayName": "Strict",
        "osMinimumVersion": "10.0.22631",
        "rtpEnabled": True,
        "passwordMinimumLength": 14,
        "passwordExpirationDays": 30,
        "grace": 0,
    },
    {
        "displayName": "Max",
        "osMaximumVersion": "10.0.22631.9999",
        "validOperatingSystemBuildRanges": [
            {"lowestVersion": "10.0.19045", "highestVersion": "10.0.22631.9999"}
        ],
        "passwordMinimumLength": 8,
        "grace": 2,
    },
]


@st.composite
def facts_for(draw: st.DrawFn, serial: str, at: datetime) -> DeviceFacts:
    values = {
        name: draw(st.sampled_from(choices))
        for name, choices in FACT_VALUES.items()
        if draw(st.booleans())
    }
    return DeviceFacts(serial, iso(at), FactSource.SIMULATOR, **values)


def _store(tags: list[str | None], states: list[str]) -> Store:
    store = Store.memory()
    rows = list(demo.devices(len(tags), seed=3, now=T0))
    for row, tag, state in zip(rows, tags, states, strict=True):
        row.update(group_tag=tag, compliance_state=state)
    with store.transaction():
        store.insert_devices(rows)
    return store


def _assign(store: Store, chosen: list[int], assignments: list[Any]) -> None:
    for index, target in zip(chosen, assignments, strict=True):
        doc = {k: v for k, v in POLICIES[index].items() if k != "grace"}
        doc["@odata.type"] = ODATA_TYPE
        doc["scheduledActionsForRule"] = [
            {
                "scheduledActionConfigurations": [
                    {"actionType": "block", "gracePeriodHours": POLICIES[index]["grace"] * 24}
                ]
            }
        ]
        services.import_policy(store, json.dumps(doc), "p.json", now=T0, actor=ADMIN)
        name = str(doc["displayName"])
        if target == "all":
            services.assign(store, name, all_devices=True, actor=ADMIN)
        else:
            services.assign(store, name, group_tags=target, actor=ADMIN)


def _python_verdicts(store: Store, now: datetime, previous: dict[int, Previous]) -> dict[int, Any]:
    found = services.policies(store, actor=ADMIN)
    tenant = services.tenant_settings(store, actor=ADMIN)
    out = {}
    for device_id, before in previous.items():
        device = store.device(device_id)
        assert device is not None
        raw = store.latest_facts(device_id)
        facts = None if raw is None else DeviceFacts(**{**raw, "source": FactSource(raw["source"])})
        pset = policy_set(p for p in found if applies(p, device.group_tag))
        out[device_id] = evaluate_device(facts, pset, before, now, tenant)
    return out


def _snapshot(store: Store, ids: list[int]) -> dict[int, Previous]:
    rows = {i: store.compliance_row(i) for i in ids}
    return {
        i: Previous(r.state, r.noncompliant_since, r.error_since)
        for i, r in rows.items()
        if r is not None
    }


def _check(store: Store, expected: dict[int, Any]) -> None:
    for device_id, verdict in expected.items():
        row = store.compliance_row(device_id)
        assert row is not None
        got = (row.state, row.failing, row.noncompliant_since, row.grace_until, row.error_since)
        want = (
            verdict.state.value,
            verdict.failing,
            verdict.noncompliant_since,
            verdict.grace_until,
            verdict.error_since,
        )
        assert got == want, device_id


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_sql_and_python_agree(data: st.DataObject) -> None:
    count = data.draw(st.integers(1, 6))
    tags = data.draw(st.lists(st.sampled_from(TAGS), min_size=count, max_size=count))
    states = data.draw(
        st.lists(
            st.sampled_from([s.value for s in ComplianceState]), min_size=count, max_size=count
        )
    )
    chosen = data.draw(st.lists(st.integers(0, len(POLICIES) - 1), unique=True, max_size=3))
    targets = st.sampled_from(["all", ["Sales"], ["Lab"], ["Sales", "Lab"], []])
    assignments = data.draw(st.lists(targets, min_size=len(chosen), max_size=len(chosen)))
    store = _store(tags, states)
    if data.draw(st.booleans()):
        with store.transaction():
            store.set_setting("no_policy_compliant", "0")
    _assign(store, chosen, assignments)
    ids = [d.id for d in store.iter_devices(DeviceQuery())]
    now = T0
    for _ in range(data.draw(st.integers(1, 4))):
        now += timedelta(hours=data.draw(st.sampled_from([0, 1, 30, 71, 72, 24 * 8, 24 * 31])))
        reporting = data.draw(st.lists(st.sampled_from(ids), unique=True))
        devices = {i: store.device(i) for i in reporting}
        age = timedelta(hours=data.draw(st.sampled_from([0, 5])))
        batch = [data.draw(facts_for(devices[i].serial, now - age)) for i in reporting]  # type: ignore[union-attr]
        before = _snapshot(store, ids)
        if data.draw(st.booleans()):
            services.record_checkins(store, batch, now=now, actor=ADMIN)
            expected = _python_verdicts(store, now, {i: before[i] for i in reporting})
        else:
            services.record_checkins(store, batch, now=now, actor=ADMIN)
            before = _snapshot(store, ids)
            services.reevaluate(
                store, now=now, batch=data.draw(st.sampled_from([1, 2, 1000])), actor=ADMIN
            )
            expected = _python_verdicts(store, now, before)
        _check(store, expected)
    _check_counters(store, ids)
    store.close()


def _check_counters(store: Store, ids: list[int]) -> None:
    failing = store.counters("failing:")
    for setting, n in failing.items():
        assert n == store.devices_failing(setting), setting
    states = store.counters("state:")
    for state, n in states.items():
        listed = sum(1 for i in ids if store.compliance_row(i).state == state)  # type: ignore[union-attr]
        assert n == listed, state
