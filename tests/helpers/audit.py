"""An audit trail to test: entries written, and the append-only triggers dropped."""

from __future__ import annotations

from app.store import Store


def fill(store: Store, count: int) -> None:
    with store.transaction():
        for i in range(count):
            store.append_audit(f"op{i % 7}", f"test.action{i % 5}", f"target-{i}", {"n": i})


def unprotect(store: Store) -> None:
    """What an attacker with the database file does first."""
    store.conn.execute("DROP TRIGGER audit_no_update")
    store.conn.execute("DROP TRIGGER audit_no_delete")
