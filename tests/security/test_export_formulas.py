"""Finding 18: `autopilot export` wrote spreadsheet formulas verbatim.

The attack: a hardware-hash CSV (from a vendor, a stick, a colleague) whose serial, group
tag or assigned user begins with "=", "+", "-" or "@". Imported as data, it was exported
as-is into the Intune CSV, which people open in Excel before uploading: the cell ran as a
formula. Intune's format cannot quote a value, so such values are refused at export, each
named by its device's serial and its column; nothing is written.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from tests.security.files_support import run

HASH = base64.b64encode(bytes(range(256)) * 8).decode()


@pytest.mark.parametrize(
    ("serial", "group_tag", "user", "column"),
    [
        ("+1+cmd", "", "", "Device Serial Number"),
        ("SAFE1", "=cmd|' /C calc'!A0", "", "Group Tag"),
        ("SAFE2", "@SUM(1+1)*cmd|' /C calc'!A0", "", "Group Tag"),
        ("SAFE3", "Bench", "-cmd@contoso.com", "Assigned User"),
    ],
)
def test_a_value_a_spreadsheet_would_run_is_refused_with_its_row(
    tmp_path: Path, serial: str, group_tag: str, user: str, column: str
) -> None:
    source = tmp_path / "vendor.csv"
    header = "Device Serial Number,Windows Product ID,Hardware Hash,Group Tag,Assigned User"
    source.write_text(f"{header}\r\n{serial},,{HASH},{group_tag},{user}\r\n", encoding="utf-8")
    db = tmp_path / "j.db"
    imported = run("autopilot", "import", str(source), db=db)
    assert imported.exit_code == 0, imported.stderr
    out = tmp_path / "usb"
    result = run("autopilot", "export", str(out), db=db)
    assert result.exit_code == 1
    assert repr(serial) in result.stderr and column in result.stderr
    assert "formula" in result.stderr
    assert not out.exists() or list(out.iterdir()) == []
