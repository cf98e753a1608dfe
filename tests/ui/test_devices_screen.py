"""The Devices screen driven like a technician would: type, scan, import, cancel, export."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QMessageBox, QProgressDialog, QPushButton
from pytestqt.qtbot import QtBot

from app import demo
from app.domain import AutopilotRecord
from app.store import Store
from ui.devices.import_flow import ImportResultDialog
from ui.devices.model import COLUMNS, PAGE_SIZE, DeviceTableModel
from ui.devices.screen import DevicesScreen
from ui.ops import wait_for_writer


def write(path: Path, rows: list[AutopilotRecord]) -> str:
    path.write_bytes(demo.capture_csv(rows))
    return str(path)


def test_model_passes_qt_model_tester(qtbot: QtBot, qtmodeltester, seeded_db: Path) -> None:  # noqa: ANN001
    store = Store.open(seeded_db)
    model = DeviceTableModel(store)
    with qtbot.waitSignal(model.ready):
        model.refresh()
    assert model.rowCount() == 1200
    qtmodeltester.check(model)
    with qtbot.waitSignal(model.ready, timeout=5000):
        model.set_query(replace(model.query, text="CTS-0"))
    qtmodeltester.check(model)
    model.shutdown()
    store.close()


def test_pages_load_on_demand_and_never_the_whole_fleet(
    screen: DevicesScreen, qtbot: QtBot
) -> None:
    model = screen.model
    assert model.rowCount() == 1200
    assert set(model._pages) == {0}
    assert model.device_at(1100) is None  # not loaded yet: asked for
    qtbot.waitUntil(lambda: model.device_at(1100) is not None)
    assert set(model._pages) == {0, 1100 // PAGE_SIZE}
    with Store.open(screen.db_path) as store:
        expected = store.devices_page(model.query, 1100, 1)[0]
    assert model.device_at(1100) == expected


def test_sorting_by_header_reorders(screen: DevicesScreen, qtbot: QtBot) -> None:
    column = [key for key, _ in COLUMNS].index("model")
    with qtbot.waitSignal(screen.model.ready):
        screen.table.sortByColumn(column, Qt.SortOrder.DescendingOrder)
    models = [screen.model.device_at(r).model for r in range(50)]  # type: ignore[union-attr]
    assert models == sorted(models, reverse=True)
    assert screen.model.query.sort == "model" and screen.model.query.descending


def test_typing_filters_by_prefix(screen: DevicesScreen, qtbot: QtBot) -> None:
    target = screen.model.device_at(7)
    assert target is not None
    with qtbot.waitSignal(screen.model.ready, timeout=5000):
        qtbot.keyClicks(screen.search, target.serial[:5])
    rows = [screen.model.device_at(r) for r in range(screen.model.rowCount())]
    assert target.id in {d.id for d in rows if d}
    assert screen.model.rowCount() < 1200


def test_scan_and_enter_selects_the_device(screen: DevicesScreen, qtbot: QtBot) -> None:
    with Store.open(screen.db_path) as store:
        target = store.devices_page(screen.model.query, 900, 1)[0]
    screen.search.setFocus()
    qtbot.keyClicks(screen.search, target.serial.lower())
    with qtbot.waitSignal(screen.model.ready, timeout=5000):
        qtbot.keyClick(screen.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.selected_device() is not None)
    assert screen.selected_device().id == target.id  # type: ignore[union-attr]
    assert screen.detail.title.text() == target.device_name
    assert screen.search.selectedText() == screen.search.text()  # ready for the next scan


def test_unknown_scan_says_so_beside_the_field(screen: DevicesScreen, qtbot: QtBot) -> None:
    qtbot.keyClicks(screen.search, "NO-SUCH-SERIAL")
    qtbot.keyClick(screen.search, Qt.Key.Key_Return)
    assert screen.search.property("state") == "error"
    assert "NO-SUCH-SERIAL" in screen.message.text()


def test_import_through_the_dialog_path(
    screen: DevicesScreen, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = demo.autopilot_rows(40, seed=77)
    files = [write(tmp_path / "a.csv", rows[:25]), write(tmp_path / "b.csv", rows[25:])]
    monkeypatch.setattr(
        "ui.devices.screen.QFileDialog.getOpenFileNames", lambda *a, **k: (files, "")
    )
    with qtbot.waitSignal(screen.import_flow.finished, timeout=10_000):
        qtbot.mouseClick(screen.import_button, Qt.MouseButton.LeftButton)
    dialog = screen.import_flow.result_dialog
    assert isinstance(dialog, ImportResultDialog) and dialog.isVisible()
    assert "Imported 40 new device(s)" in dialog.summary.text()
    qtbot.waitUntil(lambda: screen.model.rowCount() == 1240, timeout=5000)
    dialog.close()


def test_rejected_rows_are_listed_and_can_be_skipped(
    screen: DevicesScreen, qtbot: QtBot, tmp_path: Path
) -> None:
    rows = demo.autopilot_rows(10, seed=78)
    rows[2] = replace(rows[2], hardware_hash="@@@")
    rows[6] = replace(rows[6], assigned_user="someone@")
    path = write(tmp_path / "mixed.csv", rows)
    with qtbot.waitSignal(screen.import_flow.finished, timeout=10_000):
        screen.import_files([path])
    dialog = screen.import_flow.result_dialog
    assert dialog is not None and not dialog.report.committed
    assert "Nothing was imported" in dialog.summary.text()
    assert dialog.table.rowCount() == 2
    assert [dialog.table.item(r, 1).text() for r in range(2)] == ["4", "8"]
    assert dialog.table.item(0, 2).text() == "Hardware Hash"
    assert dialog.skip_button is not None
    with qtbot.waitSignal(screen.import_flow.finished, timeout=10_000):
        qtbot.mouseClick(dialog.skip_button, Qt.MouseButton.LeftButton)
    second = screen.import_flow.result_dialog
    assert second is not None and second.report.committed and second.report.imported == 8
    second.close()


def test_cancel_leaves_the_database_unchanged(
    screen: DevicesScreen, qtbot: QtBot, tmp_path: Path
) -> None:
    files = [
        write(tmp_path / f"f{i}.csv", demo.autopilot_rows(500, seed=200 + i)) for i in range(6)
    ]
    cancelled: list[bool] = []
    screen.import_flow.start(files)
    progress = screen.import_flow.progress
    assert isinstance(progress, QProgressDialog)
    operation = screen.import_flow.operation
    assert operation is not None

    def cancel_when_progressing() -> bool:
        if progress.value() > 0 and not cancelled:
            button = progress.findChild(QPushButton)
            qtbot.mouseClick(button, Qt.MouseButton.LeftButton)  # what the operator does
            cancelled.append(True)
        return bool(cancelled)

    qtbot.waitUntil(cancel_when_progressing, timeout=10_000)
    qtbot.waitUntil(
        lambda: QMessageBox in {type(w) for w in screen.findChildren(QMessageBox)}, timeout=10_000
    )
    box = screen.findChildren(QMessageBox)[0]
    assert "Nothing was imported" in box.text()
    box.close()
    wait_for_writer()
    with Store.open(screen.db_path) as store:
        assert store.count_devices() == 1200
        assert store.audit_entries(action="autopilot.import") == []


def test_export_through_the_folder_dialog(
    screen: DevicesScreen, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "intune"
    monkeypatch.setattr(
        "ui.devices.screen.QFileDialog.getExistingDirectory", lambda *a, **k: str(out)
    )
    qtbot.mouseClick(screen.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Exported" in screen.message.text(), timeout=10_000)
    files = sorted(p.name for p in out.iterdir())
    assert files and files[0] == "autopilot-001.csv"


def test_write_by_another_process_shows_up(
    screen: DevicesScreen, qtbot: QtBot, tmp_path: Path
) -> None:
    from app import services

    with Store.open(screen.db_path) as other:
        services.import_autopilot(
            other, [write(tmp_path / "x.csv", demo.autopilot_rows(3, seed=9))]
        )
    qtbot.waitUntil(lambda: screen.model.rowCount() == 1203, timeout=5000)


def test_live_refresh_keeps_selection_and_scroll(
    screen: DevicesScreen, qtbot: QtBot, tmp_path: Path
) -> None:
    from app import services

    model = screen.model
    qtbot.waitUntil(lambda: model.device_at(700) is not None)
    target = model.device_at(700)
    assert target is not None
    screen._select_row(700)
    scroll = screen.table.verticalScrollBar().value()
    assert scroll > 0
    with Store.open(screen.db_path) as other:
        services.import_autopilot(
            other, [write(tmp_path / "late.csv", demo.autopilot_rows(2, seed=31))]
        )
    qtbot.waitUntil(lambda: model.rowCount() == 1202, timeout=5000)
    assert screen.table.verticalScrollBar().value() == scroll
    assert screen.table.currentIndex().row() == 700
    qtbot.waitUntil(lambda: model.device_at(700) is not None)
    assert screen.detail.title.text() == target.device_name


def test_empty_registry_says_what_to_do(qtbot: QtBot, db_path: Path) -> None:
    widget = DevicesScreen(str(db_path))
    qtbot.addWidget(widget)
    widget.show()
    assert widget.model.rowCount() == 0
    assert widget.list_stack.currentWidget() is widget.empty
    assert "No devices yet" in widget.empty.text()
    assert "Ctrl+I" in widget.empty.text()
    widget.shutdown()


def test_search_without_matches_says_so(screen: DevicesScreen, qtbot: QtBot) -> None:
    with qtbot.waitSignal(screen.model.ready, timeout=5000):
        qtbot.keyClicks(screen.search, "zzz-nothing")
    assert screen.list_stack.currentWidget() is screen.empty
    assert "zzz-nothing" in screen.empty.text()
    with qtbot.waitSignal(screen.model.ready, timeout=5000):
        qtbot.keyClick(screen.search, Qt.Key.Key_Escape)
    assert screen.list_stack.currentWidget() is screen.table
    assert screen.model.rowCount() == 1200


def test_dragging_fetches_the_latest_pages_first(screen: DevicesScreen, qtbot: QtBot) -> None:
    model = screen.model
    for number in range(1, 11):  # a fast drag paints ten pages before any arrives
        model.device_at(number * PAGE_SIZE)
    qtbot.waitUntil(lambda: all(model.device_at(n * PAGE_SIZE) for n in (7, 8, 9, 10)))
    skipped = [n for n in range(2, 7) if n not in model._pages]
    assert skipped == [2, 3, 4, 5, 6]  # overtaken while waiting: never fetched
    assert model.device_at(3 * PAGE_SIZE) is None  # painted again: asked again
    qtbot.waitUntil(lambda: model.device_at(3 * PAGE_SIZE) is not None)


def test_scanning_a_printed_label_opens_the_record(screen: DevicesScreen, qtbot: QtBot) -> None:
    from app import labels

    with Store.open(screen.db_path) as store:
        target = store.devices_page(screen.model.query, 321, 1)[0]
    screen.search.setFocus()
    qtbot.keyClicks(screen.search, labels.payload(target))  # what the scanner types
    with qtbot.waitSignal(screen.model.ready, timeout=5000):
        qtbot.keyClick(screen.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.selected_device() is not None)
    assert screen.selected_device().id == target.id  # type: ignore[union-attr]


def test_label_prints_through_qprinter(screen: DevicesScreen, qtbot: QtBot, tmp_path: Path) -> None:
    from PySide6.QtPrintSupport import QPrinter

    from ui.widgets.label_printer import label_printer, paint_label

    screen._select_row(3)
    device = screen.selected_device()
    assert device is not None and screen.print_button.isEnabled()
    printer = label_printer()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "label.pdf"))
    paint_label(printer, device)
    assert (tmp_path / "label.pdf").read_bytes().startswith(b"%PDF")
    screen.print_label()  # opens the preview dialog
    dialogs = [w for w in screen.findChildren(QDialog) if w.isVisible()]
    assert any(device.serial in d.windowTitle() for d in dialogs)
    for dialog in dialogs:
        dialog.accept()
    entries = screen.store.audit_entries(action="label.print")
    assert [e.target for e in entries] == [device.serial]
