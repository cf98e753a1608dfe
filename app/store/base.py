"""Connections, pragmas, transactions and migrations: the part every store mixin shares."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Self

from sqlite_utils import Database

from app.errors import KnownError, SchemaTooNewError, from_environment
from app.store.schema import SCHEMA_VERSION, migrations, number_of

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
BEGIN_ATTEMPTS = 4  # each waits up to the busy timeout

# Writes an operator is told are "saved" must survive a power cut: synchronous=FULL.
_PRAGMAS = (
    "PRAGMA foreign_keys = ON",
    f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}",
    "PRAGMA synchronous = FULL",
    "PRAGMA secure_delete = ON",
    "PRAGMA trusted_schema = OFF",
    "PRAGMA cache_size = -32768",
)


class StoreBase:
    """One SQLite connection, owned by the thread that opened it."""

    def __init__(self, conn: sqlite3.Connection, path: str) -> None:
        self.conn = conn
        self.db = Database(conn)
        self.path = path

    @classmethod
    def open(cls, path: str | Path, *, migrate: bool = True) -> Self:
        """Open (creating if needed) and bring the schema up to date."""
        target = str(path)
        if target != ":memory:":
            _check_local_path(Path(target))
            Path(target).parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(target, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            if target != ":memory:":
                conn.execute("PRAGMA journal_mode = WAL")
            for pragma in _PRAGMAS:
                conn.execute(pragma)
        except sqlite3.DatabaseError as exc:
            if "full" in str(exc):
                raise (from_environment(exc, target) or KnownError(str(exc))) from exc
            raise KnownError(
                f"Cannot open the database {target}: {exc}. "
                "Check that the file is a Joinery database, or choose another with --db."
            ) from exc
        store = cls(conn, target)
        try:
            store._check_version()
            if migrate:
                store._migrate()
        except BaseException:
            conn.close()
            raise
        return store

    @classmethod
    def memory(cls) -> Self:
        return cls.open(":memory:")

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def data_version(self) -> int:
        """Changes whenever another connection commits: the cheap 'did anything change?'."""
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    @contextmanager
    def read_snapshot(self) -> Iterator[None]:
        """One consistent reading across many queries (WAL), without the write lock: other
        processes keep writing while a long export or report reads."""
        if self.conn.in_transaction:
            yield  # inside the caller's transaction: already one reading
            return
        self.conn.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            self.conn.execute("COMMIT")

    @contextmanager
    def transaction(self) -> Iterator[Database]:
        """One writer unit: BEGIN IMMEDIATE, so busy waits happen here and not mid-way."""
        if self.conn.in_transaction:
            with self.db.atomic():  # a savepoint inside the caller's transaction
                yield self.db
            return
        self._begin_immediate()
        try:
            yield self.db
        except BaseException:
            self._rollback()
            raise
        try:
            self.conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            self._rollback()
            # Busy, or the disk is full: said as what it is (from_environment tells them apart).
            raise (from_environment(exc, self.path) or _busy(self.path, exc)) from exc

    def _begin_immediate(self) -> None:
        # SQLite's busy wait is not fair: a writer committing back to back can hold off
        # another for seconds. Retry a few busy timeouts before telling the operator.
        for attempt in range(BEGIN_ATTEMPTS):
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                if attempt == BEGIN_ATTEMPTS - 1:
                    raise _busy(self.path, exc) from exc
                log.info("database busy, retrying BEGIN IMMEDIATE (%d)", attempt + 1)
                time.sleep(0.05 * (attempt + 1))
            else:
                return

    def _rollback(self) -> None:
        # An error such as SQLITE_FULL may already have ended the transaction.
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def _check_version(self) -> None:
        found = self.schema_version
        if found > SCHEMA_VERSION:
            raise SchemaTooNewError(
                f"The database {self.path} has schema version {found}, but this Joinery "
                f"understands up to version {SCHEMA_VERSION}. It was written by a newer "
                "Joinery: update Joinery, or open another database with --db. "
                "Nothing was changed."
            )

    def _migrate(self) -> None:
        if not migrations.pending(self.db) and self.schema_version == SCHEMA_VERSION:
            return
        with self.transaction():
            migrations.apply(self.db)
            applied = number_of([m.name for m in migrations.applied(self.db)])
            self.conn.execute(f"PRAGMA user_version = {int(applied)}")
        log.info("database %s migrated to schema %d", self.path, applied)


def _busy(path: str, exc: sqlite3.OperationalError) -> KnownError:
    return KnownError(
        f"The database {path} is busy ({exc}): another Joinery window or command is "
        "writing to it. Wait a moment and try again."
    )


def _check_local_path(path: Path) -> None:
    # WAL needs shared memory on one host: a database on a network share can corrupt.
    text = str(path)
    if text.startswith(("\\\\", "//")):
        raise KnownError(
            f"The database {text} is on a network share. SQLite's WAL mode needs a local "
            "disk: choose a local path with --db."
        )
