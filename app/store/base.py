"""Connections, pragmas, transactions and migrations: the part every store mixin shares."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import fields
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from app import paths
from app.errors import JoineryError, KnownError, SchemaTooNewError, from_environment
from app.security import private
from app.store.schema import SCHEMA_VERSION, migrations, number_of

if TYPE_CHECKING:
    from sqlite_utils import Database

log = logging.getLogger(__name__)


def nocase(text: str) -> bytes:
    """`text` as SQLite's NOCASE collation compares it: ASCII letters folded, nothing else
    (bytes.lower folds ASCII only), for matching rows a `col IN (...)` query returned."""
    return text.encode("utf-8", "surrogatepass").lower()


def columns_of(record: Any) -> tuple[str, ...]:
    """The columns a dataclass is read from, in its fields' order (its fields are named
    after the columns): one list, so a SELECT and the record cannot drift apart."""
    return tuple(f.name for f in fields(record))


# sqlite3 binds None through its adapter lookup, which, finding no adapter, raises and
# clears two AttributeErrors to ask the object how to adapt itself: 0.3 s of 100,000
# imported devices (thirteen NULL columns a row). Found at once, the lookup binds NULL.
sqlite3.register_adapter(type(None), lambda value: value)

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
    "PRAGMA recursive_triggers = ON",  # as sqlite-utils sets it, before its first use
)


class StoreBase:
    """One SQLite connection, owned by the thread that opened it."""

    def __init__(self, conn: sqlite3.Connection, path: str) -> None:
        self.conn = conn
        self.path = path
        self._after_commit: dict[str, Callable[[], None]] = {}

    @classmethod
    def open(cls, path: str | Path, *, migrate: bool = True) -> Self:
        """Open (creating if needed) and bring the schema up to date."""
        target = str(path)
        if target != ":memory:":
            _check_local_path(Path(target))
            try:
                _private_files(Path(target))
            except OSError as exc:
                raise KnownError(
                    f"Cannot create the database {target} or its folder: {exc.strerror}. "
                    "Choose a folder you may write with --db."
                ) from exc
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

    @cached_property
    def db(self) -> Database:
        """sqlite-utils on this connection, loaded on first use: a kiosk that starts and
        only reads (the sign-in screen) does not import it."""
        from sqlite_utils import Database

        # No sqlite-utils plugins: any installed package could register one to run on every
        # connection, and looking them up read every package's metadata (~20 ms a start).
        return Database(self.conn, recursive_triggers=False, execute_plugins=False)

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
        self._after_commit.clear()
        try:
            yield self.db
        except BaseException:
            self._after_commit.clear()
            self._rollback()
            raise
        try:
            self.conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            self._after_commit.clear()
            self._rollback()
            # Busy, or the disk is full: said as what it is (from_environment tells them apart).
            raise (from_environment(exc, self.path) or _busy(self.path, exc)) from exc
        self._run_after_commit()

    def after_commit(self, name: str, action: Callable[[], None]) -> None:
        """Run `action` once the current transaction has committed (never if it rolls back);
        one action per `name`, however often it is asked for within the transaction."""
        self._after_commit[name] = action

    def _run_after_commit(self) -> None:
        actions = list(self._after_commit.values())
        self._after_commit.clear()
        for action in actions:
            try:
                action()
            except (JoineryError, OSError) as exc:
                # The change is committed: say what could not follow it, don't undo it.
                log.warning("after saving to %s: %s", self.path, exc)

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
        if self.schema_version == SCHEMA_VERSION and not migrations.pending_names(self.conn):
            return  # the usual open: checked with plain SQL, sqlite-utils not loaded
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


def _private_files(db: Path) -> None:
    """A new database (and so its -wal and -shm, which SQLite gives the database's mode) is
    0600 in a 0700 folder; an existing one others may read is tightened, with a warning.

    Another local user who copies the database can try every 6-digit PIN offline.
    """
    folder = db.parent
    if folder.absolute() == paths.data_dir().absolute():
        private.make_own_folder(folder)
    else:
        private.make_folder(folder)
    if not db.exists():
        private.create_file(db)
        return
    readable = private.others_may_read(db)
    tightened = [p for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")) if private.tighten(p)]
    if readable and db in tightened:
        log.warning(
            "The database %s was readable by other users of this computer: any of them could "
            "have copied it and tried every PIN offline. It is now private to you (0600). If "
            "that may have happened, give every operator a new PIN (joinery operator "
            "reset-pin NAME).",
            db,
        )
    elif readable:
        log.warning(
            "The database %s is readable by other users of this computer, who could copy it "
            "and try every PIN offline, and it is not yours to change: ask its owner to make "
            "it private (chmod 600).",
            db,
        )


def _check_local_path(path: Path) -> None:
    # WAL needs shared memory on one host: a database on a network share can corrupt.
    text = str(path)
    if text.startswith(("\\\\", "//")):
        raise KnownError(
            f"The database {text} is on a network share. SQLite's WAL mode needs a local "
            "disk: choose a local path with --db."
        )
