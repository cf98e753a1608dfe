"""Whose signature a bundle must carry: the bench's own keys, and the keys an operator pins.

A bundle's header carries its signer's public key, so a valid signature alone proves only
that *someone* signed it. Unpacking writes a `build-ppkg.cmd` that an operator then runs
elevated, so unpack (and verify, and inspect's exit status) need the signer to be trusted:
one of the bench's own keys (the key pairs the kiosk made, in the data folder's
`signing-keys/`) or a public key given with `--trust-key`.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Sequence
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from app import paths
from app.provisioning.build import PUBLIC_KEY
from app.provisioning.bundle_format import key_id, load_public_keys

log = logging.getLogger(__name__)

KEYS_FOLDER = "signing-keys"


def bench_keys_dir() -> Path:
    """Where the kiosk keeps the key pairs it made (one folder per pair)."""
    return paths.data_dir() / KEYS_FOLDER


def bench_public_keys() -> list[Ed25519PublicKey]:
    """The public keys of the bench's own signing keys. A key file that another user owns or
    may write is skipped (and logged): planting a key there must not make a bundle trusted."""
    folder = bench_keys_dir()
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.glob(f"*/{PUBLIC_KEY}")):
        if reason := _unsafe(path):
            log.warning("not trusting %s: %s", path, reason)
            continue
        found += load_public_keys([path])
    return found


def _unsafe(path: Path) -> str | None:
    if not hasattr(os, "getuid"):
        return None  # Windows: the data folder's ACL admits its user only
    for where in (path, path.parent, path.parent.parent):
        info = where.lstat()
        if stat.S_ISLNK(info.st_mode):
            return f"{where} is a symbolic link"
        if info.st_uid not in (os.getuid(), 0):
            return f"{where} belongs to another user"
        if info.st_mode & 0o022:
            return f"{where} may be written by other users"
    return None


def trusted_keys(pinned: Sequence[Path] = ()) -> list[Ed25519PublicKey]:
    """The keys a bundle's signer must be one of: the pinned ones and the bench's own."""
    keys = load_public_keys(list(pinned)) + bench_public_keys()
    unique = {key_id(key): key for key in keys}
    return list(unique.values())
