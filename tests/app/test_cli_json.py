"""`--json` is one JSON document on stdout, on success and on refusal (exit 1), for every
command that has it; and a `--db` in a folder that does not exist is refused, not created."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from app import paths
from app.store import Store
from tests.helpers.audit import fill, unprotect
from ui.entry import cli  # app.cli's group with the kiosk command added

Case = Callable[[Path], list[str]]


def json_commands(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[str]:
    """The path of every command under `group` that has a --json option (through click's
    listing, as `--help` sees them: command groups of their own load when named)."""
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        assert command is not None, name
        if isinstance(command, click.Group):
            yield from json_commands(command, (*path, name))
        elif any(isinstance(p, click.Option) and "--json" in p.opts for p in command.params):
            yield " ".join((*path, name))


def missing_db(tmp_path: Path) -> list[str]:
    return ["--db", str(tmp_path / "no-such-folder" / "joinery.db")]


def db(tmp_path: Path) -> list[str]:
    return ["--db", str(tmp_path / "joinery.db")]


def file_with(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


BAD_XML = b"<WindowsCustomizations><PackageConfig>"  # cut short
NOT_A_BUNDLE = b"PK\x03\x04 this is a zip file, not a Joinery bundle" * 10

#: A refusal for every command with --json: arguments after `joinery`, given a tmp folder.
REFUSALS: dict[str, Case] = {
    "audit verify": lambda t: [*missing_db(t), "audit", "verify"],
    "autopilot export": lambda t: [*db(t), "autopilot", "export", str(t / "out")],  # no hashes
    "autopilot import": lambda t: [
        *db(t),
        "autopilot",
        "import",
        file_with(t, "bad.csv", b"Device Serial Number,Windows Product ID,hardware hash\r\n"),
    ],
    "device-files verify": lambda t: [*db(t), "device-files", "verify", str(t)],  # no manifest
    "device-files write": lambda t: [*db(t), "device-files", "NOSUCH01", "-o", str(t / "out")],
    "autopilot upload": lambda t: [*db(t), "autopilot", "upload", "--all"],  # no tenant
    "devices list": lambda t: [*db(t), "--operator", "nobody", "devices", "list"],
    "enroll": lambda t: [*db(t), "enroll", "PF3KX1ZB", "--edition", "Windows 11 Home"],
    "fleet at": lambda t: [*db(t), "fleet", "at", "2020-01-01"],  # no snapshot that early
    "fleet summary": lambda t: [*missing_db(t), "fleet", "summary"],
    "ingest": lambda t: [*db(t), "ingest", file_with(t, "report.json", b'{"schema": 7}')],
    "operator list": lambda t: [*missing_db(t), "operator", "list"],
    "package build": lambda t: [
        *db(t),
        "package",
        "build",
        file_with(t, "customizations.xml", BAD_XML),
        "-o",
        str(t / "out"),
    ],
    "tenant connect": lambda t: [
        *db(t),
        *("tenant", "connect", "--tenant-id", "not a tenant", "--client-id", "x"),
        "--device-code",
    ],
    "tenant status": lambda t: [*missing_db(t), "tenant", "status"],
    "tenant sync": lambda t: [*db(t), "tenant", "sync"],  # no tenant connected
    "package from-xml": lambda t: [
        "package",
        "from-xml",
        file_with(t, "customizations.xml", BAD_XML),
    ],
    "package inspect": lambda t: ["package", "inspect", file_with(t, "x.bundle", NOT_A_BUNDLE)],
    "package verify": lambda t: [
        *db(t),
        "package",
        "verify",
        file_with(t, "x.bundle", NOT_A_BUNDLE),
    ],
    "policy import": lambda t: [*db(t), "policy", "import", file_with(t, "p.json", b"{not json")],
    "policy list": lambda t: [*missing_db(t), "policy", "list"],
    "policy template": lambda t: [*missing_db(t), "policy", "template", "baseline"],
    "stale plan": lambda t: [*db(t), "stale", "plan", "--days", "5"],  # at least 21
    # The serial confirmed is not the one named: nothing is decommissioned.
    "stale decommission": lambda t: [
        *db(t),
        "stale",
        "decommission",
        "PF5KX2QA",
        "--confirm",
        "PF5KX2QB",
    ],
}


def invoke(args: list[str], **env: str) -> click.testing.Result:
    return CliRunner().invoke(cli, args, env={"JOINERY_PIN": "000000", **env})


def test_every_json_command_has_a_refusal_case() -> None:
    assert set(json_commands(cli)) == set(REFUSALS)


@pytest.mark.parametrize("command", sorted(REFUSALS))
def test_a_refusal_is_one_json_document_and_exit_1(command: str, tmp_path: Path) -> None:
    result = invoke([*REFUSALS[command](tmp_path), "--json"])
    assert result.exit_code == 1, (result.stdout, result.stderr, result.exception)
    document = json.loads(result.stdout)  # exactly one document: trailing text fails here
    assert isinstance(document, dict)
    assert isinstance(document["error"], str) and document["error"]
    assert result.stderr.startswith("joinery: ")  # the reason on stderr, as without --json


@pytest.mark.parametrize("command", sorted(REFUSALS))
def test_without_json_a_refusal_prints_nothing_on_stdout(command: str, tmp_path: Path) -> None:
    result = invoke(REFUSALS[command](tmp_path))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("joinery: ")


def test_a_rejected_import_keeps_its_report_keys(tmp_path: Path) -> None:
    result = invoke([*REFUSALS["autopilot import"](tmp_path), "--json"])
    document = json.loads(result.stdout)
    assert "nothing was imported" in document["error"]
    assert document["committed"] is False and document["imported"] == 0
    assert document["rejected"][0]["column"] == "Hardware Hash"


def test_a_refusal_lists_its_problems(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"Device Serial Number,Windows Product ID,Hardware Hash\r\nX 1,,AAAA\r\n")
    result = invoke([*db(tmp_path), "ingest", str(bad), "--json"])
    document = json.loads(result.stdout)
    assert result.exit_code == 1 and document["problems"]
    assert {"file", "line", "column", "reason"} <= set(document["problems"][0])


def test_a_tampered_audit_trail_is_one_document_with_the_error(tmp_path: Path) -> None:
    with Store.open(tmp_path / "joinery.db") as store:
        fill(store, 10)
        unprotect(store)
        store.conn.execute("UPDATE audit SET actor = 'mallory' WHERE id = 4")
    result = invoke([*db(tmp_path), "audit", "verify", "--json"])
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["ok"] is False and "entry 4 was changed" in document["error"]


def test_a_usage_error_under_json_is_one_document_and_exit_2(tmp_path: Path) -> None:
    result = invoke([*db(tmp_path), "stale", "plan", "--days", "many", "--json"])
    assert result.exit_code == 2
    document = json.loads(result.stdout)
    assert document["usage"] is True and "many" in document["error"]


# -- --db in a folder that does not exist -------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [["devices", "list"], ["fleet", "summary"], ["enroll", "PF3KX1ZB"], ["demo", "seed"]],
)
def test_a_db_in_a_missing_folder_is_refused_and_not_created(
    args: list[str], tmp_path: Path
) -> None:
    result = invoke([*missing_db(tmp_path), *args])
    assert result.exit_code == 1
    assert "no-such-folder does not exist" in result.stderr
    assert "nothing was created" in result.stderr
    assert not (tmp_path / "no-such-folder").exists()


def test_joinery_db_in_a_missing_folder_is_refused_by_name(tmp_path: Path) -> None:
    target = tmp_path / "typo" / "joinery.db"
    result = invoke(["devices", "list"], **{paths.DB_ENV: str(target)})
    assert result.exit_code == 1
    assert result.stderr.startswith(f"joinery: {paths.DB_ENV} {target}: the folder")
    assert not target.parent.exists()


def test_a_db_whose_folder_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    result = invoke(["--db", str(tmp_path / "file" / "joinery.db"), "devices", "list"])
    assert result.exit_code == 1 and "is not a folder" in result.stderr


def test_the_kiosk_refuses_a_db_in_a_missing_folder_before_opening_a_window(
    tmp_path: Path,
) -> None:
    result = invoke([*missing_db(tmp_path), "kiosk"])
    assert result.exit_code == 1 and "does not exist" in result.stderr
    assert not (tmp_path / "no-such-folder").exists()


def test_a_db_in_an_existing_folder_is_created(tmp_path: Path) -> None:
    result = invoke([*db(tmp_path), "devices", "list", "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout) == []
    assert (tmp_path / "joinery.db").exists()


# -- help ---------------------------------------------------------------------------------------


def test_package_build_help_says_what_a_project_is() -> None:
    result = CliRunner().invoke(cli, ["package", "build", "--help"])
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    assert "PROJECT is a customizations.xml" in text
    assert "or a folder holding one and the payload files it names" in text
