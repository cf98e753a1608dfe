"""Where Joinery keeps keys that must not sit inside the database.

The OS keyring (Windows Credential Manager, macOS Keychain, Secret Service) when a backend
exists; otherwise a file readable by this user only, in the data directory's `keys/`
folder. Only 32-byte keys go there, never the secrets themselves (Credential Manager caps a
blob at 2,560 bytes).
"""

from __future__ import annotations

import base64
import logging
import os
import secrets
from pathlib import Path

from app import paths
from app.errors import KnownError

log = logging.getLogger(__name__)

SERVICE = "Joinery"
KEY_BYTES = 32


def keyring_usable() -> bool:
    """A real keyring backend (not keyring's fail or null backends) is present."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return False
    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring) or type(backend).__module__.endswith(".null"):
        return False
    priority = getattr(backend, "priority", 1)
    return bool(priority is None or priority > 0)


def _keyring_get(name: str) -> bytes | None:
    import keyring
    from keyring.errors import KeyringError

    try:
        value = keyring.get_password(SERVICE, name)
    except KeyringError as exc:
        log.warning("keyring lookup of %s failed: %s", name, exc)
        return None
    return None if value is None else base64.b64decode(value)


def _keyring_set(name: str, key: bytes) -> None:
    import keyring
    from keyring.errors import KeyringError

    try:
        keyring.set_password(SERVICE, name, base64.b64encode(key).decode("ascii"))
    except KeyringError as exc:
        raise KnownError(
            f"The OS keyring refused to store a Joinery key ({exc}). Unlock the keyring, or "
            "run without it (keys then live in the data directory's keys folder)."
        ) from exc


def key_file(name: str) -> Path:
    return paths.data_dir() / "keys" / f"{name}.key"


def _file_get(name: str) -> bytes | None:
    path = key_file(name)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise KnownError(f"Cannot read the key file {path}: {exc.strerror}.") from exc
    return base64.b64decode(data.strip())


def _file_set(name: str, key: bytes) -> None:
    path = key_file(name)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(base64.b64encode(key) + b"\n")
        handle.flush()
        os.fsync(handle.fileno())


def load(name: str) -> bytes | None:
    """The key called `name` from the keyring, else from its key file; None if neither has it."""
    if keyring_usable():
        key = _keyring_get(name)
        if key is not None:
            return key
    return _file_get(name)


def create(name: str) -> bytes:
    """A new random key under `name`, kept in the keyring if there is one, else in a file."""
    key = secrets.token_bytes(KEY_BYTES)
    if keyring_usable():
        _keyring_set(name, key)
    else:
        _file_set(name, key)
    return key
