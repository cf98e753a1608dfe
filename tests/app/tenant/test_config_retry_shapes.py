"""Settings, waits and the Graph JSON shapes, without a network."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from typing import Any

import pytest

from app.domain import AutopilotRecord
from app.errors import InputError
from app.tenant import shapes
from app.tenant.config import AuthKind, TenantConfig
from app.tenant.errors import GraphAnswerInvalid, GraphError
from app.tenant.retry import RetryPolicy, retry_after

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CLIENT = "0d2b9c0a-7a34-4c51-b0f3-6a4c1e2f9b11"

# The list managedDevices example (learn.microsoft.com/graph/api/intune-devices-manageddevice-
# list, v1.0), trimmed to the properties Joinery selects: note the -08:00 offsets.
MANAGED_EXAMPLE = """{"value": [{
  "@odata.type": "#microsoft.graph.managedDevice",
  "id": "705c034c-034c-705c-4c03-5c704c035c70",
  "lastSyncDateTime": "2017-01-01T00:02:49.3205976-08:00",
  "operatingSystem": "Windows",
  "complianceState": "compliant",
  "osVersion": "Os Version value",
  "azureADDeviceId": "Azure ADDevice Id value",
  "isEncrypted": true,
  "userPrincipalName": "User Principal Name value",
  "complianceGracePeriodExpirationDateTime": "2016-12-31T23:56:44.951111-08:00",
  "serialNumber": "Serial Number value"}]}"""

# The import action's example answer (intune-enrollment-importedwindowsautopilotdeviceidentity-
# import, v1.0).
IMPORT_EXAMPLE = """{"value": [{
  "@odata.type": "#microsoft.graph.importedWindowsAutopilotDeviceIdentity",
  "id": "985b4f49-4f49-985b-494f-5b98494f5b98",
  "groupTag": "Group Tag value", "serialNumber": "Serial Number value",
  "productKey": "Product Key value", "importId": "Import Id value",
  "hardwareIdentifier": "aGFyZHdhcmVJZGVudGlmaWVy",
  "state": {"@odata.type": "microsoft.graph.importedWindowsAutopilotDeviceIdentityState",
    "deviceImportStatus": "pending", "deviceRegistrationId": "Device Registration Id value",
    "deviceErrorCode": 15, "deviceErrorName": "Device Error Name value"},
  "assignedUserPrincipalName": "Assigned User Principal Name value"}]}"""


def test_national_cloud_settings_turn_instance_discovery_off() -> None:
    default = TenantConfig.checked(TENANT, CLIENT, AuthKind.SECRET)
    assert default.authority == f"https://login.microsoftonline.com/{TENANT}"
    assert default.default_authority and default.scopes == ["https://graph.microsoft.com/.default"]
    gov = TenantConfig.checked(
        "contoso.onmicrosoft.us", CLIENT, AuthKind.DEVICE_CODE,
        "https://login.microsoftonline.us/", "https://graph.microsoft.us",
    )  # fmt: skip
    assert not gov.default_authority
    assert gov.authority == "https://login.microsoftonline.us/contoso.onmicrosoft.us"
    assert gov.api() == "https://graph.microsoft.us/v1.0"
    assert gov.scopes[0] == "https://graph.microsoft.us/DeviceManagementServiceConfig.ReadWrite.All"


@pytest.mark.parametrize(
    ("tenant", "client", "host", "words"),
    [
        ("not a tenant", CLIENT, None, "--tenant-id"),
        (TENANT, "secret-id", None, "--client-id"),
        (TENANT, CLIENT, "http://login.example", "https://"),
        (TENANT, CLIENT, "https://login.example/tenant", "host only"),
        (TENANT, CLIENT, "https://user:pw@login.example", "host only"),
        (TENANT, CLIENT, "https://[::1", "is not a URL"),  # was a ValueError traceback
        (TENANT, CLIENT, "https://127.0.0.1:99999", "is not a URL"),  # was "unknown tenant"
    ],
)
def test_settings_that_cannot_work_are_refused(
    tenant: str, client: str, host: str | None, words: str
) -> None:
    with pytest.raises(InputError, match=words):
        TenantConfig.checked(tenant, client, AuthKind.SECRET, host)


def test_retry_after_seconds_and_http_date() -> None:
    now = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
    assert retry_after("7", now) == 7.0
    assert retry_after("Sat, 01 Mar 2025 12:00:30 GMT", now) == 30.0
    assert retry_after("Sat, 01 Mar 2025 11:00:00 GMT", now) == 0.0
    assert retry_after("soon", now) is None
    assert retry_after(None, now) is None


def test_a_retry_after_date_is_measured_from_the_answers_date() -> None:
    """A bench clock 10 minutes slow turned "wait 5 s" into 605 s (the sync gave up)."""
    slow = datetime(2025, 3, 1, 11, 50, 0, tzinfo=UTC)
    sent = "Sat, 01 Mar 2025 12:00:00 GMT"
    assert retry_after("Sat, 01 Mar 2025 12:00:05 GMT", slow, sent) == 5.0
    assert retry_after("Sat, 01 Mar 2025 12:00:05 GMT", slow, "not a date") == 605.0
    assert retry_after("9", slow, sent) == 9.0


def test_backoff_is_jittered_and_capped() -> None:
    policy = RetryPolicy(base=1.0, cap=8.0)
    rng = random.Random(4)
    waits = [policy.backoff(attempt, rng) for attempt in range(1, 8) for _ in range(50)]
    assert all(0 <= w <= 8.0 for w in waits)
    assert len({round(w, 3) for w in waits}) > 100  # spread, not one value for every bench
    assert max(policy.backoff(1, random.Random(s)) for s in range(100)) <= 2.0


def test_managed_example_reads_with_offsets_in_utc() -> None:
    rows, skipped = shapes.managed_rows(json.loads(MANAGED_EXAMPLE)["value"], 1)
    assert skipped == 0
    [row] = rows
    assert row[0] == "Serial Number value" and row[2] == "compliant"
    assert row[3] == "2017-01-01T07:56:44Z"  # -08:00 to UTC, seconds kept
    assert row[4] == "2017-01-01T08:02:49Z"
    assert row[5] == 1


def test_import_example_answer_reads() -> None:
    [element] = json.loads(IMPORT_EXAMPLE)["value"]
    identity = shapes.imported_identity(element, "example")
    assert identity.status == "pending" and not identity.done
    assert identity.error_code == 15 and identity.id == "985b4f49-4f49-985b-494f-5b98494f5b98"


def test_import_body_is_the_documented_shape() -> None:
    record = AutopilotRecord("PF4X1", "00330-80000-00000-AA123", "aGFyZHdhcmU=", "Sales", "a@b.c")
    body = shapes.import_body([record, AutopilotRecord("PF4X2", "", "aGFyZHdhcmU=")])
    first, second = body["importedWindowsAutopilotDeviceIdentities"]
    assert first == {
        "@odata.type": "#microsoft.graph.importedWindowsAutopilotDeviceIdentity",
        "serialNumber": "PF4X1",
        "hardwareIdentifier": "aGFyZHdhcmU=",
        "productKey": "00330-80000-00000-AA123",
        "groupTag": "Sales",
        "assignedUserPrincipalName": "a@b.c",
    }
    assert set(second) == {"@odata.type", "serialNumber", "hardwareIdentifier"}


def test_error_words() -> None:
    assert shapes.import_error_words(806, "ZtdDeviceAlreadyAssigned").startswith(
        "806 ZtdDeviceAlreadyAssigned: the device is already registered"
    )
    assert "another tenant" in shapes.import_error_words(808, "ZtdDeviceAssignedToOtherTenant")
    assert shapes.import_error_words(999, "Odd") == "999 Odd"


def autopilot(**fields: Any) -> dict[str, Any]:
    return {"id": "a1", "serialNumber": "PF4X1", **fields}


def test_never_contacted_is_none_and_blank_serials_are_skipped() -> None:
    rows, skipped = shapes.autopilot_rows(
        [autopilot(lastContactedDateTime="0001-01-01T00:00:00Z"), autopilot(serialNumber=" ")],
        1,
    )
    assert skipped == 1 and rows[0][6] is None


@pytest.mark.parametrize(
    ("element", "words"),
    [
        ("text", "page 2, element 1: not a JSON object"),
        (autopilot(groupTag=5), "groupTag 5 is not text"),
        (autopilot(id=None), "id is missing"),
        (autopilot(serialNumber="X" * 129), "longer than 128"),
        (autopilot(lastContactedDateTime="yesterday"), "lastContactedDateTime"),
    ],
)
def test_a_bad_element_is_refused_with_where(element: Any, words: str) -> None:
    with pytest.raises(GraphAnswerInvalid, match=words):
        shapes.autopilot_rows([element], 2)


def test_a_403_reason_names_the_permission() -> None:
    error = GraphError(403, "Forbidden", "no", needs="DeviceManagementManagedDevices.Read.All")
    assert "lacks DeviceManagementManagedDevices.Read.All" in error.reason
    assert "retries the item" in error.reason
