"""Many check-in files at once: paths and folders, all or nothing, progress and cancel."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.errors import Cancelled, InputError
from app.ingest import FileCount, collect_paths, read_all
from tests.helpers.ingest_corpus import (
    PARTIAL_REPORT,
    SAMPLE_EXPORT,
    SAMPLE_REPORT,
    edit,
    intune_csv,
    intune_row,
    report_bytes,
    sample_report,
)


@pytest.fixture
def stick(tmp_path: Path) -> Path:
    """A USB stick as the technician brings it back: reports, an export, and other files."""
    root = tmp_path / "stick"
    root.mkdir()
    shutil.copy(SAMPLE_REPORT, root / "joinery-report-PF4XK2QZ-20261129051244.json")
    shutil.copy(PARTIAL_REPORT, root / "JOINERY-REPORT-5CG3471KQD-20261129060109.JSON")
    shutil.copy(SAMPLE_EXPORT, root / "DevicesWithInventory.csv")
    (root / "Get-JoineryReport.ps1").write_text("# the script itself")
    (root / "settings.json").write_text("{}")
    (root / "sub").mkdir()
    return root


def test_collect_paths_takes_reports_and_csv_from_a_folder(stick: Path) -> None:
    assert [p.name for p in collect_paths([stick])] == [
        "DevicesWithInventory.csv",
        "JOINERY-REPORT-5CG3471KQD-20261129060109.JSON",
        "joinery-report-PF4XK2QZ-20261129051244.json",
    ]


def test_collect_paths_takes_named_files_once_and_sorted(stick: Path) -> None:
    report = stick / "joinery-report-PF4XK2QZ-20261129051244.json"
    assert collect_paths([SAMPLE_EXPORT, report, report]) == sorted([SAMPLE_EXPORT, report])
    assert collect_paths([str(PARTIAL_REPORT)]) == [PARTIAL_REPORT]  # any .json, when named


def test_collect_paths_names_every_path_it_cant_use(tmp_path: Path, stick: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError) as caught:
        collect_paths([empty, tmp_path / "gone.json", stick / "Get-JoineryReport.ps1", stick])
    reasons = {Path(p.file).name: p.reason for p in caught.value.problems}
    assert "holds no check-in reports" in reasons["empty"]
    assert reasons["gone.json"] == "no such file or folder"
    assert "unknown file type" in reasons["Get-JoineryReport.ps1"]
    assert len(reasons) == 3


def test_collect_paths_needs_at_least_one_path() -> None:
    with pytest.raises(InputError, match="no files to read"):
        collect_paths([])


def test_read_all_reads_a_stick_whole(stick: Path) -> None:
    batch = read_all([stick])
    assert sorted(f.serial for f in batch.facts) == sorted(
        [
            "PF4XK2QZ",
            "5CG3471KQD",
            "PF4XK2QZ",
            "5CG3471KQD",
            "8H2KQ73",
            "0000-4411-3842-5177-0512-6601-20",
        ]
    )
    assert batch.problems == []
    assert len(batch.warnings) == 6  # the partial report's collector errors
    assert [(Path(f.path).name, f.kind, f.facts, f.rejected, f.skipped) for f in batch.files] == [
        ("DevicesWithInventory.csv", "intuneExport", 4, 0, 1),
        ("JOINERY-REPORT-5CG3471KQD-20261129060109.JSON", "report", 1, 0, 0),
        ("joinery-report-PF4XK2QZ-20261129051244.json", "report", 1, 0, 0),
    ]


def spoil(stick: Path) -> None:
    bad = edit(sample_report(), "secureBoot", "yes")
    (stick / "joinery-report-BAD-20261129000000.json").write_bytes(report_bytes(bad))
    rows = [intune_row(Serial_number="PF7"), intune_row(Serial_number="", Compliance="??")]
    (stick / "export2.csv").write_bytes(intune_csv(rows))


def test_any_problem_refuses_the_batch_and_lists_them_all(stick: Path) -> None:
    spoil(stick)
    with pytest.raises(InputError) as caught:
        read_all([stick])
    message = str(caught.value)
    assert "3 problem(s) in 2 file(s), so nothing was read" in message
    assert "joinery-report-BAD-20261129000000.json, column 'secureBoot'" in message
    assert "export2.csv, line 3, column 'Serial number'" in message
    assert "export2.csv, line 3, column 'Compliance'" in message


def test_skip_invalid_keeps_the_good_files_and_rows(stick: Path) -> None:
    spoil(stick)
    batch = read_all([stick], skip_invalid=True)
    assert len(batch.facts) == 7  # 6 from the stick and PF7
    assert len(batch.problems) == 3
    counts = {Path(f.path).name: f for f in batch.files}
    assert counts["joinery-report-BAD-20261129000000.json"] == FileCount(
        str(stick / "joinery-report-BAD-20261129000000.json"), "report", 0, 1, 0
    )
    assert (counts["export2.csv"].facts, counts["export2.csv"].rejected) == (1, 1)


def test_progress_counts_bytes_up_to_the_total(stick: Path) -> None:
    seen: list[tuple[int, int]] = []
    read_all([stick], progress=lambda done, total: seen.append((done, total)))
    total = sum(p.stat().st_size for p in collect_paths([stick]))
    assert seen[-1] == (total, total)
    assert [d for d, _t in seen] == sorted(d for d, _t in seen)
    assert {t for _d, t in seen} == {total}


def test_progress_moves_inside_a_large_export(tmp_path: Path) -> None:
    rows = [intune_row(Serial_number=f"PF{i:05d}") for i in range(1000)]
    path = tmp_path / "big.csv"
    path.write_bytes(intune_csv(rows))
    seen: list[int] = []
    batch = read_all([path], progress=lambda done, _total: seen.append(done))
    assert len(batch.facts) == 1000
    assert len(seen) >= 5 and 0 < seen[0] < seen[-1] == path.stat().st_size


def test_cancel_stops_with_nothing_read(stick: Path) -> None:
    calls: list[int] = []

    def cancel() -> bool:
        calls.append(1)
        return len(calls) > 1

    with pytest.raises(Cancelled, match="nothing was read"):
        read_all([stick], cancel=cancel)
    assert len(calls) == 2
