"""The package registry: every build of a provisioning package, and the devices it provisioned."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from app.domain import Device, PackageBuild
from app.store.base import StoreBase, nocase
from app.store.devices import DEVICE_COLUMNS, device_from_row

_COLUMNS = (
    "id",
    "package_id",
    "name",
    "version",
    "owner",
    "rank",
    "created_at",
    "created_by",
    "form",
    "encrypted",
    "signer_key_id",
    "sha256",
    "output",
    "token_expires",
    "token_account",
    "token_account_confirmed",
    "state",
)
_SELECT = ", ".join(f"p.{c}" for c in _COLUMNS)
_DEVICES = "(SELECT count(*) FROM devices d WHERE d.package_build = p.id)"


def _build(row: Sequence[Any]) -> PackageBuild:
    values = dict(zip((*_COLUMNS, "devices"), row, strict=True))
    values["encrypted"] = bool(values["encrypted"])
    values["token_account_confirmed"] = bool(values["token_account_confirmed"])
    return PackageBuild(**values)


class PackageMixin(StoreBase):
    def insert_package_build(self, row: dict[str, object]) -> int:
        """Record one build (every column but `id`; `state` defaults to built); call inside
        the audit's transaction."""
        defaulted = ("state", "token_account_confirmed")  # the schema's defaults stand
        columns = [c for c in _COLUMNS if c != "id" and (c not in defaulted or c in row)]
        cursor = self.conn.execute(
            f"INSERT INTO packages ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            [row[c] for c in columns],
        )
        return int(cursor.lastrowid or 0)

    def finish_package_build(self, build_id: int, row: dict[str, object]) -> bool:
        """Mark a 'building' row built with what the build wrote; False if it is no longer
        'building' (a sweep took it for a crashed build). Call inside the audit's
        transaction."""
        columns = [c for c in _COLUMNS if c in row and c not in ("id", "state")]
        cursor = self.conn.execute(
            f"UPDATE packages SET {', '.join(f'{c} = ?' for c in columns)}, state = 'built' "
            "WHERE id = ? AND state = 'building'",
            [*(row[c] for c in columns), build_id],
        )
        return cursor.rowcount == 1

    def forget_package_build(self, build_id: int) -> None:
        """Remove the intent of a build that failed cleanly (nothing of it is left)."""
        self.conn.execute("DELETE FROM packages WHERE id = ? AND state = 'building'", [build_id])

    def mark_package_unfinished(self, build_id: int) -> bool:
        """A build whose process died: kept in the registry, marked; False if it had ended."""
        cursor = self.conn.execute(
            "UPDATE packages SET state = 'unfinished' WHERE id = ? AND state = 'building'",
            [build_id],
        )
        return cursor.rowcount == 1

    def package_builds_in_progress(self) -> list[PackageBuild]:
        rows = self.conn.execute(
            f"SELECT {_SELECT}, {_DEVICES} FROM packages p WHERE p.state = 'building' ORDER BY p.id"
        )
        return [_build(r) for r in rows]

    def package_builds(self, *, limit: int = 500) -> list[PackageBuild]:
        """Newest first, with the number of devices each provisioned."""
        rows = self.conn.execute(
            f"SELECT {_SELECT}, {_DEVICES} FROM packages p ORDER BY p.id DESC LIMIT ?", [limit]
        )
        return [_build(r) for r in rows]

    def built_outputs(self, outputs: Iterable[str]) -> set[str]:
        """Which of `outputs` the registry lists as built (committed), however many builds
        it holds."""
        rows = self.conn.execute(
            "SELECT output FROM packages WHERE state = 'built' "
            "AND output IN (SELECT value FROM json_each(?))",
            [json.dumps(list(outputs))],
        )
        return {output for (output,) in rows}

    def package_build(self, build_id: int) -> PackageBuild | None:
        row = self.conn.execute(
            f"SELECT {_SELECT}, {_DEVICES} FROM packages p WHERE p.id = ?", [build_id]
        ).fetchone()
        return None if row is None else _build(row)

    def package_build_by_version(self, name: str, version: str) -> PackageBuild | None:
        row = self.conn.execute(
            f"SELECT {_SELECT}, {_DEVICES} FROM packages p WHERE p.name = ? AND p.version = ?",
            [name, version],
        ).fetchone()
        return None if row is None else _build(row)

    def package_versions(self, names: Sequence[str]) -> dict[str, list[str]]:
        """Every version built under each of `names`, by the name as given (names compared
        without case, as the registry compares them: ASCII letters only, like NOCASE)."""
        found: dict[bytes, list[str]] = {}
        rows = self.conn.execute(
            "SELECT name, version FROM packages WHERE name IN (SELECT value FROM json_each(?))",
            [json.dumps(list(names))],
        )
        for name, version in rows:
            found.setdefault(nocase(name), []).append(str(version))
        return {name: found.get(nocase(name), []) for name in names}

    def set_device_package(self, device_id: int, build_id: int | None) -> None:
        self.conn.execute(
            "UPDATE devices SET package_build = ? WHERE id = ?", [build_id, device_id]
        )

    def devices_of_package(self, build_id: int, *, limit: int = 1000) -> list[Device]:
        columns = ", ".join(DEVICE_COLUMNS)
        rows = self.conn.execute(
            f"SELECT {columns} FROM devices WHERE package_build = ? ORDER BY serial LIMIT ?",
            [build_id, limit],
        )
        return [device_from_row(r) for r in rows]
