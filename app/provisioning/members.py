"""The members of a bundle: safe names, the manifest, and the size limits on read.

A member name is a relative path with "/" separators that means the same file on Windows and
POSIX: no "..", no absolute or drive paths, no backslashes, colons or reserved device names
(CON, NUL, ...), no trailing dots or spaces, no two names that differ only in case.
Links do not exist in the format; a manifest that declares one is refused.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from app import jsonsafe

log = logging.getLogger(__name__)

MAX_NAME = 1024
MAX_PART = 255
_RESERVED = re.compile(r"(CON|PRN|AUX|NUL|COM[0-9¹²³]|LPT[0-9¹²³]|CONIN\$|CONOUT\$)(\..*)?", re.I)
_FORBIDDEN = set('<>:"|?*\\')
_HEX64 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Limits:
    """What a bundle may hold; checked on the declared manifest, before anything is written,
    and sizes again while reading. A WCD project is a customizations.xml, a script and a
    payload folder: these leave room for large projects, not for a bomb of folders."""

    max_members: int = 10_000
    max_member_bytes: int = 4 * 2**30
    max_total_bytes: int = 16 * 2**30
    max_manifest_bytes: int = 2 * 2**20  # 10,000 entries of 200 bytes
    max_depth: int = 8  # parts of a member name: "payload/x.msi" has 2
    max_folders: int = 1_000


@dataclass(frozen=True)
class Entry:
    """One member as the manifest declares it."""

    name: str
    size: int
    sha256: str

    def as_json(self) -> dict[str, object]:
        return {"name": self.name, "size": self.size, "sha256": self.sha256}


def name_problem(name: object) -> str | None:
    """Why `name` cannot be a member name (it would escape the folder or clash), or None."""
    if not isinstance(name, str) or not 1 <= len(name) <= MAX_NAME:
        return "a member name is 1 to 1024 characters of text"
    if name.startswith("/") or re.match(r"[A-Za-z]:", name):
        return f"{name!r} is an absolute path"
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs") for c in name):
        return f"{name!r} holds a control or invisible character"
    if _FORBIDDEN & set(name):
        return f'{name!r} holds one of \\ : < > " | ? * (a Windows path or stream)'
    for part in name.split("/"):
        if part in ("", ".", ".."):
            return f"{name!r} has an empty, '.' or '..' part (it could escape the folder)"
        if len(part) > MAX_PART or part.endswith((".", " ")) or _RESERVED.fullmatch(part):
            return f"{name!r} has a part Windows cannot create ({part!r})"
    return None


def fold(name: str) -> str:
    """The form two names must not share: Windows and macOS folders ignore case."""
    return unicodedata.normalize("NFC", name).casefold()


def manifest_problems(entries: Sequence[Entry], limits: Limits) -> list[str]:
    """Everything unsafe about a list of entries: names, duplicates, sizes, counts, depth and
    the folders they would make. Stops at the first limit that a crafted list could use to
    make this check itself costly (a folder set grows with depth times members)."""
    found: list[str] = []
    if len(entries) > limits.max_members:
        return [f"{len(entries)} members, more than the {limits.max_members} allowed"]
    seen: set[str] = set()
    folders: set[str] = set()
    total = 0
    for entry in entries:
        if reason := name_problem(entry.name):
            found.append(reason)
            continue
        if entry.name.count("/") >= limits.max_depth:
            found.append(f"{entry.name!r} is nested more than {limits.max_depth} levels deep")
            continue
        key = fold(entry.name)
        parts = key.split("/")
        parents = {"/".join(parts[:i]) for i in range(1, len(parts))}
        if key in seen or key in folders or parents & seen:
            found.append(f"{entry.name!r} appears twice (or as both a file and a folder)")
        seen.add(key)
        folders |= parents
        if len(folders) > limits.max_folders:
            return [*found, f"the members would make more than {limits.max_folders} folders"]
        if entry.size > limits.max_member_bytes:
            found.append(f"{entry.name!r} is {entry.size} bytes, over the member limit")
        total += entry.size
    if total > limits.max_total_bytes:
        found.append(f"the members hold {total} bytes, over the bundle limit")
    return found


def encode_manifest(entries: Sequence[Entry]) -> bytes:
    document = {"members": [entry.as_json() for entry in entries]}
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode("utf-8")


def decode_manifest(data: bytes, limits: Limits) -> list[Entry] | str:
    """The entries of a manifest, or the reason it cannot be read (a string).

    Its shape is checked before it is decoded: a document of `limits.max_members` objects
    three levels deep, so a crafted manifest cannot make the decoder allocate more."""
    try:
        document = jsonsafe.loads(
            data.decode("utf-8"), max_depth=3, max_containers=limits.max_members + 2
        )
    except jsonsafe.JsonRefused as exc:
        if exc.kind == "containers":
            return f"the manifest lists more than the {limits.max_members} members allowed"
        return f"the manifest {exc.reason}"
    except ValueError:  # UnicodeDecodeError and JSONDecodeError among them
        return "the manifest is not JSON"
    members = document.get("members") if isinstance(document, dict) else None
    if not isinstance(members, list) or set(document) != {"members"}:
        return "the manifest has no member list"
    entries: list[Entry] = []
    for raw in members:
        if not isinstance(raw, dict):
            return "a manifest entry is not an object"
        if raw.get("type", "file") != "file":
            return f"{raw.get('name')!r} is a {raw.get('type')!r}: links and devices are refused"
        raw = {key: value for key, value in raw.items() if key != "type"}
        name, size, digest = raw.get("name"), raw.get("size"), raw.get("sha256")
        if set(raw) != {"name", "size", "sha256"} or type(size) is not int or size < 0:
            return "a manifest entry needs exactly a name, a size and a sha256"
        if not isinstance(digest, str) or not _HEX64.fullmatch(digest):
            return "a manifest entry has a malformed sha256"
        if not isinstance(name, str):
            return "a member name is not text"
        entries.append(Entry(name, size, digest))
    return entries
