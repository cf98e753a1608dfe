"""The Fleet dashboard driven like an admin: tiles, drill-downs, filters, the detail pane,
live changes from another process, pause, the past, stale devices and exports."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QColor, QIcon
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from app import demo, services
from app.compliance.words import STATE_WORDS
from app.domain import DeviceQuery
from app.errors import KnownError
from app.security.roles import Actor, Role
from app.services.demo import seed_compliance_history
from app.store import Store
from tests.helpers import keyboard as kb
from tests.helpers.keyboard import focus_name, scan
from tests.helpers.threads import reads_drawn, reads_on_the_gui_thread
from ui import changes, theme
from ui.changes import Change
from ui.fleet.export_flow import devices_list
from ui.fleet.screen import COLUMN_KEYS, DEVICES, STALE, STATE_KEY, FleetScreen
from ui.fleet.tiles import ACTIVE
from ui.ops import wait_for_writer

ADMIN = Actor("ada", Role.ADMIN)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def screen(qtbot: QtBot, tmp_path: Path) -> Iterator[FleetScreen]:
    # Built per test: the audit key lives in each test's own data folder.
    path = tmp_path / "fleet.db"
    with Store.open(path) as seeding:
        demo.seed(seeding, 200, seed=4)
        seed_compliance_history(seeding, days=4, actor=ADMIN)
    store = Store.open(path)
    widget = FleetScreen(store, lambda: ADMIN)
    qtbot.addWidget(widget)
    widget.resize(1366, 700)
    widget.show()
    qtbot.waitUntil(lambda: widget.board is not None)
    yield widget
    widget.shutdown()
    wait_for_writer()
    store.close()


def wait_rows(qtbot: QtBot, screen: FleetScreen) -> None:
    qtbot.waitUntil(lambda: not screen.model.loading, timeout=10_000)


def test_every_tile_opens_exactly_its_devices(qtbot: QtBot, screen: FleetScreen) -> None:
    board = screen.board
    assert board is not None
    for key, tile in screen.tiles.tiles.items():
        assert tile.text().split("\n")[0].replace(",", "") == str(board.tiles[key])
        qtbot.mouseClick(tile, Qt.MouseButton.LeftButton)
        wait_rows(qtbot, screen)
        assert screen.tabs.currentIndex() == DEVICES
        assert screen.model.rowCount() == board.tiles[key], key
        assert tile.isChecked()
        if board.tiles[key]:
            assert "same query" in screen.count.text()


def test_filters_narrow_and_counts_agree(qtbot: QtBot, screen: FleetScreen) -> None:
    board = screen.board
    assert board is not None and board.failing
    setting, failing = board.failing[0]
    screen.failing_chart.bar_clicked.emit(setting)  # a click on the chart's bar
    wait_rows(qtbot, screen)
    assert screen.filters.failing.currentData() == setting
    assert screen.model.rowCount() == failing
    screen.filters.choose(screen.filters.state, ("noncompliant",))
    screen.filters.state.activated.emit(screen.filters.state.currentIndex())
    wait_rows(qtbot, screen)
    expected = screen.store.count_devices(DeviceQuery(failing=setting, state="noncompliant"))
    assert screen.model.rowCount() == expected
    qtbot.mouseClick(screen.filters.clear, Qt.MouseButton.LeftButton)
    wait_rows(qtbot, screen)
    assert screen.model.rowCount() == board.tiles["total"]


def test_detail_pane_says_why_and_what_ca_does(qtbot: QtBot, screen: FleetScreen) -> None:
    screen.show_tile("noncompliant")
    wait_rows(qtbot, screen)
    screen.table.selectRow(0)
    reads_drawn()
    detail = screen.detail
    assert detail.state.text().startswith("Not compliant")
    assert "blocked" in detail.access.text()
    reasons = [detail.reasons.item(i).text() for i in range(detail.reasons.count())]
    assert reasons and any("required by" in r for r in reasons)
    history = [detail.history.item(i).text() for i in range(detail.history.count())]
    assert any("latest check-in" in line for line in history)
    changes = []  # some devices were seeded noncompliant; others went there, saying why
    for row in range(min(screen.model.rowCount(), 20)):
        screen.table.selectRow(row)
        reads_drawn()
        changes += [
            detail.history.item(i).text()
            for i in range(detail.history.count())
            if "→ Not compliant" in detail.history.item(i).text()
        ]
    assert changes and "failing:" in changes[0]
    screen.table.selectRow(0)
    device = screen.selected_device()
    assert device is not None
    qtbot.mouseClick(detail.reevaluate, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "re-evaluated" in screen.note.text(), timeout=10_000)
    assert screen.store.audit_entries(action="compliance.reevaluate")


def test_another_process_writing_shows_up_and_keeps_the_selection(
    qtbot: QtBot, screen: FleetScreen
) -> None:
    screen.show_tile("total")
    wait_rows(qtbot, screen)
    screen.table.selectRow(3)
    chosen = screen.selected_device()
    assert chosen is not None
    drawn = screen.refreshes
    writer = (
        "import sys\n"
        "from app.store import Store\n"
        "from app.services import local_admin\n"
        "from app.services.simulate import simulate_checkins\n"
        "with Store.open(sys.argv[1]) as store:\n"
        "    simulate_checkins(\n"
        "        store, rate=40, seconds=1, seed=5, sleep=lambda s: None, actor=local_admin()\n"
        "    )\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run(
        [sys.executable, "-c", writer, screen.store.path], check=True, env=env, timeout=120
    )
    qtbot.waitUntil(lambda: screen.refreshes > drawn, timeout=5_000)
    wait_rows(qtbot, screen)
    assert screen.selected_device() is not None
    assert screen.selected_device().id == chosen.id  # type: ignore[union-attr]
    assert screen.tiles.tiles["total"].isChecked()
    assert "Live" in screen.live.text()


def test_a_live_refresh_reads_nothing_on_the_gui_thread(
    qtbot: QtBot, screen: FleetScreen, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another bench's write is read on the reader and loader threads; the GUI thread only
    draws it (a read there is a stall a person scrolling or typing would feel)."""
    screen.show_tile("total")
    wait_rows(qtbot, screen)
    drawn = screen.refreshes
    with Store.open(screen.store.path) as other:  # another connection, like another bench
        device = next(other.iter_devices(DeviceQuery(verdict="compliant")))
        other.update_devices([device.id], [{"compliance_state": "noncompliant"}])
        noncompliant = other.count_devices(DeviceQuery(verdict="noncompliant"))
    # The change channel notices at its next tick (not yet): from here every read counts.
    on_gui = reads_on_the_gui_thread(
        monkeypatch,
        ("count_devices", "device_rows", "devices_page", "counters", "snapshots_since"),
    )
    qtbot.waitUntil(lambda: screen.refreshes > drawn, timeout=5_000)
    wait_rows(qtbot, screen)
    assert screen.board is not None and screen.board.tiles["noncompliant"] == noncompliant
    assert on_gui == []


def test_a_live_read_older_than_the_last_drawing_is_not_drawn(
    qtbot: QtBot, screen: FleetScreen, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A live read begun before a person's own refresh (Resume, a day) lands after it: the
    screen keeps the newer drawing instead of going back to the older reading."""
    gate, read_done = threading.Event(), threading.Event()
    real = services.dashboard

    def slow_on_the_reader(*args: object, **kwargs: object) -> object:
        board = real(*args, **kwargs)  # type: ignore[arg-type]
        if threading.current_thread() is not threading.main_thread():
            read_done.set()
            gate.wait(10)  # the reading is made; it lands late
        return board

    monkeypatch.setattr(services, "dashboard", slow_on_the_reader)
    screen._on_live_change()  # a change seen: the board is read on the reader
    assert read_done.wait(10)
    with Store.open(screen.store.path) as other:  # meanwhile the fleet changes...
        device = next(other.iter_devices(DeviceQuery(verdict="compliant")))
        other.update_devices([device.id], [{"compliance_state": "noncompliant"}])
        noncompliant = other.count_devices(DeviceQuery(verdict="noncompliant"))
    screen.refresh()  # ...and the screen is drawn afresh (as Resume does)
    assert screen.board is not None and screen.board.tiles["noncompliant"] == noncompliant
    drawn = screen.refreshes
    gate.set()
    reads_drawn()  # the old reading lands
    assert screen.refreshes == drawn or screen.board.tiles["noncompliant"] == noncompliant


def test_pause_holds_the_picture_until_resumed(qtbot: QtBot, screen: FleetScreen) -> None:
    qtbot.mouseClick(screen.pause, Qt.MouseButton.LeftButton)
    assert screen.paused and "Paused" in screen.live.text()
    drawn = screen.refreshes
    with Store.open(screen.store.path) as other:  # another connection, like another bench
        device = next(other.iter_devices(DeviceQuery()))
        services.reevaluate_device(
            other, device.id, actor=ADMIN
        )  # a write the screen must not show yet
    qtbot.wait(3 * 500)
    assert screen.refreshes == drawn  # the channel told it; paused, it drew nothing
    qtbot.mouseClick(screen.pause, Qt.MouseButton.LeftButton)
    assert screen.refreshes > drawn


def test_the_fleet_on_a_past_day(qtbot: QtBot, screen: FleetScreen) -> None:
    board = screen.board
    assert board is not None and len(board.trend) >= 3
    first_day = board.trend[0][0]
    screen.as_of.setDate(QDate.fromString(first_day, "yyyy-MM-dd"))
    assert screen.board is not None and screen.board.as_of == first_day
    assert "as recorded on" in screen.past.text() and screen.past.isVisible()
    assert screen.board.states == {**dict.fromkeys(board.states, 0), **board.trend[0][1]}
    qtbot.mouseClick(screen.today, Qt.MouseButton.LeftButton)
    assert screen.board.as_of is None


def test_on_a_past_day_there_is_nothing_to_pause(qtbot: QtBot, screen: FleetScreen) -> None:
    """A past day's board is a snapshot ("not live"): Pause stayed on offer, and Ctrl+P
    paused nothing."""
    board = screen.board
    assert board is not None and len(board.trend) >= 2
    screen.activateWindow()
    screen.as_of.setFocus()
    screen.as_of.setDate(QDate.fromString(board.trend[0][0], "yyyy-MM-dd"))
    assert not screen.pause.isEnabled() and "not live" in screen.pause.toolTip()
    kb.ctrl(kb.Key.Key_P)
    assert not screen.paused and "not live" in screen.live.text()
    qtbot.mouseClick(screen.today, Qt.MouseButton.LeftButton)
    assert screen.pause.isEnabled()
    screen.as_of.setFocus()
    kb.ctrl(kb.Key.Key_P)
    assert screen.paused


def test_paused_then_a_past_day_the_pause_ends(qtbot: QtBot, screen: FleetScreen) -> None:
    """Paused, then a past day: Pause was off and still checked, its words said Resume,
    and the live line hid the pause; back on today the board stayed still."""
    board = screen.board
    assert board is not None and len(board.trend) >= 2
    qtbot.mouseClick(screen.pause, Qt.MouseButton.LeftButton)
    assert screen.paused
    screen.as_of.setDate(QDate.fromString(board.trend[0][0], "yyyy-MM-dd"))
    assert not screen.paused and not screen.pause.isChecked()
    assert screen.pause.text().startswith("Pause") and not screen.pause.isEnabled()
    qtbot.mouseClick(screen.today, Qt.MouseButton.LeftButton)
    assert screen.pause.isEnabled() and "Live" in screen.live.text()


def test_past_midnight_the_live_board_stays_live_and_a_chosen_day_stays_chosen(
    qtbot: QtBot, screen: FleetScreen, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A kiosk left on the Fleet overnight showed yesterday "not live" at the next
    change, could not be moved to the new day, and offered Pause on a snapshot."""
    today = screen.as_of.date()
    monkeypatch.setattr("ui.fleet.board_time.utc_today", lambda: today.addDays(1))
    drawn = screen.refreshes
    changes.channel(screen.store.path).changed.emit(Change.ALL)
    qtbot.waitUntil(lambda: screen.refreshes > drawn)
    assert screen.board is not None and screen.board.as_of is None
    assert screen.as_of.date() == today.addDays(1) and screen.pause.isEnabled()
    assert "Live" in screen.live.text()
    board = screen.board
    first_day = QDate.fromString(board.trend[0][0], "yyyy-MM-dd")
    screen.as_of.setDate(first_day)  # a day the person chose
    monkeypatch.setattr("ui.fleet.board_time.utc_today", lambda: today.addDays(2))
    screen.refresh()
    assert screen.as_of.date() == first_day and not screen.pause.isEnabled()
    qtbot.mouseClick(screen.today, Qt.MouseButton.LeftButton)
    assert screen.as_of.date() == today.addDays(2)
    assert screen.board.as_of is None and screen.pause.isEnabled()


def test_a_read_that_failed_is_said_until_a_read_succeeds(
    qtbot: QtBot, screen: FleetScreen, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ "The fleet could not be read" stayed under the tiles after the next read had
    drawn the fleet afresh."""
    real = services.dashboard
    failing = [True]

    def flaky(*args: object, **kwargs: object) -> object:
        if failing[0]:
            raise KnownError("The database is busy.")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(services, "dashboard", flaky)
    changes.channel(screen.store.path).changed.emit(Change.ALL)
    qtbot.waitUntil(
        lambda: "could not be read" in screen.note.text() or "busy" in screen.note.text()
    )
    assert screen.note.isVisible()
    drawn = screen.refreshes
    failing[0] = False
    changes.channel(screen.store.path).changed.emit(Change.ALL)
    qtbot.waitUntil(lambda: screen.refreshes > drawn)
    assert not screen.note.isVisible()


def test_stale_plan_and_marking_a_device(qtbot: QtBot, screen: FleetScreen) -> None:
    screen.tabs.setCurrentIndex(STALE)
    view = screen.stale_view
    assert view.table.rowCount() == screen.board.tiles["stale"]  # type: ignore[union-attr]
    steps = [view.steps.item(i).text() for i in range(view.steps.count())]
    assert steps and "Disable the Entra device" in " ".join(steps)
    assert steps[0].startswith("1.")
    assert any(s.startswith("Kept:") and "Autopilot" in s for s in steps)  # an Autopilot device
    assert "Joinery's last check-in" in view.summary.text()
    device = view.selected()
    assert device is not None
    boxes: list[QMessageBox] = []
    screen._present = boxes.append  # type: ignore[method-assign]
    qtbot.mouseClick(view.mark, Qt.MouseButton.LeftButton)
    assert boxes and "BitLocker" in boxes[0].text()
    boxes[0].button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: "marked for cleanup" in screen.note.text(), timeout=10_000)
    history = screen.store.device_history(device.device_id)
    assert any(h.kind == "marked for cleanup" for h in history)
    assert screen.store.audit_entries(action="stale.mark")


def test_export_the_filtered_view(qtbot: QtBot, screen: FleetScreen, tmp_path: Path) -> None:
    screen.show_tile("noncompliant")
    wait_rows(qtbot, screen)
    target = tmp_path / "entra.csv"
    with qtbot.waitSignal(screen.exports.exported, timeout=10_000):
        screen.exports.export_to(str(target), "entra", devices_list(screen.model.query))
    text = target.read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    assert lines[0].startswith("displayName,accountEnabled,operatingSystem")
    assert len(lines) - 1 == screen.board.tiles["noncompliant"]  # type: ignore[union-attr]


def test_an_export_asked_for_once_locked_writes_nothing(
    qtbot: QtBot, screen: FleetScreen, tmp_path: Path
) -> None:
    """A file chosen after the kiosk locked is not exported for nobody, nor as the local
    administrator (the services once took a missing actor to mean them)."""
    screen.exports._actor = lambda: None  # the kiosk locked while the file dialog was open
    target = tmp_path / "entra.csv"
    said: list[str] = []
    screen.exports.failed.connect(said.append)
    screen.exports.export_to(str(target), "entra", devices_list(screen.model.query))
    qtbot.waitUntil(lambda: any("Sign in and try again" in s for s in said), timeout=10_000)
    wait_for_writer()
    assert not target.exists()
    assert screen.store.audit_entries(action="fleet.export") == []


def test_import_check_ins_with_progress(qtbot: QtBot, screen: FleetScreen) -> None:
    data = ROOT / "tests" / "data" / "collector" / "sample-report.json"
    services.enroll_device(screen.store, services.EnrollRequest("PF4XK2QZ"), actor=ADMIN)
    boxes: list[QMessageBox] = []
    screen.checkins._present = boxes.append  # type: ignore[method-assign]
    with qtbot.waitSignal(screen.checkins.finished, timeout=10_000) as done:
        screen.import_checkins([str(data)])
    assert done.args[0] is not None and done.args[0].recorded == 1
    assert boxes and "Recorded 1 check-in" in boxes[-1].summary.text()  # type: ignore[attr-defined]
    device = screen.store.device_by_serial("PF4XK2QZ")
    assert device is not None and screen.store.latest_facts(device.id) is not None
    broken = ROOT / "tests" / "data" / "collector" / "sample-report-partial.json"
    with qtbot.waitSignal(screen.checkins.finished, timeout=10_000) as refused:
        screen.import_checkins([str(broken)])  # a report of a device never enrolled
    assert refused.args[0] is None
    report = boxes[-1]
    assert "Nothing was recorded" in report.summary.text()  # type: ignore[attr-defined]
    cells = [report.table.item(r, 0).text() for r in range(report.table.rowCount())]  # type: ignore[attr-defined]
    assert "sample-report-partial.json" in cells
    assert report.skip_button is not None  # the others can be recorded alone  # type: ignore[attr-defined]


def test_a_locked_kiosk_acts_for_nobody(qtbot: QtBot, screen: FleetScreen) -> None:
    screen.tabs.setCurrentIndex(STALE)
    device = screen.stale_view.selected()
    assert device is not None
    boxes: list[QMessageBox] = []
    screen._present = boxes.append  # type: ignore[method-assign]
    qtbot.mouseClick(screen.stale_view.mark, Qt.MouseButton.LeftButton)
    screen._actor = lambda: None  # the session locked while the question was open
    boxes[0].button(QMessageBox.StandardButton.Yes).click()
    wait_for_writer()
    assert "locked" in screen.note.text()
    history = screen.store.device_history(device.device_id)
    assert not any(h.kind == "marked for cleanup" for h in history)
    assert not screen.store.audit_entries(action="stale.mark")


# -- tiles, filters and states, by keyboard ---------------------------------------------------


def tab_to_tile(key: str, limit: int = 60) -> QPushButton:
    for _ in range(limit):
        widget = kb.focused()
        if isinstance(widget, QPushButton) and widget.property("tile") == key:
            return widget
        kb.tab()
    raise AssertionError(f"Tab never reached the {key} tile; stuck at {kb.focus_name()}")


def background(tile: QPushButton) -> QColor:
    """The colour inside the tile's frame, away from its text and stripe."""
    image = tile.grab().toImage()
    return image.pixelColor(image.width() - 8, image.height() // 2)


def active_tiles(screen: FleetScreen) -> list[str]:
    return [k for k, t in screen.tiles.tiles.items() if t.property("state") == ACTIVE]


def test_a_tile_pressed_by_keyboard_is_highlighted_and_its_filter_shows_and_clears(
    qtbot: QtBot, screen: FleetScreen, themed: QApplication
) -> None:
    board = screen.board
    assert board is not None and board.tiles["noncompliant"]
    assert active_tiles(screen) == ["total"]  # the list starts as every device
    screen.tiles.tiles["total"].setFocus()
    tile = tab_to_tile("noncompliant")
    idle = background(tile)
    kb.space()
    wait_rows(qtbot, screen)
    assert kb.focused() is tile
    assert active_tiles(screen) == ["noncompliant"] and tile.isChecked()
    assert background(tile) == theme.colour("accent_tint") != idle
    assert background(screen.tiles.tiles["total"]) == theme.colour("surface")
    assert screen.filters.state.currentText() == "Not compliant"  # the tile's filter, shown
    assert screen.model.rowCount() == board.tiles["noncompliant"]
    assert "the same query as the “Not compliant” tile" in screen.count.text()
    kb.alt(kb.Key.Key_L)  # Clear filters: the button clicks, and focus stays where it was
    qtbot.waitUntil(lambda: screen.filters.state.currentIndex() == 0)
    wait_rows(qtbot, screen)
    assert kb.focused() is tile
    assert active_tiles(screen) == ["total"]
    assert screen.model.rowCount() == board.tiles["total"]


def test_a_tile_filter_clears_from_the_state_filter_by_keyboard(
    qtbot: QtBot, screen: FleetScreen
) -> None:
    board = screen.board
    assert board is not None
    screen.tiles.tiles["total"].setFocus()
    tab_to_tile("problem")
    kb.space()
    wait_rows(qtbot, screen)
    assert screen.filters.state.currentText() == "Error or conflict"
    assert active_tiles(screen) == ["problem"]
    assert screen.model.rowCount() == board.tiles["problem"]
    kb.alt(kb.Key.Key_S)
    assert kb.focus_name() == "stateFilter"
    kb.press(kb.Key.Key_Home)  # "(any)": the tile's filter is gone, and so is its highlight
    wait_rows(qtbot, screen)
    assert kb.focus_name() == "stateFilter"
    assert active_tiles(screen) == ["total"]
    assert screen.model.rowCount() == board.tiles["total"]
    kb.press(kb.Key.Key_Down)  # the first state by keyboard: its tile lights up
    wait_rows(qtbot, screen)
    assert screen.filters.state.currentText() == "Compliant"
    assert active_tiles(screen) == ["compliant"]
    kb.alt(kb.Key.Key_Y)  # and Stale only: the list is no single tile's any more
    qtbot.waitUntil(screen.filters.stale.isChecked)
    wait_rows(qtbot, screen)
    assert kb.focus_name() == "staleFilter"
    assert active_tiles(screen) == []


def test_every_filter_has_a_label_whose_shortcut_focuses_it(screen: FleetScreen) -> None:
    screen.tabs.setCurrentIndex(DEVICES)
    screen.table.setFocus()
    for key, name in (
        (kb.Key.Key_A, "fleetSearch"),
        (kb.Key.Key_S, "stateFilter"),
        (kb.Key.Key_F, "failingFilter"),
        (kb.Key.Key_B, "buildFilter"),
        (kb.Key.Key_P, "policyFilter"),
        (kb.Key.Key_T, "tagFilter"),
        (kb.Key.Key_M, "modelFilter"),
    ):
        kb.alt(key)
        assert kb.focus_name() == name
        label = next(w for w in screen.filters.findChildren(QLabel) if w.buddy() is kb.focused())
        assert label.isVisible() and label.text().replace("&", "")


def test_states_show_in_colour_and_words_in_a_visible_column(
    qtbot: QtBot, screen: FleetScreen
) -> None:
    """The window is 1366 px wide; the sidebar takes 200 of them."""
    screen.resize(1366 - 200, 700)
    screen.show_tile("total")
    wait_rows(qtbot, screen)
    column = COLUMN_KEYS.index(STATE_KEY)
    header = screen.table.horizontalHeader()
    right = header.sectionViewportPosition(column) + header.sectionSize(column)
    assert not screen.table.isColumnHidden(column)
    assert header.sectionViewportPosition(column) >= 0 and right <= header.viewport().width()
    model = screen.model
    for row in range(min(model.rowCount(), 50)):
        index = model.index(row, column)
        device = model.device_at(row)
        assert device is not None
        assert index.data() == STATE_WORDS[device.compliance_state]  # the words, always
        icon = index.data(Qt.ItemDataRole.DecorationRole)
        assert isinstance(icon, QIcon) and not icon.isNull()  # and the colour beside them
        assert index.data(Qt.ItemDataRole.DecorationRole) is not None


def test_a_donut_slice_without_a_tile_filters_by_its_state(
    qtbot: QtBot, screen: FleetScreen
) -> None:
    screen.donut.state_clicked.emit("error")  # a click on the Error slice or its legend
    wait_rows(qtbot, screen)
    assert screen.tabs.currentIndex() == DEVICES
    assert screen.filters.state.currentText() == "Error"
    assert screen.model.rowCount() == screen.store.count_devices(DeviceQuery(state="error"))
    assert active_tiles(screen) == []  # "Error or conflict" is more than this list


def test_on_a_past_day_a_tile_still_filters_todays_list(qtbot: QtBot, screen: FleetScreen) -> None:
    board = screen.board
    assert board is not None and len(board.trend) >= 2
    screen.as_of.setDate(QDate.fromString(board.trend[0][0], "yyyy-MM-dd"))
    qtbot.mouseClick(screen.tiles.tiles["problem"], Qt.MouseButton.LeftButton)
    wait_rows(qtbot, screen)
    assert screen.filters.state.currentText() == "Error or conflict"
    today = DeviceQuery(states=("error", "conflict"))
    assert screen.model.rowCount() == screen.store.count_devices(today)
    qtbot.mouseClick(screen.filters.clear, Qt.MouseButton.LeftButton)
    wait_rows(qtbot, screen)
    assert screen.filters.state.currentIndex() == 0
    assert screen.model.rowCount() == screen.store.count_devices(DeviceQuery())


def test_detail_shows_intune_says_beside_the_bench_check(qtbot: QtBot, screen: FleetScreen) -> None:
    export = ROOT / "tests" / "data" / "intune" / "DevicesWithInventory-sample.csv"
    screen.checkins._present = lambda _box: None  # type: ignore[method-assign]
    with qtbot.waitSignal(screen.checkins.finished, timeout=10_000) as done:
        screen.import_checkins([str(export)])  # its devices are new to this registry
    assert done.args[0] is not None and done.args[0].created
    screen.tabs.setCurrentIndex(DEVICES)
    with qtbot.waitActive(screen):
        screen.activateWindow()
    assert screen.filters.search.isVisible()
    screen.filters.search.setFocus()
    qtbot.waitUntil(lambda: screen.filters.search.hasFocus())
    assert focus_name() == "fleetSearch"
    scan("8H2KQ73")  # the serial on the device's sticker
    wait_rows(qtbot, screen)
    assert screen.model.rowCount() == 1
    screen.table.selectRow(0)
    reads_drawn()
    intune = screen.detail.intune
    assert intune.isVisibleTo(screen.detail)
    assert intune.text().startswith("Intune says: In grace period until ")
    assert "bench check" in intune.text()


def test_an_unexpected_failure_of_a_write_is_said_in_words_not_as_a_repr(
    qtbot: QtBot, screen: FleetScreen, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> object:
        raise RuntimeError("internals: row 17, token abc123")

    monkeypatch.setattr(services, "reevaluate_device", broken)
    screen.show_tile("noncompliant")
    wait_rows(qtbot, screen)
    screen.table.selectRow(0)
    screen.table.setFocus()
    kb.tab_to("reevaluate")
    assert focus_name() == "reevaluate"
    kb.space()
    qtbot.waitUntil(lambda: "unexpected error" in screen.note.text(), timeout=10_000)
    note = screen.note.text()
    assert note.startswith("The change stopped on an unexpected error")
    assert "joinery.log" in note  # where the details are, for a bug report
    assert "RuntimeError" not in note and "abc123" not in note
    assert focus_name() == "reevaluate"


def test_the_detail_pane_is_read_off_the_gui_thread(
    qtbot: QtBot, screen: FleetScreen, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Selecting a row, and each live refresh that redraws its pane, read the verdict, the
    history and the tenant's facts on the reader thread; the GUI thread only draws them."""
    screen.show_tile("noncompliant")
    wait_rows(qtbot, screen)
    on_gui = reads_on_the_gui_thread(
        monkeypatch, ("device", "device_history", "autopilot_facts", "intune_facts")
    )
    screen.table.selectRow(1)
    qtbot.waitUntil(lambda: screen.detail.state.text().startswith("Not compliant"))
    assert on_gui == []


def test_ctrl_f_puts_the_keyboard_in_the_search_as_on_devices(
    qtbot: QtBot, screen: FleetScreen
) -> None:
    """The README lists Ctrl+F for the search box; on the Fleet screen it did nothing."""
    wait_rows(qtbot, screen)
    screen.tabs.setCurrentIndex(0)  # the Overview: the search is on the Devices tab
    screen.tabs.tabBar().setFocus()
    kb.ctrl(Qt.Key.Key_F)
    assert focus_name() == "fleetSearch" and screen.tabs.currentIndex() == DEVICES
