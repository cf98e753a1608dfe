"""The audit trail as operators see it: lock events, filtered views, CSV export, and the
check of its hash chain."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from app import csvsafe
from app.errors import Cancelled
from app.security import audit_actions
from app.security.audit_actions import AuditAction
from app.security.chain import Verdict as AuditVerdict
from app.security.roles import Actor, Permission
from app.services.actors import CancelCheck, Progress
from app.store import Store
from app.store.audit import AuditEntry, AuditQuery

__all__ = [
    "AUDIT_HEADER",
    "AuditAction",
    "AuditEntry",
    "AuditQuery",
    "AuditVerdict",
    "audit_action_also",
    "audit_action_groups",
    "audit_action_words",
    "audit_entries",
    "export_audit",
    "record_lock",
    "verify_audit",
]

#: The actions by group, in declaration order (what a filter offers), and the words for a
#: stored action code.
audit_action_groups = audit_actions.groups
#: The actions of other groups a group shows too, when their entry built packages.
audit_action_also = audit_actions.also_when_building
audit_action_words = audit_actions.words


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


def export_audit(
    store: Store,
    path: str | Path,
    query: AuditQuery,
    *,
    actor: Actor,
    progress: Progress | None = None,
    cancelled: CancelCheck | None = None,
) -> int:
    """The filtered trail as CSV (safe to open in Excel); the export is itself audited.
    `progress(done, total)` after each page of 1,000; a cancel between pages leaves no file
    (an existing one as it was) and no entry."""
    actor.require(Permission.VIEW_AUDIT)
    with store.read_snapshot():  # the count and the pages agree
        count = _write_csv(store, Path(path), query, progress, cancelled)
    with store.transaction():
        store.append_audit(
            actor.audit_name, AuditAction.AUDIT_EXPORT, str(path), {"entries": count}
        )
    return count


def _write_csv(
    store: Store,
    path: Path,
    query: AuditQuery,
    progress: Progress | None,
    cancelled: CancelCheck | None,
) -> int:
    total = store.audit_count(query) if progress is not None else 0

    def rows() -> Iterator[tuple[object, ...]]:
        done, before = 0, None
        while page := store.audit_entries(query, limit=1000, before_id=before):
            if cancelled is not None and cancelled():
                raise Cancelled(f"The export was cancelled: {path} was not written.")
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
            done += len(page)
            if progress is not None:
                progress(done, total)

    return csvsafe.write(path, AUDIT_HEADER, rows())


def verify_audit(store: Store, *, actor: Actor) -> AuditVerdict:
    """Walk the hash chain: any edited, deleted, inserted or reordered entry is named."""
    actor.require(Permission.VIEW_AUDIT)
    return store.verify_audit()
