"""The secrets vault: envelope encryption of secret fields stored in the database.

A random 256-bit data key seals each secret field with AES-256-GCM. The database holds that
key only wrapped (AES-256-GCM again) under a key-encryption key (KEK) kept elsewhere: the OS
keyring, or, where there is none, a key derived from the admin passphrase with Argon2id
(reliability.md A2, "Secrets at rest in SQLite"). A field's associated data names its table,
column, row and key id, so a ciphertext moved anywhere else does not open. The operator PIN
plays no part: it only unlocks the kiosk session, and a 6-digit PIN falls to an offline attack.

A passphrase given once (the kiosk asks an admin for it) is remembered in this process only,
per database, until `forget_passphrases()`: it is never written anywhere.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import threading
import unicodedata
from dataclasses import dataclass
from types import TracebackType
from typing import NoReturn, SupportsIndex

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from app.errors import InputError, KnownError
from app.security import keys
from app.security.secret import Secret
from app.store import Store
from app.store.vault import VaultKeyRow

log = logging.getLogger(__name__)

PASSPHRASE_ENV = "JOINERY_VAULT_PASSPHRASE"
TOKEN_PREFIX = "jv1"
KEY_BYTES = 32
NONCE_BYTES = 12  # the 96-bit IV NIST recommends; random nonces are safe far past our volume
TAG_BYTES = 16
SALT_BYTES = 16
#: Admin passphrases guard the data key against an offline attack on a copied database, so
#: they get the same floor as export passwords (reliability.md A2, "Password source").
PASSPHRASE_MIN = 15
#: Argon2id cost of a new passphrase-wrapped key: RFC 9106's second recommended setting
#: (m in KiB). Tests lower it, but never below KDF_BOUNDS.
KDF_COST = {"m": 65536, "t": 3, "p": 4}
#: What an unlock accepts from the database, checked before deriving: the floor is OWASP's
#: minimum, the ceiling stops an edited row from making the KDF exhaust memory or time.
KDF_BOUNDS = {"m": (19456, 1_048_576), "t": (2, 10), "p": (1, 16)}

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TOKEN = re.compile(rf"{TOKEN_PREFIX}:([1-9][0-9]{{0,17}}):([A-Za-z0-9+/=]+)")


class VaultUnavailable(KnownError):
    """Nothing on this computer can open (or create) the vault: no keyring, no passphrase."""


class PassphraseNeeded(VaultUnavailable):
    """The vault opens (or is created) only with the admin passphrase, and none was given.

    The message says what a person can do wherever they are; each front end adds its own
    way to give the passphrase (the kiosk asks for it, the CLI reads an environment variable).
    """

    def __init__(self, message: str, *, creating: bool) -> None:
        super().__init__(message)
        self.creating = creating


class VaultDamaged(KnownError):
    """The stored data-key record is malformed, out of bounds, or no longer fits its KEK."""


class WrongPassphrase(InputError):
    """The passphrase given does not open the vault."""


class SecretTampered(KnownError):
    """A sealed field does not open: altered, or copied from another table, column or row."""


class VaultLocked(KnownError):
    """The vault was locked; unlock it again before reading or storing secrets."""


@dataclass(frozen=True)
class KdfParams:
    """Argon2id parameters of a passphrase-wrapped key, stored as JSON in `vault_keys.kdf`."""

    m: int
    t: int
    p: int
    salt: bytes

    @classmethod
    def new(cls) -> KdfParams:
        params = cls(KDF_COST["m"], KDF_COST["t"], KDF_COST["p"], os.urandom(SALT_BYTES))
        if problem := params.problem():
            # A key wrapped outside the bounds could never be opened again.
            raise ValueError(f"KDF_COST is outside KDF_BOUNDS: {problem}")
        return params

    @classmethod
    def parse(cls, text: str | None, database: str) -> KdfParams:
        """Read and bound-check stored parameters; refuses before any derivation runs."""
        try:
            raw = json.loads(text or "")
            params = cls(raw["m"], raw["t"], raw["p"], base64.b64decode(raw["salt"], validate=True))
            problem = params.problem() if raw["alg"] == "argon2id" else f"alg={raw['alg']!r}"
        except (ValueError, KeyError, TypeError):
            problem = "parameters that cannot be read"
        if problem:
            raise VaultDamaged(
                f"The vault key record of {database} asks for {problem}, outside what Joinery "
                "accepts, so it was refused without deriving a key. The record was altered or "
                "damaged: restore the database from a backup."
            )
        return params

    def problem(self) -> str | None:
        for name, value in (("m", self.m), ("t", self.t), ("p", self.p)):
            low, high = KDF_BOUNDS[name]
            if type(value) is not int or not low <= value <= high:
                return f"Argon2id {name}={value!r} (accepted: {low} to {high})"
        if len(self.salt) < SALT_BYTES:
            return f"a {len(self.salt)}-byte salt (at least {SALT_BYTES} needed)"
        return None

    def to_json(self) -> str:
        salt = base64.b64encode(self.salt).decode("ascii")
        return json.dumps({"alg": "argon2id", "m": self.m, "t": self.t, "p": self.p, "salt": salt})

    def derive(self, passphrase: Secret) -> bytes:
        # NFC, so the same passphrase typed on another keyboard or OS derives the same key;
        # surrogatepass, so no UnicodeEncodeError can carry the passphrase in its `.object`.
        text = unicodedata.normalize("NFC", passphrase.reveal())
        kdf = Argon2id(
            salt=self.salt, length=KEY_BYTES, iterations=self.t, lanes=self.p, memory_cost=self.m
        )
        return kdf.derive(text.encode("utf-8", "surrogatepass"))


class Vault:
    """An unlocked data key that seals and unseals the secret fields of one database."""

    def __init__(self, database: str, key_id: int, data_key: bytearray) -> None:
        """Use `Vault.unlock`; this takes ownership of `data_key` and wipes it on `lock()`."""
        self.database = database
        self.key_id = key_id
        self._key: bytearray | None = data_key

    @classmethod
    def unlock(cls, store: Store, *, passphrase: Secret | None = None) -> Vault:
        """Open the database's data key, creating (and wrapping) one on first use."""
        given = (
            passphrase or remembered_passphrase(store) or Secret.from_env(PASSPHRASE_ENV) or None
        )
        row = store.active_vault_key()
        if row is None:
            with store.transaction():
                # Asked again under the write lock: another window may have just made one.
                row = store.active_vault_key()
                if row is None:
                    return cls._create(store, given)
        return cls._open(store, row, given)

    @classmethod
    def _create(cls, store: Store, given: Secret | None) -> Vault:
        key_id = store.next_vault_key_id()
        data_key = bytearray(os.urandom(KEY_BYTES))
        kdf: str | None = None
        if keys.keyring_usable():
            method, kek = "keyring", _keyring_kek(store, create=True)
        elif given:
            if len(given.reveal()) < PASSPHRASE_MIN:
                raise InputError(
                    f"The vault passphrase must be at least {PASSPHRASE_MIN} characters long."
                )
            params = KdfParams.new()
            method, kek, kdf = "passphrase", params.derive(given), params.to_json()
        else:
            raise PassphraseNeeded(
                f"The secrets vault of {store.path} is not set up yet, and this computer has no "
                "usable OS keyring to keep its key, so it needs an admin passphrase (at least "
                f"{PASSPHRASE_MIN} characters) that nobody has given yet. An admin sets it in "
                "the kiosk (Settings, Secrets vault), or set up a keyring (Windows Credential "
                "Manager, macOS Keychain, or a Secret Service such as GNOME Keyring).",
                creating=True,
            )
        wrapped = _wrap(kek, data_key, _wrap_aad(store, key_id))
        store.add_vault_key(wrapped, method, kdf, key_id=key_id)
        log.info("vault of %s: created data key %d, wrapped by %s", store.path, key_id, method)
        return cls(store.path, key_id, data_key)

    @classmethod
    def _open(cls, store: Store, row: VaultKeyRow, given: Secret | None) -> Vault:
        key_id, wrapped, method, kdf = row
        aad = _wrap_aad(store, key_id)
        if method == "keyring":
            data_key = _unwrap(_keyring_kek(store, create=False), wrapped, aad)
            if data_key is None:
                raise VaultDamaged(
                    f"The keyring entry {_kek_name(store)} does not open the vault of "
                    f"{store.path}: the entry was replaced or the vault key record was altered. "
                    "Restore the keyring entry or the database from a backup."
                )
        else:
            params = KdfParams.parse(kdf, store.path)
            if not given:
                raise PassphraseNeeded(
                    f"The secrets vault of {store.path} is protected by the admin passphrase, "
                    "which has not been given yet: an admin enters it in the kiosk (Settings, "
                    "Secrets vault).",
                    creating=False,
                )
            data_key = _unwrap(params.derive(given), wrapped, aad)
            if data_key is None:
                raise WrongPassphrase(f"The passphrase does not open the vault of {store.path}.")
        log.info("vault of %s: unlocked data key %d (%s)", store.path, key_id, method)
        return cls(store.path, key_id, data_key)

    @property
    def locked(self) -> bool:
        return self._key is None

    def seal(self, table: str, column: str, row_id: int | str, secret: Secret) -> str:
        """A token "jv1:<key id>:<base64(nonce || ciphertext)>" that opens only in this place."""
        aead = self._aead()
        nonce = os.urandom(NONCE_BYTES)
        plain = secret.reveal().encode("utf-8", "surrogatepass")
        sealed = aead.encrypt(nonce, plain, _field_aad(table, column, row_id, self.key_id))
        return f"{TOKEN_PREFIX}:{self.key_id}:{base64.b64encode(nonce + sealed).decode('ascii')}"

    def unseal(self, table: str, column: str, row_id: int | str, token: str) -> Secret:
        """The secret sealed for exactly this table, column and row; SecretTampered otherwise."""
        aead = self._aead()
        aad = _field_aad(table, column, row_id, self.key_id)
        raw = _token_bytes(token, self.key_id)
        plain: bytes | None = None
        if raw is not None:
            try:
                plain = aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], aad)
            except InvalidTag:
                plain = None
        if plain is None:
            # Raised outside the except block, so no chained exception rides along.
            raise SecretTampered(
                f"The secret stored in {table}.{column} for row {row_id!r} does not open: it "
                "was altered, or copied from another table, column or row. Enter it again."
            )
        return Secret(plain.decode("utf-8", "surrogatepass"))

    def lock(self) -> None:
        """Forget the data key; every later seal or unseal raises VaultLocked."""
        if self._key is not None:
            # Best effort only: Python cannot guarantee zeroisation (reliability.md finding
            # 10). Copies may remain in OpenSSL's freed contexts, in the bytes os.urandom
            # returned, or in swapped pages; overwriting at least clears the copy we own.
            for i in range(len(self._key)):
                self._key[i] = 0
            self._key = None

    def _aead(self) -> AESGCM:
        if self._key is None:
            raise VaultLocked(
                f"The secrets vault of {self.database} is locked: unlock it again to read or "
                "store secrets."
            )
        return AESGCM(self._key)

    def __enter__(self) -> Vault:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.lock()

    def __repr__(self) -> str:
        state = "locked" if self._key is None else "unlocked"
        return f"Vault({self.database!r}, key {self.key_id}, {state})"

    def __reduce_ex__(self, protocol: SupportsIndex) -> NoReturn:
        raise TypeError("a Vault cannot be pickled: it holds the data key")


# The passphrases given in this process, by database id; never written anywhere.
_remembered: dict[str, Secret] = {}
_remembered_lock = threading.Lock()


def remember_passphrase(store: Store, passphrase: Secret) -> None:
    """Keep a passphrase that opened this database's vault, in memory, for this process."""
    with _remembered_lock:
        _remembered[store.database_id()] = passphrase


def remembered_passphrase(store: Store) -> Secret | None:
    if not _remembered:
        return None  # no query on every unlock of a keyring vault
    with _remembered_lock:
        return _remembered.get(store.database_id())


def forget_passphrases() -> None:
    """Forget every remembered passphrase (the kiosk closes, a test ends)."""
    with _remembered_lock:
        _remembered.clear()


def _kek_name(store: Store) -> str:
    return f"kek-{store.database_id()}"


def _keyring_kek(store: Store, *, create: bool) -> bytes:
    name = _kek_name(store)
    # An existing KEK is reused, never replaced: older wrapped keys may still depend on it.
    kek = keys.load(name)
    if kek is None and create:
        kek = keys.create(name)
    if kek is None:
        raise VaultUnavailable(
            f"The key that opens the secrets vault of {store.path} is missing: keyring entry "
            f"{keys.SERVICE}/{name} (or {keys.key_file(name)}). Restore it from its backup, "
            "or unlock the OS keyring; without it the stored secrets cannot be read."
        )
    return kek


def _wrap_aad(store: Store, key_id: int) -> bytes:
    # Binds a wrapped key to its database and id: a row copied elsewhere does not unwrap.
    return f"joinery-vault|{store.database_id()}|{key_id}".encode()


def _wrap(kek: bytes, data_key: bytearray, aad: bytes) -> str:
    nonce = os.urandom(NONCE_BYTES)
    return base64.b64encode(nonce + AESGCM(kek).encrypt(nonce, data_key, aad)).decode("ascii")


def _unwrap(kek: bytes, wrapped: str, aad: bytes) -> bytearray | None:
    """The data key, or None when this KEK does not open the record (or the record is bad)."""
    try:
        raw = base64.b64decode(wrapped, validate=True)
        return bytearray(AESGCM(kek).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], aad))
    except (ValueError, InvalidTag):
        return None


def _field_aad(table: str, column: str, row_id: int | str, key_id: int) -> bytes:
    # "|" separates the parts; plain identifiers keep the split unambiguous (the row id is
    # then the only free text, between fixed fields).
    if not (_NAME.fullmatch(table) and _NAME.fullmatch(column)):
        raise ValueError(f"vault fields need identifier names, not {table!r}.{column!r}")
    return f"joinery|{table}|{column}|{row_id}|{key_id}".encode("utf-8", "surrogatepass")


def _token_bytes(token: str, key_id: int) -> bytes | None:
    """nonce || ciphertext, or None unless the token is canonical and names this key."""
    match = _TOKEN.fullmatch(token) if isinstance(token, str) else None
    if match is None or int(match[1]) != key_id:
        return None
    try:
        raw = base64.b64decode(match[2], validate=True)
    except ValueError:
        return None
    # Re-encoding must give the same text: otherwise a flipped padding bit would go unseen.
    if base64.b64encode(raw).decode("ascii") != match[2] or len(raw) < NONCE_BYTES + TAG_BYTES:
        return None
    return raw
