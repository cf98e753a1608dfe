"""The audit trail: append-only rows written inside the caller's transaction."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from app.timeutil import now_iso


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: str
    actor: str
    action: str
    target: str | None
    details: dict[str, object]


class AuditMixin:
    conn: sqlite3.Connection

    def append_audit(
        self,
        actor: str,
        action: str,
        target: str | None = None,
        details: dict[str, object] | None = None,
        *,
        at: str | None = None,
    ) -> int:
        """Append one entry; call it inside the transaction of the change it records."""
        cursor = self.conn.execute(
            "INSERT INTO audit (at, actor, action, target, details) VALUES (?, ?, ?, ?, ?)",
            (at or now_iso(), actor, action, target, json.dumps(details or {}, sort_keys=True)),
        )
        return int(cursor.lastrowid or 0)

    def audit_entries(self, *, action: str | None = None, limit: int = 200) -> list[AuditEntry]:
        where, params = ("WHERE action = ?", [action]) if action else ("", [])
        rows = self.conn.execute(
            f"SELECT id, at, actor, action, target, details FROM audit {where} "
            "ORDER BY id DESC LIMIT ?",
            [*params, limit],
        ).fetchall()
        return [AuditEntry(r[0], r[1], r[2], r[3], r[4], json.loads(r[5])) for r in rows]
