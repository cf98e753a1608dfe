"""Check-ins from files into the store: `services.ingest_files` and `joinery ingest`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from app import services
from app.cli import cli
from app.errors import InputError
from app.services import EnrollRequest
from app.store import Store
from tests.helpers.actors import ADMIN

DATA = Path(__file__).parent.parent / "data"
REPORT = DATA / "collector" / "sample-report.json"
PARTIAL = DATA / "collector" / "sample-report-partial.json"
EXPORT = DATA / "intune" / "DevicesWithInventory-sample.csv"
SERIALS = ("PF4XK2QZ", "5CG3471KQD", "8H2KQ73", "0000-4411-3842-5177-0512-6601-20")


def enroll(store: Store, serials: tuple[str, ...] = SERIALS) -> None:
    services.enroll_devices(store, [EnrollRequest(s) for s in serials], actor=ADMIN)


def test_reports_and_an_intune_export_are_recorded_at_once(store: Store) -> None:
    enroll(store)
    report = services.ingest_files(store, [REPORT, PARTIAL, EXPORT], actor=ADMIN)
    assert report.read == report.recorded == 6  # 2 reports + 4 Windows rows
    assert [f["kind"] for f in report.files] == ["report", "report", "intuneExport"]
    assert report.rejected == []
    assert any("not collected" in str(w["reason"]) for w in report.warnings)
    device = store.device_by_serial("PF4XK2QZ")
    assert device is not None
    facts = store.latest_facts(device.id)
    assert facts is not None and facts["serial"] == "PF4XK2QZ"
    assert store.audit_entries(action="compliance.checkins")


def test_a_report_of_an_unknown_serial_refuses_the_whole_batch(store: Store) -> None:
    enroll(store, SERIALS[:1])  # the partial report's 5CG3471KQD is not known
    with pytest.raises(InputError) as caught:
        services.ingest_files(store, [REPORT, PARTIAL, EXPORT], actor=ADMIN)
    (problem,) = caught.value.problems
    assert problem.file == PARTIAL.name and "5CG3471KQD" in problem.reason
    device = store.device_by_serial("PF4XK2QZ")
    assert device is not None and store.latest_facts(device.id) is None  # nothing recorded
    assert store.device_by_serial("8H2KQ73") is None  # the export's new devices rolled back


def test_an_intune_export_creates_the_devices_it_does_not_know(store: Store) -> None:
    enroll(store, SERIALS[:1])
    report = services.ingest_files(store, [EXPORT], actor=ADMIN)
    assert (report.recorded, report.created, report.rejected) == (4, 3, [])
    created = store.device_by_serial("8H2KQ73")
    assert created is not None and created.origin == "intuneExport"
    assert (created.manufacturer, created.model) == ("Dell Inc.", "Latitude 7440")
    assert created.intune_state == "inGracePeriod"


def test_skip_invalid_records_the_good_ones(store: Store) -> None:
    enroll(store, SERIALS[:1])
    report = services.ingest_files(store, [REPORT, PARTIAL, EXPORT], skip_invalid=True, actor=ADMIN)
    assert report.recorded == 5  # one report and the export's four Windows rows
    assert [r["file"] for r in report.rejected] == [PARTIAL.name]


def test_cli_ingest_json_and_exit_codes(db_path: Path) -> None:
    with Store.open(db_path) as store:
        enroll(store)
    runner = CliRunner()
    result = runner.invoke(cli, ["--db", str(db_path), "ingest", str(REPORT), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["recorded"] == 1 and document["rejected"] == []
    missing = runner.invoke(cli, ["--db", str(db_path), "ingest", str(DATA / "collector")])
    assert missing.exit_code == 1
    assert "holds no check-in reports" in missing.stderr
