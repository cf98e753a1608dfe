"""The Joinery bundle format, version 1: header, chunked encryption, signature.

Layout (docs/bundle-format.md): MAGIC, header length (u32 BE), header JSON, body, and a
64-byte Ed25519 signature over SIG_CONTEXT + SHA-256(everything before it). The body is the
content (u32 manifest length, manifest JSON, member bytes in manifest order), in the clear or
AES-256-GCM in chunks: nonce = prefix(7) + index(u32 BE) + last(1), associated data =
SHA-256(MAGIC..header) + index + last, key = Argon2id(password). Readers check the signature
first, then the signer, then the KDF bounds, and only then derive a key, so tampering is
told apart from a wrong password and a crafted header cannot make the KDF exhaust memory.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import struct
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, NoReturn, SupportsIndex

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from app import jsonsafe
from app.errors import InputError
from app.security.secret import Secret
from app.security.vault import KDF_BOUNDS, KDF_COST

log = logging.getLogger(__name__)

MAGIC = b"JNRYPKG\n"
FORMAT = "joinery-bundle"
VERSION = 1
SIG_CONTEXT = b"joinery-bundle-v1\x00"
SIG_BYTES = 64
MAX_HEADER = 64 * 1024
HEADER_DEPTH = 8  # the header nests 4 deep; package fields are flat
CHUNK_SIZE = 1024 * 1024
CHUNK_BOUNDS = (1024, 16 * 1024 * 1024)
TAG_BYTES = 16
SALT_BYTES = 16
PREFIX_BYTES = 7
SUFFIX = ".jbundle"
_PIECE = 1024 * 1024


class BundleError(InputError):
    """A bundle was rejected; the subclass says why."""


class BundleTampered(BundleError):
    """The signature does not match: the file was changed, cut short, or is not a bundle."""


class BundleUntrusted(BundleError):
    """The file is intact but signed by a key that is not one of the trusted keys."""


class WrongPassword(BundleError):
    """The bundle is intact and trusted, but the password does not open it."""


class PasswordRequired(BundleError):
    """The bundle is encrypted and no password was given."""


class BundleTooNew(BundleError):
    """The header names a format version newer than this code reads."""


class BundleRefused(BundleError):
    """The bundle is signed but asks for something unsafe (KDF cost, member names, sizes)."""


@dataclass(frozen=True)
class KdfCost:
    """Argon2id cost: m in KiB, t iterations, p lanes."""

    m: int = KDF_COST["m"]
    t: int = KDF_COST["t"]
    p: int = KDF_COST["p"]


@dataclass(frozen=True)
class KdfBounds:
    """What a reader accepts (floor: OWASP's minimum; ceiling: no memory exhaustion)."""

    m: tuple[int, int] = KDF_BOUNDS["m"]
    t: tuple[int, int] = KDF_BOUNDS["t"]
    p: tuple[int, int] = KDF_BOUNDS["p"]

    def problem(self, cost: KdfCost) -> str | None:
        for name in ("m", "t", "p"):
            value, (low, high) = getattr(cost, name), getattr(self, name)
            if type(value) is not int or not low <= value <= high:
                return f"Argon2id {name}={value!r} (accepted: {low} to {high})"
        return None


@dataclass(frozen=True)
class Encryption:
    cost: KdfCost
    salt: bytes
    prefix: bytes
    chunk_size: int


@dataclass(frozen=True)
class Header:
    """The parsed header: package metadata (no secrets), signer, encryption parameters."""

    raw: bytes  # MAGIC through the header JSON: what the chunks' associated data binds
    package: dict[str, Any]
    key_id: str
    public_key: Ed25519PublicKey
    encryption: Encryption | None

    def as_json(self) -> dict[str, object]:
        enc = self.encryption
        return {
            "format": FORMAT,
            "version": VERSION,
            "package": dict(self.package),
            "signer_key_id": self.key_id,
            "encrypted": enc is not None,
            "kdf": None if enc is None else {"alg": "argon2id", **enc.cost.__dict__},
            "chunk_size": None if enc is None else enc.chunk_size,
        }


@dataclass(frozen=True, repr=False)
class DerivedKey:
    """A bundle key derived once from a password, with the salt and cost it was derived
    with: the bundles written together from it (a cart of device packages) cost one KDF and
    open with that one password. Each bundle still draws its own random nonce prefix, so no
    (key, nonce) pair repeats: 40 bundles collide on a 56-bit prefix with odds below 2^-45.
    """

    cost: KdfCost
    salt: bytes
    key: bytes

    def encryption(self, chunk_size: int) -> Encryption:
        return Encryption(self.cost, self.salt, os.urandom(PREFIX_BYTES), chunk_size)

    def __repr__(self) -> str:
        return "DerivedKey(••••)"

    # A pickle would carry the key to disk or another process in the clear.
    def __reduce_ex__(self, protocol: SupportsIndex) -> NoReturn:
        raise TypeError("a derived key cannot be pickled")


def derive_once(password: Secret, cost: KdfCost) -> DerivedKey:
    """Argon2id over `password` with a new salt: the key for several bundles."""
    salt = os.urandom(SALT_BYTES)
    key = derive_key(password, Encryption(cost, salt, b"", CHUNK_SIZE))
    return DerivedKey(cost, salt, key)


def key_id(public_key: Ed25519PublicKey) -> str:
    """A signer's id: the first 16 bytes of SHA-256 of the raw public key, in hex."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:32]


def derive_key(password: Secret, enc: Encryption) -> bytes:
    # NFC, so the same password typed on another keyboard or OS opens the bundle;
    # surrogatepass, so no UnicodeEncodeError can carry the password in its `.object`.
    text = unicodedata.normalize("NFC", password.reveal()).encode("utf-8", "surrogatepass")
    kdf = Argon2id(
        salt=enc.salt, length=32, iterations=enc.cost.t, lanes=enc.cost.p, memory_cost=enc.cost.m
    )
    return kdf.derive(text)


def nonce(enc: Encryption, index: int, last: bool) -> bytes:
    return enc.prefix + struct.pack(">IB", index, int(last))


def chunk_aad(header_raw: bytes, index: int, last: bool) -> bytes:
    return hashlib.sha256(header_raw).digest() + struct.pack(">IB", index, int(last))


# -- header ----------------------------------------------------------------------------------


def encode_header(
    package: dict[str, Any], public_key: Ed25519PublicKey, enc: Encryption | None
) -> bytes:
    """MAGIC, length and canonical header JSON: the first bytes of a bundle."""
    raw_key = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    document: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "package": package,
        "signer": {"alg": "ed25519", "key_id": key_id(public_key), "public_key": _b64(raw_key)},
        "encryption": None,
    }
    if enc is not None:
        document["encryption"] = {
            "aead": "aes-256-gcm",
            "chunk_size": enc.chunk_size,
            "nonce_prefix": _b64(enc.prefix),
            "kdf": {
                "alg": "argon2id",
                "m": enc.cost.m,
                "t": enc.cost.t,
                "p": enc.cost.p,
                "salt": _b64(enc.salt),
            },
        }
    body = json.dumps(document, sort_keys=True, separators=(",", ":")).encode("utf-8")
    if len(body) > MAX_HEADER:
        raise InputError("the package metadata is too large for a bundle header")
    return MAGIC + struct.pack(">I", len(body)) + body


def new_header(
    package: dict[str, Any], public_key: Ed25519PublicKey, enc: Encryption | None
) -> Header:
    """The header of a bundle about to be written, as `read_header` will find it."""
    if enc is not None and not CHUNK_BOUNDS[0] <= enc.chunk_size <= CHUNK_BOUNDS[1]:
        raise ValueError(f"chunk size {enc.chunk_size} is outside {CHUNK_BOUNDS}")
    raw = encode_header(package, public_key, enc)
    return Header(raw, package, key_id(public_key), public_key, enc)


def read_header(handle: IO[bytes], size: int, source: str) -> Header:
    """The header at the start of `handle`; BundleTampered if it is not a v1 bundle header."""
    start = handle.read(len(MAGIC) + 4)
    if len(start) < len(MAGIC) + 4 or not start.startswith(MAGIC):
        raise BundleTampered(f"{source} is not a Joinery bundle (or its start was damaged).")
    (length,) = struct.unpack(">I", start[len(MAGIC) :])
    if length > MAX_HEADER or len(start) + length + SIG_BYTES > size:
        raise _damaged(source)
    body = handle.read(length)
    try:
        document = jsonsafe.loads(body.decode("utf-8"), max_depth=HEADER_DEPTH)
        header = _parse_header(start + body, document)
    except (ValueError, KeyError, TypeError, AttributeError):
        raise _damaged(source) from None
    return header


def _parse_header(raw: bytes, document: dict[str, Any]) -> Header:
    if document["format"] != FORMAT:
        raise ValueError("format")
    version = document["version"]
    if type(version) is not int or version < VERSION:
        raise ValueError("version")
    if version > VERSION:
        # Cannot be checked: a newer format may sign differently. Said as both possibilities.
        raise BundleTooNew(
            f"This bundle has format version {version}; this Joinery reads version {VERSION}. "
            "It was made by a newer Joinery (use that one), or the file was altered."
        )
    signer = document["signer"]
    if signer["alg"] != "ed25519":
        raise ValueError("alg")
    public_key = Ed25519PublicKey.from_public_bytes(_unb64(signer["public_key"]))
    if key_id(public_key) != signer["key_id"] or not isinstance(document["package"], dict):
        raise ValueError("key id")
    enc = _parse_encryption(document["encryption"])
    return Header(raw, document["package"], signer["key_id"], public_key, enc)


def _parse_encryption(raw: dict[str, Any] | None) -> Encryption | None:
    if raw is None:
        return None
    kdf = raw["kdf"]
    if raw["aead"] != "aes-256-gcm" or kdf["alg"] != "argon2id":
        raise ValueError("algorithms")
    enc = Encryption(
        KdfCost(kdf["m"], kdf["t"], kdf["p"]),
        _unb64(kdf["salt"]),
        _unb64(raw["nonce_prefix"]),
        raw["chunk_size"],
    )
    low, high = CHUNK_BOUNDS
    if len(enc.salt) != SALT_BYTES or len(enc.prefix) != PREFIX_BYTES:
        raise ValueError("salt or prefix")
    if type(enc.chunk_size) is not int or not low <= enc.chunk_size <= high:
        raise ValueError("chunk size")
    return enc


def _damaged(source: str) -> BundleTampered:
    return BundleTampered(
        f"{source} is damaged or was altered: its header cannot be read. Get a fresh copy "
        "from the person who built it."
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object) -> bytes:
    if not isinstance(text, str):
        raise TypeError("not base64 text")
    return base64.b64decode(text, validate=True)


# -- the body as plaintext pieces --------------------------------------------------------------


def body_pieces(handle: IO[bytes], start: int, end: int) -> Iterator[bytes]:
    """The bytes of `handle` between `start` and `end`, in pieces of at most 1 MiB."""
    handle.seek(start)
    left = end - start
    while left > 0:
        piece = handle.read(min(_PIECE, left))
        if not piece:
            raise OSError("the file became shorter while it was read")
        left -= len(piece)
        yield piece


def decrypt_chunks(handle: IO[bytes], header: Header, key: bytes, end: int) -> Iterator[bytes]:
    """The plaintext chunks; InvalidTag when a chunk does not open (key or bytes wrong)."""
    enc = header.encryption
    assert enc is not None
    aead = AESGCM(key)
    sealed = enc.chunk_size + TAG_BYTES
    handle.seek(len(header.raw))
    left, index = end - len(header.raw), 0
    while True:
        last = left < sealed
        take = left if last else sealed
        data = handle.read(take)
        if len(data) != take or take < TAG_BYTES:
            raise InvalidTag()
        yield aead.decrypt(nonce(enc, index, last), data, chunk_aad(header.raw, index, last))
        left -= take
        index += 1
        if last:
            return


class Encryptor:
    """Seals a plaintext stream into chunks; the final chunk (possibly empty) is flagged last."""

    def __init__(self, header: Header, key: bytes) -> None:
        assert header.encryption is not None
        self._enc = header.encryption
        self._raw = header.raw
        self._aead = AESGCM(key)
        self._buffer = bytearray()
        self._index = 0

    def feed(self, data: bytes) -> Iterator[bytes]:
        self._buffer += data
        size = self._enc.chunk_size
        # Every full chunk goes out as not-last; `finish` seals what is left (possibly
        # nothing). The format says the last chunk is always shorter than a full one, and the
        # reader relies on it: content of exactly k chunks ends with an empty last chunk.
        while len(self._buffer) >= size:
            yield self._seal(bytes(self._buffer[:size]), last=False)
            del self._buffer[:size]

    def finish(self) -> bytes:
        return self._seal(bytes(self._buffer), last=True)

    def _seal(self, plain: bytes, *, last: bool) -> bytes:
        index = self._index
        self._index += 1
        if self._index >= 2**32:
            raise InputError("the package is too large for one bundle")
        return self._aead.encrypt(
            nonce(self._enc, index, last), plain, chunk_aad(self._raw, index, last)
        )


def new_encryption(cost: KdfCost, chunk_size: int) -> Encryption:
    return Encryption(cost, os.urandom(SALT_BYTES), os.urandom(PREFIX_BYTES), chunk_size)


def load_public_keys(paths: Sequence[Path]) -> list[Ed25519PublicKey]:
    """Trusted signer keys from PEM files (`joinery package keygen` writes them)."""
    keys = []
    for path in paths:
        try:
            key = serialization.load_pem_public_key(path.read_bytes())
        except (OSError, ValueError):
            raise InputError(f"{path} is not a readable PEM public key.") from None
        if not isinstance(key, Ed25519PublicKey):
            raise InputError(f"{path} is not an Ed25519 public key.")
        keys.append(key)
    return keys


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """A signing key from a PEM file (unencrypted PKCS#8, as keygen writes it)."""
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError):
        raise InputError(f"{path} is not a readable, unencrypted PEM private key.") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InputError(f"{path} is not an Ed25519 private key.")
    return key


def verify_signature(
    handle: IO[bytes], header: Header, size: int, source: str
) -> tuple[str, bytes]:
    """Check the signature; (SHA-256 hex of the file, SHA-256 of the signed part) if good."""
    sha256 = hashlib.sha256()
    for piece in body_pieces(handle, 0, size - SIG_BYTES):
        sha256.update(piece)
    signed = sha256.digest()
    signature = handle.read(SIG_BYTES)
    sha256.update(signature)  # continued over the signature: the whole file's SHA-256
    try:
        header.public_key.verify(signature, SIG_CONTEXT + signed)
    except InvalidSignature:
        raise BundleTampered(
            f"{source} was altered or damaged after it was signed (the signature does not "
            "match). Do not use it: get a fresh copy from the person who built it."
        ) from None
    return sha256.hexdigest(), signed
