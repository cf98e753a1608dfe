"""Device queries (paged, never the whole fleet) and the writes an import needs."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from app.domain import AutopilotRecord, Device, DeviceQuery, HistoryEntry
from app.errors import InputError
from app.store.base import StoreBase, nocase
from app.store.schema import SORTABLE, VERDICT

DEVICE_COLUMNS = (
    "id",
    "serial",
    "manufacturer",
    "model",
    "product_id",
    "group_tag",
    "assigned_user",
    "device_name",
    "join_type",
    "provisioning_method",
    "ownership",
    "os_edition",
    "os_version",
    "management_authority",
    "enrollment_status",
    "compliance_state",
    "last_checkin",
    "lineage",
    "created_at",
    "updated_at",
    "enrolled_at",
    "profile",
    "origin",
    "intune_state",
    "intune_grace_until",
)
_SELECT = ", ".join(DEVICE_COLUMNS)
_SEARCHED = ("serial", "device_name", "assigned_user")
_KNOWN_FIELDS = ("product_id", "group_tag", "assigned_user", "manufacturer", "model")
# Rows per INSERT statement: 500 x 25 columns stays under SQLite's 32,766 parameters.
_ROWS_PER_INSERT = 500
_DIRECT_OFFSET = 1000  # below this, skipping whole rows is cheaper than a second lookup
_TOP = "\U0010ffff"  # sorts after every character: `col < prefix + _TOP` means "starts with"


@dataclass(frozen=True)
class LineageEntry:
    lineage: int
    hardware_hash: str
    product_id: str | None
    first_seen: str
    source: str | None


@dataclass(frozen=True)
class KnownDevice:
    """What an import needs to know about a serial that is already in the store."""

    id: int
    serial: str
    lineage: int
    hardware_hash: str | None
    fields: dict[str, str | None]


def _device(row: Sequence[Any]) -> Device:
    values = dict(zip(DEVICE_COLUMNS, row, strict=True))
    return Device(**values, has_hash=values["lineage"] > 0)


device_from_row = _device  # for other mixins that select DEVICE_COLUMNS


def _text_clause(query: DeviceQuery, clauses: list[str], params: list[object]) -> None:
    """The search text: a whole serial, name or user (`exact`), else a prefix of one."""
    text = query.text.strip()
    if text and query.exact:
        # Equality on NOCASE-indexed columns: case-insensitive, one index lookup each.
        clauses.append("(" + " OR ".join(f"{col} = ?" for col in _SEARCHED) + ")")
        params.extend([text] * len(_SEARCHED))
    elif text:
        # Prefix ranges on NOCASE-indexed columns: SQLite answers the OR from three indexes.
        ranges = [f"({col} >= ? AND {col} < ?)" for col in _SEARCHED]
        clauses.append("(" + " OR ".join(ranges) + ")")
        params.extend([text, text + _TOP] * len(_SEARCHED))


def _where(query: DeviceQuery, *, walk: bool = False) -> tuple[str, list[object]]:
    """The WHERE clause. With `walk`, the filters do not use their indexes, so a page walks
    the sort order's index and checks each device: better than sorting a large match."""
    plus = "+" if walk else ""
    clauses: list[str] = []
    params: list[object] = []
    _text_clause(query, clauses, params)
    if query.state:
        clauses.append(f"{plus}compliance_state = ?")
        params.append(query.state)
    if query.group_tag:
        clauses.append("group_tag = ?")
        params.append(query.group_tag)
    if query.verdict:
        clauses.append(f"{plus}{VERDICT} = ?")
        params.append(query.verdict)
    for column, values in (
        ("compliance_state", query.states),
        ("group_tag", query.group_tags),
        (VERDICT, query.verdicts),
    ):
        if values:
            clauses.append(f"{plus}{column} IN ({', '.join('?' * len(values))})")
            params.extend(values)
    if query.build:
        # 10.0.26100 and every 10.0.26100.x ('.' sorts just below '/', digits above it):
        # one range, so (compliance_state, os_version) answers a state on a build.
        clauses.append(f"{plus}os_version >= ? AND {plus}os_version < ?")
        params.extend([query.build, query.build + "/"])
    if query.model:
        clauses.append(f"{plus}model = ?")
        params.append(query.model)
    if query.stale_before:
        clauses.append("last_checkin < ?")
        params.append(query.stale_before)
    if query.failing:
        if not walk:
            clauses.append("id IN (SELECT device_id FROM device_failing WHERE setting = ?)")
        else:
            clauses.append(
                "EXISTS (SELECT 1 FROM device_failing f WHERE f.setting = ? "
                "AND f.device_id = devices.id)"
            )
        params.append(query.failing)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def _counter_keys(query: DeviceQuery) -> list[str] | None:
    """The trigger-kept counters that answer this query's count, or None (count rows)."""
    only = query.only()
    if only == "":
        return ["total"]
    if only == "state" and query.state:
        return [f"state:{query.state}"]
    if only == "states":
        return [f"state:{s}" for s in query.states]
    if only == "build" and query.build:
        return [f"build:{query.build}"]
    if only == "failing" and query.failing:
        return [f"failing:{query.failing}"]
    if only == "verdict" and query.verdict:
        return [f"verdict:{query.verdict}"]
    if only == "verdicts":
        return [f"verdict:{v}" for v in query.verdicts]
    return None


def _order(query: DeviceQuery) -> str:
    if query.sort not in SORTABLE:
        raise InputError(f"cannot sort devices by {query.sort!r}; choose one of {SORTABLE}")
    direction = "DESC" if query.descending else "ASC"
    return f" ORDER BY {query.sort} {direction}, id {direction}"


class DeviceMixin(StoreBase):
    # -- reads ------------------------------------------------------------------------------

    def count_devices(self, query: DeviceQuery | None = None) -> int:
        query = query or DeviceQuery()
        keys = _counter_keys(query)
        if keys is not None:
            marks = ", ".join("?" * len(keys))
            row = self.conn.execute(
                f"SELECT coalesce(sum(n), 0) FROM device_counts WHERE key IN ({marks})", keys
            ).fetchone()
            return int(row[0])
        where, params = _where(query)
        return int(self.conn.execute(f"SELECT count(*) FROM devices{where}", params).fetchone()[0])

    def query_holds(self, query: DeviceQuery, device_id: int) -> bool:
        """Whether the device is among the query's matches, wherever in its order (a list
        that keeps a selection reads only some pages). The subquery is flattened: the id is
        looked up, then the filters checked."""
        where, params = _where(query)
        row = self.conn.execute(
            f"SELECT EXISTS (SELECT 1 FROM (SELECT id FROM devices{where}) WHERE id = ?)",
            [*params, device_id],
        ).fetchone()
        return bool(row[0])

    def device_rows(
        self, query: DeviceQuery, offset: int, limit: int, *, matching: int | None = None
    ) -> list[tuple[Any, ...]]:
        """`devices_page` as the stored rows (values in `row_columns` order), for a list that
        keeps many pages: Python's cyclic collector stops walking a tuple of plain values
        after its first collection, where each Device was walked at every one (a collection
        over the device table's pages took 9 ms of the GUI thread; bench/gui_stalls.py)."""
        where, params = _where(query, walk=self._walk(query, matching))
        order = _order(query)
        if offset < _DIRECT_OFFSET:
            sql = f"SELECT {_SELECT} FROM devices{where}{order} LIMIT ? OFFSET ?"
        else:
            sql = (
                f"SELECT {_SELECT} FROM devices WHERE id IN "
                f"(SELECT id FROM devices{where}{order} LIMIT ? OFFSET ?){order}"
            )
        rows: list[tuple[Any, ...]] = self.conn.execute(sql, [*params, limit, offset]).fetchall()
        return rows

    def devices_page(
        self, query: DeviceQuery, offset: int, limit: int, *, matching: int | None = None
    ) -> list[Device]:
        """Rows [offset, offset + limit) in the query's order; deep skips walk an index only.

        `matching` is the query's count when the caller has it (it picks the plan)."""
        return [_device(r) for r in self.device_rows(query, offset, limit, matching=matching)]

    #: The order of a device row's values (`device_rows`).
    row_columns = DEVICE_COLUMNS

    #: The Device of a row `device_rows` returned (for those that reach the store through
    #: its class: ui/ keeps the rows).
    device_from_row = staticmethod(device_from_row)

    def _walk(self, query: DeviceQuery, matching: int | None = None) -> bool:
        """Whether a page should walk the sort order rather than sort the match: sorting n
        devices costs about n log n, walking about 100 x total / n rows; they meet near
        n = sqrt(20 x total) (some 4,500 of 1,000,000)."""
        if query.only() in ("", "text") or query.text.strip():
            return False
        if matching is None:
            matching = self.count_devices(query)
        return matching * matching >= 20 * self.count_devices()

    def iter_devices(self, query: DeviceQuery, *, batch: int = 1000) -> Iterator[Device]:
        """Every matching device in order, fetched a batch at a time."""
        offset = 0
        matching = self.count_devices(query)  # once: it only picks the plan
        while True:
            page = self.devices_page(query, offset, batch, matching=matching)
            yield from page
            if len(page) < batch:
                return
            offset += batch

    def device(self, device_id: int) -> Device | None:
        row = self.conn.execute(
            f"SELECT {_SELECT} FROM devices WHERE id = ?", [device_id]
        ).fetchone()
        return _device(row) if row else None

    def device_by_serial(self, serial: str) -> Device | None:
        row = self.conn.execute(
            f"SELECT {_SELECT} FROM devices WHERE serial = ?", [serial.strip()]
        ).fetchone()
        return _device(row) if row else None

    def devices_with_answers(self, serials: Sequence[str]) -> dict[str, tuple[Device, str | None]]:
        """The devices of `serials` found, by serial as given, each with its enrollment's
        answers as stored (None: never enrolled at a bench); one query however many."""
        found: dict[bytes, tuple[Device, str | None]] = {}
        cleaned = [serial.strip() for serial in serials]
        rows = self.conn.execute(
            f"SELECT {_SELECT}, enrollment FROM devices "
            "WHERE serial IN (SELECT value FROM json_each(?))",
            [json.dumps(cleaned)],
        )
        for row in rows:
            device = _device(row[:-1])
            found[nocase(device.serial)] = (device, row[-1])
        return {
            s: found[nocase(c)] for s, c in zip(serials, cleaned, strict=True) if nocase(c) in found
        }

    def device_history(self, device_id: int) -> list[HistoryEntry]:
        rows = self.conn.execute(
            "SELECT id, device_id, at, kind, lineage, actor, changes, note FROM device_history "
            "WHERE device_id = ? ORDER BY id DESC",
            [device_id],
        ).fetchall()
        return [
            HistoryEntry(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6]), r[7]) for r in rows
        ]

    def device_lineage(self, device_id: int) -> list[LineageEntry]:
        rows = self.conn.execute(
            "SELECT lineage, hardware_hash, product_id, first_seen, source FROM device_lineage "
            "WHERE device_id = ? ORDER BY lineage DESC",
            [device_id],
        ).fetchall()
        return [LineageEntry(*r) for r in rows]

    def autopilot_records(self, group_tag: str | None = None) -> Iterator[AutopilotRecord]:
        """Devices with a current hardware hash, ordered by serial, for an Intune export."""
        sql = (
            "SELECT d.serial, coalesce(d.product_id, ''), l.hardware_hash, d.group_tag, "
            "d.assigned_user FROM devices d JOIN device_lineage l "
            "ON l.device_id = d.id AND l.lineage = d.lineage"
        )
        params: list[object] = []
        if group_tag is not None:
            sql += " WHERE d.group_tag = ?"
            params.append(group_tag)
        for row in self.conn.execute(sql + " ORDER BY d.serial", params):
            yield AutopilotRecord(row[0], row[1], row[2], row[3], row[4])

    def serials_without_hash(self, group_tag: str | None = None) -> Iterator[str]:
        """Devices with no hardware hash (an Intune export leaves them out), by serial."""
        sql = "SELECT serial FROM devices WHERE lineage = 0"
        params: list[object] = []
        if group_tag is not None:
            sql += " AND group_tag = ?"
            params.append(group_tag)
        for (serial,) in self.conn.execute(sql + " ORDER BY serial", params):
            yield serial

    # -- writes (call inside Store.transaction()) ---------------------------------------------

    def known_devices(self, serials: Sequence[str]) -> dict[str, KnownDevice]:
        """Existing devices for these serials, keyed by casefolded serial."""
        found: dict[str, KnownDevice] = {}
        for start in range(0, len(serials), 500):
            chunk = list(serials[start : start + 500])
            marks = ", ".join("?" * len(chunk))
            rows = self.conn.execute(
                "SELECT d.id, d.serial, d.lineage, l.hardware_hash, d.product_id, d.group_tag, "
                "d.assigned_user, d.manufacturer, d.model FROM devices d "
                "LEFT JOIN device_lineage l ON l.device_id = d.id AND l.lineage = d.lineage "
                f"WHERE d.serial IN ({marks})",
                chunk,
            )
            for r in rows:
                fields = dict(zip(_KNOWN_FIELDS, r[4:], strict=True))
                found[r[1].casefold()] = KnownDevice(r[0], r[1], r[2], r[3], fields)
        return found

    def next_device_id(self) -> int:
        return int(self.conn.execute("SELECT coalesce(max(id), 0) + 1 FROM devices").fetchone()[0])

    def insert_devices(self, rows: Iterable[dict[str, object]]) -> None:
        """Insert full device rows (a column a row leaves out is NULL), many to a statement.

        The count triggers make each INSERT on `devices` keep a statement journal of every
        page it touches (the table, ~16 index leaves and the counters: some 80 KB, spilled to
        a temporary file). Executed once per row, that was 8 GB of writes for an import of
        100,000 devices; one statement per `_ROWS_PER_INSERT` rows journals each page once.
        """
        one = "(" + ", ".join("?" * len(DEVICE_COLUMNS)) + ")"
        batch: list[object] = []
        count = 0
        for row in rows:
            batch.extend(map(row.get, DEVICE_COLUMNS))
            count += 1
            if count == _ROWS_PER_INSERT:
                self._insert_device_rows(one, count, batch)
                batch, count = [], 0
        if count:
            self._insert_device_rows(one, count, batch)

    def _insert_device_rows(self, one: str, count: int, values: list[object]) -> None:
        values_sql = ", ".join([one] * count)
        self.conn.execute(f"INSERT INTO devices ({_SELECT}) VALUES {values_sql}", values)

    def update_devices(
        self, device_ids: Sequence[int], changes: Sequence[dict[str, object]]
    ) -> None:
        for device_id, change in zip(device_ids, changes, strict=True):
            columns = [c for c in change if c in DEVICE_COLUMNS and c != "id"]
            assignments = ", ".join(f"{c} = ?" for c in columns)
            self.conn.execute(
                f"UPDATE devices SET {assignments} WHERE id = ?",
                [*(change[c] for c in columns), device_id],
            )

    def set_enrollment_status(self, device_ids: Sequence[int], status: str, at: str) -> None:
        self.conn.executemany(
            "UPDATE devices SET enrollment_status = ?, updated_at = ? WHERE id = ?",
            ((status, at, device_id) for device_id in device_ids),
        )

    def set_intune_verdicts(self, verdicts: Iterable[tuple[int, str, str | None]]) -> None:
        """(device_id, Intune's compliance state, its grace period end or None) rows."""
        self.conn.executemany(
            "UPDATE devices SET intune_state = ?, intune_grace_until = ? WHERE id = ?",
            ((state, grace, device_id) for device_id, state, grace in verdicts),
        )

    def insert_lineage(self, rows: Iterable[tuple[int, int, str, str | None, str, str]]) -> None:
        """(device_id, lineage, hardware_hash, product_id, first_seen, source) rows."""
        self.conn.executemany(
            "INSERT INTO device_lineage (device_id, lineage, hardware_hash, product_id, "
            "first_seen, source) VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )

    def insert_history(
        self, rows: Iterable[tuple[int, str, str, int, str, dict[str, Any], str | None]]
    ) -> None:
        """(device_id, at, kind, lineage, actor, changes, note) rows."""
        self.conn.executemany(
            "INSERT INTO device_history (device_id, at, kind, lineage, actor, changes, note) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                (d, at, k, lin, actor, json.dumps(ch) if ch else "{}", note)
                for d, at, k, lin, actor, ch, note in rows
            ),
        )

    def insert_first_lineage(self, rows: Iterable[tuple[int, str, str]]) -> None:
        """(device_id, hardware_hash, source): lineage 1, first seen at the device's creation."""
        self.conn.executemany(
            "INSERT INTO device_lineage (device_id, lineage, hardware_hash, first_seen, source) "
            "SELECT id, 1, ?, created_at, ? FROM devices WHERE id = ?",
            ((hash_, source, device_id) for device_id, hash_, source in rows),
        )
        self.conn.execute(
            "UPDATE devices SET lineage = 1 WHERE lineage = 0 AND id IN "
            "(SELECT device_id FROM device_lineage)"
        )

    def seed_history(self, first_id: int, actor: str) -> None:
        """One 'enrolled' history entry for every device from `first_id` on (bulk seeding)."""
        self.conn.execute(
            "INSERT INTO device_history (device_id, at, kind, lineage, actor, changes, note) "
            "SELECT id, created_at, 'enrolled', lineage, ?, '{}', NULL FROM devices WHERE id >= ?",
            [actor, first_id],
        )

    @contextmanager
    def bulk_load(self) -> Iterator[None]:
        """Inside a transaction: drop the device indexes, load, then build them once.

        Building an index over a million sorted keys is far cheaper than keeping ten
        indexes up to date row by row.
        """
        indexes = self.conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
            "AND tbl_name = 'devices' AND sql IS NOT NULL"
        ).fetchall()
        for name, _ in indexes:
            self.conn.execute(f'DROP INDEX "{name}"')
        yield
        for _, sql in indexes:
            self.conn.execute(sql)
