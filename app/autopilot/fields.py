"""The columns of an Autopilot CSV and the rules each value must meet (reader and writer)."""

from __future__ import annotations

import re
import string
from collections.abc import Callable

HEADER = (
    "Device Serial Number",
    "Windows Product ID",
    "Hardware Hash",
    "Group Tag",
    "Assigned User",
)
PARTNER_HEADER = (*HEADER[:3], "Manufacturer name", "Device model")
SERIAL, PRODUCT_ID, HASH, GROUP_TAG, USER = HEADER
MANUFACTURER, MODEL = PARTNER_HEADER[3:]

MIN_HASH_BYTES = 1024
MAX_HASH_BYTES = 16 * 1024
"""Microsoft calls it the "4K hardware hash": a base64 string of about 4,000 characters that
decodes to roughly 3 KB. Below 1 KiB it is a truncated copy or a placeholder; above 16 KiB it is
not a hash, and accepting it would only cost memory."""

MAX_GROUP_TAG = 512  # community-reported Intune limit (AutopilotGroupTagger issue #3)
MAX_SERIAL = 128
MAX_UPN = 113  # Entra's UPN limit; the part before the @ is at most 64
MAX_PRODUCT_ID = 64
MAX_NAME = 255  # manufacturer name and device model (partner layout)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SERIAL_CHARS = r"A-Za-z0-9\-_./:#+"
_SERIAL = re.compile(rf"[{_SERIAL_CHARS}]+(?: [{_SERIAL_CHARS}]+)*")
_SERIAL_BAD = re.compile(rf"[^{_SERIAL_CHARS} ]")
_PRODUCT_ID = re.compile(r"[A-Za-z0-9-]*")
_BASE64_BAD = re.compile(r"[^A-Za-z0-9+/=]")
_BASE64_ALPHABET = (string.ascii_letters + string.digits + "+/").encode("ascii")
_UPN_LOCAL = re.compile(r"[A-Za-z0-9_!#^~'-]+(?:\.[A-Za-z0-9_!#^~'-]+)*")
_DOMAIN = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}")


def _check_serial(value: str) -> str | None:
    if not value:
        return "the serial number is required"
    if len(value) > MAX_SERIAL:
        return f"the serial number has {len(value)} characters; at most {MAX_SERIAL} are allowed"
    if _SERIAL.fullmatch(value):
        return None
    if bad := _SERIAL_BAD.search(value):
        return (
            f"the serial number contains {bad.group()!r}; use letters A-Z, digits, "
            "single spaces and - _ . / : # +"
        )
    if value != value.strip():
        return "the serial number has spaces at its start or end; remove them"
    return "the serial number has two spaces in a row; remove one"


def _check_product_id(value: str) -> str | None:
    if len(value) <= MAX_PRODUCT_ID and _PRODUCT_ID.fullmatch(value):
        return None
    return f"the Windows Product ID is up to {MAX_PRODUCT_ID} letters, digits and hyphens, or empty"


def _check_hash(value: str) -> str | None:
    if not value:
        return "the hardware hash is required"
    size = base64_size(value)
    if size is None:
        return _base64_fault(value)
    if MIN_HASH_BYTES <= size <= MAX_HASH_BYTES:
        return None
    return (
        f"the hardware hash decodes to {size:,} bytes; a 4K hash is {MIN_HASH_BYTES:,} to "
        f"{MAX_HASH_BYTES:,} bytes, so this is a truncated copy, a placeholder or not a hash"
    )


def base64_size(value: str) -> int | None:
    """The decoded size of strict base64 (as binascii's strict_mode), or None if it isn't.

    Counted rather than decoded: decoding a 4K hash costs five times as much.
    """
    if not value.isascii() or len(value) % 4:
        return None
    data = value.encode("ascii")
    body = data.rstrip(b"=")
    padding = len(data) - len(body)
    if padding > 2 or body.translate(None, _BASE64_ALPHABET):
        return None
    return len(data) // 4 * 3 - padding


def _base64_fault(value: str) -> str:
    if bad := _BASE64_BAD.search(value):
        return (
            f"the hardware hash contains {bad.group()!r} at character {bad.start() + 1}; "
            "a hash is base64 (letters, digits, + / and = at the end) with no spaces"
        )
    if len(value) % 4:
        return (
            f"the hardware hash has {len(value):,} characters, not a multiple of 4: "
            "it was cut short or lost its = padding; copy it again"
        )
    return "the hardware hash has = padding in the wrong place; copy it again"


def _check_group_tag(value: str) -> str | None:
    if len(value) > MAX_GROUP_TAG:
        return f"the group tag has {len(value)} characters; at most {MAX_GROUP_TAG} are allowed"
    return _control_fault("the group tag", value) or ansi_fault("the group tag", value)


def _check_user(value: str) -> str | None:
    if not value:
        return None
    local, _, domain = value.rpartition("@")
    if not local:
        return "the assigned user must be a user principal name such as megan@contoso.com"
    if len(value) > MAX_UPN or len(local) > 64:
        return f"the assigned user is too long: at most {MAX_UPN} characters, 64 before the @"
    if not _UPN_LOCAL.fullmatch(local):
        return (
            "the assigned user's name before the @ may hold letters, digits and . - _ ! # ^ ~ ' "
            "with no dot at either end and no two dots in a row"
        )
    if not _DOMAIN.fullmatch(domain):
        return f"the assigned user's domain {domain!r} isn't a domain name such as contoso.com"
    return None


def _check_name(what: str, value: str) -> str | None:
    if not value:
        return f"the {what} is required in a partner file"
    if len(value) > MAX_NAME:
        return f"the {what} has {len(value)} characters; at most {MAX_NAME} are allowed"
    return _control_fault(f"the {what}", value)


def _control_fault(what: str, value: str) -> str | None:
    if bad := _CONTROL.search(value):
        return f"{what} contains the control character U+{ord(bad.group()):04X}; remove it"
    return None


def ansi_fault(what: str, value: str) -> str | None:
    if value.isascii():
        return None
    try:
        value.encode("cp1252")
    except UnicodeEncodeError as exc:
        return (
            f"{what} contains {exc.object[exc.start]!r}, which ANSI (Windows-1252) can't hold, "
            "and Intune imports only ANSI files; use another character"
        )
    return None


#: A cell beginning with one of these runs as a formula when the file is opened in a
#: spreadsheet (OWASP ASVS 5.0 V1.2.10). csvsafe prefixes a quote; Intune's format has no
#: quoting at all, so such a value is refused where a person or a hardware-hash file brings
#: it (an Autopilot CSV read, a serial or user enrolled, a profile's group tag) and again
#: when written. Intune's own rows (its export, check-ins) are kept: refusing them would
#: lose their compliance data, and the writer still refuses the value at export. The hardware hash
#: is base64 and may begin with "+" legitimately (no function call can be spelled in
#: base64), so it is not checked.
FORMULA_TRIGGERS = ("=", "+", "-", "@")
_FORMULA_COLUMNS = {
    SERIAL: "the serial number",
    PRODUCT_ID: "the Windows Product ID",
    GROUP_TAG: "the group tag",
    USER: "the assigned user",
}


def formula_fault(column: str, value: str) -> str | None:
    """Why `value` cannot stand in `column` of an Intune CSV as a formula would, or None."""
    if column in _FORMULA_COLUMNS and value.startswith(FORMULA_TRIGGERS):
        return (
            f"{_FORMULA_COLUMNS[column]} cannot begin with {value[0]!r}: a spreadsheet "
            "opening the Autopilot CSV would run it as a formula, and Intune's CSV cannot "
            "quote it; correct it where it was typed or in the file it came from"
        )
    return None


def value_fault(column: str, value: str) -> str | None:
    """Why `value` cannot stand in `column` of an Autopilot CSV, or None: Intune's rules
    for the column and the formula rule. The one check for a value read from a file,
    typed into a form, enrolled, saved in a profile or written."""
    return CHECKS[column](value) or formula_fault(column, value)


CHECKS: dict[str, Callable[[str], str | None]] = {
    SERIAL: _check_serial,
    PRODUCT_ID: _check_product_id,
    HASH: _check_hash,
    GROUP_TAG: _check_group_tag,
    USER: _check_user,
    MANUFACTURER: lambda value: _check_name("manufacturer name", value),
    MODEL: lambda value: _check_name("device model", value),
}
