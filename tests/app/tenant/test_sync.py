"""A sync against the local tenant: upload, poll, Autopilot sync, paging, throttling, an
expired token, import errors, parking, outages without a duplicate upload, and the fleet."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from app import services
from app.domain import OutboxState
from app.errors import Cancelled
from app.fileutil import held
from app.store import Store
from app.tenant.errors import TenantBusy, TenantRefused, TenantThrottled, TenantUnreachable
from tests.helpers.actors import ADMIN
from tests.helpers.fake_graph import TENANT, FakeGraph
from tests.helpers.tenant import Waits, connect, import_devices

IMPORT = "/v1.0/deviceManagement/importedWindowsAutopilotDeviceIdentities/import"
MANAGED = "/v1.0/deviceManagement/managedDevices"
AUTOPILOT = "/v1.0/deviceManagement/windowsAutopilotDeviceIdentities"


def states(store: Store) -> dict[str, str]:
    return {i.serial or "": i.state for i in store.outbox_items(list(OutboxState))}


def test_upload_poll_then_autopilot_sync(
    connected: Store, graph: FakeGraph, quick: services.SyncOptions, tmp_path: Path
) -> None:
    serials = import_devices(connected, tmp_path, 3)
    assert len(services.queue_uploads(connected, serials, actor=ADMIN).queued) == 3
    graph.tenant.polls_to_finish = 2  # pending at the first poll, complete at the second

    report = services.sync_once(connected, options=quick, actor=ADMIN)

    assert sorted(report.drain.uploaded) == sorted(serials)
    assert report.drain.autopilot_synced and graph.tenant.sync_calls == 1
    assert graph.tenant.import_posts == {s: 1 for s in serials}
    body_paths = graph.tenant.paths("POST")
    assert body_paths.count(IMPORT) == 1  # one batch
    assert set(states(connected).values()) == {"done"}
    device = connected.device_by_serial(serials[0])
    assert device is not None
    facts = services.device_tenant_facts(connected, device.id, actor=ADMIN)
    assert facts.autopilot is not None and facts.autopilot.autopilot_id is not None
    assert facts.autopilot.import_status == "complete"
    assert facts.autopilot.group_tag == "Bench"
    assert services.tenant_status(connected, actor=ADMIN).as_json()["outbox"] == {
        "pending": 0,
        "parked": 0,
        "done": 3,
    }


def test_import_sends_the_documented_body(
    connected: Store, graph: FakeGraph, quick: services.SyncOptions, tmp_path: Path
) -> None:
    [serial] = import_devices(connected, tmp_path, 1)
    services.queue_uploads(connected, [serial], actor=ADMIN)
    sent: list[dict[str, object]] = []
    graph.tenant.on_import = lambda _: sent.extend(graph.tenant.imported.values())
    services.sync_once(connected, options=quick, actor=ADMIN)
    [identity] = sent
    record = connected.upload_record(connected.device_by_serial(serial).id)  # type: ignore[union-attr]
    assert record is not None
    assert identity["serialNumber"] == serial
    assert identity["hardwareIdentifier"] == record.hardware_hash
    assert identity["productKey"] == record.product_id
    assert identity["groupTag"] == "Bench"


def test_import_ending_in_error_806_says_so_in_words(
    connected: Store, graph: FakeGraph, quick: services.SyncOptions, tmp_path: Path
) -> None:
    serials = import_devices(connected, tmp_path, 2)
    graph.tenant.error_serials[serials[1]] = (806, "ZtdDeviceAlreadyAssigned")
    services.queue_uploads(connected, serials, actor=ADMIN)

    report = services.sync_once(connected, options=quick, actor=ADMIN)

    assert report.drain.uploaded == [serials[0]]
    [failed] = report.drain.failed
    assert failed["serial"] == serials[1] and failed["code"] == 806
    assert "806 ZtdDeviceAlreadyAssigned" in str(failed["reason"])
    assert "already registered in this tenant" in str(failed["reason"])
    device = connected.device_by_serial(serials[1])
    assert device is not None
    autopilot = services.device_tenant_facts(connected, device.id, actor=ADMIN).autopilot
    assert autopilot is not None and autopilot.import_status == "error"
    assert autopilot.import_error_code == 806


def test_a_device_already_in_autopilot_is_not_queued_again(
    connected: Store, graph: FakeGraph, quick: services.SyncOptions, tmp_path: Path
) -> None:
    serials = import_devices(connected, tmp_path, 2)
    graph.tenant.add_autopilot(serials[0], groupTag="Lab")
    services.sync_once(
        connected, options=quick, actor=ADMIN
    )  # reads Autopilot: serials[0] is there

    report = services.queue_uploads(connected, None, actor=ADMIN)

    assert report.queued == [serials[1]]
    report = services.queue_uploads(connected, [serials[0]], actor=ADMIN)
    assert report.skipped == [{"serial": serials[0], "reason": "already in the tenant's Autopilot"}]


def test_a_device_deleted_from_autopilot_can_be_uploaded_again(
    connected: Store, graph: FakeGraph, quick: services.SyncOptions, tmp_path: Path
) -> None:
    [serial] = import_devices(connected, tmp_path, 1)
    services.queue_uploads(connected, [serial], actor=ADMIN)
    services.sync_once(connected, options=quick, actor=ADMIN)  # uploaded, then listed
    graph.tenant.remove_autopilot(serial)  # deleted in the portal, to register it afresh
    services.sync_once(connected, options=quick, actor=ADMIN)  # no longer listed

    report = services.queue_uploads(connected, [serial], actor=ADMIN)

    assert report.queued == [serial] and report.skipped == []
    services.sync_once(connected, options=quick, actor=ADMIN)
    assert graph.tenant.import_posts[serial] == 2
    assert any(d["serialNumber"] == serial for d in graph.tenant.autopilot)
    again = services.queue_uploads(connected, [serial], actor=ADMIN)
    assert again.skipped == [{"serial": serial, "reason": "already in the tenant's Autopilot"}]


def test_a_completed_upload_not_listed_yet_is_not_sent_again(
    connected: Store, graph: FakeGraph, quick: services.SyncOptions, tmp_path: Path
) -> None:
    [serial] = import_devices(connected, tmp_path, 1)
    graph.tenant.lists_imports = False  # Autopilot lists a new device minutes after its import
    services.queue_uploads(connected, [serial], actor=ADMIN)
    services.sync_once(connected, options=quick, actor=ADMIN)
    services.sync_once(connected, options=quick, actor=ADMIN)  # still not listed

    report = services.queue_uploads(connected, [serial], actor=ADMIN)

    assert report.skipped == [{"serial": serial, "reason": "already uploaded"}]
    assert graph.tenant.import_posts[serial] == 1


def test_an_upload_of_a_device_already_present_ends_in_806(
    connected: Store, graph: FakeGraph, quick: services.SyncOptions, tmp_path: Path
) -> None:
    [serial] = import_devices(connected, tmp_path, 1)
    services.queue_uploads(connected, [serial], actor=ADMIN)
    graph.tenant.add_autopilot(serial)  # registered by another bench since the queueing
    report = services.sync_once(connected, options=quick, actor=ADMIN)
    assert report.drain.failed[0]["code"] == 806


def test_every_page_is_read_and_managed_devices_ask_only_what_is_used(
    connected: Store, graph: FakeGraph, quick: services.SyncOptions
) -> None:
    graph.tenant.page_size = 3
    for n in range(10):
        graph.tenant.add_autopilot(f"AP{n:04d}", groupTag="Lab")
        graph.tenant.add_managed(f"MD{n:04d}", complianceState="noncompliant")
    graph.tenant.add_managed("IPHONE01", operatingSystem="iOS")

    report = services.sync_once(connected, options=quick, actor=ADMIN)

    assert report.autopilot.listed == 10 and report.autopilot.created == 10
    assert report.managed.listed == 10 and report.managed.created == 10
    assert report.skipped == 1  # the iPhone
    assert graph.tenant.paths().count(AUTOPILOT) == 4 and graph.tenant.paths().count(MANAGED) == 4
    selects = {q.get("$select", [""])[0] for m, p, q in graph.tenant.requests if p == MANAGED}
    assert selects == {
        "id,serialNumber,operatingSystem,complianceState,"
        "complianceGracePeriodExpirationDateTime,lastSyncDateTime,isEncrypted,osVersion,"
        "userPrincipalName,azureADDeviceId"
    }
    assert connected.count_devices() == 20
    device = connected.device_by_serial("MD0009")
    assert device is not None and device.origin == "tenantIntune"
    assert device.intune_state == "noncompliant" and device.enrollment_status == "enrolled"


def test_intune_says_becomes_the_intune_state_and_confirms_a_join(
    connected: Store, graph: FakeGraph, quick: services.SyncOptions
) -> None:
    services.enroll_device(connected, services.EnrollRequest("PF4GRACE1"), actor=ADMIN)
    prepared = connected.device_by_serial("PF4GRACE1")
    assert prepared is not None and prepared.enrollment_status == "prepared"
    graph.tenant.add_managed(
        "pf4grace1",  # Intune's casing differs: still the same device
        complianceState="inGracePeriod",
        complianceGracePeriodExpirationDateTime="2099-03-04T05:06:07Z",
        lastSyncDateTime="2099-01-01T00:00:00.0000000Z",
        osVersion="10.0.26100.4061",
        isEncrypted=False,
    )

    report = services.sync_once(connected, options=quick, actor=ADMIN)

    assert report.managed.created == 0 and report.managed.joins_confirmed == 1
    device = connected.device_by_serial("PF4GRACE1")
    assert device is not None
    assert device.intune_state == "inGracePeriod"
    assert device.intune_grace_until == "2099-03-04T05:06:07Z"
    assert device.enrollment_status == "enrolled"
    assert device.compliance_state == prepared.compliance_state  # the bench check stands
    intune = services.device_tenant_facts(connected, device.id, actor=ADMIN).intune
    assert intune is not None and intune.last_sync == "2099-01-01T00:00:00Z"
    assert intune.is_encrypted is False and intune.os_version == "10.0.26100.4061"
    history = connected.device_history(device.id)
    assert any("the tenant lists the device" in (h.note or "") for h in history)
    assert services.fleet_summary(connected, actor=ADMIN)["intune"] == {"inGracePeriod": 1}

    graph.tenant.managed.clear()  # retired from Intune: no Intune verdict any more
    graph.tenant._pages.clear()
    services.sync_once(connected, options=quick, actor=ADMIN)
    gone = connected.device_by_serial("PF4GRACE1")
    assert gone is not None and gone.intune_state is None


def test_429_waits_retry_after_and_503_backs_off(
    connected: Store, graph: FakeGraph, quick: services.SyncOptions, waits: Waits
) -> None:
    graph.tenant.add_managed("MD0001")
    graph.tenant.fail("GET", MANAGED, 429, headers={"Retry-After": "7"})
    graph.tenant.fail("GET", AUTOPILOT, 503, times=2)

    report = services.sync_once(connected, options=quick, actor=ADMIN)

    assert report.managed.listed == 1
    assert sum(waits.seconds) >= 7  # Retry-After honoured (in small cancellable steps)
    assert graph.tenant.paths().count(MANAGED) == 2 and graph.tenant.paths().count(AUTOPILOT) == 3


def test_throttled_for_longer_than_a_sync_waits_is_unreachable_and_keeps_the_outbox(
    connected: Store, graph: FakeGraph, quick: services.SyncOptions, tmp_path: Path
) -> None:
    serials = import_devices(connected, tmp_path, 2)
    services.queue_uploads(connected, serials, actor=ADMIN)
    graph.tenant.fail("POST", IMPORT, 429, headers={"Retry-After": "3600"})
    with pytest.raises(TenantThrottled, match="wait 3600 s"):
        services.sync_once(connected, options=quick, actor=ADMIN)
    assert set(states(connected).values()) == {"pending"}
    status = services.tenant_status(connected, actor=ADMIN)
    assert not status.connected and status.offline_since is not None
    assert status.outbox["pending"] == 2
    services.sync_once(connected, options=quick, actor=ADMIN)
    assert graph.tenant.import_posts == {s: 1 for s in serials}
    assert services.tenant_status(connected, actor=ADMIN).connected


def test_an_expired_token_is_refreshed_once(
    connected: Store, graph: FakeGraph, quick: services.SyncOptions
) -> None:
    graph.tenant.add_managed("MD0001")
    services.sync_once(connected, options=quick, actor=ADMIN)
    before = graph.tenant.token_requests
    graph.tenant.expire_tokens()

    services.sync_once(connected, options=quick, actor=ADMIN)

    assert graph.tenant.token_requests == before + 1
    refused = [p for m, p, q in graph.tenant.requests if p == AUTOPILOT]
    assert len(refused) == 3  # first sync, then the 401, then the retry with the new token


def test_a_token_refused_after_refreshing_is_a_refusal(
    connected: Store, graph: FakeGraph, quick: services.SyncOptions
) -> None:
    graph.tenant.token_lifetime = -10  # every token is born expired
    graph.tenant.expire_tokens()
    with pytest.raises(TenantRefused, match="refused Joinery's token twice"):
        services.sync_once(connected, options=quick, actor=ADMIN)


def test_403_parks_the_item_with_the_missing_permission(
    connected: Store, graph: FakeGraph, quick: services.SyncOptions, tmp_path: Path
) -> None:
    serials = import_devices(connected, tmp_path, 2)
    services.queue_uploads(connected, serials, actor=ADMIN)
    graph.tenant.fail(
        "POST",
        IMPORT,
        403,
        body={"error": {"code": "Forbidden", "message": "Application is not authorized."}},
    )
    report = services.sync_once(connected, options=quick, actor=ADMIN)

    assert {f["code"] for f in report.drain.failed} == {403}
    status = services.tenant_status(connected, actor=ADMIN)
    assert status.outbox["parked"] == 2
    assert "DeviceManagementServiceConfig.ReadWrite.All" in str(status.parked[0].reason)
    assert graph.tenant.import_posts == {}  # refused: nothing was imported

    assert services.retry_parked(connected, [status.parked[0].id], actor=ADMIN) == 1
    services.sync_once(connected, options=quick, actor=ADMIN)
    assert graph.tenant.import_posts == {status.parked[0].serial: 1}
    assert services.drop_parked(connected, [status.parked[1].id], actor=ADMIN) == 1
    assert services.tenant_status(connected, actor=ADMIN).outbox == {
        "pending": 0,
        "parked": 0,
        "done": 1,
    }


def test_outage_then_recovery_uploads_each_device_once(
    connected: Store, graph: FakeGraph, quick: services.SyncOptions, tmp_path: Path
) -> None:
    serials = import_devices(connected, tmp_path, 4)
    services.queue_uploads(connected, serials, actor=ADMIN)
    graph.stop()  # the bench is offline

    with pytest.raises(TenantUnreachable, match="cannot be reached"):
        services.sync_once(connected, options=quick, actor=ADMIN)
    assert set(states(connected).values()) == {"pending"}

    graph.start()
    graph.tenant.fail("POST", IMPORT, drop=True)  # the tenant imports, the answer is lost
    with pytest.raises(TenantUnreachable):
        services.sync_once(connected, options=quick, actor=ADMIN)
    assert set(states(connected).values()) == {"sending"}
    assert graph.tenant.import_posts == {s: 1 for s in serials}

    report = services.sync_once(connected, options=quick, actor=ADMIN)  # looks the serials up first

    assert sorted(report.drain.uploaded) == sorted(serials)
    assert graph.tenant.import_posts == {s: 1 for s in serials}
    assert set(states(connected).values()) == {"done"}


def test_a_lost_answer_after_the_import_completed_is_not_sent_again(
    connected: Store, graph: FakeGraph, quick: services.SyncOptions, tmp_path: Path
) -> None:
    [serial] = import_devices(connected, tmp_path, 1)
    services.queue_uploads(connected, [serial], actor=ADMIN)
    graph.tenant.fail("POST", IMPORT, drop=True)
    with pytest.raises(TenantUnreachable):
        services.sync_once(connected, options=quick, actor=ADMIN)
    graph.tenant.imported.clear()  # the import record is gone; Autopilot has the device
    graph.tenant.add_autopilot(serial)

    report = services.sync_once(connected, options=quick, actor=ADMIN)

    assert report.drain.uploaded == [serial]
    assert graph.tenant.import_posts == {serial: 1}


def test_one_sync_at_a_time_sends_the_outbox(
    connected: Store,
    graph: FakeGraph,
    quick: services.SyncOptions,
    tmp_path: Path,
) -> None:
    """The kiosk's sync and a `joinery tenant sync` at once: the second took the first's
    rows, in flight, for a crashed send and POSTed every device again."""
    serials = import_devices(connected, tmp_path, 3)
    services.queue_uploads(connected, serials, actor=ADMIN)
    arrived, release = threading.Event(), threading.Event()

    def held_import(_body: bytes, carry_out: Callable[[], object]) -> object:
        arrived.set()
        release.wait(10)
        return carry_out()

    graph.tenant.around_import(held_import)
    failures: list[BaseException] = []

    def first() -> None:
        try:
            with Store.open(connected.path) as store:
                services.sync_once(store, options=quick, actor=ADMIN)
        except BaseException as error:  # noqa: BLE001 - reported below
            failures.append(error)

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert arrived.wait(10)  # the first sync's POST is in flight
        with Store.open(connected.path) as other, pytest.raises(TenantBusy):
            services.sync_once(other, options=quick, actor=ADMIN)
    finally:
        release.set()
        thread.join(10)
    assert failures == []
    assert graph.tenant.import_posts == {s: 1 for s in serials}
    assert set(states(connected).values()) == {"done"}
    assert services.tenant_status(connected, actor=ADMIN).last_error is None
    services.sync_once(connected, options=quick, actor=ADMIN)  # the lock went with the sync


def test_a_finished_imports_record_is_deleted(
    connected: Store, graph: FakeGraph, quick: services.SyncOptions, tmp_path: Path
) -> None:
    """As Microsoft's module does after every import: a record left would answer for a
    later upload of the serial."""
    serials = import_devices(connected, tmp_path, 3)
    services.queue_uploads(connected, serials, actor=ADMIN)
    services.sync_once(connected, options=quick, actor=ADMIN)
    assert graph.tenant.imported == {} and graph.tenant.deleted_imports == 3
    assert set(states(connected).values()) == {"done"}


@pytest.mark.parametrize("old", ["complete", "error"])
def test_an_older_import_record_of_the_serial_does_not_answer_for_this_upload(
    connected: Store, graph: FakeGraph, quick: services.SyncOptions, tmp_path: Path, old: str
) -> None:
    """A record left by another tool (another hash: the device before a reimage) was taken
    for this upload, in doubt after a 500: recorded 'complete' (or last month's 806) with
    nothing sent, and the device could not be queued again."""
    [serial] = import_devices(connected, tmp_path, 1)
    graph.tenant.imported["old"] = {
        "id": "old",
        "serialNumber": serial,
        "hardwareIdentifier": "T2xkZXIgaGFzaA==",
        "state": {"deviceImportStatus": old, "deviceErrorCode": 806 if old == "error" else 0},
    }
    services.queue_uploads(connected, [serial], actor=ADMIN)
    graph.tenant.fail("POST", IMPORT, 500)  # not carried out
    with pytest.raises(TenantUnreachable):
        services.sync_once(connected, options=quick, actor=ADMIN)

    services.sync_once(connected, options=quick, actor=ADMIN)

    assert graph.tenant.import_posts == {serial: 1}
    [item] = connected.outbox_items(list(OutboxState))
    assert (item.state, item.outcome) == ("done", "complete")
    assert "old" in graph.tenant.imported  # not Joinery's to delete


def test_a_503_to_the_import_is_looked_up_not_sent_again(
    connected: Store,
    graph: FakeGraph,
    quick: services.SyncOptions,
    tmp_path: Path,
) -> None:
    """A gateway's 503 after the import was carried out: retried as if it had not been,
    every device of the batch was POSTed twice."""
    serials = import_devices(connected, tmp_path, 2)
    services.queue_uploads(connected, serials, actor=ADMIN)
    answered: list[object] = []

    def done_then_503(_body: bytes, carry_out: Callable[[], object]) -> object:
        answer = carry_out()
        if answered:
            return answer
        answered.append(answer)
        return 503, {"Content-Type": "application/json"}, b'{"error": {"code": "x"}}'

    graph.tenant.around_import(done_then_503)
    with pytest.raises(TenantUnreachable, match="may have done it"):
        services.sync_once(connected, options=quick, actor=ADMIN)
    services.sync_once(connected, options=quick, actor=ADMIN)
    assert graph.tenant.import_posts == {s: 1 for s in serials}
    assert set(states(connected).values()) == {"done"}


def test_rows_changed_outside_joinery_are_parked_and_the_rest_is_sent(
    connected: Store, graph: FakeGraph, quick: services.SyncOptions, tmp_path: Path
) -> None:
    """A payload edited into bad JSON stopped every sync with a traceback (and `tenant
    status` too); a kind Joinery does not send waited for ever."""
    serials = import_devices(connected, tmp_path, 3)
    services.queue_uploads(connected, serials, actor=ADMIN)
    first, second, third = connected.outbox_items(list(OutboxState))
    connected.conn.execute("UPDATE tenant_outbox SET payload = '{bad' WHERE id = ?", [first.id])
    connected.conn.execute(
        "UPDATE tenant_outbox SET kind = 'device.delete' WHERE id = ?", [second.id]
    )

    report = services.sync_once(connected, options=quick, actor=ADMIN)

    assert report.drain.uploaded == [third.serial]
    assert graph.tenant.import_posts == {third.serial: 1}
    items = {i.id: i for i in connected.outbox_items(list(OutboxState))}
    assert items[first.id].state == items[second.id].state == "parked"
    assert "payload is not a JSON object" in (items[first.id].reason or "")
    assert f"joinery tenant drop {second.id}" in (items[second.id].reason or "")
    assert services.tenant_status(connected, actor=ADMIN).outbox["parked"] == 2


@pytest.mark.skipif(not hasattr(os, "symlink") or os.name != "posix", reason="POSIX links")
def test_one_database_reached_by_two_paths_is_one_sync_lock(
    connected: Store, quick: services.SyncOptions, tmp_path: Path
) -> None:
    """The lock was named after the path as typed: through a link, both syncs ran."""
    link = tmp_path / "linked.db"
    link.symlink_to(Path(connected.path).resolve())
    real = Path(connected.path).resolve()
    lock = real.with_name(real.name + ".sync.lock")
    with held(lock), Store.open(link) as other, pytest.raises(TenantBusy):
        services.sync_once(other, options=quick, actor=ADMIN)


def test_cancel_stops_between_steps_and_keeps_what_was_answered(
    connected: Store, graph: FakeGraph, quick: services.SyncOptions, tmp_path: Path
) -> None:
    serials = import_devices(connected, tmp_path, 2)
    services.queue_uploads(connected, serials, actor=ADMIN)
    seen: list[int] = []

    def cancelled() -> bool:
        return len(seen) >= 1

    with pytest.raises(Cancelled):
        services.sync_once(
            connected,
            ADMIN,
            lambda done, total: seen.append(done),
            cancelled,
            options=quick,
        )
    assert graph.tenant.import_posts == {s: 1 for s in serials}
    assert "pending" not in states(connected).values()


def test_a_group_tag_changed_at_the_bench_goes_to_the_tenant(
    connected: Store, graph: FakeGraph, quick: services.SyncOptions
) -> None:
    graph.tenant.add_autopilot("PF4TAG01", groupTag="Lab")
    services.sync_once(connected, options=quick, actor=ADMIN)

    services.enroll_device(
        connected,
        services.EnrollRequest("PF4TAG01", overrides=(("group_tag", "Sales"),)),
        actor=ADMIN,
    )
    [item] = connected.outbox_items(["pending"])
    assert item.kind == "autopilot.update" and item.payload["group_tag"] == "Sales"

    services.sync_once(connected, options=quick, actor=ADMIN)

    assert graph.tenant.updates == [("updateDeviceProperties", {"groupTag": "Sales"})]
    assert graph.tenant.autopilot[0]["groupTag"] == "Sales"
    assert states(connected) == {"PF4TAG01": "done"}


def test_a_record_left_by_a_sync_that_stopped_early_answers_for_nothing(
    connected: Store, graph: FakeGraph, quick: services.SyncOptions, tmp_path: Path
) -> None:
    """Its deletion missed (the tenant unreachable at the end of a sync), last month's
    import record of the same hash (error 806) stood in for a later upload in doubt: the
    old outcome recorded again, nothing sent."""
    [serial] = import_devices(connected, tmp_path, 1)
    services.queue_uploads(connected, [serial], actor=ADMIN)
    graph.tenant.error_serials[serial] = (806, "ZtdDeviceAlreadyAssigned")
    imported = "/v1.0/deviceManagement/importedWindowsAutopilotDeviceIdentities"
    graph.tenant.fail("DELETE", imported, 500, times=50)
    services.sync_once(connected, options=quick, actor=ADMIN)
    [left] = graph.tenant.imported  # error 806, still there
    graph.tenant.faults.clear()
    del graph.tenant.error_serials[serial]  # released by the other tenant since
    queued = services.queue_uploads(connected, [serial], actor=ADMIN)
    assert queued.queued == [serial], queued.as_json()
    graph.tenant.fail("POST", IMPORT, 500)  # not carried out: the upload is in doubt
    with pytest.raises(TenantUnreachable):
        services.sync_once(connected, options=quick, actor=ADMIN)

    services.sync_once(connected, options=quick, actor=ADMIN)

    assert graph.tenant.import_posts == {serial: 2}  # sent again, not taken for done
    assert left not in graph.tenant.imported  # and the old record deleted at last
    latest = connected.outbox_items(["done"])[-1]
    assert latest.outcome == "complete"


def test_a_refused_batch_parks_only_the_devices_at_fault(
    connected: Store,
    graph: FakeGraph,
    quick: services.SyncOptions,
    tmp_path: Path,
) -> None:
    """A 400 for one device's hash parked all of its batch (up to 100), and "retry all" put
    the bad one back in the same batch."""
    serials = import_devices(connected, tmp_path, 5)
    services.queue_uploads(connected, serials, actor=ADMIN)
    bad = serials[3]

    def refuse_bad(body: bytes, carry_out: Callable[[], object]) -> object:
        if bad.encode() not in body:
            return carry_out()
        error = b'{"error": {"code": "BadRequest", "message": "hardwareIdentifier"}}'
        return 400, {"Content-Type": "application/json"}, error

    graph.tenant.around_import(refuse_bad)
    # The first half is throttled: neither half leaves this sync.
    graph.tenant.fail("POST", IMPORT, 429, headers={"Retry-After": "999"})
    with pytest.raises(TenantThrottled):
        services.sync_once(connected, options=quick, actor=ADMIN)
    assert set(states(connected).values()) == {"pending"}  # waiting, none in doubt
    report = services.sync_once(connected, options=quick, actor=ADMIN)
    assert sorted(report.drain.uploaded) == sorted(s for s in serials if s != bad)
    assert graph.tenant.import_posts == {s: 1 for s in serials if s != bad}
    assert [i.serial for i in connected.outbox_items(["parked"])] == [bad]


def test_a_newer_change_replaces_a_parked_one(
    connected: Store, graph: FakeGraph, quick: services.SyncOptions
) -> None:
    """A parked group-tag change retried after a newer one went through put the older
    value back in the tenant."""
    graph.tenant.add_autopilot("PF4TAG02", groupTag="Lab")
    services.sync_once(connected, options=quick, actor=ADMIN)
    autopilot_id = graph.tenant.autopilot[0]["id"]
    graph.tenant.fail("POST", f"{AUTOPILOT}/{autopilot_id}/updateDeviceProperties", 400)
    for tag, update in (("Sales", False), ("Finance", True)):
        services.enroll_device(
            connected,
            services.EnrollRequest("PF4TAG02", update=update, overrides=(("group_tag", tag),)),
            actor=ADMIN,
        )
        services.sync_once(connected, options=quick, actor=ADMIN)
    assert graph.tenant.autopilot[0]["groupTag"] == "Finance"
    assert connected.outbox_items(["parked"]) == []  # nothing older left to retry


def test_a_change_back_to_the_tenants_value_takes_the_waiting_one_away(
    connected: Store, graph: FakeGraph, quick: services.SyncOptions
) -> None:
    """Lab, then Sales, then Lab again before a sync: "Sales" stayed queued and went out,
    so the bench said Lab and the tenant Sales."""
    graph.tenant.add_autopilot("PF4TAG03", groupTag="Lab")
    services.sync_once(connected, options=quick, actor=ADMIN)
    for tag, update in (("Sales", False), ("Lab", True)):
        services.enroll_device(
            connected,
            services.EnrollRequest("PF4TAG03", update=update, overrides=(("group_tag", tag),)),
            actor=ADMIN,
        )
    assert connected.outbox_items(["pending", "parked"]) == []
    services.sync_once(connected, options=quick, actor=ADMIN)
    assert graph.tenant.autopilot[0]["groupTag"] == "Lab" and graph.tenant.updates == []


def test_a_change_written_to_the_outbox_rolls_back_with_its_enrollment(
    connected: Store, graph: FakeGraph, quick: services.SyncOptions
) -> None:
    graph.tenant.add_autopilot("PF4TAG02", groupTag="Lab")
    services.sync_once(connected, options=quick, actor=ADMIN)
    request = services.EnrollRequest("PF4TAG02", overrides=(("group_tag", "Sales"),))
    queued: list[int] = []

    def enroll_then_fail() -> None:
        with connected.transaction():
            services.enroll_device(connected, request, actor=ADMIN)
            queued.append(len(connected.outbox_items(["pending"])))
            raise RuntimeError("power cut")

    with pytest.raises(RuntimeError):
        enroll_then_fail()
    assert queued == [1]
    assert connected.outbox_items(["pending"]) == []


def test_a_sign_in_that_fails_leaves_the_outbox_pending_not_sending(
    store: Store, graph: FakeGraph, quick: services.SyncOptions, tmp_path: Path
) -> None:
    graph.tenant.token_lifetime = 60  # the cached token is too close to expiry to use
    connect(store, graph)
    serials = import_devices(store, tmp_path, 2)
    services.queue_uploads(store, serials, actor=ADMIN)
    graph.tenant.fail("POST", f"/{TENANT}/oauth2/v2.0/token", 503, times=20)

    with pytest.raises(TenantUnreachable):
        services.sync_once(store, options=quick, actor=ADMIN)

    assert set(states(store).values()) == {"pending"}
    assert graph.tenant.import_posts == {}


def test_a_revoked_secret_is_refused_and_leaves_the_outbox_pending(
    store: Store, graph: FakeGraph, quick: services.SyncOptions, tmp_path: Path
) -> None:
    graph.tenant.token_lifetime = 60
    connect(store, graph)
    serials = import_devices(store, tmp_path, 1)
    services.queue_uploads(store, serials, actor=ADMIN)
    graph.tenant.client_secret = "rotated-in-entra"

    with pytest.raises(TenantRefused, match="the client secret is wrong"):
        services.sync_once(store, options=quick, actor=ADMIN)

    assert set(states(store).values()) == {"pending"}
    status = services.tenant_status(store, actor=ADMIN)
    assert not status.connected and "client secret" in str(status.last_error)
