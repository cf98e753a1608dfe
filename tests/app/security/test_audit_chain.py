"""The audit trail's hash chain finds every edit, deletion, insertion and reordering."""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.cli import cli
from app.errors import KnownError
from app.security import keys
from app.store import Store
from tests.helpers.audit import fill, unprotect


def test_intact_log_verifies(store: Store) -> None:
    fill(store, 50)
    verdict = store.verify_audit()
    assert verdict.ok
    assert verdict.entries == 50
    assert len(verdict.head) == 64


def tamper(conn: sqlite3.Connection, kind: str, rng: random.Random, count: int) -> int:
    """Apply one tampering; returns the first entry id it affects."""
    victim = rng.randint(1, count)
    if kind == "edit":
        column = rng.choice(["at", "actor", "action", "target", "details"])
        conn.execute(f"UPDATE audit SET {column} = {column} || 'x' WHERE id = ?", [victim])
    elif kind == "delete":
        conn.execute("DELETE FROM audit WHERE id = ?", [victim])
    elif kind == "insert":
        row = conn.execute(
            "SELECT at, actor, action, target, details, mac FROM audit WHERE id = ?",
            [victim % count + 1],
        ).fetchone()
        # An entry copied from elsewhere, given a free id in the middle by renumbering after.
        conn.execute("UPDATE audit SET id = id + 1000000 WHERE id >= ?", [victim])
        conn.execute(
            "INSERT INTO audit (id, at, actor, action, target, details, mac) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [victim, *row],
        )
        conn.execute("UPDATE audit SET id = id - 1000000 + 1 WHERE id >= 1000000")
    else:  # reorder: swap two entries' contents
        other = victim % count + 1
        a = conn.execute(
            "SELECT at, actor, action, target, details, mac FROM audit WHERE id = ?", [victim]
        ).fetchone()
        b = conn.execute(
            "SELECT at, actor, action, target, details, mac FROM audit WHERE id = ?", [other]
        ).fetchone()
        for target, values in ((victim, b), (other, a)):
            conn.execute(
                "UPDATE audit SET at = ?, actor = ?, action = ?, target = ?, "
                "details = ?, mac = ? WHERE id = ?",
                [*values, target],
            )
        victim = min(victim, other)
    return victim


@pytest.mark.parametrize(
    ("entries", "rounds"), [(2_000, 200), pytest.param(10_000, 1_000, marks=pytest.mark.slow)]
)
def test_every_random_tampering_is_found_and_named(store: Store, entries: int, rounds: int) -> None:
    fill(store, entries)
    unprotect(store)
    rng = random.Random(2026)
    found = 0
    for round_ in range(rounds):
        kind = ("edit", "delete", "insert", "reorder")[round_ % 4]
        store.conn.execute("BEGIN")
        victim = tamper(store.conn, kind, rng, entries)
        verdict = store.verify_audit()
        store.conn.execute("ROLLBACK")
        assert not verdict.ok, (kind, victim)
        assert verdict.broken_at == victim, (kind, victim, verdict.reason)
        found += 1
    assert found == rounds
    assert store.verify_audit().ok  # every tampering was rolled back


def test_audit_table_refuses_update_and_delete(store: Store) -> None:
    fill(store, 3)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store.conn.execute("UPDATE audit SET actor = 'mallory' WHERE id = 2")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store.conn.execute("DELETE FROM audit WHERE id = 2")


def test_key_lives_outside_the_database(db_path: Path) -> None:
    with Store.open(db_path) as store:
        fill(store, 3)
        name = f"audit-{store.database_id()}"
    key_path = keys.key_file(name)
    assert key_path.exists()
    assert oct(key_path.stat().st_mode & 0o777) == "0o600"
    key = keys.load(name)
    assert key is not None
    assert key.hex() not in db_path.read_bytes().hex()


def test_lost_key_is_a_clear_error(db_path: Path) -> None:
    with Store.open(db_path) as store:
        fill(store, 3)
        key_path = keys.key_file(f"audit-{store.database_id()}")
    key_path.unlink()
    with Store.open(db_path) as store, pytest.raises(KnownError, match="audit key .* is missing"):
        store.verify_audit()


def test_cli_verify_names_the_entry(db_path: Path) -> None:
    with Store.open(db_path) as store:
        fill(store, 20)
    runner = CliRunner()
    result = runner.invoke(cli, ["--db", str(db_path), "audit", "verify", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["ok"] is True
    with Store.open(db_path) as store:
        unprotect(store)
        store.conn.execute("UPDATE audit SET actor = 'mallory' WHERE id = 7")
    result = runner.invoke(cli, ["--db", str(db_path), "audit", "verify"])
    assert result.exit_code == 1
    assert "entry 7 was changed" in result.stderr


def test_chain_is_bound_to_its_database(tmp_path: Path) -> None:
    stores = [Store.open(tmp_path / f"{n}.db") for n in ("a", "b")]
    for store in stores:
        fill(store, 5)
    row = stores[0].conn.execute("SELECT * FROM audit WHERE id = 5").fetchone()
    unprotect(stores[1])
    stores[1].conn.execute("DELETE FROM audit WHERE id = 5")
    stores[1].conn.execute("INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?, ?)", row)
    assert not stores[1].verify_audit().ok
    for store in stores:
        store.close()


def schema_6_database(db_path: Path, entries: int) -> str:
    """A database as Joinery wrote it before the sealed count and the head witness."""
    from sqlite_utils import Database

    from app.security import chain
    from app.store.schema import migrations

    conn = sqlite3.connect(db_path, isolation_level=None)
    migrations.apply(Database(conn), stop_before="m007_audit_seal")
    conn.execute("PRAGMA user_version = 6")
    database = conn.execute("SELECT value FROM meta WHERE key = 'database_id'").fetchone()[0]
    key = keys.create(f"audit-{database}") if entries else b""
    previous = chain.start(key, database) if entries else b""
    for n in range(1, entries + 1):
        row = (n, f"2026-01-0{n}T00:00:00Z", "ada", "settings.change", "x", "{}")
        previous = chain.link(key, previous, chain.canonical(*row))
        conn.execute("INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?, ?)", [*row, previous.hex()])
    conn.close()
    return str(database)


def test_a_schema_6_trail_upgrades_and_is_then_protected(db_path: Path) -> None:
    database = schema_6_database(db_path, 3)
    with Store.open(db_path) as store:
        record = store.unchained_record()
        assert record is not None and (record.n, record.mac) == (0, None)
        verdict = store.verify_audit()
        assert verdict.ok and verdict.entries == 3 and verdict.witness is None
        assert verdict.notes  # no witness yet
        store.append_audit("ada", "after.upgrade")
        record = store.unchained_record()
        assert record is not None and record.mac is not None  # sealed at the first append
        assert keys.load_record(f"audit-head-{database}") is not None
        assert store.verify_audit().ok
        unprotect(store)
        store.conn.execute("UPDATE audit SET mac = NULL")
        assert not store.verify_audit().ok


def test_a_schema_6_database_never_written_verifies_without_a_key(db_path: Path) -> None:
    database = schema_6_database(db_path, 0)
    with Store.open(db_path) as store:
        verdict = store.verify_audit()
        assert verdict.ok and verdict.entries == 0
    assert not keys.key_file(f"audit-{database}").exists()


def test_the_witness_follows_the_last_committed_entry_only(db_path: Path) -> None:
    """A rolled-back append never moves the witness: it would accuse an honest trail."""
    with Store.open(db_path) as store:
        fill(store, 2)
        name = store.witness_name()
        before = keys.load_record(name)

        def doomed() -> None:
            with store.transaction():
                store.append_audit("ada", "doomed")
                raise RuntimeError("the change this entry records failed")

        with pytest.raises(RuntimeError):
            doomed()
        assert keys.load_record(name) == before
        assert store.verify_audit().ok
