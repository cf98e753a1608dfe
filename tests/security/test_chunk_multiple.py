"""Finding 6: a bundle whose content is an exact multiple of the chunk size never opened.

The format says the last chunk is always shorter than a full one (possibly empty); the
writer kept a full last chunk when the content filled whole chunks, and the reader then took
it for a middle chunk: "the password does not open" a bundle with the right password. Found
by building packages whose content happened to land on a boundary; kept as round trips at
k x chunk size and k x chunk size +- 1 of *content* (manifest and members together).
"""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.provisioning import bundle, bundle_format
from app.provisioning.members import Entry, encode_manifest
from app.security.secret import Secret
from tests.helpers.provisioning import CHEAP, CHEAP_BOUNDS
from tests.security.files_support import PACKAGE

CHUNK = 1024
KEY = Ed25519PrivateKey.generate()
PASSWORD = Secret("CANARY-chunk-password-0123456")


def member_for_content(size: int) -> bytes:
    """Member bytes that make the bundle's content (length, manifest, member) `size` long."""
    length = size
    for _ in range(10):
        data = bytes((i * 31) % 251 for i in range(max(length, 0)))
        entry = Entry("f", len(data), hashlib.sha256(data).hexdigest())
        overhead = 4 + len(encode_manifest([entry]))
        if overhead + len(data) == size:
            return data
        length = size - overhead
    raise AssertionError(f"no member makes content of {size} bytes")


@pytest.mark.parametrize("chunks", [1, 2, 3])
@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_content_on_and_around_a_chunk_boundary_round_trips(
    tmp_path: Path, chunks: int, offset: int
) -> None:
    size = chunks * CHUNK + offset
    data = member_for_content(size)
    path = tmp_path / "b.jbundle"
    bundle.write_bundle(
        path,
        [bundle.Member("f", data)],
        PACKAGE,
        KEY,
        password=PASSWORD,
        kdf_cost=CHEAP,
        kdf_bounds=CHEAP_BOUNDS,
        chunk_size=CHUNK,
    )
    header_length = struct.unpack(">I", path.read_bytes()[8:12])[0]
    sealed = path.stat().st_size - 12 - header_length - bundle_format.SIG_BYTES
    # The format: len // chunk + 1 chunks, the last always shorter (here: empty at offset 0).
    assert sealed == size + (size // CHUNK + 1) * bundle_format.TAG_BYTES
    out = tmp_path / "out"
    verdict = bundle.unpack_bundle(path, out, PASSWORD, KEY.public_key(), kdf_bounds=CHEAP_BOUNDS)
    assert verdict.members is not None and (out / "f").read_bytes() == data
