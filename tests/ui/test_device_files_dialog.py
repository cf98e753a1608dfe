"""The device files dialog, driven from the keyboard: a folder typed or a drive chosen,
Enter writes, an existing folder is kept unless Replace is chosen, Cancel stops a cart, and
the password or role problem is shown beside its field. Keys go to the focused widget."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from app import services, settings
from app.security import vault
from app.security.roles import Actor
from app.security.secret import Secret
from app.store import Store
from tests.helpers.device_files import ADA, TENANT, TOM, WIFI
from tests.helpers.keyboard import (
    Key,
    enter,
    focus_name,
    press,
    shared_alt_letters,
    space,
    tab,
    tab_to,
    type_text,
)
from ui.ops import wait_for_writer
from ui.widgets.device_files_dialog import SUBFOLDER, DeviceFilesDialog


@pytest.fixture
def bench(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(vault, "KDF_COST", {"m": 19456, "t": 2, "p": 1})
    monkeypatch.setenv(vault.PASSPHRASE_ENV, "a long admin passphrase for tests")
    with Store.open(db_path) as store:
        settings.put_many(store, ADA, TENANT)
        services.save_profile(store, "Wi-Fi", WIFI, actor=ADA, wifi_key=Secret("bench key 123"))
        requests = [services.EnrollRequest(f"CART{n:04d}") for n in range(6)]
        requests.append(services.EnrollRequest("WIFI0001", profile="Wi-Fi"))
        services.enroll_devices(store, requests, actor=ADA)
    return db_path


@pytest.fixture
def open_dialog(qtbot: QtBot, bench: Path) -> Iterator[Any]:
    def make(serials: list[str], actor: Actor = ADA, **options: Any) -> DeviceFilesDialog:
        dialog = DeviceFilesDialog(str(bench), serials, actor, **options)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        dialog.activateWindow()
        qtbot.waitUntil(lambda: focus_name() == "deviceFilesFolder")
        return dialog

    yield make
    wait_for_writer()


def written(dialog: DeviceFilesDialog) -> bool:
    return dialog.result_value is not None


def test_typing_a_folder_and_enter_writes_the_files(
    qtbot: QtBot, open_dialog: Any, tmp_path: Path
) -> None:
    serials = [f"CART{n:04d}" for n in range(6)]
    dialog = open_dialog(serials)
    assert dialog.chosen_files() == ["unattend"]  # the Default profile's files
    out = tmp_path / "stick"
    type_text(str(out))
    enter()
    qtbot.waitUntil(lambda: written(dialog) or dialog.error.isVisible())
    assert not dialog.error.isVisible(), (dialog.error.text(), dialog.folder.text())
    assert focus_name() == "deviceFilesClose" and dialog.close_button.text() == "Close"
    assert "Written and signed: the files of 6 device(s)." in dialog.status.text()
    report = dialog.report.toPlainText()
    assert "CART0000: unattend.xml, README.txt" in report
    assert f"joinery device-files verify {out}" in report
    with Store.open(dialog._db_path) as store:
        assert len(services.verify_device_files(store, out, actor=ADA).devices) == 6
    enter()  # Close
    qtbot.waitUntil(lambda: not dialog.isVisible())


def test_no_two_controls_of_the_dialog_share_an_alt_letter(
    open_dialog: Any, bench: Path, tmp_path: Path
) -> None:
    """Alt+F belonged to "Folder" and "Answer file", Alt+W to "Package password" and
    "Write files": each press moved focus between the two."""
    out = tmp_path / "stick"
    with Store.open(bench) as store:
        services.write_device_files(store, ["CART0000"], out, actor=ADA)
    dialog = open_dialog(["CART0000", "WIFI0001"])  # the package password shows
    assert dialog.password.isVisible()
    assert shared_alt_letters(dialog) == {}
    type_text(str(out))
    enter()
    assert dialog.replace_panel.isVisible()  # Keep and Replace show too
    assert shared_alt_letters(dialog) == {}


def test_an_existing_folder_is_kept_unless_replace_is_chosen(
    qtbot: QtBot, open_dialog: Any, bench: Path, tmp_path: Path
) -> None:
    out = tmp_path / "stick"
    with Store.open(bench) as store:
        services.write_device_files(store, ["CART0000"], out, actor=ADA)
    before = (out / "CART0000" / "README.txt").read_bytes()
    dialog = open_dialog(["CART0000"])
    type_text(str(out))
    enter()
    assert dialog.replace_panel.isVisible() and "CART0000" in dialog.replace_text.text()
    assert focus_name() == "keepFolders"  # the safe answer is the one Enter gives
    enter()
    assert not dialog.replace_panel.isVisible()
    assert "Nothing was written" in dialog.error.text() and focus_name() == "deviceFilesFolder"
    assert (out / "CART0000" / "README.txt").read_bytes() == before
    enter()
    assert focus_name() == "keepFolders"
    tab()
    assert focus_name() == "replaceFolders"
    space()
    qtbot.waitUntil(lambda: written(dialog))
    assert dialog.result_value is not None and not dialog.result_value.cancelled
    entries = Store.open(bench).audit_entries(action="device_files.write")
    assert entries[0].details["replace"] is True


def test_cancel_stops_a_cart_between_devices(
    qtbot: QtBot, open_dialog: Any, tmp_path: Path
) -> None:
    serials = [f"CART{n:04d}" for n in range(6)]
    waiting: list[bool] = []

    def slow_write(*args: Any, **options: Any) -> services.WriteResult:
        real_progress, cancelled = options["progress"], options["cancelled"]

        def progress(done: int, total: int) -> None:
            real_progress(done, total)
            if done == 2:  # hold the cart until the person has pressed Cancel
                waiting.append(True)
                for _ in range(500):
                    if cancelled():
                        return
                    time.sleep(0.01)

        options["progress"] = progress
        return services.write_device_files(*args, **options)

    dialog = open_dialog(serials, write=slow_write)
    type_text(str(tmp_path / "stick"))
    enter()
    qtbot.waitUntil(lambda: bool(waiting))
    assert focus_name() == "deviceFilesClose" and dialog.progress.isVisible()
    press(Key.Key_Escape)  # Cancel
    qtbot.waitUntil(lambda: written(dialog))
    result = dialog.result_value
    assert result is not None and result.cancelled
    assert [f.serial for f in result.written] == serials[:2]
    assert "Cancelled: 2 of 6 device(s) written and signed; 4 not written." in dialog.status.text()
    assert dialog.isVisible()  # what was written stays on screen


def test_the_package_password_is_asked_beside_its_field(
    qtbot: QtBot, open_dialog: Any, tmp_path: Path
) -> None:
    dialog = open_dialog(["WIFI0001"])
    assert dialog.chosen_files() == ["unattend", "package"]  # the Wi-Fi profile's files
    assert dialog.password.isVisible()
    type_text(str(tmp_path / "stick"))
    enter()
    qtbot.waitUntil(lambda: dialog.error.isVisible())
    assert "password of at least 20 characters" in dialog.error.text()
    assert focus_name() == "deviceFilesPassword"
    type_text("a cart password, 24 chars")
    enter()
    qtbot.waitUntil(lambda: written(dialog))
    assert dialog.result_value is not None
    assert dialog.result_value.written[0].files[1] == "Device-WIFI0001-1.0.jbundle"
    assert dialog.password.text() == ""  # not kept in the field


def test_a_technician_unticks_the_package_and_writes_the_rest(
    qtbot: QtBot, open_dialog: Any, tmp_path: Path
) -> None:
    dialog = open_dialog(["WIFI0001"], actor=TOM)
    type_text(str(tmp_path / "stick"))
    enter()
    assert "cannot build provisioning packages" in dialog.error.text()
    assert focus_name() == "deviceFile_package"
    space()
    assert not dialog.password.isVisible()
    enter()
    qtbot.waitUntil(lambda: written(dialog))
    assert dialog.result_value is not None
    assert dialog.result_value.written[0].files == ("unattend.xml", "README.txt")


def test_a_drive_fills_the_folder(qtbot: QtBot, open_dialog: Any, tmp_path: Path) -> None:
    usb = tmp_path / "media" / "USBSTICK"
    usb.mkdir(parents=True)
    dialog = open_dialog(["CART0001"], drives=lambda: [(str(usb), "USBSTICK, 14.9 GB free")])
    tab_to("deviceFilesDrive")
    press(Key.Key_Down)
    assert dialog.folder.text() == str(usb / SUBFOLDER)
    enter()
    qtbot.waitUntil(lambda: written(dialog))
    assert (usb / SUBFOLDER / "manifest.json").exists()


def test_a_missing_tenant_setting_is_named_and_nothing_written(
    qtbot: QtBot, open_dialog: Any, bench: Path, tmp_path: Path
) -> None:
    with Store.open(bench) as store:
        settings.put(store, ADA, "tenant_id", "")
    dialog = open_dialog(["CART0002"], defaults=["autopilot"])
    type_text(str(tmp_path / "stick"))
    enter()
    qtbot.waitUntil(lambda: dialog.error.isVisible())
    assert "the setting tenant_id is not set" in dialog.error.text()
    assert focus_name() == "deviceFilesFolder" and not (tmp_path / "stick").exists()


def test_an_empty_folder_is_asked_for(open_dialog: Any) -> None:
    dialog = open_dialog(["CART0003"])
    enter()
    assert dialog.error.text() == "Type a folder, or choose a removable drive."
    assert focus_name() == "deviceFilesFolder"


def test_an_unexpected_failure_is_said_in_words_and_logged(
    qtbot: QtBot, open_dialog: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A bug in the write is logged with its trace; the person reads what happened and where
    the details are (the dialog showed the exception's own text: 'KeyError: 'tenant'')."""

    def broken(*_args: object, **_kwargs: object) -> None:
        raise KeyError("tenant")

    dialog = open_dialog(["CART0000"], write=broken)
    type_text(str(tmp_path / "stick"))
    enter()
    qtbot.waitUntil(lambda: dialog.error.isVisible())
    text = dialog.error.text()
    assert "unexpected error" in text and "joinery.log" in text and "tenant" not in text
    assert any(r.exc_info and r.exc_info[0] is KeyError for r in caplog.records)
    assert focus_name() == "deviceFilesFolder"


def test_a_relative_folder_is_refused_beside_the_field(open_dialog: Any) -> None:
    """It was written relative to the kiosk's own folder, and the result named it as typed:
    nobody could tell where the files went."""
    dialog = open_dialog(["CART0000"])
    type_text("relative-dir")
    enter()
    assert "whole path" in dialog.error.text() and focus_name() == "deviceFilesFolder"
    assert dialog.result_value is None


def test_replace_is_asked_once_and_the_password_kept_when_a_write_is_refused(
    qtbot: QtBot, open_dialog: Any, bench: Path, tmp_path: Path
) -> None:
    """Replace, then a password too short: the next Enter asked Replace again, and a
    write refused for a folder that could not be made wiped the password typed."""
    out = tmp_path / "stick"
    with Store.open(bench) as store:
        services.write_device_files(store, ["CART0000"], out, actor=ADA)
    dialog = open_dialog(["CART0000", "WIFI0001"])
    type_text(str(out))
    enter()
    assert focus_name() == "keepFolders"
    tab_to("replaceFolders")
    space()
    qtbot.waitUntil(lambda: dialog.error.isVisible())
    assert "password" in dialog.error.text() and focus_name() == "deviceFilesPassword"
    type_text("a cart password, 24 chars")
    enter()
    qtbot.waitUntil(lambda: written(dialog))
    assert dialog.password.text() == ""  # written: not kept in the field

    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    again = open_dialog(["WIFI0001"])
    type_text(str(blocked / "cart"))  # a folder under a file cannot be made
    tab_to("deviceFilesPassword")
    type_text("a cart password, 24 chars")
    enter()
    qtbot.waitUntil(lambda: again.error.isVisible())
    assert f"Cannot make the folder {blocked / 'cart'}" in again.error.text()
    assert "unexpected" not in again.error.text()
    assert again.password.text() == "a cart password, 24 chars"
