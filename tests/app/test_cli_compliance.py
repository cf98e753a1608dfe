"""The compliance commands: names, --json shapes and exit status 0/1/2."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from app.cli import cli
from app.compliance.properties import ODATA_TYPE


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_policy_import_assign_simulate_and_summary(db_path: Path, tmp_path: Path) -> None:
    db = ("--db", str(db_path))
    assert run(*db, "demo", "seed", "--devices", "50")[0] == 0
    code, out, _ = run(*db, "policy", "template", "strict", "--json")
    assert code == 0 and json.loads(out)["name"] == "Strict"
    assert run(*db, "policy", "assign", "Strict", "--all")[0] == 0
    code, _, err = run(*db, "demo", "simulate", "--rate", "20", "--seconds", "1")
    assert code == 0, err
    code, out, _ = run(*db, "fleet", "summary", "--json")
    summary = json.loads(out)
    assert summary["total"] == 50 and sum(summary["states"].values()) == 50
    assert set(summary["states"]) == {
        "compliant",
        "noncompliant",
        "inGracePeriod",
        "notEvaluated",
        "unknown",
        "error",
        "conflict",
        "configManager",
    }
    assert isinstance(summary["stale"], int) and isinstance(summary["failing_settings"], dict)
    out_file = tmp_path / "strict.json"
    assert run(*db, "policy", "export", "Strict", "-o", str(out_file))[0] == 0
    exported = json.loads(out_file.read_text(encoding="utf-8"))
    assert exported["@odata.type"] == ODATA_TYPE and "id" not in exported
    code, out, _ = run(*db, "policy", "import", str(out_file), "--json")
    assert code == 0 and json.loads(out)["created"] is False


def test_malformed_policy_exits_1_naming_the_property(db_path: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"@odata.type": ODATA_TYPE, "displayName": "X", "tpmRequired": 1}))
    code, out, err = run("--db", str(db_path), "policy", "import", str(bad))
    assert code == 1 and out == ""
    assert "tpmRequired" in err and "true or false" in err


def test_stale_plan_json_and_exit_codes(db_path: Path) -> None:
    db = ("--db", str(db_path))
    assert run(*db, "demo", "seed", "--devices", "300")[0] == 0
    code, out, _ = run(*db, "stale", "plan", "--days", "90", "--json")
    plan = json.loads(out)
    assert code == 0 and plan["count"] == len(plan["devices"]) and plan["days"] == 90
    assert run(*db, "stale", "plan", "--days", "10")[0] == 1
    assert run(*db, "stale", "plan", "--days", "many")[0] == 2
    assert run(*db, "policy", "export", "Nope", "-o", "x.json")[0] == 1


def test_snapshot_then_fleet_at(db_path: Path) -> None:
    db = ("--db", str(db_path))
    assert run(*db, "fleet", "snapshot")[0] == 0
    code, out, _ = run(*db, "fleet", "at", "2999-01-01", "--json")
    assert code == 0 and json.loads(out)["total"] == 0
    assert run(*db, "fleet", "at", "1999-01-01")[0] == 1
