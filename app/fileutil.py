"""Files written whole or not at all: a crash leaves the old file or the complete new one."""

from __future__ import annotations

import ctypes
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import IO, Any

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

    Inside `batched_sync()` the fsync waits for the end of the batch.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=prefix or f".{path.name}.", suffix=".tmp")
    pending = _PENDING.get()
    try:
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
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if pending is not None:
        pending.append(path)


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
