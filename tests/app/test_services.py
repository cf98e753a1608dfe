"""Autopilot import and export through the services: atomicity, lineage, no duplicates."""

from __future__ import annotations

import gc
from dataclasses import replace
from pathlib import Path

import pytest

from app import autopilot, demo, services
from app.domain import AutopilotRecord, DeviceQuery
from app.errors import Cancelled, InputError
from app.security.roles import Actor, PermissionDenied, Role
from app.services import ImportRejected
from app.store import Store
from tests.helpers.actors import ADMIN

LEAD = Actor("lena", Role.LEAD)
TECHNICIAN = Actor("tom", Role.TECHNICIAN)


def write(path: Path, rows: list[AutopilotRecord], encoding: str = "utf-16") -> Path:
    path.write_bytes(demo.capture_csv(rows, encoding=encoding))
    return path


def snapshot(store: Store) -> tuple[object, ...]:
    return tuple(
        store.conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
        for table in ("devices", "device_lineage", "device_history", "audit", "device_counts")
    )


def test_import_creates_devices_lineage_history_and_audit(store: Store, tmp_path: Path) -> None:
    rows = demo.autopilot_rows(30, group_tag="Sales")
    report = services.import_autopilot(store, [write(tmp_path / "a.csv", rows)], actor=LEAD)
    assert (report.imported, report.updated, report.reimaged, report.rejected) == (30, 0, 0, [])
    assert store.count_devices() == 30
    device = store.device_by_serial(rows[4].serial)
    assert device is not None and device.group_tag == "Sales" and device.lineage == 1
    assert store.device_lineage(device.id)[0].hardware_hash == rows[4].hardware_hash
    assert [h.kind for h in store.device_history(device.id)] == ["imported"]
    (entry,) = store.audit_entries(action="autopilot.import")
    assert entry.actor == "lena" and entry.details["imported"] == 30


def test_reimport_updates_same_hash_and_records_reimage(store: Store, tmp_path: Path) -> None:
    rows = demo.autopilot_rows(10)
    services.import_autopilot(store, [write(tmp_path / "first.csv", rows)], actor=ADMIN)
    again = [
        replace(rows[0], group_tag="Finance"),
        rows[1],
        replace(rows[2], hardware_hash=demo.autopilot_rows(1, seed=99)[0].hardware_hash),
    ]
    report = services.import_autopilot(store, [write(tmp_path / "second.csv", again)], actor=ADMIN)
    assert (report.imported, report.updated, report.unchanged, report.reimaged) == (0, 1, 1, 1)
    assert store.count_devices() == 10  # never a duplicate row
    reimaged = store.device_by_serial(rows[2].serial)
    assert reimaged is not None and reimaged.lineage == 2
    lineage = store.device_lineage(reimaged.id)
    assert [entry.lineage for entry in lineage] == [2, 1]
    assert lineage[1].hardware_hash == rows[2].hardware_hash
    assert store.device_history(reimaged.id)[0].kind == "reimaged"
    tagged = store.device_by_serial(rows[0].serial)
    assert tagged is not None and tagged.group_tag == "Finance"
    assert store.device_history(tagged.id)[0].changes["group_tag"] == [None, "Finance"]


def test_serial_matching_ignores_case(store: Store, tmp_path: Path) -> None:
    rows = [replace(r, serial=r.serial + "ab") for r in demo.autopilot_rows(3)]
    services.import_autopilot(store, [write(tmp_path / "a.csv", rows)], actor=ADMIN)
    upper = [replace(r, serial=r.serial.upper()) for r in rows]
    report = services.import_autopilot(store, [write(tmp_path / "b.csv", upper)], actor=ADMIN)
    assert report.unchanged == 3 and store.count_devices() == 3


def test_one_bad_row_rejects_the_whole_import(store: Store, tmp_path: Path) -> None:
    rows = demo.autopilot_rows(1200)
    good = write(tmp_path / "good.csv", rows[:1100])
    bad_rows = rows[1100:]
    bad_rows[50] = replace(bad_rows[50], hardware_hash="not base64!")
    bad = write(tmp_path / "bad.csv", bad_rows)
    before = snapshot(store)
    with pytest.raises(ImportRejected) as caught:
        services.import_autopilot(store, [good, bad], actor=ADMIN)
    assert snapshot(store) == before
    (problem,) = caught.value.report.rejected
    assert problem["file"] == str(bad) and problem["line"] == 52
    assert problem["column"] == "Hardware Hash"
    assert "line 52" in str(caught.value)


def test_skip_invalid_lands_valid_rows_and_reports_the_rest(store: Store, tmp_path: Path) -> None:
    rows = demo.autopilot_rows(20)
    rows[3] = replace(rows[3], assigned_user="not-an-upn")
    rows[7] = replace(rows[7], serial="BAD,SERIAL")
    path = write(tmp_path / "mixed.csv", rows, encoding="utf-8")
    report = services.import_autopilot(store, [path], skip_invalid=True, actor=ADMIN)
    assert report.imported == 18 and report.committed
    assert sorted(r["line"] for r in report.rejected) == [5, 9]
    assert store.device_by_serial(rows[3].serial) is None
    (entry,) = store.audit_entries(action="autopilot.import")
    assert entry.details["rejected"] == 2


def test_duplicate_serial_across_files_is_rejected(store: Store, tmp_path: Path) -> None:
    rows = demo.autopilot_rows(5)
    one = write(tmp_path / "one.csv", rows)
    two = write(tmp_path / "two.csv", [rows[2]])
    with pytest.raises(ImportRejected) as caught:
        services.import_autopilot(store, [one, two], actor=ADMIN)
    (problem,) = caught.value.report.rejected
    assert problem["file"] == str(two) and "line 4" in str(problem["reason"])
    assert store.count_devices() == 0


def test_cancel_leaves_the_database_as_it_was(store: Store, tmp_path: Path) -> None:
    services.import_autopilot(
        store, [write(tmp_path / "seed.csv", demo.autopilot_rows(5, seed=1))], actor=ADMIN
    )
    before = snapshot(store)
    files = [
        write(tmp_path / f"f{i}.csv", demo.autopilot_rows(600, seed=100 + i)) for i in range(3)
    ]
    seen: list[int] = []

    def cancelled() -> bool:
        return len(seen) > 2

    with pytest.raises(Cancelled):
        services.import_autopilot(
            store, files, progress=lambda d, t: seen.append(d), cancelled=cancelled, actor=ADMIN
        )
    assert snapshot(store) == before


def test_progress_reaches_the_total(store: Store, tmp_path: Path) -> None:
    files = [write(tmp_path / f"f{i}.csv", demo.autopilot_rows(300, seed=i)) for i in range(2)]
    calls: list[tuple[int, int]] = []
    services.import_autopilot(store, files, progress=lambda d, t: calls.append((d, t)), actor=ADMIN)
    total = sum(f.stat().st_size for f in files)
    assert calls[-1] == (total, total)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_missing_file_is_an_input_error(store: Store, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read the file"):
        services.import_autopilot(store, [tmp_path / "nope.csv"], actor=ADMIN)


def test_export_round_trips_through_the_reader(store: Store, tmp_path: Path) -> None:
    rows = demo.autopilot_rows(1001, group_tag="Lab")
    services.import_autopilot(store, [write(tmp_path / "in.csv", rows)], actor=ADMIN)
    report = services.export_autopilot(store, tmp_path / "out", actor=ADMIN)
    assert report.devices == 1001
    assert [Path(f).name for f in report.files] == [
        "autopilot-001.csv",
        "autopilot-002.csv",
        "autopilot-003.csv",
    ]
    back = [r for f in report.files for r in autopilot.read_csv(f).records]
    assert {(r.serial, r.hardware_hash, r.group_tag) for r in back} == {
        (r.serial, r.hardware_hash, "Lab") for r in rows
    }
    assert store.audit_entries(action="autopilot.export")[0].details["devices"] == 1001


def test_export_by_group_tag_and_nothing_to_export(store: Store, tmp_path: Path) -> None:
    services.import_autopilot(
        store,
        [write(tmp_path / "a.csv", demo.autopilot_rows(4, seed=1, group_tag="A"))],
        actor=ADMIN,
    )
    services.import_autopilot(
        store,
        [write(tmp_path / "b.csv", demo.autopilot_rows(6, seed=2, group_tag="B"))],
        actor=ADMIN,
    )
    assert (
        services.export_autopilot(store, tmp_path / "outb", group_tag="B", actor=ADMIN).devices == 6
    )
    with pytest.raises(InputError, match="no devices with group tag 'C'"):
        services.export_autopilot(store, tmp_path / "outc", group_tag="C", actor=ADMIN)


def test_export_refuses_non_ascii_tags_and_users_outside_the_tenant(
    store: Store, tmp_path: Path
) -> None:
    rows = demo.autopilot_rows(3, group_tag="Lab")
    rows[0] = replace(rows[0], group_tag="Köln")
    rows[1] = replace(rows[1], assigned_user="megan@fabrikam.com")
    rows[2] = replace(rows[2], assigned_user="alex@contoso.com")
    services.import_autopilot(store, [write(tmp_path / "in.csv", rows)], actor=ADMIN)
    with pytest.raises(InputError, match="cannot export 3 value") as caught:
        services.export_autopilot(
            store, tmp_path / "out", actor=ADMIN
        )  # no verified domains set yet
    assert sorted(
        (p.file, p.column, "ASCII" in p.reason or "not set" in p.reason)
        for p in caught.value.problems
    ) == sorted(
        [
            (f"serial {rows[0].serial!r}", "Group Tag", True),
            (f"serial {rows[1].serial!r}", "Assigned User", True),
            (f"serial {rows[2].serial!r}", "Assigned User", True),
        ]
    )
    with store.transaction():
        store.set_setting("tenant_domains", "contoso.com")
    with pytest.raises(InputError, match="cannot export 2 value") as caught:
        services.export_autopilot(store, tmp_path / "out", actor=ADMIN)
    assert any("fabrikam.com is not one of" in p.reason for p in caught.value.problems)
    assert not (tmp_path / "out").exists()


def test_export_after_reimage_writes_the_current_hash(store: Store, tmp_path: Path) -> None:
    rows = demo.autopilot_rows(2)
    services.import_autopilot(store, [write(tmp_path / "a.csv", rows)], actor=ADMIN)
    new_hash = demo.autopilot_rows(1, seed=5)[0].hardware_hash
    services.import_autopilot(
        store, [write(tmp_path / "b.csv", [replace(rows[0], hardware_hash=new_hash)])], actor=ADMIN
    )
    report = services.export_autopilot(store, tmp_path / "out", actor=ADMIN)
    back = {r.serial: r.hardware_hash for r in autopilot.read_csv(report.files[0]).records}
    assert back[rows[0].serial] == new_hash and len(back) == 2


def test_roles_are_enforced_by_the_services_themselves(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "a.csv", demo.autopilot_rows(3))
    with pytest.raises(PermissionDenied, match="tom signed in as technician may not import"):
        services.import_autopilot(store, [path], actor=TECHNICIAN)
    assert store.count_devices() == 0
    with pytest.raises(PermissionDenied, match="lead or admin"):
        services.export_autopilot(store, tmp_path / "out", actor=TECHNICIAN)
    with pytest.raises(PermissionDenied):
        services.seed_demo(store, 10, actor=LEAD)
    assert services.import_autopilot(store, [path], actor=LEAD).imported == 3
    assert services.export_autopilot(store, tmp_path / "out", actor=LEAD).devices == 3


def test_local_admin_is_named_in_history_and_audit(store: Store, tmp_path: Path) -> None:
    services.import_autopilot(
        store, [write(tmp_path / "a.csv", demo.autopilot_rows(2))], actor=ADMIN
    )
    who = services.local_admin()
    assert who.role is Role.ADMIN and who.local_admin
    (entry,) = store.audit_entries(action="autopilot.import")
    assert entry.actor == f"{who.name} (local administrator)"


def _device_indexes(store: Store) -> list[tuple[str, str]]:
    return store.conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'devices' "
        "ORDER BY name"
    ).fetchall()


def _index_builds(store: Store, run: object) -> list[str]:
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    try:
        assert callable(run)
        run()
    finally:
        store.conn.set_trace_callback(None)
    return [s for s in statements if s.startswith("CREATE INDEX")]


def test_an_import_larger_than_the_fleet_builds_the_indexes_once_after_the_rows(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each device row goes into some 16 indexes; a large import into a small fleet drops
    them and sorts each once at the end, in the same transaction."""
    monkeypatch.setattr("app.services.autopilot._BULK_MIN_ROWS", 10)
    before = _device_indexes(store)
    rows = demo.autopilot_rows(40, group_tag="Bulk")
    path = write(tmp_path / "a.csv", rows)
    builds = _index_builds(store, lambda: services.import_autopilot(store, [path], actor=ADMIN))
    assert len(builds) == len([name for name, sql in before if sql is not None])
    assert _device_indexes(store) == before
    assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert store.count_devices(DeviceQuery(group_tag="Bulk")) == 40
    plan = store.conn.execute(
        "EXPLAIN QUERY PLAN SELECT id FROM devices WHERE group_tag = 'Bulk'"
    ).fetchall()
    assert "devices_group_tag" in str(plan)


def test_an_import_smaller_than_the_fleet_keeps_the_indexes(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("app.services.autopilot._BULK_MIN_ROWS", 10)
    demo.seed(store, 300)
    path = write(tmp_path / "a.csv", demo.autopilot_rows(40, seed=5))
    builds = _index_builds(store, lambda: services.import_autopilot(store, [path], actor=ADMIN))
    assert builds == []
    assert store.count_devices() == 340


def test_a_rejected_bulk_import_leaves_the_indexes_as_they_were(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("app.services.autopilot._BULK_MIN_ROWS", 10)
    before = _device_indexes(store)
    rows = demo.autopilot_rows(40)
    rows[30] = replace(rows[30], hardware_hash="not base64!")
    with pytest.raises(ImportRejected):
        services.import_autopilot(store, [write(tmp_path / "a.csv", rows)], actor=ADMIN)
    assert _device_indexes(store) == before
    assert store.count_devices() == 0


def test_the_cyclic_collector_is_paused_while_an_import_runs_and_restored_after(
    store: Store, tmp_path: Path
) -> None:
    """Collections walked the import's millions of short-lived objects (4% of its time) and
    found nothing to free; paused for the import, the collector is back as it was after,
    a rejected import included."""
    seen: list[bool] = []
    rows = demo.autopilot_rows(30)
    path = write(tmp_path / "a.csv", rows)

    def progress(done: int, total: int) -> None:
        seen.append(gc.isenabled())

    assert gc.isenabled()
    services.import_autopilot(store, [path], actor=ADMIN, progress=progress)
    assert seen and not any(seen)
    assert gc.isenabled()
    rows[3] = replace(rows[3], hardware_hash="not base64!")
    with pytest.raises(ImportRejected):
        services.import_autopilot(store, [write(tmp_path / "b.csv", rows)], actor=ADMIN)
    assert gc.isenabled()
    gc.disable()  # the kiosk's own collector keeps it off: an import must not turn it on
    try:
        services.import_autopilot(store, [path], actor=ADMIN)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_an_import_of_junk_keeps_the_first_problems_and_counts_the_rest(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every rejected row was kept: a 4 MiB file of junk lines took 3 GB, 64 MiB ran the
    machine out of memory (the kiosk imports through the same service)."""
    monkeypatch.setattr("app.domain.REJECTED_KEPT", 5)
    header = "Device Serial Number,Windows Product ID,Hardware Hash\n"
    path = tmp_path / "junk.csv"
    path.write_text(header + "x\n" * 55, encoding="utf-8")
    with pytest.raises(ImportRejected) as caught:
        services.import_autopilot(store, [path], actor=ADMIN)
    report = caught.value.report
    assert [r["line"] for r in report.rejected] == [2, 3, 4, 5, 6]
    assert report.rejected_count == 55 and report.as_json()["rejected_count"] == 55
    assert "55 row(s) were rejected (the first 5 are listed)" in str(caught.value)
    assert store.audit_entries(action="autopilot.import") == []  # nothing was imported


def test_cancel_is_heard_in_a_file_of_nothing_but_bad_rows(store: Store, tmp_path: Path) -> None:
    """The import looked at Cancel when it had rows to write or a file was done: a file of
    bad rows was read to its end first (2.5 s and 400 MB for 2 MiB)."""
    header = "Device Serial Number,Windows Product ID,Hardware Hash\n"
    path = tmp_path / "junk.csv"
    path.write_text(header + "x\n" * 100_000, encoding="utf-8")  # 200 KB: a few reads
    read: list[int] = []
    with pytest.raises(Cancelled):
        services.import_autopilot(
            store,
            [path],
            actor=ADMIN,
            progress=lambda done, total: read.append(done),
            cancelled=lambda: True,
        )
    assert max(read, default=0) < path.stat().st_size
