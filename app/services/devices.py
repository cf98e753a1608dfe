"""Finding and listing devices."""

from __future__ import annotations

from collections.abc import Iterator

from app.domain import Device, DeviceQuery
from app.security.roles import Actor, Permission
from app.services.actors import local_admin
from app.store import Store


def list_devices(
    store: Store, query: DeviceQuery, limit: int | None = None, *, actor: Actor | None = None
) -> Iterator[Device]:
    (actor or local_admin()).require(Permission.VIEW)
    for count, device in enumerate(store.iter_devices(query), start=1):
        yield device
        if limit is not None and count >= limit:
            return


def find_device(store: Store, scanned: str) -> Device | None:
    """What a scanner typed: a serial (labels with richer payloads come with the labels)."""
    text = scanned.strip()
    return store.device_by_serial(text) if text else None
