"""One wording per compliance state: app/compliance/words.py is the only place that spells one.

Tiles, the table, filters, charts, the detail pane, exports and the CLI all read STATE_WORDS;
a second spelling ("Not synced" beside "Unknown", "Noncompliant" beside "Not compliant") is
what this test exists to catch.
"""

from __future__ import annotations

import ast
from pathlib import Path

from app import services
from app.compliance.evaluate import ca_decision
from app.compliance.words import STATE_WORDS, state_words
from app.domain import ComplianceState

ROOT = Path(__file__).resolve().parents[3]
#: Other spellings seen in Intune's portal and exports, or in earlier versions of Joinery.
ALTERNATES = ("Not synced", "Noncompliant", "Non-compliant", "Not Compliant", "In-grace period")
#: Where a word is not a compliance state's: the file reads outside input, or means another thing.
ALLOWED = {
    ("app/compliance/words.py", None),  # the table itself
    ("app/ingest/intune_csv.py", None),  # reads Intune's own words from its export
    ("app/ingest/report.py", "Unknown"),  # BitLocker's protectionStatus, not a compliance state
}


def spellings() -> list[str]:
    words = {w.casefold() for w in STATE_WORDS.values()}
    found = []
    for folder in ("app", "ui"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            where = path.relative_to(ROOT).as_posix()
            if (where, None) in ALLOWED:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Constant) or not isinstance(node.value, str):
                    continue
                text = node.value.strip()
                capitalised = text[:1].isupper()  # words on screen; lower case is a stored value
                spelled = capitalised and text.casefold() in words
                other = any(alternate in text for alternate in ALTERNATES)
                if (spelled or other) and (where, text) not in ALLOWED:
                    found.append(f"{where}:{node.lineno}: {text!r}")
    return found


def test_no_module_spells_a_state_but_the_words_table() -> None:
    assert spellings() == []


def test_every_state_has_words_and_tiles_use_them() -> None:
    assert set(STATE_WORDS) == {s.value for s in ComplianceState}
    tiles = dict(services.TILES)
    for state in ComplianceState:
        if state.value in tiles:
            assert tiles[state.value] == STATE_WORDS[state]
    assert tiles["unknown"] == "Unknown"


def test_conditional_access_names_the_state_in_its_words() -> None:
    reason = ca_decision(ComplianceState.NONCOMPLIANT.value).reason
    assert state_words("noncompliant") in reason and "noncompliant" not in reason
