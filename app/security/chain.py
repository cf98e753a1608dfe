"""The audit hash chain: mac_i = HMAC-SHA256(key, mac_{i-1} || canonical(entry_i)).

Verification walks the entries in id order and names the first one that does not fit: an
edited entry, a deleted one (a gap in the ids or a broken link), an inserted or reordered one.
Three facts from outside the rows close what the links alone cannot see:

- how many entries predate the chain (schema 1 had no MACs), recorded once and sealed with
  the key: any other entry without a MAC is refused, so clearing every MAC does not turn the
  trail into "entries from before the chain";
- the head witness: the id and MAC of the newest entry, kept beside the key (keyring or key
  file) and moved forward after every append, so deleting the newest entries shows;
- SQLite's own AUTOINCREMENT counter (sqlite_sequence), which remembers the highest id used.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

GENESIS = b"joinery-audit-v1"
SEAL = b"joinery-audit-unchained-v1"
_HEAD = re.compile(r"([1-9][0-9]{0,18}) ([0-9a-f]{64})")


def canonical(
    entry_id: int, at: str, actor: str, action: str, target: str | None, details: str
) -> bytes:
    """The bytes an entry's MAC covers: every column, in a fixed unambiguous form."""
    return json.dumps(
        [entry_id, at, actor, action, target, details], ensure_ascii=False, separators=(",", ":")
    ).encode("utf-8")


def link(key: bytes, previous: bytes, entry: bytes) -> bytes:
    return hmac.new(key, previous + entry, hashlib.sha256).digest()


def start(key: bytes, database_id: str) -> bytes:
    """The chain's anchor: binds it to one database, so entries can't be moved between them."""
    return link(key, GENESIS, database_id.encode("utf-8"))


def seal(key: bytes, database_id: str, unchained: int) -> str:
    """The MAC over "this database has `unchained` entries from before the chain"."""
    return link(key, SEAL, f"{database_id}|{unchained}".encode()).hex()


@dataclass(frozen=True)
class Head:
    """The newest entry as Joinery wrote it: the witness kept outside the database."""

    id: int
    mac: str

    @classmethod
    def parse(cls, text: str) -> Head | None:
        match = _HEAD.fullmatch(text.strip())
        return cls(int(match[1]), match[2]) if match else None

    def text(self) -> str:
        return f"{self.id} {self.mac}"


@dataclass(frozen=True)
class Expected:
    """What the trail must look like, from records outside its rows."""

    unchained: int  # entries 1..unchained predate the chain; every later one has a MAC
    sealed: bool  # the count is sealed, which happens with the first chained entry
    witness: Head | None = None  # None: no witness yet (a database not written since)
    sequence: int = 0  # sqlite_sequence for the audit table: the highest id ever given


@dataclass(frozen=True)
class Verdict:
    ok: bool
    entries: int
    unchained: int  # entries written before the chain existed (schema 1)
    head: str  # hex MAC of the last entry: print or file it to anchor the log outside
    broken_at: int | None = None
    reason: str = ""
    witness: int | None = None  # the entry id the head witness named, when there was one
    notes: tuple[str, ...] = field(default=())

    def as_json(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "unchained": self.unchained,
            "head": self.head,
            "broken_at": self.broken_at,
            "reason": self.reason,
            "witness": self.witness,
            "notes": list(self.notes),
        }


Row = tuple[int, str, str, str, str | None, str, str | None]


def verify(key: bytes | None, database_id: str, rows: Iterable[Row], expected: Expected) -> Verdict:
    """Walk (id, at, actor, action, target, details, mac) rows in id order.

    `key` may be None only while no entry has a MAC (a database never written to since the
    chain exists); the caller makes sure of that.
    """
    walk = _Walk(key, database_id, expected)
    for row in rows:
        if (problem := walk.step(row)) is not None:
            return walk.broken(*problem)
    if (problem := walk.end()) is not None:
        return walk.broken(*problem)
    return walk.verdict(True)


class _Walk:
    def __init__(self, key: bytes | None, database_id: str, expected: Expected) -> None:
        self.key = key
        self.expected = expected
        self.previous = start(key, database_id) if key is not None else b""
        self.count = self.chained = 0

    def step(self, row: Row) -> tuple[int, str] | None:
        entry_id, at, actor, action, target, details, mac = row
        self.count += 1
        expected_id, allowed = self.count, self.expected.unchained
        if entry_id != expected_id:  # ids start at 1 and never skip (AUTOINCREMENT, no deletes)
            what = "missing" if entry_id > expected_id else "out of order"
            return expected_id, f"entry {expected_id} is {what} (found entry {entry_id} next)"
        if entry_id <= allowed:
            if mac is not None:
                return entry_id, (
                    f"entry {entry_id} has a MAC, yet the trail records that its first "
                    f"{allowed} entries predate the chain"
                )
            return None
        if mac is None:
            return entry_id, (
                f"entry {entry_id} has no MAC: it was written or changed outside Joinery "
                f"(only the first {allowed} entries predate the chain)"
            )
        if self.key is None:
            raise ValueError("a chained entry cannot be verified without the audit key")
        mine = link(
            self.key, self.previous, canonical(entry_id, at, actor, action, target, details)
        )
        if not hmac.compare_digest(mine.hex(), mac):
            return entry_id, f"entry {entry_id} was changed, or an entry before it was removed"
        witness = self.expected.witness
        if witness is not None and entry_id == witness.id and mac != witness.mac:
            return entry_id, (
                f"entry {entry_id} is not the one Joinery wrote there: the head witness kept "
                "outside the database names another, so entries were removed and others "
                "written in their place"
            )
        self.previous = mine
        self.chained += 1
        return None

    def end(self) -> tuple[int, str] | None:
        last, expected = self.count, self.expected
        if last < expected.unchained:
            return last + 1, (
                f"entry {last + 1} is missing: the trail records {expected.unchained} entries "
                f"from before the chain, and only {last} are left"
            )
        if expected.witness is not None and expected.witness.id > last:
            return last + 1, (
                f"entries {last + 1} to {expected.witness.id} are missing: the head witness kept "
                f"outside the database says Joinery wrote entry {expected.witness.id}"
            )
        if expected.sealed and self.chained == 0:
            return last + 1, "the chain is empty: its entries were removed outside Joinery"
        if expected.sequence > last:
            return last + 1, (
                f"entries {last + 1} to {expected.sequence} are missing: SQLite's own counter "
                f"(sqlite_sequence) says entry {expected.sequence} was written"
            )
        if expected.sequence < last:
            return expected.sequence + 1, (
                f"SQLite's counter of audit ids (sqlite_sequence) was set back to "
                f"{expected.sequence} outside Joinery, below the last entry ({last})"
            )
        return None

    def verdict(self, ok: bool, at: int | None = None, reason: str = "") -> Verdict:
        head = self.previous.hex() if self.chained else ""
        witness = self.expected.witness
        return Verdict(
            ok,
            self.count,
            min(self.count, self.expected.unchained),
            head,
            at,
            reason,
            witness.id if witness else None,
        )

    def broken(self, at: int, reason: str) -> Verdict:
        return self.verdict(False, at, reason)


def refused(reason: str) -> Verdict:
    """A trail refused before its rows were walked (a record outside the rows is wrong)."""
    return Verdict(False, 0, 0, "", None, reason)
