"""Work that leaves files behind when its process dies, recorded before and swept after.

`package unpack` stages a project (its secrets in the clear) in a folder before renaming it
into place; `package build` writes a temporary file before the registry knows it. Each job
first writes a record in the data folder's `pending/` (what to delete should it never
finish) and holds an OS lock on that record while it works. `sweep()` takes every record
whose lock is free (its process is gone: the OS dropped the lock), deletes what it names,
then the record. The kiosk sweeps at start-up; every unpack and build sweeps first.

A build's record names its output in its details (`output`, or a cart's `outputs`), not in
`targets`: `app.services.sweeps.sweep_unfinished` reads it against the package registry,
which says which outputs were finished. `sweep()` is for records whose targets are all
leftovers (an unpack's staging folder).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app import paths
from app.fileutil import try_lock

log = logging.getLogger(__name__)

#: What an unpack stages its files in, beside its output folder (`provisioning.bundle`): the
#: names the start-up sweep of "unpack" jobs may delete (here, so the sweep needs no bundle).
UNPACK_STAGING_PREFIX = ".joinery-unpack-"

FOLDER = "pending"
SUFFIX = ".pending.json"
#: A record that cannot be read is being written right now, unless it is older than this.
_GRACE_SECONDS = 60.0


@dataclass
class Pending:
    """One job's record, locked while the job runs. `add` names more to delete on a crash."""

    path: Path
    kind: str
    fd: int
    details: dict[str, Any] = field(default_factory=dict)
    targets: list[str] = field(default_factory=list)
    kept: bool = False

    def keep(self) -> None:
        """Leave the record when the block ends, unlocked: the next sweep acts on it (the
        job could not clean up after an error itself)."""
        self.kept = True

    def add(self, target: Path) -> None:
        """Record `target` (a file or folder) before the job creates it."""
        self.targets.append(str(target))
        self._write()

    def note(self, **details: Any) -> None:
        self.details.update(details)
        self._write()

    def _write(self) -> None:
        document = {"kind": self.kind, "pid": os.getpid(), "targets": self.targets}
        data = json.dumps({**self.details, **document}).encode("utf-8")
        os.lseek(self.fd, 0, os.SEEK_SET)
        os.ftruncate(self.fd, 0)
        os.write(self.fd, data)
        os.fsync(self.fd)


def folder() -> Path:
    root = paths.data_dir() / FOLDER
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    return root


@contextmanager
def pending(kind: str, **details: Any) -> Iterator[Pending]:
    """Hold a record of a job of `kind` while the block runs; removed when it ends, however it
    ends (the job cleans up its own files on an error: the record is for a crash)."""
    path = folder() / f"{kind}-{uuid.uuid4().hex}{SUFFIX}"
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    record: Pending | None = None
    try:
        if not try_lock(fd):
            raise AssertionError(f"a new record {path} is locked by someone else")
        record = Pending(path, kind, fd, dict(details))
        record._write()
        yield record
    finally:
        if record is not None and record.kept:
            release(fd)
        else:
            _forget(path, fd)


def _forget(path: Path, fd: int) -> None:
    if sys.platform == "win32":  # an open file cannot be deleted there
        os.close(fd)
        path.unlink(missing_ok=True)
    else:  # deleted while still locked: no sweep can take it in between
        path.unlink(missing_ok=True)
        os.close(fd)


def records(
    kind: str | None = None, *, include_live: bool = False
) -> Iterator[tuple[Path, dict[str, Any], int]]:
    """Records whose job is gone: (path, contents, locked descriptor). The caller deletes
    what they name, then calls `done` (or `release` to leave one alone). Records of live
    jobs are skipped, or with `include_live` given with the descriptor -1."""
    root = paths.data_dir() / FOLDER
    if not root.is_dir():
        return
    for path in sorted(root.glob(f"{kind or '*'}-*{SUFFIX}")):
        try:
            fd = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))
        except FileNotFoundError:
            continue  # its job just finished
        if not try_lock(fd):
            document = _read(fd) if include_live else None
            os.close(fd)
            if document is not None:
                yield path, document, -1
            continue  # its job is running
        if hasattr(os, "getuid") and os.fstat(fd).st_uid != os.getuid():
            log.warning("ignoring %s: another user wrote it", path)
            os.close(fd)
            continue
        document = _read(fd)
        if document is None:
            if time.time() - os.fstat(fd).st_mtime < _GRACE_SECONDS:
                os.close(fd)
                continue  # being written this instant
            document = {"targets": []}
        yield path, document, fd


def done(path: Path, fd: int) -> None:
    """The record's leftovers are gone: delete the record."""
    _forget(path, fd)


def release(fd: int) -> None:
    """Leave a record as it is (for another sweep to handle)."""
    if fd >= 0:
        os.close(fd)


def sweep(kind: str, prefix: str) -> list[str]:
    """Delete what dead jobs of `kind` left behind; the paths removed. Only names starting
    with `prefix` are deleted, whatever a record says: a record is a list of paths to
    delete, and it must not become a way to delete anything else."""
    removed = []
    for path, document, fd in records(kind):
        for target in document.get("targets", []):
            if Path(target).name.startswith(prefix) and remove(Path(target)):
                removed.append(target)
        done(path, fd)
    if removed:
        log.warning("removed %d leftover(s) of interrupted %s jobs", len(removed), kind)
    return removed


def remove(target: Path) -> bool:
    """Delete a file or folder (never following a link out of it); whether it existed."""
    if target.is_symlink() or target.is_file():
        target.unlink(missing_ok=True)
        return True
    if target.is_dir():
        shutil.rmtree(target, ignore_errors=True)
        return True
    return False


def _read(fd: int) -> dict[str, Any] | None:
    data = b""
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        while chunk := os.read(fd, 65536):
            data += chunk
            if len(data) > 1024 * 1024:
                return None
    except OSError:  # Windows: a locked region cannot be read by another process
        return None
    try:
        document = json.loads(data.decode("utf-8"))
    except ValueError:
        return None
    if not isinstance(document, dict) or not isinstance(document.get("targets"), list):
        return None
    document["targets"] = [t for t in document["targets"] if isinstance(t, str)]
    return document
