"""Where Joinery keeps keys that must not sit inside the database.

The OS keyring (Windows Credential Manager, macOS Keychain, Secret Service) when a backend
exists; otherwise a file readable by this user only, in the data directory's `keys/`
folder. Only 32-byte keys and short records (the audit chain's head witness) go there, never
the secrets themselves (Credential Manager caps a blob at 2,560 bytes).

A key is read from one place only: with a keyring, a key file is never consulted (a file
planted in the data folder would otherwise stand in for a missing keyring entry), and a key
file is used only if it is this user's own, not a link, and nobody else may read or write it.
"""

from __future__ import annotations

import base64
import logging
import os
import secrets
import stat
import tempfile
from pathlib import Path

from app import paths
from app.errors import KnownError
from app.security import private

log = logging.getLogger(__name__)

SERVICE = "Joinery"
KEY_BYTES = 32
RECORD_MAX = 1024  # bytes: a record is a line such as "<id> <hex MAC>"
#: Lets a kiosk that kept its keys in files go on doing so after a keyring appears.
FILES_ONLY_HINT = "PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring"


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


def _keyring_get(name: str) -> str | None:
    import keyring
    from keyring.errors import KeyringError

    try:
        return keyring.get_password(SERVICE, name)
    except KeyringError as exc:
        log.warning("keyring lookup of %s failed: %s", name, exc)
        return None


def _keyring_set(name: str, value: str) -> None:
    import keyring
    from keyring.errors import KeyringError

    try:
        keyring.set_password(SERVICE, name, value)
    except KeyringError as exc:
        raise KnownError(
            f"The OS keyring refused to store a Joinery key ({exc}). Unlock the keyring, or "
            "run without it (keys then live in the data directory's keys folder)."
        ) from exc


def keys_dir() -> Path:
    return paths.data_dir() / "keys"


def key_file(name: str) -> Path:
    return keys_dir() / f"{name}.key"


def record_file(name: str) -> Path:
    return keys_dir() / f"{name}.txt"


def _read_private(path: Path, limit: int) -> bytes | None:
    """The bytes of `path` if it is ours alone; None if it does not exist; KnownError if it
    is a link, someone else's, or open to others. Checked on the opened file, not the name."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if path.is_symlink():
            raise KnownError(
                f"The key file {path} is a link to another file; Joinery reads only a real "
                "file it created. Delete the link, then restore the key from its backup."
            ) from None
        raise KnownError(f"Cannot read the key file {path}: {exc.strerror}.") from exc
    with os.fdopen(fd, "rb") as handle:
        _check_private(path, os.fstat(handle.fileno()))
        return handle.read(limit + 1)


def _check_private(path: Path, st: os.stat_result) -> None:
    if not private.POSIX:
        return  # Windows: the data folder's ACL (private.restrict_windows_acl) guards it
    if not stat.S_ISREG(st.st_mode):
        raise KnownError(f"The key file {path} is not a regular file; Joinery will not use it.")
    if st.st_uid != os.getuid():
        raise KnownError(
            f"The key file {path} belongs to another user (uid {st.st_uid}), so someone else "
            "may have put it there; Joinery will not use it. If you did not, delete it and "
            "restore the key from its backup."
        )
    if stat.S_IMODE(st.st_mode) & 0o077:
        raise KnownError(
            f"The key file {path} may be read or changed by other users "
            f"(mode {stat.S_IMODE(st.st_mode):04o}), so it can no longer be trusted as secret; "
            "Joinery will not use it. If only you could have touched it, make it private "
            f"(chmod 600 {path}); otherwise restore the key from its backup."
        )


def _write_private(path: Path, data: bytes, *, replace: bool) -> None:
    private.make_own_folder(path.parent.parent)
    private.make_own_folder(path.parent)
    if not replace:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, private.FILE_MODE)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        return
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _refuse_stray_file(name: str, path: Path) -> None:
    """With a keyring in use, a key file is never read; one that exists is said out loud."""
    if path.exists() or path.is_symlink():
        raise KnownError(
            f"Joinery keeps its keys in this computer's keyring, which has no entry "
            f"{SERVICE}/{name}, yet a key file {path} exists. A key is read from one place "
            "only, so the file was not used. If you put it there (this kiosk kept its keys in "
            f"files before the keyring appeared), either keep using files by setting "
            f"{FILES_ONLY_HINT}, or move the key into the keyring (keyring set {SERVICE} "
            f"{name}, giving the file's content) and delete the file. If you did not, delete it."
        )


def load(name: str) -> bytes | None:
    """The key called `name`: from the keyring if there is one, else from its key file;
    None if it has none. Never falls from a keyring to a file."""
    if keyring_usable():
        value = _keyring_get(name)
        if value is None:
            _refuse_stray_file(name, key_file(name))
            return None
        return base64.b64decode(value)
    data = _read_private(key_file(name), 64)
    return None if data is None else base64.b64decode(data.strip())


def create(name: str) -> bytes:
    """A new random key under `name`, kept in the keyring if there is one, else in a file."""
    key = secrets.token_bytes(KEY_BYTES)
    if keyring_usable():
        _refuse_stray_file(name, key_file(name))
        _keyring_set(name, base64.b64encode(key).decode("ascii"))
    else:
        _write_private(key_file(name), base64.b64encode(key) + b"\n", replace=False)
    return key


def load_record(name: str) -> str | None:
    """A short record kept beside the keys (same place, same checks); None if absent."""
    if keyring_usable():
        return _keyring_get(name)
    data = _read_private(record_file(name), RECORD_MAX)
    if data is None:
        return None
    if len(data) > RECORD_MAX:
        raise KnownError(f"The record {record_file(name)} is larger than Joinery ever writes.")
    return data.decode("ascii", "replace").strip()


def save_record(name: str, text: str) -> None:
    """Replace the record `name` (atomically on disk)."""
    if keyring_usable():
        _keyring_set(name, text)
    else:
        _write_private(record_file(name), text.encode("ascii") + b"\n", replace=True)
