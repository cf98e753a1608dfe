"""Bench profiles and the enrollment writes."""

from __future__ import annotations

from app.store.base import StoreBase


class ProfileMixin(StoreBase):
    def profile_answers(self, name: str) -> str | None:
        row = self.conn.execute("SELECT answers FROM profiles WHERE name = ?", [name]).fetchone()
        return str(row[0]) if row else None

    def profile_canonical_name(self, name: str) -> str:
        """The profile's name as saved (lookups ignore case; the vault binds the exact name)."""
        row = self.conn.execute("SELECT name FROM profiles WHERE name = ?", [name]).fetchone()
        return str(row[0]) if row else name

    def profile_wifi_key(self, name: str) -> str | None:
        row = self.conn.execute("SELECT wifi_key FROM profiles WHERE name = ?", [name]).fetchone()
        return None if row is None else row[0]

    def set_profile_wifi_key(self, name: str, token: str | None) -> None:
        self.conn.execute("UPDATE profiles SET wifi_key = ? WHERE name = ?", [token, name])

    def profile_names(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT name FROM profiles ORDER BY name")]

    def save_profile(self, name: str, answers: str, at: str) -> None:
        self.conn.execute(
            "INSERT INTO profiles (name, answers, created_at, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (name) DO UPDATE SET answers = excluded.answers, "
            "updated_at = excluded.updated_at",
            [name, answers, at, at],
        )

    def device_name_taken(self, name: str, *, except_id: int | None = None) -> bool:
        row = self.conn.execute(
            "SELECT 1 FROM devices WHERE device_name = ? AND id IS NOT ? LIMIT 1",
            [name, except_id],
        ).fetchone()
        return row is not None

    def devices_of_user(self, upn: str) -> int:
        row = self.conn.execute(
            "SELECT count(*) FROM devices WHERE assigned_user = ? AND enrollment_status != "
            "'retired'",
            [upn],
        ).fetchone()
        return int(row[0])

    def enrollment_json(self, device_id: int) -> str | None:
        row = self.conn.execute("SELECT enrollment FROM devices WHERE id = ?", [device_id])
        found = row.fetchone()
        return None if found is None else found[0]

    def set_enrollment(self, device_id: int, answers: str) -> None:
        self.conn.execute("UPDATE devices SET enrollment = ? WHERE id = ?", [answers, device_id])
