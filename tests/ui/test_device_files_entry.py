"""Where device files are asked for: after a guided enrollment, for a cart just enrolled,
and for the device selected on the Devices screen. Keys go to the focused widget."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app import services, settings
from app.enrollment import Answers
from app.security.roles import Actor, Role
from app.store import Store
from tests.helpers.keyboard import Key, alt, ctrl, enter, focus_name, scan, space, tab_to
from ui.devices.screen import DevicesScreen
from ui.enroll.screen import EnrollScreen
from ui.ops import wait_for_writer
from ui.widgets.device_files_dialog import DeviceFilesDialog

LEAD = Actor("lena", Role.LEAD)


def dialog_open() -> DeviceFilesDialog | None:
    found = [w for w in QApplication.topLevelWidgets() if isinstance(w, DeviceFilesDialog)]
    return next((w for w in found if w.isVisible()), None)


def show(qtbot: QtBot, widget: object) -> None:
    qtbot.addWidget(widget)  # type: ignore[arg-type]
    widget.resize(1200, 760)  # type: ignore[attr-defined]
    widget.show()  # type: ignore[attr-defined]
    with qtbot.waitActive(widget):  # type: ignore[arg-type]
        widget.activateWindow()  # type: ignore[attr-defined]


def test_a_profile_that_writes_files_opens_the_dialog_after_the_enrollment(
    qtbot: QtBot, db_path: Path
) -> None:
    store = Store.open(db_path)
    settings.put(store, services.local_admin(), "tenant_domains", "contoso.com")
    services.save_profile(
        store, "Stick", Answers(device_files=("unattend",)), actor=services.local_admin()
    )
    screen = EnrollScreen(store, lambda: LEAD)
    show(qtbot, screen)
    screen.focus_current()
    alt(Key.Key_P)  # the bench profile
    for _ in range(3):
        if screen.wizard.device_page.profile.currentText() == "Stick":
            break
        from tests.helpers.keyboard import press

        press(Key.Key_Down)
    alt(Key.Key_S)
    scan("PF5KX2QS")
    for _ in range(12):
        if screen.wizard.currentPage().objectName() == "reviewPage":
            break
        if screen.wizard.currentPage().objectName() == "accountPage":
            alt(Key.Key_N)
            qtbot.waitUntil(lambda: screen.wizard.currentPage().no_user.isChecked())  # type: ignore[attr-defined]
        enter()
    assert screen.wizard.review.write_files.isChecked()  # the profile writes files
    enter()
    qtbot.waitUntil(lambda: dialog_open() is not None, timeout=10_000)
    dialog = dialog_open()
    assert dialog is not None and dialog.serials == ["PF5KX2QS"]
    dialog.reject()
    qtbot.waitUntil(lambda: dialog_open() is None)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    assert focus_name() == "wizardSerial"  # the next device
    wait_for_writer()
    store.close()


def test_cart_and_devices_offer_the_files_of_what_was_enrolled(qtbot: QtBot, db_path: Path) -> None:
    store = Store.open(db_path)
    screen = EnrollScreen(store, lambda: LEAD)
    show(qtbot, screen)
    alt(Key.Key_3)
    assert focus_name() == "cartScan"
    assert not screen.cart.files_button.isEnabled()  # nothing enrolled yet
    for serial in ("PF5KX2QT", "PF5KX2QU"):
        scan(serial)
    with qtbot.waitSignal(screen.cart.enrolled, timeout=10_000):
        ctrl(Key.Key_Return)
    assert screen.cart.files_button.isEnabled()
    tab_to("cartDeviceFiles")
    space()
    qtbot.waitUntil(lambda: dialog_open() is not None)
    dialog = dialog_open()
    assert dialog is not None and dialog.serials == ["PF5KX2QT", "PF5KX2QU"]
    dialog.reject()
    wait_for_writer()

    devices = DevicesScreen(str(db_path), actor=lambda: LEAD)
    show(qtbot, devices)
    qtbot.waitUntil(lambda: not devices.model.loading)
    devices.focus_search()
    scan("PF5KX2QT")
    qtbot.waitUntil(lambda: devices.files_button.isEnabled())
    devices.shutdown()
    store.close()
