"""Compliance use cases against a real store: atomic check-ins, counters that agree with the
rows, permissions, snapshots and the stale plan."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from app import demo, services
from app.compliance.facts import DeviceFacts, FactSource
from app.domain import ComplianceState, DeviceQuery
from app.errors import Cancelled, InputError
from app.security.roles import Actor, PermissionDenied, Role
from app.services.simulate import simulate_checkins
from app.store import Store
from app.timeutil import iso
from tests.helpers.actors import ADMIN

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
TECH = Actor("tess", Role.TECHNICIAN)


def stepping_clock(start: datetime, step: timedelta) -> Callable[[], datetime]:
    """A clock that moves `step` on every call after the second."""
    calls = [0]

    def now() -> datetime:
        calls[0] += 1
        return start + step * (calls[0] // 2)

    return now


@pytest.fixture
def fleet(store: Store) -> Store:
    demo.seed(store, 200, now=T0)
    services.import_template(store, "baseline", now=T0, actor=ADMIN)
    services.assign(store, "Baseline", all_devices=True, actor=ADMIN)
    return store


def serials(store: Store, n: int) -> list[str]:
    return [d.serial for d in store.devices_page(DeviceQuery(), 0, n)]


def good(serial: str, at: datetime, **changes: object) -> DeviceFacts:
    values: dict[str, object] = {
        "os_version": "10.0.26100.2605",
        "bitlocker_enabled": True,
        "storage_encrypted": True,
        "secure_boot_enabled": True,
        "code_integrity_enabled": True,
        "tpm_version": "2.0",
        "firewall_enabled": True,
        "defender_enabled": True,
        "rtp_enabled": True,
        "antivirus_registered": True,
        "antispyware_registered": True,
        "password_required": True,
        "password_minimum_length": 12,
    }
    values.update(changes)
    return DeviceFacts(serial, iso(at), FactSource.COLLECTOR, **values)  # type: ignore[arg-type]


def test_checkins_evaluate_and_record_history(fleet: Store) -> None:
    first, second = serials(fleet, 2)
    report = services.record_checkins(
        fleet, [good(first, T0), good(second, T0, bitlocker_enabled=False)], now=T0, actor=ADMIN
    )
    assert report.recorded == 2 and report.rejected == []
    one = fleet.device_by_serial(first)
    two = fleet.device_by_serial(second)
    assert one is not None and two is not None
    assert one.compliance_state == ComplianceState.COMPLIANT
    assert two.compliance_state == ComplianceState.IN_GRACE_PERIOD
    assert two.last_checkin == iso(T0)
    assert fleet.state_history(two.id)[0].to_state == "inGracePeriod"
    detail = services.device_compliance(fleet, two.id, now=T0, actor=ADMIN)
    assert "BitLocker is off (required by Baseline)" in detail.verdict.reasons
    assert detail.access.granted  # in grace: still has access
    later = T0 + timedelta(days=3)
    services.reevaluate(fleet, now=later, actor=ADMIN)
    assert services.ca_outcome(fleet, second, actor=ADMIN).granted is False


def test_unknown_serials_reject_the_whole_batch(fleet: Store) -> None:
    (first,) = serials(fleet, 1)
    batch = [good(first, T0), good("NOPE-1", T0), good(first, T0 + timedelta(days=1))]
    with pytest.raises(services.CheckinsRejected) as caught:
        services.record_checkins(fleet, batch, now=T0, actor=ADMIN)
    rows = [(p.line, p.column) for p in caught.value.problems]
    assert rows == [(2, "NOPE-1"), (3, first)]  # row 3 is in the future
    assert fleet.latest_facts(fleet.device_by_serial(first).id) is None  # type: ignore[union-attr]
    report = services.record_checkins(fleet, batch[:2], now=T0, skip_unknown=True, actor=ADMIN)
    assert report.recorded == 1 and report.rejected[0]["serial"] == "NOPE-1"


def test_an_older_report_never_replaces_a_newer_one(fleet: Store) -> None:
    (first,) = serials(fleet, 1)
    device = fleet.device_by_serial(first)
    assert device is not None
    services.record_checkins(fleet, [good(first, T0)], now=T0, actor=ADMIN)
    services.record_checkins(
        fleet, [good(first, T0 - timedelta(days=1), os_version="1.0")], now=T0, actor=ADMIN
    )
    assert fleet.latest_facts(device.id)["os_version"] == "10.0.26100.2605"  # type: ignore[index]


def test_summary_counts_agree_with_the_lists(fleet: Store) -> None:
    clock = stepping_clock(T0, timedelta(hours=6))
    drift = simulate_checkins(
        fleet, rate=40, seconds=5, seed=3, clock=clock, sleep=lambda _: None, actor=ADMIN
    )
    assert drift.checkins > 0
    services.reevaluate(fleet, now=T0 + timedelta(days=1), actor=ADMIN)
    summary = services.fleet_summary(fleet, now=T0 + timedelta(days=1), actor=ADMIN)
    assert summary["total"] == 200 == sum(summary["states"].values())
    for state, n in summary["states"].items():
        assert n == len(
            list(services.list_devices(fleet, DeviceQuery(state=state), actor=ADMIN))
        ), state
    for setting, n in summary["failing_settings"].items():
        assert n == fleet.devices_failing(setting), setting
    before = iso(T0 + timedelta(days=1) - timedelta(days=90))
    assert summary["stale"] == sum(1 for _ in fleet.stale_devices(before))


def test_simulation_is_deterministic(tmp_path: object) -> None:
    results = []
    for _ in range(2):
        with Store.memory() as store:
            demo.seed(store, 100, now=T0)
            clock = stepping_clock(T0, timedelta(minutes=1))
            simulate_checkins(
                store, rate=30, seconds=3, seed=5, clock=clock, sleep=lambda _: None, actor=ADMIN
            )
            results.append(services.fleet_summary(store, now=T0 + timedelta(hours=1), actor=ADMIN))
    assert results[0] == results[1]


def test_reevaluation_cancelled_keeps_nothing(fleet: Store) -> None:
    before = services.fleet_summary(fleet, now=T0, actor=ADMIN)
    with pytest.raises(Cancelled):
        services.reevaluate(fleet, now=T0, cancel=lambda: True, actor=ADMIN)
    assert services.fleet_summary(fleet, now=T0, actor=ADMIN) == before


def test_reevaluation_reports_progress(fleet: Store) -> None:
    seen: list[tuple[int, int]] = []
    services.reevaluate(
        fleet, now=T0, batch=50, progress=lambda d, t: seen.append((d, t)), actor=ADMIN
    )
    assert seen[-1] == (200, 200) and len(seen) == 4


def test_policy_import_export_and_permissions(fleet: Store) -> None:
    text = services.export_policy(fleet, "baseline", beta=True, actor=ADMIN).text
    again = services.import_policy(fleet, text, "b.json", now=T0, actor=ADMIN)
    assert not again.created and again.not_evaluated == ("passwordRequiredType",)
    with pytest.raises(PermissionDenied):
        services.import_policy(fleet, text, "b.json", actor=TECH)
    with pytest.raises(PermissionDenied):
        services.record_checkins(fleet, [], actor=TECH)
    with pytest.raises(InputError, match="no compliance policy called"):
        services.assign(fleet, "Nope", all_devices=True, actor=ADMIN)
    actions = [e.action for e in fleet.audit_entries()]
    assert "policy.import" in actions and "policy.assign" in actions


def test_group_tag_assignment_scopes_the_policy(fleet: Store) -> None:
    services.import_template(fleet, "strict", now=T0, actor=ADMIN)
    services.assign(fleet, "Strict", group_tags=["Lab"], actor=ADMIN)
    lab = next(iter(fleet.iter_devices(DeviceQuery(group_tag="Lab"))))
    services.record_checkins(fleet, [good(lab.serial, T0)], now=T0, actor=ADMIN)
    detail = services.device_compliance(fleet, lab.id, now=T0, actor=ADMIN)
    # Strict and Baseline set osMinimumVersion and the password length to different values:
    # not a conflict; the most secure value applies, and the reason names Strict.
    assert detail.stored.state == ComplianceState.NONCOMPLIANT  # Strict gives no grace
    assert "The minimum password length is 12, below 14 (required by Strict)" in (
        detail.verdict.reasons
    )


def test_snapshots_answer_what_the_fleet_was_on_a_day(fleet: Store) -> None:
    services.take_snapshot(fleet, now=T0, actor=ADMIN)
    services.reevaluate(fleet, now=T0 + timedelta(days=2), actor=ADMIN)
    services.take_snapshot(fleet, now=T0 + timedelta(days=2), actor=ADMIN)
    first = services.fleet_at(fleet, "2026-03-01", actor=ADMIN)
    assert first is not None and first["date"] == "2026-03-01"
    assert services.fleet_at(fleet, "2026-03-02", actor=ADMIN) == first
    assert services.fleet_at(fleet, "2026-02-28", actor=ADMIN) is None
    third = services.fleet_at(fleet, "2026-03-05", actor=ADMIN)
    assert third is not None and third["states"]["notEvaluated"] == 200
    with pytest.raises(InputError):
        services.fleet_at(fleet, "March", actor=ADMIN)


def test_stale_plan_lists_the_inactive_devices(fleet: Store) -> None:
    plan = services.stale_plan(fleet, now=T0, days=90, actor=ADMIN)
    planned = list(plan.devices)
    assert plan.count == len(planned) > 0
    assert all(p.days_inactive >= 90 for p in planned)
    with pytest.raises(InputError, match="21"):
        services.stale_plan(fleet, days=7, actor=ADMIN)


def test_a_device_clock_a_little_ahead_is_tolerated(fleet: Store) -> None:
    (first,) = serials(fleet, 1)
    ahead = good(first, T0 + timedelta(minutes=3))  # within the skew
    assert services.record_checkins(fleet, [ahead], now=T0, actor=ADMIN).recorded == 1
    far = good(first, T0 + timedelta(minutes=30))
    with pytest.raises(services.CheckinsRejected, match="refused"):
        services.record_checkins(fleet, [far], now=T0, actor=ADMIN)
