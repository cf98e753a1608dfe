"""build_package: a secret project leaves only inside the encrypted bundle; keygen; the script."""

from __future__ import annotations

import dataclasses
import stat
from pathlib import Path

import pytest

from app.errors import InputError
from app.provisioning import build, bundle, wcd_xml
from app.provisioning.bundle_format import load_private_key, load_public_keys
from app.provisioning.model import DeviceSetup, PackageInfo, PackageSpec
from app.security.secret import Secret
from tests.helpers.provisioning import CANARIES, CHEAP, CHEAP_BOUNDS, SIGNER, TODAY

DATA = Path(__file__).resolve().parents[2] / "data" / "provisioning"


def make(spec: PackageSpec, out: Path, **kwargs: object) -> build.PackageRecord:
    kwargs.setdefault("signing_key", SIGNER)
    return build.build_package(
        spec, out, kdf_cost=CHEAP, kdf_bounds=CHEAP_BOUNDS, today=TODAY, **kwargs
    )  # type: ignore[arg-type]


def all_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())


def test_secret_package_is_one_encrypted_bundle(spec: PackageSpec, tmp_path: Path) -> None:
    record = make(spec, tmp_path / "out")
    assert record.output == tmp_path / "out" / "Bench-Entra-1.0.jbundle"
    assert [p.name for p in (tmp_path / "out").iterdir()] == [record.output.name]
    assert record.encrypted and record.form == "bundle"
    assert record.token_account == "package_1e4ed133-aae7-45f4-8ee1-881220aa52d5"
    assert record.signer_key_id == bundle.inspect_bundle(record.output).header.key_id
    data = all_bytes(tmp_path / "out")
    for canary in CANARIES.values():
        assert canary.encode() not in data
    assert "CANARY" not in repr(record) + repr(record.as_json())


def test_unpacked_project_is_what_icd_needs(spec: PackageSpec, tmp_path: Path) -> None:
    record = make(spec, tmp_path / "out")
    project = tmp_path / "private" / "project"
    bundle.unpack_bundle(
        record.output, project, spec.info.password, SIGNER.public_key(), kdf_bounds=CHEAP_BOUNDS
    )
    names = sorted(str(p.relative_to(project)) for p in project.rglob("*") if p.is_file())
    assert names == [
        "build-ppkg.cmd",
        "customizations.xml",
        "payload/7z.msi",
        "payload/agent.exe",
        "payload/root.cer",
    ]
    opened = wcd_xml.read_customizations(project / "customizations.xml")
    assert opened.spec.account.token.reveal() == CANARIES["token"]  # type: ignore[union-attr]
    script = (project / "build-ppkg.cmd").read_bytes().decode("ascii")
    assert "\r\n" in script
    assert "$Encrypt = $true" in script and "$Secrets = $true" in script
    assert "$PayloadNames = @('7z.msi', 'agent.exe', 'root.cer')" in script
    assert 'rmdir /s /q "%JOINERY_PROJECT%"' in script
    assert "$Stem = 'Bench-Entra-1.0'" in script
    assert stat.S_IMODE((project / "customizations.xml").stat().st_mode) == 0o600


def test_secrets_are_never_written_as_a_plain_folder(spec: PackageSpec, tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        make(spec, tmp_path / "out", signing_key=None)
    assert "info.signing_key" in str(caught.value)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    no_password = dataclasses.replace(spec, info=dataclasses.replace(spec.info, password=None))
    with pytest.raises(InputError, match="info.password"):
        make(no_password, tmp_path / "out")


def test_package_without_secrets_may_be_a_project_folder(payload: Path, tmp_path: Path) -> None:
    spec = PackageSpec(
        info=PackageInfo(name="Plain"), device=DeviceSetup(name_template="CTS-%RAND:4%")
    )
    record = make(spec, tmp_path / "out", signing_key=None)
    assert record.form == "project" and record.output == tmp_path / "out" / "Plain-1.0"
    script = (record.output / "build-ppkg.cmd").read_text()
    assert "$Encrypt = $false" in script and "rmdir" not in script
    assert (record.output / "customizations.xml").is_file()
    with pytest.raises(InputError, match="already exists"):
        make(spec, tmp_path / "out", signing_key=None)


def test_kept_secrets_from_a_reopened_file_need_protection(tmp_path: Path) -> None:
    opened = wcd_xml.read_customizations(DATA / "multivariant.xml")
    spec = dataclasses.replace(
        opened.spec,
        account=None,
        apps=(),
        info=dataclasses.replace(opened.spec.info, owner="ITAdmin"),
    )
    assert not spec.has_secrets  # but the local user and the variant's Wi-Fi key are kept
    with pytest.raises(InputError) as caught:
        make(spec, tmp_path / "out", kept=opened.kept, signing_key=None)
    assert "info.password" in str(caught.value) and "info.signing_key" in str(caught.value)
    info = dataclasses.replace(spec.info, password=Secret("p" * 24))
    record = make(dataclasses.replace(spec, info=info), tmp_path / "out", kept=opened.kept)
    assert b"CANARY" not in record.output.read_bytes()


def test_problems_block_the_build(spec: PackageSpec, tmp_path: Path) -> None:
    bad = dataclasses.replace(spec, info=dataclasses.replace(spec.info, rank=100, version="1"))
    with pytest.raises(InputError) as caught:
        make(bad, tmp_path / "out")
    text = str(caught.value)
    assert "info.rank" in text and "info.version" in text
    assert "CANARY" not in text


def test_keygen_writes_a_private_key_only_its_owner_reads(tmp_path: Path) -> None:
    private, public = build.keygen(tmp_path / "keys")
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    key = load_private_key(private)
    assert load_public_keys([public])[0].public_bytes_raw() == key.public_key().public_bytes_raw()
    with pytest.raises(InputError, match="already exists"):
        build.keygen(tmp_path / "keys")
