"""Finding 12: hostile files, a damaged database and a full disk crashed the CLI.

Each attack below ended in a Python traceback (exit 1 all the same, but no message a person
can act on, and in one case after its data was committed): JSON nested 100,000 deep in a
policy, a bundle header (read before the signature is checked) or a manifest; a lone
surrogate escape ("\\ud800") in a policy or a check-in report; `ingest --json` printing one
after the commit; an XML declaration naming an encoding Python cannot use; `<Rank>²</Rank>`
("²".isdigit() is true, int("²") raises); a malformed database page; a full disk. Each is
now a typed error, exit 1, with nothing half-written.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from app import demo
from app.compliance.policy import template_text
from tests.security.files_support import (
    DATA,
    GOLDEN,
    build_args,
    cheap_kdf,
    forge,
    golden_with,
    keygen,
    make_project,
    password_file,
    run,
    walk,
)

DEEP = "[" * 100_000 + "]" * 100_000
REPORT = DATA / "collector" / "sample-report.json"
SERIAL = "PF4XK2QZ"  # the sample report's device


@pytest.fixture(autouse=True)
def _cheap(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap_kdf(monkeypatch)


def _count(db: Path, table: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def _policy(tmp_path: Path, **changes: object) -> Path:
    document = json.loads(template_text("baseline"))
    document.update(changes)
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(document), encoding="utf-8")  # ASCII: escapes stay escapes
    return path


# -- JSON ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "policy",
    [
        pytest.param({"newerSetting": "x"}, id="control"),
        pytest.param({"displayName": "Base\ud800line"}, id="lone surrogate in a name"),
        pytest.param({"newerSetting": ["ok", "\udfff"]}, id="lone surrogate kept for Intune"),
    ],
)
def test_policies_with_lone_surrogates_are_refused(
    tmp_path: Path, policy: dict[str, object]
) -> None:
    db = tmp_path / "j.db"
    result = run("policy", "import", str(_policy(tmp_path, **policy)), db=db)
    if "newerSetting" in policy and policy["newerSetting"] == "x":
        assert result.exit_code == 0, result.stderr  # the control: a policy that is fine
        return
    assert result.exit_code == 1 and "surrogate" in result.stderr
    assert _count(db, "compliance_policies") == 0


def test_a_deeply_nested_policy_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    text = template_text("baseline").rstrip().rstrip("}") + f', "newerSetting": {DEEP}}}'
    path.write_text(text, encoding="utf-8")
    db = tmp_path / "j.db"
    result = run("policy", "import", str(path), db=db)
    assert result.exit_code == 1 and "deeper" in result.stderr
    assert _count(db, "compliance_policies") == 0


@pytest.fixture
def enrolled(tmp_path: Path) -> Path:
    db = tmp_path / "j.db"
    assert run("enroll", SERIAL, db=db).exit_code == 0
    return db


def _report(tmp_path: Path, edit: str, replacement: str) -> Path:
    text = REPORT.read_text(encoding="utf-8")
    assert edit in text
    path = tmp_path / "joinery-report-PF4XK2QZ.json"
    path.write_text(text.replace(edit, replacement, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize("as_json", [False, True])
@pytest.mark.parametrize(
    ("edit", "replacement"),
    [
        pytest.param('"model": "', '"model": "\\udc80', id="in the device model"),
        pytest.param('"collector": {', '"collector": {"note": "\\ud800",', id="unknown field"),
        pytest.param(
            '"errors": [', '"errors": [{"fact": "tpm", "message": "\\udfff"}', id="in an error"
        ),
    ],
)
def test_reports_with_lone_surrogates_are_refused_and_nothing_is_recorded(
    tmp_path: Path, enrolled: Path, edit: str, replacement: str, as_json: bool
) -> None:
    if edit not in REPORT.read_text(encoding="utf-8"):
        pytest.skip("the sample report has no such part")
    before = _count(enrolled, "device_facts")
    path = _report(tmp_path, edit, replacement)
    result = run("ingest", str(path), *(["--json"] if as_json else []), db=enrolled)
    assert result.exit_code == 1 and "surrogate" in result.stderr
    assert _count(enrolled, "device_facts") == before


def test_a_deeply_nested_report_is_refused(tmp_path: Path, enrolled: Path) -> None:
    path = _report(tmp_path, '"collector": {', f'"deep": {DEEP}, "collector": {{')
    result = run("ingest", str(path), db=enrolled)
    assert result.exit_code == 1 and "deeper" in result.stderr


def test_a_bundle_header_nested_deep_is_refused_before_the_signature_check(
    tmp_path: Path,
) -> None:
    header = ('{"format": "joinery-bundle", "x": ' + "[" * 30_000 + "]" * 30_000 + "}").encode()
    path = forge(tmp_path / "deep-header.jbundle", header=header)
    result = run("package", "inspect", str(path))
    assert result.exit_code == 1 and "damaged" in result.stderr


def test_a_manifest_nested_deep_is_refused(tmp_path: Path) -> None:
    manifest = ('{"members": ' + "[" * 100_000 + "]" * 100_000 + "}").encode()
    body = len(manifest).to_bytes(4, "big") + manifest
    path = forge(tmp_path / "deep-manifest.jbundle", content=body)
    result = run("package", "inspect", str(path))
    assert result.exit_code == 1 and "refused" in result.stderr


def test_a_manifest_with_a_lone_surrogate_name_is_refused(tmp_path: Path) -> None:
    entry = {"name": "\udc80.xml", "size": 0, "sha256": "0" * 64}
    manifest = json.dumps({"members": [entry]}).encode()  # the escape, as an attacker writes it
    body = len(manifest).to_bytes(4, "big") + manifest
    result = run("package", "inspect", str(forge(tmp_path / "s.jbundle", content=body)))
    assert result.exit_code == 1 and "refused" in result.stderr


# -- XML -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "encoding", ["x-unknown", "shift_jis", "utf-32", "utf-7", "rot13", "idna", "base64"]
)
def test_an_xml_encoding_python_cannot_use_is_refused(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "customizations.xml"
    path.write_bytes(golden_with('encoding="utf-8"', f'encoding="{encoding}"'))
    result = run("package", "from-xml", str(path))
    assert result.exit_code == 1 and encoding in result.stderr


def test_a_superscript_rank_is_a_rank_problem_not_a_crash(tmp_path: Path) -> None:
    xml = golden_with("<Rank>5</Rank>", "<Rank>²</Rank>")
    path = tmp_path / "customizations.xml"
    path.write_bytes(xml)
    assert run("package", "from-xml", str(path)).exit_code == 0  # a report: it shows the text
    project = make_project(tmp_path / "project", xml)
    keys = keygen(tmp_path / "keys")
    out = tmp_path / "out"
    result = run(*build_args(project, out, keys, password_file(tmp_path)), db=tmp_path / "j.db")
    assert result.exit_code == 1 and "info.rank" in result.stderr
    assert not out.exists() or list(out.iterdir()) == []


# -- a damaged database -------------------------------------------------------------------------


@pytest.fixture
def damaged(tmp_path: Path) -> Path:
    """A database whose device pages were overwritten (a bad sector, a crafted file)."""
    db = tmp_path / "damaged.db"
    source = tmp_path / "devices.csv"
    source.write_bytes(demo.capture_csv(demo.autopilot_rows(600, seed=4)))
    assert run("autopilot", "import", str(source), db=db).exit_code == 0
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        leaves = "SELECT pageno FROM dbstat WHERE name = 'devices' AND pagetype = 'leaf'"
        pages = [r[0] for r in conn.execute(leaves)]
        size = int(conn.execute("PRAGMA page_size").fetchone()[0])
    data = bytearray(db.read_bytes())
    for page in pages[2:6]:
        start = (page - 1) * size
        data[start : start + size] = (
            bytes([0x0D]) + bytes(range(256)) * (size // 256 - 1) + bytes(255)
        )
    db.write_bytes(data)
    return db


@pytest.mark.parametrize(
    "command",
    [["devices", "list"], ["autopilot", "export", "OUT"]],
    ids=lambda c: " ".join(c),
)
def test_a_damaged_database_is_said_plainly(
    tmp_path: Path, damaged: Path, command: list[str]
) -> None:
    args = [str(tmp_path / "out") if a == "OUT" else a for a in command]
    result = run(*args, db=damaged)
    assert result.exit_code == 1
    assert "damaged" in result.stderr and str(damaged) in result.stderr
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


# -- a full disk ---------------------------------------------------------------------------------


class _FullDisk:
    """A file whose writes fail as on a full disk (fault injection: os.fdopen's files)."""

    def __init__(self, real: object) -> None:
        self._real = real

    def write(self, data: bytes) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __getattr__(self, name: str) -> object:
        return getattr(self._real, name)

    def __enter__(self) -> _FullDisk:
        return self

    def __exit__(self, *exc: object) -> None:
        self._real.close()  # type: ignore[attr-defined]


@contextmanager
def full_disk() -> Iterator[None]:
    """From here on, every file opened for writing through os.fdopen fails as on a full disk."""
    real = os.fdopen

    def fdopen(fd: int, mode: str = "r", *args: object, **kwargs: object) -> object:
        handle = real(fd, mode, *args, **kwargs)  # type: ignore[call-overload]
        return _FullDisk(handle) if "w" in mode else handle

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "fdopen", fdopen)
        yield


def test_a_full_disk_during_a_build_is_said_and_leaves_nothing(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    keys = keygen(tmp_path / "keys")
    out = tmp_path / "out"
    db = tmp_path / "j.db"
    assert run("devices", "list", db=db).exit_code == 0  # the database exists before
    with full_disk():
        result = run(*build_args(project, out, keys, password_file(tmp_path)), db=db)
    assert result.exit_code == 1 and "space" in result.stderr
    assert list(walk(out)) == []
    assert _count(db, "packages") == 0


def test_a_full_disk_during_an_export_is_said_and_leaves_nothing(tmp_path: Path) -> None:
    db = tmp_path / "j.db"
    source = tmp_path / "devices.csv"
    source.write_bytes(demo.capture_csv(demo.autopilot_rows(10, seed=5)))
    assert run("autopilot", "import", str(source), db=db).exit_code == 0
    with full_disk():
        result = run("autopilot", "export", str(tmp_path / "usb"), db=db)
    assert result.exit_code == 1 and "space" in result.stderr
    assert list(walk(tmp_path / "usb")) == []


def _can_mount() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("mount") is not None


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 256 KiB tmpfs, where the machine allows it (root)."""
    if not _can_mount():
        pytest.skip("mounting a tmpfs needs root")
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace')}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_really_full_disk_is_said_plainly(tmp_path: Path, tiny_disk: Path) -> None:
    project = make_project(tmp_path / "project")
    (project / "payload" / "7z.msi").write_bytes(os.urandom(400_000))  # more than fits
    keys = keygen(tmp_path / "keys")
    db = tmp_path / "j.db"
    built = run(*build_args(project, tiny_disk / "out", keys, password_file(tmp_path)), db=db)
    assert built.exit_code == 1 and "space" in built.stderr
    assert list(walk(tiny_disk)) == [] and _count(db, "packages") == 0

    source = tmp_path / "devices.csv"
    source.write_bytes(demo.capture_csv(demo.autopilot_rows(200, seed=6)))
    assert run("autopilot", "import", str(source), db=db).exit_code == 0
    exported = run("autopilot", "export", str(tiny_disk / "usb"), db=db)
    assert exported.exit_code == 1 and "space" in exported.stderr
    assert list(walk(tiny_disk)) == []

    # The database itself on the full disk: "full", never "busy" (it was told as busy).
    small = tiny_disk / "j.db"
    result = run("autopilot", "import", str(source), db=small)
    assert result.exit_code == 1
    assert "busy" not in result.stderr and ("full" in result.stderr or "space" in result.stderr)
    assert GOLDEN.exists()


def test_superscript_digits_are_no_pin() -> None:
    """ "²²²²²²".isdigit() is true: six of them passed as a 6-digit PIN."""
    from app.security.operators import pin_problem

    assert pin_problem("²²²²²²") is not None  # 6 characters: too short as a password
    assert pin_problem("482915") is None
