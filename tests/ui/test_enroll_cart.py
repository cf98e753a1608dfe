"""Cart mode driven as a technician drives it: scan a whole cart into whatever has focus,
review the grid, Delete a device, Ctrl+Enter enrolls them all in one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app import demo, services
from app.enrollment import Answers
from app.security.roles import Actor, Role
from app.store import Store
from tests.helpers.actors import ADMIN
from tests.helpers.keyboard import (
    Key,
    alt,
    ctrl,
    focus_name,
    focused,
    press,
    scan,
    tab_to,
)
from tests.helpers.threads import reader_held, reads_on_the_gui_thread
from ui.enroll.screen import CART, EnrollScreen
from ui.ops import wait_for_writer

LEAD = Actor("lena", Role.LEAD)


@pytest.fixture
def screen(qtbot: QtBot, db_path: Path) -> Iterator[EnrollScreen]:
    store = Store.open(db_path)
    services.save_profile(store, "Cart", Answers(name_template="LAB-%RAND:4%"), actor=ADMIN)
    widget = EnrollScreen(store, lambda: LEAD)
    qtbot.addWidget(widget)
    widget.resize(1100, 700)
    widget.show()
    with qtbot.waitActive(widget):
        widget.activateWindow()
    alt(Key.Key_3)  # Cart mode
    assert widget.tabs.currentIndex() == CART
    assert focus_name() == "cartScan"
    yield widget
    wait_for_writer()
    store.close()


def choose_profile(name: str, *, up: bool = False) -> None:
    alt(Key.Key_P)
    assert focus_name() == "cartProfile"
    for _ in range(5):
        if focused().currentText() == name:  # type: ignore[attr-defined]
            break
        press(Key.Key_Up if up else Key.Key_Down)
    assert focused().currentText() == name  # type: ignore[attr-defined]
    tab_to("cartScan")


def checked(qtbot: QtBot, screen: EnrollScreen) -> None:
    """The scans' checks are back from the reader thread (the field took the next scan at
    once)."""
    qtbot.waitUntil(lambda: screen.cart.checks == 0, timeout=5000)


def serials(count: int) -> list[str]:
    found = [str(r["serial"]) for r in demo.devices(count + 6, seed=7)]
    return [s for s in found if not s.isdigit()][:count]


def serial_named_profile(screen: EnrollScreen) -> None:
    """A second profile to choose: it names each device by its serial."""
    store = screen.cart.store
    services.save_profile(store, "Serial only", Answers(name_template="%SERIAL%"), actor=ADMIN)
    screen.cart.reload_profiles()


def fill(
    qtbot: QtBot, screen: EnrollScreen, scanned: list[str], profile: str | None = None
) -> None:
    """The cart filled with `scanned` under `profile` (None: the one chosen), every check
    back."""
    if profile is not None:
        choose_profile(profile)
    for serial in scanned:
        scan(serial)
    checked(qtbot, screen)


def test_cart_mode_commits_the_whole_cart_at_once(
    qtbot: QtBot, screen: EnrollScreen, tmp_path: Path
) -> None:
    cart, store = screen.cart, screen.cart.store
    choose_profile("Cart")
    scanned = serials(8)
    for serial in scanned:
        scan(serial)
        assert focus_name() == "cartScan"  # the scanner keeps typing into the scan field
    checked(qtbot, screen)
    scan(scanned[0])
    checked(qtbot, screen)
    assert "already in the cart" in cart.message.text()
    assert cart.table.rowCount() == len(scanned)
    assert "digits drawn at commit" in cart.table.item(0, 1).text()
    assert store.count_devices() == 0  # nothing is written while the cart fills

    tab_to("cartTable")
    press(Key.Key_Down, times=len(scanned) - 1)  # down to the last row
    press(Key.Key_Delete)
    assert cart.table.rowCount() == len(scanned) - 1
    assert focus_name() == "cartScan"  # back to scanning

    with qtbot.waitSignal(cart.enrolled, timeout=10_000) as signal:
        ctrl(Key.Key_Return)
    assert signal.args == [len(scanned) - 1]
    wait_for_writer()
    names = [store.device_by_serial(s).device_name for s in scanned[:-1]]  # type: ignore[union-attr]
    assert len(set(names)) == len(names)  # drawn one after the other: no clash
    assert all(n and n.startswith("LAB-") and len(n) == 8 for n in names)
    assert store.device_by_serial(scanned[-1]) is None  # removed before the commit

    # The grid and the count agree: it said "0 in the cart" beside the enrolled rows.
    assert cart.table.rowCount() == len(scanned) - 1
    assert "label queued" in cart.table.item(0, 3).text()
    assert f"{len(scanned) - 1} device(s) enrolled" in cart.count.text()
    assert "0 device(s) in the cart" not in cart.count.text()
    assert focus_name() == "cartScan"

    sheet = tmp_path / "labels.pdf"
    tab_to("sheetLayout")
    for _ in range(5):
        if focused().currentData() == "LETTER_3x10":  # type: ignore[attr-defined]
            break
        press(Key.Key_Down)
    cart.save_sheet(str(sheet))  # what the file dialog's Save does
    qtbot.waitUntil(lambda: sheet.exists() and "Saved" in cart.message.text(), timeout=10_000)
    assert sheet.read_bytes().startswith(b"%PDF")
    entries = store.audit_entries(action="label.print")
    assert len(entries) == len(scanned)  # one queued label per device, then the sheet
    sheet_audit = next(e for e in entries if "layout" in e.details)
    assert sheet_audit.details["layout"] == "LETTER_3x10"
    assert sheet_audit.details["serials"] == scanned[:-1]

    # The next scan starts a new cart.
    tab_to("cartScan")
    scan("PF5KX2QZ")
    checked(qtbot, screen)
    assert cart.table.rowCount() == 1
    assert "1 device(s) in the cart" in cart.count.text()


def test_a_cart_with_one_bad_device_writes_nothing(qtbot: QtBot, screen: EnrollScreen) -> None:
    cart, store = screen.cart, screen.cart.store
    services.save_profile(store, "Serial only", Answers(name_template="%SERIAL%"), actor=ADMIN)
    cart.reload_profiles()
    choose_profile("Serial only")
    for serial in ("PF5KX2QA", "449226283938"):  # the second one makes an all-digit name
        scan(serial)
    checked(qtbot, screen)
    # The row that cannot be enrolled says so, and is marked (words and colour).
    bad = cart.table.item(1, 3)
    assert "cannot be enrolled" in bad.text()
    assert bad.background().color() != cart.table.item(0, 3).background().color()
    ctrl(Key.Key_Return)
    assert "cannot be enrolled" in cart.message.text()
    wait_for_writer()
    assert store.count_devices() == 0


def test_a_cart_of_autopilot_devices_without_hashes_says_so(
    qtbot: QtBot, screen: EnrollScreen
) -> None:
    cart, store = screen.cart, screen.cart.store
    services.save_profile(store, "Autopilot", Answers(provisioning_method="autopilot"), actor=ADMIN)
    cart.reload_profiles()
    choose_profile("Autopilot")
    for serial in ("PF5KX2QA", "PF5KX2QB"):
        scan(serial)
    checked(qtbot, screen)
    assert cart.table.item(0, 3).text() == "ready; no hardware hash yet"
    with qtbot.waitSignal(cart.enrolled, timeout=10_000):
        ctrl(Key.Key_Return)
    text = cart.message.text()
    assert "No hardware hash is recorded for PF5KX2QA, PF5KX2QB" in text
    assert "Get-WindowsAutopilotInfo" in text
    assert focus_name() == "cartScan"


def test_a_scan_is_checked_off_the_gui_thread(
    qtbot: QtBot, screen: EnrollScreen, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Finding the scanned device and previewing it with the profile read on the reader
    thread: during a tenant sync or an import the writer thread holds the interpreter for
    long stretches, and each read on the GUI thread waited for it (the batch screen's
    stall, bench/batch_scan_sync.py). The field takes the next scan at once."""
    cart = screen.cart
    choose_profile("Cart")
    on_gui = reads_on_the_gui_thread(
        monkeypatch, ("device", "device_by_serial", "profile_answers", "profile_names")
    )
    scanned = serials(3)
    with reader_held():
        for serial in scanned:
            scan(serial)
            assert focus_name() == "cartScan" and focused().text() == ""  # type: ignore[attr-defined]
        assert cart.table.rowCount() == 0  # nothing is back yet
    checked(qtbot, screen)
    assert [cart.table.item(row, 0).text() for row in range(3)] == scanned
    assert on_gui == []


def test_enroll_all_waits_for_the_scans_still_being_checked(
    qtbot: QtBot, screen: EnrollScreen
) -> None:
    """Ctrl+Enter right after the last scan enrolls the cart with that device in it; the
    same device scanned twice before either check is back is in the cart once."""
    cart, store = screen.cart, screen.cart.store
    choose_profile("Cart")
    scanned = serials(3)
    with qtbot.waitSignal(cart.enrolled, timeout=10_000) as signal, reader_held():
        for serial in [*scanned, scanned[0]]:
            scan(serial)
        ctrl(Key.Key_Return)
        assert cart.checks == 4 and store.count_devices() == 0
    assert signal.args == [3]
    wait_for_writer()
    assert all(store.device_by_serial(serial) is not None for serial in scanned)


def test_choosing_another_profile_checks_the_cart_again_off_the_gui_thread(
    qtbot: QtBot, screen: EnrollScreen, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole cart is previewed again with the profile chosen (its names follow it), on
    the reader thread: a cart of forty was forty previews on the GUI thread, each waiting
    for the interpreter during a tenant sync. Ctrl+Enter meanwhile waits for the answers."""
    cart, store = screen.cart, screen.cart.store
    serial_named_profile(screen)
    scanned = serials(3)
    fill(qtbot, screen, scanned, "Cart")
    assert all(cart.table.item(row, 1).text().startswith("LAB-") for row in range(3))
    on_gui = reads_on_the_gui_thread(
        monkeypatch, ("device", "device_by_serial", "profile_answers", "profile_names")
    )
    with reader_held():
        choose_profile("Serial only")
        assert cart.checks > 0
        assert cart.table.item(0, 1).text().startswith("LAB-")  # as checked, until back
    checked(qtbot, screen)
    assert on_gui == []
    assert [cart.table.item(row, 1).text() for row in range(3)] == scanned
    with qtbot.waitSignal(cart.enrolled, timeout=10_000), reader_held():
        choose_profile("Cart", up=True)
        ctrl(Key.Key_Return)  # waits for the cart's new check
        assert store.count_devices() == 0
    wait_for_writer()
    names = [store.device_by_serial(s).device_name for s in scanned]  # type: ignore[union-attr]
    assert all(name.startswith("LAB-") for name in names)


def test_a_profile_chosen_while_locked_is_checked_before_the_cart_is_enrolled(
    qtbot: QtBot, screen: EnrollScreen
) -> None:
    """Locked while the cart's new check was on its way, the answer was dropped and the
    grid kept the old profile's verdicts: a device the new profile can name stayed "cannot
    be enrolled", and Ctrl+Enter refused the cart. Now Ctrl+Enter checks the cart again
    first, and enrolls it."""
    cart, store = screen.cart, screen.cart.store
    serial_named_profile(screen)
    fill(qtbot, screen, ["PF5KX2QA", "449226283938"], "Serial only")  # all digits: no name
    assert "cannot be enrolled" in cart.table.item(1, 3).text()
    signed_in = cart._actor
    with reader_held():
        choose_profile("Cart", up=True)
        cart._actor = lambda: None  # locked before the answer lands
    checked(qtbot, screen)
    cart._actor = signed_in
    with qtbot.waitSignal(cart.enrolled, timeout=10_000) as signal:
        ctrl(Key.Key_Return)
    assert signal.args == [2]
    wait_for_writer()
    assert store.device_by_serial("449226283938").device_name.startswith("LAB-")  # type: ignore[union-attr]


def test_a_failed_check_of_the_cart_says_so_and_keeps_the_cart(
    qtbot: QtBot, screen: EnrollScreen, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cart's check with a new profile failed on an unexpected error: the message says
    the cart was not checked with it (it said a scanned device was not in the cart, and
    every device still was); Ctrl+Enter checks again rather than enrolling unchecked."""
    cart, store = screen.cart, screen.cart.store
    serial_named_profile(screen)
    scanned = serials(2)
    fill(qtbot, screen, scanned, "Cart")

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the disk hiccuped")

    monkeypatch.setattr(services, "preview_cart", broken)
    choose_profile("Serial only")
    checked(qtbot, screen)
    words = cart.message.text()
    assert "could not be checked with the profile Serial only" in words, words
    assert "not in the cart" not in words
    assert [cart.table.item(row, 0).text() for row in range(2)] == scanned
    ctrl(Key.Key_Return)  # checked again first: it fails again, nothing is enrolled
    checked(qtbot, screen)
    wait_for_writer()
    assert store.count_devices() == 0


def test_an_enrolled_device_scanned_in_passing_is_held_in_the_grid_not_dropped(
    qtbot: QtBot, screen: EnrollScreen
) -> None:
    """A scanner keeps going: the warning about an enrolled device was replaced by the
    next scan's message, and the device left out of the cart with nothing to show for it."""
    cart, store = screen.cart, screen.cart.store
    scanned = serials(4)
    services.enroll_device(store, services.EnrollRequest(scanned[1]), actor=ADMIN)
    fill(qtbot, screen, [*scanned, scanned[0]])  # the enrolled one in passing, a re-scan
    assert "already in the cart" in cart.message.text()  # its warning is gone, as before
    assert cart.table.rowCount() == 4
    assert "already enrolled" in cart.table.item(1, 3).text()
    assert "4 device(s) in the cart, 3 ready" in cart.count.text()

    ctrl(Key.Key_Return)
    checked(qtbot, screen)
    assert f"{scanned[1]} already enrolled" in cart.message.text()
    assert store.count_devices() == 1  # nothing enrolled while one is held

    scan(scanned[1])  # scanned again: an update (after a reimage)
    checked(qtbot, screen)
    assert "added as an update" in cart.message.text()
    assert "update: enrolled before" in cart.table.item(1, 3).text()
    with qtbot.waitSignal(cart.enrolled, timeout=10_000) as signal:
        ctrl(Key.Key_Return)
    assert signal.args == [4]


def test_removing_a_held_device_lets_the_cart_be_enrolled(
    qtbot: QtBot, screen: EnrollScreen
) -> None:
    cart, store = screen.cart, screen.cart.store
    scanned = serials(2)
    services.enroll_device(store, services.EnrollRequest(scanned[0]), actor=ADMIN)
    fill(qtbot, screen, scanned)
    assert cart.table.rowCount() == 2
    tab_to("cartTable")
    press(Key.Key_Delete)  # the first row, current but not selected: the enrolled device
    assert cart.table.rowCount() == 1
    assert cart.table.item(0, 0).text() == scanned[1]
    with qtbot.waitSignal(cart.enrolled, timeout=10_000) as signal:
        ctrl(Key.Key_Return)
    assert signal.args == [1]


def test_a_device_enrolled_elsewhere_after_its_scan_is_held_when_the_cart_is_checked_again(
    qtbot: QtBot, screen: EnrollScreen
) -> None:
    """Only a scan could hold a device: one enrolled at another bench after it went into
    the cart, found so by a check of the whole cart, would have been enrolled again as an
    update without anyone scanning it twice."""
    cart, store = screen.cart, screen.cart.store
    scanned = serials(2)
    fill(qtbot, screen, scanned)
    assert "2 ready" in cart.count.text()
    services.enroll_device(store, services.EnrollRequest(scanned[0]), actor=ADMIN)
    serial_named_profile(screen)  # a profile saved: the cart is checked again
    checked(qtbot, screen)
    assert "already enrolled" in cart.table.item(0, 3).text()
    ctrl(Key.Key_Return)
    checked(qtbot, screen)
    assert f"{scanned[0]} already enrolled" in cart.message.text()
    assert store.count_devices() == 1
