"""Issue 14, items 14-16: Intune's "All devices" export (DevicesWithInventory).

The fixture is a tenant of 120 Windows devices (65 Compliant, 40 Noncompliant, 15 In grace
period) and two phones, in the export's own shape: UTF-8 with BOM, every value quoted, CRLF,
the 48 documented columns (tests/data/SOURCES.md).
"""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
from collections import Counter
from pathlib import Path

from app import services
from app.ingest.intune_csv import ExportReader
from app.store import Store
from tests.helpers.actors import ADMIN
from tests.helpers.conformance import INTUNE_EXPORT, joinery, joinery_json


def export_rows() -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(INTUNE_EXPORT.read_text("utf-8-sig"))))
    return rows[0], rows[1:]


def windows_serials() -> list[str]:
    header, rows = export_rows()
    os_, serial = header.index("OS"), header.index("Serial number")
    return [row[serial] for row in rows if row[os_] == "Windows"]


# -- 14 ---------------------------------------------------------------------------------------


def test_item14_an_export_lands_on_a_partial_registry_creating_the_unknown_devices(
    tmp_path: Path,
) -> None:
    db = tmp_path / "j.db"
    known = windows_serials()[:3]
    with Store.open(db) as store:
        for serial in known:
            services.enroll_device(
                store, services.EnrollRequest(serial, name=f"BENCH-{serial[-5:]}"), actor=ADMIN
            )
    result = joinery(db, "ingest", str(INTUNE_EXPORT), "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["recorded"] == 120 and report["rejected"] == []
    assert report["created"] == 117  # every Windows serial the registry did not know
    [counted] = report["files"]
    assert counted["skipped"] == 2  # the iPhone and the Android phone

    header, rows = export_rows()
    new = next(r for r in rows if r[header.index("Serial number")] not in known)
    row = dict(zip(header, new, strict=True))
    with Store.open(db) as store:
        assert store.count_devices() == 120
        device = store.device_by_serial(row["Serial number"])
        assert device is not None
        assert device.origin == "intuneExport"  # marked as coming from Intune
        assert (device.device_name, device.model, device.manufacturer) == (
            row["Device name"],
            row["Model"],
            row["Manufacturer"],
        )
        assert device.assigned_user == row["Primary user UPN"]
        assert device.os_version == row["OS version"]
        enrolled = store.device_by_serial(known[0])
        assert enrolled is not None and enrolled.origin != "intuneExport"


# -- 15 ---------------------------------------------------------------------------------------


def test_item15_intunes_verdict_is_counted_and_the_bench_check_kept_beside_it(
    tmp_path: Path,
) -> None:
    db = tmp_path / "j.db"
    assert joinery(db, "policy", "template", "baseline").exit_code == 0
    assert joinery(db, "policy", "assign", "Baseline", "--all").exit_code == 0
    assert joinery(db, "ingest", str(INTUNE_EXPORT)).exit_code == 0
    summary = joinery_json(db, "fleet", "summary")
    # DESIGN.md's keys, counting Intune's verdict where Intune gave one.
    assert {"total", "states", "stale", "failing_settings"} <= set(summary)
    assert summary["total"] == 120
    states = summary["states"]
    assert (states["compliant"], states["noncompliant"], states["inGracePeriod"]) == (65, 40, 15)
    # New keys: Intune's verdicts alone, and Joinery's own bench check of the same facts.
    assert summary["intune_verdicts"] == 120
    assert summary["intune_states"]["inGracePeriod"] == 15
    assert sum(summary["bench_states"].values()) == 120
    assert summary["bench_states"] != states  # the export's facts are thinner than Intune's

    with Store.open(db) as store:
        board = services.dashboard(store, actor=ADMIN)
        assert (board.tiles["compliant"], board.tiles["noncompliant"]) == (65, 40)
        assert board.tiles["inGracePeriod"] == 15
        header, rows = export_rows()
        in_grace = next(r for r in rows if r[header.index("Compliance")] == "In grace period")
        grace = dict(zip(header, in_grace, strict=True))
        device = store.device_by_serial(grace["Serial number"])
        assert device is not None
        assert device.intune_state == "inGracePeriod"
        assert device.intune_grace_until is not None
        assert device.intune_grace_until.startswith(
            grace["Compliance grace period expiration"][:10]
        )
        assert device.verdict == "inGracePeriod"
    verdicts = Counter(
        r[header.index("Compliance")] for r in rows if r[header.index("OS")] == "Windows"
    )
    assert verdicts == {"Compliant": 65, "Noncompliant": 40, "In grace period": 15}


# -- 16 ---------------------------------------------------------------------------------------


def write_export(path: Path, count: int) -> Path:
    """An export of `count` Windows devices: the fixture's rows again with new serials."""
    header, rows = export_rows()
    serial = header.index("Serial number")
    windows = [r for r in rows if r[header.index("OS")] == "Windows"]
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(header)
    for n in range(count):
        row = list(windows[n % len(windows)])
        row[serial] = f"CZC{n:07d}"
        writer.writerow(row)
    path.write_text(out.getvalue(), "utf-8-sig")
    return path


def peak_reading(path: Path) -> int:
    """Peak bytes Python allocated while reading every row of `path` (none kept)."""
    tracemalloc.start()
    try:
        rows = 0
        for item in ExportReader(path).items():
            rows += item is not None
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_item16_the_export_is_streamed_memory_does_not_grow_with_its_size(tmp_path: Path) -> None:
    small = write_export(tmp_path / "small.csv", 1_000)
    large = write_export(tmp_path / "large.csv", 16_000)  # about 9 MB
    assert large.stat().st_size > 15 * small.stat().st_size
    peak_small, peak_large = peak_reading(small), peak_reading(large)
    assert peak_large < 1.25 * peak_small + 256 * 1024, (peak_small, peak_large)
    assert peak_large < large.stat().st_size / 4, (peak_large, large.stat().st_size)
