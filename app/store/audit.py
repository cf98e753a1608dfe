"""The audit trail: append-only, hash-chained rows written inside the caller's transaction."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

from app.errors import KnownError
from app.security import chain, keys
from app.security.audit_actions import AuditAction
from app.store.base import StoreBase
from app.timeutil import now_iso

_COLUMNS = "id, at, actor, action, target, details, mac"
# AUTOINCREMENT's next id: the chain covers the id, so it is chosen before the insert.
_NEXT_ID = (
    "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'audit'), 0), "
    "coalesce((SELECT max(id) FROM audit), 0)) + 1"
)


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: str
    actor: str
    action: str
    target: str | None
    details: dict[str, object]


@dataclass(frozen=True)
class AuditQuery:
    action: str | None = None  # exact action, or a prefix ending in "." ("autopilot.")
    actions: tuple[str, ...] = ()  # any of these (a group of the Audit screen's filter)
    actor: str | None = None
    text: str = ""  # anywhere in target or details
    since: str | None = None
    until: str | None = None


class AuditMixin(StoreBase):
    _audit_key: bytes | None = None

    def database_id(self) -> str:
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'database_id'").fetchone()
        return str(row[0])

    def audit_key(self, *, create: bool = False) -> bytes:
        """The chain's HMAC key: kept outside the database (keyring or key file)."""
        if self._audit_key is not None:
            return self._audit_key
        if self.path == ":memory:":
            self._audit_key = secrets.token_bytes(keys.KEY_BYTES)
            return self._audit_key
        name = f"audit-{self.database_id()}"
        key = keys.load(name)
        if key is None:
            chained = self.conn.execute("SELECT 1 FROM audit WHERE mac IS NOT NULL LIMIT 1")
            if chained.fetchone() is not None or not create:
                raise KnownError(
                    f"The audit key of {self.path} is missing (keyring entry or "
                    f"{keys.key_file(name)}). Without it the audit trail can be neither "
                    "extended nor verified: restore the key from its backup."
                )
            key = keys.create(name)
        self._audit_key = key
        return key

    def append_audit(
        self,
        actor: str,
        action: AuditAction,
        target: str | None = None,
        details: dict[str, object] | None = None,
        *,
        at: str | None = None,
    ) -> int:
        """Append one chained entry; call it inside the transaction of the change it records.

        `action` is a declared AuditAction (typed, so a bare string fails mypy in `app/`)."""
        code = str(action)
        with self.transaction():
            key = self.audit_key(create=True)
            last = self.conn.execute(
                "SELECT mac FROM audit WHERE mac IS NOT NULL ORDER BY id DESC LIMIT 1"
            ).fetchone()
            previous = bytes.fromhex(last[0]) if last else chain.start(key, self.database_id())
            entry_id = int(self.conn.execute(_NEXT_ID).fetchone()[0])
            when = at or now_iso()
            text = json.dumps(details or {}, sort_keys=True, ensure_ascii=False)
            mac = chain.link(
                key, previous, chain.canonical(entry_id, when, actor, code, target, text)
            )
            self.conn.execute(
                "INSERT INTO audit (id, at, actor, action, target, details, mac) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (entry_id, when, actor, code, target, text, mac.hex()),
            )
        return entry_id

    def audit_entries(
        self,
        query: AuditQuery | None = None,
        *,
        action: str | None = None,
        limit: int = 200,
        before_id: int | None = None,
    ) -> list[AuditEntry]:
        """Newest first; `before_id` pages further back."""
        query = query or AuditQuery(action=action)
        where, params = _audit_where(query)
        if before_id is not None:
            where.append("id < ?")
            params.append(before_id)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} FROM audit{clause} ORDER BY id DESC LIMIT ?", [*params, limit]
        ).fetchall()
        return [AuditEntry(r[0], r[1], r[2], r[3], r[4], json.loads(r[5])) for r in rows]

    def iter_audit_rows(self) -> Iterator[chain.Row]:
        yield from self.conn.execute(f"SELECT {_COLUMNS} FROM audit ORDER BY id")

    def verify_audit(self) -> chain.Verdict:
        return chain.verify(self.audit_key(), self.database_id(), self.iter_audit_rows())


def _audit_where(query: AuditQuery) -> tuple[list[str], list[object]]:
    where: list[str] = []
    params: list[object] = []
    if query.action:
        if query.action.endswith("."):
            where.append("action >= ? AND action < ?")
            params.extend([query.action, query.action[:-1] + "/"])
        else:
            where.append("action = ?")
            params.append(query.action)
    if query.actions:
        where.append(f"action IN ({', '.join('?' * len(query.actions))})")
        params.extend(query.actions)
    if query.actor:
        where.append("actor = ?")
        params.append(query.actor)
    if query.text:
        where.append("(instr(coalesce(target, ''), ?) > 0 OR instr(details, ?) > 0)")
        params.extend([query.text, query.text])
    if query.since:
        where.append("at >= ?")
        params.append(query.since)
    if query.until:
        where.append("at < ?")
        params.append(query.until)
    return where, params
