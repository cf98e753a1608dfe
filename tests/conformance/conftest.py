"""Conformance with the real Microsoft systems (issue 14): shared paths and a CLI runner.

Every test here is one item of the issue, named test_itemNN_..., and drives Joinery through a
public entry point (the CLI, a service, a reader) with a fixture in the exact shape of a real
exported file (tests/data/conformance/, sources in tests/data/SOURCES.md). Names that did not
exist before the fix are imported inside the tests, so on the old code each item fails on
its own.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

DATA = Path(__file__).resolve().parents[1] / "data" / "conformance"
INTUNE_EXPORT = DATA / "DevicesWithInventory-contoso.csv"
POLICY_EXPORT = DATA / "Win - Contoso - CP - Device Health - v1.0.json"
WCD_AUTHORED = DATA / "wcd-authored" / "customizations.xml"


def joinery(db: Path, *args: str) -> Result:
    """`joinery --db DB ARGS...` in-process, as an operator types it."""
    from app.cli import cli

    return CliRunner().invoke(cli, ["--db", str(db), *args], catch_exceptions=False)


def joinery_json(db: Path, *args: str) -> Any:
    result = joinery(db, *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)
