"""Canary sweep: plant unique secrets, run every flow that exists, then look for them
everywhere they must never be: database files (and -wal, -shm), logs, exports, audit
exports, CLI output and temporary folders, as UTF-8, UTF-16LE, base64 and hex.

Later flows (enrollment Wi-Fi keys, labels, packages) extend this sweep as they land.
"""

from __future__ import annotations

import json
import logging
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from app import services
from app.cli import cli
from app.security import operators, vault
from app.security.roles import Role
from app.security.secret import Secret
from app.store import Store
from app.store.audit import AuditQuery
from tests.helpers.actors import ADMIN
from tests.helpers.canary import encodings, files_under


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "data" / "joinery.log"
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


def test_no_canary_outside_sealed_values(
    tmp_path: Path, db_path: Path, log_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vault, "KDF_COST", {"m": 19456, "t": 2, "p": 1})
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    canaries = {
        "pin": "7" + "".join(secrets.choice("0123456789") for _ in range(11)),
        "wrong_pin": "9" + "".join(secrets.choice("0123456789") for _ in range(11)),
        "passphrase": "canary-pass-" + secrets.token_hex(12),
        "sealed": "canary-wifi-key-" + secrets.token_hex(12),
    }
    monkeypatch.setenv(vault.PASSPHRASE_ENV, canaries["passphrase"])
    runner = CliRunner()
    outputs: list[str] = []

    def cli_run(*args: str, env: dict[str, str] | None = None) -> None:
        result = runner.invoke(cli, ["--db", str(db_path), *args], env=env)
        outputs.append(result.stdout + result.stderr)

    # Flows that exist today: operators and sign-in, the vault, import, export, audit export.
    with Store.open(db_path) as store:
        operators.create_operator(store, None, "ada", Role.ADMIN, Secret(canaries["pin"]))
        with pytest.raises(operators.SignInFailed):
            operators.sign_in(store, "ada", Secret(canaries["wrong_pin"]))
        operators.sign_in(store, "ada", Secret(canaries["pin"]))
        opened = vault.Vault.unlock(store)
        token = opened.seal("settings", "value", "wifi_key", Secret(canaries["sealed"]))
        with store.transaction():
            store.set_setting("wifi_key", token)
        assert opened.unseal("settings", "value", "wifi_key", token).reveal() == canaries["sealed"]
        opened.lock()
    hashes = tmp_path / "hashes"
    cli_run("demo", "autopilot-csv", str(hashes), "--devices", "20")
    cli_run("autopilot", "import", *map(str, hashes.iterdir()), "--json")
    cli_run("--operator", "ada", "devices", "list", "--json", env={"JOINERY_PIN": canaries["pin"]})
    cli_run("--operator", "ada", "devices", "list", env={"JOINERY_PIN": canaries["wrong_pin"]})
    cli_run("autopilot", "export", str(tmp_path / "intune"))
    with Store.open(db_path) as store:
        services.export_audit(store, tmp_path / "audit.csv", AuditQuery(), actor=ADMIN)
        entries = json.dumps([e.details for e in store.audit_entries(limit=10_000)])
        store.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    outputs.append(entries)
    assert len(list((tmp_path / "intune").iterdir())) == 1

    places = list(
        files_under(
            db_path,
            Path(str(db_path) + "-wal"),
            Path(str(db_path) + "-shm"),
            log_file,
            tmp_path / "intune",
            tmp_path / "audit.csv",
            tmp_path / "tmp",
            tmp_path / "data",
        )
    )
    assert log_file in places and db_path in places
    hits = []
    for path in places:
        data = path.read_bytes()
        for name, canary in canaries.items():
            for form in encodings(canary):
                if form in data:
                    hits.append((str(path.relative_to(tmp_path)), name, form[:12]))
    text = "\n".join(outputs)
    for name, canary in canaries.items():
        for form in encodings(canary):
            if form.decode("latin-1") in text:
                hits.append(("cli output / audit details", name, form[:12]))
    assert hits == []
