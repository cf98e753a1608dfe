"""The vault: envelope encryption, binding of each field to its place, and key custody."""

from __future__ import annotations

import base64
import json
import logging
import pickle
import re
import secrets
import traceback
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from keyring.backends import fail

from app.errors import InputError
from app.security import keys, vault
from app.security.secret import Secret
from app.security.vault import (
    PASSPHRASE_ENV,
    KdfParams,
    PassphraseNeeded,
    SecretTampered,
    Vault,
    VaultDamaged,
    VaultLocked,
    VaultUnavailable,
    WrongPassphrase,
    forget_passphrases,
    remember_passphrase,
)
from app.store import Store
from tests.helpers.vault import FAST_KDF, MemoryKeyring

PASSPHRASE = Secret("correct horse battery staple")
#: Read at import, before any fixture lowers it: the cost that ships.
SHIPPED_COST = dict(vault.KDF_COST)


@pytest.fixture(autouse=True)
def _no_keyring_by_default(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test reaches the developer's real keyring, and no passphrase leaks in from outside."""
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    monkeypatch.setattr(vault, "KDF_COST", dict(FAST_KDF))
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    assert keys.keyring_usable()
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def kr_vault(store: Store, memory_keyring: MemoryKeyring) -> Vault:
    return Vault.unlock(store)


def method_of(store: Store) -> str:
    row = store.active_vault_key()
    assert row is not None
    return row[2]


# --- round trip -------------------------------------------------------------------------


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(), row_id=st.integers(min_value=0) | st.text(min_size=1, max_size=20))
def test_round_trip(kr_vault: Vault, text: str, row_id: int | str) -> None:
    token = kr_vault.seal("wifi", "psk", row_id, Secret(text))
    assert token.startswith(f"jv1:{kr_vault.key_id}:")
    assert kr_vault.unseal("wifi", "psk", row_id, token).reveal() == text


@pytest.mark.parametrize(
    "text", ["", "é", "e\u0301", "😀", "\x00", "\ud800 lone surrogate", "a" * 5000]
)
def test_round_trip_edge_cases(kr_vault: Vault, text: str) -> None:
    token = kr_vault.seal("wifi", "psk", 1, Secret(text))
    assert kr_vault.unseal("wifi", "psk", 1, token).reveal() == text


# --- binding and tamper -----------------------------------------------------------------


@pytest.mark.parametrize(
    "place",
    [("wifi", "psk", 2), ("wifi", "password", 1), ("accounts", "psk", 1), ("wifi", "psk", "1x")],
)
def test_token_opens_only_where_it_was_sealed(kr_vault: Vault, place: tuple[str, str, int]) -> None:
    token = kr_vault.seal("wifi", "psk", 1, Secret("hunter2"))
    with pytest.raises(SecretTampered, match=re.escape(f"{place[0]}.{place[1]}")):
        kr_vault.unseal(*place, token)


def test_swapped_rows_both_fail(kr_vault: Vault) -> None:
    first = kr_vault.seal("wifi", "psk", 1, Secret("one"))
    second = kr_vault.seal("wifi", "psk", 2, Secret("two"))
    for row_id, token in ((1, second), (2, first)):
        with pytest.raises(SecretTampered):
            kr_vault.unseal("wifi", "psk", row_id, token)


def test_token_naming_another_key_id_fails(kr_vault: Vault) -> None:
    token = kr_vault.seal("wifi", "psk", 1, Secret("x"))
    other = token.replace(f"jv1:{kr_vault.key_id}:", f"jv1:{kr_vault.key_id + 1}:")
    with pytest.raises(SecretTampered):
        kr_vault.unseal("wifi", "psk", 1, other)


def test_every_bit_flip_truncation_and_extension_fails(kr_vault: Vault) -> None:
    token = kr_vault.seal("wifi", "psk", 7, Secret("flip me"))
    data = token.encode("ascii")
    variants = [data[:cut] for cut in range(len(data))]
    variants += [data + extra for extra in (b"A", b"=", b"AAAA", b"\n", b" ")]
    for i in range(len(data)):
        for bit in range(8):
            flipped = bytearray(data)
            flipped[i] ^= 1 << bit
            variants.append(bytes(flipped))
    for variant in variants:
        with pytest.raises(SecretTampered):
            kr_vault.unseal("wifi", "psk", 7, variant.decode("latin-1"))
    assert len(variants) > 8 * len(data)


@pytest.mark.parametrize("token", ["", "jv1", "jv1:1:", "jv1:01:AAAA", "jv2:1:AAAA", "jv1:x:AAAA"])
def test_malformed_tokens_fail_the_same_way(kr_vault: Vault, token: str) -> None:
    with pytest.raises(SecretTampered):
        kr_vault.unseal("wifi", "psk", 1, token)


def test_tamper_errors_never_carry_the_plaintext(
    kr_vault: Vault, caplog: pytest.LogCaptureFixture
) -> None:
    canary = f"canary-{secrets.token_hex(8)}"
    token = kr_vault.seal("wifi", "psk", 1, Secret(canary))
    with pytest.raises(SecretTampered) as caught:
        kr_vault.unseal("wifi", "psk", 2, token)
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("test.vault").error("unseal failed", exc_info=caught.value)
    text = "".join(traceback.format_exception(caught.value))
    assert "wifi.psk" in text
    assert canary not in text
    assert token not in text  # not even the ciphertext
    assert caught.value.__context__ is None
    assert canary not in caplog.text


def test_field_names_must_be_identifiers(kr_vault: Vault) -> None:
    with pytest.raises(ValueError, match="identifier"):
        kr_vault.seal("wifi|x", "psk", 1, Secret("x"))


# --- key custody ------------------------------------------------------------------------


def test_keyring_vault_stores_only_a_wrapped_key(
    store: Store, memory_keyring: MemoryKeyring
) -> None:
    opened = Vault.unlock(store)
    row = store.active_vault_key()
    assert row is not None
    key_id, wrapped, method, kdf = row
    assert (key_id, method, kdf) == (opened.key_id, "keyring", None)
    assert list(memory_keyring.entries) == [(keys.SERVICE, f"kek-{store.database_id()}")]
    assert len(base64.b64decode(wrapped)) == 12 + 32 + 16


@pytest.mark.parametrize("method", ["keyring", "passphrase"])
def test_second_store_opens_what_the_first_sealed(
    db_path: Path, method: str, request: pytest.FixtureRequest
) -> None:
    if method == "keyring":
        request.getfixturevalue("memory_keyring")
    passphrase = PASSPHRASE if method == "passphrase" else None
    with Store.open(db_path) as first:
        token = Vault.unlock(first, passphrase=passphrase).seal("wifi", "psk", 1, Secret("s3cret"))
        with Store.open(db_path) as second:
            again = Vault.unlock(second, passphrase=passphrase)
            assert again.unseal("wifi", "psk", 1, token).reveal() == "s3cret"
            assert method_of(second) == method
    with Store.open(db_path) as later:
        assert Vault.unlock(later, passphrase=passphrase).unseal("wifi", "psk", 1, token)


def test_passphrase_from_the_environment(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSPHRASE_ENV, PASSPHRASE.reveal())
    token = Vault.unlock(store).seal("wifi", "psk", 1, Secret("x"))
    assert method_of(store) == "passphrase"
    monkeypatch.delenv(PASSPHRASE_ENV)
    reopened = Vault.unlock(store, passphrase=PASSPHRASE)
    assert reopened.unseal("wifi", "psk", 1, token).reveal() == "x"


def test_stored_kdf_parameters(store: Store) -> None:
    Vault.unlock(store, passphrase=PASSPHRASE)
    row = store.active_vault_key()
    assert row is not None and row[3] is not None
    stored = json.loads(row[3])
    assert {k: stored[k] for k in ("alg", "m", "t", "p")} == {"alg": "argon2id", **FAST_KDF}
    assert len(base64.b64decode(stored["salt"])) == 16


def test_wrong_passphrase(store: Store) -> None:
    Vault.unlock(store, passphrase=PASSPHRASE)
    wrong = "correct horse battery stapler"
    with pytest.raises(WrongPassphrase, match="does not open the vault of") as caught:
        Vault.unlock(store, passphrase=Secret(wrong))
    assert store.path in str(caught.value)
    assert wrong not in "".join(traceback.format_exception(caught.value))


def test_no_keyring_and_no_passphrase_says_what_to_do(store: Store) -> None:
    with pytest.raises(PassphraseNeeded) as caught:
        Vault.unlock(store)
    message = str(caught.value)
    assert "keyring" in message
    assert "An admin sets it in the kiosk (Settings, Secrets vault)" in message
    assert PASSPHRASE_ENV not in message  # a kiosk user cannot set one; the CLI adds it
    assert caught.value.creating
    assert store.active_vault_key() is None  # nothing half-made was left behind


def test_empty_passphrase_counts_as_none(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSPHRASE_ENV, "")
    with pytest.raises(VaultUnavailable):
        Vault.unlock(store, passphrase=Secret(""))


def test_passphrase_vault_without_passphrase_asks_for_it(store: Store) -> None:
    Vault.unlock(store, passphrase=PASSPHRASE)
    with pytest.raises(PassphraseNeeded, match="an admin enters it in the kiosk") as caught:
        Vault.unlock(store)
    assert PASSPHRASE_ENV not in str(caught.value) and not caught.value.creating


def test_a_remembered_passphrase_opens_the_vault_until_forgotten(store: Store) -> None:
    Vault.unlock(store, passphrase=PASSPHRASE).lock()
    remember_passphrase(store, PASSPHRASE)
    Vault.unlock(store).lock()  # no passphrase given: the remembered one opens it
    forget_passphrases()
    with pytest.raises(PassphraseNeeded):
        Vault.unlock(store)


def test_the_cli_says_how_to_give_the_passphrase(store: Store) -> None:
    """Only the command line can take it from the environment, so only it says so."""
    import click
    from click.testing import CliRunner

    from app.cli_base import JoineryGroup

    Vault.unlock(store, passphrase=PASSPHRASE).lock()

    @click.group(cls=JoineryGroup)
    def group() -> None:
        pass

    @group.command()
    def seal() -> None:
        Vault.unlock(store)

    result = CliRunner().invoke(group, ["seal"])
    assert result.exit_code == 1
    assert "an admin enters it in the kiosk" in result.stderr
    assert f"On the command line, give the passphrase in {PASSPHRASE_ENV}." in result.stderr


def test_short_passphrase_refused_when_creating(store: Store) -> None:
    with pytest.raises(InputError, match="at least 15 characters"):
        Vault.unlock(store, passphrase=Secret("too short"))
    assert store.active_vault_key() is None


def test_keyring_kek_missing_later(db_path: Path, memory_keyring: MemoryKeyring) -> None:
    with Store.open(db_path) as store:
        Vault.unlock(store)
        name = f"kek-{store.database_id()}"
    memory_keyring.entries.clear()
    with Store.open(db_path) as store, pytest.raises(VaultUnavailable) as caught:
        Vault.unlock(store)
    assert f"{keys.SERVICE}/{name}" in str(caught.value)
    assert "Restore it" in str(caught.value)


def test_keyring_kek_replaced(store: Store, memory_keyring: MemoryKeyring) -> None:
    Vault.unlock(store)
    entry = (keys.SERVICE, f"kek-{store.database_id()}")
    memory_keyring.entries[entry] = base64.b64encode(secrets.token_bytes(32)).decode()
    with pytest.raises(VaultDamaged, match="does not open the vault"):
        Vault.unlock(store)


def test_existing_keyring_kek_is_reused(store: Store, memory_keyring: MemoryKeyring) -> None:
    kek = keys.create(f"kek-{store.database_id()}")
    Vault.unlock(store)
    assert keys.load(f"kek-{store.database_id()}") == kek


def test_wrapped_key_is_bound_to_its_database(tmp_path: Path) -> None:
    with Store.open(tmp_path / "a.db") as a, Store.open(tmp_path / "b.db") as b:
        Vault.unlock(a, passphrase=PASSPHRASE)
        row = a.active_vault_key()
        assert row is not None
        b.conn.execute(
            "INSERT INTO vault_keys (id, wrapped, method, kdf, created_at) "
            "VALUES (?, ?, ?, ?, 'x')",
            list(row),
        )
        with pytest.raises(WrongPassphrase):
            Vault.unlock(b, passphrase=PASSPHRASE)


# --- KDF bounds -------------------------------------------------------------------------


def _must_not_derive(*args: object, **kwargs: object) -> object:
    raise AssertionError("Argon2id ran on parameters that should have been refused")


@pytest.mark.parametrize(
    "change",
    [
        {"m": 4 * 1024 * 1024},  # 4 GiB: would exhaust memory
        {"m": 1_048_577},
        {"m": 19455},
        {"m": 1024},
        {"t": 1},
        {"t": 11},
        {"t": 10_000_000},
        {"p": 0},
        {"p": 17},
        {"m": "65536"},
        {"m": 65536.0},
        {"t": True},
        {"salt": base64.b64encode(b"short").decode()},
        {"salt": "not base64!"},
        {"alg": "scrypt"},
        {"alg": None},
    ],
)
def test_kdf_out_of_bounds_refused_without_deriving(
    store: Store, monkeypatch: pytest.MonkeyPatch, change: dict[str, object]
) -> None:
    Vault.unlock(store, passphrase=PASSPHRASE)
    row = store.active_vault_key()
    assert row is not None and row[3] is not None
    edited = {**json.loads(row[3]), **change}
    store.conn.execute("UPDATE vault_keys SET kdf = ? WHERE id = ?", [json.dumps(edited), row[0]])
    monkeypatch.setattr(vault, "Argon2id", _must_not_derive)
    with pytest.raises(VaultDamaged, match="refused without deriving"):
        Vault.unlock(store, passphrase=PASSPHRASE)


@pytest.mark.parametrize("kdf", [None, "", "not json", "[]", "null", '{"alg": "argon2id"}'])
def test_unreadable_kdf_refused_without_deriving(
    store: Store, monkeypatch: pytest.MonkeyPatch, kdf: str | None
) -> None:
    Vault.unlock(store, passphrase=PASSPHRASE)
    store.conn.execute("UPDATE vault_keys SET kdf = ?", [kdf])
    monkeypatch.setattr(vault, "Argon2id", _must_not_derive)
    with pytest.raises(VaultDamaged, match="cannot be read"):
        Vault.unlock(store, passphrase=PASSPHRASE)


def test_bounds_are_inclusive() -> None:
    salt = bytes(16)
    assert KdfParams(19456, 2, 1, salt).problem() is None
    assert KdfParams(1_048_576, 10, 16, salt).problem() is None


def test_shipped_cost_is_rfc_9106() -> None:
    assert SHIPPED_COST == {"m": 65536, "t": 3, "p": 4}
    assert KdfParams(**SHIPPED_COST, salt=bytes(16)).problem() is None


def test_cost_below_the_floor_is_not_stored(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vault, "KDF_COST", {"m": 8192, "t": 1, "p": 1})
    with pytest.raises(ValueError, match="outside KDF_BOUNDS"):
        Vault.unlock(store, passphrase=PASSPHRASE)
    assert store.active_vault_key() is None


# --- locking, nonces, leaks -------------------------------------------------------------


def test_lock_forgets_the_key(kr_vault: Vault) -> None:
    token = kr_vault.seal("wifi", "psk", 1, Secret("x"))
    held = kr_vault._key
    kr_vault.lock()
    assert kr_vault.locked
    assert held == bytearray(32)  # the buffer the vault owned was overwritten in place
    with pytest.raises(VaultLocked, match="locked"):
        kr_vault.seal("wifi", "psk", 1, Secret("x"))
    with pytest.raises(VaultLocked):
        kr_vault.unseal("wifi", "psk", 1, token)
    kr_vault.lock()  # twice is harmless


def test_with_block_locks(store: Store, memory_keyring: MemoryKeyring) -> None:
    with Vault.unlock(store) as opened:
        opened.seal("wifi", "psk", 1, Secret("x"))
    assert opened.locked


def test_vault_does_not_show_or_pickle_its_key(kr_vault: Vault) -> None:
    assert re.fullmatch(r"Vault\('.*', key \d+, unlocked\)", repr(kr_vault))
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(kr_vault)


def test_nonces_never_repeat(kr_vault: Vault) -> None:
    # 10,000 seals, not 1,000,000: a repeat among random 96-bit nonces would point at a broken
    # generator or a fixed nonce, and either shows at this size.
    secret = Secret("same plaintext every time")
    nonces = {
        base64.b64decode(kr_vault.seal("wifi", "psk", 1, secret).split(":")[2])[:12]
        for _ in range(10_000)
    }
    assert len(nonces) == 10_000


def _encodings(canary: str) -> dict[str, bytes]:
    raw = canary.encode("utf-8")
    found = {
        "utf-8": raw,
        "utf-16le": canary.encode("utf-16-le"),
        "hex": raw.hex().encode(),
        "HEX": raw.hex().upper().encode(),
    }
    # base64 depends on where the text starts modulo 3; the middle of each alignment is fixed.
    for shift in range(3):
        found[f"base64+{shift}"] = base64.b64encode(bytes(shift) + raw)[4:-4]
    return found


def _database_files(db_path: Path) -> dict[str, bytes]:
    files = [db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm")]
    return {path.name: path.read_bytes() for path in files if path.exists()}


def test_canary_never_reaches_the_database_files(
    db_path: Path, memory_keyring: MemoryKeyring, caplog: pytest.LogCaptureFixture
) -> None:
    canary = f"CANARY-{secrets.token_hex(12)}-ünïcödé"
    with caplog.at_level(logging.DEBUG), Store.open(db_path) as store:
        opened = Vault.unlock(store)
        token = opened.seal("settings", "value", "wifi_psk", Secret(canary))
        store.set_setting("wifi_psk", token)
        stored = store.setting("wifi_psk")
        assert stored == token
        assert opened.unseal("settings", "value", "wifi_psk", stored).reveal() == canary
        before = _database_files(db_path)
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        after = _database_files(db_path)
    assert token.encode() in after["joinery.db"]  # the scan reads the right bytes
    for when, files in (("before checkpoint", before), ("after checkpoint", after)):
        for name, content in files.items():
            for form, needle in _encodings(canary).items():
                assert needle not in content, f"canary as {form} in {name} {when}"
    assert canary not in caplog.text


def test_settings_round_trip(store: Store) -> None:
    assert store.setting("missing") is None
    store.set_setting("k", "one")
    store.set_setting("k", "two")
    assert store.setting("k") == "two"
