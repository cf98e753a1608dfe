"""The Graph v1.0 JSON Joinery sends and reads, in the documented shapes (docs/tenant.md).

- POST deviceManagement/importedWindowsAutopilotDeviceIdentities/import, body
  {"importedWindowsAutopilotDeviceIdentities": [{serialNumber, productKey,
  hardwareIdentifier (base64), groupTag, assignedUserPrincipalName}, ...]}; answer
  {"value": [importedWindowsAutopilotDeviceIdentity, ...]} whose `state` has
  deviceImportStatus (unknown, pending, partial, complete, error), deviceErrorCode and
  deviceErrorName.
- GET deviceManagement/windowsAutopilotDeviceIdentities: windowsAutopilotDeviceIdentity.
- GET deviceManagement/managedDevices?$select=...: managedDevice.

A page is read into plain tuples for the store (no objects per device: a pull reads
100,000 of them). A field of the wrong type is refused with the page, the element and the
field named; a device with no serial number is skipped and counted (Intune lists some).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from app.domain import AutopilotRecord
from app.tenant.errors import GraphAnswerInvalid
from app.timeutil import parse_timestamp

IMPORT_PATH = "deviceManagement/importedWindowsAutopilotDeviceIdentities"
AUTOPILOT_PATH = "deviceManagement/windowsAutopilotDeviceIdentities"
MANAGED_PATH = "deviceManagement/managedDevices"
SYNC_PATH = "deviceManagement/windowsAutopilotSettings/sync"  # beta only: no v1.0 action
POLICIES_PATH = "deviceManagement/deviceCompliancePolicies"
PROFILES_PATH = "deviceManagement/windowsAutopilotDeploymentProfiles"  # beta only

#: What the pull reads of a managed device (`$select`): only what Joinery shows or counts.
MANAGED_FIELDS = (
    "id",
    "serialNumber",
    "operatingSystem",
    "complianceState",
    "complianceGracePeriodExpirationDateTime",
    "lastSyncDateTime",
    "isEncrypted",
    "osVersion",
    "userPrincipalName",
    "azureADDeviceId",
)
IMPORT_DONE = frozenset({"complete", "error"})
#: deviceErrorCode values Microsoft documents, in words (Intune troubleshooting: "Error 806
#: or 808 when you import Windows Autopilot device CSV files").
DEVICE_ERRORS = {
    806: "the device is already registered in this tenant's Autopilot",
    808: (
        "the device is registered to another tenant (or in Microsoft Store for Business): it "
        "must be deregistered there before this tenant can import it"
    ),
}
SERIAL_MAX = 128
_UTC = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z")


def import_error_words(code: int | None, name: str | None) -> str:
    """ "806 ZtdDeviceAlreadyAssigned: the device is already registered ..." """
    label = " ".join(str(part) for part in (code, name) if part not in (None, ""))
    meaning = DEVICE_ERRORS.get(code) if code is not None else None
    if meaning:
        return f"{label}: {meaning}"
    return label or "the import ended in error without a code"


def import_body(records: Iterable[AutopilotRecord]) -> dict[str, Any]:
    """The import action's body. The hash is sent as Graph's Binary (base64), as the
    Autopilot CSV already carries it; empty optional fields are left out."""
    identities = []
    for record in records:
        identity: dict[str, Any] = {
            "@odata.type": "#microsoft.graph.importedWindowsAutopilotDeviceIdentity",
            "serialNumber": record.serial,
            "hardwareIdentifier": record.hardware_hash,
        }
        if record.product_id:
            identity["productKey"] = record.product_id
        if record.group_tag:
            identity["groupTag"] = record.group_tag
        if record.assigned_user:
            identity["assignedUserPrincipalName"] = record.assigned_user
        identities.append(identity)
    return {"importedWindowsAutopilotDeviceIdentities": identities}


def _hash_bytes(hardware_hash: str) -> bytes | str:
    """The hash as bytes (Graph may write the base64 of a CSV's hash differently: padding,
    line breaks); the text itself when it is not base64."""
    try:
        return base64.b64decode("".join(hardware_hash.split()), validate=True)
    except (binascii.Error, ValueError):
        return hardware_hash


def check_hash(hardware_hash: str) -> bool:
    """Whether the hash is base64 (Graph's Binary): a CSV hash always is."""
    try:
        base64.b64decode(hardware_hash, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


@dataclass(frozen=True)
class ImportedIdentity:
    """One importedWindowsAutopilotDeviceIdentity, as the import action or a GET returns it."""

    id: str
    serial: str
    status: str  # deviceImportStatus
    error_code: int | None
    error_name: str | None
    hardware_hash: str | None = None  # hardwareIdentifier, when Graph lists it

    def is_upload_of(self, serial: str, hardware_hash: str | None) -> bool:
        """Whether this record is an upload of this device: its serial, and its hash where
        both are known (an older record of the serial may be another hash: a reimage)."""
        if self.serial.casefold() != serial.casefold():
            return False
        if not (self.hardware_hash and hardware_hash):
            return True
        return _hash_bytes(self.hardware_hash) == _hash_bytes(hardware_hash)

    @property
    def done(self) -> bool:
        return self.status in IMPORT_DONE

    @property
    def error_words(self) -> str:
        return import_error_words(self.error_code, self.error_name)


def imported_identity(element: Any, where: str) -> ImportedIdentity:
    item = _object(element, where)
    state = item.get("state") or {}
    if not isinstance(state, dict):
        raise GraphAnswerInvalid(f"{where}: 'state' is not an object")
    code = state.get("deviceErrorCode")
    if code is not None and not isinstance(code, int):
        raise GraphAnswerInvalid(f"{where}: deviceErrorCode {code!r} is not a number")
    status = _text(state, "deviceImportStatus", where) or "unknown"
    return ImportedIdentity(
        id=_required(item, "id", where),
        serial=_required(item, "serialNumber", where),
        status=status,
        # Graph reports 0 while nothing went wrong.
        error_code=code if code else None,
        error_name=_text(state, "deviceErrorName", where) or None,
        hardware_hash=_text(item, "hardwareIdentifier", where) or None,
    )


#: Columns of one Autopilot row for the store (app.store.tenant.AUTOPILOT_STAGE).
AutopilotRow = tuple[
    str,
    str,
    str | None,
    str | None,
    str | None,
    str | None,
    str | None,
    str | None,
    str | None,
    str | None,
]
#: Columns of one managed-device row for the store (app.store.tenant.MANAGED_STAGE).
ManagedRow = tuple[
    str,
    str,
    str | None,
    str | None,
    str | None,
    int | None,
    str | None,
    str | None,
    str | None,
]


def autopilot_rows(page: list[Any], number: int) -> tuple[list[AutopilotRow], int]:
    """(rows, skipped): (serial, id, group tag, user, profile status, enrollment state,
    last contacted, managed device id, manufacturer, model) per device with a serial."""
    rows: list[AutopilotRow] = []
    skipped = 0
    for index, element in enumerate(page):
        where = f"windowsAutopilotDeviceIdentities page {number}, element {index + 1}"
        item = _object(element, where)
        serial = _serial(item, where)
        if serial is None:
            skipped += 1
            continue
        rows.append(
            (
                serial,
                _required(item, "id", where),
                _text(item, "groupTag", where) or None,
                _text(item, "userPrincipalName", where) or None,
                # v1.0 has no profile assignment status; beta's resource does.
                _text(item, "deploymentProfileAssignmentStatus", where) or None,
                _text(item, "enrollmentState", where) or None,
                _time(item, "lastContactedDateTime", where),
                _text(item, "managedDeviceId", where) or None,
                _text(item, "manufacturer", where) or None,
                _text(item, "model", where) or None,
            )
        )
    return rows, skipped


def managed_rows(page: list[Any], number: int) -> tuple[list[ManagedRow], int]:
    """(rows, skipped): (serial, id, complianceState, grace end, last sync, isEncrypted,
    OS version, user, Entra device id) per Windows device with a serial.

    The loop is written for speed (a pull reads 100,000 devices): well-formed elements take
    the straight path, anything odd is looked at again by the checked field readers."""
    rows: list[ManagedRow] = []
    skipped = 0
    for index, element in enumerate(page):
        if type(element) is not dict:
            raise GraphAnswerInvalid(
                f"managedDevices page {number}, element {index + 1}: not a JSON object"
            )
        get = element.get
        system = get("operatingSystem")
        serial = get("serialNumber")
        if (system is not None and system != "Windows") or not serial:
            skipped += 1
            continue
        values = (
            get("id"),
            get("complianceState"),
            get("osVersion"),
            get("userPrincipalName"),
            get("azureADDeviceId"),
            get("complianceGracePeriodExpirationDateTime"),
            get("lastSyncDateTime"),
        )
        encrypted = get("isEncrypted")
        trimmed = serial.strip() if type(serial) is str else None
        if (
            not trimmed
            or len(trimmed) > SERIAL_MAX
            or not values[0]
            or any(v is not None and type(v) is not str for v in values)
            or (encrypted is not None and type(encrypted) is not bool)
        ):
            row = _managed_row_checked(
                element, f"managedDevices page {number}, element {index + 1}"
            )
            if row is None:
                skipped += 1
            else:
                rows.append(row)
            continue
        ident, state, version, user, device, grace, last = values
        rows.append(
            (  # type: ignore[arg-type]  # each value checked above: str or None
                trimmed,
                ident,
                state or None,
                _time_fast(grace, "complianceGracePeriodExpirationDateTime", element),
                _time_fast(last, "lastSyncDateTime", element),
                None if encrypted is None else int(encrypted),
                version or None,
                user or None,
                device or None,
            )
        )
    return rows, skipped


def _managed_row_checked(item: dict[str, Any], where: str) -> ManagedRow | None:
    """The slow, checked reading of one element: names the field that is wrong."""
    serial = _serial(item, where)
    if serial is None:
        return None
    encrypted = item.get("isEncrypted")
    if encrypted is not None and not isinstance(encrypted, bool):
        raise GraphAnswerInvalid(f"{where}: isEncrypted {encrypted!r} is not true or false")
    return (
        serial,
        _required(item, "id", where),
        _text(item, "complianceState", where) or None,
        _time(item, "complianceGracePeriodExpirationDateTime", where),
        _time(item, "lastSyncDateTime", where),
        None if encrypted is None else int(encrypted),
        _text(item, "osVersion", where) or None,
        _text(item, "userPrincipalName", where) or None,
        _text(item, "azureADDeviceId", where) or None,
    )


def _time_fast(value: str | None, name: str, item: dict[str, Any]) -> str | None:
    if value and _UTC.fullmatch(value) and not value.startswith("0001-01-01"):
        return value[:19] + "Z"
    return _time(item, name, "managedDevices element")


# -- fields ------------------------------------------------------------------------------------


def _object(element: Any, where: str) -> dict[str, Any]:
    if not isinstance(element, dict):
        raise GraphAnswerInvalid(f"{where}: not a JSON object")
    return element


def _text(item: dict[str, Any], name: str, where: str) -> str | None:
    value = item.get(name)
    if value is None or isinstance(value, str):
        return value
    raise GraphAnswerInvalid(f"{where}: {name} {value!r} is not text")


def _required(item: dict[str, Any], name: str, where: str) -> str:
    value = _text(item, name, where)
    if not value:
        raise GraphAnswerInvalid(f"{where}: {name} is missing")
    return value


def _serial(item: dict[str, Any], where: str) -> str | None:
    """The serial number trimmed, None when blank; longer than any real one is refused."""
    value = (_text(item, "serialNumber", where) or "").strip()
    if not value:
        return None
    if len(value) > SERIAL_MAX:
        raise GraphAnswerInvalid(f"{where}: serialNumber is longer than {SERIAL_MAX} characters")
    return value


def _time(item: dict[str, Any], name: str, where: str) -> str | None:
    """ISO UTC ("...Z") to the second; Graph's "0001-01-01T00:00:00Z" (never) is None."""
    value = _text(item, name, where)
    if not value or value.startswith("0001-01-01"):
        return None
    if _UTC.fullmatch(value):  # Graph's usual form: no parsing needed
        return value[:19] + "Z"
    parsed, reason = parse_timestamp(value, naive_is_utc=True)
    if parsed is None:
        raise GraphAnswerInvalid(f"{where}: {name}: {reason}")
    return parsed
