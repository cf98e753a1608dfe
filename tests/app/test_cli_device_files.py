"""`joinery device-files`: the contract's shape (DESIGN.md), one JSON document on success and
on refusal, and verify's exit 1 naming the first file that does not match."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from app import services, settings
from app.security.roles import Actor, Role
from app.store import Store
from ui.entry import cli

ADA = Actor("ada", Role.ADMIN)
TENANT = {
    "tenant_id": "1537de22-988c-4e93-b8a5-83890f34a69b",
    "tenant_domain": "contoso.onmicrosoft.com",
    "autopilot_profile_id": "7f9e6025-1e13-45f3-bf82-a3e8c5b59eac",
}


def run(db_path: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", str(db_path), *args])


@pytest.fixture
def enrolled(db_path: Path) -> list[str]:
    serials = ["PF3KX1ZB", "PF3KX1ZC"]
    with Store.open(db_path) as store:
        settings.put_many(store, ADA, TENANT)
        services.enroll_devices(store, [services.EnrollRequest(s) for s in serials], actor=ADA)
    return serials


def test_write_prints_the_contract_document(
    db_path: Path, enrolled: list[str], tmp_path: Path
) -> None:
    out = tmp_path / "stick"
    result = run(
        db_path, "device-files", *enrolled, "-o", str(out), "--only", "autopilot", "--json"
    )
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["manifest"] == str(out / "manifest.json")
    assert [(w["serial"], w["folder"], w["files"]) for w in document["written"]] == [
        (s, str(out / s), ["AutopilotConfigurationFile.json", "README.txt"]) for s in enrolled
    ]


def test_only_can_be_repeated_and_write_is_the_long_form(
    db_path: Path, enrolled: list[str], tmp_path: Path
) -> None:
    out = tmp_path / "stick"
    result = run(
        db_path, "device-files", "write", enrolled[0], "-o", str(out),
        "--only", "autopilot", "--only", "unattend",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "AutopilotConfigurationFile.json, unattend.xml, README.txt" in result.stdout
    assert "joinery device-files verify" in result.stdout  # says how to check them


def test_an_existing_folder_needs_replace(
    db_path: Path, enrolled: list[str], tmp_path: Path
) -> None:
    out = str(tmp_path / "stick")
    assert run(db_path, "device-files", enrolled[0], "-o", out).exit_code == 0
    refused = run(db_path, "device-files", enrolled[0], "-o", out, "--json")
    assert refused.exit_code == 1 and "--replace" in json.loads(refused.stdout)["error"]
    assert run(db_path, "device-files", enrolled[0], "-o", out, "--replace").exit_code == 0


def test_verify_exits_1_naming_the_first_file_that_does_not_match(
    db_path: Path, enrolled: list[str], tmp_path: Path
) -> None:
    out = tmp_path / "stick"
    assert run(db_path, "device-files", *enrolled, "-o", str(out)).exit_code == 0
    ok = run(db_path, "device-files", "verify", str(out), "--json")
    assert ok.exit_code == 0 and json.loads(ok.stdout)["ok"] is True
    (out / enrolled[1] / "unattend.xml").write_text("<unattend/>")
    (out / enrolled[1] / "README.txt").write_text("changed")
    bad = run(db_path, "device-files", "verify", str(out))
    assert bad.exit_code == 1 and bad.stdout == ""
    assert bad.stderr.startswith(f"joinery: {enrolled[1]}/README.txt does not match")
    document = json.loads(run(db_path, "device-files", "verify", str(out), "--json").stdout)
    assert document["file"] == f"{enrolled[1]}/README.txt"


def test_verify_names_what_lies_beside_the_device_folders_as_not_checked(
    db_path: Path, enrolled: list[str], tmp_path: Path
) -> None:
    """A folder planted to look like a device's, or an answer file at the stick's root,
    passed verify in silence, though the help said added files fail it."""
    out = tmp_path / "stick"
    assert run(db_path, "device-files", enrolled[0], "-o", str(out)).exit_code == 0
    clean = json.loads(run(db_path, "device-files", "verify", str(out), "--json").stdout)
    assert clean["unlisted"] == []
    (out / "DF9").mkdir()
    (out / "DF9" / "unattend.xml").write_text("<unattend/>")
    (out / "Autounattend.xml").write_text("<unattend/>")
    said = run(db_path, "device-files", "verify", str(out))
    assert said.exit_code == 0  # the listed device folders still check out
    assert "Not in the manifest, so not checked: Autounattend.xml, DF9/" in said.stderr
    document = json.loads(run(db_path, "device-files", "verify", str(out), "--json").stdout)
    assert document["unlisted"] == ["Autounattend.xml", "DF9/"]


def test_verify_checks_the_signer_with_trust_key(
    db_path: Path, enrolled: list[str], tmp_path: Path
) -> None:
    out = tmp_path / "stick"
    written = run(db_path, "device-files", enrolled[0], "-o", str(out))
    public = written.stdout.split("--trust-key ")[1].strip()
    result = run(db_path, "device-files", "verify", str(out), "--trust-key", public)
    assert result.exit_code == 0 and "a trusted signer" in result.stdout
