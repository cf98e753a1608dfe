"""What the hostile-file attacks share: a project with canary secrets, keys, a cheap KDF, the
CLI, and forged bundles (validly signed around any header or content)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app import services
from app.cli import cli
from app.demo import sample_certificate
from app.provisioning import build, bundle, bundle_format
from tests.helpers.provisioning import CHEAP, CHEAP_BOUNDS

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
GOLDEN = DATA / "provisioning" / "golden-customizations.xml"
#: The golden project's secrets, searched for wherever a secret must not be.
CANARIES = ("CANARY-BPRT-7f3e9a", "CANARY-PSK-88b2")
PASSWORD = "CANARY-files-password-0123456"
TODAY = datetime.now(UTC).date()
TOKEN_DATES = ("--token-issued", str(TODAY), "--token-expires", str(TODAY + timedelta(days=60)))


def cheap_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id at its cheapest wherever a default is bound: these tests attack files, not
    the KDF, and must stay fast."""
    monkeypatch.setattr(bundle, "DEFAULT_COST", CHEAP)
    monkeypatch.setattr(bundle, "DEFAULT_BOUNDS", CHEAP_BOUNDS)
    functions = [
        bundle.write_bundle,
        bundle.verify_bundle,
        bundle.unpack_bundle,
        build.build_package,
        services.build_and_record,
        services.verify_package,
        services.unpack_package,
        services.open_package,
    ]
    for function in functions:
        defaults = function.__kwdefaults__ or {}
        for name, value in list(defaults.items()):
            if isinstance(value, bundle_format.KdfCost):
                monkeypatch.setitem(defaults, name, CHEAP)
            if isinstance(value, bundle_format.KdfBounds):
                monkeypatch.setitem(defaults, name, CHEAP_BOUNDS)


def run(*args: str, db: Path | None = None, terminal: bool = False) -> Result:
    """`joinery [--db DB] ARGS` in this process. A typed error is exit 1 with a message; a
    traceback (any other exception) fails the test here, whatever the caller checks.

    `terminal`: output as a terminal gets it (click strips ANSI escapes only when the output
    is not a terminal, so an attack on the screen shows only with this)."""
    argv = (["--db", str(db)] if db is not None else []) + list(args)
    result = CliRunner().invoke(cli, argv, color=terminal)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"joinery {' '.join(args)} crashed") from result.exception
    return result


def make_project(folder: Path, xml: bytes | None = None) -> Path:
    """The golden WCD project (bulk token, Wi-Fi key, two apps, a certificate)."""
    (folder / "payload").mkdir(parents=True)
    (folder / "customizations.xml").write_bytes(xml if xml is not None else GOLDEN.read_bytes())
    (folder / "payload" / "7z.msi").write_bytes(b"MSI" * 1000)
    (folder / "payload" / "agent.exe").write_bytes(b"MZ" + bytes(range(256)) * 20)
    sample_certificate(folder / "payload" / "root.cer", "Joinery Test Root")
    return folder


def golden_with(old: str, new: str) -> bytes:
    text = GOLDEN.read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new).encode("utf-8")


@dataclass(frozen=True)
class Keys:
    private: Path
    public: Path


def keygen(folder: Path) -> Keys:
    private, public = build.keygen(folder)
    return Keys(private, public)


def password_file(folder: Path) -> Path:
    path = folder / "password.txt"
    path.write_text(PASSWORD + "\n", encoding="utf-8")
    return path


def build_args(project: Path, out: Path, keys: Keys, password: Path) -> list[str]:
    return [
        "package",
        "build",
        str(project),
        "-o",
        str(out),
        "--sign-key",
        str(keys.private),
        "--password-file",
        str(password),
        *TOKEN_DATES,
    ]


def files_holding(root: Path, needles: Sequence[str], *, skip: Sequence[Path] = ()) -> list[Path]:
    """Every file under `root` (outside `skip`) holding one of `needles` in plain text."""
    found = []
    for path in walk(root):
        if any(path.is_relative_to(s) for s in skip):
            continue
        data = path.read_bytes()
        if any(n.encode() in data or n.encode("utf-16-le") in data for n in needles):
            found.append(path)
    return found


def walk(root: Path) -> Iterator[Path]:
    for folder, _dirs, files in os.walk(root):
        for name in files:
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                yield path


def forge(
    path: Path,
    *,
    header: bytes | None = None,
    package: dict[str, object] | None = None,
    content: bytes = b"",
    key: Ed25519PrivateKey | None = None,
) -> Path:
    """A bundle signed by `key` (a new one by default) around any header or content, as an
    attacker with their own key makes it: the signature is valid, the rest is theirs."""
    signer = key or Ed25519PrivateKey.generate()
    if header is None:
        head = bundle_format.encode_header(package or PACKAGE, signer.public_key(), None)
    else:
        head = bundle_format.MAGIC + struct.pack(">I", len(header)) + header
    signed = head + content
    signature = signer.sign(bundle_format.SIG_CONTEXT + hashlib.sha256(signed).digest())
    path.write_bytes(signed + signature)
    return path


PACKAGE: dict[str, object] = {
    "id": "{1e4ed133-aae7-45f4-8ee1-881220aa52d5}",
    "name": "Bench",
    "version": "1.0",
}


def content(entries: list[dict[str, object]], body: bytes = b"") -> bytes:
    """An unencrypted bundle body: manifest length, manifest, member bytes."""
    manifest = json.dumps({"members": entries}, separators=(",", ":")).encode()
    return struct.pack(">I", len(manifest)) + manifest + body


def public_pem(key: Ed25519PrivateKey, path: Path) -> Path:
    path.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return path


def copy_tree(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


def spawn(
    args: Sequence[str], *, cwd: Path = ROOT, script: str = "from app.cli import main; main()"
) -> subprocess.Popen[bytes]:
    """`joinery ARGS` in a child process (this environment: the same data folder, no
    keyring), for attacks that kill it; `script` may patch Joinery before it runs."""
    env = dict(os.environ)
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=cwd,
    )


def kill_when(
    child: subprocess.Popen[bytes], ready: Callable[[], bool], *, timeout: float = 60.0
) -> bool:
    """SIGKILL `child` as soon as `ready()` holds; whether it was killed (False: it ended
    first, or the time ran out and it was killed anyway)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            child.kill()
            child.communicate(timeout=60)
            return True
        if child.poll() is not None:
            child.communicate(timeout=60)
            return False
        time.sleep(0.002)
    child.kill()
    child.communicate(timeout=60)
    return False


_MEASURED = """
import resource, sys
try:
    from app.cli import main
    main()
finally:
    # VmHWM is this program's own peak; ru_maxrss also keeps the parent's size from before
    # exec (Linux), which would measure pytest, not Joinery.
    try:
        with open("/proc/self/status") as status:
            peak = next(int(l.split()[1]) for l in status if l.startswith("VmHWM:"))
    except OSError:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    sys.stderr.write(f"\\nPEAK_RSS_KB {peak}\\n")
"""


def peak_rss(args: Sequence[str]) -> tuple[int, int, str]:
    """Run `joinery ARGS` in a child: (exit status, its peak RSS in MiB, stderr)."""
    env = dict(os.environ)
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    done = subprocess.run(
        [sys.executable, "-c", _MEASURED, *args],
        capture_output=True,
        env=env,
        cwd=ROOT,
        timeout=600,
        check=False,
    )
    stderr = done.stderr.decode("utf-8", "replace")
    kib = int(stderr.rsplit("PEAK_RSS_KB", 1)[1].split()[0])
    return done.returncode, kib // 1024, stderr
