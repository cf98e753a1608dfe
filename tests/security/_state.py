"""What the state attacks share: a keyring double, the attacker's first moves on a database,
and the CLI run in this process."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import keyring
from click.testing import CliRunner

from app.cli import cli
from app.store import Store
from tests.helpers.vault import MemoryKeyring

TRIGGERS = {
    "audit_no_update": "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit "
    "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END",
    "audit_no_delete": "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit "
    "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END",
}


@contextmanager
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


@contextmanager
def behind_joinerys_back(db_path: Path) -> Iterator[sqlite3.Connection]:
    """A plain connection with the append-only triggers dropped, restored on the way out:
    what someone holding the database file does."""
    conn = sqlite3.connect(db_path, isolation_level=None)
    try:
        for name in TRIGGERS:
            conn.execute(f"DROP TRIGGER {name}")
        yield conn
        for sql in TRIGGERS.values():
            conn.execute(sql)
    finally:
        conn.close()


def fill(store: Store, count: int, *, actor: str = "ada") -> None:
    for i in range(count):
        with store.transaction():
            store.append_audit(actor, "operator.create", f"tech{i}", {"role": "technician"})


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr
