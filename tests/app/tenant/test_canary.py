"""The tenant's secrets never in plain text: a canary client secret, a canary certificate key
and every token the tenant issued are looked for in the database files, the logs (DEBUG,
MSAL's and urllib3's included), the CLI's output (--json too), the audit trail and its
export, as UTF-8, UTF-16LE, hex and base64."""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography import x509

from app import services
from app.cli import cli
from app.store import Store
from app.store.audit import AuditQuery
from tests.helpers.actors import ADMIN
from tests.helpers.canary import encodings, files_under
from tests.helpers.fake_graph import CLIENT, TENANT, FakeGraph
from tests.helpers.tenant import import_devices
from tests.helpers.tls import make_app_certificate


@pytest.fixture
def debug_log(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "data" / "debug.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield path
    root.removeHandler(handler)
    root.setLevel(level)
    handler.close()


def test_no_tenant_secret_outside_the_vault(
    tmp_path: Path, db_path: Path, graph: FakeGraph, debug_log: Path
) -> None:
    canary = "canary-client-secret-" + secrets.token_hex(12)
    graph.tenant.client_secret = canary
    graph.tenant.polls_to_finish = 0  # the CLI polls at 15 s: the import answers at once
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text(canary)
    (tmp_path / "keys").mkdir()
    pem = make_app_certificate(tmp_path / "keys" / "app.pem")
    key_line = pem.read_text().splitlines()[5]  # a line of the private key's base64
    outputs: list[str] = []

    def run(*args: str) -> None:
        result = CliRunner().invoke(cli, ["--db", str(db_path), *args])
        outputs.append(result.stdout + result.stderr)
        assert result.exit_code == 0, result.stderr

    common = ["--tenant-id", TENANT, "--client-id", CLIENT, "--authority-host", graph.url,
              "--graph-url", graph.url, "--json"]  # fmt: skip
    run("-v", "tenant", "connect", "--client-secret-file", str(secret_file), *common)
    with Store.open(db_path) as store:
        serials = import_devices(store, tmp_path, 2)
    run("autopilot", "upload", "--all", "--json")
    graph.tenant.add_managed("MD0001")
    run("-v", "tenant", "sync", "--json")
    run("tenant", "status", "--json")
    run("tenant", "status")
    graph.tenant.certificate = x509.load_pem_x509_certificate(pem.read_bytes())
    run("-v", "tenant", "connect", "--certificate-file", str(pem), *common)
    run("-v", "tenant", "sync")
    with Store.open(db_path) as store:
        services.export_audit(store, tmp_path / "audit.csv", AuditQuery(), actor=ADMIN)
        outputs.append(json.dumps([e.details for e in store.audit_entries(limit=1000)]))
        store.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    assert len(serials) == 2

    canaries = [canary, key_line, *graph.tenant.tokens]
    places = [
        p
        for p in files_under(
            db_path,
            Path(f"{db_path}-wal"),
            Path(f"{db_path}-shm"),
            debug_log,
            tmp_path / "audit.csv",
            tmp_path / "data",
        )  # fmt: skip
        if p.suffix != ".key"
    ]
    assert debug_log.stat().st_size > 0
    for value in canaries:
        for encoded in encodings(value):
            for place in places:
                assert encoded not in place.read_bytes(), f"{value[:12]}… found in {place}"
            for text in outputs:
                assert encoded.decode("latin-1") not in text, f"{value[:12]}… in CLI output"
