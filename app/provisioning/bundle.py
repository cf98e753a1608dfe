"""Write, inspect, verify and unpack Joinery bundles (format: bundle_format, docs/bundle-format.md).

Order of checks on every read: header shape, signature (tampered?), signer (trusted?),
KDF bounds (refused?), then key derivation (wrong password?), then the manifest (unsafe
names, links, duplicates, sizes) and every member's SHA-256 while it streams. Nothing is
written where the caller asked until all of that passed.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import shutil
import struct
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from app.errors import InputError, KnownError
from app.fileutil import atomic_write
from app.provisioning import bundle_format as fmt
from app.provisioning.bundle_format import (
    BundleRefused,
    BundleTampered,
    BundleUntrusted,
    DerivedKey,
    Header,
    KdfBounds,
    KdfCost,
    PasswordRequired,
    WrongPassword,
)
from app.provisioning.members import (
    Entry,
    Limits,
    decode_manifest,
    encode_manifest,
    manifest_problems,
)
from app.security.secret import Secret

log = logging.getLogger(__name__)

__all__ = [
    "BundleRefused",
    "BundleTampered",
    "BundleUntrusted",
    "PasswordRequired",
    "WrongPassword",
    "DerivedKey",
    "KdfBounds",
    "KdfCost",
    "Limits",
    "Member",
    "Written",
    "Verdict",
    "write_bundle",
    "inspect_bundle",
    "verify_bundle",
    "unpack_bundle",
]

DEFAULT_COST = KdfCost()
DEFAULT_BOUNDS = KdfBounds()
DEFAULT_LIMITS = Limits()
TrustKeys = Ed25519PublicKey | Sequence[Ed25519PublicKey] | None
_Sink = Callable[[Entry, Iterator[bytes]], None]


@dataclass(frozen=True)
class Member:
    """A file to pack: its name in the bundle and its bytes or the path holding them."""

    name: str
    source: Path | bytes


@dataclass(frozen=True)
class Written:
    path: Path
    sha256: str
    key_id: str
    size: int


@dataclass(frozen=True)
class Verdict:
    """What a check found. `trusted` is None when no trusted key was given to compare."""

    path: Path
    header: Header
    sha256: str
    trusted: bool | None
    members: tuple[Entry, ...] | None = None
    notes: tuple[str, ...] = field(default=())

    def as_json(self) -> dict[str, object]:
        """Metadata only: never a secret, never member contents."""
        document: dict[str, object] = {"path": str(self.path), "sha256": self.sha256}
        document.update(self.header.as_json())
        document["signature"] = "valid"
        document["trusted"] = self.trusted
        members = self.members
        document["members"] = None if members is None else [m.as_json() for m in members]
        return document


# -- writing --------------------------------------------------------------------------------


def write_bundle(
    path: Path,
    members: Sequence[Member],
    package: dict[str, Any],
    signing_key: Ed25519PrivateKey,
    *,
    password: Secret | None = None,
    kdf_cost: KdfCost = DEFAULT_COST,
    kdf_bounds: KdfBounds = DEFAULT_BOUNDS,
    chunk_size: int = fmt.CHUNK_SIZE,
    limits: Limits = DEFAULT_LIMITS,
    derived: DerivedKey | None = None,
) -> Written:
    """Pack `members` into one signed file at `path` (atomically); encrypted if `password`.

    `package` is the header's metadata and must hold no secret: anyone can read it.
    `derived` is a key already derived from `password` (`derive_once`), shared by the
    bundles of one cart; without it the key is derived here with a new salt.
    """
    stamps = [_stamp(member) for member in members]
    entries = [_entry(member) for member in members]
    if found := manifest_problems(entries, limits):
        raise InputError(f"cannot pack these files: {found[0]}")
    enc = None
    if password is not None:
        cost = derived.cost if derived is not None else kdf_cost
        if not password or (problem := kdf_bounds.problem(cost)):
            raise ValueError(f"cannot encrypt: {'empty password' if not password else problem}")
        if derived is not None:
            enc = derived.encryption(chunk_size)
        else:
            enc = fmt.new_encryption(kdf_cost, chunk_size)
    header_raw = fmt.encode_header(package, signing_key.public_key(), enc)
    header = fmt.read_header(io.BytesIO(header_raw), len(header_raw) + fmt.SIG_BYTES, "new")
    encryptor = None
    if password is not None and enc is not None:
        data_key = derived.key if derived is not None else fmt.derive_key(password, enc)
        encryptor = fmt.Encryptor(header, data_key)
    # One SHA-256 pass over the output serves twice: its digest before the signature is
    # what is signed, and continued over the signature it is the file's SHA-256.
    sha256, size = hashlib.sha256(), 0
    with atomic_write(path, binary=True) as out:
        for piece in _sealed(header_raw, _content(entries, members, stamps), encryptor):
            out.write(piece)
            sha256.update(piece)
            size += len(piece)
        signature = signing_key.sign(fmt.SIG_CONTEXT + sha256.digest())
        out.write(signature)
        sha256.update(signature)
    key = fmt.key_id(signing_key.public_key())
    log.info("bundle %s written: %d members, signer %s", path, len(entries), key)
    return Written(path, sha256.hexdigest(), key, size + len(signature))


def _sealed(
    header_raw: bytes, content: Iterator[bytes], encryptor: fmt.Encryptor | None
) -> Iterator[bytes]:
    yield header_raw
    for piece in content:
        yield from (encryptor.feed(piece) if encryptor else [piece])
    if encryptor:
        yield encryptor.finish()


def _entry(member: Member) -> Entry:
    digest, size = hashlib.sha256(), 0
    for piece in _member_pieces(member):
        digest.update(piece)
        size += len(piece)
    return Entry(member.name, size, digest.hexdigest())


def _member_pieces(member: Member) -> Iterator[bytes]:
    if isinstance(member.source, bytes):
        yield member.source
        return
    try:
        with member.source.open("rb") as handle:
            while piece := handle.read(1024 * 1024):
                yield piece
    except OSError as exc:
        raise InputError(f"Cannot read {member.source}: {exc.strerror}.") from None


def _content(
    entries: list[Entry], members: Sequence[Member], stamps: list[tuple[int, int] | None]
) -> Iterator[bytes]:
    manifest = encode_manifest(entries)
    yield struct.pack(">I", len(manifest)) + manifest
    for entry, member, stamp in zip(entries, members, stamps, strict=True):
        # The manifest's hashes come from a first pass; hashing every byte again here would
        # double the cost of a large installer. A file rewritten in between changes its
        # size or its modification time, so those are compared instead.
        size = 0
        for piece in _member_pieces(member):
            size += len(piece)
            yield piece
        if size != entry.size or _stamp(member) != stamp:
            raise KnownError(f"{member.name} changed while it was being packed: build again.")


def _stamp(member: Member) -> tuple[int, int] | None:
    """(size, modification time in ns) of a file member; None for bytes in memory."""
    if isinstance(member.source, bytes):
        return None
    try:
        info = member.source.stat()
    except OSError as exc:
        raise InputError(f"Cannot read {member.source}: {exc.strerror}.") from None
    return info.st_size, info.st_mtime_ns


# -- reading --------------------------------------------------------------------------------


def inspect_bundle(path: Path, *, limits: Limits = DEFAULT_LIMITS) -> Verdict:
    """Header metadata (and, for an unencrypted bundle, its member list); signature checked."""
    return _open(path, None, None, DEFAULT_BOUNDS, limits, None, need_content=False)


def verify_bundle(
    path: Path,
    trust_key: TrustKeys = None,
    password: Secret | None = None,
    *,
    kdf_bounds: KdfBounds = DEFAULT_BOUNDS,
    limits: Limits = DEFAULT_LIMITS,
) -> Verdict:
    """Check signature, signer, and (with a password or when unencrypted) every member.

    Raises BundleTampered, BundleUntrusted, BundleRefused or WrongPassword; the signature is
    checked before any key is derived.
    """
    return _open(path, trust_key, password, kdf_bounds, limits, None, need_content=False)


def unpack_bundle(
    path: Path,
    out_dir: Path,
    password: Secret | None = None,
    trust_key: TrustKeys = None,
    *,
    kdf_bounds: KdfBounds = DEFAULT_BOUNDS,
    limits: Limits = DEFAULT_LIMITS,
) -> Verdict:
    """Verify, then write the members into `out_dir` (new or empty; private: 0700/0600).

    The files land in a temporary folder beside `out_dir`, renamed into place only when
    every check passed, so a rejected bundle leaves nothing behind.
    """
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise InputError(f"{out_dir} already exists and is not an empty folder.")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        verdict = _open(
            path, trust_key, password, kdf_bounds, limits, _writer(staging), need_content=True
        )
        if out_dir.exists():
            out_dir.rmdir()
        staging.rename(out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return verdict


def _writer(root: Path) -> _Sink:
    resolved = root.resolve()

    def sink(entry: Entry, pieces: Iterator[bytes]) -> None:
        target = root.joinpath(*entry.name.split("/"))
        if not target.resolve().is_relative_to(resolved):  # names were checked; belt and braces
            raise BundleRefused(f"{entry.name!r} would be written outside {root}")
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        flags |= getattr(os, "O_BINARY", 0)
        with os.fdopen(os.open(target, flags, 0o600), "wb") as handle:
            for piece in pieces:
                handle.write(piece)

    return sink


def _open(
    path: Path,
    trust_key: TrustKeys,
    password: Secret | None,
    kdf_bounds: KdfBounds,
    limits: Limits,
    sink: _Sink | None,
    *,
    need_content: bool,
) -> Verdict:
    source = str(path)
    try:
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            header = fmt.read_header(handle, size, source)
            sha256, signed = fmt.verify_signature(handle, header, size, source)
            trusted = _check_trust(header, trust_key, source)
            enc = header.encryption
            if enc is not None and password is None:
                if need_content:
                    raise PasswordRequired(f"{source} is encrypted: give its password.")
                return Verdict(path, header, sha256, trusted)
            if enc is not None and (problem := kdf_bounds.problem(enc.cost)):
                raise BundleRefused(
                    f"{source} asks for {problem}, outside what Joinery "
                    "accepts; refused without deriving a key."
                )
            members = _read_content(handle, header, size, password, limits, sink, source, signed)
    except OSError as exc:
        raise InputError(f"Cannot read {source}: {exc.strerror or exc}.") from None
    return Verdict(path, header, sha256, trusted, tuple(members))


def _check_trust(header: Header, trust_key: TrustKeys, source: str) -> bool | None:
    if trust_key is None:
        return None
    keys = [trust_key] if isinstance(trust_key, Ed25519PublicKey) else list(trust_key)
    if header.key_id not in {fmt.key_id(key) for key in keys}:
        raise BundleUntrusted(
            f"{source} is intact but signed by key {header.key_id}, which is not a trusted "
            "signer. Use it only if you know where it came from, and pin that key."
        )
    return True


def _read_content(
    handle: IO[bytes],
    header: Header,
    size: int,
    password: Secret | None,
    limits: Limits,
    sink: _Sink | None,
    source: str,
    signed: bytes,
) -> list[Entry]:
    end = size - fmt.SIG_BYTES
    again = hashlib.sha256(header.raw)
    if header.encryption is None:
        # Read a second time, so hashed again: a file swapped since the signature check
        # is caught before the caller renames anything into place.
        pieces = _hashing(fmt.body_pieces(handle, len(header.raw), end), again)
    else:
        assert password is not None
        key = fmt.derive_key(password, header.encryption)
        pieces = _opened(fmt.decrypt_chunks(handle, header, key, end), source)
    stream = _Stream(pieces, source)
    (length,) = struct.unpack(">I", stream.exact(4))
    if length > limits.max_manifest_bytes:
        raise BundleRefused(f"{source} has a manifest larger than Joinery accepts.")
    entries = decode_manifest(stream.exact(length))
    if isinstance(entries, str):
        raise BundleRefused(f"{source} was refused: {entries}.")
    if problems := manifest_problems(entries, limits):
        raise BundleRefused(f"{source} was refused: {problems[0]}.")
    for entry in entries:
        checked = _checked(stream.pieces(entry.size), entry, source)
        if sink is None:
            for _ in checked:
                pass
        else:
            sink(entry, checked)
    if not stream.at_end():
        raise BundleTampered(f"{source} holds bytes its manifest does not account for.")
    if header.encryption is None and again.digest() != signed:
        raise BundleTampered(f"{source} changed while it was being read.")
    return entries


def _hashing(pieces: Iterator[bytes], digest: Any) -> Iterator[bytes]:
    for piece in pieces:
        digest.update(piece)
        yield piece


def _opened(chunks: Iterator[bytes], source: str) -> Iterator[bytes]:
    first = True
    try:
        for chunk in chunks:
            first = False
            yield chunk
    except InvalidTag:
        if first:  # the signature held, so a chunk that will not open means the wrong key
            raise WrongPassword(f"The password does not open {source}.") from None
        raise BundleTampered(f"{source} changed while it was being read.") from None


def _checked(pieces: Iterator[bytes], entry: Entry, source: str) -> Iterator[bytes]:
    digest = hashlib.sha256()
    for piece in pieces:
        digest.update(piece)
        yield piece
    if digest.hexdigest() != entry.sha256:
        raise BundleTampered(f"{entry.name} in {source} does not match its SHA-256.")


class _Stream:
    """Reads exact byte counts from an iterator of pieces without holding more than a piece."""

    def __init__(self, pieces: Iterator[bytes], source: str) -> None:
        self._pieces, self._buffer, self._source = pieces, b"", source

    def _fill(self) -> bool:
        for piece in self._pieces:
            if piece:  # the last chunk of an encrypted bundle may be empty
                self._buffer += piece
                return True
        return False

    def exact(self, n: int) -> bytes:
        while len(self._buffer) < n:
            if not self._fill():
                raise BundleTampered(f"{self._source} ends before its content does.")
        data, self._buffer = self._buffer[:n], self._buffer[n:]
        return data

    def pieces(self, n: int) -> Iterator[bytes]:
        while n > 0:
            if not self._buffer and not self._fill():
                raise BundleTampered(f"{self._source} ends before its content does.")
            data, self._buffer = self._buffer[:n], self._buffer[n:]
            n -= len(data)
            yield data

    def at_end(self) -> bool:
        return not self._buffer and not self._fill()
