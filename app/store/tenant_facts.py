"""What the tenant says about devices: Autopilot and Intune rows, read a page at a time into
temporary tables, then merged into the fleet in one transaction (set-based SQL)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.domain import AutopilotFacts, DeviceOrigin, IntuneFacts
from app.store.base import StoreBase, columns_of

#: Staging columns, in the order of app.tenant.shapes' row tuples.
AUTOPILOT_STAGE = (
    "serial",
    "autopilot_id",
    "group_tag",
    "user_principal_name",
    "profile_status",
    "enrollment_state",
    "last_contacted",
    "managed_device_id",
    "manufacturer",
    "model",
)
MANAGED_STAGE = (
    "serial",
    "managed_id",
    "compliance_state",
    "grace_until",
    "last_sync",
    "is_encrypted",
    "os_version",
    "user_principal_name",
    "azure_ad_device_id",
)
_AUTOPILOT_FACTS = columns_of(AutopilotFacts)
_INTUNE_FACTS = columns_of(IntuneFacts)


#: The devices a pull listed (by serial, case-insensitively).
_LISTED = "SELECT d.id FROM temp.{table} s JOIN devices d ON d.serial = s.serial"


@dataclass
class MergeCounts:
    listed: int = 0  # devices the tenant listed (with a serial)
    created: int = 0  # of which Joinery did not know (now created)
    changed: int = 0  # known devices whose record changed
    gone: int = 0  # devices the tenant no longer lists
    joins_confirmed: int = 0


class TenantFactsMixin(StoreBase):
    # -- reads ------------------------------------------------------------------------------

    def autopilot_facts(self, device_id: int) -> AutopilotFacts | None:
        row = self.conn.execute(
            f"SELECT {', '.join(_AUTOPILOT_FACTS)} FROM tenant_autopilot WHERE device_id = ?",
            [device_id],
        ).fetchone()
        return AutopilotFacts(*row) if row else None

    def intune_facts(self, device_id: int) -> IntuneFacts | None:
        row = self.conn.execute(
            f"SELECT {', '.join(_INTUNE_FACTS)} FROM tenant_managed WHERE device_id = ?",
            [device_id],
        ).fetchone()
        if row is None:
            return None
        values = dict(zip(_INTUNE_FACTS, row, strict=True))
        encrypted = values["is_encrypted"]
        values["is_encrypted"] = None if encrypted is None else bool(encrypted)
        return IntuneFacts(**values)

    def autopilot_id_of(self, device_id: int) -> str | None:
        row = self.conn.execute(
            "SELECT autopilot_id FROM tenant_autopilot WHERE device_id = ?", [device_id]
        ).fetchone()
        return None if row is None or row[0] is None else str(row[0])

    # -- what an upload learnt ------------------------------------------------------------------

    def record_import(
        self,
        device_id: int,
        status: str,
        at: str,
        *,
        code: int | None = None,
        error: str | None = None,
        autopilot_id: str | None = None,
    ) -> None:
        self.conn.execute(
            "INSERT INTO tenant_autopilot (device_id, import_status, import_error_code, "
            "import_error, imported_at, autopilot_id, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (device_id) DO UPDATE SET import_status = excluded.import_status, "
            "import_error_code = excluded.import_error_code, "
            "import_error = excluded.import_error, imported_at = excluded.imported_at, "
            "autopilot_id = coalesce(excluded.autopilot_id, tenant_autopilot.autopilot_id), "
            "seen_at = coalesce(excluded.seen_at, tenant_autopilot.seen_at)",
            [device_id, status, code, error, at, autopilot_id, at if autopilot_id else None],
        )

    def record_autopilot_fields(
        self, device_id: int, group_tag: str | None, user: str | None
    ) -> None:
        """What an accepted updateDeviceProperties set (until the next pull says otherwise)."""
        self.conn.execute(
            "UPDATE tenant_autopilot SET group_tag = ?, user_principal_name = ? "
            "WHERE device_id = ?",
            [group_tag, user, device_id],
        )

    # -- staging (outside any transaction of the main database: temp tables only) ---------------

    def start_staging(self, kind: str) -> None:
        table, columns = _stage(kind)
        self.conn.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {table} "
            f"(serial TEXT PRIMARY KEY COLLATE NOCASE, {', '.join(columns[1:])})"
        )
        self.conn.execute(f"DELETE FROM temp.{table}")

    def stage(self, kind: str, rows: Sequence[tuple[Any, ...]]) -> None:
        """Add a page of rows; the same serial twice keeps the most recent (managed devices:
        Intune lists a re-enrolled device twice, the newer sync wins)."""
        table, columns = _stage(kind)
        marks = ", ".join("?" * len(columns))
        newer = "last_sync" if kind == "managed" else "last_contacted"
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns[1:])
        self.conn.execute("BEGIN")  # temp only: takes no lock on the database file
        try:
            self.conn.executemany(
                f"INSERT INTO temp.{table} ({', '.join(columns)}) VALUES ({marks}) "
                f"ON CONFLICT (serial) DO UPDATE SET {updates} "
                f"WHERE coalesce(excluded.{newer}, '') >= coalesce({table}.{newer}, '')",
                rows,
            )
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def staged(self, kind: str) -> int:
        table, _ = _stage(kind)
        return int(self.conn.execute(f"SELECT count(*) FROM temp.{table}").fetchone()[0])

    def drop_staging(self, kind: str) -> None:
        table, _ = _stage(kind)
        self.conn.execute(f"DROP TABLE IF EXISTS temp.{table}")

    # -- merges (call inside Store.transaction()) ----------------------------------------------

    def merge_autopilot(self, at: str, actor: str) -> MergeCounts:
        counts = MergeCounts(listed=self.staged("autopilot"))
        counts.created, _ = self._create_unknown(
            at,
            actor,
            "SELECT s.serial, s.manufacturer, s.model, s.group_tag, s.user_principal_name, "
            "NULL, NULL, NULL, NULL, 'registered' FROM temp.tenant_stage_autopilot s",
            DeviceOrigin.TENANT_AUTOPILOT,
            "registered in the tenant's Autopilot (read from Microsoft Graph)",
        )
        self.conn.execute(
            "INSERT INTO tenant_autopilot (device_id, autopilot_id, group_tag, "
            "user_principal_name, profile_status, enrollment_state, last_contacted, "
            "managed_device_id, seen_at) SELECT d.id, s.autopilot_id, s.group_tag, "
            "s.user_principal_name, s.profile_status, s.enrollment_state, s.last_contacted, "
            "s.managed_device_id, ? FROM temp.tenant_stage_autopilot s "
            "JOIN devices d ON d.serial = s.serial WHERE true "
            "ON CONFLICT (device_id) DO UPDATE SET autopilot_id = excluded.autopilot_id, "
            "group_tag = excluded.group_tag, user_principal_name = excluded.user_principal_name, "
            "profile_status = excluded.profile_status, "
            "enrollment_state = excluded.enrollment_state, "
            "last_contacted = excluded.last_contacted, "
            "managed_device_id = excluded.managed_device_id, seen_at = excluded.seen_at",
            [at],
        )
        counts.gone = self.conn.execute(
            "UPDATE tenant_autopilot SET autopilot_id = NULL, profile_status = NULL, "
            "enrollment_state = NULL WHERE autopilot_id IS NOT NULL AND device_id NOT IN "
            f"({_LISTED.format(table='tenant_stage_autopilot')})"
        ).rowcount
        # The tenant fills in what the bench left empty; it never overwrites the bench.
        counts.changed = self.conn.execute(
            "UPDATE devices SET group_tag = coalesce(devices.group_tag, s.group_tag), "
            "assigned_user = coalesce(devices.assigned_user, s.user_principal_name), "
            "updated_at = ? FROM temp.tenant_stage_autopilot s WHERE devices.serial = s.serial "
            "AND ((devices.group_tag IS NULL AND s.group_tag IS NOT NULL) OR "
            "(devices.assigned_user IS NULL AND s.user_principal_name IS NOT NULL))",
            [at],
        ).rowcount
        return counts

    def merge_managed(self, at: str, actor: str) -> tuple[MergeCounts, list[tuple[Any, ...]]]:
        """Intune's verdict becomes each device's Intune state. Returns the counts and the
        prepared devices whose join Intune now confirms (device id, lineage, last sync)."""
        counts = MergeCounts(listed=self.staged("managed"))
        known_before = self.conn.execute("SELECT EXISTS (SELECT 1 FROM tenant_managed)")
        had_rows = bool(known_before.fetchone()[0])
        counts.created, first_new = self._create_unknown(
            at,
            actor,
            "SELECT s.serial, NULL, NULL, NULL, s.user_principal_name, s.os_version, "
            "s.last_sync, s.compliance_state, s.grace_until, 'enrolled' "
            "FROM temp.tenant_stage_managed s",
            DeviceOrigin.TENANT_INTUNE,
            "managed by Intune (read from Microsoft Graph)",
        )
        self.conn.execute(
            "INSERT INTO tenant_managed (device_id, managed_id, compliance_state, grace_until, "
            "last_sync, is_encrypted, os_version, user_principal_name, azure_ad_device_id, "
            "seen_at) SELECT d.id, s.managed_id, s.compliance_state, s.grace_until, "
            "s.last_sync, s.is_encrypted, s.os_version, s.user_principal_name, "
            "s.azure_ad_device_id, ? FROM temp.tenant_stage_managed s "
            "JOIN devices d ON d.serial = s.serial WHERE true "
            "ON CONFLICT (device_id) DO UPDATE SET managed_id = excluded.managed_id, "
            "compliance_state = excluded.compliance_state, grace_until = excluded.grace_until, "
            "last_sync = excluded.last_sync, is_encrypted = excluded.is_encrypted, "
            "os_version = excluded.os_version, "
            "user_principal_name = excluded.user_principal_name, "
            "azure_ad_device_id = excluded.azure_ad_device_id, seen_at = excluded.seen_at",
            [at],
        )
        counts.changed = self.conn.execute(
            "UPDATE devices SET intune_state = s.compliance_state, "
            "intune_grace_until = s.grace_until, "
            "os_version = coalesce(s.os_version, devices.os_version), "
            "last_checkin = CASE WHEN devices.last_checkin IS NULL "
            "OR devices.last_checkin < s.last_sync THEN s.last_sync "
            "ELSE devices.last_checkin END, updated_at = ? "
            # Devices created just now already hold Intune's values.
            "FROM temp.tenant_stage_managed s WHERE devices.serial = s.serial "
            "AND devices.id < ? AND ("
            "devices.intune_state IS NOT s.compliance_state "
            "OR devices.intune_grace_until IS NOT s.grace_until "
            "OR (s.os_version IS NOT NULL AND devices.os_version IS NOT s.os_version) "
            "OR s.last_sync > coalesce(devices.last_checkin, ''))",
            [at, first_new],
        ).rowcount
        if had_rows:
            counts.gone = self._forget_unlisted_managed(at)
        confirmed = self.conn.execute(
            "SELECT d.id, d.lineage, s.last_sync FROM temp.tenant_stage_managed s "
            "JOIN devices d ON d.serial = s.serial WHERE d.enrollment_status = 'prepared' "
            "AND s.last_sync >= coalesce(d.enrolled_at, '') ORDER BY d.id"
        ).fetchall()
        return counts, [tuple(row) for row in confirmed]

    def _forget_unlisted_managed(self, at: str) -> int:
        """Gone from Intune (retired, deleted): no Intune verdict any more."""
        listed = _LISTED.format(table="tenant_stage_managed")
        gone = self.conn.execute(
            "UPDATE devices SET intune_state = NULL, intune_grace_until = NULL, updated_at = ? "
            f"WHERE id IN (SELECT device_id FROM tenant_managed WHERE device_id NOT IN ({listed}))",
            [at],
        ).rowcount
        self.conn.execute(f"DELETE FROM tenant_managed WHERE device_id NOT IN ({listed})")
        return int(gone)

    def _create_unknown(
        self, at: str, actor: str, select: str, origin: DeviceOrigin, note: str
    ) -> tuple[int, int]:
        """Create the staged devices the fleet does not know, each with a history entry."""
        first = int(self.conn.execute("SELECT coalesce(max(id), 0) + 1 FROM devices").fetchone()[0])
        created = self.conn.execute(
            "INSERT INTO devices (serial, manufacturer, model, group_tag, assigned_user, "
            "os_version, last_checkin, intune_state, intune_grace_until, enrollment_status, "
            "origin, compliance_state, lineage, created_at, updated_at) "
            f"SELECT q.*, ?, 'notEvaluated', 0, ?, ? FROM ({select}) q "
            "WHERE NOT EXISTS (SELECT 1 FROM devices d WHERE d.serial = q.serial)",
            [str(origin), at, at],
        ).rowcount
        if created:
            self.conn.execute(
                "INSERT INTO device_history (device_id, at, kind, lineage, actor, changes, note) "
                "SELECT id, ?, 'imported', 0, ?, '{}', ? FROM devices WHERE id >= ?",
                [at, actor, note, first],
            )
        return int(created), first

    # -- deployment profiles (behind the setting tenant_read_profiles) --------------------------

    def replace_tenant_profiles(self, rows: Sequence[tuple[str, str, str | None]], at: str) -> None:
        self.conn.execute("DELETE FROM tenant_profiles")
        self.conn.executemany(
            "INSERT INTO tenant_profiles (id, display_name, description, seen_at) "
            "VALUES (?, ?, ?, ?)",
            [(*row, at) for row in rows],
        )

    def tenant_profiles(self) -> list[tuple[str, str, str | None, str]]:
        rows = self.conn.execute(
            "SELECT id, display_name, description, seen_at FROM tenant_profiles "
            "ORDER BY display_name"
        )
        return [(str(r[0]), str(r[1]), r[2], str(r[3])) for r in rows]


def _stage(kind: str) -> tuple[str, tuple[str, ...]]:
    if kind == "autopilot":
        return "tenant_stage_autopilot", AUTOPILOT_STAGE
    if kind == "managed":
        return "tenant_stage_managed", MANAGED_STAGE
    raise ValueError(f"no staging table for {kind!r}")
