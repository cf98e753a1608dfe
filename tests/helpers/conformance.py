"""The conformance tests' shared paths (real exported files) and a CLI runner."""

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
