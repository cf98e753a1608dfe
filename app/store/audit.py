"""The audit trail: append-only, hash-chained rows written inside the caller's transaction."""

from __future__ import annotations

import dataclasses
import hmac
import json
import logging
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

from app.errors import KnownError
from app.security import chain, keys
from app.security.audit_actions import AuditAction
from app.store.base import StoreBase
from app.timeutil import now_iso

log = logging.getLogger(__name__)

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
    # ...and these, where the entry built packages (a cart's device files, in Packages)
    building: tuple[str, ...] = ()
    actor: str | None = None
    text: str = ""  # anywhere in target or details
    since: str | None = None
    until: str | None = None


@dataclass(frozen=True)
class UnchainedRecord:
    """meta.audit_unchained: how many entries predate the chain, and its seal (None until
    the first append after the record was made)."""

    n: int
    mac: str | None


class AuditMixin(StoreBase):
    _audit_key: bytes | None = None

    def database_id(self) -> str:
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'database_id'").fetchone()
        return str(row[0])

    def audit_key(self, *, create: bool = False) -> bytes:
        """The chain's HMAC key: kept outside the database (keyring or key file)."""
        key = self._load_audit_key(create=create)
        if key is None:
            raise self._key_missing()
        return key

    def _load_audit_key(self, *, create: bool) -> bytes | None:
        """The key; None when there is none yet and none is needed (nothing was chained)."""
        if self._audit_key is not None:
            return self._audit_key
        if self.path == ":memory:":
            self._audit_key = secrets.token_bytes(keys.KEY_BYTES)
            return self._audit_key
        name = f"audit-{self.database_id()}"
        key = keys.load(name)
        if key is None:
            chained = self.conn.execute("SELECT 1 FROM audit WHERE mac IS NOT NULL LIMIT 1")
            record = self.unchained_record()
            if chained.fetchone() is not None or (record is not None and record.mac):
                raise self._key_missing()
            if not create:
                return None
            key = keys.create(name)
        self._audit_key = key
        return key

    def _key_missing(self) -> KnownError:
        name = f"audit-{self.database_id()}"
        return KnownError(
            f"The audit key of {self.path} is missing (keyring entry or "
            f"{keys.key_file(name)}). Without it the audit trail can be neither "
            "extended nor verified: restore the key from its backup."
        )

    def witness_name(self) -> str:
        return f"audit-head-{self.database_id()}"

    def unchained_record(self) -> UnchainedRecord | None:
        """The sealed count of entries from before the chain; None if missing or unreadable."""
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'audit_unchained'").fetchone()
        if row is None:
            return None
        try:
            document = json.loads(row[0])
            n, mac = document["n"], document.get("mac")
        except (ValueError, TypeError, KeyError, AttributeError):
            return None
        if type(n) is not int or n < 0 or not (mac is None or isinstance(mac, str)):
            return None
        return UnchainedRecord(n, mac)

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

        `action` is a declared AuditAction (typed, so a bare string fails mypy in `app/`).
        Once the transaction commits, the head witness outside the database moves to it.
        """
        code = str(action)
        with self.transaction():
            key = self.audit_key(create=True)
            self._seal_unchained(key)
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
            if self.path != ":memory:":
                self.after_commit("audit-witness", self._advance_witness)
        return entry_id

    def _seal_unchained(self, key: bytes) -> None:
        """Seal the count of entries from before the chain, once: at the first append after
        the record was made. Never re-seals: a record that is missing, disagrees with the
        rows, or lost its seal while a witness exists is left for `audit verify` to report."""
        record = self.unchained_record()
        if record is None or record.mac is not None:
            return
        if self.path != ":memory:" and keys.load_record(self.witness_name()) is not None:
            return  # the seal was removed behind Joinery's back
        nulls, highest = self.conn.execute(
            "SELECT count(*), coalesce(max(id), 0) FROM audit WHERE mac IS NULL"
        ).fetchone()
        if (nulls, highest) != (record.n, record.n):  # not exactly entries 1..n
            log.warning(
                "audit trail of %s: the entries without a MAC are not 1..%d", self.path, record.n
            )
            return
        sealed = {"n": record.n, "mac": chain.seal(key, self.database_id(), record.n)}
        self.conn.execute(
            "UPDATE meta SET value = ? WHERE key = 'audit_unchained'", [json.dumps(sealed)]
        )

    def _advance_witness(self) -> None:
        """Move the head witness to the newest entry, unless the entry it names is gone or
        different: then it stays, as evidence, until someone looks (`audit verify`)."""
        head = self.conn.execute(
            "SELECT id, mac FROM audit WHERE mac IS NOT NULL ORDER BY id DESC LIMIT 1"
        ).fetchone()
        if head is None:
            return
        name = self.witness_name()
        text = keys.load_record(name)
        seen = chain.Head.parse(text) if text is not None else None
        if seen is not None:
            if head[0] <= seen.id:
                return  # another process got further first
            there = self.conn.execute("SELECT mac FROM audit WHERE id = ?", [seen.id]).fetchone()
            if there is None or there[0] != seen.mac:
                log.warning(
                    "The audit trail of %s no longer holds entry %d as Joinery wrote it: "
                    "run `joinery audit verify`.",
                    self.path,
                    seen.id,
                )
                return
        keys.save_record(name, chain.Head(int(head[0]), str(head[1])).text())

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

    def audit_count(self, query: AuditQuery) -> int:
        """How many entries `query` matches (what an export of it will write)."""
        where, params = _audit_where(query)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        (count,) = self.conn.execute(f"SELECT count(*) FROM audit{clause}", params).fetchone()
        return int(count)

    def iter_audit_rows(self) -> Iterator[chain.Row]:
        yield from self.conn.execute(f"SELECT {_COLUMNS} FROM audit ORDER BY id")

    def verify_audit(self) -> chain.Verdict:
        """Walk the chain against the sealed count, the head witness and sqlite_sequence."""
        # The witness first: it only ever trails the committed rows read after it.
        text = None if self.path == ":memory:" else keys.load_record(self.witness_name())
        witness = chain.Head.parse(text) if text is not None else None
        if text is not None and witness is None:
            return chain.refused(
                f"the head witness kept outside the database ({keys.SERVICE}/"
                f"{self.witness_name()}) cannot be read: it was changed by hand"
            )
        with self.read_snapshot():
            record = self.unchained_record()
            if record is None:
                return chain.refused(
                    "the record of how many entries predate the chain is missing or unreadable: "
                    "it was changed outside Joinery"
                )
            key = self._load_audit_key(create=False)
            database = self.database_id()
            if record.mac is not None and (
                key is None
                or not hmac.compare_digest(record.mac, chain.seal(key, database, record.n))
            ):
                return chain.refused(
                    "the record of how many entries predate the chain does not fit its MAC: "
                    "it was changed outside Joinery"
                )
            if record.mac is None and witness is not None:
                return chain.refused(
                    "the record of how many entries predate the chain lost the seal Joinery put "
                    "on it: it was replaced outside Joinery"
                )
            sequence = self.conn.execute(
                "SELECT seq FROM sqlite_sequence WHERE name = 'audit'"
            ).fetchone()
            expected = chain.Expected(
                record.n, record.mac is not None, witness, int(sequence[0]) if sequence else 0
            )
            verdict = chain.verify(key, database, self.iter_audit_rows(), expected)
        if verdict.ok and witness is None and verdict.head:
            note = "no head witness yet: it is written with the next entry"
            verdict = dataclasses.replace(verdict, notes=(note,))
        return verdict


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
    chosen: list[str] = []
    if query.actions:
        chosen.append(f"action IN ({', '.join('?' * len(query.actions))})")
        params.extend(query.actions)
    if query.building:
        chosen.append(
            f"(action IN ({', '.join('?' * len(query.building))}) "
            "AND json_array_length(details, '$.packages') > 0)"
        )
        params.extend(query.building)
    if chosen:
        where.append(f"({' OR '.join(chosen)})")
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
