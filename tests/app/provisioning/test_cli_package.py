"""`joinery package ...` through click's CliRunner: exit codes, JSON, no secrets in output."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from app import cli_package
from app.provisioning import bundle, bundle_format
from tests.helpers.actors import ADMIN
from tests.helpers.provisioning import CHEAP, CHEAP_BOUNDS, write_certificate

DATA = Path(__file__).resolve().parents[2] / "data" / "provisioning"
PASSWORD = "CANARY-cli-password-1234567"
_TODAY = datetime.now(UTC).date()
TOKEN_DATES = ("--token-issued", str(_TODAY), "--token-expires", str(_TODAY + timedelta(days=60)))


@pytest.fixture(autouse=True)
def _cheap_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bundle, "DEFAULT_COST", CHEAP)
    monkeypatch.setattr(bundle, "DEFAULT_BOUNDS", CHEAP_BOUNDS)
    # Defaults are bound at definition time: patch them where they are used.
    for function in (bundle.write_bundle, bundle.verify_bundle, bundle.unpack_bundle):
        assert function.__kwdefaults__ is not None
        for name, value in list(function.__kwdefaults__.items()):
            if isinstance(value, bundle_format.KdfCost):
                monkeypatch.setitem(function.__kwdefaults__, name, CHEAP)
            if isinstance(value, bundle_format.KdfBounds):
                monkeypatch.setitem(function.__kwdefaults__, name, CHEAP_BOUNDS)
    from app.provisioning import build

    assert build.build_package.__kwdefaults__ is not None
    monkeypatch.setitem(build.build_package.__kwdefaults__, "kdf_cost", CHEAP)
    monkeypatch.setitem(build.build_package.__kwdefaults__, "kdf_bounds", CHEAP_BOUNDS)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli_package.package, list(args))
    assert "CANARY" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    shutil.copy(DATA / "multivariant.xml", folder / "customizations.xml")
    (folder / "7z.msi").write_bytes(b"MSI")
    write_certificate(folder / "unused.cer")
    (tmp_path / "pw.txt").write_text(PASSWORD + "\n")
    return folder


@pytest.fixture
def keys(tmp_path: Path) -> Path:
    code, out, _ = run("keygen", "-o", str(tmp_path / "keys"))
    assert code == 0 and "joinery-signing.key" in out
    return tmp_path / "keys"


def test_build_inspect_verify_unpack(project: Path, keys: Path, tmp_path: Path) -> None:
    pw = str(tmp_path / "pw.txt")
    code, out, err = run(
        "build",
        str(project),
        "-o",
        str(tmp_path / "out"),
        "--password-file",
        pw,
        "--sign-key",
        str(keys / "joinery-signing.key"),
        *TOKEN_DATES,
        "--json",
    )
    assert code == 0, err
    record = json.loads(out)
    assert record["form"] == "bundle" and record["encrypted"] is True
    assert record["token_account"].startswith("package_6aaa4dfa")
    path = record["output"]

    pub = str(keys / "joinery-signing.pub")
    code, out, _ = run("inspect", path, "--json", "--trust-key", pub)
    assert code == 0 and json.loads(out)["package"]["name"] == "My Provisioning Package"

    code, out, _ = run(
        "verify", path, "--trust-key", str(keys / "joinery-signing.pub"), "--password-file", pw
    )
    assert code == 0 and "trusted" in out and "3 checked" in out

    code, out, _ = run(
        "unpack", path, "-o", str(tmp_path / "private"), "--password-file", pw, "--trust-key", pub
    )
    assert code == 0
    assert (tmp_path / "private" / "build-ppkg.cmd").is_file()


def test_tampered_untrusted_and_wrong_password(project: Path, keys: Path, tmp_path: Path) -> None:
    pw = str(tmp_path / "pw.txt")
    _, out, err = run(
        "build",
        str(project),
        "-o",
        str(tmp_path / "out"),
        "--password-file",
        pw,
        "--sign-key",
        str(keys / "joinery-signing.key"),
        "--json",
        *TOKEN_DATES,
    )
    path = Path(json.loads(out)["output"])
    (tmp_path / "wrong.txt").write_text("x" * 25)
    pub = str(keys / "joinery-signing.pub")
    wrong = str(tmp_path / "wrong.txt")
    code, _, err = run("verify", str(path), "--password-file", wrong, "--trust-key", pub)
    assert code == 1 and "password does not open" in err

    run("keygen", "-o", str(tmp_path / "other"))
    code, _, err = run(
        "verify", str(path), "--trust-key", str(tmp_path / "other/joinery-signing.pub")
    )
    assert code == 1 and "not a trusted signer" in err

    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 1
    path.write_bytes(data)
    code, _, err = run("verify", str(path), "--password-file", pw)
    assert code == 1 and "altered" in err


def test_secrets_without_a_signing_key_are_refused(project: Path, tmp_path: Path) -> None:
    code, _, err = run("build", str(project), "-o", str(tmp_path / "out"))
    assert code == 1
    assert "info.signing_key" in err and "info.password" in err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_from_xml_reports_without_secrets() -> None:
    code, out, _ = run("from-xml", str(DATA / "multivariant.xml"), "--json")
    assert code == 0
    document = json.loads(out)
    assert document["package_config"]["rank"] == "50"
    assert document["targets"][0]["id"] == "laptop"
    code, out, _ = run("from-xml", str(DATA / "multivariant.xml"))
    assert code == 0 and "target laptop: PowerPlatformRole=2" in out


def test_bad_input_exits_1_and_usage_exits_2(tmp_path: Path) -> None:
    (tmp_path / "evil.xml").write_bytes(b'<!DOCTYPE x [<!ENTITY a "b">]><WindowsCustomizations/>')
    code, _, err = run("from-xml", str(tmp_path / "evil.xml"))
    assert code == 1 and "DTD" in err
    code, _, _ = run("build")
    assert code == 2
    (tmp_path / "junk").write_bytes(b"junk")
    code, _, err = run("inspect", str(tmp_path / "junk"))
    assert code == 1 and "not a Joinery bundle" in err


def test_build_under_joinery_records_the_package(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app import services
    from app.cli import cli
    from app.store import Store

    assert services.build_and_record.__kwdefaults__ is not None
    monkeypatch.setitem(services.build_and_record.__kwdefaults__, "kdf_cost", CHEAP)
    monkeypatch.setitem(services.build_and_record.__kwdefaults__, "kdf_bounds", CHEAP_BOUNDS)
    keys = tmp_path / "keys"
    assert run("keygen", "-o", str(keys))[0] == 0
    db = tmp_path / "joinery.db"
    private = next(keys.glob("*.key"))
    args = ["--db", str(db), "package", "build", str(project), "-o", str(tmp_path / "out")]
    args += ["--sign-key", str(private), "--password-file", str(tmp_path / "pw.txt"), "--json"]
    args += list(TOKEN_DATES)
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    with Store.open(db) as store:
        listed = services.list_packages(store, actor=ADMIN)
        assert [p.build.sha256 for p in listed] == [document["sha256"]]
        assert store.audit_entries(action="package.build")


def test_verify_under_joinery_is_audited(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app import services
    from app.cli import cli
    from app.store import Store

    for function in (services.build_and_record, services.verify_package, services.unpack_package):
        assert function.__kwdefaults__ is not None
        for name, value in (("kdf_cost", CHEAP), ("kdf_bounds", CHEAP_BOUNDS)):
            if name in function.__kwdefaults__:
                monkeypatch.setitem(function.__kwdefaults__, name, value)
    keys = tmp_path / "keys"
    assert run("keygen", "-o", str(keys))[0] == 0
    db = tmp_path / "joinery.db"
    private = next(keys.glob("*.key"))
    out = tmp_path / "out"
    build = ["--db", str(db), "package", "build", str(project), "-o", str(out), "--json"]
    build += ["--sign-key", str(private), "--password-file", str(tmp_path / "pw.txt")]
    built = CliRunner().invoke(cli, [*build, *TOKEN_DATES])
    assert built.exit_code == 0, built.output
    bundle_path = json.loads(built.stdout)["output"]
    pub = ["--trust-key", str(keys / "joinery-signing.pub")]
    verify = ["--db", str(db), "package", "verify", bundle_path, *pub]
    result = CliRunner().invoke(cli, [*verify, "--password-file", str(tmp_path / "pw.txt")])
    assert result.exit_code == 0, result.output
    unpack = ["--db", str(db), "package", "unpack", bundle_path, "-o", str(tmp_path / "proj")]
    unpack += pub
    unpacked = CliRunner().invoke(cli, [*unpack, "--password-file", str(tmp_path / "pw.txt")])
    assert unpacked.exit_code == 0, unpacked.output
    with Store.open(db) as store:
        assert store.audit_entries(action="package.verify")
        (entry,) = store.audit_entries(action="package.unpack")
        assert entry.details["ok"] is True
