"""The Fleet screen's device pane says where the device is: prepared at the bench until
its join is confirmed, then enrolled."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from app import services
from app.compliance.facts import DeviceFacts, FactSource
from app.store import Store
from app.timeutil import now_iso
from tests.helpers.actors import ADMIN
from ui.fleet.detail import FleetDetailWidget


def shown(qtbot: QtBot, store: Store, serial: str) -> FleetDetailWidget:
    device = store.device_by_serial(serial)
    assert device is not None
    pane = FleetDetailWidget()
    qtbot.addWidget(pane)
    pane.show_compliance(services.device_compliance(store, device.id, actor=ADMIN), [])
    return pane


def test_a_bench_enrollment_shows_as_prepared_until_confirmed(qtbot: QtBot, store: Store) -> None:
    enrolled_at = services.enroll_device(
        store, services.EnrollRequest("PF9UXTST"), actor=ADMIN
    ).device.enrolled_at
    assert enrolled_at is not None
    at = enrolled_at.replace("T", " ")[:16]  # to the minute
    before = shown(qtbot, store, "PF9UXTST")
    row = before.values["enrollment_status"]
    assert row.text() == f"Prepared at the bench {at}; join not confirmed yet"
    assert "Intune export" in row.toolTip()

    facts = DeviceFacts("PF9UXTST", now_iso(), FactSource.TENANT)
    services.record_checkins(store, [facts], actor=ADMIN)
    after = shown(qtbot, store, "PF9UXTST")
    assert after.values["enrollment_status"].text() == f"Enrolled (prepared at the bench {at})"
