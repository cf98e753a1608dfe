"""The command contract: tenant connect/status/sync and autopilot upload, --json, exit 0/1/2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.cli import cli
from app.store import Store
from tests.helpers.fake_graph import CLIENT, TENANT, FakeGraph
from tests.helpers.tenant import import_devices


def run(db: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--db", str(db), *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def secret_file(tmp_path: Path, graph: FakeGraph) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(graph.tenant.client_secret + "\n")
    return path


def connect_args(graph: FakeGraph, secret_file: Path) -> list[str]:
    return [
        "tenant", "connect", "--tenant-id", TENANT, "--client-id", CLIENT,
        "--client-secret-file", str(secret_file),
        "--authority-host", graph.url, "--graph-url", graph.url,
    ]  # fmt: skip


def test_connect_upload_sync_status(
    db_path: Path, graph: FakeGraph, secret_file: Path, tmp_path: Path
) -> None:
    # The command line syncs with the real poll interval (15 s): this tenant answers the
    # import with its outcome, so no poll waits.
    graph.tenant.polls_to_finish = 0
    code, out, err = run(db_path, *connect_args(graph, secret_file))
    assert code == 0, err
    assert f"Connected to tenant {TENANT}" in out
    with Store.open(db_path) as store:
        serials = import_devices(store, tmp_path, 3)

    code, out, err = run(db_path, "autopilot", "upload", *serials[:2], "NOSUCHSERIAL", "--json")
    assert code == 0, err
    document = json.loads(out)
    assert document["queued"] == 2
    assert document["skipped"] == [{"serial": "NOSUCHSERIAL", "reason": "not in Joinery"}]
    code, out, _ = run(db_path, "autopilot", "upload", "--all", "--json")
    assert json.loads(out)["queued"] == 1

    graph.tenant.add_managed("MD0001", complianceState="noncompliant")
    code, out, err = run(db_path, "tenant", "sync", "--json")
    assert code == 0, err
    document = json.loads(out)
    assert document["uploaded"] == 3 and document["failed"] == []
    assert document["pulled"] == {"autopilot": 3, "managed": 1}

    code, out, _ = run(db_path, "tenant", "status", "--json")
    status = json.loads(out)
    assert status["connected"] is True and status["tenant_id"] == TENANT
    assert status["outbox"] == {"pending": 0, "parked": 0, "done": 3}
    assert status["last_sync"].endswith("Z")

    code, out, _ = run(db_path, "fleet", "summary", "--json")
    assert json.loads(out)["intune"] == {"noncompliant": 1}


def test_sync_when_the_tenant_cannot_be_reached_exits_1_and_keeps_the_outbox(
    db_path: Path, graph: FakeGraph, secret_file: Path, tmp_path: Path
) -> None:
    assert run(db_path, *connect_args(graph, secret_file))[0] == 0
    with Store.open(db_path) as store:
        serials = import_devices(store, tmp_path, 2)
    run(db_path, "autopilot", "upload", *serials)
    graph.stop()

    code, out, err = run(db_path, "tenant", "sync")
    assert code == 1
    assert err.count("\n") == 1 and "cannot be reached" in err
    code, out, err = run(db_path, "tenant", "sync", "--json")
    assert code == 1 and "cannot be reached" in json.loads(out)["error"]

    status = json.loads(run(db_path, "tenant", "status", "--json")[1])
    assert status["connected"] is False and status["offline_since"]
    assert status["outbox"]["pending"] == 2
    code, out, _ = run(db_path, "tenant", "status")
    assert "offline since" in out and "2 waiting" in out


def test_sync_without_a_tenant_says_how_to_connect(db_path: Path) -> None:
    code, out, err = run(db_path, "tenant", "sync", "--json")
    assert code == 1 and "joinery tenant connect" in json.loads(out)["error"]
    status = json.loads(run(db_path, "tenant", "status", "--json")[1])
    assert status["connected"] is False and status["tenant_id"] is None
    assert status["last_sync"] is None and status["outbox"] == {
        "pending": 0,
        "parked": 0,
        "done": 0,
    }


def test_usage_errors(db_path: Path, graph: FakeGraph, secret_file: Path) -> None:
    code, _, err = run(db_path, "tenant", "connect", "--tenant-id", TENANT, "--client-id", CLIENT)
    assert code == 1 and "exactly one of" in err
    code, _, err = run(db_path, "autopilot", "upload")
    assert code == 1 and "--all" in err
    code, _, _ = run(db_path, "tenant", "status", "--bogus")
    assert code == 2


def test_connect_refused_exits_1_with_the_reason(
    db_path: Path, graph: FakeGraph, tmp_path: Path
) -> None:
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("wrong-secret")
    code, out, err = run(
        db_path, *connect_args(graph, wrong)[:-4], "--authority-host", graph.url,
        "--graph-url", graph.url, "--json",
    )  # fmt: skip
    assert code == 1
    assert "the client secret is wrong" in json.loads(out)["error"]
    assert "wrong-secret" not in out + err
