"""A keyboard walk of the Fleet screen: what the export holds on each tab, the detail pane
when its device leaves the list, the words said after an action, and the live line on a
past day. Keys go to the focused widget, as a person types them."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QScrollArea
from pytestqt.qtbot import QtBot

from app import demo
from app.domain import DeviceQuery
from app.security.roles import Actor, Role
from app.services.demo import seed_compliance_history
from app.store import Store
from tests.helpers import keyboard as kb
from tests.helpers.threads import reads_drawn
from ui import theme
from ui.fleet.screen import DEVICES, OVERVIEW, STALE, FleetScreen
from ui.ops import wait_for_writer

ADMIN = Actor("ada", Role.ADMIN)


@pytest.fixture
def dialogs() -> list[QDialog]:
    """The dialogs the screen asked to show (a file dialog is the platform's, not ours)."""
    return []


@pytest.fixture
def screen(qtbot: QtBot, tmp_path: Path, dialogs: list[QDialog]) -> Iterator[FleetScreen]:
    path = tmp_path / "fleet.db"
    with Store.open(path) as seeding:
        demo.seed(seeding, 200, seed=4)
        seed_compliance_history(seeding, days=4, actor=ADMIN)
    store = Store.open(path)
    widget = FleetScreen(store, lambda: ADMIN, present=dialogs.append)
    qtbot.addWidget(widget)
    widget.resize(1366, 700)
    widget.show()
    qtbot.waitUntil(lambda: widget.board is not None)
    with qtbot.waitActive(widget):
        widget.activateWindow()
    yield widget
    widget.shutdown()
    wait_for_writer()
    store.close()


def wait_rows(qtbot: QtBot, screen: FleetScreen) -> None:
    qtbot.waitUntil(lambda: not screen.model.loading, timeout=10_000)


def press_tile(qtbot: QtBot, screen: FleetScreen, key: str) -> None:
    """Tab from the Total tile to the tile `key` and press it (Space)."""
    screen.tiles.tiles["total"].setFocus()  # setup: where the walk starts
    for _ in range(20):
        if kb.focused().property("tile") == key:
            break
        kb.tab()
    assert kb.focused().property("tile") == key
    kb.space()
    wait_rows(qtbot, screen)


def export_by_keyboard(button: str, dialogs: list[QDialog]) -> QFileDialog:
    """Tab to the export button `button` and press it: the file dialog it asks for."""
    kb.tab_to(button)
    asked = len(dialogs)
    kb.space()
    assert len(dialogs) == asked + 1
    dialog = dialogs[-1]
    assert isinstance(dialog, QFileDialog)
    return dialog


def save_as(qtbot: QtBot, screen: FleetScreen, dialog: QFileDialog, target: Path) -> Path:
    """The person names the file in the platform's dialog and saves."""
    with qtbot.waitSignal(screen.exports.exported, timeout=10_000):
        dialog.fileSelected.emit(str(target))
    return target


def exported_serials(path: Path, column: str) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as file:
        return [row[column] for row in csv.DictReader(file)]


def default_name(dialog: QFileDialog) -> str:
    return Path(dialog.selectedFiles()[0]).name


# -- 1. what an export holds is what the tab shows ------------------------------------------


def test_export_on_the_stale_tab_writes_the_stale_devices_it_lists(
    qtbot: QtBot, screen: FleetScreen, dialogs: list[QDialog], tmp_path: Path
) -> None:
    """The Devices tab holds a filter (In grace period); on the Stale tab, Export CSV wrote
    that hidden filter's devices under the same name as on every tab."""
    press_tile(qtbot, screen, "inGracePeriod")
    grace = screen.model.rowCount()
    kb.tab_to("fleetTable")
    kb.ctrl(kb.Key.Key_Tab)  # the next tab: Stale devices
    assert screen.tabs.currentIndex() == STALE
    view = screen.stale_view
    listed = [view.devices[row].serial for row in range(view.table.rowCount())]
    stale = screen.store.count_stale(screen.board.stale_before)  # type: ignore[union-attr]
    assert listed and len(listed) == stale != grace
    assert f"{stale:,} device(s) have had no activity" in view.summary.text()
    dialog = export_by_keyboard("exportCsv", dialogs)
    path = save_as(qtbot, screen, dialog, tmp_path / "stale.csv")
    assert exported_serials(path, "Serial number") == listed  # longest inactive first
    note = screen.note.text()
    assert note.startswith(f"Exported {stale} stale device(s)") and str(path) in note
    assert default_name(dialog).startswith("fleet-stale-")
    assert "stale" in dialog.windowTitle()
    dialog = export_by_keyboard("exportEntra", dialogs)
    assert default_name(dialog).startswith("entra-devices-stale-")
    path = save_as(qtbot, screen, dialog, tmp_path / "stale-entra.csv")
    names = exported_serials(path, "displayName")
    assert len(names) == stale
    assert screen.note.text().startswith(f"Exported {stale} stale device(s)")


def test_export_on_the_overview_writes_the_whole_fleet_and_says_so(
    qtbot: QtBot, screen: FleetScreen, dialogs: list[QDialog], tmp_path: Path
) -> None:
    press_tile(qtbot, screen, "noncompliant")  # a filter the Overview does not show
    kb.tab_to("fleetTable")
    kb.ctrl(kb.Key.Key_Tab)
    kb.ctrl(kb.Key.Key_Tab)  # round to the Overview
    assert screen.tabs.currentIndex() == OVERVIEW
    dialog = export_by_keyboard("exportCsv", dialogs)
    assert default_name(dialog).startswith("fleet-all-")
    path = save_as(qtbot, screen, dialog, tmp_path / "all.csv")
    total = screen.store.count_devices(DeviceQuery())
    assert len(exported_serials(path, "Serial number")) == total
    assert screen.note.text().startswith(f"Exported {total} device(s), the whole fleet")


def test_export_on_the_devices_tab_writes_its_filtered_list(
    qtbot: QtBot, screen: FleetScreen, dialogs: list[QDialog], tmp_path: Path
) -> None:
    press_tile(qtbot, screen, "noncompliant")
    shown = screen.model.rowCount()
    kb.tab_to("fleetTable")
    assert screen.tabs.currentIndex() == DEVICES
    dialog = export_by_keyboard("exportCsv", dialogs)
    name = default_name(dialog)
    assert name.startswith("fleet-") and "stale" not in name and "all" not in name
    path = save_as(qtbot, screen, dialog, tmp_path / "noncompliant.csv")
    assert len(exported_serials(path, "Serial number")) == shown
    assert screen.note.text().startswith(f"Exported {shown} device(s), the Devices list")


# -- 2. the pane shows a device of the list, from its top ------------------------------------


def pane_serial(screen: FleetScreen) -> str:
    return screen.detail.values["serial"].text()


def select_first_row_by_tab(qtbot: QtBot, screen: FleetScreen) -> str:
    """Tab into the list (its first row becomes current); the serial the pane shows."""
    kb.tab_to("fleetTable")
    reads_drawn()
    device = screen.selected_device()
    assert device is not None
    qtbot.waitUntil(lambda: pane_serial(screen) == device.serial)
    return device.serial


def test_a_search_that_hides_the_shown_device_clears_the_pane(
    qtbot: QtBot, screen: FleetScreen
) -> None:
    press_tile(qtbot, screen, "noncompliant")
    other = screen.model.device_at(1)
    assert other is not None
    first = select_first_row_by_tab(qtbot, screen)
    assert other.serial != first
    kb.ctrl(kb.Key.Key_F)
    assert kb.focus_name() == "fleetSearch"
    kb.scan(other.serial)
    wait_rows(qtbot, screen)
    reads_drawn()
    assert screen.model.rowCount() == 1 and screen.model.device_at(0).serial == other.serial  # type: ignore[union-attr]
    assert screen.selected_device() is None
    assert pane_serial(screen) == "—"
    assert screen.detail.state.text().startswith("No device selected")
    assert not screen.detail.reevaluate.isEnabled()
    assert kb.focus_name() == "fleetSearch"
    kb.select_all_and_type("")  # the search emptied: the device is in the list again
    kb.enter()
    wait_rows(qtbot, screen)
    reads_drawn()
    assert screen.selected_device() is not None
    assert screen.selected_device().serial == first  # type: ignore[union-attr]
    assert pane_serial(screen) == first


def test_a_state_filter_that_hides_the_shown_device_clears_the_pane(
    qtbot: QtBot, screen: FleetScreen
) -> None:
    press_tile(qtbot, screen, "noncompliant")
    select_first_row_by_tab(qtbot, screen)
    kb.alt(kb.Key.Key_S)
    assert kb.focus_name() == "stateFilter"
    kb.press(kb.Key.Key_Home)  # (any)
    kb.press(kb.Key.Key_Down)  # Compliant
    wait_rows(qtbot, screen)
    reads_drawn()
    assert screen.filters.state.currentText() == "Compliant"
    assert screen.selected_device() is None
    assert pane_serial(screen) == "—"
    assert screen.detail.state.text().startswith("No device selected")


def test_a_live_change_that_takes_the_shown_device_out_of_the_list_clears_the_pane(
    qtbot: QtBot, screen: FleetScreen
) -> None:
    """Rows refreshed in place keep the current row: it held another device then, and the
    pane still showed the one gone."""
    press_tile(qtbot, screen, "noncompliant")
    first = select_first_row_by_tab(qtbot, screen)
    drawn = screen.refreshes
    with Store.open(screen.store.path) as other:  # another bench fixes the device
        device = other.device_by_serial(first)
        assert device is not None and device.intune_state is None
        other.update_devices([device.id], [{"compliance_state": "compliant"}])
    qtbot.waitUntil(lambda: screen.refreshes > drawn, timeout=5_000)
    wait_rows(qtbot, screen)
    reads_drawn()
    assert screen.model.row_of(device.id) is None
    assert screen.selected_device() is None
    assert pane_serial(screen) == "—"
    assert screen.detail.state.text().startswith("No device selected")
    assert kb.focus_name() == "fleetTable"


def test_another_device_is_shown_from_the_top_of_the_pane(
    qtbot: QtBot, screen: FleetScreen
) -> None:
    screen.resize(1024, 560)  # short: the pane scrolls
    press_tile(qtbot, screen, "noncompliant")
    first = select_first_row_by_tab(qtbot, screen)
    scroller = screen.detail.findChild(QScrollArea, "paneScroller")
    assert scroller is not None
    bar = scroller.verticalScrollBar()
    assert bar.maximum() > 0
    bar.setValue(bar.maximum())  # setup: the person scrolled the pane down to its history
    screen._on_live_change()  # a check-in elsewhere redraws the same device: it stays put
    qtbot.waitUntil(lambda: not screen._live_reading)
    reads_drawn()
    assert pane_serial(screen) == first and bar.value() > 0
    assert kb.focus_name() == "fleetTable"
    kb.press(kb.Key.Key_Down)
    reads_drawn()
    second = screen.selected_device()
    assert second is not None and second.serial != first
    qtbot.waitUntil(lambda: pane_serial(screen) == second.serial)
    assert bar.value() == 0  # the serial and the state are in view


# -- 3. success is said as success, and goes when the person moves on -----------------------


def test_a_success_is_not_said_as_an_error_and_an_error_is(
    qtbot: QtBot, screen: FleetScreen, themed: QApplication
) -> None:
    press_tile(qtbot, screen, "noncompliant")
    serial = select_first_row_by_tab(qtbot, screen)
    kb.tab_to("reevaluate")
    kb.space()
    qtbot.waitUntil(lambda: "re-evaluated" in screen.note.text(), timeout=10_000)
    note = screen.note
    assert note.text().startswith(f"{serial} re-evaluated")
    assert note.property("state") == "ok"
    assert note.palette().color(note.foregroundRole()) == theme.colour("ok")
    kb.tab_to("fleetTable")
    kb.press(kb.Key.Key_Down)  # on to the next device: the news of the last one goes
    assert not note.isVisible()
    screen.exports._actor = lambda: Actor("tom", Role.TECHNICIAN)  # a role that may not export
    kb.tab_to("exportCsv")
    kb.space()
    assert note.isVisible() and "cannot export" in note.text()
    assert note.property("state") == "error"
    assert note.palette().color(note.foregroundRole()) == theme.colour("error")


# -- 4. a past day is not live -----------------------------------------------------------------


def test_a_past_day_says_it_is_not_live(qtbot: QtBot, screen: FleetScreen) -> None:
    assert screen.live.text().startswith("● Live")
    assert screen.board is not None and len(screen.board.trend) >= 2
    day = screen.board.trend[0][0]
    kb.tab_to("asOf")
    kb.select_all_and_type(day)
    board = screen.board
    assert board is not None and board.as_of == day
    assert screen.live.text() == f"As of {board.as_of} · not live"
    kb.ctrl(kb.Key.Key_P)  # pausing a past day: it is still that day
    assert screen.live.text() == f"As of {board.as_of} · not live"
    kb.ctrl(kb.Key.Key_P)
    kb.tab_to("asOfToday")
    kb.space()
    assert screen.board is not None and screen.board.as_of is None
    assert screen.live.text().startswith("● Live")


def test_tab_passes_the_overview_charts_by(screen: FleetScreen) -> None:
    """The four charts took four Tab stops that showed nothing and did nothing with keys."""
    from PySide6.QtWidgets import QGraphicsView

    assert screen.tabs.currentIndex() == OVERVIEW
    screen.export_entra.setFocus()  # setup: the last control before the charts
    met = []
    for _ in range(12):
        kb.tab()
        met.append(kb.focused())
        if not screen.isAncestorOf(kb.focused()):
            break  # out of the screen (the sidebar): every stop on it was seen
    assert not [w for w in met if isinstance(w, QGraphicsView)]


def test_a_device_pushed_past_the_rows_read_stays_in_the_pane(
    qtbot: QtBot, screen: FleetScreen
) -> None:
    """A live change moved the selected device from the last row of the first page to the
    first of the next, not read yet: the pane said it was not in the list."""
    from ui.devices.model import PAGE_SIZE

    screen.tabs.setCurrentIndex(DEVICES)
    press_tile(qtbot, screen, "total")
    assert screen.model.rowCount() > PAGE_SIZE + 5
    screen.table.setFocus()
    screen.table.selectRow(PAGE_SIZE - 1)
    reads_drawn()
    device = screen.selected_device()
    assert device is not None
    qtbot.waitUntil(lambda: pane_serial(screen) == device.serial)
    with Store.open(screen.store.path) as other:  # a serial that sorts first: all shift down
        last = list(other.iter_devices(DeviceQuery()))[-1]
        other.update_devices([last.id], [{"serial": "0000000AAA"}])
    drawn = screen.refreshes
    screen._on_live_change()
    qtbot.waitUntil(lambda: screen.refreshes > drawn, timeout=5000)
    wait_rows(qtbot, screen)
    reads_drawn()
    assert pane_serial(screen) == device.serial
    assert "not in this list" not in screen.detail.state.text()
