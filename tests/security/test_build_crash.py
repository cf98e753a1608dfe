"""Finding 19: a crash during `package build` left a finished bundle outside the registry,
or a partial `.tmp`, and nothing said so.

The attack is a crash: `package build` is killed (-9) while it writes the encrypted bundle
(its `.tmp` is on disk). Before: the `.tmp` stayed forever, and a kill after the rename but
before the registry's commit left a signed, working bundle that the registry did not know
(its token could not be found to revoke). Now the build records its intent first (a
'building' row and a pending record); the next build (or the kiosk's start) removes what a
dead build left and marks it unfinished, which the Packages screen shows.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from app import services
from app.store import Store
from tests.helpers.actors import ADMIN
from tests.security.files_support import (
    CANARIES,
    build_args,
    files_holding,
    golden_with,
    keygen,
    kill_when,
    make_project,
    password_file,
    run,
    spawn,
    walk,
)

BIG = 48 * 1024 * 1024


def _writing(out: Path) -> bool:
    return any(p.name.endswith(".tmp") and p.stat().st_size > 0 for p in walk(out))


def _unregistered(out: Path, db: Path) -> list[Path]:
    with Store.open(db) as store:
        built = {
            b.sha256 for b in store.package_builds() if getattr(b, "state", "built") == "built"
        }
    return [
        p
        for p in walk(out)
        if p.name.endswith(".jbundle") and hashlib.sha256(p.read_bytes()).hexdigest() not in built
    ]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = make_project(tmp_path / "project")
    (folder / "payload" / "7z.msi").write_bytes(os.urandom(BIG))
    return folder


def test_a_killed_build_is_swept_and_marked_unfinished(tmp_path: Path, project: Path) -> None:
    keys = keygen(tmp_path / "keys")
    out, db = tmp_path / "out", tmp_path / "j.db"
    pw = password_file(tmp_path)
    child = spawn(["--db", str(db), *build_args(project, out, keys, pw)])
    assert kill_when(child, lambda: out.exists() and _writing(out)), "the build ended first"
    assert any(p.name.endswith(".tmp") for p in walk(out)), "nothing was left: no attack"

    # The next build (version 1.1) runs the sweep first.
    (project / "customizations.xml").write_bytes(golden_with("<Version>1.0<", "<Version>1.1<"))
    result = run(*build_args(project, out, keys, pw), db=db)
    assert result.exit_code == 0, result.stderr
    assert [p.name for p in walk(out) if p.name.endswith(".tmp")] == []
    assert _unregistered(out, db) == []
    assert files_holding(out, CANARIES) == []  # the bundle is encrypted; nothing else is left
    with Store.open(db) as store:
        states = {(b.version, b.state) for b in store.package_builds()}
        assert states == {("1.0", "unfinished"), ("1.1", "built")}
        assert store.audit_entries(action="package.build.unfinished")
        # The interrupted version cannot be built again under the same number.
        listing = {item.build.version: item for item in services.list_packages(store, actor=ADMIN)}
        assert not listing["1.0"].build.built


_KILLED_BEFORE_REGISTERING = """
import os, signal
from app.store.packages import PackageMixin
# The registry's write after the bundle is complete: finish_package_build (a build that
# records its intent first) or insert_package_build (one that wrote first).
name = "finish_package_build"
if not hasattr(PackageMixin, name):
    name = "insert_package_build"
setattr(PackageMixin, name, lambda *args, **kwargs: os.kill(os.getpid(), signal.SIGKILL))
from app.cli import main
main()
"""


def test_a_bundle_finished_but_not_registered_is_removed(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    keys = keygen(tmp_path / "keys")
    out, db = tmp_path / "out", tmp_path / "j.db"
    pw = password_file(tmp_path)
    child = spawn(
        ["--db", str(db), *build_args(project, out, keys, pw)], script=_KILLED_BEFORE_REGISTERING
    )
    child.communicate(timeout=120)
    assert child.returncode == -9
    assert [p.name for p in walk(out) if p.name.endswith(".jbundle")], "no bundle: no attack"

    (project / "customizations.xml").write_bytes(golden_with("<Version>1.0<", "<Version>1.1<"))
    assert run(*build_args(project, out, keys, pw), db=db).exit_code == 0
    assert _unregistered(out, db) == []
