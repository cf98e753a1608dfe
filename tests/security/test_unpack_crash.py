"""Finding 8: a crash during `package unpack` left the project, bulk token included, in plain
text in a hidden staging folder that nothing removed.

The attack is a crash: `package unpack` is killed (-9) after customizations.xml, with its
bulk token and Wi-Fi key, reached the staging folder and while a large payload file is
still being written. Now the staging folder is 0700 and recorded before it is made; the
next unpack (or the kiosk's start) finds the record of a dead process and removes it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from app.provisioning import bundle, bundle_format
from app.security.secret import Secret
from tests.security.files_support import (
    CANARIES,
    GOLDEN,
    PASSWORD,
    files_holding,
    keygen,
    kill_when,
    password_file,
    run,
    spawn,
    walk,
)

BIG = 48 * 1024 * 1024


@pytest.fixture(scope="module")
def secret_bundle(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A bundle (default KDF, as a real one) whose project holds the canaries, then a large
    payload file that takes a while to write; and the public key that signed it."""
    folder = tmp_path_factory.mktemp("bundle")
    keys = keygen(folder / "keys")
    members = [
        bundle.Member("customizations.xml", GOLDEN.read_bytes()),
        bundle.Member("build-ppkg.cmd", b"@echo off\r\n"),
        bundle.Member("payload/big.bin", os.urandom(BIG)),
    ]
    path = folder / "Bench-1.0.jbundle"
    key = bundle_format.load_private_key(keys.private)
    bundle.write_bundle(path, members, {"name": "Bench"}, key, password=Secret(PASSWORD))
    return path, keys.public


def _staged_secret(folder: Path) -> bool:
    """A customizations.xml holding the token has been written somewhere under `folder`."""
    return any(
        p.name == "customizations.xml" and CANARIES[0].encode() in p.read_bytes()
        for p in walk(folder)
    )


def test_a_killed_unpack_leaves_no_secret_once_the_next_unpack_ran(
    tmp_path: Path, secret_bundle: tuple[Path, Path]
) -> None:
    path, public = secret_bundle
    work = tmp_path / "build-machine"
    work.mkdir()
    pw = password_file(tmp_path)
    args = ["package", "unpack", str(path), "-o", str(work / "project")]
    args += ["--password-file", str(pw), "--trust-key", str(public)]
    child = spawn(args)
    assert kill_when(child, lambda: _staged_secret(work)), "the unpack ended before the kill"
    assert not (work / "project").exists()
    staged = [p.parent for p in walk(work) if p.name == "customizations.xml"]
    assert staged, "the kill left no staging folder: the attack did not happen"
    for folder in staged:
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700  # private while it exists

    # The next unpack, on the same machine, into the same folder's neighbour.
    again = work / "project-2"
    result = run(
        "package", "unpack", str(path), "-o", str(again), "--password-file", str(pw),
        "--trust-key", str(public),
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert files_holding(work, CANARIES, skip=[again]) == []
    assert sorted(p.name for p in work.iterdir()) == ["project-2"]
