"""A cart killed (-9) after its packages are built but before its transaction commits: the
registry rows roll back, so only the cart's crash record names the packages. Before, the
record was deleted when the builds ended, ahead of the audit entry, the manifest and the
commit: a kill there left working bundles that nothing named and no sweep removed. Now the
record lasts until the commit, and the next sweep removes them; an error there (not a kill)
removes them at once."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from app import leftovers
from app.services import device_files
from app.services.sweeps import sweep_unfinished
from app.store import Store
from tests.helpers.device_files import ADA, FAST, PASSWORD, Enroll
from tests.security.files_support import spawn

_KILLED = """
import os, signal, sys
from pathlib import Path
from app import services
from app.security import vault
from app.services import device_files
from app.store import Store
from tests.helpers.device_files import ADA, FAST, PASSWORD
from tests.helpers.vault import FAST_KDF

vault.KDF_COST = dict(FAST_KDF)
where, db, out, *serials = sys.argv[1:]
real = getattr(device_files, where)


def killed(*args, **kwargs):
    if where == "_seal" or Path(args[0]).name == "manifest.json":
        os.kill(os.getpid(), signal.SIGKILL)  # kill -9: no finally, no rollback handler runs
    return real(*args, **kwargs)


setattr(device_files, where, killed)
with Store.open(db) as store:
    services.write_device_files(
        store, serials, Path(out), actor=ADA, password=PASSWORD, kdf_cost=FAST
    )
"""


def _bundles(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*.jbundle"))


@pytest.mark.parametrize(
    "where",
    [
        "_seal",  # the builds are done: before the cart's audit entry
        "atomic_write",  # the audit entry written, the signed manifest being written
    ],
)
def test_a_cart_killed_before_its_commit_leaves_no_unregistered_package(
    bench: Store, enroll: Enroll, tmp_path: Path, db_path: Path, where: str
) -> None:
    serials = enroll(2)
    out = tmp_path / "cart"
    child = spawn([where, str(db_path), str(out), *serials], script=_KILLED)
    _stdout, stderr = child.communicate(timeout=120)
    assert child.returncode == -signal.SIGKILL, stderr.decode(errors="replace")
    assert len(_bundles(out)) == 2, "no package was built before the kill: no crash window"
    assert not any(b.name.startswith("Device ") for b in bench.package_builds())  # rolled back
    left = list(leftovers.records("build"))
    for _path, _record, fd in left:
        leftovers.release(fd)
    assert len(left) == 1, "the dead cart left no crash record naming its packages"
    assert len(left[0][1]["outputs"]) == 2

    sweep_unfinished(bench, actor=ADA)  # what the kiosk's next start (or build) does
    assert _bundles(out) == []
    assert list(leftovers.records("build", include_live=True)) == []


def test_a_cart_failing_before_its_commit_removes_its_packages(
    bench: Store, enroll: Enroll, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    serials = enroll(2)
    out = tmp_path / "cart"

    def failing(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(device_files, "_seal", failing)
    with pytest.raises(OSError, match="No space left"):
        device_files.write_device_files(
            bench, serials, out, actor=ADA, password=PASSWORD, kdf_cost=FAST
        )
    assert not any(b.name.startswith("Device ") for b in bench.package_builds())
    assert _bundles(out) == []  # the rows rolled back: the packages went with them
    assert list(leftovers.records("build", include_live=True)) == []


def test_a_committed_cart_keeps_its_packages_and_no_record(
    bench: Store, enroll: Enroll, tmp_path: Path
) -> None:
    serials = enroll(2)
    out = tmp_path / "cart"
    device_files.write_device_files(
        bench, serials, out, actor=ADA, password=PASSWORD, kdf_cost=FAST
    )
    assert len(_bundles(out)) == 2
    assert list(leftovers.records("build", include_live=True)) == []
    sweep_unfinished(bench, actor=ADA)
    assert len(_bundles(out)) == 2
    built = [b for b in bench.package_builds() if b.name.startswith("Device ")]
    assert [b.state for b in built] == ["built", "built"]


def test_a_failed_cart_that_cannot_clean_up_leaves_its_record_to_the_sweep(
    bench: Store, enroll: Enroll, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.services import packages

    serials = enroll(1)
    out = tmp_path / "cart"

    def failing(*_args: object) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(device_files, "_seal", failing)
    monkeypatch.setattr(packages, "_remove_unregistered", failing)
    with pytest.raises(OSError, match="Input/output"):
        device_files.write_device_files(
            bench, serials, out, actor=ADA, password=PASSWORD, kdf_cost=FAST
        )
    assert len(_bundles(out)) == 1
    left = list(leftovers.records("build"))  # unlocked: this process is done with it
    for _path, _record, fd in left:
        leftovers.release(fd)
    assert len(left) == 1
    sweep_unfinished(bench, actor=ADA)
    assert _bundles(out) == []
    assert list(leftovers.records("build", include_live=True)) == []


def test_a_device_failing_mid_cart_with_its_folder_locked_has_its_package_removed(
    bench: Store, enroll: Enroll, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One device fails after its package is built, and its folder cannot be removed (an
    antivirus holding the bundle, on Windows); the cart seals the devices before it and
    ends. Before, it ended as a success for the crash record, which went with the bundle
    it named still on disk and in no registry row: nothing would ever remove it."""
    serials = enroll(2)
    out = tmp_path / "cart"
    fail_the_readme_of(serials[1], monkeypatch)
    monkeypatch.setattr(device_files.shutil, "rmtree", lambda *_a, **_k: None)  # locked
    with pytest.raises(OSError, match="No space left"):
        device_files.write_device_files(
            bench, serials, out, actor=ADA, password=PASSWORD, kdf_cost=FAST
        )
    built = [b.name for b in bench.package_builds() if b.name.startswith("Device ")]
    assert built == [f"Device {serials[0]}"]
    assert [Path(p).parent.name for p in _bundle_paths(out)] == [serials[0]]
    assert list(leftovers.records("build", include_live=True)) == []


def _bundle_paths(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.jbundle"))


def fail_the_readme_of(serial: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The device `serial` fails as its README is written: after its package is built."""
    real = device_files._readme

    def failing(plan: device_files._Plan, *args: object) -> bytes:
        if plan.serial == serial:
            raise OSError(28, "No space left on device")
        return real(plan, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(device_files, "_readme", failing)


def test_a_cart_failing_at_its_first_device_leaves_the_folders_it_never_reached(
    bench: Store, enroll: Enroll, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Replacing a cart another database wrote (its packages at the very paths this one
    plans): the first device fails, and the devices after it keep their folders. Before,
    every output the cart planned and the registry did not list was removed, reached or
    not."""
    serials = enroll(3)
    out = tmp_path / "cart"
    device_files.write_device_files(
        bench, serials, out, actor=ADA, password=PASSWORD, kdf_cost=FAST
    )
    before = _bundle_paths(out)
    bench.conn.execute("DELETE FROM packages")  # another database: these are not its builds
    fail_the_readme_of(serials[0], monkeypatch)
    with pytest.raises(OSError, match="No space left"):
        device_files.write_device_files(
            bench, serials, out, actor=ADA, password=PASSWORD, kdf_cost=FAST, replace=True
        )
    assert _bundle_paths(out) == before  # the first device's old folder was put back
    assert list(leftovers.records("build", include_live=True)) == []


def test_the_sweep_keeps_a_registered_package_however_old(
    bench: Store, enroll: Enroll, tmp_path: Path
) -> None:
    """The registry was read for its newest 500 builds only: a cart of more than 500 killed
    between its commit and its record's removal would have lost its first packages."""
    from app.services.sweeps import _remove_unregistered

    serials = enroll(1)
    out = tmp_path / "cart"
    device_files.write_device_files(
        bench, serials, out, actor=ADA, password=PASSWORD, kdf_cost=FAST
    )
    (bundle,) = _bundle_paths(out)
    (first,) = [b for b in bench.package_builds() if b.name.startswith("Device ")]
    cursor = bench.conn.execute("SELECT * FROM packages WHERE id = ?", [first.id])
    row = dict(zip([c[0] for c in cursor.description], cursor.fetchone(), strict=True))
    with bench.transaction():
        for n in range(500):  # newer builds than it
            later = {**row, "name": f"Later {n}", "output": str(tmp_path / f"later-{n}")}
            later.pop("id")
            bench.conn.execute(
                f"INSERT INTO packages ({', '.join(later)}) VALUES ({', '.join('?' * len(later))})",
                list(later.values()),
            )
    _remove_unregistered(bench, [str(bundle), str(tmp_path / "never-registered")])
    assert bundle.exists()


def test_a_failed_carts_record_left_to_the_sweep_names_only_what_it_started(
    bench: Store, enroll: Enroll, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The record kept for the sweep listed every output the cart planned: the sweep then
    removed the packages of devices the cart never reached (another database's, at the
    same paths)."""
    from app.services import packages

    serials = enroll(3)
    out = tmp_path / "cart"
    device_files.write_device_files(
        bench, serials, out, actor=ADA, password=PASSWORD, kdf_cost=FAST
    )
    bench.conn.execute("DELETE FROM packages")  # another database: these are not its builds
    fail_the_readme_of(serials[0], monkeypatch)
    rmtree, remove = device_files.shutil.rmtree, packages._remove_unregistered
    monkeypatch.setattr(device_files.shutil, "rmtree", lambda *_a, **_k: None)  # locked

    def cannot(*_args: object) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(packages, "_remove_unregistered", cannot)
    with pytest.raises(OSError, match="No space left"):
        device_files.write_device_files(
            bench, serials, out, actor=ADA, password=PASSWORD, kdf_cost=FAST, replace=True
        )
    monkeypatch.setattr(device_files.shutil, "rmtree", rmtree)  # unlocked again
    monkeypatch.setattr(packages, "_remove_unregistered", remove)
    left = list(leftovers.records("build"))
    for _path, _record, fd in left:
        leftovers.release(fd)
    (record,) = [r for _p, r, _f in left]
    assert [Path(o).parent.name for o in record["outputs"]] == [serials[0]]
    sweep_unfinished(bench, actor=ADA)
    folders = [p.parent.name for p in _bundle_paths(out)]
    assert [f for f in folders if not f.startswith(".")] == serials[1:]  # never reached: kept
    assert [f for f in folders if f.startswith(f".{serials[0]}.replaced-")]  # the old, aside
