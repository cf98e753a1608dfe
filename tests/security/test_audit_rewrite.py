"""Rewriting the audit trail behind Joinery's back (findings 2, 3 and 20).

2: clearing every MAC turned the whole trail into "entries from before the chain", so any
   entry could then be edited. 3: deleting the newest entries (and resetting sqlite_sequence)
   left a shorter chain that still verified. 20: a new database's `audit verify` asked for a
   key that did not exist yet.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.security import keys
from app.store import Store
from tests.security._state import behind_joinerys_back, fill, memory_keyring, run


@pytest.fixture
def trail(db_path: Path) -> Path:
    """A database whose trail records 20 technicians being added, then a lockout."""
    with Store.open(db_path) as store:
        fill(store, 20)
        with store.transaction():
            store.append_audit("tom", "operator.sign_in_failed", "tom", {"failures": 5})
            store.append_audit("tom", "operator.sign_in_refused", "tom", {"wait_seconds": 30})
    return db_path


def verdict_of(db_path: Path) -> tuple[bool, str, int | None]:
    with Store.open(db_path) as store:
        verdict = store.verify_audit()
    return verdict.ok, verdict.reason, verdict.broken_at


# -- finding 2: the NULL-MAC rewrite -----------------------------------------------------------


def test_clearing_every_mac_then_promoting_a_technician_is_found(trail: Path) -> None:
    with behind_joinerys_back(trail) as conn:
        conn.execute("UPDATE audit SET mac = NULL")
        conn.execute("UPDATE audit SET details = json_set(details, '$.role', 'admin') WHERE id = 7")
    ok, reason, broken_at = verdict_of(trail)
    assert not ok
    assert broken_at == 1
    assert "no MAC" in reason
    code, _, err = run("--db", str(trail), "audit", "verify")
    assert code == 1 and "tampered" in err


def test_clearing_every_mac_and_the_count_of_unchained_entries_is_found(trail: Path) -> None:
    with behind_joinerys_back(trail) as conn:
        conn.execute("UPDATE audit SET mac = NULL")
        conn.execute("DELETE FROM meta WHERE key = 'audit_unchained'")
    ok, reason, _ = verdict_of(trail)
    assert not ok
    assert "predate the chain" in reason


def test_claiming_every_entry_predates_the_chain_is_found(trail: Path) -> None:
    """The count is kept under a MAC: writing a bigger one without the key does not fit."""
    with behind_joinerys_back(trail) as conn:
        conn.execute("UPDATE audit SET mac = NULL")
        conn.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('audit_unchained', ?)",
            [json.dumps({"n": 22, "mac": "00" * 32})],
        )
    ok, reason, _ = verdict_of(trail)
    assert not ok
    assert "predate the chain" in reason
    with behind_joinerys_back(trail) as conn:  # the same count, left unsealed
        conn.execute("UPDATE meta SET value = ? WHERE key = 'audit_unchained'", ['{"n": 22}'])
    assert not verdict_of(trail)[0]


def test_emptying_the_trail_is_found(trail: Path) -> None:
    with behind_joinerys_back(trail) as conn:
        conn.execute("DELETE FROM audit")
        conn.execute("DELETE FROM sqlite_sequence WHERE name = 'audit'")
    ok, reason, _ = verdict_of(trail)
    assert not ok
    assert "missing" in reason or "empty" in reason


# -- finding 3: deleting the newest entries ------------------------------------------------


def test_deleting_the_lockout_and_resetting_the_sequence_is_found(trail: Path) -> None:
    with behind_joinerys_back(trail) as conn:
        conn.execute("DELETE FROM audit WHERE id > 20")
        conn.execute("UPDATE sqlite_sequence SET seq = 20 WHERE name = 'audit'")
    ok, reason, broken_at = verdict_of(trail)
    assert not ok
    assert broken_at == 21  # the first entry missing
    assert "outside the database" in reason and "22" in reason


def test_deleting_the_newest_entry_alone_is_found_by_the_sequence(trail: Path) -> None:
    with behind_joinerys_back(trail) as conn:
        conn.execute("DELETE FROM audit WHERE id = 22")
    ok, reason, broken_at = verdict_of(trail)
    assert not ok
    assert broken_at == 22


def test_deleting_then_writing_again_does_not_hide_the_deletion(trail: Path) -> None:
    """Joinery writing on after the deletion must not move the witness past the gap."""
    with behind_joinerys_back(trail) as conn:
        conn.execute("DELETE FROM audit WHERE id > 20")
        conn.execute("UPDATE sqlite_sequence SET seq = 20 WHERE name = 'audit'")
    with Store.open(trail) as store:
        fill(store, 3, actor="lena")  # ids 21..23 again, a valid chain from entry 20
        verdict = store.verify_audit()
    assert not verdict.ok
    assert verdict.broken_at == 22


def test_the_head_witness_lives_beside_the_key_and_follows_every_append(db_path: Path) -> None:
    with Store.open(db_path) as store:
        name = f"audit-head-{store.database_id()}"
        for expected in (1, 2, 3):
            fill(store, 1)
            last = store.conn.execute("SELECT id, mac FROM audit ORDER BY id DESC").fetchone()
            assert last[0] == expected
            assert keys.load_record(name) == f"{last[0]} {last[1]}"
        key_file = keys.key_file(f"audit-{store.database_id()}")
    assert keys.record_file(name).parent == key_file.parent
    assert oct(keys.record_file(name).stat().st_mode & 0o777) == "0o600"


def test_with_a_keyring_the_witness_is_kept_in_it(db_path: Path) -> None:
    with memory_keyring() as ring, Store.open(db_path) as store:
        fill(store, 2)
        database = store.database_id()
        mac = store.conn.execute("SELECT mac FROM audit WHERE id = 2").fetchone()[0]
        assert ring.entries[(keys.SERVICE, f"audit-head-{database}")] == f"2 {mac}"
    assert not keys.record_file(f"audit-head-{database}").exists()


# -- finding 20: a new database ----------------------------------------------------------------


def test_a_new_database_verifies_without_asking_for_a_key(db_path: Path) -> None:
    Store.open(db_path).close()
    code, out, err = run("--db", str(db_path), "audit", "verify", "--json")
    assert code == 0, err
    assert json.loads(out)["ok"] is True
    assert json.loads(out)["entries"] == 0
    code, out, err = run("--db", str(db_path), "audit", "verify")
    assert code == 0, err
    assert "intact" in out and "missing" not in out + err
