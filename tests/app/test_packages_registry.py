"""The package registry: build + row + audit at once, versions, expiry, revoke, devices, verify."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from app import demo, services
from app.domain import DeviceQuery
from app.errors import Cancelled, InputError, KnownError
from app.provisioning import build as builder
from app.provisioning.model import (
    App,
    BulkToken,
    Certificate,
    DeviceSetup,
    Network,
    PackageInfo,
    PackageSpec,
)
from app.security.roles import Actor, PermissionDenied, Role
from app.security.secret import Secret
from app.store import Store
from app.store.schema import SCHEMA_VERSION
from tests.helpers.actors import ADMIN
from tests.helpers.provisioning import CHEAP, CHEAP_BOUNDS, SIGNER, write_certificate

LEAD = Actor("lena", Role.LEAD)
TECH = Actor("tom", Role.TECHNICIAN)
TODAY = dt.date(2025, 6, 1)
CANARY = "CANARY-REGISTRY-BPRT-5c1d"
PASSWORD = "CANARY-REGISTRY-PASSWORD-0042"


@pytest.fixture
def payload(tmp_path: Path) -> Path:
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "7z.msi").write_bytes(b"MSI" * 100)
    write_certificate(folder / "root.cer")
    return folder


def make_spec(payload: Path, *, name: str = "Bench-Entra", version: str = "1.0") -> PackageSpec:
    return PackageSpec(
        info=PackageInfo(name=name, version=version, rank=7, password=Secret(PASSWORD)),
        device=DeviceSetup(name_template="CTS-%SERIAL%"),
        network=Network(ssid="Bench", key=Secret("bench wifi key 1")),
        account=BulkToken("Bench", Secret(CANARY), TODAY + dt.timedelta(days=90), TODAY),
        apps=(App("SevenZip", str(payload / "7z.msi")),),
        certificates=(Certificate("Root", str(payload / "root.cer")),),
    )


def build(store: Store, spec: PackageSpec, out: Path, **kwargs: object) -> object:
    kwargs.setdefault("actor", LEAD)
    kwargs.setdefault("today", TODAY)
    return services.build_and_record(
        store, spec, out, SIGNER, kdf_cost=CHEAP, kdf_bounds=CHEAP_BOUNDS, **kwargs
    )  # type: ignore[arg-type]


def public_key_file(folder: Path) -> Path:
    """SIGNER's public key as a PEM file, to pin with trust_keys."""
    from cryptography.hazmat.primitives import serialization

    path = folder / "signer.pub"
    path.write_bytes(
        SIGNER.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return path


def test_schema_has_the_registry(store: Store) -> None:
    assert store.schema_version == SCHEMA_VERSION  # whatever number the merge settles on
    assert "packages" in store.db.table_names()
    assert "package_build" in store.db["devices"].columns_dict


def test_build_records_row_and_audit_without_secrets(
    store: Store, payload: Path, tmp_path: Path, db_path: Path
) -> None:
    steps: list[tuple[int, int]] = []
    spec = make_spec(payload)
    recorded = build(store, spec, tmp_path / "out", progress=lambda d, t: steps.append((d, t)))
    row = store.package_builds()[0]
    assert recorded == row
    assert (row.name, row.version, row.rank, row.owner) == ("Bench-Entra", "1.0", 7, "ITAdmin")
    assert row.package_id == str(spec.info.package_id)
    assert row.token_account == spec.info.token_account
    assert row.token_expires == (TODAY + dt.timedelta(days=90)).isoformat()
    assert row.signer_key_id and len(row.sha256) == 64 and row.form == "bundle"
    assert Path(row.output).is_file() and row.encrypted
    assert steps[-1][0] == steps[-1][1]
    entry = store.audit_entries(action="package.build")[0]
    assert entry.actor == "lena" and entry.target == "Bench-Entra 1.0"
    assert entry.details["sha256"] == row.sha256
    store.close()
    raw = db_path.read_bytes() + b"".join(
        p.read_bytes() for p in db_path.parent.glob(db_path.name + "*")
    )
    for secret in (CANARY, PASSWORD, "bench wifi key 1"):
        assert secret.encode() not in raw


def test_next_version_bumps_for_a_known_name(store: Store, payload: Path, tmp_path: Path) -> None:
    assert services.next_version(store, "Bench-Entra", actor=ADMIN) == "1.0"
    build(store, make_spec(payload), tmp_path / "out")
    assert services.next_version(store, "bench-entra", actor=ADMIN) == "1.1"
    build(store, make_spec(payload, version="1.9"), tmp_path / "out")
    assert services.next_version(store, "Bench-Entra", actor=ADMIN) == "1.10"
    with pytest.raises(InputError, match="build it as version 1.10"):
        build(store, make_spec(payload), tmp_path / "out")


def test_next_versions_of_a_cart_agree_with_next_version(
    store: Store, payload: Path, tmp_path: Path
) -> None:
    build(store, make_spec(payload), tmp_path / "out")
    build(store, make_spec(payload, version="1.9"), tmp_path / "out")
    names = ["bench-entra", "Never Built", " Bench-Entra "]
    found = services.next_versions(store, names, actor=ADMIN)
    assert found == {n: services.next_version(store, n, actor=ADMIN) for n in names}
    assert found == {"bench-entra": "1.10", "Never Built": "1.0", " Bench-Entra ": "1.10"}


def test_expired_token_refuses_a_new_build(store: Store, payload: Path, tmp_path: Path) -> None:
    spec = make_spec(payload)
    with pytest.raises(InputError, match="expired"):
        build(store, spec, tmp_path / "out", today=TODAY + dt.timedelta(days=90))
    assert store.package_builds() == []
    assert not (tmp_path / "out").exists()


def test_technician_may_not_build(store: Store, payload: Path, tmp_path: Path) -> None:
    with pytest.raises(PermissionDenied):
        build(store, make_spec(payload), tmp_path / "out", actor=TECH)


def test_cancel_after_writing_removes_the_output(
    store: Store, payload: Path, tmp_path: Path
) -> None:
    calls = iter([False, True])
    with pytest.raises(Cancelled):
        build(store, make_spec(payload), tmp_path / "out", cancelled=lambda: next(calls))
    assert list((tmp_path / "out").iterdir()) == []
    assert store.package_builds() == []


def test_failed_record_removes_the_output(
    store: Store, payload: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(build_id: int, row: dict[str, object]) -> bool:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(store, "finish_package_build", broken)
    with pytest.raises(sqlite3.OperationalError):
        build(store, make_spec(payload), tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []
    assert store.audit_entries(action="package.build") == []
    assert store.package_builds() == []  # the build's intent went with it


def test_listing_counts_days_and_revoke_steps(store: Store, payload: Path, tmp_path: Path) -> None:
    build(store, make_spec(payload), tmp_path / "out")
    listing = services.list_packages(store, today=TODAY + dt.timedelta(days=80), actor=ADMIN)[0]
    assert listing.days_left == 10 and listing.expiring and not listing.expired
    later = services.list_packages(store, today=TODAY + dt.timedelta(days=95), actor=ADMIN)[0]
    assert later.expired
    steps = services.revoke_steps(listing.build, today=TODAY)
    assert any(listing.build.token_account in step for step in steps)  # type: ignore[operator]
    assert "expired" in services.revoke_steps(later.build, today=TODAY + dt.timedelta(days=95))[0]


def test_devices_record_which_package_provisioned_them(
    store: Store, payload: Path, tmp_path: Path
) -> None:
    demo.seed(store, 3, seed=2)
    build(store, make_spec(payload), tmp_path / "out")
    build_id = store.package_builds()[0].id
    serial = next(iter(store.iter_devices(DeviceQuery()))).serial
    services.record_provisioned(store, str(serial), build_id, actor=TECH)
    assert [d.serial for d in services.devices_of_package(store, build_id, actor=ADMIN)] == [serial]
    assert store.package_builds()[0].devices == 1
    assert store.audit_entries(action="package.provisioned")[0].target == serial
    with pytest.raises(InputError, match="no device"):
        services.record_provisioned(store, "NOPE-1", build_id, actor=TECH)


def test_verify_and_export_are_audited(store: Store, payload: Path, tmp_path: Path) -> None:
    build(store, make_spec(payload), tmp_path / "out")
    row = store.package_builds()[0]
    pinned = [public_key_file(tmp_path)]
    verdict = services.verify_package(
        store,
        Path(row.output),
        password=Secret(PASSWORD),
        trust_keys=pinned,
        kdf_bounds=CHEAP_BOUNDS,
        actor=ADMIN,
    )
    assert verdict.sha256 == row.sha256
    entry = store.audit_entries(action="package.verify")[0]
    assert entry.details["ok"] is True and entry.details["build"] == row.id
    with pytest.raises(InputError):
        services.verify_package(
            store,
            Path(row.output),
            password=Secret("wrong" * 5),
            trust_keys=pinned,
            kdf_bounds=CHEAP_BOUNDS,
            actor=ADMIN,
        )
    assert store.audit_entries(action="package.verify")[0].details["ok"] is False
    copy = services.export_package(store, row.id, tmp_path / "usb", actor=LEAD)
    assert copy.read_bytes() == Path(row.output).read_bytes()
    assert store.audit_entries(action="package.export")[0].details["sha256"] == row.sha256


def test_export_refuses_a_damaged_source(store: Store, payload: Path, tmp_path: Path) -> None:
    build(store, make_spec(payload), tmp_path / "out")
    row = store.package_builds()[0]
    data = Path(row.output).read_bytes()
    Path(row.output).write_bytes(data[:-1] + bytes([data[-1] ^ 1]))  # never the same byte
    with pytest.raises(KnownError, match="differs"):
        services.export_package(store, row.id, tmp_path / "usb", actor=LEAD)
    assert not (tmp_path / "usb" / Path(row.output).name).exists()


def test_export_never_replaces_a_file_on_the_stick(
    store: Store, payload: Path, tmp_path: Path
) -> None:
    """Copy to a stick replaced a file of the same name there without a word."""
    row = build(store, make_spec(payload), tmp_path / "out")
    theirs = tmp_path / "usb" / Path(row.output).name
    theirs.parent.mkdir()
    theirs.write_bytes(b"someone else's")
    with pytest.raises(InputError, match="does not replace"):
        services.export_package(store, row.id, tmp_path / "usb", actor=LEAD)
    assert theirs.read_bytes() == b"someone else's"
    assert [p.name for p in theirs.parent.iterdir()] == [theirs.name]  # no temporary left


def test_reopen_a_bundle_keeps_the_spec_and_discards_the_scratch(
    store: Store, payload: Path, tmp_path: Path
) -> None:
    spec = make_spec(payload)
    build(store, spec, tmp_path / "out")
    row = store.package_builds()[0]
    opened = services.open_package(
        store, row.id, password=Secret(PASSWORD), actor=LEAD, kdf_bounds=CHEAP_BOUNDS
    )
    assert opened.spec.info.name == "Bench-Entra"
    assert opened.spec.info.package_id == spec.info.package_id
    assert isinstance(opened.spec.account, BulkToken)
    assert opened.spec.account.token.reveal() == CANARY
    assert opened.scratch is not None and opened.scratch.exists()
    rebuilt = dataclasses.replace(
        opened.spec,
        info=dataclasses.replace(
            opened.spec.info,
            version=services.next_version(store, row.name, actor=ADMIN),
            password=Secret(PASSWORD),
        ),
        account=dataclasses.replace(
            opened.spec.account, issued=TODAY, expires=TODAY + dt.timedelta(days=30)
        ),
    )
    build(store, rebuilt, tmp_path / "out", kept=opened.kept, base_dir=opened.base_dir)
    opened.discard()
    assert not opened.scratch.exists()
    assert [b.version for b in store.package_builds()] == ["1.1", "1.0"]
    assert store.audit_entries(action="package.open")[0].details["build"] == row.id


def test_project_form_without_secrets(store: Store, payload: Path, tmp_path: Path) -> None:
    spec = PackageSpec(info=PackageInfo(name="Plain"), device=DeviceSetup(shared_use=True))
    services.build_and_record(store, spec, tmp_path / "out", None, actor=LEAD, today=TODAY)
    row = store.package_builds()[0]
    assert row.form == "project" and row.token_account is None and row.signer_key_id is None
    assert (Path(row.output) / builder.PROJECT_XML).is_file()
    assert "no bulk token" in services.revoke_steps(row)[0]
    opened = services.open_package(store, row.id, actor=LEAD)
    assert opened.spec.device.shared_use and opened.scratch is None


def test_leftover_reopened_folders_are_swept(tmp_path: Path) -> None:
    from app import paths
    from app.services.sweeps import REOPEN_PREFIX, sweep_scratch

    scratch = paths.data_dir() / "scratch"
    (scratch / f"{REOPEN_PREFIX}abc" / "project").mkdir(parents=True)
    (scratch / f"{REOPEN_PREFIX}abc" / "project" / "customizations.xml").write_text("<x/>")
    (scratch / "unrelated").mkdir()
    assert sweep_scratch() == 1
    assert [p.name for p in scratch.iterdir()] == ["unrelated"]


def test_verify_build_checks_a_bundle_against_its_registry_row(
    store: Store, payload: Path, tmp_path: Path
) -> None:
    row = build(store, make_spec(payload), tmp_path / "out")
    verdict = services.verify_build(store, row.id, actor=ADMIN)
    assert verdict.sha256 == row.sha256 and verdict.header.key_id == row.signer_key_id
    output = Path(row.output)
    data = output.read_bytes()
    output.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))  # one bit changed on the stick
    with pytest.raises(InputError):
        services.verify_build(store, row.id, actor=ADMIN)
    verdicts = [e.details["ok"] for e in store.audit_entries(action="package.verify")]
    assert sorted(verdicts) == [False, True]
