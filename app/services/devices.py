"""Finding and listing devices."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from app import labels
from app.domain import Device, DeviceQuery, HistoryEntry
from app.security.roles import Actor, Permission
from app.store import Store
from app.store.devices import LineageEntry

__all__ = [
    "ExactMatch",
    "LineageEntry",
    "device_history",
    "device_lineage",
    "find_device",
    "find_exact",
    "list_devices",
]


def list_devices(
    store: Store, query: DeviceQuery, limit: int | None = None, *, actor: Actor
) -> Iterator[Device]:
    """Matching devices in order, at most `limit`. The permission is checked by the call
    itself, before the first device is read (a JSON list must not start, then be refused)."""
    actor.require(Permission.VIEW)
    return _at_most(store.iter_devices(query), limit)


def _at_most(devices: Iterator[Device], limit: int | None) -> Iterator[Device]:
    for count, device in enumerate(devices, start=1):
        yield device
        if limit is not None and count >= limit:
            return


def find_device(store: Store, scanned: str, *, actor: Actor) -> Device | None:
    """What a scanner typed: a Joinery QR label, or a serial (a carton barcode)."""
    actor.require(Permission.VIEW)
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


@dataclass(frozen=True)
class ExactMatch:
    """What Enter in a search box found: `term` is what the box should then hold (the text,
    or the serial a scanned label names); `field` says which of the device's values equals it
    ("serial", "device_name" or "assigned_user"; None when nothing does); `count` is how many
    devices have a serial, name or user equal to `term` (a user may have several)."""

    term: str
    field: str | None
    device: Device | None
    count: int

    def query(self, base: DeviceQuery) -> DeviceQuery:
        """The list that agrees with the box: the exact matches, else what starts with it."""
        return replace(base, text=self.term, exact=self.device is not None)


def find_exact(store: Store, scanned: str, *, actor: Actor) -> ExactMatch:
    """An exact serial (or a Joinery label), device name or user, in that order of priority;
    case does not matter, as in the list's prefix search."""
    actor.require(Permission.VIEW)
    text = scanned.strip()
    label = labels.parse_payload(text)
    term = label.serial if label is not None else text
    if not term:
        return ExactMatch("", None, None, 0)
    if label is not None:
        device = find_device(store, text, actor=actor)
    else:
        device = store.device_by_serial(term)
    field: str | None = "serial" if device is not None else None
    if device is None:
        first = store.devices_page(DeviceQuery(text=term, exact=True), 0, 1)
        device = first[0] if first else None
        if device is not None:
            named = (device.device_name or "").casefold() == term.casefold()
            field = "device_name" if named else "assigned_user"
    count = store.count_devices(DeviceQuery(text=term, exact=True)) if device else 0
    return ExactMatch(term, field, device, count)


def device_history(store: Store, device_id: int, *, actor: Actor) -> list[HistoryEntry]:
    """What happened to a device (imported, enrolled, reimaged, ...), newest first."""
    actor.require(Permission.VIEW)
    return store.device_history(device_id)


def device_lineage(store: Store, device_id: int, *, actor: Actor) -> list[LineageEntry]:
    """The hardware hashes a device has had (one per motherboard), newest first."""
    actor.require(Permission.VIEW)
    return store.device_lineage(device_id)
