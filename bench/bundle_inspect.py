"""Peak memory of `joinery package inspect` on hostile bundles, each in a child process.

The attack review found a 4 MiB bundle that needed 1.16 GiB to inspect (member names 512
folders deep; every parent of every name was held). Each bundle here is one a hostile signer
can make (signed with their own key: inspect reads it before anyone asks who signed):
names as deep and as many as allowed, a manifest at its size limit, a manifest of empty
objects, 10,000 tiny members, a large plain bundle, 16 MiB chunks, a 64 KiB header. The
figure is the largest peak RSS (VmHWM of the child); the baseline is the same command's
peak on the smallest bundle (the interpreter and Joinery's imports). Target: <= 100 MB.

    python bench/bundle_inspect.py [--quick]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _common import ROOT, Report
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.provisioning import bundle, bundle_format
from app.security.secret import Secret

TARGET_MB = 100
KEY = Ed25519PrivateKey.generate()
EMPTY = hashlib.sha256(b"").hexdigest()
MEASURED = """
import sys
try:
    from app.cli import main
    main()
finally:
    with open("/proc/self/status") as status:
        peak = next(int(l.split()[1]) for l in status if l.startswith("VmHWM:"))
    sys.stderr.write(f"\\nPEAK_RSS_KB {peak}\\n")
"""


def forged(path: Path, content: bytes, package: dict[str, object] | None = None) -> Path:
    head = bundle_format.encode_header(package or {"name": "x"}, KEY.public_key(), None)
    signed = head + content
    signature = KEY.sign(bundle_format.SIG_CONTEXT + hashlib.sha256(signed).digest())
    path.write_bytes(signed + signature)
    return path


def manifest_content(entries: list[object], body: bytes = b"") -> bytes:
    manifest = json.dumps({"members": entries}, separators=(",", ":")).encode()
    return struct.pack(">I", len(manifest)) + manifest + body


def deep_names(folder: Path) -> Path:
    deep = "a/" * 500 + "f"
    entries: list[object] = []
    while len(entries) * (len(deep) + 90) < 2_000_000:
        entries.append({"name": f"d{len(entries)}/{deep}", "size": 0, "sha256": EMPTY})
    return forged(folder / "deep-names.jbundle", manifest_content(entries))


def allowed_names(folder: Path) -> Path:
    """As many members as allowed, 8 levels deep, in 980 folders (1,000 allowed)."""
    part = "p" * 12  # 10,000 entries of about 200 bytes: the manifest's 2 MiB
    entries: list[object] = [
        {"name": f"{i % 140}/" + "/".join([part] * 6) + f"/{i}", "size": 0, "sha256": EMPTY}
        for i in range(10_000)
    ]
    return forged(folder / "allowed-names.jbundle", manifest_content(entries))


def empty_objects(folder: Path) -> Path:
    entries: list[object] = [{}] * 600_000  # 2 MiB of "{}," once decoded: refused before
    data = manifest_content(entries)
    return forged(folder / "empty-objects.jbundle", data[: 4 + 2 * 2**20])


def tiny_members(folder: Path) -> Path:
    entries: list[object] = [
        {"name": f"payload/m{i}.bin", "size": 1, "sha256": hashlib.sha256(b"m").hexdigest()}
        for i in range(10_000)
    ]
    return forged(folder / "tiny-members.jbundle", manifest_content(entries, b"m" * 10_000))


def large_plain(folder: Path, megabytes: int) -> Path:
    path = folder / "large-plain.jbundle"
    source = folder / "large.bin"
    with source.open("wb") as handle:
        for _ in range(megabytes):
            handle.write(os.urandom(2**20))
    bundle.write_bundle(path, [bundle.Member("payload/large.bin", source)], {"name": "x"}, KEY)
    source.unlink()
    return path


def big_chunks(folder: Path) -> Path:
    path = folder / "big-chunks.jbundle"
    members = [bundle.Member("payload/x.bin", os.urandom(20 * 2**20))]
    password = Secret("bench-password-1234567890")
    bundle.write_bundle(path, members, {"name": "x"}, KEY, password=password, chunk_size=16 * 2**20)
    return path


def big_header(folder: Path) -> Path:
    package = {"name": "x", "note": "n" * 60_000}
    return forged(folder / "big-header.jbundle", manifest_content([]), package)


def peak_mb(path: Path, pub: Path) -> tuple[float, int]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    done = subprocess.run(
        [sys.executable, "-c", MEASURED, "package", "inspect", str(path), "--trust-key", str(pub)],
        capture_output=True,
        env=env,
        cwd=ROOT,
        timeout=600,
        check=False,
    )
    stderr = done.stderr.decode("utf-8", "replace")
    if "Traceback" in stderr:
        raise SystemExit(f"inspect crashed on {path.name}:\n{stderr}")
    return int(stderr.rsplit("PEAK_RSS_KB", 1)[1].split()[0]) / 1024, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a 50 MB plain bundle, not 500 MB")
    args = parser.parse_args()
    report = Report()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        os.environ["JOINERY_DATA_DIR"] = str(folder / "data")
        pub = folder / "signer.pub"
        pub.write_bytes(
            KEY.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
        baseline, _ = peak_mb(forged(folder / "smallest.jbundle", manifest_content([])), pub)
        makers: list[Callable[[Path], Path]] = [
            deep_names,
            allowed_names,
            empty_objects,
            tiny_members,
            lambda f: large_plain(f, 50 if args.quick else 500),
            big_chunks,
            big_header,
        ]
        worst = 0.0
        for make in makers:
            path = make(folder)
            peak, code = peak_mb(path, pub)
            worst = max(worst, peak)
            size = path.stat().st_size / 2**20
            report.line(f"inspect {path.stem} ({size:.1f} MiB, exit {code})", peak, "MB")
            path.unlink()
        report.line("inspect baseline (smallest bundle: interpreter and imports)", baseline, "MB")
        report.line("inspect any bundle, peak RSS", worst, "MB", "<=", TARGET_MB)
        report.line("inspect peak above baseline", worst - baseline, "MB")
    report.exit()


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    sys.stderr.write(f"bench took {time.perf_counter() - started:.1f} s\n")
