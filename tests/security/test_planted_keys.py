"""Keys planted or loosened in the data folder (finding 7).

A key file was trusted whoever owned it and whoever could read it, and with a keyring in use
a missing keyring entry fell back to a file: a key planted in a world-writable data folder
became the vault's key (so its planter could open every secret) or the audit chain's (so its
planter could rewrite the trail).
"""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

import pytest

from app.errors import KnownError
from app.security import keys
from app.security.vault import Vault
from app.store import Store
from tests.security._state import fill, memory_keyring

NOBODY = 65534


def plant(name: str, mode: int = 0o600) -> bytes:
    """The attacker's key, written where Joinery looks for `name`."""
    key = secrets.token_bytes(keys.KEY_BYTES)
    path = keys.key_file(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64encode(key) + b"\n")
    path.chmod(mode)
    return key


def test_a_planted_file_does_not_stand_in_for_a_keyring_entry(store: Store) -> None:
    planted = plant(f"kek-{store.database_id()}")
    with memory_keyring() as ring:
        with pytest.raises(KnownError, match="key file") as caught:
            Vault.unlock(store)
        assert "keyring" in str(caught.value)
        assert store.active_vault_key() is None  # nothing was wrapped with the planted key
        assert ring.entries == {}
    assert (
        keys.key_file(f"kek-{store.database_id()}")
        .read_bytes()
        .startswith(base64.b64encode(planted))
    )


def test_a_planted_audit_key_does_not_stand_in_for_a_keyring_entry(store: Store) -> None:
    plant(f"audit-{store.database_id()}")
    with memory_keyring(), pytest.raises(KnownError, match="key file"):
        fill(store, 1)
    assert store.conn.execute("SELECT count(*) FROM audit").fetchone()[0] == 0


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660, 0o606], ids=oct)
def test_a_key_file_others_may_read_or_write_is_refused(store: Store, mode: int) -> None:
    fill(store, 1)
    name = f"audit-{store.database_id()}"
    keys.key_file(name).chmod(mode)
    with Store.open(store.path) as again:
        with pytest.raises(KnownError, match="other users") as caught:
            again.verify_audit()
        assert str(keys.key_file(name)) in str(caught.value)
        with pytest.raises(KnownError, match="other users"):
            fill(again, 1)


@pytest.mark.skipif(not hasattr(os, "chown") or os.geteuid() != 0, reason="chown needs root")
def test_a_key_file_owned_by_someone_else_is_refused(store: Store) -> None:
    name = f"audit-{store.database_id()}"
    plant(name)
    os.chown(keys.key_file(name), NOBODY, NOBODY)
    with pytest.raises(KnownError, match="belongs to another user"):
        fill(store, 1)
    assert store.conn.execute("SELECT count(*) FROM audit").fetchone()[0] == 0


def test_a_key_file_that_is_a_link_is_refused(store: Store, tmp_path: Path) -> None:
    name = f"audit-{store.database_id()}"
    elsewhere = tmp_path / "attacker.key"
    elsewhere.write_bytes(base64.b64encode(secrets.token_bytes(32)) + b"\n")
    elsewhere.chmod(0o600)
    keys.key_file(name).parent.mkdir(parents=True)
    keys.key_file(name).symlink_to(elsewhere)
    with pytest.raises(KnownError, match="link"):
        fill(store, 1)
