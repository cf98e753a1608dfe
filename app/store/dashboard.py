"""Reads behind the Fleet dashboard: each is a counter, an index range or a tiny table."""

from __future__ import annotations

import json

from app.store.base import StoreBase


class DashboardMixin(StoreBase):
    def snapshots_since(self, date: str) -> list[tuple[str, dict[str, int]]]:
        """(date, states) of every daily snapshot on or after `date`, oldest first."""
        rows = self.conn.execute(
            "SELECT date, states FROM fleet_snapshots WHERE date >= ? ORDER BY date", [date]
        ).fetchall()
        return [(str(d), {k: int(v) for k, v in json.loads(s).items()}) for d, s in rows]

    def enrolled_per_day(self, since: str) -> dict[str, int]:
        """Enrollments per UTC day from `since` (ISO time) on: a range of one index."""
        rows = self.conn.execute(
            "SELECT substr(enrolled_at, 1, 10), count(*) FROM devices "
            "WHERE enrolled_at >= ? GROUP BY 1",
            [since],
        ).fetchall()
        return {str(day): int(n) for day, n in rows}
