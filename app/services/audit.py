"""The audit trail as operators see it: lock events, filtered views, CSV export."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from app import csvsafe
from app.security.audit_actions import AuditAction
from app.security.roles import Actor, Permission
from app.store import Store
from app.store.audit import AuditEntry, AuditQuery


def record_lock(store: Store, actor: Actor) -> None:
    """The kiosk locked (idle or on request) while `actor` was signed in."""
    with store.transaction():
        store.append_audit(actor.audit_name, AuditAction.SESSION_LOCK, actor.name)


AUDIT_HEADER = ("id", "at", "actor", "action", "target", "details")


def audit_entries(
    store: Store,
    query: AuditQuery,
    *,
    limit: int = 500,
    before_id: int | None = None,
    actor: Actor,
) -> list[AuditEntry]:
    actor.require(Permission.VIEW_AUDIT)
    return store.audit_entries(query, limit=limit, before_id=before_id)


def export_audit(store: Store, path: str | Path, query: AuditQuery, *, actor: Actor) -> int:
    """The filtered trail as CSV (safe to open in Excel); the export is itself audited."""
    actor.require(Permission.VIEW_AUDIT)

    def rows() -> Iterator[tuple[object, ...]]:
        before: int | None = None
        while page := store.audit_entries(query, limit=1000, before_id=before):
            for e in page:
                yield (
                    e.id,
                    e.at,
                    e.actor,
                    e.action,
                    e.target,
                    json.dumps(e.details, ensure_ascii=False, sort_keys=True),
                )
            before = page[-1].id

    count = csvsafe.write(path, AUDIT_HEADER, rows())
    with store.transaction():
        store.append_audit(
            actor.audit_name, AuditAction.AUDIT_EXPORT, str(path), {"entries": count}
        )
    return count
