"""The bulk-provisioning wizard, driven from the keyboard like a bench lead: type, Enter, next."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QRect, Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from app import services
from app.provisioning import bundle, wcd_xml
from app.provisioning.model import (
    BulkToken,
    DeviceSetup,
    Network,
    PackageInfo,
    PackageSpec,
)
from app.security.roles import Actor, Role
from app.security.secret import Secret
from app.store import Store
from tests.helpers.keyboard import (
    Key,
    alt,
    answer_box,
    enter,
    focus_name,
    focused,
    message_box,
    press,
    select_all_and_type,
    shown_box,
    space,
    tab,
    tab_to,
    type_text,
    wait_until,
)
from tests.helpers.provisioning import CHEAP, CHEAP_BOUNDS, SIGNER, write_certificate
from ui.bulk.screen import BulkScreen
from ui.bulk.wizard import BulkWizard
from ui.ops import wait_for_writer
from ui.packages.screen import PackagesScreen
from ui.widgets.wizard_shell import Button

LEAD = Actor("lena", Role.LEAD)
CANARY = "CANARY-WIZARD-BPRT-e41f07"
WIFI_KEY = "CANARY-WIFI-KEY-9d2"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    opened = Store.open(db_path)
    yield opened
    wait_for_writer()
    opened.close()


@pytest.fixture
def wizard(qtbot: QtBot, store: Store) -> Iterator[BulkWizard]:
    widget = BulkWizard(store, lambda: LEAD)
    widget.kdf_cost, widget.kdf_bounds = CHEAP, CHEAP_BOUNDS
    qtbot.addWidget(widget)
    widget.resize(1100, 760)
    widget.show()
    with qtbot.waitActive(widget):
        widget.activateWindow()
    widget.focus_page()
    yield widget
    wait_for_writer()
    widget.discard_opened()


@pytest.fixture
def payload(tmp_path: Path) -> Path:
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "7z.msi").write_bytes(b"MSI" * 500)
    write_certificate(folder / "root.cer")
    return folder


def on_page(wizard: BulkWizard, name: str, field: str) -> None:
    """The wizard shows page `name` with the keyboard in `field`."""
    assert wizard.currentPage().objectName() == name, wizard.currentPage().objectName()
    assert focus_name() == field, f"on {name} focus is in {focus_name()}, expected {field}"


def next_enabled(wizard: BulkWizard) -> bool:
    return bool(wizard.button(Button.NEXT).isEnabled())


def choose_account(kind: str) -> None:
    """The account kinds are one row of radio buttons: arrow keys walk it (Do not manage is
    last, so Left walks from there)."""
    for _ in range(4):
        if focus_name() == f"account_{kind}":
            return
        press(Key.Key_Left)
    raise AssertionError(f"no account kind {kind}; focus in {focus_name()}")


def test_build_a_package_from_the_keyboard(
    qtbot: QtBot, wizard: BulkWizard, store: Store, payload: Path, tmp_path: Path
) -> None:
    on_page(wizard, "devicePage", "nameTemplate")
    assert "Step 1 of 7" in wizard.step.text()
    type_text("CTS-%SERIAL%")
    assert wizard.device_page.preview.text().startswith("CTS-PF5KX2QA")
    tab_to("sharedUse")
    space()
    enter()

    on_page(wizard, "networkPage", "networkOn")
    space()
    tab_to("ssid")
    type_text("Bench")
    tab_to("wifiKey")
    type_text("short")
    assert "8 to 63" in wizard.network_page.key_error.text() and not next_enabled(wizard)
    select_all_and_type(WIFI_KEY)
    assert wizard.network_page.key.echoMode() == wizard.network_page.key.EchoMode.Password
    enter()

    account = wizard.account_page
    on_page(wizard, "accountPage", "account_none")
    choose_account("entra")
    tab_to("tokenName")
    type_text("Bench token")
    assert not next_enabled(wizard)  # no token yet
    tab_to("bulkToken")
    type_text(CANARY)
    assert next_enabled(wizard)
    enter()
    assert account.token.text() == ""  # never shown again

    apps = wizard.apps_page
    on_page(wizard, "appsPage", "appInstaller")
    type_text(str(payload / "7z.msi"))
    assert apps.runs.text() == 'msiexec /i "7z.msi" /qn'
    assert (apps.success.text(), apps.restart_codes.text()) == ("0", "3010")
    enter()  # adds the application, stays on the page
    assert wizard.currentPage() is apps
    assert [a.name for a in wizard.draft.apps] == ["7z"]
    assert focus_name() == "appInstaller"
    qtbot.wait(20)
    enter()

    certs = wizard.certs_page
    on_page(wizard, "certificatesPage", "certificatePath")
    type_text(str(payload / "7z.msi"))
    assert "not an X.509 certificate" in certs.path_error.text()
    select_all_and_type(str(payload / "root.cer"))
    tab_to("certificateName")
    type_text("Bench root")
    enter()
    assert [c.name for c in wizard.draft.certificates] == ["Bench root"]
    qtbot.wait(20)
    on_page(wizard, "certificatesPage", "certificatePath")
    enter()

    finish = wizard.finish_page
    on_page(wizard, "finishPage", "packageName")
    type_text("Bench-Entra")
    assert finish.version.text() == "1.0"
    assert finish.protect.isChecked() and not finish.protect.isEnabled()  # it holds secrets
    assert not next_enabled(wizard)
    tab_to("generatePassword")
    enter()  # Enter on a focused button presses it
    password = finish.password.text()
    assert len(password) >= 20
    tab_to("keyGenerate")
    enter()
    assert Path(finish.key.text()).is_file()
    tab_to("outputFolder")
    select_all_and_type(str(tmp_path / "out"))
    assert next_enabled(wizard), finish._found
    enter()
    assert finish.password.text() == ""  # shown once

    summary = wizard.summary_page
    on_page(wizard, "summaryPage", "wizard_next")
    assert wizard.button(Button.NEXT).text() == "Build"
    assert "Bench token" in summary.values["account"].text()
    assert CANARY not in " ".join(v.text() for v in summary.values.values())
    with qtbot.waitSignal(wizard.built, timeout=20_000) as built:
        enter()
    build = built.args[0]
    assert summary.result.isVisible() and build.sha256 in summary.result.text()
    assert build.token_account in summary.result.text()
    # What the bundle is and what to do next on Windows, and a way to its folder.
    assert "not a .ppkg yet" in summary.result.text()
    assert "build-ppkg.cmd" in summary.result.text()
    assert "joinery package unpack" in summary.result.text()
    # Names as build-ppkg.cmd makes them, quoted where a name can hold spaces.
    stem = f"{build.name.replace(' ', '-')}-{build.version}"
    assert f"builds {stem}.ppkg" in summary.result.text()
    assert f'-o "C:\\Packages\\{stem}"' in summary.result.text()
    assert focus_name() == "openFolder"
    assert not next_enabled(wizard)  # built once: Start over for the next package

    output = Path(build.output)
    assert output.is_file() and output.parent == tmp_path / "out"
    assert summary.output_folder() == tmp_path / "out"
    verdict = bundle.verify_bundle(output, password=Secret(password), kdf_bounds=CHEAP_BOUNDS)
    assert verdict.sha256 == build.sha256
    names = {m.name for m in verdict.members or ()}
    assert {"customizations.xml", "payload/7z.msi", "payload/root.cer"} <= names
    row = store.package_builds()[0]
    assert (row.name, row.version, row.id) == ("Bench-Entra", "1.0", build.id)
    assert store.audit_entries(action="package.build")[0].details["build"] == build.id
    wait_for_writer()
    store.conn.execute("PRAGMA wal_checkpoint(FULL)")
    for path in tmp_path.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for secret in (CANARY, WIFI_KEY, password):
                assert secret.encode() not in data, f"{secret[:8]}… found in {path}"


def test_open_folder_opens_where_the_bundle_is(
    qtbot: QtBot, wizard: BulkWizard, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtGui import QDesktopServices

    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()))
    walk_to(wizard, "finishPage")
    type_text("Plain")
    tab_to("outputFolder")
    select_all_and_type(str(tmp_path / "plain"))
    enter()
    with qtbot.waitSignal(wizard.built, timeout=20_000):
        enter()
    assert "Project folder" in wizard.summary_page.result.text()
    assert focus_name() == "openFolder"
    enter()
    assert opened == [str(wizard.summary_page.output_folder())]


def walk_to(wizard: BulkWizard, name: str) -> None:
    for _ in range(len(wizard.pages)):
        if wizard.currentPage().objectName() == name:
            return
        enter()
    raise AssertionError(f"never reached {name}; stuck on {wizard.currentPage().objectName()}")


def test_bad_answers_show_the_reason_and_keep_next_disabled(
    qtbot: QtBot, wizard: BulkWizard
) -> None:
    device = wizard.device_page
    alt(Key.Key_P)  # "&Product key"
    assert focus_name() == "productKey"
    type_text("ABCDE-12345")
    assert device.product_key_error.isVisible()
    assert "five groups of five" in device.product_key_error.text()
    assert not next_enabled(wizard)
    enter()
    assert wizard.currentPage() is device  # Enter does not go on past a reason
    select_all_and_type("abcde-12345-fghij-67890-klmno")  # capitals added
    assert next_enabled(wizard)
    select_all_and_type("")
    enter()

    walk_to(wizard, "accountPage")
    account = wizard.account_page
    choose_account("entra")
    tab_to("tokenName")
    type_text("Bench")
    tab_to("bulkToken")
    type_text("eyJ0eXAiOiJKV1QifQ.token")
    assert next_enabled(wizard)
    issued = account.issued.date()
    tab_to("tokenExpires")
    account.expires.setDate(issued.addDays(181))  # a date edit's sections are typed into
    assert "at most 180 days" in account.expires_error.text()
    assert account.expires_error.isVisible() and not next_enabled(wizard)
    account.expires.setDate(issued.addDays(180))
    assert next_enabled(wizard)
    alt(Key.Key_D)  # "&Do not manage accounts"
    wait_until(lambda: account.kinds["none"].isChecked())

    enter()
    walk_to(wizard, "finishPage")
    finish = wizard.finish_page
    type_text("Plain")
    tab_to("outputFolder")
    select_all_and_type("/tmp/unused")
    assert next_enabled(wizard), finish._found
    alt(Key.Key_R)  # "&Rank (0-99)"
    assert focus_name() == "packageRank"
    select_all_and_type("120")
    assert finish.errors["rank"].isVisible()
    assert "0 to 99" in finish.errors["rank"].text()
    assert not next_enabled(wizard)
    enter()
    assert wizard.currentPage() is finish


def test_reopened_package_fills_the_pages_and_bumps_the_version(
    qtbot: QtBot, wizard: BulkWizard, store: Store, payload: Path, tmp_path: Path
) -> None:
    today = dt.date.today()
    spec = PackageSpec(
        info=PackageInfo(name="Bench-Entra", rank=4, password=Secret("p" * 24)),
        device=DeviceSetup(name_template="CTS-%RAND:4%", remove_preinstalled=True),
        network=Network(ssid="Bench", key=Secret(WIFI_KEY)),
        account=BulkToken("June", Secret(CANARY), today + dt.timedelta(days=60), today),
    )
    services.build_and_record(
        store, spec, tmp_path / "out", SIGNER, actor=LEAD, kdf_cost=CHEAP, kdf_bounds=CHEAP_BOUNDS
    )
    screen = PackagesScreen(store, lambda: LEAD)
    screen.kdf_bounds = CHEAP_BOUNDS
    qtbot.addWidget(screen)
    assert screen.model.rowCount() == 1
    assert "days left" in screen.model.item(0, 7).text()
    assert "package_" in screen.detail.text()
    with qtbot.waitSignal(screen.open_requested, timeout=20_000) as opened:
        screen.open_build(screen.listings[0].build.id, Secret("p" * 24))
    wizard.load(opened.args[0])

    on_page(wizard, "devicePage", "nameTemplate")  # the keyboard is ready on a re-open too
    assert wizard.device_page.template.text() == "CTS-%RAND:4%"
    assert wizard.device_page.remove_software.isChecked()
    enter()
    on_page(wizard, "networkPage", "networkOn")
    assert wizard.network_page.ssid.text() == "Bench"
    assert wizard.network_page.key.text() == ""  # kept, never shown
    assert wizard.network_page.key_note.isVisible()
    enter()
    on_page(wizard, "accountPage", "account_entra")
    assert wizard.account_page.friendly.text()  # customizations.xml has no friendly name
    assert wizard.account_page.token.text() == ""
    assert "kept" in wizard.account_page.token_note.text()
    wizard.account_page.expires.setDate(QDate.currentDate().addDays(30))
    enter()
    assert wizard.currentPage().objectName() == "appsPage"
    walk_to(wizard, "finishPage")
    assert wizard.finish_page.name.text() == "Bench-Entra"
    assert wizard.finish_page.version.text() == "1.1"
    assert wizard.finish_page.rank.text() == "4"


def test_enter_on_a_page_not_complete_says_every_reason(qtbot: QtBot, wizard: BulkWizard) -> None:
    """Untouched fields stay quiet while typing; Enter said nothing at all, Next greyed."""
    walk_to(wizard, "accountPage")
    account = wizard.account_page
    choose_account("entra")
    assert not next_enabled(wizard) and not account.friendly_error.isVisible()
    enter()
    assert wizard.currentPage() is account
    assert account.friendly_error.isVisible() and account.friendly_error.text()
    assert account.token_error.isVisible()
    assert focus_name() == "tokenName"  # the first field with a reason


def test_a_token_too_long_and_expired_says_both(qtbot: QtBot, wizard: BulkWizard) -> None:
    """Only the first reason showed; the second came after the first was fixed."""
    walk_to(wizard, "accountPage")
    account = wizard.account_page
    choose_account("entra")
    account.issued.setDate(QDate.currentDate().addDays(-200))
    account.expires.setDate(QDate.currentDate().addDays(-1))
    enter()
    said = account.expires_error.text()
    assert "at most 180 days" in said and "expired on" in said


def test_a_new_key_pairs_note_goes_with_the_package_it_was_made_for(
    qtbot: QtBot, wizard: BulkWizard
) -> None:
    """After Start over (or a re-open) the note still named a key the empty field lacked."""
    walk_to(wizard, "finishPage")
    finish = wizard.finish_page
    finish.say(finish.key_note, "New key pair in /tmp/x. Pin joinery-signing.pub ...", ok=True)
    wizard.start_over()
    walk_to(wizard, "finishPage")
    assert finish.key.text() == "" and not finish.key_note.isVisible()


def test_opening_a_package_asks_before_the_answers_are_thrown_away(
    qtbot: QtBot, store: Store, tmp_path: Path
) -> None:
    """An open from the Packages screen (or Alt+X) replaced a half-made package unasked."""
    xml = tmp_path / "customizations.xml"
    xml.write_bytes(wcd_xml.render(PackageSpec(info=PackageInfo(name="From-File"))))
    screen = BulkScreen(store, lambda: LEAD)
    qtbot.addWidget(screen)
    screen.resize(1100, 760)
    screen.show()
    with qtbot.waitActive(screen):
        screen.activateWindow()
    screen.wizard.focus_page()
    select_all_and_type("INPROG-%RAND:4%")
    enter()
    assert screen.wizard.currentPage().objectName() == "networkPage"
    screen.open_file(xml)
    box = message_box()
    assert "thrown away" in box.text() and "From-File" in box.text()
    answer_box(Key.Key_N)  # No (the default): nothing is lost
    assert screen.wizard.currentPage().objectName() == "networkPage"
    assert screen.wizard.device_page.template.text() == "INPROG-%RAND:4%"
    screen.open_file(xml)
    answer_box(Key.Key_Y)
    qtbot.waitUntil(lambda: screen.wizard.currentId() == 0)
    assert screen.wizard.draft.info.name == "From-File"
    assert screen.wizard.device_page.template.text() != "INPROG-%RAND:4%"


def test_opening_a_package_asks_on_the_first_page_too_and_waits_for_a_build(
    qtbot: QtBot, store: Store, tmp_path: Path
) -> None:
    """A template typed on page 1 (not yet kept) was replaced unasked; during a build the
    wizard was restarted under it."""
    xml = tmp_path / "customizations.xml"
    xml.write_bytes(wcd_xml.render(PackageSpec(info=PackageInfo(name="From-File"))))
    screen = BulkScreen(store, lambda: LEAD)
    qtbot.addWidget(screen)
    screen.show()
    with qtbot.waitActive(screen):
        screen.activateWindow()
    screen.wizard.focus_page()
    select_all_and_type("INPROG-%RAND:4%")
    screen.open_file(xml)
    answer_box(Key.Key_N)
    assert screen.wizard.device_page.template.text() == "INPROG-%RAND:4%"
    screen.wizard._set_busy(True)
    screen.open_file(xml)
    assert shown_box() is None and "being built" in screen.message.text()
    assert screen.wizard.device_page.template.text() == "INPROG-%RAND:4%"
    screen.wizard._set_busy(False)


def test_the_copied_password_leaves_the_clipboard_on_start_over(
    qtbot: QtBot, db_path: Path
) -> None:
    from PySide6.QtGui import QGuiApplication

    from app.store import Store
    from ui.bulk.wizard import BulkWizard

    store = Store.open(db_path)
    wizard = BulkWizard(store, lambda: services.local_admin())
    qtbot.addWidget(wizard)
    page = wizard.finish_page
    page.generate.click()
    page.copy.click()
    assert QGuiApplication.clipboard().text() == page.password.text() != ""
    wizard.start_over()
    assert QGuiApplication.clipboard().text() == ""
    store.close()


def test_cleanpc_needs_enterprise_or_education_and_says_so_beside_it(
    qtbot: QtBot, wizard: BulkWizard
) -> None:
    on_page(wizard, "devicePage", "nameTemplate")
    tab_to("removePreinstalled")
    space()
    assert "Enterprise and Education" in wizard.device_page.notes.text()  # a note, not a stop
    assert next_enabled(wizard)
    alt(Key.Key_E)  # "Target &edition"
    assert focus_name() == "targetEdition"
    press(Key.Key_Down)  # Windows 11 Pro: CleanPC does nothing there
    assert wizard.device_page.edition.currentData() == "Windows 11 Pro"
    assert "not on Windows 11 Pro" in wizard.device_page.remove_error.text()
    assert not next_enabled(wizard)
    press(Key.Key_Down)  # Windows 11 Enterprise
    assert not wizard.device_page.remove_error.isVisible()
    enter()
    assert wizard.draft.device.target_editions == ("Windows 11 Enterprise",)


def test_the_token_account_and_the_two_passwords_are_told_apart(
    qtbot: QtBot, wizard: BulkWizard
) -> None:
    walk_to(wizard, "accountPage")
    choose_account("entra")
    tab_to("tokenName")
    type_text("Bench")
    tab_to("bulkToken")
    type_text("eyJ0eXAiOiJKV1QifQ.token")
    alt(Key.Key_C)  # "Token's Entra a&ccount"
    assert focus_name() == "tokenAccount"
    type_text("package_1b2c@contoso.onmicrosoft.com")
    enter()
    assert wizard.draft.account.account == "package_1b2c@contoso.onmicrosoft.com"  # type: ignore[union-attr]
    walk_to(wizard, "finishPage")
    finish = wizard.finish_page
    assert "bundle password" in finish.protect.text()
    assert finish.encrypt_ppkg.isChecked()  # it holds a secret: the .ppkg is encrypted too
    alt(Key.Key_Y)  # "Encr&ypt the .ppkg"
    wait_until(lambda: not finish.encrypt_ppkg.isChecked())
    assert finish._info().encrypt_ppkg is False


def test_a_rank_typed_in_superscript_is_refused_not_a_crash(
    qtbot: QtBot, wizard: BulkWizard
) -> None:
    walk_to(wizard, "finishPage")
    alt(Key.Key_R)  # "&Rank (0-99)"
    select_all_and_type("²")
    assert "0 to 99" in wizard.finish_page.errors["rank"].text()
    assert not next_enabled(wizard)


def test_delete_in_either_list_removes_the_selected_item(
    qtbot: QtBot, wizard: BulkWizard, payload: Path
) -> None:
    """One list-editor page for applications and certificates (two copies before)."""
    walk_to(wizard, "appsPage")
    type_text(str(payload / "7z.msi"))
    enter()  # adds, stays
    qtbot.wait(20)
    assert [a.name for a in wizard.draft.apps] == ["7z"]
    tab_to("appList")
    press(Key.Key_Down)
    press(Key.Key_Delete)
    assert wizard.draft.apps == []
    assert "No applications yet" in wizard.apps_page.list.item(0).text()


def tab_through(page: QWidget) -> list[str]:
    """Tab from the focused control until the keyboard leaves `page`: the controls met."""
    met = [focus_name()]
    for _ in range(40):
        tab()
        if not page.isAncestorOf(focused()):
            return met
        met.append(focus_name())
    raise AssertionError(f"Tab never left {page.objectName()}: {met}")


def assert_reading_order(page: QWidget, names: list[str]) -> None:
    """Each control is right of the one before in the same row, or in a row below it; and
    no control a person can tab to on `page` is missing from `names`."""
    boxes = []
    for name in names:
        widget = page.findChild(QWidget, name)
        assert widget is not None, name
        boxes.append((name, QRect(widget.mapTo(page, widget.rect().topLeft()), widget.size())))
    for (name, box), (after, next_box) in zip(boxes, boxes[1:], strict=False):
        same_row = next_box.top() <= box.bottom() and box.top() <= next_box.bottom()
        onward = next_box.left() > box.left() if same_row else next_box.top() > box.bottom()
        assert onward, f"{after} comes after {name} in tab order but not in reading order"
    tab_focus = Qt.FocusPolicy.TabFocus.value
    tabbable = {
        w.objectName() or type(w).__name__
        for w in page.findChildren(QWidget)
        if w.isVisibleTo(page) and w.isEnabled() and w.focusPolicy().value & tab_focus
    }
    assert tabbable <= set(names), f"Tab never reaches {sorted(tabbable - set(names))}"


def test_tab_reaches_every_control_of_the_list_pages_on_first_arrival(
    qtbot: QtBot, wizard: BulkWizard, payload: Path
) -> None:
    """The list sat above the form and the keyboard arrived in the form: Tab went down the
    form, out through the sidebar, Back and Next, and met the list only after those."""
    apps, certs = wizard.apps_page, wizard.certs_page
    walk_to(wizard, "appsPage")
    on_page(wizard, "appsPage", "appInstaller")
    form = ["appInstaller", "appBrowse", "appName", "appCommand", "appSuccessCodes"]
    form += ["appRestartCodes", "appContinue", "appRestart"]
    met = tab_through(apps)
    assert met == [*form, "appList"]
    assert_reading_order(apps, met)
    alt(Key.Key_I)  # "&Installer"
    type_text(str(payload / "7z.msi"))
    met = tab_through(apps)
    assert met == [*form, "addApp", "appList"]
    assert_reading_order(apps, met)
    alt(Key.Key_I)
    enter()  # adds the application: the list has a row to select and remove now
    assert [a.name for a in wizard.draft.apps] == ["7z"]
    met = tab_through(apps)
    assert met == [*form, "appList", "removeApp"]
    assert_reading_order(apps, met)

    tab_to("wizard_next")
    enter()
    on_page(wizard, "certificatesPage", "certificatePath")
    met = tab_through(certs)
    assert met == ["certificatePath", "certificateBrowse", "certificateName", "certificateList"]
    assert_reading_order(certs, met)
    alt(Key.Key_P)  # "Certificate &path"
    type_text(str(payload / "root.cer"))
    met = tab_through(certs)
    assert met == [
        "certificatePath",
        "certificateBrowse",
        "certificateName",
        "addCertificate",
        "certificateList",
    ]
    assert_reading_order(certs, met)


def in_sight(widget: QWidget) -> bool:
    """The whole widget lies inside each of its parents (a scroll area's viewport clips
    what is scrolled away), up to the window."""
    box, child = widget.rect(), widget
    while (parent := child.parentWidget()) is not None:
        box = box.translated(child.pos())
        if not parent.rect().contains(box):
            return False
        child = parent
    return True


@pytest.mark.usefixtures("themed")
@pytest.mark.parametrize("size", [(1366, 768), (1024, 640)], ids=["1366x768", "1024x640"])
def test_open_folder_is_in_sight_when_the_build_is_done(
    qtbot: QtBot,
    db_path: Path,
    tmp_path: Path,
    size: tuple[int, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A bundle's result (what it is, how to unpack it, five steps to revoke its token)
    below the summary pushed the focused Open folder under the page's bottom edge."""
    from PySide6.QtGui import QDesktopServices

    from ui.main import MainWindow

    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()))
    window = MainWindow(str(db_path))
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    with qtbot.waitActive(window):
        window.activateWindow()
    window.session.sign_in(services.local_admin())
    window.show_screen("bulk")
    wizard = window.bulk.wizard
    wizard.kdf_cost, wizard.kdf_bounds = CHEAP, CHEAP_BOUNDS
    walk_to(wizard, "accountPage")
    choose_account("entra")
    tab_to("tokenName")
    type_text("Contoso bench token, June batch")
    tab_to("bulkToken")
    type_text(CANARY)
    walk_to(wizard, "appsPage")
    for name in ("7z2409-x64", "CompanyPortal-x64", "Microsoft-Teams-x64"):
        (tmp_path / f"{name}.msi").write_bytes(b"MSI" * 100)
        type_text(str(tmp_path / f"{name}.msi"))
        enter()  # adds it, stays on the page
    assert len(wizard.draft.apps) == 3  # their row in the summary takes two lines
    walk_to(wizard, "finishPage")
    type_text("Contoso-Bench-Entra")
    tab_to("generatePassword")
    enter()
    tab_to("keyGenerate")
    enter()
    tab_to("outputFolder")
    select_all_and_type(str(tmp_path / "out"))
    enter()
    on_page(wizard, "summaryPage", "wizard_next")
    with qtbot.waitSignal(wizard.built, timeout=20_000):
        enter()
    for _ in range(3):  # the result's layout lands
        QApplication.processEvents()
    assert focus_name() == "openFolder"
    assert in_sight(focused()), f"Open folder is out of sight at {size[0]}x{size[1]}"
    enter()
    assert opened == [str(wizard.summary_page.output_folder())]
    wait_for_writer()
