"""Where a canary secret may hide: the encodings it is searched for, and the files searched."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path


def encodings(canary: str) -> Iterator[bytes]:
    raw = canary.encode("utf-8")
    yield raw
    yield canary.encode("utf-16-le")
    yield raw.hex().encode()
    yield raw.hex().upper().encode()
    for shift in range(3):  # base64 of the canary at each alignment inside a longer blob
        encoded = base64.b64encode(b"x" * shift + raw).decode()
        yield encoded[4 if shift else 0 : -4].encode()


def files_under(*roots: Path) -> Iterator[Path]:
    for root in roots:
        if root.is_file():
            yield root
        elif root.is_dir():
            yield from (p for p in root.rglob("*") if p.is_file())
