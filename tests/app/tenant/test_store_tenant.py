"""The tenant's tables: the migration beside the Intune-export work, the optional pushes
and reads behind their settings, and answers Graph gives in a shape it should not."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from sqlite_utils import Database

from app import services, settings
from app.compliance import policy as pol
from app.errors import InputError
from app.store import Store
from app.store.schema import migrations
from app.tenant.errors import GraphAnswerInvalid
from tests.helpers.actors import ADMIN
from tests.helpers.fake_graph import FakeGraph


def test_m012_upgrades_a_database_from_before_the_tenant(db_path: Path) -> None:
    conn = sqlite3.connect(db_path, isolation_level=None)
    migrations.apply(Database(conn), stop_before="m012_tenant")
    conn.execute("PRAGMA user_version = 9")
    conn.execute("INSERT INTO devices (serial, created_at, updated_at) VALUES ('OLD1', 'x', 'x')")
    conn.close()
    with Store.open(db_path) as store:
        device = store.device_by_serial("OLD1")
        assert device is not None and device.intune_state is None and device.origin is None
        assert store.tenant_connection() is None


def test_the_tenant_migration_keeps_the_intune_columns_m010_added(db_path: Path) -> None:
    """m010 (the Intune export) adds devices.origin, intune_state and intune_grace_until;
    the tenant's m012 finds them there and keeps what they hold."""
    conn = sqlite3.connect(db_path, isolation_level=None)
    migrations.apply(Database(conn), stop_before="m012_tenant")
    conn.execute(
        "INSERT INTO devices (serial, intune_state, created_at, updated_at) "
        "VALUES ('EXPORT1', 'compliant', 'x', 'x')"
    )
    conn.close()
    with Store.open(db_path) as store:
        device = store.device_by_serial("EXPORT1")
        assert device is not None and device.intune_state == "compliant"


def test_a_policy_is_pushed_only_when_the_setting_is_on(
    connected: Store, graph: FakeGraph, quick: services.SyncOptions
) -> None:
    services.import_template(connected, "baseline", actor=ADMIN)
    name = services.policies(connected, actor=ADMIN)[0].display_name
    with pytest.raises(InputError, match="tenant_push_policies"):
        services.queue_policy(connected, name, actor=ADMIN)
    settings.put(connected, services.local_admin(), "tenant_push_policies", "1")
    services.queue_policy(connected, name, actor=ADMIN)

    report = services.sync_once(connected, options=quick, actor=ADMIN)

    assert report.drain.policies == 1
    [pushed] = graph.tenant.policies
    assert pushed["@odata.type"] == "#microsoft.graph.windows10CompliancePolicy"
    assert pushed["displayName"] == name
    assert (
        pushed["scheduledActionsForRule"][0]["scheduledActionConfigurations"][0]["actionType"]
        == "block"
    )
    body = json.dumps({k: v for k, v in pushed.items() if k != "id"})
    assert pol.parse_graph_json(body, "pushed").display_name == name


def test_deployment_profiles_are_read_behind_their_setting(
    connected: Store, graph: FakeGraph, quick: services.SyncOptions
) -> None:
    graph.tenant.profiles.append(
        {
            "@odata.type": "#microsoft.graph.azureADWindowsAutopilotDeploymentProfile",
            "id": "p1",
            "displayName": "Sales laptops",
            "description": "user-driven",
        }
    )
    assert services.sync_once(connected, options=quick, actor=ADMIN).profiles is None
    settings.put(connected, services.local_admin(), "tenant_read_profiles", "1")
    assert services.sync_once(connected, options=quick, actor=ADMIN).profiles == 1
    assert [p[1] for p in services.autopilot_profiles(connected, actor=ADMIN)] == ["Sales laptops"]


def test_a_next_link_to_another_host_is_not_followed(
    connected: Store, graph: FakeGraph, quick: services.SyncOptions
) -> None:
    graph.tenant.fail(
        "GET",
        "/v1.0/deviceManagement/windowsAutopilotDeviceIdentities",
        200,
        body={"value": [], "@odata.nextLink": "https://attacker.example/steal"},
    )
    with pytest.raises(GraphAnswerInvalid, match="not followed"):
        services.sync_once(connected, options=quick, actor=ADMIN)
    assert services.tenant_status(connected, actor=ADMIN).last_error


def test_a_next_link_in_clear_text_is_not_followed(
    connected: Store, graph: FakeGraph, quick: services.SyncOptions
) -> None:
    """Same host and port, http://: the link passed, and the token went out unencrypted."""
    path = "/v1.0/deviceManagement/windowsAutopilotDeviceIdentities"
    plain = graph.url.replace("https://", "http://") + path + "?$skiptoken=2"
    graph.tenant.fail("GET", path, 200, body={"value": [], "@odata.nextLink": plain})
    with pytest.raises(GraphAnswerInvalid, match="not followed"):
        services.sync_once(connected, options=quick, actor=ADMIN)
    assert graph.tenant.paths("GET").count(path) == 1


def test_a_next_link_back_to_a_page_read_before_stops_the_reading(
    connected: Store, graph: FakeGraph, quick: services.SyncOptions
) -> None:
    """A page linking to itself was read again until MAX_PAGES (100,000 requests)."""
    path = "/v1.0/deviceManagement/windowsAutopilotDeviceIdentities"
    again = graph.url + path + "?$skiptoken=same"
    graph.tenant.fail("GET", path, 200, body={"value": [], "@odata.nextLink": again}, times=50)
    with pytest.raises(GraphAnswerInvalid, match="read before"):
        services.sync_once(connected, options=quick, actor=ADMIN)
    assert graph.tenant.paths("GET").count(path) == 2
