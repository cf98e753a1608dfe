"""Schema, migrations, pragmas, the append-only audit table and the counters."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from app import demo
from app.domain import ComplianceState, DeviceQuery
from app.errors import KnownError, SchemaTooNewError
from app.store import SCHEMA_VERSION, SORTABLE, Store
from app.store.schema import migrations, number_of


def applied_names(store: Store) -> list[str]:
    return [m.name for m in migrations.applied(store.db)]


def test_new_database_gets_current_schema(store: Store) -> None:
    assert store.schema_version == SCHEMA_VERSION == number_of(applied_names(store))
    tables = set(store.db.table_names())
    assert {"devices", "device_lineage", "device_history", "audit", "device_counts"} <= tables


def test_pragmas_on_every_connection(store: Store) -> None:
    pragma = lambda name: store.conn.execute(f"PRAGMA {name}").fetchone()[0]  # noqa: E731
    assert pragma("journal_mode") == "wal"
    assert pragma("foreign_keys") == 1
    assert pragma("busy_timeout") >= 5000
    assert pragma("synchronous") == 2  # FULL
    assert pragma("secure_delete") == 1


def test_none_binds_as_null_through_an_adapter_found_at_once(store: Store) -> None:
    """Without one, sqlite3 raises and clears two AttributeErrors for every None it binds
    (0.3 s of a 100,000-device import); with it, None still lands as NULL."""
    adapter = sqlite3.adapters.get((type(None), sqlite3.PrepareProtocol))
    assert adapter is not None and adapter(None) is None
    row = store.conn.execute("SELECT ? IS NULL, typeof(?)", (None, None)).fetchone()
    assert row == (1, "null")


def test_reopening_is_a_no_op(db_path: Path) -> None:
    Store.open(db_path).close()
    with Store.open(db_path) as again:
        assert again.schema_version == SCHEMA_VERSION
        assert not migrations.pending(again.db)
        assert number_of(applied_names(again)) == SCHEMA_VERSION


def test_newer_database_is_refused_untouched(db_path: Path) -> None:
    Store.open(db_path).close()
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(SchemaTooNewError, match="newer Joinery"):
        Store.open(db_path)
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
    conn.close()


def test_not_a_database_is_a_known_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(KnownError, match="Cannot open the database"):
        Store.open(junk)


def test_failed_migration_leaves_nothing(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(db: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(migrations._migrations[0], "fn", broken)
    with pytest.raises(RuntimeError):
        Store.open(db_path)
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 0
    assert "devices" not in {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()


def test_audit_is_append_only(store: Store) -> None:
    with store.transaction():
        store.append_audit("tester", "test.action", "x", {"a": 1})
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store.conn.execute("UPDATE audit SET actor = 'mallory'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store.conn.execute("DELETE FROM audit")
    assert [e.actor for e in store.audit_entries()] == ["tester"]


def test_transaction_rolls_back_on_error(store: Store) -> None:
    def write_then_fail() -> None:
        with store.transaction():
            store.append_audit("tester", "test.action")
            raise ValueError("stop")

    with pytest.raises(ValueError, match="stop"):
        write_then_fail()
    assert store.audit_entries() == []


def test_counters_follow_inserts_and_state_changes(store: Store) -> None:
    demo.seed(store, 300)
    real = dict(
        store.conn.execute("SELECT compliance_state, count(*) FROM devices GROUP BY 1").fetchall()
    )
    assert store.count_devices() == 300
    for state in ComplianceState:
        assert store.count_devices(DeviceQuery(state=state)) == real.get(state.value, 0)
    store.conn.execute("UPDATE devices SET compliance_state = 'error' WHERE id <= 10")
    after = dict(
        store.conn.execute("SELECT compliance_state, count(*) FROM devices GROUP BY 1").fetchall()
    )
    assert store.count_devices(DeviceQuery(state="error")) == after["error"]
    assert store.count_devices(DeviceQuery(state="compliant")) == after.get("compliant", 0)


@pytest.mark.parametrize("sort", SORTABLE)
def test_pages_follow_the_order_and_cover_every_row(store: Store, sort: str) -> None:
    demo.seed(store, 450)
    query = DeviceQuery(sort=sort, descending=sort == "last_checkin")
    pages = [store.devices_page(query, offset, 100) for offset in range(0, 500, 100)]
    ids = [d.id for page in pages for d in page]
    assert sorted(ids) == list(range(1, 451))
    direction = "DESC" if query.descending else "ASC"
    expected = [
        r[0]
        for r in store.conn.execute(
            f"SELECT id FROM devices ORDER BY {sort} {direction}, id {direction}"
        )
    ]
    assert ids == expected


def test_sorting_uses_an_index_not_a_full_sort(store: Store) -> None:
    for column in SORTABLE:
        plan = " ".join(
            str(r)
            for r in store.conn.execute(
                f"EXPLAIN QUERY PLAN SELECT id FROM devices ORDER BY {column}, id LIMIT 10"
            )
        )
        assert "TEMP B-TREE" not in plan, (column, plan)


def test_search_is_a_case_insensitive_prefix(store: Store) -> None:
    demo.seed(store, 200)
    some = store.devices_page(DeviceQuery(), 17, 1)[0]
    found = store.devices_page(DeviceQuery(text=some.serial[:4].lower()), 0, 500)
    assert some.id in {d.id for d in found}
    assert all(
        any(
            (getattr(d, c) or "").lower().startswith(some.serial[:4].lower())
            for c in ("serial", "device_name", "assigned_user")
        )
        for d in found
    )
    user = store.devices_page(DeviceQuery(text="zz-nobody"), 0, 10)
    assert user == []
    assert store.count_devices(DeviceQuery(text=some.serial)) >= 1


def test_schema_1_database_migrates_with_its_data(db_path: Path) -> None:
    from sqlite_utils import Database

    conn = sqlite3.connect(db_path, isolation_level=None)
    old = Database(conn)
    migrations.apply(old, stop_before="m002_security")
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO devices (serial, created_at, updated_at) VALUES ('OLD1', 'x', 'x')")
    conn.execute("INSERT INTO audit (at, actor, action) VALUES ('2026-01-01T00:00:00Z', 'a', 'b')")
    conn.close()
    with Store.open(db_path) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.device_by_serial("old1") is not None
        assert len(store.database_id()) == 36
        store.append_audit("tester", "after.migration")
        verdict = store.verify_audit()
        assert verdict.ok
        assert (verdict.entries, verdict.unchained) == (2, 1)


def test_busy_writer_retries_then_says_so(db_path: Path) -> None:
    import threading
    import time

    store = Store.open(db_path)
    store.conn.execute("PRAGMA busy_timeout = 200")  # 4 attempts: about 1.1 s in all
    holder = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.1, lambda: holder.execute("COMMIT"))
    release.start()
    started = time.monotonic()
    with store.transaction():  # first BEGIN times out; a retry gets through
        store.append_audit("tester", "after.wait")
    release.join()
    assert time.monotonic() - started >= 0.05
    holder.execute("BEGIN IMMEDIATE")
    with pytest.raises(KnownError, match="is busy"), store.transaction():
        pass
    holder.execute("ROLLBACK")
    holder.close()
    store.close()


def test_a_read_snapshot_is_consistent_and_never_holds_writers(db_path: Path) -> None:
    with Store.open(db_path) as reader, Store.open(db_path) as writer:
        demo.seed(reader, 20, seed=1)
        device = next(reader.iter_devices(DeviceQuery()))
        flipped = "error" if device.compliance_state != "error" else "compliant"
        with reader.read_snapshot():
            before = reader.count_devices(DeviceQuery(state=flipped))
            with writer.transaction():  # another process writes meanwhile: not refused
                writer.update_devices([device.id], [{"compliance_state": flipped}])
            assert reader.count_devices(DeviceQuery(state=flipped)) == before  # one reading
        assert reader.count_devices(DeviceQuery(state=flipped)) == before + 1


def test_a_database_folder_that_cannot_be_made_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(KnownError, match="Cannot create the database"):
        Store.open(blocker / "sub" / "joinery.db")


def test_pending_names_agree_with_sqlite_utils(db_path: Path) -> None:
    """The open of an up-to-date database asks "anything to migrate?" with plain SQL
    (sqlite-utils is not loaded for it); the answer is sqlite-utils' own."""
    from sqlite_utils import Database, Migrations

    assert Migrations.migrations_table == migrations.TABLE
    conn = sqlite3.connect(db_path, isolation_level=None)
    assert migrations.pending_names(conn) == migrations.names  # no table yet
    migrations.apply(Database(conn), stop_before="m005_packages")
    expected = [m.name for m in migrations.pending(Database(conn))]
    assert expected[0] == "m005_packages"
    assert migrations.pending_names(conn) == expected
    conn.close()
    Store.open(db_path).close()
    conn = sqlite3.connect(db_path, isolation_level=None)
    assert migrations.pending_names(conn) == []
    # A migration another branch numbered lower, landing after the database was current.
    conn.execute(f"DELETE FROM {migrations.TABLE} WHERE name = 'm009_prepared_at_bench'")
    assert migrations.pending_names(conn) == ["m009_prepared_at_bench"]
    assert [m.name for m in migrations.pending(Database(conn))] == ["m009_prepared_at_bench"]
    conn.close()


def test_no_sqlite_utils_plugin_runs_on_a_joinery_connection(db_path: Path) -> None:
    """Any installed package may register a sqlite-utils plugin; none touches the kiosk's
    database (and looking them up cost every start ~20 ms)."""
    from sqlite_utils import hookimpl
    from sqlite_utils.plugins import pm

    prepared: list[object] = []

    class Plugin:
        @hookimpl
        def prepare_connection(self, conn: sqlite3.Connection) -> None:
            prepared.append(conn)

    plugin = Plugin()
    pm.register(plugin)
    try:
        with Store.open(db_path) as store, store.transaction():
            store.append_audit("tester", "plugin.check")
        assert prepared == []
    finally:
        pm.unregister(plugin)


class _Counting:
    """The store's connection, counting the statements it is given (sqlite3's trace
    expands every statement for each trigger step: seconds for 500-row statements)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self.statements: list[str] = []

    def execute(self, sql: str, *args: object) -> sqlite3.Cursor:
        self.statements.append(sql)
        return self._conn.execute(sql, *args)

    def executemany(self, sql: str, *args: object) -> sqlite3.Cursor:
        self.statements.append(sql)
        return self._conn.executemany(sql, *args)

    def __getattr__(self, name: str) -> object:
        return getattr(self._conn, name)


def test_many_devices_go_in_a_few_statements_with_counters_kept(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One INSERT per row made SQLite keep a statement journal of every page the row touched
    (the count triggers ask for it): 8 GB of temporary writes for 100,000 devices. Rows now
    go 500 to a statement; the triggers still count every row."""
    rows = list(demo.devices(1201))
    counting = _Counting(store.conn)
    with store.transaction():
        monkeypatch.setattr(store, "conn", counting)
        store.insert_devices(rows)
        monkeypatch.undo()
    inserts = [s for s in counting.statements if s.startswith("INSERT INTO devices")]
    assert len(inserts) == 3  # 500 + 500 + 201
    assert store.count_devices() == 1201
    states = {str(r["compliance_state"]) for r in rows}
    assert sum(store.count_devices(DeviceQuery(state=s)) for s in states) == 1201
    got = store.conn.execute("SELECT id, serial FROM devices ORDER BY id").fetchall()
    assert got == [(r["id"], r["serial"]) for r in rows]


def test_devices_with_answers_finds_serials_as_the_registry_compares_them(store: Store) -> None:
    demo.seed(store, 1_200)  # more serials than one IN (...) query takes
    serials = [row[0] for row in store.conn.execute("SELECT serial FROM devices ORDER BY id")]
    store.conn.execute(
        'UPDATE devices SET enrollment = \'{"region": "DE"}\' WHERE serial = ?', [serials[3]]
    )
    asked = [s.lower() for s in serials] + ["  " + serials[7] + " ", "NO-SUCH-SERIAL"]
    found = store.devices_with_answers(asked)
    assert len(found) == len(serials) + 1  # the unknown serial is left out
    assert found[serials[3].lower()][1] == '{"region": "DE"}'
    assert found[serials[4].lower()][1] is None
    assert found["  " + serials[7] + " "][0].serial == serials[7]
    assert all(found[s.lower()][0].serial == s for s in serials)


def test_devices_with_answers_folds_case_as_sqlite_does(store: Store) -> None:
    """NOCASE folds ASCII letters only: "ÉCOLE-1" is not "école-1" to the registry."""
    demo.seed(store, 2)
    for number, serial in enumerate(["ÉCOLE-1", "Pc-9"], start=1):
        store.conn.execute("UPDATE devices SET serial = ? WHERE id = ?", [serial, number])
    found = store.devices_with_answers(["école-1", "PC-9", "ÉCOLE-1"])
    assert sorted(found) == ["PC-9", "ÉCOLE-1"]
    single = store.device_by_serial("école-1")
    assert single is None  # the one-serial lookup agrees
