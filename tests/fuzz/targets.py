"""The parsers under fuzz, each driven the way an operator drives it: through the CLI (the
file read, the service, the store, the printed or --json output), in one process per run.

A crash is any exception other than Joinery's typed errors (a typed error is exit 1 with a
message, which click's runner reports as SystemExit); `run` raises `Crash` for one.
"""

from __future__ import annotations

import random
import shutil
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from app import demo
from app.cli import cli
from app.cli_package import package
from app.compliance.policy import template_text
from tests.fuzz import bundles
from tests.fuzz.mutate import csv_file, json_text, json_tree, xml_file

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
TODAY = datetime.now(UTC).date()


class Crash(Exception):
    """The input made Joinery raise something other than its typed errors."""


def _seeds(folder: str, pattern: str) -> list[bytes]:
    return [p.read_bytes() for p in sorted((DATA / folder).glob(pattern))]


@dataclass
class Context:
    work: Path
    db: Path
    pub: Path
    password: Path
    key: Path
    project: Path


def prepare(work: Path, *, devices: bool) -> Context:
    """The fuzz signer's keys, a project folder and (with `devices`) a database that knows
    the fixtures' devices, so their check-ins are recorded, not refused as unknown."""
    from cryptography.hazmat.primitives import serialization

    work.mkdir(parents=True, exist_ok=True)
    db = work / "fuzz.db"
    for seed in _seeds("autopilot", "*.csv") if devices else []:
        source = work / "seed.csv"
        source.write_bytes(seed)
        _invoke(["--db", str(db), "autopilot", "import", str(source), "--skip-invalid"])
    # The devices of the reports and of the Intune export (its VM too).
    serials = ("PF4XK2QZ", "5CG3471KQD", "8H2KQ73", "0000-4411-3842-5177-0512-6601-20")
    for serial in serials if devices else ():
        _invoke(["--db", str(db), "enroll", serial])
    pub = work / "trusted.pub"
    pub.write_bytes(bundles.public_pem())
    key = work / "trusted.key"
    key.write_bytes(
        bundles.TRUSTED.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    password = work / "password.txt"
    password.write_text(bundles.PASSWORD + "\n", encoding="utf-8")
    project = work / "project"
    (project / "payload").mkdir(parents=True, exist_ok=True)
    (project / "payload" / "7z.msi").write_bytes(b"MSI" * 100)
    (project / "payload" / "agent.exe").write_bytes(b"MZ" * 100)
    demo.sample_certificate(project / "payload" / "root.cer", "Fuzz Root")
    return Context(work, db, pub, password, key, project)


def _invoke(args: list[str], command: click.Command = cli) -> int:
    result = CliRunner().invoke(command, args)
    error = result.exception
    if error is not None and not isinstance(error, SystemExit):
        trace = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        raise Crash(f"joinery {' '.join(args[:4])} ...: {trace}")
    return result.exit_code


@dataclass(frozen=True)
class Target:
    name: str
    generate: Callable[[random.Random], bytes]
    run: Callable[[Context, bytes], int]  # the last command's exit status
    devices: bool = False  # its database must know the fixtures' devices


# -- generators ------------------------------------------------------------------------------

_AUTOPILOT = _seeds("autopilot", "*.csv")
_INTUNE = _seeds("intune", "*.csv")
_REPORTS = _seeds("collector", "*.json")
_XML = _seeds("provisioning", "*.xml")
_POLICIES = [template_text(name).encode() for name in ("baseline", "strict")]


def _json(seeds: list[bytes]) -> Callable[[random.Random], bytes]:
    import json

    documents = [json.loads(s.decode("utf-8-sig")) for s in seeds]

    def generate(rng: random.Random) -> bytes:
        document = documents[rng.randrange(len(documents))]
        try:
            return json_text(rng, json_tree(rng, document))
        except RecursionError:  # a mutation nested past what copy and json can walk
            return json_text(rng, document)

    return generate


def _csv(seeds: list[bytes]) -> Callable[[random.Random], bytes]:
    return lambda rng: csv_file(rng, seeds[rng.randrange(len(seeds))])


def _xml(rng: random.Random) -> bytes:
    return xml_file(rng, _XML[rng.randrange(len(_XML))])


def _bundle(rng: random.Random) -> bytes:
    return bundles.bundle_file(rng, _XML[0])


# -- runners ---------------------------------------------------------------------------------


def _write(ctx: Context, name: str, data: bytes) -> Path:
    path = ctx.work / name
    path.write_bytes(data)
    return path


def _autopilot(ctx: Context, data: bytes) -> int:
    path = _write(ctx, "fuzz.csv", data)
    _invoke(["--db", str(ctx.db), "autopilot", "import", str(path), "--skip-invalid", "--json"])
    return _invoke(["--db", str(ctx.db), "autopilot", "import", str(path)])


def _report(ctx: Context, data: bytes) -> int:
    path = _write(ctx, "joinery-report-fuzz.json", data)
    _invoke(["--db", str(ctx.db), "ingest", str(path), "--skip-invalid", "--json"])
    return _invoke(["--db", str(ctx.db), "ingest", str(path)])


def _intune(ctx: Context, data: bytes) -> int:
    path = _write(ctx, "DevicesWithInventory.csv", data)
    _invoke(["--db", str(ctx.db), "ingest", str(path), "--skip-invalid", "--json"])
    return _invoke(["--db", str(ctx.db), "ingest", str(path)])


def _policy(ctx: Context, data: bytes) -> int:
    path = _write(ctx, "policy.json", data)
    status = _invoke(["--db", str(ctx.db), "policy", "import", str(path), "--json"])
    if status == 0:
        _invoke(["--db", str(ctx.db), "policy", "list", "--json"])
    return status


def _customizations(ctx: Context, data: bytes) -> int:
    path = _write(ctx, "customizations.xml", data)
    _invoke(["package", "from-xml", str(path), "--json"])
    _invoke(["package", "from-xml", str(path)])
    (ctx.project / "customizations.xml").write_bytes(data)
    out = ctx.work / "out"
    shutil.rmtree(out, ignore_errors=True)
    dates = ["--token-issued", str(TODAY), "--token-expires", str(TODAY + timedelta(days=30))]
    # The package group on its own: no registry, so the same name and version build again.
    return _invoke(
        ["build", str(ctx.project), "-o", str(out), "--sign-key", str(ctx.key),
         "--password-file", str(ctx.password), *dates],
        package,
    )  # fmt: skip


def _inspect(ctx: Context, data: bytes) -> int:
    path = _write(ctx, "fuzz.jbundle", data)
    _invoke(["package", "inspect", str(path)])
    return _invoke(["package", "inspect", str(path), "--json", "--trust-key", str(ctx.pub)])


def _verify(ctx: Context, data: bytes) -> int:
    path = _write(ctx, "fuzz.jbundle", data)
    return _invoke(
        ["--db", str(ctx.db), "package", "verify", str(path), "--trust-key", str(ctx.pub),
         "--password-file", str(ctx.password), "--json"]
    )  # fmt: skip


def _unpack(ctx: Context, data: bytes) -> int:
    path = _write(ctx, "fuzz.jbundle", data)
    out = ctx.work / "unpacked"
    shutil.rmtree(out, ignore_errors=True)
    status = _invoke(
        ["package", "unpack", str(path), "-o", str(out), "--trust-key", str(ctx.pub),
         "--password-file", str(ctx.password)]
    )  # fmt: skip
    shutil.rmtree(out, ignore_errors=True)
    return status


TARGETS = {
    t.name: t
    for t in (
        Target("autopilot-csv", _csv(_AUTOPILOT), _autopilot, devices=True),
        Target("checkin-report", _json(_REPORTS), _report, devices=True),
        Target("intune-csv", _csv(_INTUNE), _intune, devices=True),
        Target("policy-json", _json(_POLICIES), _policy),
        Target("customizations-xml", _xml, _customizations),
        Target("bundle-inspect", _bundle, _inspect),
        Target("bundle-verify", _bundle, _verify),
        Target("bundle-unpack", _bundle, _unpack),
    )
}


def cheap_kdf() -> pytest.MonkeyPatch:
    """The fuzz bundles use Argon2id at its cheapest (8 KiB): readers must accept it."""
    from tests.security.files_support import cheap_kdf as patch

    monkeypatch = pytest.MonkeyPatch()
    patch(monkeypatch)
    return monkeypatch
