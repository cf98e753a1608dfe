"""Finding 4: a customizations.xml pulled any local file into a package.

The attack: a project on a stick names, as an app's CommandFile or a certificate's path, a
file the bench holds (the audit HMAC key, the bench's private signing key) by absolute path,
by "..\\..\\", or through a link in payload/. The bench packed it, signed it and encrypted
it for whoever holds the package password. Now only files inside the project folder, or
files the operator picked in the wizard, are packed; everything else is refused by path.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from app import services
from app.provisioning.model import App, PackageInfo, PackageSpec
from app.security.roles import Actor, Role
from tests.security.files_support import (
    build_args,
    cheap_kdf,
    golden_with,
    keygen,
    make_project,
    password_file,
    run,
    walk,
)

STOLEN = b"-----BEGIN PRIVATE KEY-----\nBENCH-SIGNING-KEY-CANARY-9d1c\n"


@pytest.fixture(autouse=True)
def _cheap(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap_kdf(monkeypatch)


@pytest.fixture
def bench_secret(tmp_path: Path) -> Path:
    """A file on the bench, outside any project: what the attacker wants packed."""
    folder = tmp_path / "bench" / "keys"
    folder.mkdir(parents=True)
    path = folder / "joinery-signing.key"
    path.write_bytes(STOLEN)
    return path


def _attack(tmp_path: Path, xml: bytes) -> tuple[int, str, Path]:
    project = make_project(tmp_path / "stick" / "project", xml)
    keys = keygen(tmp_path / "keys")
    out = tmp_path / "out"
    args = build_args(project, out, keys, password_file(tmp_path))
    result = run(*args, db=tmp_path / "joinery.db")
    return result.exit_code, result.stderr, out


def _nothing_packed(out: Path) -> None:
    assert not out.exists() or list(walk(out)) == []


def test_an_absolute_command_file_is_refused_with_its_path(
    tmp_path: Path, bench_secret: Path
) -> None:
    xml = golden_with("payload\\agent.exe</CommandFile>", f"{bench_secret}</CommandFile>")
    code, err, out = _attack(tmp_path, xml)
    assert code == 1
    assert str(bench_secret) in err and "outside the project folder" in err
    _nothing_packed(out)


def test_dot_dot_in_a_certificate_path_is_refused(tmp_path: Path, bench_secret: Path) -> None:
    # stick/project/../../bench/keys/joinery-signing.key is the bench's key.
    relative = "..\\..\\bench\\keys\\joinery-signing.key"
    xml = golden_with("payload\\root.cer</CertificatePath>", f"{relative}</CertificatePath>")
    code, err, out = _attack(tmp_path, xml)
    assert code == 1 and relative in err
    _nothing_packed(out)


def test_a_license_file_outside_the_project_is_refused(tmp_path: Path, bench_secret: Path) -> None:
    license_xml = (
        "<EditionUpgrade><UpgradeEditionWithLicense>"
        f"{bench_secret}</UpgradeEditionWithLicense></EditionUpgrade><SharedPC>"
    )
    code, err, out = _attack(tmp_path, golden_with("<SharedPC>", license_xml))
    assert code == 1 and str(bench_secret) in err
    _nothing_packed(out)


def test_a_link_in_payload_to_a_file_outside_is_refused(tmp_path: Path, bench_secret: Path) -> None:
    project = make_project(tmp_path / "stick" / "project")
    target = project / "payload" / "agent.exe"
    target.unlink()
    target.symlink_to(bench_secret)
    keys = keygen(tmp_path / "keys")
    result = run(
        *build_args(project, tmp_path / "out", keys, password_file(tmp_path)),
        db=tmp_path / "joinery.db",
    )
    assert result.exit_code == 1 and "link" in result.stderr
    _nothing_packed(tmp_path / "out")


def test_build_lists_every_file_it_packs(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    keys = keygen(tmp_path / "keys")
    result = run(
        *build_args(project, tmp_path / "out", keys, password_file(tmp_path)),
        db=tmp_path / "joinery.db",
    )
    assert result.exit_code == 0, result.stderr
    for name in ("customizations.xml", "build-ppkg.cmd", "7z.msi", "agent.exe", "root.cer"):
        assert name in result.stdout
    for name in ("7z.msi", "agent.exe", "root.cer"):
        assert str(project.resolve() / "payload" / name) in result.stdout


def test_a_file_the_operator_picked_in_the_wizard_is_packed_from_anywhere(
    tmp_path: Path, store: object
) -> None:
    """The other side of the rule: an installer chosen in the wizard (no customizations.xml
    named it) is the operator's choice, wherever it is."""
    downloads = tmp_path / "Downloads"
    downloads.mkdir()
    (downloads / "tool.msi").write_bytes(b"MSI" * 10)
    spec = PackageSpec(
        info=PackageInfo(name="Picked", package_id=uuid.uuid4()),
        apps=(App("Tool", str(downloads / "tool.msi")),),
    )
    built = services.build_and_record(
        store,  # type: ignore[arg-type]
        spec,
        tmp_path / "out",
        None,
        base_dir=tmp_path / "some-project",
        actor=Actor("lena", Role.LEAD),
    )
    assert (Path(built.output) / "payload" / "tool.msi").read_bytes() == b"MSI" * 10
