"""Fuzzed bundles, assembled from their parts: a header, a manifest, members, chunks, a
signature. Most are signed with the key the target trusts, so the mutation reaches past
the signature into the header's parameters, the manifest, the names and the chunks, as a
hostile signer's bundle would; some carry another signer, or damage after signing."""

from __future__ import annotations

import hashlib
import random
import struct
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.provisioning import bundle_format as fmt
from app.security.secret import Secret
from tests.fuzz.mutate import damage, dumps, json_tree, json_value, nasty, pick

PASSWORD = "CANARY-fuzz-password-0123456789"
TRUSTED = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"joinery fuzz: trusted").digest())
OTHER = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"joinery fuzz: other").digest())
CHEAP = fmt.KdfCost(m=8, t=1, p=1)
PACKAGE: dict[str, Any] = {
    "id": "{1e4ed133-aae7-45f4-8ee1-881220aa52d5}",
    "name": "Bench-Entra",
    "version": "1.0",
    "owner": "ITAdmin",
    "rank": 5,
    "created": "2026-11-29T09:00:00Z",
    "has_secrets": True,
    "token_expires": "2027-01-28",
    "token_account": "package_1e4ed133-aae7-45f4-8ee1-881220aa52d5",
}
NASTY_NAMES = [
    "..",
    "../evil.cmd",
    "a/../../b",
    "/etc/passwd",
    "C:\\Windows\\x",
    "C:x",
    "con",
    "NUL.txt",
    "COM1",
    "a\\b",
    "a:b",
    "x" * 300,
    "a/" * 600 + "f",
    "a/" * 7 + "f",
    "\u202eexe.txt",
    "a\x00b",
    "\x1b[31m",
    "",
    ".",
    "a/./b",
    "PAYLOAD/7Z.MSI",
    "payload",
    "payload/7z.msi/inner",
    "trailing.",
    "trailing ",
    "\U0001f600.bin",
    "\udc80.xml",
]


def public_pem() -> bytes:
    return TRUSTED.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def base_members(golden: bytes) -> list[tuple[str, bytes]]:
    return [
        ("customizations.xml", golden),
        ("build-ppkg.cmd", b"@echo off\r\nrem fuzz\r\n"),
        ("payload/7z.msi", b"MSI" * 1000),
        ("payload/agent.exe", b"MZ" + bytes(range(256)) * 4),
    ]


def bundle_file(rng: random.Random, golden: bytes) -> bytes:
    members = _members(rng, golden)
    content = _content(rng, members)
    encrypted = rng.random() < 0.5
    enc = _encryption(rng) if encrypted else None
    document = _header_document(rng, enc)
    header_raw = _header_raw(rng, document)
    body = _body(rng, header_raw, content, enc) if enc is not None else content
    signed = header_raw + body
    roll = rng.random()
    if roll < 0.85:
        signature = TRUSTED.sign(fmt.SIG_CONTEXT + hashlib.sha256(signed).digest())
    elif roll < 0.95:
        signature = OTHER.sign(fmt.SIG_CONTEXT + hashlib.sha256(signed).digest())
    else:
        signature = rng.randbytes(fmt.SIG_BYTES)
    data = signed + signature
    if rng.random() < 0.1:
        data = damage(rng, data)
    return data


def _members(rng: random.Random, golden: bytes) -> list[tuple[str, bytes]]:
    members = base_members(golden)
    op = rng.randrange(8)
    if op == 0:
        members.append((pick(rng, NASTY_NAMES), b"x" * rng.randrange(0, 100)))
    elif op == 1:  # many small members: every one is a slice of the same chunk
        members += [(f"payload/m{i}.bin", b"m") for i in range(rng.choice([50, 500, 1500]))]
    elif op == 2:
        members.append((pick(rng, ["payload/7z.msi", "Payload/7Z.msi"]), b"dup"))
    elif op == 3:
        members = [(pick(rng, NASTY_NAMES), data) for _, data in members]
    return members


def _content(rng: random.Random, members: list[tuple[str, bytes]]) -> bytes:
    entries: list[dict[str, Any]] = [
        {"name": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        for name, data in members
    ]
    body = b"".join(data for _, data in members)
    op = rng.randrange(10)
    if op == 0 and entries:
        pick(rng, entries)["size"] += rng.choice([-1, 1, 10**12, -(10**6)])
    elif op == 1 and entries:
        pick(rng, entries)["sha256"] = pick(rng, ["0" * 64, "zz", 5, None])
    elif op == 2 and entries:
        pick(rng, entries)["type"] = pick(rng, ["symlink", "hardlink", "device", "file"])
    elif op == 3:  # past the 10,000 members allowed, or just under
        entries = (entries * 3000)[: rng.choice([12, 9_999, 10_001, 12_000])]
    elif op == 4:
        body = body[: rng.randrange(len(body) + 1)]
    elif op == 5:
        body += rng.randbytes(rng.randrange(1, 100))
    document: Any = {"members": entries}
    if rng.random() < 0.3:
        document = json_tree(rng, document, in_place=True)
        members = document.get("members") if isinstance(document, dict) else None
        if isinstance(members, list):
            del members[12_000:]
    text = dumps(document, ensure_ascii=rng.random() < 0.5)
    manifest = text.encode("utf-8", "surrogatepass")
    if rng.random() < 0.05:
        manifest = b'{"members": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    length = len(manifest) if rng.random() < 0.95 else pick(rng, [0, 2**32 - 1, len(manifest) + 7])
    return struct.pack(">I", length) + manifest + body


def _encryption(rng: random.Random) -> fmt.Encryption:
    chunk = pick(rng, [1024, 1024, 4096, 65536, 1024 * 1024])
    return fmt.Encryption(
        CHEAP, rng.randbytes(fmt.SALT_BYTES), rng.randbytes(fmt.PREFIX_BYTES), chunk
    )


def _header_document(rng: random.Random, enc: fmt.Encryption | None) -> Any:
    raw_key = TRUSTED.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    package = dict(PACKAGE)
    if rng.random() < 0.4:
        package[pick(rng, list(PACKAGE))] = json_value(rng) if rng.random() < 0.5 else nasty(rng)
    document: dict[str, Any] = {
        "format": fmt.FORMAT,
        "version": fmt.VERSION,
        "package": package,
        "signer": {
            "alg": "ed25519",
            "key_id": fmt.key_id(TRUSTED.public_key()),
            "public_key": fmt._b64(raw_key),
        },
        "encryption": None,
    }
    if enc is not None:
        document["encryption"] = {
            "aead": "aes-256-gcm",
            "chunk_size": enc.chunk_size,
            "nonce_prefix": fmt._b64(enc.prefix),
            "kdf": {"alg": "argon2id", "m": 8, "t": 1, "p": 1, "salt": fmt._b64(enc.salt)},
        }
        if rng.random() < 0.2:
            target = pick(rng, ["chunk_size", "m", "t", "p", "salt", "nonce_prefix"])
            value = pick(rng, [0, 1, 1023, 2**24 + 1, 2**31, -1, 2**40, "AAAA", "", None, 10**9])
            holder = (
                document["encryption"]["kdf"]
                if target in ("m", "t", "p", "salt")
                else document["encryption"]
            )
            holder[target] = value
    if rng.random() < 0.15:
        document = json_tree(rng, document, in_place=True)
    if rng.random() < 0.05:
        document["version"] = pick(rng, [0, 2, 99, "1", 1.0, True])
    return document


def _header_raw(rng: random.Random, document: Any) -> bytes:
    text = dumps(
        document, limit=200_000, sort_keys=rng.random() < 0.9, ensure_ascii=rng.random() < 0.5
    )
    body = text.encode("utf-8", "surrogatepass")
    if rng.random() < 0.03:
        body = b'{"format": "joinery-bundle", "x": ' + b"[" * 30_000 + b"]" * 30_000 + b"}"
    length = len(body) if rng.random() < 0.97 else pick(rng, [0, 2**32 - 1, 70_000, len(body) + 3])
    return fmt.MAGIC + struct.pack(">I", length) + body


def _body(rng: random.Random, header_raw: bytes, content: bytes, enc: fmt.Encryption) -> bytes:
    """The content sealed in chunks; sometimes reordered, cut, or flagged wrongly."""
    key = fmt.derive_key(
        Secret(PASSWORD if rng.random() < 0.9 else "wrong-password-123456789"), enc
    )
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    aead = AESGCM(key)
    size = enc.chunk_size
    if rng.random() < 0.15:  # content of exactly k chunks: the last is empty
        content += b"\x00" * (-len(content) % size)
    pieces = [content[i : i + size] for i in range(0, len(content) - len(content) % size, size)]
    pieces.append(content[len(content) - len(content) % size :])
    sealed = []
    last_index = len(pieces) - 1
    wrong_last = rng.random() < 0.05
    for index, piece in enumerate(pieces):
        last = (index == last_index) != wrong_last
        nonce = fmt.nonce(enc, index, last)
        sealed.append(aead.encrypt(nonce, piece, fmt.chunk_aad(header_raw, index, last)))
    op = rng.randrange(12)
    if op == 0 and len(sealed) > 1:
        i, j = rng.randrange(len(sealed)), rng.randrange(len(sealed))
        sealed[i], sealed[j] = sealed[j], sealed[i]
    elif op == 1 and len(sealed) > 1:
        del sealed[-1]
    elif op == 2:
        sealed.append(pick(rng, sealed))
    return b"".join(sealed)
