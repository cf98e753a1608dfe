"""Compliance storage: policies, latest facts, set-based evaluation, history and snapshots."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from app.compliance.facts import FACT_FIELDS
from app.domain import Device
from app.store.base import StoreBase
from app.store.devices import _SELECT, _device

if TYPE_CHECKING:  # the evaluator loads with the first evaluation, not with every store
    from app.compliance.evaluate import PolicySet, Tenant

_FACT_COLUMNS = ("device_id", *FACT_FIELDS, "os_version_key", "defender_version_key")
_EVAL_COLUMNS = (
    "device_id, old_state, had_row, state, failing, since, grace_until, error_since, why"
)


@dataclass(frozen=True)
class PolicyRow:
    id: int
    name: str
    policy_json: str
    imported_json: str
    assign_all: bool
    group_tags: tuple[str, ...]
    updated_at: str


@dataclass(frozen=True)
class ComplianceRow:
    """A device's evaluation bookkeeping (its state lives in devices.compliance_state)."""

    state: str
    noncompliant_since: str | None
    grace_until: str | None
    error_since: str | None
    failing: dict[str, str]


@dataclass(frozen=True)
class StateChange:
    device_id: int
    from_state: str | None
    to_state: str
    at: str
    why: str | None


@dataclass(frozen=True)
class Cohort:
    """Devices that share one policy set: one group tag, or every tag no policy names."""

    group_tag: str | None  # None with `rest` False: devices without a group tag
    rest: bool
    named: tuple[str, ...]  # every group tag some policy names (for the rest cohort)

    def where(self) -> tuple[str, dict[str, Any]]:
        if not self.rest:
            return "d.group_tag = :tag", {"tag": self.group_tag}
        marks = ", ".join(f":t{i}" for i in range(len(self.named)))
        params = {f"t{i}": tag for i, tag in enumerate(self.named)}
        return f"(d.group_tag IS NULL OR d.group_tag NOT IN ({marks}))", params


class ComplianceMixin(StoreBase):
    # -- policies -----------------------------------------------------------------------------

    def policy_rows(self) -> list[PolicyRow]:
        rows = self.conn.execute(
            "SELECT id, name, policy_json, imported_json, assign_all, updated_at "
            "FROM compliance_policies ORDER BY name"
        ).fetchall()
        tags: dict[int, list[str]] = {}
        for policy_id, tag in self.conn.execute(
            "SELECT policy_id, group_tag FROM policy_group_tags ORDER BY group_tag"
        ):
            tags.setdefault(policy_id, []).append(tag)
        return [
            PolicyRow(r[0], r[1], r[2], r[3], bool(r[4]), tuple(tags.get(r[0], ())), r[5])
            for r in rows
        ]

    def policy_row(self, name: str) -> PolicyRow | None:
        return next((p for p in self.policy_rows() if p.name.casefold() == name.casefold()), None)

    def save_policy(self, name: str, fields: dict[str, Any], at: str) -> tuple[int, bool]:
        """Insert or replace the policy called `name`; (id, created). Keeps its assignment."""
        existing = self.conn.execute(
            "SELECT id FROM compliance_policies WHERE name = ?", [name]
        ).fetchone()
        columns = ("policy_json", "imported_json", "settings", "not_evaluated", "grace_hours")
        values = [fields[c] for c in columns]
        if existing:
            sets = ", ".join(f"{c} = ?" for c in columns)
            self.conn.execute(
                f"UPDATE compliance_policies SET name = ?, {sets}, source = ?, updated_at = ? "
                "WHERE id = ?",
                [name, *values, fields.get("source"), at, existing[0]],
            )
            return int(existing[0]), False
        cursor = self.conn.execute(
            f"INSERT INTO compliance_policies (name, {', '.join(columns)}, source, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [name, *values, fields.get("source"), at, at],
        )
        return int(cursor.lastrowid or 0), True

    def set_assignment(self, policy_id: int, all_devices: bool, group_tags: Sequence[str]) -> None:
        self.conn.execute(
            "UPDATE compliance_policies SET assign_all = ? WHERE id = ?",
            [int(all_devices), policy_id],
        )
        self.conn.execute("DELETE FROM policy_group_tags WHERE policy_id = ?", [policy_id])
        self.conn.executemany(
            "INSERT INTO policy_group_tags (policy_id, group_tag) VALUES (?, ?)",
            [(policy_id, tag) for tag in dict.fromkeys(group_tags)],
        )

    # -- facts --------------------------------------------------------------------------------

    def device_ids_by_serial(self, serials: Sequence[str]) -> dict[str, int]:
        """Known serials (casefolded) to device ids."""
        found: dict[str, int] = {}
        for start in range(0, len(serials), 500):
            chunk = list(serials[start : start + 500])
            marks = ", ".join("?" * len(chunk))
            for device_id, serial in self.conn.execute(
                f"SELECT id, serial FROM devices WHERE serial IN ({marks})", chunk
            ):
                found[serial.casefold()] = device_id
        return found

    def upsert_facts(self, rows: Iterable[dict[str, Any]]) -> None:
        """Latest facts per device: an older report never replaces a newer one.

        The devices' last check-in and OS version follow, for those in temp.eval_ids
        (call mark_for_evaluation first).
        """
        marks = ", ".join(f":{c}" for c in _FACT_COLUMNS)
        updates = ", ".join(f"{c} = excluded.{c}" for c in _FACT_COLUMNS[1:])
        self.conn.executemany(
            f"INSERT INTO device_facts ({', '.join(_FACT_COLUMNS)}) VALUES ({marks}) "
            f"ON CONFLICT (device_id) DO UPDATE SET {updates} "
            "WHERE excluded.reported_at >= device_facts.reported_at",
            rows,
        )
        self.conn.execute(
            "UPDATE devices SET last_checkin = f.reported_at, "
            "os_version = coalesce(f.os_version, devices.os_version) "
            "FROM device_facts f, temp.eval_ids e WHERE f.device_id = devices.id "
            "AND e.id = devices.id AND (devices.last_checkin IS NULL "
            "OR devices.last_checkin < f.reported_at)"
        )

    def join_confirmations(self) -> list[tuple[int, int, str, str]]:
        """(device_id, lineage, reported_at, source) of devices in temp.eval_ids prepared at
        the bench whose latest check-in, made after the bench, confirms their join: Intune
        lists the device (its export, the tenant; the demo's simulator stands in for them),
        or the device says it is Entra joined (a collector report)."""
        rows = self.conn.execute(
            "SELECT d.id, d.lineage, f.reported_at, f.source FROM devices d "
            "JOIN temp.eval_ids e ON e.id = d.id JOIN device_facts f ON f.device_id = d.id "
            "WHERE d.enrollment_status = 'prepared' "
            "AND f.reported_at >= coalesce(d.enrolled_at, '') "
            "AND (f.source IN ('intuneExport', 'tenant', 'simulator') OR f.entra_joined = 1) "
            "ORDER BY d.id"
        ).fetchall()
        return [(int(r[0]), int(r[1]), str(r[2]), str(r[3])) for r in rows]

    def reported_hashes(self) -> list[tuple[int, str, str]]:
        """(device_id, hardware_hash, reported_at): devices in temp.eval_ids without a hash
        whose latest check-in is a collector report carrying one."""
        rows = self.conn.execute(
            "SELECT d.id, f.hardware_hash, f.reported_at FROM devices d "
            "JOIN temp.eval_ids e ON e.id = d.id JOIN device_facts f ON f.device_id = d.id "
            "WHERE d.lineage = 0 AND f.hardware_hash IS NOT NULL AND f.source = 'collector' "
            "ORDER BY d.id"
        ).fetchall()
        return [(int(r[0]), str(r[1]), str(r[2])) for r in rows]

    def latest_facts(self, device_id: int) -> dict[str, Any] | None:
        row = self.conn.execute(
            f"SELECT {', '.join(FACT_FIELDS)} FROM device_facts WHERE device_id = ?", [device_id]
        ).fetchone()
        return dict(zip(FACT_FIELDS, row, strict=True)) if row else None

    def compliance_row(self, device_id: int) -> ComplianceRow | None:
        row = self.conn.execute(
            "SELECT d.compliance_state, c.noncompliant_since, c.grace_until, c.error_since, "
            "coalesce(c.failing, '{}') FROM devices d "
            "LEFT JOIN device_compliance c ON c.device_id = d.id WHERE d.id = ?",
            [device_id],
        ).fetchone()
        if row is None:
            return None
        return ComplianceRow(row[0], row[1], row[2], row[3], json.loads(row[4]))

    # -- evaluation (inside a transaction) ----------------------------------------------------

    def mark_for_evaluation(self, device_ids: Iterable[int]) -> None:
        """Fill temp.eval_ids: the devices a check-in batch evaluates."""
        self.conn.execute("CREATE TEMP TABLE IF NOT EXISTS eval_ids (id INTEGER PRIMARY KEY)")
        self.conn.execute("DELETE FROM temp.eval_ids")
        self.conn.executemany(
            "INSERT OR IGNORE INTO temp.eval_ids (id) VALUES (?)", ((i,) for i in device_ids)
        )

    def id_range(self) -> tuple[int, int]:
        row = self.conn.execute("SELECT coalesce(min(id), 0), coalesce(max(id), -1) FROM devices")
        low, high = row.fetchone()
        return int(low), int(high)

    def evaluate_cohort(
        self,
        cohort: Cohort,
        policies: PolicySet,
        tenant: Tenant,
        now: datetime,
        *,
        id_range: tuple[int, int] | None = None,
    ) -> int:
        """Evaluate a cohort's devices in set-based SQL: the marked ones, or an id range.

        Writes states (counters follow by trigger), failing settings and clocks, and one
        history row per state change. Returns how many devices changed state.
        """
        scope, params = cohort.where()
        if id_range is None:
            scope += " AND d.id IN (SELECT id FROM temp.eval_ids)"
        else:
            scope += " AND d.id BETWEEN :low AND :high"
            params.update(low=id_range[0], high=id_range[1])
        from app.store.compliance_sql import compile_cohort  # the evaluator, on first use

        compiled = compile_cohort(policies, tenant, now, scope, params)
        self.conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS eval_result (device_id INTEGER PRIMARY KEY, "
            "old_state TEXT, had_row INTEGER, state TEXT, failing TEXT, since TEXT, "
            "grace_until TEXT, error_since TEXT, why TEXT)"
        )
        self.conn.execute("DELETE FROM temp.eval_result")
        self.conn.execute(
            f"INSERT INTO temp.eval_result ({_EVAL_COLUMNS}) {compiled.sql}", compiled.params
        )
        return self._apply_evaluation(compiled.params["now"])

    def _apply_evaluation(self, at: str) -> int:
        changed = self.conn.execute(
            "INSERT INTO compliance_history (device_id, from_state, to_state, at, why) "
            "SELECT device_id, old_state, state, ?, why FROM temp.eval_result "
            "WHERE old_state IS NOT state",
            [at],
        ).rowcount
        self.conn.execute(
            "UPDATE devices SET compliance_state = r.state FROM temp.eval_result r "
            "WHERE devices.id = r.device_id AND r.old_state IS NOT r.state"
        )
        self.conn.execute(
            "INSERT INTO device_compliance (device_id, noncompliant_since, grace_until, "
            "error_since, failing) SELECT device_id, since, grace_until, error_since, failing "
            "FROM temp.eval_result WHERE had_row OR failing != '{}' OR since IS NOT NULL "
            "OR error_since IS NOT NULL "
            "ON CONFLICT (device_id) DO UPDATE SET "
            "noncompliant_since = excluded.noncompliant_since, "
            "grace_until = excluded.grace_until, error_since = excluded.error_since, "
            "failing = excluded.failing WHERE device_compliance.failing IS NOT excluded.failing "
            "OR device_compliance.noncompliant_since IS NOT excluded.noncompliant_since "
            "OR device_compliance.grace_until IS NOT excluded.grace_until "
            "OR device_compliance.error_since IS NOT excluded.error_since"
        )
        return int(changed)

    # -- reads for the dashboard --------------------------------------------------------------

    def counters(self, prefix: str) -> dict[str, int]:
        """Trigger-kept counters whose key starts with `prefix` ("state:", "failing:")."""
        rows = self.conn.execute(
            "SELECT key, n FROM device_counts WHERE key >= ? AND key < ?",
            [prefix, prefix + "\uffff"],
        )
        return {key[len(prefix) :]: int(n) for key, n in rows}

    def count_stale(self, before: str) -> int:
        """Devices whose last activity is before `before`: an index range, not a fleet scan."""
        row = self.conn.execute("SELECT count(*) FROM devices WHERE last_checkin < ?", [before])
        return int(row.fetchone()[0])

    def stale_devices(self, before: str, limit: int | None = None) -> Iterator[Device]:
        """Stale devices, longest inactive first."""
        sql = f"SELECT {_SELECT} FROM devices WHERE last_checkin < ? ORDER BY last_checkin, id"
        params: list[object] = [before]
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        for row in self.conn.execute(sql, params):
            yield _device(row)

    def devices_failing(self, setting: str) -> int:
        """Devices failing `setting`, counted from the rows (what the counters must agree with)."""
        row = self.conn.execute(
            "SELECT count(*) FROM device_compliance WHERE json_extract(failing, '$.' || ?) "
            "= 'nonCompliant'",
            [setting],
        )
        return int(row.fetchone()[0])

    def state_history(self, device_id: int) -> list[StateChange]:
        rows = self.conn.execute(
            "SELECT device_id, from_state, to_state, at, why FROM compliance_history "
            "WHERE device_id = ? ORDER BY id DESC",
            [device_id],
        )
        return [StateChange(*r) for r in rows]

    # -- snapshots ----------------------------------------------------------------------------

    def save_snapshot(self, date: str, at: str, summary: dict[str, Any], stale_days: int) -> None:
        self.conn.execute(
            "INSERT INTO fleet_snapshots (date, taken_at, total, states, failing, stale, "
            "stale_days) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (date) DO UPDATE SET "
            "taken_at = excluded.taken_at, total = excluded.total, states = excluded.states, "
            "failing = excluded.failing, stale = excluded.stale, stale_days = excluded.stale_days",
            [
                date,
                at,
                summary["total"],
                json.dumps(summary["states"]),
                json.dumps(summary["failing_settings"]),
                summary["stale"],
                stale_days,
            ],
        )

    def snapshot_at(self, date: str) -> dict[str, Any] | None:
        """The latest snapshot on or before `date` (YYYY-MM-DD)."""
        row = self.conn.execute(
            "SELECT date, taken_at, total, states, failing, stale, stale_days FROM "
            "fleet_snapshots WHERE date <= ? ORDER BY date DESC LIMIT 1",
            [date],
        ).fetchone()
        if row is None:
            return None
        return {
            "date": row[0],
            "taken_at": row[1],
            "total": row[2],
            "states": json.loads(row[3]),
            "failing_settings": json.loads(row[4]),
            "stale": row[5],
            "stale_days": row[6],
        }
