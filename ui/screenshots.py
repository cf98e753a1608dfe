"""`joinery kiosk --screenshot DIR`: every screen and dialog rendered to PNG.

Runs as the local administrator (the CLI already checked that this user owns the data), so
it needs no PIN; the sign-in and lock screens are captured as an operator sees them.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QApplication, QWidget

from app import services
from app.domain import (
    AutopilotFacts,
    ComplianceState,
    Device,
    ImportReport,
    IntuneFacts,
    OutboxItem,
    OutboxKind,
    TenantFacts,
)
from app.security.roles import Actor
from app.security.secret import Secret
from app.services import (
    DEFAULT_AUTHORITY_HOST,
    DEFAULT_GRAPH_URL,
    GraphError,
    TenantStatus,
    TenantUnreachable,
    VaultState,
)
from ui import theme
from ui.bulk.wizard import BulkWizard
from ui.devices.import_flow import AutopilotImportFlow, ImportResultDialog
from ui.enroll.screen import BATCH, CART, GUIDED
from ui.fleet.screen import OVERVIEW, STALE
from ui.main import SCREENS, MainWindow
from ui.ops import wait_for_reader, wait_until
from ui.settings.operators import OperatorDialog
from ui.tenant.connect_dialog import ConnectDialog
from ui.tenant.words import autopilot_words, intune_words
from ui.widgets.clipping import clipped_texts
from ui.widgets.vault_prompt import VaultPromptDialog

log = logging.getLogger(__name__)


def _settle(window: QWidget) -> None:
    """What the screens asked for is in: reads on the reader thread (a selected row's
    pane) back and drawn, layouts done."""
    wait_for_reader()
    for _ in range(5):
        QCoreApplication.processEvents()
    window.repaint()


def _save(widget: QWidget, path: Path, written: list[Path]) -> Path:
    if theme.current() != "light":
        path = path.with_name(f"{path.stem}-{theme.current()}{path.suffix}")
    _settle(widget)
    for problem in clipped_texts(widget):
        log.warning("%s: %s", path.name, problem)
    widget.grab().save(str(path))
    written.append(path)
    return path


def _save_over(window: QWidget, dialog: QWidget, path: Path, written: list[Path]) -> Path:
    """A dialog as it shows over its window (offscreen windows are separate images)."""
    if theme.current() != "light":
        path = path.with_name(f"{path.stem}-{theme.current()}{path.suffix}")
    _settle(window)
    _settle(dialog)
    shot = window.grab()
    face = dialog.grab()
    painter = QPainter(shot)
    painter.fillRect(shot.rect(), QColor(0, 0, 0, 70))  # the window behind a modal dialog
    left, top = (shot.width() - face.width()) // 2, (shot.height() - face.height()) // 3
    painter.drawPixmap(left, top, face)
    painter.setPen(theme.colour("@border"))  # the frame a window manager would draw
    painter.drawRect(left - 1, top - 1, face.width() + 1, face.height() + 1)
    painter.end()
    shot.save(str(path))
    written.append(path)
    return path


#: The kiosk's three sizes: the first is the one every screenshot has; the main screens are
#: also taken at the other two (named -1024, -1920), the smallest being the window's minimum.
SIZES = ((1366, 768), (1024, 640), (1920, 1080))


def capture_all(window: MainWindow, folder: Path, actor: Actor) -> list[Path]:
    """Every screen in both palettes (the dark files are named *-dark.png), at the three
    sizes for the main screens, signed in as `actor`; what clips is logged (the layout
    tests fail on it)."""
    folder.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    started = theme.current()
    written: list[Path] = []
    try:
        for palette in theme.PALETTES:
            theme.apply(app, palette)
            written += _capture_palette(window, folder, actor)
    finally:
        theme.apply(app, started)
    return written


def _capture_palette(window: MainWindow, folder: Path, who: Actor) -> list[Path]:
    written: list[Path] = []
    window.resize(*SIZES[0])
    window.show()
    if window.session.actor is not None:
        window.lock()
        window.sign_in.show_sign_in()  # as a new day starts: nobody's name in the field
    _save(window, folder / "00-sign-in.png", written)
    window.session.sign_in(who)
    devices = window.devices
    wait_until(lambda: not devices.model.loading)
    if devices.model.rowCount():
        devices._select_row(0)
    batch = window.enroll.batch
    batch.scan.setText("PF5KX2QA")
    batch.scan.scanned.emit("PF5KX2QA")  # a scan, previewed but not committed
    wait_until(lambda: not batch.checking)
    for width, height in SIZES:
        window.resize(width, height)
        suffix = "" if (width, height) == SIZES[0] else f"-{width}"
        for number, key in enumerate(SCREENS, start=1):
            window.show_screen(key)
            if key == "enroll":
                window.enroll.show_mode(BATCH)
            _save(window, folder / f"{number:02d}-{key}{suffix}.png", written)
    window.resize(*SIZES[0])
    written.append(_import_result(window, folder))
    window.show_screen("devices")
    window.lock()
    _save(window, folder / f"{len(SCREENS) + 2:02d}-locked.png", written)
    window.session.sign_in(who)
    written += _wizard_pages(window, folder)
    written.append(_cart(window, folder))
    written += _bulk_pages(window, folder)
    written += _fleet(window, folder)
    written += _tenant(window, folder)
    written += _settings_dialogs(window, folder)
    return written


#: What the wizard screenshots show: a real device walked through every page.
WIZARD_INPUT = {
    "serial": "PF5KX2QA",
    "user": "adele.vance@contoso.com",
}


def _wizard_pages(window: MainWindow, folder: Path) -> list[Path]:
    """Every page of the guided OOBE wizard, filled in as a technician would."""
    window.show_screen("enroll")
    window.enroll.show_mode(GUIDED)
    wizard = window.enroll.wizard
    wizard.start_over()
    wizard.device_page.serial.setText(WIZARD_INPUT["serial"])
    written: list[Path] = []
    for number, page in enumerate(wizard.pages, start=1):
        if page.objectName() == "accountPage":
            page.user.setText(WIZARD_INPUT["user"])  # type: ignore[attr-defined]
            page._check()  # type: ignore[attr-defined]
        target = folder / f"wizard-{number:02d}-{page.objectName().removesuffix('Page')}.png"
        _save(window, target, written)
        if page is not wizard.review:
            wizard.next()
    wizard.start_over()
    return written


def _cart(window: MainWindow, folder: Path) -> Path:
    window.enroll.show_mode(CART)
    cart = window.enroll.cart
    for serial in services.demo_serials(6, seed=41):
        cart.scan.setText(serial)
        cart.scan.scanned.emit(serial)
    target = _save(window, folder / "wizard-13-cart.png", [])
    cart.cart.clear()
    return target


def _import_result(window: MainWindow, folder: Path) -> Path:
    """The report an operator sees after a file with bad rows, from a real parse."""
    with tempfile.TemporaryDirectory() as tmp:
        name, rejected = services.demo_rejections(Path(tmp))
    report = ImportReport(files=[name], rejected=rejected)
    dialog = ImportResultDialog(
        "Autopilot import", AutopilotImportFlow.outcome(window.devices.import_flow, report), window
    )
    dialog.show()
    target = _save(dialog, folder / f"{len(SCREENS) + 1:02d}-import-result.png", [])
    dialog.close()
    return target


#: What the bulk wizard screenshots show (payload files are made in a sample folder whose
#: path says what it is, not where this machine keeps its temporary files).
BULK_INPUT = {
    "template": "CTS-%SERIAL%",
    "ssid": "Bench-WiFi",
    "token_name": "Bench June",
    "package": "Bench-Entra",
}


def _bulk_pages(window: MainWindow, folder: Path) -> list[Path]:
    """Every page of the bulk-provisioning wizard, filled in as a bench lead would.

    Nothing is built: the registry of the database being captured is left alone.
    """
    window.show_screen("bulk")
    wizard = window.bulk.wizard
    wizard.start_over()
    written: list[Path] = []
    source = Path(tempfile.gettempdir()) / "joinery-sample"
    shutil.rmtree(source, ignore_errors=True)
    source.mkdir(mode=0o700)
    try:
        (source / "7z2301-x64.msi").write_bytes(b"MSI sample" * 100)
        services.sample_certificate(source / "contoso-root.cer")
        private, _public = services.new_signing_key(source / "key")
        fill = {
            "devicePage": lambda: wizard.device_page.template.setText(BULK_INPUT["template"]),
            "networkPage": lambda: _fill_network(wizard),
            "accountPage": lambda: _fill_account(wizard),
            "appsPage": lambda: _add_app(wizard, source / "7z2301-x64.msi"),
            "certificatesPage": lambda: _add_certificate(wizard, source / "contoso-root.cer"),
            "finishPage": lambda: _fill_finish(wizard, private, source / "out"),
        }
        for number, page in enumerate(wizard.pages, start=1):
            name = page.objectName()
            if name in fill:
                fill[name]()
            target = folder / f"bulk-{number:02d}-{name.removesuffix('Page')}.png"
            _save(window, target, written)
            if page is not wizard.summary_page:
                wizard.next()
        wizard.start_over()
    finally:
        shutil.rmtree(source, ignore_errors=True)  # a sample signing key is still a key
    return written


def _fill_network(wizard: BulkWizard) -> None:
    page = wizard.network_page
    page.enabled.setChecked(True)
    page.ssid.setText(BULK_INPUT["ssid"])
    page.key.setText("sample-key-not-real")


def _fill_account(wizard: BulkWizard) -> None:
    page = wizard.account_page
    page.kinds["entra"].setChecked(True)
    page.friendly.setText(BULK_INPUT["token_name"])
    page.token.setText("sample.token.not-real")


def _add_app(wizard: BulkWizard, installer: Path) -> None:
    page = wizard.apps_page
    page.installer.setText(str(installer))
    page.name.setText("7-Zip")
    page.add.click()


def _add_certificate(wizard: BulkWizard, path: Path) -> None:
    page = wizard.certs_page
    page.path.setText(str(path))
    page.name.setText("Contoso root")
    page.add.click()


def _fill_finish(wizard: BulkWizard, key: Path, out: Path) -> None:
    page = wizard.finish_page
    page.name.setText(BULK_INPUT["package"])
    page.version.setText(wizard.next_version(BULK_INPUT["package"]))
    page.generate.click()  # then an obviously made-up one, so no screenshot shows a real one
    page._password = Secret("Example-only-not-a-password-0000")
    page.password.setText(page._password.reveal())
    page.key.setText(str(key))
    page.output.setText(str(out))


def _fleet(window: MainWindow, folder: Path) -> list[Path]:
    """The dashboard at both sizes, its device list with a detail pane, and stale devices.

    Called once per palette; every file of the dark palette is named *-dark.png.
    """
    fleet = window.fleet
    written: list[Path] = []
    window.show_screen("fleet")
    for width, height in ((1366, 768), (1920, 1080)):
        window.resize(width, height)
        fleet.refresh()
        fleet.tabs.setCurrentIndex(OVERVIEW)
        _save(window, folder / f"fleet-overview-{width}.png", written)
        fleet.show_tile("noncompliant")
        wait_until(lambda: not fleet.model.loading)
        if fleet.model.rowCount():
            fleet.table.selectRow(0)
        _save(window, folder / f"fleet-devices-{width}.png", written)
    window.resize(1366, 768)
    fleet.tabs.setCurrentIndex(STALE)
    _save(window, folder / "fleet-stale-1366.png", written)
    return written


def _settings_dialogs(window: MainWindow, folder: Path) -> list[Path]:
    """Adding an operator, and the vault prompt as the bench sees it without a keyring."""
    window.show_screen("settings")
    who = window.session.actor
    assert who is not None
    written: list[Path] = []
    dialog = OperatorDialog(window.store.path, who, window.settings.operators)
    dialog.name.setText("nina")
    dialog.role.setCurrentIndex(1)
    dialog.show()
    _save_over(window, dialog, folder / "settings-add-operator.png", written)
    dialog.close()
    state = services.vault_state(window.store, actor=who)  # what the vault row's button would open
    if not state.needs_passphrase:  # this computer has a keyring: show the bench's case
        state = VaultState(exists=True, method="passphrase", keyring=False, passphrase_given=False)
    prompt = VaultPromptDialog(window.store.path, state, who, "", window)
    prompt.show()
    _save_over(window, prompt, folder / "vault-prompt.png", written)
    prompt.close()
    return written


#: The tenant's screenshots: its status and a device's detail at the three sizes, the Fleet
#: pane with what the tenant says, and the Connect dialog.
TENANT_SHOTS = 2 * len(SIZES) + 2


def tenant_example() -> TenantStatus:
    """A bench that lost the tenant an hour ago with work waiting and two refused changes,
    in the words the connector uses (shown when the database has no tenant of its own)."""
    refused = GraphError(
        403,
        "Forbidden",
        "Application is not authorized to perform this operation.",
        needs="DeviceManagementServiceConfig.ReadWrite.All",
    )
    bad_user = GraphError(
        400, "BadRequest", "The userPrincipalName adele.vance@contoso is invalid."
    )
    parked = (
        _parked(41, OutboxKind.UPLOAD, "PF5KX2QA", refused.reason),
        _parked(57, OutboxKind.UPDATE, "5CD1284WQ7", bad_user.reason),
    )
    offline = TenantUnreachable("graph.microsoft.com", "the connection timed out")
    return TenantStatus(
        True,
        "72f988bf-86f1-41af-91ab-2d7cd011db47",
        "0d2b9c0a-7a34-4c51-b0f3-6a4c1e2f9b11",
        "certificate",
        DEFAULT_AUTHORITY_HOST,
        DEFAULT_GRAPH_URL,
        None,
        {"pending": 12, "parked": len(parked), "done": 348},
        parked,
        "2025-03-03T08:12:40Z",
        "2025-03-03T09:02:11Z",
        offline.message,
    )


def _parked(item_id: int, kind: OutboxKind, serial: str, reason: str) -> OutboxItem:
    return OutboxItem(
        item_id, kind, None, serial, {}, "parked", 1, None, None, None, None, reason,
        "2025-03-03T07:58:02Z", "lea", "2025-03-03T08:12:31Z",
    )  # fmt: skip


def tenant_facts_example(device: Device) -> TenantFacts:
    """What the tenant says of a device it knows well, for the detail panes' screenshots."""
    autopilot = AutopilotFacts(
        "4d1e0c1f-2b61-4a8e-9d1c-6f0b2a7e5c33", device.group_tag, device.assigned_user,
        "assignedInSync", "enrolled", "2025-03-03T07:41:09Z", "complete", None, None,
        "2025-02-26T14:03:55Z", "2025-03-03T08:12:40Z",
    )  # fmt: skip
    # Intune's word agrees with the device's own verdict (the list's Compliance column).
    state = device.verdict
    grace = "2025-03-05T07:41:09Z" if state == ComplianceState.IN_GRACE_PERIOD else None
    intune = IntuneFacts(
        "a1f2c3d4-0000-4000-8000-00000000c0de", state, grace,
        "2025-03-03T07:41:09Z", state == ComplianceState.COMPLIANT, device.os_version,
        device.assigned_user, None, "2025-03-03T08:12:40Z",
    )  # fmt: skip
    return TenantFacts(autopilot, intune)


def _tenant(window: MainWindow, folder: Path) -> list[Path]:
    """The Tenant screen with the sidebar's line, a device's "In Autopilot" and "Intune
    says" on the Devices and Fleet panes, and the Connect dialog. The database's own tenant
    is shown when it has one; otherwise the example (nothing is written)."""
    written: list[Path] = []
    sender = window.tenant_sender
    status = sender.status if sender.status.configured else tenant_example()
    sender.status_changed.emit(status)
    real = sender.status
    sender.status = status  # the sidebar line reads it
    window._show_tenant_line()
    try:
        for width, height in SIZES:
            window.resize(width, height)
            suffix = "" if (width, height) == SIZES[0] else f"-{width}"
            window.show_screen("tenant")
            window.tenant.show_status(status)
            _save(window, folder / f"tenant-status{suffix}.png", written)
            window.show_screen("devices")
            device = window.devices.selected_device()
            if device is not None:
                window.devices.detail.show_tenant(device, _facts_to_show(window, device))
            _save(window, folder / f"tenant-device{suffix}.png", written)
        window.resize(*SIZES[0])
        written.append(_tenant_fleet(window, folder))
        window.show_screen("tenant")
        who = window.session.actor
        assert who is not None
        dialog = ConnectDialog(window.store.path, who, status, window)
        dialog.show()
        _save_over(window, dialog, folder / "tenant-connect.png", written)
        dialog.close()
    finally:
        sender.status = real
        sender.status_changed.emit(real)
        window._show_tenant_line()
    return written


def _facts_to_show(window: MainWindow, device: Device) -> TenantFacts:
    who = window.session.actor or services.local_admin()
    facts = services.device_tenant_facts(window.store, device.id, actor=who)
    if autopilot_words(facts) or intune_words(device, facts):
        return facts
    return tenant_facts_example(device)


def _tenant_fleet(window: MainWindow, folder: Path) -> Path:
    fleet = window.fleet
    window.show_screen("fleet")
    fleet.show_tile("noncompliant")
    wait_until(lambda: not fleet.model.loading)
    if fleet.model.rowCount():
        fleet.table.selectRow(0)
    _settle(window)  # the pane's own read first: the example facts are drawn over it
    device = fleet.selected_device()
    if device is not None:
        fleet.detail.show_tenant(device, _facts_to_show(window, device))
    return _save(window, folder / "tenant-fleet-device.png", [])
