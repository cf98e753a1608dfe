"""Realistic Autopilot CSV rows and files, as Get-WindowsAutopilotInfo writes them.

Windows PowerShell 5.1's Out-File writes UTF-16LE with a BOM; PowerShell 7 writes UTF-8 without
one. The script strips every double quote that ConvertTo-Csv added (domain.md 2.2).
"""

from __future__ import annotations

import base64
import random
from collections.abc import Sequence

from app.autopilot import HEADER

SERIAL_STYLES = (
    "PF{:06X}",  # Lenovo
    "5CG{:07d}",  # HP
    "{:07X}",  # Dell service tag
    "VMware-56 4d {:02x} 1a 2b 3c 4d 5e-6f 70 81 92 a3 b4 c5 d6",
    "0000-{:04d}-3842-5177-0512-6601-20",  # Hyper-V
)


def fake_hash(rng: random.Random, size: int | None = None) -> str:
    """A base64 "4K hash": 2,800-3,600 random bytes, like MDM_DevDetail_Ext01's."""
    return base64.b64encode(rng.randbytes(size or rng.randint(2800, 3600))).decode("ascii")


def fake_serial(rng: random.Random) -> str:
    style = rng.choice(SERIAL_STYLES)
    return style.format(rng.randrange(256 if "VMware" in style else 10_000))


def make_row(
    rng: random.Random,
    columns: int = 3,
    *,
    serial: str | None = None,
    group_tag: str = "Kiosk",
    user: str = "megan@contoso.com",
) -> list[str]:
    """One row of `columns` values; the product ID is empty, as the script leaves it."""
    row = [serial if serial is not None else fake_serial(rng), "", fake_hash(rng)]
    return [*row, group_tag, user][:columns]


def make_rows(rng: random.Random, count: int, columns: int = 3) -> list[list[str]]:
    """`count` rows with distinct serials."""
    return [make_row(rng, columns, serial=f"PF{i:06d}") for i in range(count)]


def make_csv(
    rows: Sequence[Sequence[str]],
    header: Sequence[str] | None = None,
    encoding: str = "utf-16",
    newline: str = "\r\n",
    *,
    bom: bool | None = None,
    quoted: bool = False,
    trailer: str = "",
) -> bytes:
    """A whole file. `encoding="utf-16"` is Windows PowerShell 5.1 (UTF-16LE with BOM);
    "utf-16-be" gets a BOM too unless `bom=False`; `quoted` keeps ConvertTo-Csv's quotes;
    `trailer` is appended after the last line ending (blank lines, say)."""
    if header is None:
        header = HEADER[: len(rows[0])] if rows else HEADER[:3]
    lines = [header, *rows]
    if quoted:
        lines = [[f'"{value}"' for value in line] for line in lines]
    text = "".join(",".join(line) + newline for line in lines) + trailer
    if encoding == "utf-16":
        encoding = "utf-16-le"
    if bom is None:
        bom = encoding.startswith("utf-16")
    if bom:
        text = "\ufeff" + text
    return text.encode(encoding)
