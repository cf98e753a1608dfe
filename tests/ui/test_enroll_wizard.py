"""The guided OOBE wizard, driven as a technician drives it: every key goes to whatever has
focus (tests/helpers/keyboard.py), and each step checks where focus is."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtPrintSupport import QPrintPreviewDialog
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app import services, settings
from app.enrollment import Answers
from app.security.roles import Actor, Role
from app.store import Store
from tests.helpers.actors import ADMIN
from tests.helpers.keyboard import (
    Key,
    alt,
    ctrl,
    enter,
    focus_name,
    focused,
    message_box,
    press,
    scan,
    select_all_and_type,
    shown_box,
    space,
    tab,
    tab_to,
    type_text,
    wait_until,
)
from ui.enroll.account_page import AccountPage
from ui.enroll.screen import EnrollScreen
from ui.enroll.wizard import EnrollWizard
from ui.ops import wait_for_writer
from ui.widgets.wizard_shell import Button

LEAD = Actor("lena", Role.LEAD)
TECH = Actor("tom", Role.TECHNICIAN)


def _show(qtbot: QtBot, widget: EnrollWizard | EnrollScreen) -> None:
    qtbot.addWidget(widget)
    widget.resize(1100, 700)
    widget.show()
    with qtbot.waitActive(widget):
        widget.activateWindow()


@pytest.fixture
def wizard(qtbot: QtBot, db_path: Path) -> Iterator[EnrollWizard]:
    store = Store.open(db_path)
    settings.put(store, services.local_admin(), "tenant_domains", "contoso.com")
    widget = EnrollWizard(store, lambda: LEAD)
    _show(qtbot, widget)
    widget.focus_page()
    yield widget
    wait_for_writer()
    store.close()


def on_page(wizard: EnrollWizard, name: str, field: str) -> None:
    """The wizard shows page `name` and the keyboard is in its `field`."""
    assert wizard.currentPage().objectName() == name
    assert focus_name() == field, f"on {name} focus is in {focus_name()}, expected {field}"


def tick_no_user(wizard: EnrollWizard) -> None:
    """Alt+N ("&No user"): Qt presses a button's mnemonic with a short animation."""
    page = wizard.currentPage()
    alt(Key.Key_N)
    assert focus_name() == "noUser"
    wait_until(lambda: page.no_user.isChecked())  # type: ignore[attr-defined]


def walk_to(wizard: EnrollWizard, name: str) -> None:
    """Enter through the pages (a profile with no user, so every page is complete)."""
    for _ in range(len(wizard.pages)):
        if wizard.currentPage().objectName() == name:
            return
        if wizard.currentPage().objectName() == "accountPage":
            tick_no_user(wizard)
        enter()
    raise AssertionError(f"never reached {name}; stuck on {wizard.currentPage().objectName()}")


def test_a_scan_stays_in_the_serial_field(qtbot: QtBot, wizard: EnrollWizard) -> None:
    """The blocker: every key of a scan lands in the serial field (it went to the sidebar)."""
    on_page(wizard, "devicePage", "wizardSerial")
    for char in "PF9UXTST":
        type_text(char)
        assert focus_name() == "wizardSerial"
    assert wizard.device_page.serial.text() == "PF9UXTST"


def test_enter_with_no_serial_says_what_is_missing(qtbot: QtBot, wizard: EnrollWizard) -> None:
    """Enter on an empty serial went nowhere and said nothing."""
    on_page(wizard, "devicePage", "wizardSerial")
    enter()
    page = wizard.device_page
    assert wizard.currentPage() is page
    assert "serial number" in page.serial_error.text() and page.serial_error.isVisible()
    assert focus_name() == "wizardSerial"
    type_text("PF9UXTST")  # typing a serial puts the message away
    assert page.serial_error.text() == ""


def test_a_bare_user_name_takes_the_tenants_one_domain(qtbot: QtBot, wizard: EnrollWizard) -> None:
    """The field says "Email or user name"; a user name alone was refused."""
    type_text("PF9UXTST")
    walk_to(wizard, "accountPage")
    on_page(wizard, "accountPage", "userUpn")
    page = wizard.currentPage()
    assert isinstance(page, AccountPage)
    type_text("adele")
    wait_until(lambda: "adele@contoso.com" in page.user_error.text())
    enter()
    on_page(wizard, "signInPage", "signIn_password")
    assert wizard.draft.user == "adele@contoso.com"
    assert page.user.text() == "adele@contoso.com"  # Back shows the whole account


def test_a_bare_user_name_asks_which_domain_when_there_are_several(
    qtbot: QtBot, wizard: EnrollWizard
) -> None:
    settings.put(wizard.store, services.local_admin(), "tenant_domains", "contoso.com,fabrikam.com")
    type_text("PF9UXTST")
    walk_to(wizard, "accountPage")
    page = wizard.currentPage()
    assert isinstance(page, AccountPage)
    type_text("adele")
    enter()
    assert wizard.currentPage() is page and page.user.text() == "adele"
    assert "Add the domain: adele@contoso.com" in page.user_error.text()


def test_whole_wizard_enrolls_an_eligible_device(
    qtbot: QtBot, wizard: EnrollWizard, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JOINERY_VAULT_PASSPHRASE", "bench vault passphrase 2026")
    on_page(wizard, "devicePage", "wizardSerial")
    type_text("PF5KX2QA")
    assert "can be Microsoft Entra joined" in wizard.device_page.verdict.text()
    alt(Key.Key_W)  # "&Windows edition"
    assert focus_name() == "edition"
    select_all_and_type("Windows 11 Enterprise")
    enter()

    on_page(wizard, "regionPage", "choiceSearch")
    assert wizard.rail.isVisible() and "Step 2 of 12" in wizard.step.text()
    type_text("Germ")
    assert wizard.currentPage().region.current_text() == "Germany"  # type: ignore[attr-defined]
    enter()

    on_page(wizard, "keyboardPage", "choiceSearch")
    assert wizard.currentPage().keyboard.current_data() == "00000407"  # type: ignore[attr-defined]
    enter()
    on_page(wizard, "secondKeyboardPage", "choiceSearch")
    enter()  # "skip" is chosen: Enter skips the second layout

    on_page(wizard, "networkPage", "wired")
    press(Key.Key_Down)  # the radio group: Wi-Fi
    assert focus_name() == "wifi"
    assert not wizard.button(Button.NEXT).isEnabled()  # a WPA2 network needs its key
    tab_to("ssid")
    type_text("Bench-WiFi")
    tab_to("wifiKey")
    type_text("short")
    assert "8 to 63" in wizard.currentPage().key_error.text()  # type: ignore[attr-defined]
    enter()
    assert wizard.currentPage().objectName() == "networkPage"  # refused: stays
    select_all_and_type("correct horse battery")
    enter()

    on_page(wizard, "namePage", "nameTemplate")
    select_all_and_type("CTS %SERIAL%")
    assert wizard.currentPage().template_error.isVisible()  # type: ignore[attr-defined]
    enter()
    assert wizard.currentPage().objectName() == "namePage"
    select_all_and_type("CTS-%SERIAL%")
    assert "CTS-PF5KX2QA" in wizard.currentPage().preview.text()  # type: ignore[attr-defined]
    alt(Key.Key_G)  # "&Group tag"
    assert focus_name() == "groupTag"
    type_text("Sales")
    enter()

    on_page(wizard, "setupKindPage", "workOrSchool")
    press(Key.Key_Down)
    assert focus_name() == "personalUse"
    assert "registration" in wizard.currentPage().personal_note.text()  # type: ignore[attr-defined]
    enter()
    assert wizard.currentPage().objectName() == "setupKindPage"  # personal: not here
    press(Key.Key_Up)
    enter()

    on_page(wizard, "accountPage", "userUpn")
    type_text("someone@gmail.com")
    enter()
    assert wizard.currentPage().objectName() == "accountPage"  # refused beside the field
    assert "personal account" in wizard.currentPage().user_error.text()  # type: ignore[attr-defined]
    select_all_and_type("adele@contoso.com")
    enter()

    on_page(wizard, "signInPage", "signIn_password")
    tab_to("signIn_fido2_security_key")
    space()
    enter()

    on_page(wizard, "managementPage", "authority_intune")
    press(Key.Key_Down, times=2)
    assert focus_name() == "authority_coManaged"
    tab()
    assert focus_name() == "workload_compliance_policies"
    press(Key.Key_Down)  # Configuration Manager -> Intune
    assert "adele@contoso.com" in wizard.currentPage().scope_meaning.text()  # type: ignore[attr-defined]
    enter()

    on_page(wizard, "privacyPage", "privacy_location")
    tab()
    assert focus_name() == "privacy_find_my_device"
    space()
    enter()

    on_page(wizard, "reviewPage", "queueLabel")
    review = wizard.review
    assert wizard.button(Button.NEXT).text() == "Enroll"
    assert review.values["name"].text() == "CTS-PF5KX2QA (from CTS-%SERIAL%) · group tag Sales"
    assert "Bench-WiFi" in review.values["network"].text()
    assert "key sealed" in review.values["network"].text()
    assert "adele@contoso.com" in review.values["user"].text()
    assert "FIDO2 security key" in review.values["sign_in"].text()  # as the page names it
    assert "Windows Hello for Business" in review.values["sign_in"].text()
    with qtbot.waitSignal(wizard.enrolled, timeout=10_000) as signal:
        enter()  # Enter on the last page is "Enroll"
    assert not review.message.isVisible(), review.message.text()
    assert signal.args[0].device.device_name == "CTS-PF5KX2QA"

    # Ready for the next device: the serial field, empty, and what happened said plainly.
    on_page(wizard, "devicePage", "wizardSerial")
    assert wizard.device_page.serial.text() == ""
    assert "PF5KX2QA is enrolled as CTS-PF5KX2QA" in wizard.banner.text()
    assert "Label queued" in wizard.banner.text() and "label-queue" in wizard.banner.text()

    stored = wizard.store.device_by_serial("PF5KX2QA")
    assert stored is not None
    assert stored.assigned_user == "adele@contoso.com"
    assert stored.group_tag == "Sales"
    assert stored.os_edition == "Windows 11 Enterprise"
    assert stored.management_authority == "coManaged"
    answers = json.loads(wizard.store.enrollment_json(stored.id) or "{}")
    assert answers["region"] == "Germany" and answers["keyboard"] == "00000407"
    assert answers["second_keyboard"] is None
    assert answers["workloads"]["compliance policies"] == "intune"
    assert answers["privacy"]["find my device"] is True
    assert answers["wifi_ssid"] == "Bench-WiFi"
    assert "correct horse" not in json.dumps(answers)  # the key is sealed, not copied
    assert answers["wifi_key_sealed"]
    assert [e.target for e in wizard.store.audit_entries(action="device.enroll")] == ["PF5KX2QA"]
    assert len(wizard.store.audit_entries(action="label.print")) == 1


def test_next_device_is_scanned_straight_after_an_enrollment(
    qtbot: QtBot, wizard: EnrollWizard
) -> None:
    for serial in ("PF5KX2QB", "PF5KX2QE"):
        on_page(wizard, "devicePage", "wizardSerial")
        scan(serial)
        with qtbot.waitSignal(wizard.enrolled, timeout=10_000):
            walk_to(wizard, "reviewPage")
            enter()
    assert wizard.store.device_by_serial("PF5KX2QE") is not None
    on_page(wizard, "devicePage", "wizardSerial")


def test_each_page_puts_the_keyboard_in_its_first_field(qtbot: QtBot, wizard: EnrollWizard) -> None:
    expected = {
        "devicePage": "wizardSerial",
        "regionPage": "choiceSearch",
        "keyboardPage": "choiceSearch",
        "secondKeyboardPage": "choiceSearch",
        "networkPage": "wired",
        "namePage": "nameTemplate",
        "setupKindPage": "workOrSchool",
        "accountPage": "userUpn",
        "signInPage": "signIn_password",
        "managementPage": "authority_intune",
        "privacyPage": "privacy_location",
        "reviewPage": "queueLabel",
    }
    on_page(wizard, "devicePage", "wizardSerial")
    scan("PF5KX2QF")
    seen = ["devicePage"]
    while seen[-1] != "reviewPage":
        name = wizard.currentPage().objectName()
        seen.append(name)
        on_page(wizard, name, expected[name])
        if name == "accountPage":
            tick_no_user(wizard)
        if name != "reviewPage":
            enter()
    assert seen == list(expected)
    # The rail shows the section of each page, and the step.
    assert "Step 12 of 12" in wizard.step.text()
    states = {n: label.property("state") for n, label in wizard._rail_labels.items()}
    assert states["Review"] == "current" and states["Device"] == "done"


def test_back_keeps_answers_and_escape_throws_nothing_away(
    qtbot: QtBot, wizard: EnrollWizard
) -> None:
    scan("PF5KX2QG")
    type_text("Fra")
    enter()
    on_page(wizard, "keyboardPage", "choiceSearch")
    press(Key.Key_Escape)
    assert wizard.currentPage().objectName() == "keyboardPage"
    alt(Key.Key_Left)
    on_page(wizard, "regionPage", "choiceSearch")
    assert wizard.currentPage().region.current_text() == "France"  # type: ignore[attr-defined]
    alt(Key.Key_Left)
    on_page(wizard, "devicePage", "wizardSerial")
    assert wizard.device_page.serial.text() == "PF5KX2QG"


def test_escape_clears_a_region_search_and_keeps_the_choice(
    qtbot: QtBot, wizard: EnrollWizard
) -> None:
    """The README promised it; the search kept its text (and the list its filter)."""
    scan("PF5KX2QJ")
    on_page(wizard, "regionPage", "choiceSearch")
    region = wizard.currentPage().region  # type: ignore[attr-defined]
    type_text("Germ")
    assert region.current_text() == "Germany" and region.proxy.rowCount() < 10
    press(Key.Key_Escape)
    assert focused().text() == "" and region.proxy.rowCount() > 10  # type: ignore[attr-defined]
    assert region.current_text() == "Germany"
    assert wizard.currentPage().objectName() == "regionPage"
    press(Key.Key_Escape)  # an empty search: nothing more happens, nothing is lost
    assert region.current_text() == "Germany"


def test_an_alt_letter_no_control_answers_to_types_nothing(
    qtbot: QtBot, wizard: EnrollWizard
) -> None:
    """Alt+Q on the region page put a "q" in its search; Alt+Y meant for a prompt already
    closed put a "y" in the name template."""
    scan("PF5KX2QK")
    on_page(wizard, "regionPage", "choiceSearch")
    type_text("Ger")
    alt(Key.Key_Q)
    alt(Key.Key_Z)
    assert focus_name() == "choiceSearch" and focused().text() == "Ger"  # type: ignore[attr-defined]
    type_text("m")
    assert focused().text() == "Germ"  # type: ignore[attr-defined]
    alt(Key.Key_Left)  # back to the device page: its Windows edition is an editable list
    alt(Key.Key_W)
    assert focus_name() == "edition"
    before = focused().currentText()  # type: ignore[attr-defined]
    alt(Key.Key_Q)
    assert focused().currentText() == before  # type: ignore[attr-defined]


def test_start_over_asks_before_answers_are_lost(qtbot: QtBot, wizard: EnrollWizard) -> None:
    scan("PF5KX2QH")
    on_page(wizard, "regionPage", "choiceSearch")
    start_over = wizard.button(Button.START_OVER)
    start_over.setFocus()
    enter()  # Enter on a focused button presses it
    box = message_box()
    assert "thrown away" in box.text()
    press(Key.Key_N)  # No: nothing is lost
    qtbot.waitUntil(lambda: shown_box() is None)
    wait_until(lambda: QApplication.focusWidget() is not None)
    assert focus_name() == "choiceSearch"  # back where the person was
    assert wizard.currentPage().objectName() == "regionPage"
    start_over.setFocus()
    enter()
    box = message_box()
    press(Key.Key_Y)
    qtbot.waitUntil(lambda: wizard.currentId() == 0)
    wait_until(lambda: QApplication.focusWidget() is not None)  # the window is active again
    on_page(wizard, "devicePage", "wizardSerial")
    assert wizard.device_page.serial.text() == ""


def test_print_now_opens_the_preview_and_a_cancel_queues_the_label(
    qtbot: QtBot, wizard: EnrollWizard
) -> None:
    """'Print the label now' printed nothing, queued nothing and audited nothing."""
    scan("PF5KX2QJ")
    walk_to(wizard, "reviewPage")
    press(Key.Key_Right)  # the label radio pair: Print now
    assert focus_name() == "printLabel"
    with qtbot.waitSignal(wizard.enrolled, timeout=10_000):
        enter()
    qtbot.waitUntil(lambda: _preview() is not None)
    preview = _preview()
    assert preview is not None and "PF5KX2QJ" in preview.windowTitle()
    preview.reject()  # closed without printing
    qtbot.waitUntil(lambda: "queued instead" in wizard.banner.text(), timeout=10_000)
    labels = wizard.store.audit_entries(action="label.print")
    assert [e.target for e in labels] == ["PF5KX2QJ"]  # queued, so never without a label


def test_print_now_records_the_print(qtbot: QtBot, wizard: EnrollWizard) -> None:
    scan("PF5KX2QK")
    walk_to(wizard, "reviewPage")
    press(Key.Key_Right)
    with qtbot.waitSignal(wizard.enrolled, timeout=10_000):
        enter()
    qtbot.waitUntil(lambda: _preview() is not None)
    preview = _preview()
    assert preview is not None
    preview.accept()  # what printing from the preview does
    qtbot.waitUntil(lambda: "sent to the printer" in wizard.banner.text(), timeout=10_000)
    entries = wizard.store.audit_entries(action="label.print")
    assert [(e.target, e.details.get("to")) for e in entries] == [("PF5KX2QK", "printer")]


def _preview() -> QPrintPreviewDialog | None:
    found = [w for w in QApplication.topLevelWidgets() if isinstance(w, QPrintPreviewDialog)]
    return next((w for w in found if w.isVisible()), None)


def test_home_edition_is_refused_with_the_way_out(qtbot: QtBot, wizard: EnrollWizard) -> None:
    device = wizard.device_page
    type_text("HOME0001")
    alt(Key.Key_W)
    select_all_and_type("Windows 11 Home")
    assert "Home editions" in device.verdict.text()
    assert "Upgrade the edition to Pro" in device.verdict.text()
    assert not wizard.button(Button.NEXT).isEnabled()
    enter()
    assert wizard.currentId() == 0  # Enter does not go on
    assert focus_name() == "edition"
    select_all_and_type("Windows Server 2022 Datacenter Server Core")
    assert "Server Core" in device.verdict.text()
    select_all_and_type("Windows 11 Pro")
    alt(Key.Key_B)  # "Windows &build"
    select_all_and_type("10.0.10240")
    assert not device.isComplete()
    assert "older than" in device.verdict.text()
    assert wizard.store.device_by_serial("HOME0001") is None


def test_an_enrolled_device_needs_the_reimage_box(qtbot: QtBot, wizard: EnrollWizard) -> None:
    services.enroll_device(
        wizard.store,
        services.EnrollRequest("PF0LD123", name="OLD-NAME", user="bo@contoso.com"),
        actor=ADMIN,
    )
    scan("PF0LD123")
    assert "Already enrolled as OLD-NAME" in wizard.device_page.record.text()
    assert wizard.currentId() == 0  # not without the box
    tab_to("updateRecord")
    space()
    enter()
    walk_to(wizard, "namePage")
    on_page(wizard, "namePage", "deviceName")  # the name stays: focus on it, read-only
    assert wizard.currentPage().name.text() == "OLD-NAME"  # type: ignore[attr-defined]
    assert wizard.currentPage().name.isReadOnly()  # type: ignore[attr-defined]


def test_a_serial_typed_past_another_devices_keeps_none_of_its_record(
    qtbot: QtBot, wizard: EnrollWizard
) -> None:
    """Typed a key at a time, "PF0LD1234" passes "PF0LD123", a device on record: its maker
    and model filled the fields and stayed there for the new device (and were saved on
    it). What a person typed is kept."""
    services.enroll_device(
        wizard.store,
        services.EnrollRequest("PF0LD123", manufacturer="Contoso", model="Laptop X"),
        actor=ADMIN,
    )
    page = wizard.device_page
    type_text("PF0LD123")
    assert (page.manufacturer.text(), page.model.text()) == ("Contoso", "Laptop X")
    type_text("4")
    assert "Not in the registry yet" in page.record.text()
    assert (page.manufacturer.text(), page.model.text()) == ("", "")

    select_all_and_type("")  # Ctrl+A, then a maker typed before the serial
    alt(Key.Key_F)
    type_text("Fabrikam")
    alt(Key.Key_S)
    assert focus_name() == "wizardSerial"
    type_text("PF0LD1234")
    assert page.manufacturer.text() == "Fabrikam"


def test_saving_the_answers_as_a_bench_profile(qtbot: QtBot, wizard: EnrollWizard) -> None:
    scan("PF5KX2QB")
    walk_to(wizard, "reviewPage")
    tab_to("saveProfileName")
    type_text("Cart 7")
    enter()  # Enter in the name field saves the profile; it does not enroll
    qtbot.waitUntil(lambda: "Saved as bench profile Cart 7" in wizard.review.message.text())
    assert wizard.currentPage() is wizard.review
    assert wizard.store.device_by_serial("PF5KX2QB") is None
    assert services.profile(wizard.store, "Cart 7", actor=ADMIN) == wizard.draft.answers


def test_a_technician_cannot_save_profiles(qtbot: QtBot, db_path: Path) -> None:
    store = Store.open(db_path)
    widget = EnrollWizard(store, lambda: TECH)
    _show(qtbot, widget)
    widget.review.initializePage()
    assert not widget.review.save_profile.isEnabled()
    store.close()


def test_profile_answers_prefill_the_pages(qtbot: QtBot, wizard: EnrollWizard) -> None:
    services.save_profile(
        wizard.store,
        "Kiel",
        Answers(region="Germany", keyboard="00000407", edition="Windows 11 Education"),
        actor=ADMIN,
    )
    wizard.start_over()
    alt(Key.Key_P)  # "Bench &profile"
    assert focus_name() == "startProfile"
    press(Key.Key_Down)
    assert wizard.device_page.edition.currentText() == "Windows 11 Education"
    alt(Key.Key_S)  # "&Serial number"
    scan("PF5KX2QC")
    on_page(wizard, "regionPage", "choiceSearch")
    assert wizard.currentPage().region.current_text() == "Germany"  # type: ignore[attr-defined]


def test_enroll_screen_switches_modes_and_keeps_the_profile(qtbot: QtBot, db_path: Path) -> None:
    """Switching tabs reset the chosen bench profile to Default (wrong template, tag, edition)."""
    store = Store.open(db_path)
    services.save_profile(
        store, "Contoso laptops", Answers(name_template="CTS-%SERIAL%"), actor=ADMIN
    )
    screen = EnrollScreen(store, lambda: LEAD)
    _show(qtbot, screen)
    screen.focus_current()
    assert focus_name() == "wizardSerial"
    alt(Key.Key_2)
    assert screen.tabs.currentWidget() is screen.batch
    assert focus_name() == "enrollScan"
    alt(Key.Key_P)
    assert focus_name() == "profileChoice"
    press(Key.Key_Down)
    assert screen.batch.profile.currentText() == "Contoso laptops"
    alt(Key.Key_3)
    assert screen.tabs.currentWidget() is screen.cart
    assert focus_name() == "cartScan"
    alt(Key.Key_2)
    assert screen.batch.profile.currentText() == "Contoso laptops"
    alt(Key.Key_1)
    assert screen.tabs.currentWidget() is screen.wizard
    assert focus_name() == "wizardSerial"
    store.close()


def test_management_page_offers_the_tenants_policies(qtbot: QtBot, wizard: EnrollWizard) -> None:
    services.import_template(wizard.store, "baseline", actor=ADMIN)
    scan("PF5KX2QD")
    walk_to(wizard, "managementPage")
    combo = wizard.currentPage().policy  # type: ignore[attr-defined]
    offered = [combo.itemData(i) for i in range(combo.count())]
    assert offered == [None, "Baseline"]
    alt(Key.Key_P)  # "Compliance &policy"
    assert focus_name() == "compliancePolicy"
    press(Key.Key_Down)
    enter()
    assert wizard.draft.answers.compliance_policy == "Baseline"


def test_ctrl_a_replaces_a_field(qtbot: QtBot, wizard: EnrollWizard) -> None:
    type_text("WRONG1")
    ctrl(Key.Key_A)
    type_text("PF5KX2QA")
    assert wizard.device_page.serial.text() == "PF5KX2QA"


def test_the_vault_passphrase_is_asked_on_the_network_page_not_after_the_review(
    qtbot: QtBot, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a keyring, a typed Wi-Fi key needs the vault: ask at the network page."""
    from app.security import vault
    from app.security.secret import Secret
    from app.security.vault import Vault
    from tests.helpers.vault import FAST_KDF
    from ui.widgets.vault_prompt import VaultPromptDialog

    monkeypatch.setattr(vault, "KDF_COST", dict(FAST_KDF))
    passphrase = "bench vault passphrase 2026"
    store = Store.open(db_path)
    settings.put(store, services.local_admin(), "tenant_domains", "contoso.com")
    Vault.unlock(store, passphrase=Secret(passphrase)).lock()  # made in an earlier session
    widget = EnrollWizard(store, lambda: LEAD)
    _show(qtbot, widget)
    widget.focus_page()
    scan("PF5KX2QW")
    walk_to(widget, "networkPage")
    press(Key.Key_Down)  # Wi-Fi
    tab_to("ssid")
    type_text("Bench-WiFi")
    tab_to("wifiKey")
    type_text("correct horse battery")
    enter()
    qtbot.waitUntil(lambda: focus_name() == "vaultPassphrase")
    dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, VaultPromptDialog)]
    assert any(d.isVisible() for d in dialogs)
    assert widget.currentPage().objectName() == "networkPage"  # not on until it opens
    type_text(passphrase)
    enter()
    qtbot.waitUntil(lambda: widget.currentPage().objectName() == "namePage", timeout=10_000)
    wait_until(lambda: QApplication.focusWidget() is not None)
    assert focus_name() == "nameTemplate"
    with qtbot.waitSignal(widget.enrolled, timeout=10_000):
        walk_to(widget, "reviewPage")
        enter()
    stored = store.device_by_serial("PF5KX2QW")
    assert stored is not None
    assert json.loads(store.enrollment_json(stored.id) or "{}")["wifi_key_sealed"]
    wait_for_writer()
    store.close()


def test_a_kiosk_without_domains_says_what_to_do(qtbot: QtBot, db_path: Path) -> None:
    store = Store.open(db_path)
    widget = EnrollWizard(store, lambda: LEAD)
    _show(qtbot, widget)
    widget.focus_page()
    scan("PF5KX2QX")
    walk_to(widget, "accountPage")
    assert "Settings (Ctrl+7)" in widget.currentPage().limits.text()  # type: ignore[attr-defined]
    assert "none set" not in widget.currentPage().limits.text()  # type: ignore[attr-defined]
    wait_for_writer()
    store.close()


def test_an_autopilot_device_without_a_hash_is_enrolled_with_the_way_to_collect_it(
    qtbot: QtBot, wizard: EnrollWizard
) -> None:
    type_text("PF5KX2QV")
    alt(Key.Key_M)  # "Provisioning &method"
    assert focus_name() == "method"
    press(Key.Key_Down)  # Windows Autopilot
    assert wizard.device_page.method.currentData() == "autopilot"
    with qtbot.waitSignal(wizard.enrolled, timeout=10_000) as signal:
        enter()
        walk_to(wizard, "reviewPage")
        enter()
    assert signal.args[0].warnings  # the service says the hash is missing
    assert "hash" in wizard.banner.text().lower()
    assert wizard.banner.property("state") == "warning"
    assert focus_name() == "wizardSerial"


@pytest.mark.parametrize("width", [1100, 760])
def test_the_rail_shows_every_section_a_person_can_read(
    qtbot: QtBot, wizard: EnrollWizard, width: int
) -> None:
    wizard.resize(width, 700)
    qtbot.waitUntil(lambda: wizard.width() == width)
    labels = wizard._rail_labels  # noqa: SLF001 - the rail's labels, as drawn
    for name, label in labels.items():
        assert label.isVisible()
        shown = label.fontMetrics().horizontalAdvance(label.text())
        assert label.contentsRect().width() >= shown, f"{name!r} is cut to {label.width()} px"
    current = next(label for label in labels.values() if label.property("state") == "current")
    assert "Device" in current.text()  # the current section always by name
    if width >= 1100:
        assert all(name in label.text() for name, label in labels.items())
