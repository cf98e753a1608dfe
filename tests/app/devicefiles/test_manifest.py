"""manifest.json: a file changed, removed or added after the write fails the check, naming
it; an altered or re-signed manifest fails before any file is read; a crafted manifest
cannot point the check outside its device folders."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.devicefiles import manifest
from app.devicefiles.manifest import DeviceRecord, Entry, FileMismatch, ManifestError

KEY = Ed25519PrivateKey.generate()


def make(root: Path, files: dict[str, bytes], key: Ed25519PrivateKey = KEY) -> None:
    entries, folders = [], set()
    for relative, data in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        found = manifest.hash_file(target)
        entries.append(Entry(relative, found.size, found.sha256))
        folders.add(relative.split("/")[0])
    devices = [DeviceRecord(f, f, f"PC-{f}") for f in sorted(folders)]
    (root / manifest.FILE_NAME).write_bytes(manifest.render(devices, entries, key))


@pytest.fixture
def cart(tmp_path: Path) -> Path:
    make(
        tmp_path, {"A1/unattend.xml": b"<unattend/>", "A1/README.txt": b"x", "B2/README.txt": b"y"}
    )
    return tmp_path


def test_an_untouched_cart_verifies(cart: Path) -> None:
    verdict = manifest.verify(cart, [KEY.public_key()])
    assert verdict.trusted is True and verdict.files == 3
    assert [d.serial for d in verdict.devices] == ["A1", "B2"]
    assert manifest.verify(cart).trusted is None  # no trusted key: signature only


def test_a_changed_file_is_named(cart: Path) -> None:
    (cart / "B2" / "README.txt").write_bytes(b"z")
    with pytest.raises(FileMismatch, match="B2/README.txt does not match") as caught:
        manifest.verify(cart)
    assert caught.value.path == "B2/README.txt"


def test_the_first_mismatch_in_manifest_order_is_named(cart: Path) -> None:
    (cart / "A1" / "unattend.xml").write_bytes(b"<unattend>changed</unattend>")
    (cart / "B2" / "README.txt").write_bytes(b"z")
    with pytest.raises(FileMismatch) as caught:
        manifest.verify(cart)
    assert caught.value.path == "A1/unattend.xml"  # sorted: A1/README.txt matches, then this


def test_a_missing_file_is_named(cart: Path) -> None:
    (cart / "A1" / "README.txt").unlink()
    with pytest.raises(FileMismatch, match="A1/README.txt is missing"):
        manifest.verify(cart)


def test_a_file_slipped_into_a_device_folder_is_named(cart: Path) -> None:
    (cart / "B2" / "unattend.xml").write_bytes(b"<unattend>HideOnlineAccountScreens</unattend>")
    with pytest.raises(FileMismatch, match="B2/unattend.xml is not in the manifest"):
        manifest.verify(cart)


def test_files_beside_the_device_folders_are_not_its_business(cart: Path) -> None:
    (cart / "System Volume Information").mkdir()
    (cart / "notes.txt").write_text("the stick's own files")
    manifest.verify(cart)


def test_an_edited_manifest_fails_its_signature(cart: Path) -> None:
    path = cart / manifest.FILE_NAME
    document = json.loads(path.read_text())
    document["files"][0]["sha256"] = "0" * 64
    path.write_text(json.dumps(document))
    with pytest.raises(ManifestError, match="altered after it was signed"):
        manifest.verify(cart)


def test_a_manifest_re_signed_by_another_key_is_not_trusted(cart: Path) -> None:
    planted = {"A1/unattend.xml": b"<unattend>planted</unattend>", "A1/README.txt": b"x"}
    make(cart, {**planted, "B2/README.txt": b"y"}, Ed25519PrivateKey.generate())
    manifest.verify(cart)  # intact as far as its own key goes
    with pytest.raises(ManifestError, match="not a trusted signer"):
        manifest.verify(cart, [KEY.public_key()])


@pytest.mark.parametrize(
    "path", ["../outside.txt", "/etc/passwd", "A1/../../x", "C:/x", "A1\\..\\x", "Z9/README.txt"]
)
def test_a_crafted_path_is_refused_before_anything_is_read(tmp_path: Path, path: str) -> None:
    body = {
        "format": manifest.FORMAT,
        "version": manifest.VERSION,
        "created": "2026-01-01T00:00:00Z",
        "signer": json.loads(manifest.render([], [], KEY))["signer"],
        "devices": [{"serial": "A1", "folder": "A1", "device_name": "PC-A1"}],
        "files": [{"path": path, "size": 1, "sha256": "0" * 64}],
    }
    signature = KEY.sign(manifest.SIG_CONTEXT + manifest._canonical(body))
    body["signature"] = base64.b64encode(signature).decode()
    (tmp_path / manifest.FILE_NAME).write_text(json.dumps(body))
    with pytest.raises(ManifestError, match="damaged or is not"):
        manifest.verify(tmp_path)


@pytest.mark.parametrize("data", [b"", b"not json", b"[]", b'{"format": "joinery-device-files"}'])
def test_garbage_is_a_typed_refusal(tmp_path: Path, data: bytes) -> None:
    (tmp_path / manifest.FILE_NAME).write_bytes(data)
    with pytest.raises(ManifestError, match=str(tmp_path / manifest.FILE_NAME)):
        manifest.verify(tmp_path)


def test_no_manifest_says_so(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="is missing"):
        manifest.verify(tmp_path)
