"""Typed errors. `ui/` and the CLI turn these into messages; anything else is a bug."""

from __future__ import annotations

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
