"""Another local user copying the database (finding 11).

The data folder was created 0755 and the database, its -wal and -shm 0644: any local user could
copy them and try every 6-digit PIN offline. The folder is now 0700 and every file Joinery
writes there 0600; an existing database that others may read is tightened, with a warning.
"""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest

from app import paths, services
from app.store import Store
from app.store.audit import AuditQuery
from tests.helpers.actors import ADMIN
from tests.security._state import fill


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_data_folder_the_database_and_exports_are_private(tmp_path: Path) -> None:
    db = paths.default_db_path()
    assert not paths.data_dir().exists()
    with Store.open(db) as store:
        fill(store, 1)  # a write: the -wal file exists from here on
        files = [db, Path(f"{db}-wal"), Path(f"{db}-shm")]
        assert all(f.exists() for f in files)
        assert {f.name: oct(mode(f)) for f in files} == {f.name: "0o600" for f in files}
        export = tmp_path / "out" / "audit.csv"
        services.export_audit(store, export, AuditQuery(), actor=ADMIN)
        assert oct(mode(export)) == "0o600"  # (already so before: written through mkstemp)
    assert oct(mode(paths.data_dir())) == "0o700"
    assert oct(mode(paths.data_dir() / "keys")) == "0o700"


def test_a_database_elsewhere_gets_a_private_folder_and_files(tmp_path: Path) -> None:
    db = tmp_path / "bench" / "kiosk.db"
    with Store.open(db) as store:
        fill(store, 1)
        for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
            assert oct(mode(path)) == "0o600", path
    assert oct(mode(db.parent)) == "0o700"


def test_an_existing_readable_database_is_tightened_with_a_warning(
    db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with Store.open(db_path) as store:
        fill(store, 1)
    db_path.chmod(0o644)
    with caplog.at_level(logging.WARNING), Store.open(db_path):
        pass
    warning = " ".join(r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING)
    assert str(db_path) in warning
    assert "other users" in warning and "PIN" in warning
    assert oct(mode(db_path)) == "0o600"


def test_the_kiosk_log_is_private() -> None:
    from ui.launch import log_path, start_logging

    root = logging.getLogger()
    before = list(root.handlers)
    level = root.level
    try:
        start_logging()
        logging.getLogger("joinery.test").warning("written to the kiosk log")
        for handler in root.handlers:
            handler.flush()
        assert log_path().exists()
        assert oct(mode(log_path())) == "0o600"
        assert oct(mode(log_path().parent)) == "0o700"
    finally:
        for handler in set(root.handlers) - set(before):
            root.removeHandler(handler)
            handler.close()
        root.setLevel(level)


def test_the_windows_acl_grants_the_user_and_system_only() -> None:
    """Untestable here beyond its command: icacls drops inherited entries, then grants two."""
    from app.security import private

    where = Path("C:/Users/kiosk/AppData/Local/Joinery")
    folder = private.windows_acl_command(where, "BENCH\\kiosk", folder=True)
    assert folder == [
        "icacls",
        str(where),
        "/inheritance:r",
        "/grant:r",
        "BENCH\\kiosk:(OI)(CI)F",
        "/grant:r",
        "*S-1-5-18:(OI)(CI)F",
        "/q",
    ]
    file = private.windows_acl_command(Path("joinery.db"), "BENCH\\kiosk", folder=False)
    assert file[4:7] == ["BENCH\\kiosk:F", "/grant:r", "*S-1-5-18:F"]
