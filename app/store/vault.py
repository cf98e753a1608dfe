"""Rows of the secrets vault: wrapped data keys, and settings."""

from __future__ import annotations

from app.store.base import StoreBase
from app.timeutil import now_iso

#: (id, wrapped data key, 'keyring' or 'passphrase', KDF parameters as JSON or None)
VaultKeyRow = tuple[int, str, str, str | None]


class VaultMixin(StoreBase):
    def active_vault_key(self) -> VaultKeyRow | None:
        """The newest data key not retired, or None before the vault's first use."""
        row = self.conn.execute(
            "SELECT id, wrapped, method, kdf FROM vault_keys "
            "WHERE retired_at IS NULL ORDER BY id DESC LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        return int(row[0]), str(row[1]), str(row[2]), None if row[3] is None else str(row[3])

    def next_vault_key_id(self) -> int:
        """The id the next data key will get; stable only inside the caller's transaction.

        The id is known before the insert because the wrapping binds it as associated data.
        """
        row = self.conn.execute("SELECT coalesce(max(id), 0) + 1 FROM vault_keys").fetchone()
        return int(row[0])

    def add_vault_key(
        self, wrapped: str, method: str, kdf: str | None, *, key_id: int | None = None
    ) -> int:
        """Store a wrapped data key; call it inside the transaction that checked for one."""
        cursor = self.conn.execute(
            "INSERT INTO vault_keys (id, wrapped, method, kdf, created_at) VALUES (?, ?, ?, ?, ?)",
            [key_id, wrapped, method, kdf, now_iso()],
        )
        return int(cursor.lastrowid or 0)

    def setting(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
        return None if row is None else str(row[0])

    def set_setting(self, key: str, value: str) -> None:
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )
