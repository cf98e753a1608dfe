"""The fleet list as CSV: Joinery's own columns, or the columns of Entra's "Download devices".

Rows stream from the store a page at a time; the file is written whole or not at all (UTF-8
with a BOM for Excel, every cell through app.csvsafe), and the export is audited.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from app import csvsafe
from app.compliance.words import state_words
from app.domain import (
    ComplianceState,
    Device,
    DeviceQuery,
    EnrollmentStatus,
    JoinType,
    ManagementAuthority,
    ProvisioningMethod,
)
from app.errors import Cancelled, InputError
from app.security.audit_actions import AuditAction
from app.security.roles import Actor, Permission
from app.services.actors import CancelCheck, Progress
from app.store import Store

log = logging.getLogger(__name__)

Layout = Literal["joinery", "entra"]

JOINERY_HEADER = (
    "Serial number",
    "Device name",
    "Compliance",
    "Group tag",
    "User",
    "Model",
    "OS version",
    "Last check-in",
    "Enrolled",
)

#: Entra admin center, Devices > All devices > Download devices (domain.md 5.2), verbatim.
ENTRA_HEADER = (
    "displayName",
    "accountEnabled",
    "operatingSystem",
    "operatingSystemVersion",
    "joinType (trustType)",
    "registeredOwners",
    "userNames",
    "mdmDisplayName",
    "isCompliant",
    "registrationTime",
    "approximateLastSignInDateTime",
    "deviceId",
    "isManaged",
    "objectId",
    "profileType",
    "systemLabels",
    "model",
)

#: Graph device.trustType for each join type; a device that is not joined has none.
TRUST_TYPES: dict[str, str] = {
    JoinType.ENTRA_JOINED: "AzureAd",
    JoinType.HYBRID_JOINED: "ServerAd",
    JoinType.ENTRA_REGISTERED: "Workplace",
}

_PROGRESS_EVERY = 500


@dataclass(frozen=True)
class ExportResult:
    path: str
    layout: str
    devices: int

    def as_json(self) -> dict[str, object]:
        return asdict(self)


def joinery_row(device: Device) -> tuple[object, ...]:
    return (
        device.serial,
        device.device_name,
        state_words(device.compliance_state),
        device.group_tag,
        device.assigned_user,
        device.model,
        device.os_version,
        device.last_checkin,
        device.enrolled_at,
    )


def _flag(value: bool) -> str:
    return "True" if value else "False"  # how the Entra portal writes booleans


def entra_row(device: Device) -> tuple[object, ...]:
    """One device as Entra's export would list it. Joinery knows no Entra object ids, so
    deviceId and objectId stay empty. Derived columns:

    - displayName: the device name; the serial before naming (Autopilot objects carry it).
    - accountEnabled: False once the device is retired.
    - joinType (trustType): AzureAd, ServerAd or Workplace (empty when not joined).
    - registeredOwners, userNames: the assigned user.
    - isManaged: enrolled with an MDM authority; mdmDisplayName "Microsoft Intune" when that
      authority is Intune (or co-managed); isCompliant True only for compliant, empty when
      no MDM manages the device (Entra then has no compliance to show).
    - registrationTime: the Autopilot import for Autopilot devices, else the enrolment.
    - profileType: RegisteredDevice; systemLabels: empty.
    """
    managed = (
        device.enrollment_status == EnrollmentStatus.ENROLLED
        and device.management_authority != ManagementAuthority.NONE
    )
    intune = device.management_authority in (
        ManagementAuthority.INTUNE,
        ManagementAuthority.CO_MANAGED,
    )
    if device.provisioning_method == ProvisioningMethod.AUTOPILOT:
        registered = device.created_at
    else:
        registered = device.enrolled_at or ""
    return (
        device.device_name or device.serial,
        _flag(device.enrollment_status != EnrollmentStatus.RETIRED),
        "Windows",
        device.os_version,
        TRUST_TYPES.get(device.join_type, ""),
        device.assigned_user,
        device.assigned_user,
        "Microsoft Intune" if managed and intune else "",
        _flag(device.compliance_state == ComplianceState.COMPLIANT) if managed else "",
        registered,
        device.last_checkin,
        "",
        _flag(managed),
        "",
        "RegisteredDevice",
        "",
        device.model,
    )


LAYOUTS: dict[str, tuple[tuple[str, ...], Callable[[Device], tuple[object, ...]]]] = {
    "joinery": (JOINERY_HEADER, joinery_row),
    "entra": (ENTRA_HEADER, entra_row),
}


def export_devices_csv(
    store: Store,
    query: DeviceQuery,
    path: str | Path,
    *,
    layout: Layout = "joinery",
    actor: Actor,
    progress: Progress | None = None,
    cancel: CancelCheck | None = None,
) -> ExportResult:
    """Write the devices `query` matches to `path` in `layout`; audited as `fleet.export`.

    The rows are one consistent reading of the fleet (a read snapshot: the live simulator
    cannot slip rows in between pages, nor is it held up); the file is removed again if its
    audit entry cannot be written.
    Raises Cancelled when `cancel()` turns true: then no file is written and nothing logged.
    """
    actor.require(Permission.EXPORT)
    if layout not in LAYOUTS:
        raise InputError(f"unknown export layout {layout!r}; choose one of {sorted(LAYOUTS)}")
    header, to_row = LAYOUTS[layout]
    target = Path(path)
    renamed = False
    try:
        with store.read_snapshot():  # one reading of the fleet; writers are not held up
            total = store.count_devices(query)
            rows = _rows(store.iter_devices(query), to_row, total, progress, cancel)
            count = csvsafe.write(target, header, rows)
        renamed = True
        with store.transaction():
            store.append_audit(
                actor.audit_name,
                AuditAction.FLEET_EXPORT,
                str(target),
                {"layout": layout, "devices": count, "query": asdict(query)},
            )
    except BaseException:
        if renamed:  # the audit or the commit failed: no file without its audit entry
            target.unlink(missing_ok=True)
        raise
    log.info("fleet export: %d devices to %s (%s)", count, target, layout)
    return ExportResult(str(target), layout, count)


def _rows(
    devices: Iterator[Device],
    to_row: Callable[[Device], tuple[object, ...]],
    total: int,
    progress: Progress | None,
    cancel: CancelCheck | None,
) -> Iterator[tuple[object, ...]]:
    done = 0
    for device in devices:
        if done % _PROGRESS_EVERY == 0:
            _check(cancel)
            if progress is not None:
                progress(done, total)
        yield to_row(device)
        done += 1
    _check(cancel)  # a cancel during the last page still leaves no file
    if progress is not None:
        progress(done, total)


def _check(cancel: CancelCheck | None) -> None:
    if cancel is not None and cancel():
        raise Cancelled("export cancelled: no file was written")
