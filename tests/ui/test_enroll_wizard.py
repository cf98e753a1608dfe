"""The guided OOBE wizard, driven from the keyboard like a technician: type, Enter, next."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget, QWizard
from pytestqt.qtbot import QtBot

from app import services, settings
from app.enrollment import Answers
from app.security.roles import Actor, Role
from app.store import Store
from ui.enroll.screen import EnrollScreen
from ui.enroll.wizard import EnrollWizard
from ui.ops import wait_for_writer

LEAD = Actor("lena", Role.LEAD)
TECH = Actor("tom", Role.TECHNICIAN)


@pytest.fixture
def wizard(qtbot: QtBot, db_path: Path) -> Iterator[EnrollWizard]:
    store = Store.open(db_path)
    settings.put(store, services.local_admin(), "tenant_domains", "contoso.com")
    widget = EnrollWizard(store, lambda: LEAD)
    qtbot.addWidget(widget)
    widget.resize(1100, 700)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    wait_for_writer()
    store.close()


def enter(qtbot: QtBot, widget: QWidget) -> None:
    qtbot.keyClick(widget, Qt.Key.Key_Return)


def choose(qtbot: QtBot, button: QWidget) -> None:
    """Tab to a radio button and press Space, as from the keyboard."""
    button.setFocus()
    qtbot.keyClick(button, Qt.Key.Key_Space)


def type_into(qtbot: QtBot, field: QWidget, text: str) -> None:
    field.clear()  # type: ignore[attr-defined]
    qtbot.keyClicks(field, text)


def page_named(wizard: EnrollWizard, name: str) -> QWidget:
    page = wizard.currentPage()
    assert page.objectName() == name, f"on {page.objectName()}, expected {name}"
    return page


def test_whole_wizard_enrolls_an_eligible_device(
    qtbot: QtBot, wizard: EnrollWizard, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JOINERY_VAULT_PASSPHRASE", "bench vault passphrase 2026")
    device = wizard.device_page
    assert wizard.currentId() == 0
    wizard.device_page.edition.setCurrentText("Windows 11 Enterprise")
    type_into(qtbot, device.serial, "PF5KX2QA")
    assert device.isComplete()
    assert "can be Microsoft Entra joined" in device.verdict.text()
    enter(qtbot, device.serial)

    region = page_named(wizard, "regionPage")
    region.region.setCurrentIndex(region.region.findData("Germany"))  # type: ignore[attr-defined]
    region.region.activated.emit(region.region.currentIndex())  # type: ignore[attr-defined]
    assert region.keyboard.currentData() == "00000407"  # type: ignore[attr-defined]
    enter(qtbot, region.region)  # type: ignore[attr-defined]

    network = page_named(wizard, "networkPage")
    choose(qtbot, network.wifi)  # type: ignore[attr-defined]
    assert not network.isComplete()  # a WPA2 network needs its key
    type_into(qtbot, network.ssid, "Bench-WiFi")  # type: ignore[attr-defined]
    type_into(qtbot, network.key, "short")  # type: ignore[attr-defined]
    assert "8 to 63" in network.key_error.text()  # type: ignore[attr-defined]
    assert not network.isComplete()
    type_into(qtbot, network.key, "correct horse battery")  # type: ignore[attr-defined]
    assert network.isComplete()
    enter(qtbot, network.key)  # type: ignore[attr-defined]

    naming = page_named(wizard, "namePage")
    type_into(qtbot, naming.template, "CTS-%SERIAL%")  # type: ignore[attr-defined]
    assert naming.preview.text() == "CTS-PF5KX2QA"  # type: ignore[attr-defined]
    type_into(qtbot, naming.template, "CTS %SERIAL%")  # type: ignore[attr-defined]
    assert not naming.isComplete()
    assert naming.template_error.isVisible()  # type: ignore[attr-defined]
    type_into(qtbot, naming.template, "CTS-%SERIAL%")  # type: ignore[attr-defined]
    type_into(qtbot, naming.group_tag, "Sales")  # type: ignore[attr-defined]
    enter(qtbot, naming.group_tag)  # type: ignore[attr-defined]

    setup = page_named(wizard, "setupKindPage")
    choose(qtbot, setup.personal)  # type: ignore[attr-defined]
    assert not setup.isComplete()
    assert "registration" in setup.personal_note.text()  # type: ignore[attr-defined]
    choose(qtbot, setup.work)  # type: ignore[attr-defined]
    enter(qtbot, setup.work)  # type: ignore[attr-defined]

    account = page_named(wizard, "accountPage")
    type_into(qtbot, account.user, "someone@gmail.com")  # type: ignore[attr-defined]
    enter(qtbot, account.user)  # type: ignore[attr-defined]
    assert wizard.currentPage() is account  # refused beside the field
    assert "personal account" in account.user_error.text()  # type: ignore[attr-defined]
    type_into(qtbot, account.user, "adele@contoso.com")  # type: ignore[attr-defined]
    enter(qtbot, account.user)  # type: ignore[attr-defined]

    sign_in = page_named(wizard, "signInPage")
    sign_in.options["fido2 security key"].setChecked(True)  # type: ignore[attr-defined]
    enter(qtbot, sign_in.options["password"])  # type: ignore[attr-defined]

    management = page_named(wizard, "managementPage")
    choose(qtbot, management.authority["coManaged"])  # type: ignore[attr-defined]
    assert management.workloads_box.isEnabled()  # type: ignore[attr-defined]
    management.workloads["compliance policies"].setCurrentIndex(1)  # type: ignore[attr-defined]
    assert "adele@contoso.com" in management.scope_meaning.text()  # type: ignore[attr-defined]
    enter(qtbot, management.scope)  # type: ignore[attr-defined]

    privacy = page_named(wizard, "privacyPage")
    privacy.choices["find my device"].setChecked(True)  # type: ignore[attr-defined]
    enter(qtbot, privacy.choices["location"])  # type: ignore[attr-defined]

    review = page_named(wizard, "reviewPage")
    assert review.values["name"].text() == "CTS-PF5KX2QA (from CTS-%SERIAL%) · group tag Sales"
    assert "Bench-WiFi" in review.values["network"].text()
    assert "key sealed" in review.values["network"].text()
    assert "adele@contoso.com" in review.values["user"].text()
    assert "fido2" in review.values["sign_in"].text()
    with qtbot.waitSignal(wizard.enrolled, timeout=10_000) as signal:
        enter(qtbot, review.queue)  # Enter on the last page is "Enroll"
    assert not review.message.isVisible(), review.message.text()
    result = signal.args[0]
    assert result.device.device_name == "CTS-PF5KX2QA"
    assert wizard.currentId() == 0  # ready for the next device

    stored = wizard.store.device_by_serial("PF5KX2QA")
    assert stored is not None
    assert stored.enrollment_status == "enrolled"
    assert stored.assigned_user == "adele@contoso.com"
    assert stored.group_tag == "Sales"
    assert stored.os_edition == "Windows 11 Enterprise"
    assert stored.management_authority == "coManaged"
    answers = json.loads(wizard.store.enrollment_json(stored.id) or "{}")
    assert answers["region"] == "Germany" and answers["keyboard"] == "00000407"
    assert answers["workloads"]["compliance policies"] == "intune"
    assert answers["privacy"]["find my device"] is True
    assert answers["wifi_ssid"] == "Bench-WiFi"
    assert "correct horse" not in json.dumps(answers)  # the key is sealed, not copied
    assert answers["wifi_key_sealed"]
    entries = wizard.store.audit_entries(action="device.enroll")
    assert [e.target for e in entries] == ["PF5KX2QA"]
    assert len(wizard.store.audit_entries(action="label.print")) == 1


def test_home_edition_is_refused_with_the_way_out(qtbot: QtBot, wizard: EnrollWizard) -> None:
    device = wizard.device_page
    type_into(qtbot, device.serial, "HOME0001")
    device.edition.setCurrentText("Windows 11 Home")
    assert not device.isComplete()
    assert "Home editions" in device.verdict.text()
    assert "Upgrade the edition to Pro" in device.verdict.text()
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    enter(qtbot, device.serial)
    assert wizard.currentId() == 0  # Enter does not go on
    device.edition.setCurrentText("Windows Server 2022 Datacenter Server Core")
    assert "Server Core" in device.verdict.text()
    device.edition.setCurrentText("Windows 11 Pro")
    device.build.setCurrentText("10.0.10240")
    assert not device.isComplete()
    assert "older than" in device.verdict.text()
    assert wizard.store.device_by_serial("HOME0001") is None


def test_an_enrolled_device_needs_the_reimage_box(qtbot: QtBot, wizard: EnrollWizard) -> None:
    services.enroll_device(
        wizard.store, services.EnrollRequest("PF0LD123", name="OLD-NAME", user="bo@contoso.com")
    )
    device = wizard.device_page
    type_into(qtbot, device.serial, "PF0LD123")
    assert "Already enrolled as OLD-NAME" in device.record.text()
    assert not device.isComplete()
    device.update_record.setChecked(True)
    assert device.isComplete()
    wizard.next()
    for _ in range(2):
        wizard.next()
    naming = page_named(wizard, "namePage")
    assert naming.name.text() == "OLD-NAME" and naming.name.isReadOnly()  # type: ignore[attr-defined]


def test_saving_the_answers_as_a_bench_profile(qtbot: QtBot, wizard: EnrollWizard) -> None:
    type_into(qtbot, wizard.device_page.serial, "PF5KX2QB")
    while wizard.currentPage() is not wizard.review:
        if wizard.currentPage().objectName() == "accountPage":
            wizard.currentPage().no_user.setChecked(True)  # type: ignore[attr-defined]
            wizard.currentPage()._check()  # type: ignore[attr-defined]
        assert wizard.currentPage().isComplete(), wizard.currentPage().objectName()
        wizard.next()
    review = wizard.review
    type_into(qtbot, review.profile_name, "Cart 7")
    qtbot.mouseClick(review.save_profile, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Saved as bench profile Cart 7" in review.message.text())
    assert services.profile(wizard.store, "Cart 7") == wizard.draft.answers


def test_a_technician_cannot_save_profiles(qtbot: QtBot, db_path: Path) -> None:
    store = Store.open(db_path)
    widget = EnrollWizard(store, lambda: TECH)
    qtbot.addWidget(widget)
    widget.show()
    widget.review.initializePage()
    assert not widget.review.save_profile.isEnabled()
    store.close()


def test_enroll_screen_switches_modes_from_the_keyboard(qtbot: QtBot, db_path: Path) -> None:
    store = Store.open(db_path)
    screen = EnrollScreen(store, lambda: TECH)
    qtbot.addWidget(screen)
    screen.show()
    with qtbot.waitActive(screen):
        screen.activateWindow()
    qtbot.keyClick(screen, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
    assert screen.tabs.currentWidget() is screen.batch
    qtbot.keyClick(screen, Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)
    assert screen.tabs.currentWidget() is screen.cart
    qtbot.keyClick(screen, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    assert screen.tabs.currentWidget() is screen.wizard
    store.close()


def test_profile_answers_prefill_the_pages(qtbot: QtBot, wizard: EnrollWizard) -> None:
    services.save_profile(
        wizard.store,
        "Kiel",
        Answers(region="Germany", keyboard="00000407", edition="Windows 11 Education"),
    )
    wizard.restart()
    wizard.device_page.profile.setCurrentText("Kiel")
    assert wizard.device_page.edition.currentText() == "Windows 11 Education"
    type_into(qtbot, wizard.device_page.serial, "PF5KX2QC")
    wizard.next()
    region = page_named(wizard, "regionPage")
    assert region.region.currentText() == "Germany"  # type: ignore[attr-defined]


def test_cart_mode_commits_the_whole_cart_at_once(
    qtbot: QtBot, db_path: Path, tmp_path: Path
) -> None:
    from app import demo

    store = Store.open(db_path)
    services.save_profile(store, "Cart", Answers(name_template="LAB-%RAND:4%"))
    screen = EnrollScreen(store, lambda: LEAD)
    qtbot.addWidget(screen)
    screen.show()
    cart = screen.cart
    cart.profile.setCurrentText("Cart")
    serials = [str(r["serial"]) for r in demo.devices(12, seed=7) if not str(r["serial"]).isdigit()]
    serials = serials[:8]
    for serial in serials:
        type_into(qtbot, cart.scan, serial)
        enter(qtbot, cart.scan)
    type_into(qtbot, cart.scan, serials[0])
    enter(qtbot, cart.scan)
    assert "already in the cart" in cart.message.text()
    assert cart.table.rowCount() == len(serials)
    assert "digits drawn at commit" in cart.table.item(0, 1).text()
    assert store.count_devices() == 0  # nothing is written while the cart fills
    cart.table.selectRow(len(serials) - 1)
    qtbot.keyClick(cart.table, Qt.Key.Key_Delete)
    assert cart.table.rowCount() == len(serials) - 1

    with qtbot.waitSignal(cart.enrolled, timeout=10_000) as signal:
        qtbot.mouseClick(cart.commit_button, Qt.MouseButton.LeftButton)
    assert signal.args == [len(serials) - 1]
    wait_for_writer()
    names = [store.device_by_serial(s).device_name for s in serials[:-1]]  # type: ignore[union-attr]
    assert len(set(names)) == len(names)  # drawn one after the other: no clash
    assert all(n and n.startswith("LAB-") and len(n) == 8 for n in names)
    assert store.device_by_serial(serials[-1]) is None  # removed before the commit

    sheet = tmp_path / "labels.pdf"
    cart.layout_choice.setCurrentIndex(cart.layout_choice.findData("LETTER_3x10"))
    cart.save_sheet(str(sheet))
    qtbot.waitUntil(lambda: sheet.exists() and "Saved" in cart.message.text(), timeout=10_000)
    assert sheet.read_bytes().startswith(b"%PDF")
    entries = store.audit_entries(action="label.print")
    assert len(entries) == len(serials)  # one queued label per device, then the sheet
    sheet_audit = next(e for e in entries if "layout" in e.details)
    assert sheet_audit.details["layout"] == "LETTER_3x10"
    assert sheet_audit.details["serials"] == serials[:-1]
    store.close()


def test_a_cart_with_one_bad_device_writes_nothing(qtbot: QtBot, db_path: Path) -> None:
    store = Store.open(db_path)
    screen = EnrollScreen(store, lambda: LEAD)
    qtbot.addWidget(screen)
    cart = screen.cart
    for serial in ("PF5KX2QA", "449226283938"):  # the second one makes an all-digit name
        type_into(qtbot, cart.scan, serial)
        enter(qtbot, cart.scan)
    cart.commit()
    assert "cannot be enrolled" in cart.message.text()
    wait_for_writer()
    assert store.count_devices() == 0
    store.close()


def test_management_page_offers_the_tenants_policies(qtbot: QtBot, wizard: EnrollWizard) -> None:
    services.import_template(wizard.store, "baseline")
    type_into(qtbot, wizard.device_page.serial, "PF5KX2QD")
    while wizard.currentPage().objectName() != "managementPage":
        if wizard.currentPage().objectName() == "accountPage":
            wizard.currentPage().no_user.setChecked(True)  # type: ignore[attr-defined]
            wizard.currentPage()._check()  # type: ignore[attr-defined]
        wizard.next()
    combo = wizard.currentPage().policy  # type: ignore[attr-defined]
    offered = [combo.itemData(i) for i in range(combo.count())]
    assert offered == [None, "Baseline"]
    combo.setCurrentIndex(1)
    wizard.next()
    assert wizard.draft.answers.compliance_policy == "Baseline"
