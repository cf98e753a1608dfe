"""QR labels for devices: written to a file and audited (printing goes through the kiosk)."""

from __future__ import annotations

from pathlib import Path

from app import labels, paths
from app.domain import Device
from app.errors import InputError
from app.security.roles import Actor, Permission
from app.services.actors import local_admin
from app.store import Store


def write_label(store: Store, serial: str, path: str | Path, *, actor: Actor | None = None) -> Path:
    """The device's label as PNG, SVG or PDF (by the file's suffix)."""
    who = actor or local_admin()
    who.require(Permission.PRINT_LABEL)
    device = store.device_by_serial(serial)
    if device is None:
        raise InputError(f"no device has the serial number {serial}: enroll or import it first")
    target = Path(path)
    labels.write_label(device, target)
    with store.transaction():
        store.append_audit(
            who.audit_name,
            "label.print",
            device.serial,
            {"file": target.name, "format": target.suffix.lstrip(".").lower()},
        )
    return target


def record_label_print(store: Store, device: Device, actor: Actor | None = None) -> None:
    """A label went to a printer from the kiosk (the print dialog was accepted)."""
    who = actor or local_admin()
    who.require(Permission.PRINT_LABEL)
    with store.transaction():
        store.append_audit(who.audit_name, "label.print", device.serial, {"to": "printer"})


def queue_label(store: Store, serial: str, *, actor: Actor | None = None) -> Path:
    """Queue a device's label as a PNG in the data directory's print queue folder."""
    folder = paths.data_dir() / "label-queue"
    folder.mkdir(parents=True, exist_ok=True)
    return write_label(store, serial, folder / f"{_safe(serial)}.png", actor=actor)


def _safe(serial: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in serial)
