"""The record says what is true: a device enrolled at the bench is "prepared" until a check-in,
an Intune export or the tenant confirms its join; an Autopilot device without a hardware hash
is told so, and the Intune export names the devices it leaves out."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlite_utils import Database

from app import demo, services
from app.cli import cli
from app.compliance.facts import DeviceFacts, FactSource
from app.domain import Device
from app.services import EnrollRequest
from app.store import Store
from app.store.schema import migrations
from app.timeutil import iso, now_iso, utcnow
from tests.helpers.actors import ADMIN

DATA = Path(__file__).parent.parent / "data"
SAMPLE = json.loads((DATA / "collector" / "sample-report.json").read_text(encoding="utf-8"))
SERIAL = "PF4XK2QZ"  # the sample report's device
AUTOPILOT = (("provisioning_method", "autopilot"),)


def report(
    folder: Path, serial: str = SERIAL, *, at: str | None = None, joined: bool | None = None
) -> Path:
    """A collector report as Get-JoineryReport.ps1 1.1 writes it (1.0 when `joined` is None)."""
    document = json.loads(json.dumps(SAMPLE))
    document["reportedAt"] = at or now_iso()
    document["device"]["serialNumber"] = serial
    if joined is not None:
        document["schema"] = "joinery.report/1.1"
        document["join"] = {"entraJoined": joined, "domainJoined": False, "tenantId": None}
    path = folder / f"joinery-report-{serial}-{len(list(folder.iterdir()))}.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def intune_export(folder: Path, serial: str, at: str) -> Path:
    """Intune's "All devices" export, the columns Joinery reads (UTF-8 with BOM, quoted)."""
    stamp = at.replace("T", " ").removesuffix("Z") + ".0000000"
    path = folder / "DevicesWithInventory.csv"
    path.write_text(
        '"Device name","Last check-in","Serial number","Compliance","OS"\r\n'
        f'"PC-{serial}","{stamp}","{serial}","Compliant","Windows"\r\n',
        encoding="utf-8-sig",
    )
    return path


def bench(store: Store, serial: str = SERIAL, **kwargs: object) -> Device:
    return services.enroll_device(store, EnrollRequest(serial, **kwargs), actor=ADMIN).device  # type: ignore[arg-type]


def status(store: Store, serial: str = SERIAL) -> str:
    device = store.device_by_serial(serial)
    assert device is not None
    return device.enrollment_status


# -- prepared until confirmed -------------------------------------------------------------------


def test_a_bench_enrollment_is_prepared_not_enrolled(store: Store) -> None:
    device = bench(store)
    assert device.enrollment_status == "prepared" and device.enrolled
    assert device.enrolled_at is not None


def test_a_report_saying_the_device_joined_confirms_it(store: Store, tmp_path: Path) -> None:
    bench(store)
    ingested = services.ingest_files(store, [report(tmp_path, joined=True)], actor=ADMIN)
    assert ingested.joins_confirmed == 1
    assert status(store) == "enrolled"
    device = store.device_by_serial(SERIAL)
    assert device is not None
    entry = store.device_history(device.id)[0]
    assert entry.kind == "join confirmed"
    assert entry.changes == {"enrollment_status": ["prepared", "enrolled"]}
    assert entry.note is not None and "says it is Microsoft Entra joined" in entry.note
    (audit,) = store.audit_entries(action="compliance.checkins")
    assert audit.details["joins_confirmed"] == 1


@pytest.mark.parametrize("joined", [None, False])
def test_a_report_that_does_not_say_joined_confirms_nothing(
    store: Store, tmp_path: Path, joined: bool | None
) -> None:
    """A collector run at the OOBE (to collect the hash) proves the device booted, not that
    it joined; a 1.0 report does not say."""
    bench(store)
    assert (
        services.ingest_files(store, [report(tmp_path, joined=joined)], actor=ADMIN).joins_confirmed
        == 0
    )
    assert status(store) == "prepared"


def test_a_check_in_from_before_the_bench_confirms_nothing(store: Store, tmp_path: Path) -> None:
    bench(store)
    earlier = iso(utcnow() - timedelta(days=2))
    services.ingest_files(store, [report(tmp_path, at=earlier, joined=True)], actor=ADMIN)
    services.ingest_files(store, [intune_export(tmp_path, SERIAL, earlier)], actor=ADMIN)
    assert status(store) == "prepared"


def test_intune_listing_the_device_confirms_it(store: Store, tmp_path: Path) -> None:
    bench(store)
    ingested = services.ingest_files(
        store, [intune_export(tmp_path, SERIAL, now_iso())], actor=ADMIN
    )
    assert ingested.joins_confirmed == 1 and status(store) == "enrolled"
    device = store.device_by_serial(SERIAL)
    assert device is not None
    assert "Intune lists the device" in (store.device_history(device.id)[0].note or "")


def test_the_tenant_confirms_it(store: Store) -> None:
    bench(store)
    facts = DeviceFacts(SERIAL, now_iso(), FactSource.TENANT, reported_compliance="compliant")
    assert services.record_checkins(store, [facts], actor=ADMIN).joins_confirmed == 1
    assert status(store) == "enrolled"


def test_a_reimage_at_the_bench_prepares_the_device_again(store: Store, tmp_path: Path) -> None:
    bench(store)
    services.ingest_files(store, [intune_export(tmp_path, SERIAL, now_iso())], actor=ADMIN)
    assert status(store) == "enrolled"
    again = bench(store, update=True)
    assert again.enrollment_status == "prepared"


def test_registered_devices_stay_registered_at_a_check_in(store: Store, tmp_path: Path) -> None:
    rows = demo.autopilot_rows(1)
    (tmp_path / "hash.csv").write_bytes(demo.capture_csv(rows))
    services.import_autopilot(store, [tmp_path / "hash.csv"], actor=ADMIN)
    services.ingest_files(store, [intune_export(tmp_path, rows[0].serial, now_iso())], actor=ADMIN)
    assert status(store, rows[0].serial) == "registered"


def test_devices_list_json_keeps_its_keys_and_says_prepared(db_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["--db", str(db_path), "enroll", SERIAL]).exit_code == 0
    result = runner.invoke(cli, ["--db", str(db_path), "devices", "list", "--json"])
    (listed,) = json.loads(result.stdout)
    assert listed["enrollment_status"] == "prepared"
    assert set(listed) == set(Device.__dataclass_fields__)  # no key added or lost


# -- the migration ------------------------------------------------------------------------------


def test_older_bench_enrollments_without_a_check_in_become_prepared(db_path: Path) -> None:
    conn = sqlite3.connect(db_path, isolation_level=None)
    migrations.apply(Database(conn), stop_before="m009_prepared_at_bench")
    conn.execute("PRAGMA user_version = 8")
    columns = "(serial, enrollment_status, enrolled_at, last_checkin, created_at, updated_at)"
    for row in (
        ("NEVER1", "enrolled", "2026-05-01T10:00:00Z", None),  # never checked in
        ("BEFORE1", "enrolled", "2026-05-01T10:00:00Z", "2026-04-30T09:00:00Z"),
        ("AFTER1", "enrolled", "2026-05-01T10:00:00Z", "2026-05-03T09:00:00Z"),
        ("SEEDED1", "enrolled", None, "2026-05-03T09:00:00Z"),  # not from the bench
        ("AUTOP1", "registered", None, None),
    ):
        conn.execute(f"INSERT INTO devices {columns} VALUES (?, ?, ?, ?, 'x', 'x')", row)
    conn.close()
    with Store.open(db_path) as store:
        assert [status(store, s) for s in ("NEVER1", "BEFORE1", "AFTER1", "SEEDED1", "AUTOP1")] == [
            "prepared",
            "prepared",
            "enrolled",
            "enrolled",
            "registered",
        ]


# -- hardware hashes ----------------------------------------------------------------------------


def test_an_autopilot_enrollment_without_a_hash_says_how_to_collect_it(store: Store) -> None:
    result = services.enroll_device(store, EnrollRequest(SERIAL, overrides=AUTOPILOT), actor=ADMIN)
    (warning,) = result.warnings
    assert f"No hardware hash is recorded for {SERIAL}" in warning
    assert "Get-JoineryReport.ps1" in warning and "Get-WindowsAutopilotInfo" in warning
    assert result.as_json()["warnings"] == [warning]
    preview = services.preview_enrollment(store, "PF4XK2QY", None, actor=ADMIN)
    assert preview.warning is None  # the Default profile is not Autopilot


def test_an_autopilot_preview_warns_before_enter(store: Store) -> None:
    services.save_profile(
        store,
        "AP",
        services.profile(store, None, actor=ADMIN).with_overrides(**dict(AUTOPILOT)),
        actor=ADMIN,
    )
    preview = services.preview_enrollment(store, SERIAL, "AP", actor=ADMIN)
    assert preview.ready and preview.warning is not None
    assert "No hardware hash" in preview.warning


def test_no_warning_when_the_hash_is_known_or_not_needed(store: Store, tmp_path: Path) -> None:
    rows = demo.autopilot_rows(1)
    (tmp_path / "hash.csv").write_bytes(demo.capture_csv(rows))
    services.import_autopilot(store, [tmp_path / "hash.csv"], actor=ADMIN)
    hashed = services.enroll_device(
        store, EnrollRequest(rows[0].serial, overrides=AUTOPILOT), actor=ADMIN
    )
    assert hashed.warnings == ()
    assert services.enroll_device(store, EnrollRequest("PF4XK2QY"), actor=ADMIN).warnings == ()


def test_enroll_json_carries_the_warning_and_the_status(db_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["--db", str(db_path), "enroll", SERIAL, "--method", "autopilot", "--json"]
    )
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert document["enrollment_status"] == "prepared"
    assert "No hardware hash" in document["warnings"][0]


def test_a_collector_report_gives_a_device_its_missing_hash(store: Store, tmp_path: Path) -> None:
    device = services.enroll_device(
        store, EnrollRequest(SERIAL, overrides=AUTOPILOT), actor=ADMIN
    ).device
    assert not device.has_hash
    ingested = services.ingest_files(store, [report(tmp_path)], actor=ADMIN)
    assert ingested.hashes_recorded == 1
    (entry,) = store.device_lineage(device.id)
    assert entry.hardware_hash == SAMPLE["device"]["hardwareHash"]
    assert entry.source == "check-in report"
    exported = services.export_autopilot(store, tmp_path / "intune", actor=ADMIN)
    assert exported.devices == 1 and exported.skipped == []
    history = store.device_history(device.id)[0]
    assert history.note == "hardware hash from the device's check-in report"
    assert SAMPLE["device"]["hardwareHash"] not in json.dumps(history.changes)  # only a fragment


def test_a_known_hash_is_not_replaced_by_a_report(store: Store, tmp_path: Path) -> None:
    rows = demo.autopilot_rows(1)
    (tmp_path / "hash.csv").write_bytes(demo.capture_csv(rows))
    services.import_autopilot(store, [tmp_path / "hash.csv"], actor=ADMIN)
    services.ingest_files(store, [report(tmp_path, rows[0].serial)], actor=ADMIN)
    device = store.device_by_serial(rows[0].serial)
    assert device is not None
    (entry,) = store.device_lineage(device.id)
    assert entry.hardware_hash == rows[0].hardware_hash


# -- the Intune export names what it leaves out -------------------------------------------------


def test_the_export_names_the_devices_it_left_out(db_path: Path, tmp_path: Path) -> None:
    rows = demo.autopilot_rows(2)
    (tmp_path / "hash.csv").write_bytes(demo.capture_csv(rows))
    runner = CliRunner()
    base = ["--db", str(db_path)]
    assert (
        runner.invoke(cli, [*base, "autopilot", "import", str(tmp_path / "hash.csv")]).exit_code
        == 0
    )
    for serial in ("NOHASH2", "NOHASH1"):
        assert runner.invoke(cli, [*base, "enroll", serial]).exit_code == 0
    result = runner.invoke(cli, [*base, "autopilot", "export", str(tmp_path / "out"), "--json"])
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert document["devices"] == 2
    assert [s["serial"] for s in document["skipped"]] == ["NOHASH1", "NOHASH2"]
    assert "no hardware hash" in document["skipped"][0]["reason"]
    text = runner.invoke(cli, [*base, "autopilot", "export", str(tmp_path / "out"), "--overwrite"])
    assert "Left out 2 device(s) with no hardware hash" in text.stdout
    assert "NOHASH1" in text.stdout


def test_an_export_with_nothing_to_write_names_the_devices(db_path: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["--db", str(db_path)]
    assert runner.invoke(cli, [*base, "enroll", "NOHASH1"]).exit_code == 0
    result = runner.invoke(cli, [*base, "autopilot", "export", str(tmp_path / "out"), "--json"])
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert "(1 device without one: NOHASH1)" in document["error"]
    assert "Get-WindowsAutopilotInfo" in document["error"]
    assert document["skipped"] == [
        {"serial": "NOHASH1", "reason": document["skipped"][0]["reason"]}
    ]
    assert not (tmp_path / "out").exists()
