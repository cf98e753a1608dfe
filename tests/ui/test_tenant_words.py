"""Per device, what the tenant says, on the Devices and the Fleet detail panes: "In Autopilot"
(the upload, the import's answer, the profile, the last contact) and "Intune says" (one line
from both the tenant's sync and Intune's export), shown after a sync, hidden when empty."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from app import services
from app.domain import AutopilotFacts, Device, IntuneFacts, TenantFacts
from app.security.roles import Actor, Role
from app.services import SyncOptions
from app.store import Store
from tests.helpers.fake_graph import FakeGraph
from tests.helpers.keyboard import Key, focus_name, press, scan, tab_to
from tests.helpers.tenant import import_devices
from ui.devices.screen import DevicesScreen
from ui.fleet.screen import DEVICES, FleetScreen
from ui.ops import wait_for_writer
from ui.tenant import words
from ui.tenant.sender import TenantSender

ADMIN = Actor("ada", Role.ADMIN)
GRACE = "2099-03-04T05:06:07Z"


@pytest.fixture
def tenant_fleet(connected: Store, graph: FakeGraph, tmp_path: Path) -> list[str]:
    """Three devices with hashes: one queued for upload, one Intune says is noncompliant in
    its grace period, one whose upload the tenant refuses with error 806."""
    serials = import_devices(connected, tmp_path, 3)
    uploaded, managed, refused = serials
    graph.tenant.error_serials[refused] = (806, "ZtdDeviceAlreadyAssigned")
    services.queue_uploads(connected, [uploaded, refused], actor=ADMIN)
    graph.tenant.add_managed(
        managed,
        complianceState="noncompliant",
        complianceGracePeriodExpirationDateTime=GRACE,
        lastSyncDateTime="2099-01-01T08:15:42.1234567Z",
    )
    return serials


def sync(qtbot: QtBot, store: Store, options: SyncOptions) -> TenantSender:
    sender = TenantSender(store.path, store, lambda: ADMIN, options=options)
    ended: list[object] = []
    sender.finished.connect(ended.append)
    assert sender.sync_now()
    qtbot.waitUntil(lambda: bool(ended), timeout=20_000)
    assert not isinstance(ended[0], BaseException), ended[0]
    return sender


@pytest.fixture
def devices(qtbot: QtBot, connected: Store) -> Iterator[DevicesScreen]:
    screen = DevicesScreen(connected.path, actor=lambda: ADMIN)
    qtbot.addWidget(screen)
    screen.resize(1366, 768)
    screen.show()
    qtbot.waitExposed(screen)
    screen.activateWindow()
    qtbot.waitUntil(lambda: not screen.model.loading)
    yield screen
    wait_for_writer()
    screen.shutdown()


def test_the_devices_pane_shows_the_tenant_after_a_sync(
    qtbot: QtBot,
    devices: DevicesScreen,
    connected: Store,
    tenant_fleet: list[str],
    quick: SyncOptions,
) -> None:
    uploaded, managed, refused = tenant_fleet
    detail = devices.detail
    devices.focus_search()
    assert focus_name() == "search"
    scan(uploaded)
    qtbot.waitUntil(lambda: detail.title.text() == uploaded)
    assert detail.autopilot.isVisibleTo(detail)
    assert detail.autopilot.text() == "upload waiting for the next sync"
    assert not detail.intune.isVisibleTo(detail)  # Intune has said nothing yet
    scan(managed)
    qtbot.waitUntil(lambda: detail.title.text() == managed)
    assert not detail.autopilot.isVisibleTo(detail) and not detail.intune.isVisibleTo(detail)

    sender = sync(qtbot, connected, quick)  # the screen hears of it on the change channel
    qtbot.waitUntil(lambda: detail.intune.isVisibleTo(detail))
    assert detail.intune.text() == (
        "Not compliant (grace until 2099-03-04 05:06) · as of its last Intune sync 2099-01-01 08:15"
    )
    assert "Read from the tenant" in detail.intune.toolTip()
    assert not detail.autopilot.isVisibleTo(detail)  # not in Autopilot, nothing queued

    scan(uploaded)
    qtbot.waitUntil(lambda: detail.autopilot.text().startswith("import complete"))
    assert detail.autopilot.text() == "import complete · never contacted"
    assert not detail.intune.isVisibleTo(detail)
    scan(refused)
    qtbot.waitUntil(lambda: detail.autopilot.text().startswith("import error"))
    assert detail.autopilot.text().startswith("import error 806 ZtdDeviceAlreadyAssigned: ")
    assert "already registered in this tenant" in detail.autopilot.text()
    assert focus_name() == "search"  # each scan leaves the keyboard ready for the next
    sender.shutdown()


def test_the_fleet_pane_has_one_intune_line_from_both_sources(
    qtbot: QtBot, connected: Store, tenant_fleet: list[str], quick: SyncOptions
) -> None:
    _uploaded, managed, _refused = tenant_fleet
    sync(qtbot, connected, quick).shutdown()
    screen = FleetScreen(connected, lambda: ADMIN)
    qtbot.addWidget(screen)
    screen.resize(1366, 768)
    screen.show()
    qtbot.waitExposed(screen)
    screen.activateWindow()
    qtbot.waitUntil(lambda: screen.board is not None)
    screen.tabs.setCurrentIndex(DEVICES)
    screen.filters.search.setFocus()
    qtbot.waitUntil(lambda: focus_name() == "fleetSearch")
    scan(managed)
    qtbot.waitUntil(lambda: not screen.model.loading and screen.model.rowCount() == 1)
    tab_to("fleetTable")
    press(Key.Key_Down)
    qtbot.waitUntil(lambda: screen.detail.intune.isVisibleTo(screen.detail))
    said = [w.text() for w in screen.detail.findChildren(QLabel) if "Intune says" in w.text()]
    assert len(said) == 1  # one line, fed by the tenant and the export alike
    assert said[0].startswith(
        "Intune says: Not compliant (grace until 2099-03-04 05:06) · as of its last Intune "
        "sync 2099-01-01 08:15. "
    )
    assert not screen.detail.autopilot.isVisibleTo(screen.detail)
    screen.shutdown()
    wait_for_writer()


def _device(**fields: object) -> Device:
    base = dict(
        id=1, serial="PF1", manufacturer=None, model=None, product_id=None, group_tag=None,
        assigned_user=None, device_name=None, join_type="entraJoined",
        provisioning_method=None, ownership="company", os_edition=None, os_version=None,
        management_authority="intune", enrollment_status="registered",
        compliance_state="compliant", last_checkin=None, lineage=1, has_hash=True,
        created_at="2025-01-01T00:00:00Z", updated_at="2025-01-01T00:00:00Z",
    )  # fmt: skip
    return Device(**(base | fields))  # type: ignore[arg-type]


def _intune(state: str, grace: str | None = None) -> IntuneFacts:
    return IntuneFacts(
        "m1", state, grace, "2025-03-01T08:15:42Z", True, "10.0.26100", None, None,
        "2025-03-02T09:00:00Z",
    )  # fmt: skip


def test_intune_says_what_counts_and_where_it_came_from() -> None:
    exported = _device(intune_state="inGracePeriod", intune_grace_until="2025-03-04T05:06:07Z")
    assert words.intune_words(exported, None) == (
        "In grace period until 2025-03-04 05:06 · from Intune's export",
        "From Intune's All devices export, imported on the Fleet screen.",
    )
    synced = _device(intune_state="compliant", intune_grace_until="9999-12-31T23:59:59Z")
    line, tip = words.intune_words(synced, TenantFacts(None, _intune("compliant")))  # type: ignore[misc]
    assert line == "Compliant · as of its last Intune sync 2025-03-01 08:15"  # no 9999 grace
    assert tip == "Read from the tenant (Microsoft Graph) at 2025-03-02 09:00."
    # An export imported after the sync said otherwise: the export's state is the one counted.
    later = _device(intune_state="noncompliant")
    assert words.intune_words(later, TenantFacts(None, _intune("compliant")))[0] == (  # type: ignore[index]
        "Not compliant · from Intune's export"
    )
    assert words.intune_words(_device(), TenantFacts(None, None)) is None


def test_in_autopilot_says_profile_enrollment_and_contact_and_hides_when_empty() -> None:
    listed = AutopilotFacts(
        "ap1", "Bench", None, "assignedInSync", "enrolled", "2025-03-01T08:15:42Z",
        "complete", None, None, "2025-02-01T00:00:00Z", "2025-03-02T00:00:00Z",
    )  # fmt: skip
    assert words.autopilot_words(TenantFacts(listed, None)) == (
        "import complete · profile assigned · enrolled · last contact 2025-03-01 08:15"
    )
    from_tenant = AutopilotFacts(
        "ap2", None, None, None, "notContacted", None, None, None, None, None, "2025-03-02"
    )
    assert words.autopilot_words(TenantFacts(from_tenant, None)) == "registered · never contacted"
    assert words.autopilot_words(TenantFacts(None, None)) is None
    assert words.autopilot_words(None) is None


def test_a_completed_upload_not_listed_says_whether_it_was_deleted_or_is_not_listed_yet() -> None:
    waiting = AutopilotFacts(
        None, None, None, None, None, None, "complete", None, None, "2025-03-02T10:00:00Z", None
    )
    assert words.autopilot_words(TenantFacts(waiting, None)) == (
        "import complete · not listed yet (Autopilot lists a new device minutes after its import)"
    )
    deleted = replace(waiting, seen_at="2025-03-02T10:05:00Z")  # listed since, then gone
    assert words.autopilot_words(TenantFacts(deleted, None)) == (
        "import complete · no longer in Autopilot: it can be uploaded again"
    )
