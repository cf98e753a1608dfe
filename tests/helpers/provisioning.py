"""What the provisioning tests share: the canary secrets of a package, its date, a real
certificate, and a bundle cost cheap enough for tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.demo import sample_certificate
from app.provisioning.bundle import KdfBounds, KdfCost

TODAY = dt.date(2025, 6, 1)
CANARIES = {
    "token": "CANARY-BPRT-7f3e9a",
    "psk": "CANARY-PSK-88b2",
    "password": "CANARY-PACKAGE-PASSWORD-31",
}
#: Argon2id at its cheapest: a bundle written in tests, and the bounds that accept it.
CHEAP = KdfCost(m=8, t=1, p=1)
CHEAP_BOUNDS = KdfBounds(m=(8, 1024), t=(1, 4), p=(1, 4))
SIGNER = Ed25519PrivateKey.generate()


def write_certificate(path: Path) -> Path:
    return sample_certificate(path, "Joinery Test Root")
