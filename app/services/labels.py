"""QR labels for devices: written to a file and audited (printing goes through the kiosk)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from app import labels, paths
from app.domain import Device
from app.errors import InputError, JoineryError, KnownError
from app.fileutil import atomic_write
from app.security import private
from app.security.audit_actions import AuditAction
from app.security.roles import Actor, Permission
from app.services.actors import CancelCheck, Progress
from app.services.enroll import EnrollRequest, EnrollResult, enroll_devices
from app.store import Store

log = logging.getLogger(__name__)


def label_png(device: Device, *, dpi: int = 300) -> bytes:
    """One label as PNG for the kiosk's print preview; the print itself is recorded by
    `record_label_print` once the print dialog is accepted."""
    return labels.render_png(device, dpi=dpi)


def write_label(store: Store, serial: str, path: str | Path, *, actor: Actor) -> Path:
    """The device's label as PNG, SVG or PDF (by the file's suffix)."""
    actor.require(Permission.PRINT_LABEL)
    device = store.device_by_serial(serial)
    if device is None:
        raise InputError(f"no device has the serial number {serial}: enroll or import it first")
    target = Path(path)
    labels.write_label(device, target)
    with store.transaction():
        store.append_audit(
            actor.audit_name,
            AuditAction.LABEL_PRINT,
            device.serial,
            {"file": target.name, "format": target.suffix.lstrip(".").lower()},
        )
    return target


def write_label_sheet(
    store: Store,
    serials: Sequence[str],
    path: str | Path,
    *,
    layout: str = "A4_3x10",
    actor: Actor,
    progress: Progress | None = None,
    cancelled: CancelCheck | None = None,
) -> Path:
    """Labels of many devices as one PDF: a sheet grid (A4/Letter 3 x 10) or tape labels."""
    actor.require(Permission.PRINT_LABEL)
    if layout not in labels.LAYOUTS:
        raise InputError(f"there is no label layout {layout!r}; choose {', '.join(labels.LAYOUTS)}")
    devices = []
    for serial in serials:
        device = store.device_by_serial(serial)
        if device is None:
            raise InputError(f"no device has the serial number {serial}: enroll or import it first")
        devices.append(device)
    data = labels.render_pdf(
        devices, layout=labels.LAYOUTS[layout], progress=progress, cancelled=cancelled
    )
    target = Path(path)
    try:
        with atomic_write(target, binary=True) as handle:
            handle.write(data)
    except OSError as exc:
        raise KnownError(
            f"could not write the label sheet {target}: {exc.strerror or exc}"
        ) from exc
    with store.transaction():
        store.append_audit(
            actor.audit_name,
            AuditAction.LABEL_PRINT,
            f"{len(devices)} devices",
            {"file": target.name, "format": "pdf", "layout": layout, "serials": list(serials)},
        )
    return target


def record_label_print(store: Store, device: Device, actor: Actor) -> None:
    """A label went to a printer from the kiosk (the print dialog was accepted)."""
    actor.require(Permission.PRINT_LABEL)
    with store.transaction():
        store.append_audit(
            actor.audit_name, AuditAction.LABEL_PRINT, device.serial, {"to": "printer"}
        )


def queue_label(store: Store, serial: str, *, actor: Actor) -> Path:
    """Queue a device's label as a PNG in the data directory's print queue folder."""
    folder = paths.data_dir() / "label-queue"
    private.make_own_folder(paths.data_dir())
    folder.mkdir(exist_ok=True)
    return write_label(store, serial, folder / f"{_safe(serial)}.png", actor=actor)


def queue_label_after_enroll(store: Store, serial: str, *, actor: Actor) -> str | None:
    """Queue the label of a device just enrolled; why it could not be, or None.

    The enrollment has already landed, so a label problem (a full disk, a printer folder
    gone) is reported beside it, never as a failed enrollment a retry would then refuse.
    """
    queued = _queue_after_enroll(store, serial, actor=actor)
    return queued if isinstance(queued, str) else None


def _queue_after_enroll(store: Store, serial: str, *, actor: Actor) -> Path | str:
    """The queued label's file, or why it could not be queued."""
    try:
        return queue_label(store, serial, actor=actor)
    except (JoineryError, OSError) as error:
        log.warning("label for %s not queued: %s", serial, error)
        return f"{serial}: the label was not queued ({error}); print it from Devices"


@dataclass(frozen=True)
class Enrolled:
    """Devices enrolled at the bench, and the labels that could not be queued for them."""

    results: list[EnrollResult]
    label_problems: list[str]
    label_files: dict[str, Path] = field(default_factory=dict)  # serial: its queued label

    def label_queued(self, serial: str) -> bool:
        return serial in self.label_files


def enroll_with_labels(
    store: Store,
    requests: list[EnrollRequest],
    *,
    labels: bool = True,
    actor: Actor,
    progress: Progress | None = None,
) -> Enrolled:
    """Enroll (one transaction for all), then queue each label; a label problem is
    reported beside the enrollment, which has landed whatever happens to its label."""
    results = enroll_devices(store, requests, actor=actor)
    problems: list[str] = []
    files: dict[str, Path] = {}
    for number, result in enumerate(results, start=1):
        if labels:
            serial = result.device.serial
            queued = _queue_after_enroll(store, serial, actor=actor)
            if isinstance(queued, str):
                problems.append(queued)
            else:
                files[serial] = queued
        if progress is not None:
            progress(number, len(results))
    return Enrolled(results, problems, files)


def _safe(serial: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in serial)
