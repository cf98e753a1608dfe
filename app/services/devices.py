"""Finding and listing devices."""

from __future__ import annotations

from collections.abc import Iterator

from app import labels
from app.domain import Device, DeviceQuery
from app.security.roles import Actor, Permission
from app.services.actors import local_admin
from app.store import Store


def list_devices(
    store: Store, query: DeviceQuery, limit: int | None = None, *, actor: Actor | None = None
) -> Iterator[Device]:
    """Matching devices in order, at most `limit`. The permission is checked by the call
    itself, before the first device is read (a JSON list must not start, then be refused)."""
    (actor or local_admin()).require(Permission.VIEW)
    return _at_most(store.iter_devices(query), limit)


def _at_most(devices: Iterator[Device], limit: int | None) -> Iterator[Device]:
    for count, device in enumerate(devices, start=1):
        yield device
        if limit is not None and count >= limit:
            return


def find_device(store: Store, scanned: str) -> Device | None:
    """What a scanner typed: a Joinery QR label, or a serial (a carton barcode)."""
    text = scanned.strip()
    if not text:
        return None
    label = labels.parse_payload(text)
    if label is not None:
        device = store.device(label.record_id)
        # A label from another kiosk's database names another record: trust the serial.
        if device is not None and device.serial.casefold() == label.serial.casefold():
            return device
        return store.device_by_serial(label.serial)
    return store.device_by_serial(text)
