"""Files written whole or not at all: a crash leaves the old file or the complete new one."""

from __future__ import annotations

import os
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
