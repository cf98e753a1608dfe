"""The tenant connection and the outbox: rows only; app.tenant decides what they mean."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from app.domain import AutopilotRecord, OutboxItem, OutboxKind, OutboxState
from app.store.base import StoreBase, columns_of

_OUTBOX_COLUMNS = tuple(c for c in columns_of(OutboxItem) if c != "damage")  # read, not stored
_OUTBOX_SELECT = ", ".join(_OUTBOX_COLUMNS)


@dataclass(frozen=True)
class ConnectionRow:
    """The one row of `tenant_connection`; `credential` and `token_cache` are vault tokens."""

    tenant_id: str
    client_id: str
    auth: str
    authority_host: str
    graph_url: str
    credential: str | None
    token_cache: str | None
    account: str | None
    connected_at: str
    connected_by: str
    last_sync: str | None
    last_attempt: str | None
    offline_since: str | None
    last_error: str | None


_CONNECTION_COLUMNS = columns_of(ConnectionRow)


def _item(row: Sequence[Any]) -> OutboxItem:
    """A stored row; one changed outside Joinery (a payload that is not a JSON object, a
    kind Joinery does not send) says so in `damage` instead of failing every read."""
    values = dict(zip(_OUTBOX_COLUMNS, row, strict=True))
    damage = None
    try:
        payload = json.loads(values["payload"] or "{}")
    except (TypeError, ValueError):
        payload = None
    if not isinstance(payload, dict):
        payload, damage = {}, "its payload is not a JSON object"
    elif values["kind"] not in set(OutboxKind):
        damage = f"Joinery sends no {str(values['kind'])[:40]!r}"
    values["payload"] = payload
    return OutboxItem(**values, damage=damage)


class TenantMixin(StoreBase):
    # -- the connection -----------------------------------------------------------------------

    def tenant_connection(self) -> ConnectionRow | None:
        row = self.conn.execute(
            f"SELECT {', '.join(_CONNECTION_COLUMNS)} FROM tenant_connection WHERE id = 1"
        ).fetchone()
        return ConnectionRow(*row) if row else None

    def save_tenant_connection(self, fields: dict[str, object]) -> None:
        """Replace the connection (call inside the transaction that audits it)."""
        columns = [c for c in _CONNECTION_COLUMNS if c in fields]
        marks = ", ".join("?" * (len(columns) + 1))
        self.conn.execute(
            f"INSERT OR REPLACE INTO tenant_connection (id, {', '.join(columns)}) VALUES ({marks})",
            [1, *(fields[c] for c in columns)],
        )

    def set_tenant_token_cache(self, token: str | None) -> None:
        self.conn.execute("UPDATE tenant_connection SET token_cache = ? WHERE id = 1", [token])

    def record_tenant_contact(self, at: str, *, error: str | None, synced: bool) -> None:
        """A sync ended: reached (clears "offline since", sets last sync when it finished)
        or not (keeps the first moment offline and the reason)."""
        if error is None:
            self.conn.execute(
                "UPDATE tenant_connection SET last_attempt = ?, offline_since = NULL, "
                "last_error = NULL, last_sync = CASE WHEN ? THEN ? ELSE last_sync END "
                "WHERE id = 1",
                [at, int(synced), at],
            )
        else:
            self.conn.execute(
                "UPDATE tenant_connection SET last_attempt = ?, last_error = ?, "
                "offline_since = coalesce(offline_since, ?) WHERE id = 1",
                [at, error, at],
            )

    # -- the outbox ---------------------------------------------------------------------------

    def enqueue_outbox(
        self,
        kind: str,
        device_id: int | None,
        serial: str | None,
        payload: dict[str, object],
        at: str,
        actor: str,
    ) -> int:
        cursor = self.conn.execute(
            "INSERT INTO tenant_outbox (kind, device_id, serial, payload, created_at, "
            "created_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [kind, device_id, serial, json.dumps(payload, sort_keys=True), at, actor, at],
        )
        return int(cursor.lastrowid or 0)

    def outbox_counts(self) -> dict[str, int]:
        rows = self.conn.execute("SELECT state, count(*) FROM tenant_outbox GROUP BY state")
        return {str(state): int(n) for state, n in rows}

    def outbox_items(
        self,
        states: Iterable[str],
        *,
        kind: str | None = None,
        ready_at: str | None = None,
        device_id: int | None = None,
        limit: int | None = None,
    ) -> list[OutboxItem]:
        """Items in these states, oldest first; `ready_at`: only those not told to wait."""
        wanted = list(states)
        clauses = [f"state IN ({', '.join('?' * len(wanted))})"]
        params: list[object] = [*wanted]
        if kind is not None:
            clauses.append("kind = ?")
            params.append(kind)
        if ready_at is not None:
            clauses.append("(not_before IS NULL OR not_before <= ?)")
            params.append(ready_at)
        if device_id is not None:
            clauses.append("device_id = ?")
            params.append(device_id)
        sql = f"SELECT {_OUTBOX_SELECT} FROM tenant_outbox WHERE {' AND '.join(clauses)}"
        sql += " ORDER BY id"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [_item(row) for row in self.conn.execute(sql, params)]

    def finished_import_ids(self) -> set[str]:
        """The tenant's import records of uploads whose outcome is recorded."""
        rows = self.conn.execute(
            "SELECT remote_id FROM tenant_outbox WHERE kind = ? AND state = ? "
            "AND remote_id IS NOT NULL",
            [OutboxKind.UPLOAD, OutboxState.DONE],
        )
        return {str(row[0]) for row in rows}

    def outbox_item(self, item_id: int) -> OutboxItem | None:
        row = self.conn.execute(
            f"SELECT {_OUTBOX_SELECT} FROM tenant_outbox WHERE id = ?", [item_id]
        ).fetchone()
        return _item(row) if row else None

    def mark_outbox(
        self,
        item_ids: Sequence[int],
        state: OutboxState,
        at: str,
        *,
        sending: bool = False,
        not_before: str | None = None,
        remote_id: str | None = None,
        outcome: str | None = None,
        code: int | None = None,
        reason: str | None = None,
    ) -> None:
        """Move items to `state`, recording what the tenant answered (call in a transaction;
        `sending` counts an attempt and stamps when it left)."""
        done = state in (OutboxState.DONE, OutboxState.PARKED)
        self.conn.executemany(
            "UPDATE tenant_outbox SET state = ?, updated_at = ?, not_before = ?, "
            "attempts = attempts + ?, sent_at = CASE WHEN ? THEN ? ELSE sent_at END, "
            "remote_id = coalesce(?, remote_id), outcome = ?, code = ?, reason = ?, "
            "done_at = CASE WHEN ? THEN ? ELSE NULL END WHERE id = ?",
            [
                (
                    str(state),
                    at,
                    not_before,
                    int(sending),
                    int(sending),
                    at,
                    remote_id,
                    outcome,
                    code,
                    reason,
                    int(done),
                    at,
                    item_id,
                )
                for item_id in item_ids
            ],
        )

    def delete_outbox(self, item_ids: Sequence[int]) -> int:
        total = 0
        for item_id in item_ids:
            total += self.conn.execute("DELETE FROM tenant_outbox WHERE id = ?", [item_id]).rowcount
        return total

    def upload_record(self, device_id: int) -> AutopilotRecord | None:
        """The device's current hash and fields as an Intune import wants them."""
        row = self.conn.execute(
            "SELECT d.serial, coalesce(d.product_id, ''), l.hardware_hash, d.group_tag, "
            "d.assigned_user, d.manufacturer, d.model FROM devices d JOIN device_lineage l "
            "ON l.device_id = d.id AND l.lineage = d.lineage WHERE d.id = ?",
            [device_id],
        ).fetchone()
        return AutopilotRecord(*row) if row else None

    def upload_candidates(self, serials: Sequence[str] | None) -> list[tuple[int, str, str]]:
        """(device id, serial, why not) for devices asked to upload, `why not` empty when it
        may be queued: a current hash, not in the tenant's Autopilot, no upload waiting or
        done. `serials` None: every device with a hash the tenant does not have.

        A completed upload stops another until the tenant has listed the device since and
        then no longer does (deleted from Autopilot, so it can be registered afresh): a new
        device appears in Autopilot's list minutes after its import, and a sync in between
        must not send it twice. `seen_at` is when the tenant last listed the device (a pull,
        or a lookup after an upload in doubt), to the second: a listing in the same second as
        the upload's `done_at` counts, as a sync lists Autopilot right after its uploads."""
        base = (
            "SELECT d.id, d.serial, CASE "
            "WHEN d.lineage = 0 THEN 'no hardware hash' "
            "WHEN a.autopilot_id IS NOT NULL THEN 'already in the tenant''s Autopilot' "
            "WHEN EXISTS (SELECT 1 FROM tenant_outbox o WHERE o.device_id = d.id "
            "AND o.kind = 'autopilot.upload' AND o.state IN ('pending', 'sending', 'importing')) "
            "THEN 'already queued' "
            "WHEN EXISTS (SELECT 1 FROM tenant_outbox o WHERE o.device_id = d.id "
            "AND o.kind = 'autopilot.upload' AND o.state = 'done' AND o.outcome = 'complete' "
            "AND o.created_at >= (SELECT max(first_seen) FROM device_lineage l "
            "WHERE l.device_id = d.id) AND NOT coalesce(a.seen_at >= o.done_at, 0)) "
            "THEN 'already uploaded' "
            "ELSE '' END FROM devices d LEFT JOIN tenant_autopilot a ON a.device_id = d.id"
        )
        if serials is None:
            rows = self.conn.execute(base + " WHERE d.lineage > 0 ORDER BY d.serial")
            return [(int(r[0]), str(r[1]), str(r[2])) for r in rows]
        found: list[tuple[int, str, str]] = []
        for serial in serials:
            row = self.conn.execute(base + " WHERE d.serial = ?", [serial.strip()]).fetchone()
            if row is not None:
                found.append((int(row[0]), str(row[1]), str(row[2])))
        return found
