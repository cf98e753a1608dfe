"""Batch enrollment driven like a technician with a scanner: scan, Enter, next."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app import demo, services
from app.enrollment import Answers
from app.security.roles import Actor, Role
from app.store import Store
from tests.helpers import keyboard as keys
from tests.helpers.actors import ADMIN
from tests.helpers.keyboard import Key, alt, enter, focus_name, focused, press, tab_to
from tests.helpers.threads import reader_held, reads_on_the_gui_thread
from ui.enroll.batch_screen import BatchEnrollScreen
from ui.ops import wait_for_writer

TECH = Actor("tom", Role.TECHNICIAN)


def make_screen(qtbot: QtBot, db: Path) -> tuple[BatchEnrollScreen, Store]:
    store = Store.open(db)
    screen = BatchEnrollScreen(store, lambda: TECH)
    qtbot.addWidget(screen)
    screen.resize(1100, 700)
    screen.show()
    with qtbot.waitActive(screen):
        screen.activateWindow()
    screen.focus_scan()
    return screen, store


def scan(qtbot: QtBot, screen: BatchEnrollScreen, serial: str) -> None:
    """A keyboard-wedge scanner types into whatever has focus: it must be the scan field."""
    assert focus_name() == "enrollScan"
    keys.scan(serial)
    qtbot.waitUntil(lambda: not screen.checking)  # checked on the reader thread


def settle(qtbot: QtBot, screen: BatchEnrollScreen) -> None:
    """Every check and every commit asked for has landed, its callback run on the GUI thread."""
    qtbot.waitUntil(lambda: not screen.checking)
    wait_for_writer()
    QApplication.processEvents()  # the writer's last result, queued to the GUI thread


def enrollments(store: Store, serial: str) -> tuple[int, int]:
    """How often `serial` was enrolled (an update counts too): audit entries, history entries."""
    audit = [e for e in store.audit_entries(action="device.enroll") if e.target == serial]
    device = store.device_by_serial(serial)
    history = [] if device is None else store.device_history(device.id)
    return len(audit), sum(1 for h in history if h.kind == "enrolled")


def choose_profile(name: str) -> None:
    """Alt+P to the bench profile, Down until `name`, and back to the scan field."""
    alt(Key.Key_P)
    assert focus_name() == "profileChoice"
    for _ in range(10):
        if focused().currentText() == name:  # type: ignore[attr-defined]
            break
        press(Key.Key_Down)
    assert focused().currentText() == name  # type: ignore[attr-defined]
    tab_to("enrollScan")


def test_twenty_device_batch(qtbot: QtBot, db_path: Path, tmp_path: Path) -> None:
    with Store.open(db_path) as store:
        services.save_profile(
            store, "Bench A", Answers(name_template="CTS-%SERIAL%", group_tag="Sales"), actor=ADMIN
        )
    screen, store = make_screen(qtbot, db_path)
    choose_profile("Bench A")
    serials = [str(row["serial"]) for row in demo.devices(20, seed=99)]
    keystrokes = 0
    for serial in serials:
        scan(qtbot, screen, serial)
        assert screen.values["name"].text() != "—"
        with qtbot.waitSignal(screen.enrolled, timeout=10_000):
            enter()  # the technician's one key
            keystrokes += 1
        assert screen.scan.text() == ""  # ready for the next scan
        assert focus_name() == "enrollScan"
    wait_for_writer()
    assert keystrokes == 20  # one Enter per device beyond the scan itself
    assert store.count_devices() == 20
    assert screen.table.rowCount() == 20
    for serial in serials:
        device = store.device_by_serial(serial)
        assert device is not None and device.enrollment_status == "prepared"
        assert device.device_name == ("CTS-" + serial)[-15:] or device.device_name.startswith(
            "CTS-"
        )
        assert device.group_tag == "Sales" and device.profile == "Bench A"
    queue = tmp_path / "data" / "label-queue"
    assert len(list(queue.glob("*.png"))) == 20
    assert len(store.audit_entries(action="label.print")) == 20
    store.close()


def test_duplicate_scan_in_the_batch_is_flagged(qtbot: QtBot, db_path: Path) -> None:
    screen, store = make_screen(qtbot, db_path)
    scan(qtbot, screen, "PF3KX1ZB")
    with qtbot.waitSignal(screen.enrolled, timeout=10_000):
        enter()
    scan(qtbot, screen, "PF3KX1ZB")
    assert "already enrolled in this batch" in screen.message.text()
    # A question (Enter enrolls it again), not a fault of the scan: the field is not framed.
    assert screen.message.property("state") == "warning"
    assert screen.scan.property("state") == ""
    with qtbot.waitSignal(screen.enrolled, timeout=10_000):
        enter()  # again, after a reimage: one device, updated
    assert screen.message.text().startswith("Updated PF3KX1ZB (PC-PF3KX1ZB); label queued.")
    assert "1 device(s) in this batch" in screen.count.text()
    wait_for_writer()
    assert store.count_devices() == 1
    store.close()


def test_ineligible_profile_refuses_beside_the_field(qtbot: QtBot, db_path: Path) -> None:
    with Store.open(db_path) as store:
        services.save_profile(
            store, "Home laptops", Answers(edition="Windows 11 Home"), actor=ADMIN
        )
    screen, store = make_screen(qtbot, db_path)
    choose_profile("Home laptops")
    scan(qtbot, screen, "PF3KX1ZB")
    assert "Upgrade the edition to Pro" in screen.message.text()
    assert screen.values["eligibility"].text() == "Refused"
    enter()
    wait_for_writer()
    assert store.count_devices() == 0
    store.close()


def test_known_serial_asks_before_updating(qtbot: QtBot, db_path: Path) -> None:
    with Store.open(db_path) as store:
        services.enroll_device(
            store, services.EnrollRequest("PF3KX1ZB", name="BENCH-01"), actor=ADMIN
        )
    screen, store = make_screen(qtbot, db_path)
    scan(qtbot, screen, "PF3KX1ZB")
    assert "already enrolled as BENCH-01" in screen.message.text()
    assert screen.values["record"].text().startswith("Prepared at the bench as BENCH-01")
    with qtbot.waitSignal(screen.enrolled, timeout=10_000):
        enter()
    wait_for_writer()
    device = store.device_by_serial("PF3KX1ZB")
    assert device is not None and device.device_name == "BENCH-01"  # an update keeps the name
    assert store.count_devices() == 1
    assert "updated" in screen.table.item(0, 3).text()
    store.close()


def test_commit_on_scan_needs_no_key_at_all(qtbot: QtBot, db_path: Path) -> None:
    screen, store = make_screen(qtbot, db_path)
    tab_to("autoCommit")
    keys.space()
    tab_to("enrollScan")
    with qtbot.waitSignal(screen.enrolled, timeout=10_000):
        scan(qtbot, screen, "PF3KX1ZB")
    wait_for_writer()
    assert store.count_devices() == 1
    store.close()


def test_a_label_that_cannot_be_queued_is_not_a_failed_enrollment(
    qtbot: QtBot, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.errors import KnownError
    from app.services import labels

    def full_disk(*_args: object, **_kwargs: object) -> Path:
        raise KnownError("no space left on the label queue's disk")

    monkeypatch.setattr(labels, "queue_label", full_disk)
    screen, store = make_screen(qtbot, db_path)
    scan(qtbot, screen, "PF5KX2QA")
    with qtbot.waitSignal(screen.enrolled, timeout=10_000):
        enter()
    device = store.device_by_serial("PF5KX2QA")
    assert device is not None and device.enrollment_status == "prepared"
    assert "label was not queued" in screen.message.text()
    assert "no space left" in screen.message.text()
    # The row says so too: it said "label queued" when the label had failed.
    assert "label NOT queued" in screen.table.item(0, 3).text()
    assert "label queued" not in screen.table.item(0, 3).text()
    assert screen.scan.text() == ""  # still ready for the next scan
    assert focus_name() == "enrollScan"
    store.close()


def test_an_autopilot_device_without_a_hash_is_told_how_to_collect_it(
    qtbot: QtBot, db_path: Path
) -> None:
    with Store.open(db_path) as store:
        services.save_profile(
            store,
            "Autopilot",
            Answers(edition="Windows 11 Pro", provisioning_method="autopilot"),
            actor=ADMIN,
        )
    screen, store = make_screen(qtbot, db_path)
    choose_profile("Autopilot")
    scan(qtbot, screen, "PF3KX1ZB")
    before = screen.message.text()
    assert before.startswith("Press Enter to enroll PF3KX1ZB as PC-PF3KX1ZB.")
    assert "No hardware hash is recorded for PF3KX1ZB" in before
    with qtbot.waitSignal(screen.enrolled, timeout=10_000):
        enter()  # it still enrolls: the hash is collected on the device afterwards
    after = screen.message.text()
    assert after.startswith("Enrolled PF3KX1ZB as PC-PF3KX1ZB; label queued.")
    assert "Get-JoineryReport.ps1" in after and "Get-WindowsAutopilotInfo" in after
    assert screen.message.property("state") == "warning"  # enrolled: something to mind
    assert focus_name() == "enrollScan"  # ready for the next scan all the same
    wait_for_writer()
    store.close()


def test_a_scan_is_checked_off_the_gui_thread(
    qtbot: QtBot, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check of a scan (find the device, preview it with the profile) reads on the
    reader thread: during a tenant sync the writer thread holds the GIL for long stretches,
    and every read on the GUI thread waited for it (a stall the technician's next scan
    felt). The GUI thread only shows what was read; two Enters still commit."""
    with Store.open(db_path) as store:
        services.save_profile(store, "Bench A", Answers(name_template="CTS-%SERIAL%"), actor=ADMIN)
        services.enroll_device(store, services.EnrollRequest("PF3KX1ZB", "Bench A"), actor=ADMIN)
    screen, store = make_screen(qtbot, db_path)
    choose_profile("Bench A")
    on_gui = reads_on_the_gui_thread(
        monkeypatch, ("device", "device_by_serial", "profile_answers", "profile_names")
    )
    scan(qtbot, screen, "PF5KX2QA")
    assert screen.values["name"].text() == "CTS-PF5KX2QA"
    assert screen.message.text() == "Press Enter to enroll PF5KX2QA as CTS-PF5KX2QA."
    press(Key.Key_Escape)  # the field keeps a checked serial: Esc clears it
    scan(qtbot, screen, "PF3KX1ZB")  # a known device: its record is read too
    assert "already enrolled as" in screen.message.text()
    assert on_gui == []
    assert focus_name() == "enrollScan"


def test_enter_before_the_check_is_back_commits_once_it_is(qtbot: QtBot, db_path: Path) -> None:
    """A scanner's Enter and the technician's Enter can both come before the check of the
    scan is back: the check lands first, then the second Enter commits it, once."""
    screen, store = make_screen(qtbot, db_path)
    keys.type_text("PF5KX2QA")
    with qtbot.waitSignal(screen.enrolled, timeout=10_000), reader_held():
        enter()
        enter()
        assert screen.checks == 2 and screen.preview is None  # neither check is back
    settle(qtbot, screen)
    assert enrollments(store, "PF5KX2QA") == (1, 1)  # a second commit would be an update
    assert screen.table.rowCount() == 1
    assert focus_name() == "enrollScan"
    store.close()


def test_the_same_serial_scanned_again_needs_its_own_enter(qtbot: QtBot, db_path: Path) -> None:
    """Scan, Esc, the same serial scanned again, all before the first check is back: that
    check was for the scan put aside, and the second scan's Enter must not commit it. An
    enrolled device still asks for a deliberate Enter before it is updated."""
    with Store.open(db_path) as store:
        services.enroll_device(
            store, services.EnrollRequest("PF3KX1ZB", name="BENCH-01"), actor=ADMIN
        )
    screen, store = make_screen(qtbot, db_path)
    with reader_held():
        keys.scan("PF3KX1ZB")
        press(Key.Key_Escape)
        assert screen.scan.text() == ""
        assert focus_name() == "enrollScan"
        keys.scan("PF3KX1ZB")
    settle(qtbot, screen)
    assert "already enrolled as BENCH-01. Press Enter to update it" in screen.message.text()
    assert screen.table.rowCount() == 0
    assert enrollments(store, "PF3KX1ZB") == (1, 1)  # the enrollment before: no update yet
    assert focus_name() == "enrollScan"
    with qtbot.waitSignal(screen.enrolled, timeout=10_000):
        enter()  # the deliberate Enter
    settle(qtbot, screen)
    assert enrollments(store, "PF3KX1ZB") == (2, 2)
    assert "updated" in screen.table.item(0, 3).text()
    store.close()


@pytest.mark.parametrize("auto_commit", [True, False], ids=["auto-commit", "two-enters"])
def test_a_profile_chosen_while_the_scan_is_checked_is_the_one_enrolled(
    qtbot: QtBot, db_path: Path, auto_commit: bool
) -> None:
    """Another profile chosen before the scan's check is back: the check made with the
    first profile is not enrolled with the second (a name and an edition the technician
    never saw). The scan is checked again with the profile chosen and waits for Enter."""
    with Store.open(db_path) as store:
        services.save_profile(store, "Bench A", Answers(name_template="CTS-%SERIAL%"), actor=ADMIN)
        services.save_profile(store, "Bench B", Answers(name_template="LAB-%SERIAL%"), actor=ADMIN)
    screen, store = make_screen(qtbot, db_path)
    choose_profile("Bench A")
    if auto_commit:
        tab_to("autoCommit")
        keys.space()
        tab_to("enrollScan")
    with reader_held():
        keys.scan("PF5KX2QA")
        if not auto_commit:
            enter()  # the technician's Enter, before the check is back
        choose_profile("Bench B")
        assert focus_name() == "enrollScan"
    settle(qtbot, screen)
    assert store.count_devices() == 0
    assert screen.values["name"].text() == "LAB-PF5KX2QA"
    assert screen.message.text() == "Press Enter to enroll PF5KX2QA as LAB-PF5KX2QA."
    with qtbot.waitSignal(screen.enrolled, timeout=10_000):
        enter()
    settle(qtbot, screen)
    device = store.device_by_serial("PF5KX2QA")
    assert device is not None
    assert (device.profile, device.device_name) == ("Bench B", "LAB-PF5KX2QA")
    assert enrollments(store, "PF5KX2QA") == (1, 1)
    assert focus_name() == "enrollScan"
    store.close()


def test_a_check_for_a_serial_no_longer_in_the_field_is_not_shown(
    qtbot: QtBot, db_path: Path
) -> None:
    """The field changed while its last scan was being checked (Esc, the next serial): the
    old check's preview must not come back over the new serial."""
    screen, store = make_screen(qtbot, db_path)
    with reader_held():
        keys.scan("PF5KX2QA")
        press(Key.Key_Escape)  # before the check is back
        keys.type_text("PF3KX1ZB")
    qtbot.waitUntil(lambda: not screen.checking)
    assert screen.preview is None  # nothing Enter could commit for the serial in the field
    scan(qtbot, screen, "")  # the scanner's Enter for the serial typed
    assert screen.values["serial"].text() == "PF3KX1ZB"
    store.close()


def test_a_check_that_breaks_says_so_as_a_read_and_only_for_the_scan_in_the_field(
    qtbot: QtBot, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    screen, store = make_screen(qtbot, db_path)

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the disk hiccuped")

    monkeypatch.setattr(services, "check_scan", broken)
    with reader_held():
        keys.scan("PF5KX2QA")
        press(Key.Key_Escape)  # before its check is back: that failure is about nothing shown
    qtbot.waitUntil(lambda: not screen.checking)
    assert screen.message.text() == ""
    scan(qtbot, screen, "PF3KX1ZB")
    assert screen.message.text().startswith("The scanned device could not be checked")
    assert "writing" not in screen.message.text()  # a read: nothing was being written
    assert store.count_devices() == 0
    store.close()


def test_a_refused_serial_is_not_called_joinable_and_esc_clears_what_was_said(
    qtbot: QtBot, db_path: Path
) -> None:
    """Beside "the serial number contains '!'" the preview said "Can be joined", and Esc
    emptied the field but left the error and the preview of the serial it no longer held."""
    screen, store = make_screen(qtbot, db_path)
    scan(qtbot, screen, "BAD SERIAL!")
    assert "contains '!'" in screen.message.text()
    assert screen.values["eligibility"].text() == "Refused"
    keys.press(keys.Key.Key_Escape)
    assert screen.scan.text() == "" and focus_name() == "enrollScan"
    assert screen.message.text() == ""
    assert screen.values["serial"].text() == "—"
    assert store.count_devices() == 0
    store.close()
