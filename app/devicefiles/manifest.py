"""manifest.json: every device file's SHA-256, signed with the bench's Ed25519 key.

One manifest per cart folder, beside the device folders it lists. The signature covers the
canonical JSON of everything but itself (keys sorted, no spaces, ASCII), after a context
string, so a manifest cannot be passed off as another Joinery signature. `verify` checks the
signature first, then the signer, then every listed file, then that no device folder holds a
file the manifest does not list (an unattend.xml slipped onto a stick is a threat too).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from app.errors import InputError
from app.provisioning.bundle_format import key_id
from app.timeutil import iso, utcnow

FILE_NAME = "manifest.json"
FORMAT = "joinery-device-files"
VERSION = 1
SIG_CONTEXT = b"joinery-device-files-v1\x00"
MAX_BYTES = 16 * 1024 * 1024
_SHA256 = re.compile(r"[0-9a-f]{64}")
_PIECE = 1024 * 1024


class ManifestError(InputError):
    """The manifest cannot be trusted: unreadable, altered, or signed by another key."""


class FileMismatch(InputError):
    """A file does not match the manifest (changed, missing, or not listed); `path` says which."""

    def __init__(self, message: str, path: str) -> None:
        super().__init__(message)
        self.path = path

    def details(self) -> dict[str, object]:
        return {"file": self.path}


@dataclass(frozen=True)
class Entry:
    path: str  # relative, "/"-separated: SERIAL/unattend.xml
    size: int
    sha256: str


@dataclass(frozen=True)
class DeviceRecord:
    serial: str
    folder: str  # the device folder's name, relative to the manifest
    device_name: str


@dataclass(frozen=True)
class Manifest:
    created: str
    key_id: str
    public_key: Ed25519PublicKey
    devices: tuple[DeviceRecord, ...]
    files: tuple[Entry, ...]


@dataclass(frozen=True)
class Verdict:
    path: Path
    key_id: str
    trusted: bool | None  # None: no trusted key was given to compare the signer with
    devices: tuple[DeviceRecord, ...]
    files: int
    # Beside the manifest and the device folders it lists: not from this write, not checked
    # (a stick's own files, or a folder planted to look like a device's); folders end in /.
    unlisted: tuple[str, ...] = ()

    def as_json(self) -> dict[str, object]:
        return {
            "manifest": str(self.path),
            "ok": True,
            "signer_key_id": self.key_id,
            "trusted": self.trusted,
            "devices": [asdict(d) for d in self.devices],
            "files": self.files,
            "unlisted": list(self.unlisted),
        }


def hash_file(path: Path) -> Entry:
    """An entry for `path` with its path field left to the caller."""
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while piece := handle.read(_PIECE):
            digest.update(piece)
            size += len(piece)
    return Entry(path.name, size, digest.hexdigest())


def render(
    devices: Sequence[DeviceRecord], files: Sequence[Entry], key: Ed25519PrivateKey
) -> bytes:
    """The signed manifest's bytes (UTF-8 JSON, ASCII only)."""
    public = key.public_key()
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    body: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "created": iso(utcnow()),
        "signer": {
            "alg": "ed25519",
            "key_id": key_id(public),
            "public_key": base64.b64encode(raw).decode("ascii"),
        },
        "devices": [
            {"serial": d.serial, "folder": d.folder, "device_name": d.device_name}
            for d in sorted(devices, key=lambda d: d.folder)
        ],
        "files": [
            {"path": f.path, "size": f.size, "sha256": f.sha256}
            for f in sorted(files, key=lambda f: f.path)
        ],
    }
    signature = key.sign(SIG_CONTEXT + _canonical(body))
    body["signature"] = base64.b64encode(signature).decode("ascii")
    return _pretty(body).encode("ascii")


def _pretty(body: dict[str, Any]) -> str:
    """One key per line, one device or file per line: readable, and quick to write for a
    cart (each piece goes through json's C encoder)."""
    lines = []
    for key, value in body.items():
        if isinstance(value, list):
            items = ",\n".join(f"    {json.dumps(item)}" for item in value)
            lines.append(f'  "{key}": [\n{items}\n  ]' if value else f'  "{key}": []')
        else:
            lines.append(f'  "{key}": {json.dumps(value)}')
    return "{\n" + ",\n".join(lines) + "\n}\n"


def read(path: Path) -> Manifest:
    """The manifest at `path`, its signature checked (not yet its signer nor its files)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ManifestError(
            f"{path} is missing: this is not a folder of device files Joinery wrote, or its "
            "manifest was removed. Write the files again."
        ) from None
    except OSError as exc:
        raise ManifestError(f"Cannot read {path}: {exc.strerror}.") from None
    try:
        if len(data) > MAX_BYTES:
            raise ValueError("too large")
        document = json.loads(data.decode("utf-8"))
        manifest, signature, body = _parse(document)
        manifest.public_key.verify(signature, SIG_CONTEXT + _canonical(body))
    except InvalidSignature:
        raise ManifestError(
            f"{path} was altered after it was signed (its signature does not match): do not "
            "use these files; write them again at the bench."
        ) from None
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error):
        raise ManifestError(
            f"{path} is damaged or is not a Joinery device-files manifest: write the files "
            "again at the bench."
        ) from None
    return manifest


def verify(
    root: Path,
    trust_keys: Sequence[Ed25519PublicKey] | None = None,
    *,
    skip: frozenset[str] = frozenset(),
) -> Verdict:
    """Check the manifest in `root` and every file it lists; raise at the first that fails.

    ManifestError: the manifest itself (altered, unreadable, untrusted signer).
    FileMismatch: the first file that is changed, missing, or in a device folder unlisted.
    `skip`: device folders about to be replaced, whose files are not checked.
    """
    path = root / FILE_NAME
    manifest = read(path)
    trusted = None
    if trust_keys is not None:
        if manifest.key_id not in {key_id(k) for k in trust_keys}:
            raise ManifestError(
                f"{path} is intact but signed by key {manifest.key_id}, which is not a trusted "
                "signer: use these files only if you know which bench wrote them."
            )
        trusted = True
    for entry in manifest.files:
        if entry.path.split("/")[0] not in skip:
            _check_entry(root, entry)
    listed = {entry.path for entry in manifest.files}
    for device in manifest.devices:
        if device.folder in skip:
            continue
        for found in sorted((root / device.folder).rglob("*")):
            relative = found.relative_to(root).as_posix()
            if (found.is_file() or found.is_symlink()) and relative not in listed:
                raise FileMismatch(
                    f"{relative} is not in the manifest: someone added it after the files "
                    "were written. Do not use this folder; write the files again.",
                    relative,
                )
    folders = {device.folder for device in manifest.devices}
    unlisted = tuple(
        entry.name + ("/" if entry.is_dir() else "")
        for entry in sorted(root.iterdir())
        if entry.name != FILE_NAME and entry.name not in folders
    )
    return Verdict(path, manifest.key_id, trusted, manifest.devices, len(manifest.files), unlisted)


def _check_entry(root: Path, entry: Entry) -> None:
    target = root.joinpath(*entry.path.split("/"))
    try:
        found = hash_file(target)
    except FileNotFoundError:
        raise FileMismatch(
            f"{entry.path} is missing: it was deleted or moved after the files were written.",
            entry.path,
        ) from None
    except OSError as exc:
        raise FileMismatch(f"Cannot read {entry.path}: {exc.strerror}.", entry.path) from None
    if (found.size, found.sha256) != (entry.size, entry.sha256):
        raise FileMismatch(
            f"{entry.path} does not match its manifest (SHA-256 {found.sha256[:16]}..., "
            f"signed {entry.sha256[:16]}...): it was changed after it was written. Do not use "
            "it; write the device files again.",
            entry.path,
        )


def _canonical(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode("ascii")


def _parse(document: Any) -> tuple[Manifest, bytes, dict[str, Any]]:
    if not isinstance(document, dict):
        raise TypeError("not an object")
    body = {k: v for k, v in document.items() if k != "signature"}
    if body["format"] != FORMAT or body["version"] != VERSION:
        raise ValueError("format")
    signer = body["signer"]
    if signer["alg"] != "ed25519":
        raise ValueError("alg")
    public = Ed25519PublicKey.from_public_bytes(
        base64.b64decode(signer["public_key"], validate=True)
    )
    if key_id(public) != signer["key_id"]:
        raise ValueError("key id")
    devices = tuple(_device(d) for d in body["devices"])
    files = tuple(_entry(f, {d.folder for d in devices}) for f in body["files"])
    signature = base64.b64decode(document["signature"], validate=True)
    return Manifest(str(body["created"]), signer["key_id"], public, devices, files), signature, body


def _device(raw: Any) -> DeviceRecord:
    record = DeviceRecord(str(raw["serial"]), str(raw["folder"]), str(raw["device_name"]))
    if not _safe(record.folder) or "/" in record.folder:
        raise ValueError("folder")
    return record


def _entry(raw: Any, folders: set[str]) -> Entry:
    entry = Entry(str(raw["path"]), raw["size"], str(raw["sha256"]))
    if type(entry.size) is not int or entry.size < 0 or not _SHA256.fullmatch(entry.sha256):
        raise ValueError("entry")
    # Only files inside a listed device folder: a crafted manifest cannot point outside.
    if not _safe(entry.path) or entry.path.split("/")[0] not in folders:
        raise ValueError("path")
    return entry


def _safe(relative: str) -> bool:
    parts = PurePosixPath(relative).parts
    return (
        bool(parts)
        and "\\" not in relative
        and not relative.startswith("/")
        and all(p not in ("", ".", "..") and ":" not in p for p in parts)
    )
