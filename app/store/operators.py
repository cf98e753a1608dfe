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

    def set_operator_secret(self, operator_id: int, secret_hash: str, at: str) -> None:
        self.conn.execute(
            "UPDATE operators SET secret_hash = ?, failures = 0, locked_until = NULL, "
            "disabled = 0, updated_at = ? WHERE id = ?",
            [secret_hash, at, operator_id],
        )
