"""Typed errors. `ui/` and the CLI turn these into messages; anything else is a bug."""

from __future__ import annotations

import errno
import sqlite3
from dataclasses import asdict, dataclass


class JoineryError(Exception):
    """Base of every error Joinery raises on purpose."""

    @property
    def message(self) -> str:
        """What happened, in one sentence (without the list of problems)."""
        return str(self.args[0]) if self.args else type(self).__name__

    def details(self) -> dict[str, object]:
        """Facts beside the message, for a `--json` refusal (`{"error": message, ...}`)."""
        return {}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one place in an input file."""

    file: str
    line: int | None
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.column:
            where += f", column {self.column!r}"
        return f"{where}: {self.reason}"

    def as_json(self) -> dict[str, object]:
        """As a report lists it: file, line, column, reason."""
        return {"file": self.file, "line": self.line, "column": self.column, "reason": self.reason}


class InputError(JoineryError):
    """A file, field or argument was rejected; says where and why."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems: list[Problem] = list(problems or [])

    def details(self) -> dict[str, object]:
        if not self.problems:
            return {}
        return {"problems": [asdict(problem) for problem in self.problems]}

    def __str__(self) -> str:
        base = super().__str__()
        if not self.problems:
            return base
        shown = "\n".join(f"  {p}" for p in self.problems[:20])
        more = len(self.problems) - 20
        tail = f"\n  ... and {more} more" if more > 0 else ""
        return f"{base}\n{shown}{tail}"


class TargetNotEmpty(InputError):
    """An export would replace files from an earlier one; the caller may ask, then overwrite."""


class KnownError(JoineryError):
    """The environment's fault (locked or newer database, full disk): shown to the user."""


class SchemaTooNewError(KnownError):
    """The database was written by a newer Joinery than this one."""


class Cancelled(JoineryError):
    """The operator cancelled a long job; nothing it started was kept."""


class DatabaseDamaged(KnownError):
    """SQLite says the database file is malformed or is not a database."""


class DiskFull(KnownError):
    """A write ran out of space (or quota); what it wrote was removed or rolled back."""


# The environment's faults that a file operation reports as OSError: told to the person, not
# shown as a bug. Other OSErrors (a wrong path built by the code) stay bugs.
_FILE_FAULTS = {
    errno.ENOSPC: "no space is left on the disk",
    errno.EDQUOT: "the disk quota is used up",
    errno.EROFS: "the disk is read-only",
    errno.EIO: "the disk reported an input/output error",
    errno.EACCES: "permission was denied",
    errno.EPERM: "the operation is not permitted",
    errno.EFBIG: "the file is too large for the disk",
}


def from_environment(exc: BaseException, database: str | None = None) -> KnownError | None:
    """The typed error for a fault of the disk or the database file, or None if `exc` is not
    one (then it is a bug). `database` names the database file in the message."""
    db = database or "the database"
    if isinstance(exc, sqlite3.OperationalError):
        text = str(exc)
        if "full" in text:
            return DiskFull(
                f"The disk holding {db} is full ({text}): nothing was saved. Free some "
                "space, then try again."
            )
        if "locked" in text or "busy" in text:
            return KnownError(
                f"The database {db} is busy ({text}): another Joinery window or command is "
                "writing to it. Wait a moment and try again."
            )
        return KnownError(
            f"The database {db} cannot be used ({text}): nothing was saved. Check the disk "
            "and the file's permissions, or choose another database with --db."
        )
    if isinstance(exc, sqlite3.DatabaseError):
        return DatabaseDamaged(
            f"The database {db} is damaged ({exc}): nothing was changed. Restore it from a "
            "backup, or choose another database with --db; keep the damaged file for a "
            "bug report."
        )
    if isinstance(exc, OSError) and exc.errno in _FILE_FAULTS:
        where = f" {exc.filename}" if exc.filename else ""
        reason = _FILE_FAULTS[exc.errno]
        said = f" ({exc.strerror})" if exc.strerror else ""
        if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            return DiskFull(
                f"Cannot write{where}: {reason}{said}. Free some space, then try again."
            )
        return KnownError(f"Cannot use{where}: {reason}{said}. Fix that, then try again.")
    return None
