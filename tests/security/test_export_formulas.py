"""Finding 18: `autopilot export` wrote spreadsheet formulas verbatim.

The attack: a hardware-hash CSV (from a vendor, a stick, a colleague) whose serial, group
tag or assigned user begins with "=", "+", "-" or "@". Imported as data, it was exported
as-is into the Intune CSV, which people open in Excel before uploading: the cell ran as a
formula. Intune's format cannot quote a value, so such values are refused where the CSV is
read (file, line, column) and, if one reaches a record another way, at export, each named by
its device's serial and its column; nothing is written.
"""

from __future__ import annotations

import base64
import sqlite3
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
    header = "Device Serial Number,Windows Product ID,Hardware Hash,Group Tag,Assigned User"
    planted = tmp_path / "vendor.csv"
    planted.write_text(f"{header}\r\n{serial},,{HASH},{group_tag},{user}\r\n", encoding="utf-8")
    db = tmp_path / "j.db"
    # The Autopilot reader refuses the value already, with its line and column...
    refused = run("autopilot", "import", str(planted), db=db)
    assert refused.exit_code == 1
    assert column in refused.stderr and "formula" in refused.stderr
    # ...and one that reaches the record another way (here: the database edited directly)
    # is refused at the export, named by its serial and column; nothing is written.
    safe = tmp_path / "safe.csv"
    safe.write_text(f"{header}\r\nSAFE0,,{HASH},Bench,\r\n", encoding="utf-8")
    assert run("autopilot", "import", str(safe), db=db).exit_code == 0
    with sqlite3.connect(db) as conn:
        conn.execute(
            "UPDATE devices SET serial = ?, group_tag = ?, assigned_user = ?",
            (serial, group_tag or None, user or None),
        )
    out = tmp_path / "usb"
    result = run("autopilot", "export", str(out), db=db)
    assert result.exit_code == 1
    assert repr(serial) in result.stderr and column in result.stderr
    assert "formula" in result.stderr
    assert not out.exists() or list(out.iterdir()) == []
