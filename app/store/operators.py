"""Operator accounts: names, roles, Argon2id PIN hashes and sign-in back-off."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.store.base import StoreBase

_COLUMNS = "id, name, role, secret_hash, failures, locked_until, disabled, created_at"


@dataclass(frozen=True)
class OperatorRow:
    id: int
    name: str
    role: str
    secret_hash: str
    failures: int
    locked_until: str | None
    disabled: bool
    created_at: str


def _row(r: Sequence[Any]) -> OperatorRow:
    return OperatorRow(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6]), r[7])


class OperatorMixin(StoreBase):
    def operator(self, name: str) -> OperatorRow | None:
        row = self.conn.execute(
            f"SELECT {_COLUMNS} FROM operators WHERE name = ?", [name.strip()]
        ).fetchone()
        return _row(row) if row else None

    def operators(self) -> list[OperatorRow]:
        rows = self.conn.execute(f"SELECT {_COLUMNS} FROM operators ORDER BY name")
        return [_row(r) for r in rows]

    def count_operators(self, role: str | None = None) -> int:
        if role is None:
            return int(self.conn.execute("SELECT count(*) FROM operators").fetchone()[0])
        row = self.conn.execute(
            "SELECT count(*) FROM operators WHERE role = ? AND NOT disabled", [role]
        ).fetchone()
        return int(row[0])

    def insert_operator(self, name: str, role: str, secret_hash: str, at: str) -> int:
        cursor = self.conn.execute(
            "INSERT INTO operators (name, role, secret_hash, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [name, role, secret_hash, at, at],
        )
        return int(cursor.lastrowid or 0)

    def set_operator_attempts(
        self, operator_id: int, failures: int, locked_until: str | None, disabled: bool, at: str
    ) -> None:
        self.conn.execute(
            "UPDATE operators SET failures = ?, locked_until = ?, disabled = ?, updated_at = ? "
            "WHERE id = ?",
            [failures, locked_until, int(disabled), at, operator_id],
        )

    def stranger_attempts(self, name: str) -> tuple[int, str | None, bool]:
        """(failures, locked until, disabled) of a name that is no operator."""
        row = self.conn.execute(
            "SELECT failures, locked_until, disabled FROM sign_in_attempts WHERE name = ?",
            [name],
        ).fetchone()
        return (0, None, False) if row is None else (int(row[0]), row[1], bool(row[2]))

    def set_stranger_attempts(
        self, name: str, failures: int, locked_until: str | None, disabled: bool, at: str
    ) -> None:
        self.conn.execute(
            "INSERT INTO sign_in_attempts (name, failures, locked_until, disabled, updated_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET failures = excluded.failures, "
            "locked_until = excluded.locked_until, disabled = excluded.disabled, "
            "updated_at = excluded.updated_at",
            [name, failures, locked_until, int(disabled), at],
        )

    def forget_stranger(self, name: str) -> None:
        """A name becomes an operator: its attempts as a stranger no longer count."""
        self.conn.execute("DELETE FROM sign_in_attempts WHERE name = ?", [name])

    def set_operator_secret(self, operator_id: int, secret_hash: str, at: str) -> None:
        self.conn.execute(
            "UPDATE operators SET secret_hash = ?, failures = 0, locked_until = NULL, "
            "disabled = 0, updated_at = ? WHERE id = ?",
            [secret_hash, at, operator_id],
        )
