"""A Windows 10/11 compliance policy in Graph's own terms, read from and written to Graph JSON.

A policy exported from Intune (or by IntuneManagement) imports, and one written here posts to
`POST /deviceManagement/deviceCompliancePolicies`. What an export carries besides the policy
is dropped on reading: OData annotations (`@odata.context`, `x@odata.type`), bound actions
(`#microsoft.graph.assign`) and navigation properties (`assignments`). Unknown properties (a
newer API version's) are kept, named as not evaluated, and written back to beta only; wrong
types are refused by name. Written for Graph v1.0 by default: beta-only settings only on
request (`api="beta"`), and `beta_only()` names what v1.0 would lose.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from typing import Any

from app import jsonsafe
from app.compliance.properties import (
    BETA_METADATA,
    BY_NAME,
    METADATA,
    NAVIGATION,
    NO_TEMPLATE,
    ODATA_TYPE,
    READ_ONLY,
    SETTINGS,
    V1_SETTINGS,
    ActionType,
    ScheduledAction,
    VersionRange,
    is_configured,
)
from app.compliance.validate import Checker
from app.errors import InputError
from app.textsafe import lone_surrogate

DEFAULT_RULE = "PasswordRequired"  # the ruleName Intune's own samples post
TEMPLATES = ("baseline", "strict")
#: An exported policy is a few kilobytes; a megabyte is not a policy.
MAX_POLICY_CHARS = 1024 * 1024

__all__ = [
    "Assignment",
    "CompliancePolicy",
    "ScheduledAction",
    "VersionRange",
    "parse_graph_json",
    "to_graph_json",
]


@dataclass(frozen=True)
class Assignment:
    """Who the policy applies to: every device, or devices with one of these group tags."""

    all_devices: bool = False
    group_tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class CompliancePolicy:
    """A windows10CompliancePolicy. `settings` holds the required settings only (Graph names)."""

    display_name: str
    settings: dict[str, Any] = field(default_factory=dict)
    description: str | None = None
    version: int | None = None
    id: str | None = None
    created: str | None = None
    modified: str | None = None
    role_scope_tag_ids: tuple[str, ...] = ()
    rule_name: str = DEFAULT_RULE
    actions: tuple[ScheduledAction, ...] = (ScheduledAction(ActionType.BLOCK.value),)
    extra: dict[str, Any] = field(default_factory=dict)  # unknown properties, verbatim
    assignment: Assignment = Assignment()

    @property
    def grace_hours(self) -> int:
        """Hours from the first noncompliant evaluation to "Mark device noncompliant"."""
        return min(a.grace_hours for a in self.actions if a.action_type == ActionType.BLOCK)

    @property
    def notifications(self) -> tuple[ScheduledAction, ...]:
        return tuple(a for a in self.actions if a.action_type == ActionType.NOTIFICATION)

    @property
    def unknown_properties(self) -> tuple[str, ...]:
        """Properties Joinery does not know (kept, and written back to beta)."""
        return tuple(self.extra)


# -- reading ---------------------------------------------------------------------------------


def parse_graph_json(text: str, source_name: str) -> CompliancePolicy:
    """A policy from Graph JSON; InputError names every property that is wrong, and why."""
    check = Checker(source_name)
    if len(text) > MAX_POLICY_CHARS:
        check.fail(None, f"is {len(text):,} characters; a policy is at most {MAX_POLICY_CHARS:,}")
    elif (index := lone_surrogate(text)) is not None:
        check.fail(None, f"holds a character that is not text at position {index + 1}")
    else:
        try:
            document = jsonsafe.loads(text)
        except json.JSONDecodeError as exc:
            check.fail(None, f"not JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})")
        except jsonsafe.JsonRefused as exc:
            check.fail(None, f"refused: the JSON {exc.reason}")
        else:
            return parse_graph_document(document, source_name)
    check.raise_if_any()
    raise AssertionError("unreachable")


def parse_graph_document(document: object, source_name: str) -> CompliancePolicy:
    """Like parse_graph_json, from JSON already decoded."""
    check = Checker(source_name)
    if not isinstance(document, dict):
        check.fail(None, "a compliance policy is a JSON object")
        check.raise_if_any()
    assert isinstance(document, dict)
    kind = document.get("@odata.type")
    if kind != ODATA_TYPE:
        what = f"a {kind} policy" if isinstance(kind, str) else "no @odata.type"
        check.fail("@odata.type", f"{what}: Joinery evaluates {ODATA_TYPE} policies only")
        check.raise_if_any()
    settings: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for name, value in document.items():
        prop = BY_NAME.get(name)
        if prop is not None:
            parsed = check.setting(prop, value)
            if is_configured(prop, value) and parsed is not None:
                settings[name] = parsed
        elif name not in METADATA and not _not_policy(name):
            extra[name] = value
    policy = CompliancePolicy(
        display_name=check.text("displayName", document.get("displayName"), required=True) or "",
        settings=settings,
        description=check.text("description", document.get("description")),
        version=check.int32("version", document.get("version")),
        id=check.text("id", document.get("id")),
        created=check.text("createdDateTime", document.get("createdDateTime")),
        modified=check.text("lastModifiedDateTime", document.get("lastModifiedDateTime")),
        role_scope_tag_ids=check.strings("roleScopeTagIds", document.get("roleScopeTagIds")),
        extra=extra,
    )
    rule_name, actions = check.actions(document.get("scheduledActionsForRule"))
    check.raise_if_any()
    if actions:
        policy = replace(policy, rule_name=rule_name or DEFAULT_RULE, actions=actions)
    return policy


def _not_policy(name: str) -> bool:
    """What an export carries besides the policy: the scheduled actions (read apart), OData
    annotations and bound actions ("#microsoft.graph.assign"), navigation properties."""
    return (
        name in ("@odata.type", "scheduledActionsForRule")
        or "@" in name
        or name.startswith("#")
        or name in NAVIGATION
    )


# -- writing ---------------------------------------------------------------------------------

API_VERSIONS = ("v1.0", "beta")


def beta_only(policy: CompliancePolicy) -> list[str]:
    """The policy's properties that Graph v1.0 does not have (left out of a v1.0 body)."""
    found = [name for name in policy.settings if name not in V1_SETTINGS]
    found += list(policy.extra)
    if policy.role_scope_tag_ids:
        found += list(BETA_METADATA)
    return sorted(found)


def to_graph_document(
    policy: CompliancePolicy, *, include_read_only: bool = False, api: str = "v1.0"
) -> dict[str, Any]:
    """The JSON object Graph accepts; every setting of the API version written (unset ones as
    not configured). `api` is "v1.0" (the default: only what v1.0 has) or "beta"."""
    if api not in API_VERSIONS:
        raise ValueError(f"api is one of {API_VERSIONS}, not {api!r}")
    beta = api == "beta"
    out: dict[str, Any] = {"@odata.type": ODATA_TYPE}
    if include_read_only:
        meta = {
            "id": policy.id,
            "createdDateTime": policy.created,
            "lastModifiedDateTime": policy.modified,
            "version": policy.version,
        }
        out.update({k: v for k, v in meta.items() if v is not None})
    out["displayName"] = policy.display_name
    out["description"] = policy.description or ""
    if policy.role_scope_tag_ids and beta:
        out["roleScopeTagIds"] = list(policy.role_scope_tag_ids)
    for prop in SETTINGS:
        if not beta and prop.name not in V1_SETTINGS:
            continue
        value = policy.settings.get(prop.name, prop.unset)
        if prop.name == "validOperatingSystemBuildRanges":
            value = [_range_json(r) for r in value]
        out[prop.name] = value
    for name, value in policy.extra.items():
        if beta and (include_read_only or name not in READ_ONLY):
            out[name] = value
    out["scheduledActionsForRule"] = [
        {
            "ruleName": policy.rule_name,
            "scheduledActionConfigurations": [
                {
                    "actionType": a.action_type,
                    "gracePeriodHours": a.grace_hours,
                    "notificationTemplateId": a.template_id or NO_TEMPLATE,
                    "notificationMessageCCList": list(a.cc),
                }
                for a in policy.actions
            ],
        }
    ]
    return out


def to_graph_json(
    policy: CompliancePolicy, *, include_read_only: bool = False, api: str = "v1.0"
) -> str:
    """Graph JSON text; `include_read_only` keeps id, dates and version (a faithful copy)."""
    document = to_graph_document(policy, include_read_only=include_read_only, api=api)
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _range_json(r: VersionRange) -> dict[str, Any]:
    return {"description": r.description, "lowestVersion": r.lowest, "highestVersion": r.highest}


# -- templates -------------------------------------------------------------------------------


@cache
def template_text(name: str) -> str:
    """A shipped template's Graph JSON (resources/compliance/NAME.json)."""
    if name not in TEMPLATES:
        raise InputError(f"there is no policy template {name!r}; choose one of {TEMPLATES}")
    folder = resources.files("resources") / "compliance"
    return (folder / f"{name}.json").read_text(encoding="utf-8")


def template(name: str) -> CompliancePolicy:
    return parse_graph_json(template_text(name), f"{name}.json")
