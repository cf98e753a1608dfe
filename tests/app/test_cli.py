"""The command-line contract: names, --json shapes and exit status 0/1/2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from app import demo
from app.cli import cli


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def hashes(tmp_path: Path) -> Path:
    folder = tmp_path / "hashes"
    code, _, err = run("demo", "autopilot-csv", str(folder), "--devices", "12")
    assert code == 0, err
    return folder


def test_import_json_then_list(db_path: Path, hashes: Path) -> None:
    files = sorted(str(p) for p in hashes.iterdir())
    assert len(files) == 12  # one file per device, as captured at the bench
    code, out, _ = run("--db", str(db_path), "autopilot", "import", *files, "--json")
    assert code == 0
    report = json.loads(out)
    assert report["imported"] == 12 and report["updated"] == 0 and report["reimaged"] == 0
    assert report["rejected"] == []
    code, out, _ = run("--db", str(db_path), "devices", "list", "--json")
    listed = json.loads(out)
    assert len(listed) == 12 and {d["enrollment_status"] for d in listed} == {"registered"}
    code, out, _ = run("--db", str(db_path), "devices", "list", "--limit", "5", "--json")
    assert len(json.loads(out)) == 5


def test_an_import_says_which_lines_of_a_mixed_file_were_read_as_ansi(
    db_path: Path, hashes: Path, tmp_path: Path
) -> None:
    """Lines joined from a UTF-8 capture and an ANSI one: both read, and the person told."""
    first, second = sorted(hashes.iterdir())[:2]
    utf8 = first.read_text("utf-16").splitlines()
    ansi = second.read_text("utf-16").splitlines()[1:]
    header = utf8[0] + ",Group Tag"
    body = [utf8[1] + ",Café", *(line + ",Müller" for line in ansi)]
    joined = tmp_path / "joined.csv"
    joined.write_bytes(
        (header + "\r\n" + body[0] + "\r\n").encode("utf-8")
        + "".join(line + "\r\n" for line in body[1:]).encode("cp1252")
    )
    code, out, err = run("--db", str(db_path), "autopilot", "import", str(joined), "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["imported"] == 2 and report["rejected"] == []
    [warning] = report["warnings"]
    assert warning["file"] == str(joined) and "line 3 isn't UTF-8" in warning["reason"]
    tags = {
        d["group_tag"]
        for d in json.loads(run("--db", str(db_path), "devices", "list", "--json")[1])
    }
    assert tags == {"Café", "Müller"}
    again = ["--db", str(db_path), "autopilot", "import", str(joined)]
    code, _, err = run(*again)
    assert code == 0 and "note: " in err and "read as ANSI" in err


def test_rejected_import_exits_1_with_json_and_reason(db_path: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("Device Serial Number,Windows Product ID,hardware hash\r\nX1,,AAAA\r\n")
    code, out, err = run("--db", str(db_path), "autopilot", "import", str(bad), "--json")
    assert code == 1
    assert json.loads(out)["rejected"][0]["line"] == 1
    assert "Hardware Hash" in err and "case-sensitive" in err


def test_rows_skipped_in_an_import_are_printed_with_controls_escaped(
    db_path: Path, tmp_path: Path
) -> None:
    """As a terminal gets it (click strips ANSI escapes only when the output is not one): a
    file named with a terminal escape cannot colour or clear the screen, for autopilot
    import as for ingest (one way to print a rejected row)."""
    bad = tmp_path / "x\x1b[31mred.csv"
    bad.write_text("Device Serial Number,Windows Product ID,Hardware Hash\r\nX1,,AAAA\r\n")
    argv = ["--db", str(db_path), "autopilot", "import", "--skip-invalid", str(bad)]
    result = CliRunner().invoke(cli, argv, color=True)
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stderr
    assert "x\\x1b[31mred.csv, line 2:" in result.stderr


def test_env_var_selects_the_database(db_path: Path, hashes: Path) -> None:
    files = [str(p) for p in hashes.iterdir()][:3]
    code, _, _ = run("autopilot", "import", *files, env={"JOINERY_DB": str(db_path)})
    assert code == 0
    code, out, _ = run("--db", str(db_path), "devices", "list")
    assert code == 0 and len(out.strip().splitlines()) == 3


def test_default_database_lives_in_the_data_dir(tmp_path: Path, hashes: Path) -> None:
    files = [str(p) for p in hashes.iterdir()][:2]
    assert run("autopilot", "import", *files)[0] == 0
    assert (tmp_path / "data" / "joinery.db").exists()


def test_export_writes_intune_files(db_path: Path, hashes: Path, tmp_path: Path) -> None:
    run("--db", str(db_path), "autopilot", "import", *map(str, hashes.iterdir()))
    out_dir = tmp_path / "intune"
    code, out, _ = run("--db", str(db_path), "autopilot", "export", str(out_dir), "--json")
    assert code == 0 and json.loads(out)["devices"] == 12
    data = (out_dir / "autopilot-001.csv").read_bytes()
    assert data.startswith(
        b"Device Serial Number,Windows Product ID,Hardware Hash,Group Tag,Assigned User\r\n"
    )
    code, _, err = run("--db", str(db_path), "autopilot", "export", str(out_dir))
    assert code == 1 and "overwrite" in err
    assert run("--db", str(db_path), "autopilot", "export", str(out_dir), "--overwrite")[0] == 0


def test_usage_errors_exit_2(db_path: Path) -> None:
    assert run("--db", str(db_path), "devices", "list", "--state", "happy")[0] == 2
    assert run("--db", str(db_path), "autopilot", "import")[0] == 2
    assert run("no-such-command")[0] == 2


def test_demo_seed_and_state_filter(db_path: Path) -> None:
    code, out, _ = run("--db", str(db_path), "demo", "seed", "--devices", "400")
    assert code == 0 and "400" in out
    code, out, _ = run("--db", str(db_path), "devices", "list", "--state", "noncompliant", "--json")
    listed = json.loads(out)
    assert listed and {d["compliance_state"] for d in listed} == {"noncompliant"}
    # The demo users are @contoso.com, so their devices can be exported for Autopilot.
    code, out, _ = run("--db", str(db_path), "autopilot", "export", str(db_path.parent / "ap"))
    assert code == 0 and (db_path.parent / "ap" / "autopilot-001.csv").is_file()


def test_newer_database_exits_1_with_advice(db_path: Path) -> None:
    import sqlite3

    run("--db", str(db_path), "devices", "list")
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    code, _, err = run("--db", str(db_path), "devices", "list")
    assert code == 1 and "newer Joinery" in err and "Traceback" not in err


def test_demo_fleet_looks_real() -> None:
    rows = list(demo.devices(2000, seed=3))
    assert len({r["serial"] for r in rows}) == 2000
    makers = {r["manufacturer"] for r in rows}
    assert {"Dell Inc.", "HP", "LENOVO", "Microsoft Corporation"} <= makers
    for row in rows:
        serial = str(row["serial"])
        if row["manufacturer"] == "Dell Inc.":
            assert len(serial) == 7 and serial.isalnum()
        if row["manufacturer"] == "Microsoft Corporation":
            assert len(serial) == 12 and serial.isdigit()
        assert len(str(row["device_name"]).encode()) <= 15
    builds = {str(r["os_version"]).rsplit(".", 1)[0] for r in rows}
    assert {"10.0.19045", "10.0.22631", "10.0.26100"} <= builds
    editions = {str(r["os_edition"]) for r in rows}
    assert any("Windows 10" in e for e in editions) and any("Windows 11" in e for e in editions)
