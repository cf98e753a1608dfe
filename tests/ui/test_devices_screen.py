"""The Devices screen driven like a technician would: type, scan, import, cancel, export."""

from __future__ import annotations

import gc
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QColor, QKeyEvent
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QProgressDialog, QPushButton
from pytestqt.qtbot import QtBot

from app import demo
from app.domain import AutopilotRecord, Device, DeviceQuery
from app.store import Store
from tests.helpers import keyboard as kb
from tests.helpers.actors import ADMIN
from tests.helpers.threads import reads_drawn, reads_on_the_gui_thread
from ui.devices.import_flow import ImportResultDialog
from ui.devices.model import COLUMNS, PAGE_SIZE, STATE_KEY, DeviceTableModel
from ui.devices.screen import DevicesScreen
from ui.ops import wait_for_writer
from ui.widgets.state_swatch import state_colour


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


def test_the_result_says_which_lines_were_read_as_ansi(
    screen: DevicesScreen, qtbot: QtBot, tmp_path: Path
) -> None:
    rows = demo.autopilot_rows(2, seed=79)
    utf8 = demo.capture_csv(rows[:1]).decode("utf-16").replace("\r\n", ",Café\r\n", 2)
    utf8 = utf8.replace("Hardware Hash,Café", "Hardware Hash,Group Tag", 1)
    ansi = demo.capture_csv(rows[1:]).decode("utf-16").splitlines()[1] + ",Müller\r\n"
    path = tmp_path / "joined.csv"
    path.write_bytes(utf8.encode("utf-8") + ansi.encode("cp1252"))
    with qtbot.waitSignal(screen.import_flow.finished, timeout=10_000):
        screen.import_files([path])
    dialog = screen.import_flow.result_dialog
    assert dialog is not None and dialog.outcome.committed
    assert "Imported 2 new device(s)" in dialog.summary.text()
    assert "Note: joined.csv: line 3 isn't UTF-8" in dialog.summary.text()
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
    assert dialog is not None and not dialog.outcome.committed
    assert "Nothing was imported" in dialog.summary.text()
    assert dialog.table.rowCount() == 2
    assert [dialog.table.item(r, 1).text() for r in range(2)] == ["4", "8"]
    assert dialog.table.item(0, 2).text() == "Hardware Hash"
    assert dialog.skip_button is not None
    with qtbot.waitSignal(screen.import_flow.finished, timeout=10_000) as done:
        qtbot.mouseClick(dialog.skip_button, Qt.MouseButton.LeftButton)
    report = done.args[0]
    assert report.committed and report.imported == 8
    second = screen.import_flow.result_dialog
    assert second is not None and second.outcome.committed
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
            other, [write(tmp_path / "x.csv", demo.autopilot_rows(3, seed=9))], actor=ADMIN
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
            other, [write(tmp_path / "late.csv", demo.autopilot_rows(2, seed=31))], actor=ADMIN
        )
    qtbot.waitUntil(lambda: model.rowCount() == 1202, timeout=5000)
    assert screen.table.verticalScrollBar().value() == scroll
    assert screen.table.currentIndex().row() == 700
    qtbot.waitUntil(lambda: model.device_at(700) is not None)
    reads_drawn()
    assert screen.detail.title.text() == target.device_name


def test_empty_registry_says_what_to_do(qtbot: QtBot, db_path: Path) -> None:
    widget = DevicesScreen(str(db_path), actor=lambda: ADMIN)
    qtbot.addWidget(widget)
    widget.show()
    assert widget.model.rowCount() == 0
    assert widget.list_stack.currentWidget() is widget.empty
    assert "No devices yet" in widget.empty.text()
    assert "Ctrl+I" in widget.empty.text()
    widget.shutdown()


def test_dragging_fetches_the_latest_pages_first(screen: DevicesScreen, qtbot: QtBot) -> None:
    model = screen.model
    for number in range(1, 11):  # a fast drag paints ten pages before any arrives
        model.device_at(number * PAGE_SIZE)
    qtbot.waitUntil(lambda: all(model.device_at(n * PAGE_SIZE) for n in (7, 8, 9, 10)))
    skipped = [n for n in range(2, 7) if n not in model._pages]
    assert skipped == [2, 3, 4, 5, 6]  # overtaken while waiting: never fetched
    assert model.device_at(3 * PAGE_SIZE) is None  # painted again: asked again
    qtbot.waitUntil(lambda: model.device_at(3 * PAGE_SIZE) is not None)


def test_label_prints_through_qprinter(screen: DevicesScreen, qtbot: QtBot, tmp_path: Path) -> None:
    from PySide6.QtPrintSupport import QPrinter

    from ui.widgets.label_printer import label_printer, paint_label

    screen._select_row(3)
    reads_drawn()
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
    wait_for_writer()  # the print is recorded on the writer thread, off the GUI thread
    entries = screen.store.audit_entries(action="label.print")
    assert [e.target for e in entries] == [device.serial]


# -- search and scan, by keyboard: every key goes to the focused widget ----------------------


def to_search(screen: DevicesScreen) -> None:
    """Where a person starts: anywhere on the screen, then Ctrl+F."""
    screen.table.setFocus()
    kb.ctrl(kb.Key.Key_F)
    assert kb.focus_name() == "search"


def enter_and_wait(qtbot: QtBot, screen: DevicesScreen) -> None:
    with qtbot.waitSignal(screen.model.ready, timeout=5000):
        kb.enter()
    assert kb.focus_name() == "search"


def listed(screen: DevicesScreen) -> list[Device]:
    rows = [screen.model.device_at(r) for r in range(screen.model.rowCount())]
    return [d for d in rows if d is not None]


def pick(screen: DevicesScreen, row: int) -> Device:
    with Store.open(screen.db_path) as store:
        return store.devices_page(DeviceQuery(), row, 1)[0]


def test_enter_with_an_exact_serial_selects_it(screen: DevicesScreen, qtbot: QtBot) -> None:
    target = pick(screen, 900)
    to_search(screen)
    kb.type_text(target.serial.lower())  # a scanner may send either case
    enter_and_wait(qtbot, screen)
    reads_drawn()
    assert screen.selected_device() == target
    assert screen.detail.title.text() == target.device_name
    assert [d.id for d in listed(screen)] == [target.id]  # the list agrees with the box
    assert screen.search.selectedText() == screen.search.text()  # the next scan replaces it
    assert screen.search.property("state") == ""
    assert screen.message.text() == f"Found {target.serial}."


def test_enter_with_an_exact_device_name_selects_it(screen: DevicesScreen, qtbot: QtBot) -> None:
    target = pick(screen, 321)
    assert target.device_name
    to_search(screen)
    kb.type_text(target.device_name)
    enter_and_wait(qtbot, screen)
    assert screen.selected_device() == target
    assert [d.id for d in listed(screen)] == [target.id]
    assert target.device_name in screen.message.text()
    assert target.serial in screen.message.text()


def test_enter_with_a_upn_lists_every_device_of_that_user(
    screen: DevicesScreen, qtbot: QtBot
) -> None:
    with Store.open(screen.db_path) as store:
        users = Counter(d.assigned_user for d in store.iter_devices(DeviceQuery()))
        upn = next(u for u, n in users.most_common() if u and n > 1)
        theirs = [d for d in store.iter_devices(DeviceQuery()) if d.assigned_user == upn]
    to_search(screen)
    kb.type_text(upn.upper())
    enter_and_wait(qtbot, screen)
    assert {d.id for d in listed(screen)} == {d.id for d in theirs}
    selected = screen.selected_device()
    assert selected is not None and selected.assigned_user == upn
    assert f"of {len(theirs)} devices" in screen.message.text()
    assert f"“{upn.upper()}”" in screen.count_label.text()


def test_a_failed_enter_says_so_and_the_list_agrees_with_the_box(
    screen: DevicesScreen, qtbot: QtBot
) -> None:
    earlier = pick(screen, 10)
    to_search(screen)
    kb.type_text(earlier.serial)
    enter_and_wait(qtbot, screen)
    assert screen.selected_device() == earlier
    # A scanner types the next code at once: no pause, so no filter ran before Enter.
    prefix = earlier.serial[:4]
    kb.type_text(prefix + "-NOT-A-DEVICE")
    enter_and_wait(qtbot, screen)
    box = screen.search.text()
    assert box == prefix + "-NOT-A-DEVICE"
    assert screen.search.property("state") == "error"
    assert f"No device has the serial number, name or user “{box}”" in screen.message.text()
    assert "None starts with it" in screen.message.text()
    assert screen.message.property("state") == "error"
    assert screen.model.query.text == box and not screen.model.query.exact
    assert screen.list_stack.currentWidget() is screen.empty  # not the earlier device
    assert box in screen.empty.text()
    assert screen.selected_device() is None
    assert screen.detail.title.text() == "No device selected"
    kb.press(kb.Key.Key_Escape)
    qtbot.waitUntil(lambda: screen.model.rowCount() == 1200, timeout=5000)
    assert kb.focus_name() == "search"
    assert screen.list_stack.currentWidget() is screen.table


def test_a_failed_enter_on_a_prefix_lists_what_starts_with_it(
    screen: DevicesScreen, qtbot: QtBot
) -> None:
    to_search(screen)
    kb.type_text("CTS-0")  # a name prefix: no device is called exactly that
    enter_and_wait(qtbot, screen)
    matches = listed(screen)
    assert matches and all(
        any((v or "").upper().startswith("CTS-0") for v in (d.serial, d.device_name))
        for d in matches
    )
    assert screen.search.text() == "CTS-0"
    assert f"shows the {screen.model.rowCount()} device(s)" in screen.message.text()
    assert "start with “CTS-0”" in screen.count_label.text()
    kb.type_text("1")  # typing on filters by prefix again, and clears the error
    assert screen.search.property("state") == ""


def test_scanning_a_printed_label_opens_the_record(screen: DevicesScreen, qtbot: QtBot) -> None:
    from app import labels

    target = pick(screen, 321)
    to_search(screen)
    kb.type_text(labels.payload(target))  # what the scanner types, then its Enter
    enter_and_wait(qtbot, screen)
    assert screen.selected_device() == target
    assert screen.search.text() == target.serial  # the box says what the list shows


def test_typing_without_enter_filters_and_says_so_when_nothing_matches(
    screen: DevicesScreen, qtbot: QtBot
) -> None:
    to_search(screen)
    with qtbot.waitSignal(screen.model.ready, timeout=5000):
        kb.type_text("zzz-nothing")
    assert screen.list_stack.currentWidget() is screen.empty
    assert "zzz-nothing" in screen.empty.text()
    with qtbot.waitSignal(screen.model.ready, timeout=5000):
        kb.press(kb.Key.Key_Escape)
    assert kb.focus_name() == "search"
    assert screen.list_stack.currentWidget() is screen.table
    assert screen.model.rowCount() == 1200


def test_the_intune_export_message_names_the_devices_it_left_out(
    screen: DevicesScreen, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app import services

    with Store.open(screen.db_path) as other:  # enrolled at the bench, no hash captured
        for serial in ("NOHASH2", "NOHASH1"):
            services.enroll_device(other, services.EnrollRequest(serial), actor=ADMIN)
    out = tmp_path / "intune"
    monkeypatch.setattr(
        "ui.devices.screen.QFileDialog.getExistingDirectory", lambda *a, **k: str(out)
    )
    screen.table.setFocus()
    kb.ctrl(kb.Key.Key_E)
    qtbot.waitUntil(lambda: "Exported" in screen.message.text(), timeout=10_000)
    text = screen.message.text()
    assert "Exported 1200 device(s)" in text
    assert "Left out 2 device(s) with no hardware hash: NOHASH1, NOHASH2." in text
    assert "Get-JoineryReport.ps1" in text and "Get-WindowsAutopilotInfo" in text
    assert screen.message.property("state") == "error"  # it needs a hand, so it stands out


def test_the_detail_says_prepared_until_the_join_is_confirmed(
    screen: DevicesScreen, qtbot: QtBot, tmp_path: Path
) -> None:
    from app import services
    from app.timeutil import now_iso

    with Store.open(screen.db_path) as other:
        services.enroll_device(other, services.EnrollRequest("PF9UXTST"), actor=ADMIN)
    to_search(screen)
    kb.type_text("PF9UXTST")
    enter_and_wait(qtbot, screen)
    reads_drawn()
    enrollment = screen.detail._values["enrollment_status"]
    assert enrollment.text().startswith("Prepared at the bench 20")
    assert enrollment.text().endswith("join not confirmed yet")
    assert "Intune export" in enrollment.toolTip()
    join = screen.detail._values["join_type"].text()
    assert join == "Microsoft Entra join (planned)"
    column = [key for key, _ in COLUMNS].index("enrollment_status")
    row = screen.table.currentIndex().row()
    shown = screen.model.index(row, column).data()
    assert shown == "Prepared at the bench"

    export = tmp_path / "DevicesWithInventory.csv"  # Intune lists it: the join happened
    stamp = now_iso().replace("T", " ").removesuffix("Z")
    export.write_text(
        f'"Serial number","Last check-in","OS"\r\n"PF9UXTST","{stamp}","Windows"\r\n',
        encoding="utf-8-sig",
    )
    with Store.open(screen.db_path) as other:
        services.ingest_files(other, [export], actor=ADMIN)
    qtbot.waitUntil(
        lambda: screen.detail._values["enrollment_status"].text().startswith("Enrolled"),
        timeout=5000,
    )
    assert screen.detail._values["join_type"].text() == "Microsoft Entra joined"


def test_a_held_page_down_moves_the_detail_once_the_key_is_let_go(
    screen: DevicesScreen, qtbot: QtBot
) -> None:
    """A single press shows the row's detail at once; while Page Down repeats (a held key:
    thirty rows a second), the pane waits for the row to rest, then shows where it stopped."""

    def title_of(device: Device | None) -> str:
        assert device is not None
        return device.device_name or device.serial

    screen.table.setFocus()
    screen.table.selectRow(0)
    assert kb.focus_name() == "deviceTable"
    kb.press(kb.Key.Key_PageDown)  # one press: the pane follows at once (its read is back)
    reads_drawn()
    pressed = screen.selected_device()
    assert screen.detail.title.text() == title_of(pressed)
    for _ in range(2):  # the keyboard's repeats, marked as such
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            event = QKeyEvent(kind, Qt.Key.Key_PageDown, Qt.KeyboardModifier.NoModifier, "", True)
            QApplication.sendEvent(kb.focused(), event)
    rested = screen.selected_device()
    assert rested is not None and pressed is not None and rested.id != pressed.id
    assert screen.detail.title.text() == title_of(pressed)  # not redrawn while held
    qtbot.waitUntil(lambda: screen.detail.title.text() == title_of(rested), timeout=2000)


# -- what a frame costs (bench/gui_stalls.py finds the stalls; these keep them away) --------


def test_a_screenful_is_painted_from_the_models_words(
    screen: DevicesScreen, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each visible cell asks the model once for its words (Qt's own painting asked for
    seven roles a cell, 1,300 calls a paint); the state's swatch and words are drawn."""
    asked: Counter[str] = Counter()
    cell, data = DeviceTableModel.cell, DeviceTableModel.data

    def count_cell(model: DeviceTableModel, row: int, column: int) -> tuple[str | None, str | None]:
        asked["cell"] += 1
        return cell(model, row, column)

    def count_data(model: DeviceTableModel, index: object, role: int = 0) -> object:
        asked["data"] += 1
        return data(model, index, role)  # type: ignore[arg-type]

    monkeypatch.setattr(DeviceTableModel, "cell", count_cell)
    monkeypatch.setattr(DeviceTableModel, "data", count_data)
    table, model = screen.table, screen.model
    table.viewport().repaint()
    area = table.viewport().rect()
    cells = [
        (row, column)
        for row in range(model.rowCount())
        for column in range(model.columnCount())
        if not table.isColumnHidden(column)
        and table.visualRect(model.index(row, column)).intersects(area)
    ]
    assert asked["data"] == 0
    assert asked["cell"] == len(cells) > 100
    image = table.viewport().grab().toImage()
    device = model.device_at(1)
    assert device is not None
    # The state's swatch: 12 px of its colour, 3 px in from the cell's edge.
    state = table.visualRect(model.index(1, [key for key, _ in COLUMNS].index(STATE_KEY)))
    middle = state.center().y()
    colour = state_colour(device.compliance_state)
    assert [image.pixelColor(state.left() + x, middle) == colour for x in (1, 5, 13, 17)] == [
        False,
        True,
        True,
        False,
    ]
    # The serial's words: drawn 3 px in, as wide as the font makes them.
    serial = table.visualRect(model.index(1, 0))
    background = image.pixelColor(serial.right() - 1, serial.top() + 2)
    inked = [
        x
        for x in range(serial.left(), serial.right())
        for y in range(serial.top() + 1, serial.bottom())
        if _far(image.pixelColor(x, y), background)
    ]
    assert inked, "the serial was not drawn"
    width = table.viewport().fontMetrics().horizontalAdvance(device.serial)
    assert abs(min(inked) - (serial.left() + 3)) <= 2
    assert abs((max(inked) - min(inked) + 1) - width) <= 3


def _far(one: QColor, other: QColor) -> bool:
    return abs(one.red() - other.red()) + abs(one.green() - other.green()) > 150


def test_moving_the_row_leaves_the_column_titles_alone(screen: DevicesScreen, qtbot: QtBot) -> None:
    """A row is selected whole; Qt's header redrew its titles (up to 5 ms with the style
    sheet) at every row a key moved to."""
    painted: list[int] = []

    class Count(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
            if event.type() == QEvent.Type.Paint:
                painted.append(1)
            return False

    counter = Count()
    header = screen.table.horizontalHeader()
    header.viewport().installEventFilter(counter)
    screen.table.setFocus()
    screen.table.selectRow(0)
    qtbot.wait(50)
    painted.clear()
    for _ in range(3):
        kb.press(kb.Key.Key_Down)
        qtbot.wait(20)
    assert screen.table.currentIndex().row() == 3
    assert painted == []
    header.viewport().removeEventFilter(counter)


def test_loaded_pages_leave_the_cyclic_collector_after_one_collection(
    screen: DevicesScreen, qtbot: QtBot
) -> None:
    """The pages a list keeps are plain rows, which Python's collector stops walking after
    their first collection: it walked each Device of them at every one (9 ms of the GUI
    thread at a time while a million-device list scrolled)."""
    model = screen.model
    assert model.device_at(900) is None
    qtbot.waitUntil(lambda: model.device_at(900) is not None)
    gc.collect()
    rows = [row for page in model._pages.values() for row in page]
    assert len(rows) == 2 * PAGE_SIZE
    assert not any(gc.is_tracked(row) for row in rows)


def test_the_detail_pane_is_read_off_the_gui_thread(
    screen: DevicesScreen, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A row that settles has its record, lineage, history and tenant facts read on the
    reader thread: the first read of a cold part of a million-device file waited on the
    disk, on the GUI thread (a stall of tens of ms the technician felt at Ctrl+End)."""
    on_gui = reads_on_the_gui_thread(
        monkeypatch,
        ("device", "device_lineage", "device_history", "autopilot_facts", "intune_facts"),
    )
    screen.table.setFocus()
    screen.table.selectRow(0)
    kb.press(kb.Key.Key_End, kb.Mod.ControlModifier)
    qtbot.waitUntil(lambda: screen.model.device_at(screen.model.rowCount() - 1) is not None)
    last = screen.model.device_at(screen.model.rowCount() - 1)
    assert last is not None
    qtbot.waitUntil(lambda: screen.detail.title.text() == (last.device_name or last.serial))
    assert screen.print_button.isEnabled()
    assert on_gui == []


def test_a_search_that_hides_the_selected_device_clears_the_pane(
    screen: DevicesScreen, qtbot: QtBot
) -> None:
    """Print label and Device files act on the row selected: with the device out of the
    list, nothing is selected and they are off (they stayed on, for the hidden device);
    clearing the search selects it again."""
    screen._select_row(3)
    reads_drawn()
    chosen = screen.selected_device()
    assert chosen is not None and screen.print_button.isEnabled()
    to_search(screen)
    kb.type_text("ZZZZNOTHING")
    qtbot.waitUntil(lambda: screen.model.rowCount() == 0, timeout=5000)
    reads_drawn()
    assert not screen.print_button.isEnabled() and not screen.files_button.isEnabled()
    assert screen.detail.title.text() == "No device selected"
    assert kb.focus_name() == "search"
    kb.press(kb.Key.Key_A, kb.Mod.ControlModifier)
    kb.press(kb.Key.Key_Backspace)  # the search emptied: the whole list again
    qtbot.waitUntil(lambda: screen.selected_device() == chosen, timeout=5000)
