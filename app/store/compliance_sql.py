"""Compliance rules compiled to SQL: a whole cohort of devices evaluated in one statement.

Each requirement (one policy value of one setting) becomes a CASE expression over the facts
table that yields the same Graph complianceStatus as app.compliance.rules.check; a setting's
status is nonCompliant when any of its requirements fails; the device state follows the same
precedence as app.compliance.evaluate. tests/app/compliance/test_sql_agrees.py holds the two
paths to the same answers on random facts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from app.compliance.evaluate import (
    ERROR_HOLD,
    HELD_STATES,
    IS_ACTIVE,
    PolicySet,
    Requirement,
    Tenant,
)
from app.compliance.rules import (
    BY_SETTING,
    SIGNATURE_MAX_AGE_DAYS,
    VERSION_KEYS,
    Comparison,
    range_keys,
)
from app.compliance.versions import version_key
from app.timeutil import iso

_ISO = "%Y-%m-%dT%H:%M:%SZ"
_HELD = ", ".join(f"'{s.value}'" for s in HELD_STATES)
_NO_GRACE = 10**9  # larger than any grace period: min() ignores settings that pass


@dataclass(frozen=True)
class Compiled:
    """SELECT producing eval rows (device_id, old_state, had_row, state, failing,
    noncompliant_since, grace_until, error_since, why) for devices matching `scope`."""

    sql: str
    params: dict[str, Any]


def _status(index: int, requirement: Requirement, params: dict[str, Any]) -> str:
    rule = BY_SETTING[requirement.setting]
    column = f"f.{rule.fact}"
    value = f":v{index}"
    test = rule.comparison
    if test is Comparison.TRUE:
        passes = column
    elif test is Comparison.AT_LEAST:
        params[f"v{index}"] = requirement.value
        passes = f"{column} >= {value}"
    elif test is Comparison.EXPIRES_WITHIN:
        params[f"v{index}"] = requirement.value
        passes = f"{column} BETWEEN 1 AND {value}"
    elif test is Comparison.SIGNATURES_CURRENT:
        params[f"v{index}"] = SIGNATURE_MAX_AGE_DAYS
        passes = f"{column} <= {value}"
    elif test is Comparison.TPM:
        passes = f"CAST({column} AS REAL) > 0"
    else:
        key = f"f.{VERSION_KEYS[rule.fact]}"
        if test is Comparison.VERSION_MIN:
            params[f"v{index}"] = version_key(requirement.value)
            passes = f"{key} >= {value}"
        elif test is Comparison.VERSION_MAX:
            params[f"v{index}"] = version_key(requirement.value)
            passes = f"{key} <= {value}"
        else:
            params[f"v{index}"] = json.dumps([range_keys(r) for r in requirement.value])
            passes = (
                f"EXISTS (SELECT 1 FROM json_each({value}) r WHERE {key} BETWEEN "
                "json_extract(r.value, '$[0]') AND json_extract(r.value, '$[1]'))"
            )
        return (
            f"CASE WHEN {column} IS NULL THEN 'unknown' WHEN {key} IS NULL THEN 'error' "
            f"WHEN {passes} THEN 'compliant' ELSE 'nonCompliant' END"
        )
    return (
        f"CASE WHEN {column} IS NULL THEN 'unknown' "
        f"WHEN {passes} THEN 'compliant' ELSE 'nonCompliant' END"
    )


def compile_cohort(
    policies: PolicySet, tenant: Tenant, now: datetime, scope: str, scope_params: dict[str, Any]
) -> Compiled:
    """The evaluation SELECT for the devices in `scope` (a WHERE fragment over `d`)."""
    params: dict[str, Any] = {
        **scope_params,
        "now": iso(now),
        "valid_from": iso(now - timedelta(days=tenant.validity_days)),
        "error_cutoff": iso(now - ERROR_HOLD),
        "validity_days": tenant.validity_days,
        "inactive": json.dumps({IS_ACTIVE: "nonCompliant"}, separators=(",", ":")),
    }
    statuses = [_status(i, q, params) for i, q in enumerate(policies.requirements)]
    for i, q in enumerate(policies.requirements):
        params[f"g{i}"] = q.grace_hours
    columns = "".join(f", {expr} AS s{i}" for i, expr in enumerate(statuses))
    inner = (
        "SELECT d.id AS device_id, d.compliance_state AS old_state, "
        "c.device_id IS NOT NULL AS had_row, f.reported_at AS reported_at, "
        "f.reported_at < :valid_from AS expired, "
        f"c.noncompliant_since AS prev_since, c.error_since AS prev_error{columns} "
        "FROM devices d LEFT JOIN device_facts f ON f.device_id = d.id "
        "LEFT JOIN device_compliance c ON c.device_id = d.id "
        f"WHERE d.enrollment_status != 'retired' AND {scope}"
    )
    if policies.empty:
        decided = _constant(
            inner,
            "'compliant'" if tenant.no_policy_compliant else "'noncompliant'",
            "'{}'",
            "'no compliance policy assigned'",
        )
    elif not statuses:
        decided = _constant(inner, "'compliant'", "'{}'", "'every setting complies'")
    else:
        decided = _decided(inner, policies, params)
    sql = (
        "SELECT device_id, old_state, had_row, "
        "CASE WHEN reported_at IS NULL THEN 'notEvaluated' "
        "WHEN expired THEN 'noncompliant' ELSE state END AS state, "
        "CASE WHEN reported_at IS NULL THEN '{}' WHEN expired THEN :inactive "
        "ELSE failing END AS failing, "
        "CASE WHEN reported_at IS NULL THEN NULL WHEN expired THEN coalesce(prev_since, :now) "
        "ELSE since END AS since, "
        "CASE WHEN reported_at IS NULL OR expired THEN NULL ELSE grace_until END AS grace_until, "
        "CASE WHEN reported_at IS NULL OR expired THEN NULL ELSE error_since END AS error_since, "
        "CASE WHEN reported_at IS NULL THEN 'no check-in yet' "
        "WHEN expired THEN 'not active: Is active: no check-in within the ' || :validity_days "
        "|| '-day compliance status validity period (last ' || reported_at || ')' "
        "ELSE why END AS why "
        f"FROM ({decided})"
    )
    return Compiled(sql, params)


def _constant(inner: str, state: str, failing: str, why: str) -> str:
    return (
        f"SELECT device_id, old_state, had_row, reported_at, expired, prev_since, {state} AS "
        f"state, {failing} AS failing, NULL AS since, NULL AS grace_until, NULL AS error_since, "
        f"{why} AS why FROM ({inner})"
    )


def _decided(inner: str, policies: PolicySet, params: dict[str, Any]) -> str:
    """State, failing settings and clocks from the requirement statuses s0..sN: a setting's
    status t_k is nonCompliant when any of its requirements is, else its first one's."""
    tiers = list(policies.tiers().items())
    settings_sql = []
    for k, (setting, indexes) in enumerate(tiers):
        params[f"n{k}"] = setting
        first = f"s{indexes[0]}"
        if len(indexes) == 1:
            settings_sql.append(f"{first} AS t{k}")
        else:
            names = ", ".join(f"s{i}" for i in indexes)
            settings_sql.append(
                f"CASE WHEN 'nonCompliant' IN ({names}) THEN 'nonCompliant' ELSE {first} END "
                f"AS t{k}"
            )
    ts = ", ".join(f"t{k}" for k in range(len(tiers)))
    graces = "".join(f"{_grace_sql(i, policies)}, " for i in range(len(policies.requirements)))
    pieces = " || ".join(
        f"CASE WHEN t{k} != 'compliant' THEN ',\"' || :n{k} || '\":\"' || t{k} || '\"' ELSE '' END"
        for k in range(len(tiers))
    )
    per_setting = f"SELECT *, {', '.join(settings_sql)}"
    flags = (
        f"SELECT *, 'nonCompliant' IN ({ts}) AS has_nc, 'error' IN ({ts}) AS has_error, "
        f"'unknown' IN ({ts}) AS has_unknown, min({graces}{_NO_GRACE}) AS grace, "
        f"'{{' || substr({pieces}, 2) || '}}' AS failing"
    )
    clocks = (
        "SELECT *, CASE WHEN has_nc THEN coalesce(prev_since, :now) END AS since, "
        "CASE WHEN has_error THEN coalesce(prev_error, :now) END AS error_since"
    )
    until = f"strftime('{_ISO}', since, '+' || grace || ' hours')"
    return (
        f"SELECT *, CASE WHEN has_nc THEN CASE WHEN :now < {until} "
        "THEN 'inGracePeriod' ELSE 'noncompliant' END "
        "WHEN has_error THEN CASE WHEN error_since <= :error_cutoff THEN 'noncompliant' "
        f"WHEN old_state IN ({_HELD}) THEN old_state ELSE 'error' END "
        "WHEN has_unknown THEN 'unknown' ELSE 'compliant' END AS state, "
        f"CASE WHEN has_nc THEN {until} END AS grace_until, "
        "CASE WHEN has_nc THEN 'failing: ' || failing WHEN has_error THEN 'error: ' || failing "
        "WHEN has_unknown THEN 'not reported: ' || failing ELSE 'every setting complies' END "
        f"AS why FROM ({clocks} FROM ({flags} FROM ({per_setting} FROM ({inner}))))"
    )


def _grace_sql(index: int, policies: PolicySet) -> str:
    """Requirement `index`'s grace when it fails: none while a requirement of one of its
    policies is in error (Microsoft: grace periods don't apply to a policy in Error)."""
    sharing = ", ".join(f"s{i}" for i in policies.sharing(index))
    return (
        f"CASE WHEN s{index} = 'nonCompliant' THEN CASE WHEN 'error' IN ({sharing}) THEN 0 "
        f"ELSE :g{index} END ELSE {_NO_GRACE} END"
    )
