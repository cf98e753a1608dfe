"""Files written whole or not at all: a crash leaves the old file or the complete new one."""

from __future__ import annotations

import ctypes
import errno
import os
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import IO, Any

from app.errors import KnownError, from_environment

#: Files written inside `batched_sync()`, made durable together when it ends.
_PENDING: ContextVar[list[Path] | None] = ContextVar("joinery_pending_sync", default=None)


@contextmanager
def atomic_write(
    path: Path,
    *,
    binary: bool = False,
    encoding: str = "utf-8",
    newline: str | None = None,
    prefix: str | None = None,
) -> Iterator[IO[Any]]:
    """Write to a temporary file beside `path`, fsync it, then rename it over `path`.

    A full disk is DiskFull naming `path`, with the temporary file removed. Inside
    `batched_sync()` the fsync waits for the end of the batch.
    """
    try:
        fd, tmp = tempfile.mkstemp(
            dir=path.parent, prefix=prefix or f".{path.name}.", suffix=".tmp"
        )
    except OSError as exc:
        raise _known(exc, path) from exc
    pending = _PENDING.get()
    with _removed_on_failure(Path(tmp), path):
        if binary:
            handle: IO[Any] = os.fdopen(fd, "wb")
        else:
            handle = os.fdopen(fd, "w", encoding=encoding, newline=newline)
        with handle:
            yield handle
            handle.flush()
            if pending is None:
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    if pending is not None:
        pending.append(path)


def write_new(path: Path, pieces: Iterable[bytes], *, mode: int = 0o666) -> None:
    """Write a file where nothing was (a link in the way too is refused: FileExistsError),
    in place: for a folder this write made and nobody else uses yet, where a temporary file
    and a rename would only cost time. A failure removes what was written. Inside
    `batched_sync()` it is flushed with the batch, else fsync'd before returning; until
    then a crash may leave it short, so a commit record written afterwards must name it.
    `mode` before the umask (0o600: a package, readable by this user only)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_BINARY", 0), mode)
    except OSError as exc:
        raise _known(exc, path) from exc
    pending = _PENDING.get()
    with _removed_on_failure(path, path):
        try:
            for piece in pieces:
                view = memoryview(piece)
                while view:
                    view = view[os.write(fd, view) :]
            if pending is None:
                os.fsync(fd)
        finally:
            os.close(fd)
    if pending is not None:
        pending.append(path)


@contextmanager
def _removed_on_failure(written: Path, path: Path) -> Iterator[None]:
    """`written` (a temporary file, or `path` itself) removed if the block fails; a disk
    fault as the typed error naming `path`."""
    try:
        yield
    except OSError as exc:
        written.unlink(missing_ok=True)
        raise _known(exc, path) from exc
    except BaseException:
        written.unlink(missing_ok=True)
        raise


def _known(exc: OSError, path: Path) -> OSError | KnownError:
    """The typed error for a disk fault while writing `path`; other OSErrors unchanged."""
    if exc.filename is None or str(exc.filename).endswith(".tmp"):
        exc = OSError(exc.errno, exc.strerror, str(path))
    return from_environment(exc) or exc


def open_beneath(root: Path, relative: Path) -> IO[bytes]:
    """Open the regular file `root`/`relative` for reading without following a link at any
    step below `root`: a file swapped for a link after it was checked is refused (OSError
    ELOOP or ENOTDIR), not followed out of the folder. Windows, which has no `dir_fd`,
    checks the resolved path instead."""
    if os.open not in os.supports_dir_fd:
        target = (root / relative).resolve()
        if not target.is_relative_to(root.resolve()):
            raise OSError(errno.ELOOP, "leads out of the project folder", str(root / relative))
        return target.open("rb")
    nofollow = os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    folder = os.open(root, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))
    try:
        for part in relative.parts[:-1]:
            inner = os.open(part, os.O_RDONLY | os.O_DIRECTORY | nofollow, dir_fd=folder)
            os.close(folder)
            folder = inner
        # O_NONBLOCK: a FIFO put in the file's place must not hang the open.
        flags = os.O_RDONLY | nofollow | os.O_NONBLOCK
        fd = os.open(relative.parts[-1], flags, dir_fd=folder)
    finally:
        os.close(folder)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(errno.EINVAL, "not a regular file", str(root / relative))
    return os.fdopen(fd, "rb")


@contextmanager
def batched_sync() -> Iterator[list[Path]]:
    """Many small files made durable at once: inside the block `atomic_write` skips its own
    fsync; when the block ends without an error, every file it wrote is flushed together
    (one sync of the file system where the OS has one, each file's fsync where it does not).

    Only for files whose commit record is written afterwards (a signed manifest naming them):
    until the block ends, a crash may leave any of them empty, and the record must tell.
    """
    pending: list[Path] = []
    token = _PENDING.set(pending)
    try:
        yield pending
    finally:
        _PENDING.reset(token)
    flush(pending)


def flush(paths: list[Path]) -> None:
    """Make `paths` durable: on Linux one syncfs per file system they are on (a stick, not
    the whole machine); on other POSIX systems one sync; else an fsync per file (Windows)."""
    if not paths:
        return
    syncfs = _syncfs()
    if syncfs is not None:
        devices: set[int] = set()
        for folder in {path.parent for path in paths}:
            try:
                fd = os.open(folder, os.O_RDONLY)
            except FileNotFoundError:
                continue  # removed again since (a device that failed): nothing to keep
            try:
                device = os.fstat(fd).st_dev
                if device not in devices and syncfs(fd) == 0:
                    devices.add(device)
            finally:
                os.close(fd)
        if devices:
            return
    if hasattr(os, "sync"):
        os.sync()
        return
    for path in paths:
        try:
            fd = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))
        except FileNotFoundError:
            continue
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@cache
def _syncfs() -> Any:
    """Linux's syncfs(2) through the C library; None elsewhere or where it is missing."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return None


def try_lock(fd: int) -> bool:
    """Take an exclusive lock on `fd` without waiting; the OS drops it when the process dies
    (kill -9 too) or closes the file."""
    if sys.platform == "win32":
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


@contextmanager
def held(lock_file: Path) -> Iterator[bool]:
    """An exclusive lock on `lock_file` (made if missing) for the block, without waiting:
    yields whether it is this block's (False: another process or thread holds it)."""
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        yield try_lock(fd)
    finally:
        os.close(fd)  # the lock goes with it
