"""Opening the vault from a front end: when a passphrase is needed, checking it, keeping it
for the session only, auditing each attempt."""

from __future__ import annotations

from pathlib import Path

import keyring
import pytest

from app import services
from app.errors import InputError
from app.security import vault
from app.security.roles import Actor, PermissionDenied, Role
from app.security.secret import Secret
from app.security.vault import Vault, WrongPassphrase
from app.store import Store
from tests.helpers.actors import ADMIN
from tests.helpers.vault import FAST_KDF, MemoryKeyring

PASSPHRASE = Secret("bench vault passphrase 2026")
ADA = Actor("ada", Role.ADMIN)
TOM = Actor("tom", Role.TECHNICIAN)


@pytest.fixture(autouse=True)
def _fast_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vault, "KDF_COST", dict(FAST_KDF))


def test_without_a_keyring_a_new_vault_needs_a_passphrase_from_an_admin(store: Store) -> None:
    state = services.vault_state(store, actor=ADMIN)
    assert state.needs_passphrase and state.creating and not state.keyring
    with pytest.raises(PermissionDenied, match="may not change settings"):
        services.open_vault(store, TOM, PASSPHRASE)
    with pytest.raises(InputError, match="at least 15 characters"):
        services.open_vault(store, ADA, Secret("too short"))
    assert store.active_vault_key() is None
    state = services.open_vault(store, ADA, PASSPHRASE)
    assert not state.needs_passphrase and state.method == "passphrase"
    (entry,) = store.audit_entries(action="vault.create")
    assert entry.actor == "ada" and entry.details == {"method": "passphrase"}
    Vault.unlock(store).lock()  # remembered: every service opens it unasked


def test_anyone_who_knows_the_passphrase_enters_it(store: Store) -> None:
    Vault.unlock(store, passphrase=PASSPHRASE).lock()
    assert services.vault_state(store, actor=ADMIN).needs_passphrase
    with pytest.raises(WrongPassphrase):
        services.open_vault(store, TOM, Secret("correct horse battery stapler"))
    assert services.vault_state(
        store, actor=ADMIN
    ).needs_passphrase  # a wrong one is not remembered
    services.open_vault(store, TOM, PASSPHRASE)  # typed by an admin at tom's session
    assert not services.vault_state(store, actor=ADMIN).needs_passphrase
    actions = [(e.actor, e.action) for e in store.audit_entries() if e.action.startswith("vault")]
    assert actions == [("tom", "vault.unlock"), ("tom", "vault.unlock_refused")]
    vault.forget_passphrases()
    assert services.vault_state(store, actor=ADMIN).needs_passphrase


def test_a_keyring_needs_nothing(store: Store) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    try:
        assert not services.vault_state(store, actor=ADMIN).needs_passphrase
        services.open_vault(store, TOM, PASSPHRASE)  # nothing to check, nothing kept
        assert store.active_vault_key() is None
        assert vault.remembered_passphrase(store) is None
    finally:
        keyring.set_keyring(previous)


def test_the_passphrase_is_never_written(db_path: Path) -> None:
    with Store.open(db_path) as store:
        services.open_vault(store, ADA, PASSPHRASE)
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for suffix in ("", "-wal", "-shm"):
        path = Path(str(db_path) + suffix)
        assert not path.exists() or PASSPHRASE.reveal().encode() not in path.read_bytes()
