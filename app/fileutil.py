"""Files written whole or not at all: a crash leaves the old file or the complete new one."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from app.errors import KnownError, from_environment


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

    A full disk is DiskFull naming `path`, with the temporary file removed.
    """
    try:
        fd, tmp = tempfile.mkstemp(
            dir=path.parent, prefix=prefix or f".{path.name}.", suffix=".tmp"
        )
    except OSError as exc:
        raise _known(exc, path) from exc
    try:
        if binary:
            handle: IO[Any] = os.fdopen(fd, "wb")
        else:
            handle = os.fdopen(fd, "w", encoding=encoding, newline=newline)
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise _known(exc, path) from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
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
