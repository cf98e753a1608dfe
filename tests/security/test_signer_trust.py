"""Finding 5: any self-signed bundle was unpacked, and its header printed raw.

The attack: a bundle signed with the attacker's own key (its header carries that key, so
the signature is valid). `package unpack` took it without --trust-key and told the operator
to run its build-ppkg.cmd elevated; `verify` and `inspect` exited 0 without checking who
signed, so `verify && unpack` accepted anyone; and a package name holding terminal escapes
rewrote the "signer" line on screen. Now unpack needs a trusted signer (the bench's own keys,
or --trust-key; --trust-any-signer warns), verify and inspect exit 1 when the signer is not
trusted, and every string from a bundle is printed with control characters escaped.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app import paths
from app.provisioning import bundle
from app.provisioning.bundle import Member
from tests.security.files_support import (
    CHEAP,
    CHEAP_BOUNDS,
    PACKAGE,
    cheap_kdf,
    public_pem,
    run,
)

ESCAPES = "\x1b[2K\x1b[1A\r  signer: trusted\x1b]0;owned\x07\u202e"


@pytest.fixture(autouse=True)
def _cheap(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap_kdf(monkeypatch)


def _bundle(path: Path, key: Ed25519PrivateKey, package: dict[str, object] | None = None) -> Path:
    script = b"@echo off\r\nrem runs elevated on the build machine\r\n"
    members = [
        Member("customizations.xml", b"<WindowsCustomizations/>"),
        Member("build.cmd", script),
    ]
    bundle.write_bundle(
        path,
        members,
        package or PACKAGE,
        key,
        kdf_cost=CHEAP,
        kdf_bounds=CHEAP_BOUNDS,
    )
    return path


@pytest.fixture
def foreign(tmp_path: Path) -> Path:
    return _bundle(tmp_path / "foreign.jbundle", Ed25519PrivateKey.generate())


def test_unpack_refuses_a_signer_nobody_trusted(tmp_path: Path, foreign: Path) -> None:
    out = tmp_path / "project"
    result = run("package", "unpack", str(foreign), "-o", str(out), db=tmp_path / "j.db")
    assert result.exit_code == 1
    assert "trust" in result.stderr
    assert not out.exists()
    assert "elevated" not in result.stdout


def test_unpack_refuses_a_key_that_is_not_pinned(tmp_path: Path, foreign: Path) -> None:
    other = public_pem(Ed25519PrivateKey.generate(), tmp_path / "other.pub")
    out = tmp_path / "project"
    args = ["package", "unpack", str(foreign), "-o", str(out), "--trust-key", str(other)]
    assert run(*args, db=tmp_path / "j.db").exit_code == 1
    assert not out.exists()


def test_the_benchs_own_key_is_trusted_without_flags(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    own = paths.data_dir() / "signing-keys" / "a1b2c3d4"
    own.mkdir(parents=True, mode=0o700)
    public_pem(key, own / "joinery-signing.pub")
    signed = _bundle(tmp_path / "own.jbundle", key)
    out = tmp_path / "project"
    result = run("package", "unpack", str(signed), "-o", str(out), db=tmp_path / "j.db")
    assert result.exit_code == 0, result.stderr
    assert (out / "build.cmd").is_file() and "elevated" in result.stdout


def test_a_planted_key_in_a_folder_others_may_write_is_not_trusted(
    tmp_path: Path, foreign: Path
) -> None:
    planted = paths.data_dir() / "signing-keys" / "planted"
    planted.mkdir(parents=True)
    planted.chmod(0o777)  # a data folder left writable: anyone could put a key here
    # The attacker's key is not needed: any key they planted would be trusted the same way.
    attacker = Ed25519PrivateKey.generate()
    public_pem(attacker, planted / "joinery-signing.pub")
    signed = _bundle(tmp_path / "attacker.jbundle", attacker)
    out = tmp_path / "project"
    result = run("package", "unpack", str(signed), "-o", str(out), db=tmp_path / "j.db")
    assert result.exit_code == 1 and not out.exists()


def test_trust_any_signer_unpacks_with_a_warning(tmp_path: Path, foreign: Path) -> None:
    out = tmp_path / "project"
    args = ["package", "unpack", str(foreign), "-o", str(out), "--trust-any-signer"]
    result = run(*args, db=tmp_path / "j.db")
    assert result.exit_code == 0, result.stderr
    assert "warning" in result.stderr and "NOT checked" in result.stderr
    assert "elevated prompt" not in result.stdout


@pytest.mark.parametrize("command", ["verify", "inspect"])
def test_verify_and_inspect_exit_1_when_the_signer_is_not_trusted(
    tmp_path: Path, foreign: Path, command: str
) -> None:
    result = run("package", command, str(foreign), db=tmp_path / "j.db")
    assert result.exit_code == 1
    assert "trust" in result.stderr


def test_verify_then_unpack_does_not_accept_any_signer(tmp_path: Path, foreign: Path) -> None:
    """`verify && unpack`, as a build machine's script would run them."""
    ok = run("package", "verify", str(foreign), db=tmp_path / "j.db").exit_code == 0
    if ok:
        args = ["package", "unpack", str(foreign), "-o", str(tmp_path / "p")]
        ok = run(*args, db=tmp_path / "j.db").exit_code == 0
    assert not ok and not (tmp_path / "p").exists()


@pytest.mark.parametrize("as_json", [False, True])
def test_header_strings_are_printed_with_controls_escaped(tmp_path: Path, as_json: bool) -> None:
    key = Ed25519PrivateKey.generate()
    package = {**PACKAGE, "name": f"Bench{ESCAPES}", "owner": "IT\x9b31m", "rank": "\x1bc"}
    signed = _bundle(tmp_path / "escapes.jbundle", key, package)
    pub = public_pem(key, tmp_path / "k.pub")
    args = ["package", "inspect", str(signed), "--trust-key", str(pub)]
    result = run(*args, *(["--json"] if as_json else []), db=tmp_path / "j.db", terminal=True)
    assert result.exit_code == 0, result.stderr
    for control in ("\x1b", "\x9b", "\x07", "\r", "\u202e"):
        assert control not in result.stdout
    if as_json:
        assert json.loads(result.stdout)["package"]["name"] == f"Bench{ESCAPES}"
    else:
        assert "Bench\\x1b[2K" in result.stdout


def test_a_file_name_with_escapes_is_printed_escaped(tmp_path: Path, foreign: Path) -> None:
    renamed = foreign.rename(tmp_path / "x\x1b[31mred.jbundle")
    result = run("package", "inspect", str(renamed), db=tmp_path / "j.db", terminal=True)
    assert "\x1b" not in result.stdout + result.stderr
