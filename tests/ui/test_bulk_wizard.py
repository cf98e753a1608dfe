"""The bulk-provisioning wizard, driven from the keyboard like a bench lead: type, Enter, next."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QWidget, QWizard
from pytestqt.qtbot import QtBot

from app import services
from app.provisioning import bundle
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
from tests.app.provisioning.conftest import write_certificate
from tests.app.provisioning.test_bundle import CHEAP, CHEAP_BOUNDS, SIGNER
from ui.bulk.wizard import BulkWizard
from ui.ops import wait_for_writer
from ui.packages.screen import PackagesScreen

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
    qtbot.waitExposed(widget)
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


def enter(qtbot: QtBot, widget: QWidget) -> None:
    qtbot.keyClick(widget, Qt.Key.Key_Return)


def press(qtbot: QtBot, button: QWidget) -> None:
    """Tab to a button, radio button or check box and press Space, as from the keyboard."""
    button.setFocus()
    qtbot.keyClick(button, Qt.Key.Key_Space)


def type_into(qtbot: QtBot, field: QWidget, text: str) -> None:
    field.clear()  # type: ignore[attr-defined]
    qtbot.keyClicks(field, text)


def page_named(wizard: BulkWizard, name: str) -> QWidget:
    page = wizard.currentPage()
    assert page.objectName() == name, f"on {page.objectName()}, expected {name}"
    return page


def next_enabled(wizard: BulkWizard) -> bool:
    return bool(wizard.button(QWizard.WizardButton.NextButton).isEnabled())


def test_build_a_package_from_the_keyboard(
    qtbot: QtBot, wizard: BulkWizard, store: Store, payload: Path, tmp_path: Path
) -> None:
    device = page_named(wizard, "devicePage")
    type_into(qtbot, wizard.device_page.template, "CTS-%SERIAL%")
    assert wizard.device_page.preview.text().startswith("CTS-PF5KX2QA")
    press(qtbot, wizard.device_page.shared)
    enter(qtbot, wizard.device_page.template)

    network = wizard.network_page
    page_named(wizard, "networkPage")
    assert device is not network
    press(qtbot, network.enabled)
    type_into(qtbot, network.ssid, "Bench")
    type_into(qtbot, network.key, "short")
    assert "8 to 63" in network.key_error.text() and not next_enabled(wizard)
    type_into(qtbot, network.key, WIFI_KEY)
    assert network.key.echoMode() == network.key.EchoMode.Password
    enter(qtbot, network.key)

    account = wizard.account_page
    page_named(wizard, "accountPage")
    press(qtbot, account.kinds["entra"])
    type_into(qtbot, account.friendly, "Bench token")
    assert not next_enabled(wizard)  # no token yet
    type_into(qtbot, account.token, CANARY)
    assert next_enabled(wizard)
    enter(qtbot, account.token)
    assert account.token.text() == ""  # never shown again

    apps = wizard.apps_page
    page_named(wizard, "appsPage")
    type_into(qtbot, apps.installer, str(payload / "7z.msi"))
    assert apps.runs.text() == 'msiexec /i "7z.msi" /qn'
    assert (apps.success.text(), apps.restart_codes.text()) == ("0", "3010")
    enter(qtbot, apps.installer)  # adds the application, stays on the page
    assert wizard.currentPage() is apps
    assert [a.name for a in wizard.draft.apps] == ["7z"]
    qtbot.wait(20)
    enter(qtbot, apps.installer)

    certs = wizard.certs_page
    page_named(wizard, "certificatesPage")
    type_into(qtbot, certs.path, str(payload / "7z.msi"))
    assert "not an X.509 certificate" in certs.path_error.text()
    type_into(qtbot, certs.path, str(payload / "root.cer"))
    type_into(qtbot, certs.name, "Bench root")
    enter(qtbot, certs.name)
    assert [c.name for c in wizard.draft.certificates] == ["Bench root"]
    qtbot.wait(20)
    enter(qtbot, certs.path)

    finish = wizard.finish_page
    page_named(wizard, "finishPage")
    type_into(qtbot, finish.name, "Bench-Entra")
    assert finish.version.text() == "1.0"
    assert finish.protect.isChecked() and not finish.protect.isEnabled()  # it holds secrets
    assert not next_enabled(wizard)
    press(qtbot, finish.generate)
    password = finish.password.text()
    assert len(password) >= 20
    press(qtbot, finish.key_new)
    assert Path(finish.key.text()).is_file()
    type_into(qtbot, finish.output, str(tmp_path / "out"))
    assert next_enabled(wizard), finish._found
    enter(qtbot, finish.output)
    assert finish.password.text() == ""  # shown once

    summary = wizard.summary_page
    page_named(wizard, "summaryPage")
    assert "Bench token" in summary.values["account"].text()
    assert CANARY not in " ".join(v.text() for v in summary.values.values())
    with qtbot.waitSignal(wizard.built, timeout=20_000) as built:
        enter(qtbot, wizard.summary_page)
    build = built.args[0]
    assert summary.result.isVisible() and build.sha256 in summary.result.text()
    assert build.token_account in summary.result.text()

    output = Path(build.output)
    assert output.is_file() and output.parent == tmp_path / "out"
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


def walk_to(qtbot: QtBot, wizard: BulkWizard, name: str) -> None:
    while wizard.currentPage().objectName() != name:
        enter(qtbot, wizard.currentPage())


def test_bad_answers_show_the_reason_and_keep_next_disabled(
    qtbot: QtBot, wizard: BulkWizard
) -> None:
    device = wizard.device_page
    type_into(qtbot, device.product_key, "ABCDE-12345")
    assert device.product_key_error.isVisible()
    assert "five groups of five" in device.product_key_error.text()
    assert not next_enabled(wizard)
    type_into(qtbot, device.product_key, "abcde-12345-fghij-67890-klmno")  # capitals added
    assert next_enabled(wizard)
    device.product_key.clear()
    enter(qtbot, device.template)

    walk_to(qtbot, wizard, "accountPage")
    account = wizard.account_page
    press(qtbot, account.kinds["entra"])
    type_into(qtbot, account.friendly, "Bench")
    type_into(qtbot, account.token, "eyJ0eXAiOiJKV1QifQ.token")
    assert next_enabled(wizard)
    issued = account.issued.date()
    account.expires.setFocus()
    account.expires.setDate(issued.addDays(181))
    assert "at most 180 days" in account.expires_error.text()
    assert account.expires_error.isVisible() and not next_enabled(wizard)
    account.expires.setDate(issued.addDays(180))
    assert next_enabled(wizard)
    press(qtbot, account.kinds["none"])

    walk_to(qtbot, wizard, "finishPage")
    finish = wizard.finish_page
    type_into(qtbot, finish.name, "Plain")
    type_into(qtbot, finish.output, "/tmp/unused")
    assert next_enabled(wizard), finish._found
    type_into(qtbot, finish.rank, "120")
    assert finish.errors["rank"].isVisible()
    assert "0 to 99" in finish.errors["rank"].text()
    assert not next_enabled(wizard)
    enter(qtbot, finish.rank)
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

    assert wizard.device_page.template.text() == "CTS-%RAND:4%"
    assert wizard.device_page.remove_software.isChecked()
    enter(qtbot, wizard.device_page.template)
    assert wizard.network_page.ssid.text() == "Bench"
    assert wizard.network_page.key.text() == ""  # kept, never shown
    assert wizard.network_page.key_note.isVisible()
    enter(qtbot, wizard.network_page.ssid)
    account = page_named(wizard, "accountPage")
    assert wizard.account_page.kinds["entra"].isChecked()
    assert wizard.account_page.friendly.text()  # customizations.xml has no friendly name
    assert wizard.account_page.token.text() == ""
    assert "kept" in wizard.account_page.token_note.text()
    wizard.account_page.expires.setDate(QDate.currentDate().addDays(30))
    enter(qtbot, wizard.account_page.friendly)
    assert wizard.currentPage() is not account
    walk_to(qtbot, wizard, "finishPage")
    assert wizard.finish_page.name.text() == "Bench-Entra"
    assert wizard.finish_page.version.text() == "1.1"
    assert wizard.finish_page.rank.text() == "4"


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
