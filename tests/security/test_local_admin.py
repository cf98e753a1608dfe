"""Who the CLI's "local administrator" is (finding 13).

The owner check let a folder owned by root stand for every user: with the database in
/srv/joinery (root's), any local user running `joinery` was its local administrator. It also
accepted a folder others may write, where anyone can swap the database for their own.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.store import Store
from tests.security._state import run

A_USER = 4242  # an ordinary account that owns nothing here


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX owners")
def test_a_folder_owned_by_root_does_not_make_every_user_the_administrator(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "srv-joinery"
    folder.mkdir(mode=0o755)
    if os.geteuid() == 0:
        os.chown(folder, 0, 0)
    elif folder.stat().st_uid != 0:
        pytest.skip("making a root-owned folder needs root")
    db = folder / "joinery.db"
    Store.open(db).close()
    monkeypatch.setattr(os, "getuid", lambda: A_USER)
    monkeypatch.setattr(os, "geteuid", lambda: A_USER)
    code, out, err = run("--db", str(db), "devices", "list", "--json")
    assert code == 1, out
    assert "another user" in err and "--operator" in err


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX modes")
@pytest.mark.parametrize("mode", [0o777, 0o1777, 0o703], ids=oct)
def test_a_folder_others_may_write_is_refused(tmp_path: Path, mode: int) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    db = folder / "joinery.db"
    Store.open(db).close()
    folder.chmod(mode)
    code, out, err = run("--db", str(db), "devices", "list", "--json")
    assert code == 1, out
    assert "other users may write" in err.lower()
    assert str(folder) in err


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX owners")
def test_a_folder_a_shared_group_may_write_is_refused(tmp_path: Path) -> None:
    """Group-writable is refused too, unless the group is the user's own private group."""
    if os.geteuid() != 0:
        pytest.skip("giving a folder to another group needs root")
    folder = tmp_path / "shared"
    folder.mkdir()
    db = folder / "joinery.db"
    Store.open(db).close()
    os.chown(folder, os.getuid(), A_USER)  # a group the user does not own alone
    folder.chmod(0o770)
    code, out, err = run("--db", str(db), "devices", "list", "--json")
    assert code == 1, out
    assert "other users may write" in err.lower()


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX owners")
def test_a_database_owned_by_someone_else_is_refused(tmp_path: Path) -> None:
    """The folder is the user's, but the database in it was put there by another account."""
    db = tmp_path / "joinery.db"
    Store.open(db).close()
    if os.geteuid() != 0:
        pytest.skip("giving a file away needs root")
    os.chown(db, A_USER, A_USER)
    code, out, err = run("--db", str(db), "devices", "list", "--json")
    assert code == 1, out
    assert "another user" in err
