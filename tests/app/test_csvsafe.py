"""Exported cells never start a formula (OWASP ASVS V1.2.10), and round-trip through csv."""

from __future__ import annotations

import csv
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from app import csvsafe

PAYLOADS = [
    "=1+1",
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "\0x",
    '"=1"',
    "' =1",
    ' =HYPERLINK("x")',
    "=cmd|'/c notepad'!A1",
]


def test_known_payloads_are_neutralized() -> None:
    for payload in PAYLOADS:
        assert csvsafe.neutralize(payload).startswith("'"), payload


@given(st.sampled_from(csvsafe.TRIGGERS), st.text(max_size=20), st.text(" \"'", max_size=3))
def test_any_trigger_after_quotes_or_spaces_is_neutralized(
    first: str, rest: str, lead: str
) -> None:
    assert csvsafe.neutralize(lead + first + rest).startswith("'")


@given(st.lists(st.lists(st.text(max_size=30), min_size=3, max_size=3), max_size=20))
def test_written_files_read_back_with_only_the_prefix_added(rows: list[list[str]]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "out.csv"
        csvsafe.write(path, ["a", "b", "c"], rows)
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        with path.open(encoding="utf-8-sig", newline="") as handle:
            back = list(csv.reader(handle))
    assert back[0] == ["a", "b", "c"]
    assert back[1:] == [[csvsafe.neutralize(c) for c in row] for row in rows]
    for row in back[1:]:
        for cell in row:
            assert not cell.startswith(csvsafe.TRIGGERS)
