"""Package build and verify against the least a signed, encrypted format must do.

build: a package with 50 MB of payload (random bytes: installers are already compressed),
signed and encrypted, KDF excluded, against raw AES-256-GCM over the same bytes in the same
chunks plus one SHA-256 pass (target <= 2.0). verify: a small bundle, signature then every
chunk's tag, beyond the KDF (target <= 20 ms).

    python bench/package_build.py [--quick]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

from _common import Report, median_time
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.provisioning import build, bundle, bundle_format
from app.provisioning.bundle_format import CHUNK_SIZE, KdfCost, derive_key, new_encryption
from app.provisioning.model import App, BulkToken, Network, PackageInfo, PackageSpec
from app.security.secret import Secret

TODAY = dt.date.today()


def make_spec(folder: Path, payload_mb: int) -> PackageSpec:
    installer = folder / "agent.msi"
    with installer.open("wb") as handle:
        for _ in range(payload_mb):
            handle.write(os.urandom(1024 * 1024))
    return PackageSpec(
        info=PackageInfo(
            name="Bench",
            version="1.0",
            rank=0,
            package_id=uuid.uuid4(),
            password=Secret("bench-password-" + "x" * 20),
        ),
        network=Network(ssid="Bench", key=Secret("bench wifi key")),
        account=BulkToken("Bench", Secret("bprt-token"), TODAY + dt.timedelta(days=60), TODAY),
        apps=(App("Agent", str(installer)),),
    )


def raw_baseline(path: Path) -> None:
    """AES-256-GCM over the bytes in the same chunks, plus one SHA-256 pass."""
    aead = AESGCM(AESGCM.generate_key(bit_length=256))
    digest = hashlib.sha256()
    prefix = os.urandom(7)
    out = bytearray()
    with path.open("rb") as handle:
        index = 0
        while chunk := handle.read(CHUNK_SIZE):
            digest.update(chunk)
            out += aead.encrypt(prefix + index.to_bytes(5, "big"), chunk, None)
            index += 1
    digest.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10 MB and fewer runs")
    args = parser.parse_args()
    payload_mb = 10 if args.quick else 50
    runs = 3 if args.quick else 5
    report = Report()
    key = Ed25519PrivateKey.generate()
    cost = KdfCost()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        spec = make_spec(folder, payload_mb)
        password = spec.info.password
        assert password is not None
        kdf = median_time(lambda: derive_key(password, new_encryption(cost, CHUNK_SIZE)), runs)
        counter = iter(range(1000))

        def one_build() -> None:
            out = folder / f"out-{next(counter)}"
            build.build_package(spec, out, key, today=TODAY, kdf_cost=cost)

        # The KDF is excluded by deriving each (password, salt) key once and reusing it:
        # what is timed is everything else a build or a verify does.
        keys: dict[bytes, bytes] = {}

        def cached_derive(secret: Secret, enc: bundle_format.Encryption) -> bytes:
            if enc.salt not in keys:
                keys[enc.salt] = derive_key(secret, enc)
            return keys[enc.salt]

        fixed_salt = os.urandom(bundle_format.SALT_BYTES)
        real_new = bundle_format.new_encryption
        bundle_format.derive_key = cached_derive  # type: ignore[assignment]
        bundle_format.new_encryption = lambda c, s: bundle_format.Encryption(  # type: ignore[assignment]
            c, fixed_salt, os.urandom(bundle_format.PREFIX_BYTES), s
        )
        one_build()  # derives the key once
        built = median_time(one_build, runs)
        bundle_format.new_encryption = real_new
        baseline = median_time(lambda: raw_baseline(folder / "agent.msi"), runs)
        ratio = built / baseline
        report.line(f"package build {payload_mb} MB, KDF excluded", built * 1000, "ms")
        report.line(f"raw AES-256-GCM + SHA-256 {payload_mb} MB", baseline * 1000, "ms")
        report.line("Argon2id (excluded above)", kdf * 1000, "ms")
        report.line("package build ratio vs raw", ratio, "x", "<=", 2.0)

        small = PackageSpec(info=spec.info, network=spec.network, account=spec.account)
        record = build.build_package(small, folder / "small", key, today=TODAY, kdf_cost=cost)
        target = Path(record.output)
        public = key.public_key()
        signature_only = median_time(lambda: bundle.verify_bundle(target, [public]), runs * 3)
        full = median_time(lambda: bundle.verify_bundle(target, [public], password), runs * 3)
        report.line("verify small bundle, signature only", signature_only * 1000, "ms")
        report.line("verify small bundle beyond the KDF", full * 1000, "ms", "<=", 20.0)
    report.exit()


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    sys.stderr.write(f"bench took {time.perf_counter() - started:.1f} s\n")
