"""Finding 9: `autopilot export` wrote every file before its audit entry.

The attack: hold the database's write lock (another process, or a crafted slow writer)
while an operator exports. The export wrote 10,050 hardware hashes to disk, then failed to
audit them, and left them there: sensitive data out, and no trace of it. Now the intent is
audited first (a locked database stops the export before a file is written), the files are
written, then the outcome; when that last entry fails, the files are removed.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from app import demo, services
from app.errors import KnownError
from app.store import Store
from app.store import base as store_base
from tests.helpers.actors import ADMIN

DEVICES = 1200  # three files of at most 500


@pytest.fixture
def fleet(store: Store, tmp_path: Path) -> Store:
    source = tmp_path / "hashes.csv"
    source.write_bytes(demo.capture_csv(demo.autopilot_rows(DEVICES, seed=9)))
    services.import_autopilot(store, [source], actor=ADMIN)
    return store


def _exported(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.csv")) + sorted(folder.glob(".*.tmp")) if folder.exists() else []


def test_a_locked_database_stops_the_export_before_a_file_is_written(
    fleet: Store, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_base, "BEGIN_ATTEMPTS", 1)
    fleet.conn.execute("PRAGMA busy_timeout = 50")
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock for the whole export
    try:
        with pytest.raises(KnownError, match="busy"):
            services.export_autopilot(fleet, tmp_path / "usb", actor=ADMIN)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert _exported(tmp_path / "usb") == []


def test_when_the_outcome_cannot_be_audited_the_files_are_removed(
    fleet: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = fleet.append_audit
    calls: list[str] = []

    def append(actor: str, action: str, *args: object, **kwargs: object) -> int:
        calls.append(action)
        if len(calls) > 1:  # the entry after the files were written
            raise KnownError("The database is busy (database is locked)")
        return real(actor, action, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(fleet, "append_audit", append)
    with pytest.raises(KnownError):
        services.export_autopilot(fleet, tmp_path / "usb", actor=ADMIN)
    assert _exported(tmp_path / "usb") == []


def test_an_export_is_audited_before_and_after(fleet: Store, tmp_path: Path) -> None:
    report = services.export_autopilot(fleet, tmp_path / "usb", actor=ADMIN)
    assert len(report.files) == 3
    actions = [e.action for e in fleet.audit_entries() if e.action.startswith("autopilot.export")]
    assert actions == ["autopilot.export", "autopilot.export.start"]  # newest first
