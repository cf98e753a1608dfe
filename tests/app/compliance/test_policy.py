"""Graph JSON in and out: round trips, templates, and a corpus of malformed policies."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.compliance import policy as pol
from app.compliance.properties import (
    BY_NAME,
    ODATA_TYPE,
    SETTINGS,
    ActionType,
    Kind,
    ScheduledAction,
)
from app.errors import InputError

VERSIONS = st.lists(st.integers(0, 70000), min_size=1, max_size=4).map(
    lambda parts: ".".join(map(str, parts))
)


def _value(kind: Kind, name: str) -> st.SearchStrategy[Any]:
    prop = BY_NAME[name]
    if kind is Kind.BOOL:
        return st.booleans()
    if kind is Kind.INT32:
        return st.none() | st.integers(0, 2**31 - 1)
    if kind is Kind.VERSION:
        return st.none() | VERSIONS
    if kind is Kind.ENUM:
        return st.sampled_from(prop.choices)
    if kind is Kind.RANGES:
        ranges = st.tuples(VERSIONS, VERSIONS, st.none() | st.text(min_size=1, max_size=8))
        return st.lists(ranges, max_size=3).map(
            lambda items: [
                {
                    "lowestVersion": min(a, b, key=_key),
                    "highestVersion": max(a, b, key=_key),
                    "description": d if d and d.strip() else None,
                }
                for a, b, d in items
            ]
        )
    if kind is Kind.OBJECT:
        return st.none() | st.just({"deviceComplianceScriptId": "abc", "rulesContent": "e30="})
    return st.just([]) | st.just([{"distribution": "Ubuntu", "minimumOSVersion": "22.04"}])


def _key(version: str) -> tuple[int, ...]:
    parts = [int(p) for p in version.split(".")]
    return tuple(parts + [0] * (4 - len(parts)))


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@odata.type": ODATA_TYPE,
        "displayName": draw(st.text(min_size=1, max_size=20).filter(lambda t: t.strip())),
        "description": draw(st.text(max_size=20)),
    }
    for prop in draw(st.lists(st.sampled_from(SETTINGS), unique=True, max_size=12)):
        doc[prop.name] = draw(_value(prop.kind, prop.name))
    if draw(st.booleans()):
        doc["someFutureSetting"] = draw(st.integers() | st.text(max_size=5))
    hours = draw(st.integers(0, 8760))
    doc["scheduledActionsForRule"] = [
        {
            "ruleName": "PasswordRequired",
            "scheduledActionConfigurations": [
                {"actionType": "block", "gracePeriodHours": hours},
                {
                    "actionType": "notification",
                    "gracePeriodHours": 48,
                    "notificationTemplateId": "t1",
                    "notificationMessageCCList": ["g1"],
                },
            ],
        }
    ]
    return doc


@settings(max_examples=150, deadline=None)
@given(documents())
def test_graph_json_round_trips(doc: dict[str, Any]) -> None:
    first = pol.parse_graph_json(json.dumps(doc), "p.json")
    text = pol.to_graph_json(first, include_read_only=True, api="beta")
    assert pol.parse_graph_json(text, "again.json") == first
    # Every property is written, configured or not: Graph and Intune exports look like this.
    written = json.loads(text)
    assert all(p.name in written for p in SETTINGS)
    assert written["scheduledActionsForRule"][0]["scheduledActionConfigurations"][0] == {
        "actionType": "block",
        "gracePeriodHours": first.grace_hours,
        "notificationTemplateId": "00000000-0000-0000-0000-000000000000",
        "notificationMessageCCList": [],
    }


def test_unknown_properties_are_kept_and_named_not_evaluated() -> None:
    doc = {"@odata.type": ODATA_TYPE, "displayName": "X", "futureThing": {"a": 1}}
    doc["@odata.context"] = "https://graph.microsoft.com/beta/$metadata#x"
    policy = pol.parse_graph_json(json.dumps(doc), "x.json")
    assert policy.unknown_properties == ("futureThing",)
    beta = json.loads(pol.to_graph_json(policy, api="beta"))
    assert beta["futureThing"] == {"a": 1} and "@odata.context" not in beta
    assert "futureThing" not in json.loads(pol.to_graph_json(policy))  # not a v1.0 property
    faithful = pol.to_graph_json(policy, include_read_only=True, api="beta")
    assert "@odata.context" not in json.loads(faithful)  # an annotation, not the policy


def test_read_only_fields_are_left_out_of_a_post_body() -> None:
    doc = {
        "@odata.type": ODATA_TYPE,
        "displayName": "X",
        "id": "0f0e",
        "version": 3,
        "createdDateTime": "2024-01-01T00:00:00Z",
    }
    policy = pol.parse_graph_json(json.dumps(doc), "x.json")
    assert policy.id == "0f0e" and policy.version == 3
    posted = json.loads(pol.to_graph_json(policy))
    assert "id" not in posted and "version" not in posted
    assert posted["@odata.type"] == ODATA_TYPE


def test_missing_scheduled_actions_mean_mark_noncompliant_immediately() -> None:
    policy = pol.parse_graph_json(
        json.dumps({"@odata.type": ODATA_TYPE, "displayName": "X"}), "x.json"
    )
    assert policy.grace_hours == 0 and policy.notifications == ()


def test_grace_and_notifications() -> None:
    actions = (
        ScheduledAction(ActionType.BLOCK.value, 120),
        ScheduledAction(ActionType.NOTIFICATION.value, 48, "tmpl", ("grp",)),
        ScheduledAction(ActionType.NOTIFICATION.value, 120, "tmpl"),
    )
    policy = replace(pol.template("baseline"), actions=actions)
    assert policy.grace_hours == 120
    assert [n.grace_hours for n in policy.notifications] == [48, 120]
    again = pol.parse_graph_json(pol.to_graph_json(policy), "x.json")
    assert again.notifications == policy.notifications and again.grace_hours == 120


@pytest.mark.parametrize("name", pol.TEMPLATES)
def test_templates_load(name: str) -> None:
    policy = pol.template(name)
    assert policy.display_name.lower() == name
    assert policy.settings["bitLockerEnabled"] is True
    assert pol.parse_graph_json(pol.to_graph_json(policy, api="beta"), name) == policy


BASE = {"@odata.type": ODATA_TYPE, "displayName": "Bad"}
MALFORMED: list[tuple[str, Any, str]] = [
    ("bitLockerEnabled", "yes", "true or false"),
    ("bitLockerEnabled", 1, "true or false"),
    ("passwordMinimumLength", "8", "whole number"),
    ("passwordMinimumLength", 8.5, "whole number"),
    ("passwordMinimumLength", -1, "whole number"),
    ("passwordMinimumLength", True, "whole number"),
    ("passwordExpirationDays", 2**31, "whole number"),
    ("osMinimumVersion", "10.0.x", "version"),
    ("osMinimumVersion", 10, "version"),
    ("defenderVersion", "latest", "version"),
    ("passwordRequiredType", "complex", "deviceDefault"),
    ("deviceThreatProtectionRequiredSecurityLevel", "extreme", "unavailable"),
    ("validOperatingSystemBuildRanges", "10.0", "list of version ranges"),
    ("validOperatingSystemBuildRanges[0]", [{"lowestVersion": "10.0.2"}], "both"),
    (
        "validOperatingSystemBuildRanges[0]",
        [{"lowestVersion": "2", "highestVersion": "1"}],
        "above",
    ),
    ("validOperatingSystemBuildRanges[0]", ["10.0"], "object"),
    ("deviceCompliancePolicyScript", "script", "object"),
    ("wslDistributions", {"a": 1}, "list of objects"),
    ("displayName", "", "required"),
    ("displayName", 5, "text"),
    ("version", "3", "whole number"),
    ("roleScopeTagIds", "0", "list of text"),
    ("scheduledActionsForRule", {"a": 1}, "list of rules"),
    (
        "scheduledActionsForRule[0].scheduledActionConfigurations[0].gracePeriodHours",
        [{"scheduledActionConfigurations": [{"actionType": "block", "gracePeriodHours": 9000}]}],
        "8760",
    ),
    (
        "scheduledActionsForRule[0].scheduledActionConfigurations[0].actionType",
        [{"scheduledActionConfigurations": [{"actionType": "explode"}]}],
        "block",
    ),
    (
        "scheduledActionsForRule",
        [{"scheduledActionConfigurations": [{"actionType": "block"}, {"actionType": "block"}]}],
        "more than one block",
    ),
]


@pytest.mark.parametrize(("prop", "value", "reason"), MALFORMED)
def test_malformed_policy_is_refused_naming_the_property(
    prop: str, value: Any, reason: str
) -> None:
    doc = dict(BASE)
    doc[prop.split("[")[0].split(".")[0]] = value
    with pytest.raises(InputError) as caught:
        pol.parse_graph_json(json.dumps(doc), "bad.json")
    problems = caught.value.problems
    assert any(p.column == prop and reason in p.reason for p in problems), problems
    assert all(p.file == "bad.json" for p in problems)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{", "not JSON"),
        ("[]", "JSON object"),
        (json.dumps({"displayName": "X"}), "no @odata.type"),
        (
            json.dumps({"@odata.type": "#microsoft.graph.iosCompliancePolicy", "displayName": "X"}),
            "iosCompliancePolicy",
        ),
    ],
)
def test_not_a_windows_policy_is_refused(text: str, reason: str) -> None:
    with pytest.raises(InputError, match="refused") as caught:
        pol.parse_graph_json(text, "bad.json")
    assert reason in str(caught.value)
