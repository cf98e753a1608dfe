"""The audit hash chain: mac_i = HMAC-SHA256(key, mac_{i-1} || canonical(entry_i)).

Verification walks the entries in id order and names the first one that does not fit: an
edited entry, a deleted one (a gap in the ids or a broken link), an inserted or reordered one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass

GENESIS = b"joinery-audit-v1"


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


@dataclass(frozen=True)
class Verdict:
    ok: bool
    entries: int
    unchained: int  # entries written before the chain existed (schema 1)
    head: str  # hex MAC of the last entry: print or file it to anchor the log outside
    broken_at: int | None = None
    reason: str = ""

    def as_json(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "unchained": self.unchained,
            "head": self.head,
            "broken_at": self.broken_at,
            "reason": self.reason,
        }


Row = tuple[int, str, str, str, str | None, str, str | None]


def verify(key: bytes, database_id: str, rows: Iterable[Row]) -> Verdict:
    """Walk (id, at, actor, action, target, details, mac) rows in id order."""
    previous = start(key, database_id)
    count = unchained = 0
    expected_id = 1  # ids start at 1 and never skip (AUTOINCREMENT, no deletes)
    chained = False
    for entry_id, at, actor, action, target, details, mac in rows:
        count += 1
        if mac is None and not chained:
            unchained += 1
            expected_id = entry_id + 1
            continue
        chained = True
        if entry_id != expected_id:
            what = "missing" if entry_id > expected_id else "out of order"
            return _broken(
                count,
                unchained,
                previous,
                expected_id,
                f"entry {expected_id} is {what} (found entry {entry_id} next)",
            )
        if mac is None:
            return _broken(
                count,
                unchained,
                previous,
                entry_id,
                f"entry {entry_id} has no MAC: it was inserted outside Joinery",
            )
        mine = link(key, previous, canonical(entry_id, at, actor, action, target, details))
        if not hmac.compare_digest(mine.hex(), mac):
            return _broken(
                count,
                unchained,
                previous,
                entry_id,
                f"entry {entry_id} was changed, or an entry before it was removed",
            )
        previous = mine
        expected_id = entry_id + 1
    head = previous.hex() if chained else ""
    return Verdict(True, count, unchained, head)


def _broken(count: int, unchained: int, previous: bytes, at: int, reason: str) -> Verdict:
    return Verdict(False, count, unchained, previous.hex(), at, reason)
