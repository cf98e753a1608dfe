"""Windows device names, and the %SERIAL% / %RAND:x% templates that make them.

Rules (reference/domain.md 1.3, 1.6, 2.3). WCD's Accounts/ComputerName: at most 15 bytes, no
spaces, no reserved characters, no emoji, not all digits. The Autopilot profile's template is
stricter: "Names must be 15 characters or less, and can have letters, numbers, and hyphens"
(MEM autopilot/profiles.md), and Intune refuses anything else. `template_problem(template,
method)` and `name_problem_for(name, method)` apply the rules of a provisioning method.
"""

from __future__ import annotations

import logging
import random
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from app.errors import InputError

log = logging.getLogger(__name__)

MAX_BYTES = 15
MAX_RAND_DIGITS = 14
"""Microsoft: "x is an integer less than 15 digits long"."""

RESERVED_TEXT = "{ | } ~ [ \\ ] ^ ' : ; < = > ? @ ! \" # $ % ` ( ) + / . , * &"
RESERVED = frozenset(RESERVED_TEXT.replace(" ", ""))
SERIAL = "%SERIAL%"
PREVIEW_SEED = 15
EXAMPLE_TEMPLATE = "CTS-%SERIAL%"

#: What an Autopilot profile's name template may hold besides its macros.
AUTOPILOT_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-")
AUTOPILOT = "autopilot"  # ProvisioningMethod.AUTOPILOT (app.domain), without the import

_TOKEN = re.compile(r"(%[A-Za-z][^%]*%)")  # a macro starts with a letter: "100%-%SERIAL%"
_RAND = re.compile(r"%RAND:([0-9]+)%")
# Control, format (zero-width joiner, BOM), surrogate, private-use, unassigned, line breaks.
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


@dataclass(frozen=True)
class _Macro:
    kind: str  # "SERIAL" or "RAND"
    digits: int = 0


_Part = str | _Macro


def byte_length(text: str) -> int:
    """Bytes a name takes, counted as UTF-8 (an approximation on the safe side).

    NetBIOS counts bytes in the device's OEM code page (Ä is 1 byte in CP850, a kanji 2 in
    CP932). UTF-8 is the same for ASCII and never shorter for anything else, so a name that
    fits here fits on every device; the price is refusing a few names Windows would take.
    """
    return len(text.encode("utf-8", errors="surrogatepass"))


def name_problem(name: str) -> str | None:
    """The first reason Windows would refuse `name` as a device name, in words; else None."""
    if not name:
        return "The device name is empty"
    shown = _show(name)
    for char in name:
        if reason := _char_problem(char):
            return f"{shown} {reason}"
    return _shape_problem(name, shown)


def check(name: str) -> None:
    """Raise InputError with the reason if `name` is not a valid device name."""
    if reason := name_problem(name):
        raise InputError(reason)


def template_problem(template: str, method: str | None = None) -> str | None:
    """The first reason `template` can't make valid device names, in words; else None.

    Macros are accepted only in capitals (%SERIAL%, %RAND:x%): Microsoft documents no other
    spelling, and a macro Windows does not recognise would end up in the name literally.
    With `method` "autopilot", the Autopilot profile's rule applies too (letters, digits and
    hyphens only); other methods (WCD, OOBE) keep Windows' own rules.
    """
    try:
        parts = _checked(template)
    except InputError as error:
        return str(error)
    if method == AUTOPILOT:
        fixed = "".join(part for part in parts if isinstance(part, str))
        return _autopilot_problem(fixed, "The template")
    return None


def name_problem_for(name: str, method: str | None) -> str | None:
    """`name_problem`, plus the Autopilot profile's rule for an Autopilot device."""
    if reason := name_problem(name):
        return reason
    return _autopilot_problem(name, _show(name)) if method == AUTOPILOT else None


def _autopilot_problem(text: str, subject: str) -> str | None:
    bad = next((c for c in text if c not in AUTOPILOT_CHARS), None)
    if bad is None:
        return None
    return (
        f"{subject} has “{_show(bad)}”: an Autopilot device name can have only letters, digits "
        "and hyphens (Intune refuses the profile otherwise)"
    )


def expand(template: str, serial: str, *, rng: random.Random | None = None) -> str:
    """The device name `template` gives for `serial`; InputError says why if there is none.

    Characters of the serial a name can't hold are dropped first (VMware serials have spaces),
    then the serial is cut from the front to fit 15 bytes, as Windows does. A hyphen the cut
    leaves at the start or end of the name is dropped too. %RAND:x% draws x digits from `rng`,
    by default the operating system's random source.
    """
    parts = _checked(template)
    source = rng if rng is not None else random.SystemRandom()
    fixed = sum(_part_bytes(part) for part in parts)
    room = MAX_BYTES - fixed
    name = "".join(_fill(part, parts, i, serial, room, source) for i, part in enumerate(parts))
    if reason := name_problem(name):
        raise InputError(_expansion_problem(template, serial, name, reason))
    return name


def preview(template: str, serial: str) -> tuple[str | None, str | None]:
    """(name, None) or (None, reason) for a live preview; never raises InputError.

    %RAND:x% shows real digits from a fixed seed, so the example looks like a real name and
    does not flicker while the technician types; the device will get other digits.
    """
    try:
        return expand(template, serial, rng=random.Random(PREVIEW_SEED)), None
    except InputError as error:
        return None, str(error)


def unique_name(
    template: str,
    serial: str,
    taken: Callable[[str], bool],
    *,
    rng: random.Random | None = None,
    attempts: int = 20,
) -> str:
    """A name from `template` that `taken` (case-insensitive, the caller's check) accepts.

    With %RAND:x% it draws new digits up to `attempts` times; without, one clash is final.
    """
    if attempts < 1:
        raise ValueError(f"attempts must be at least 1, not {attempts}")
    random_digits = any(isinstance(p, _Macro) and p.kind == "RAND" for p in _checked(template))
    source = rng if rng is not None else random.SystemRandom()
    for attempt in range(1, attempts + 1):
        name = expand(template, serial, rng=source)
        if not taken(name):
            return name
        if not random_digits:
            raise InputError(
                f"{name} is already used by another device; add random digits to the template "
                "(e.g. CTS-%RAND:5%) or use a different prefix"
            )
        log.debug("device name %s is taken (attempt %d of %d)", name, attempt, attempts)
    raise InputError(
        f"{attempts} names from {template} were all used by other devices; use more random "
        "digits (a larger x in %RAND:x%) or a different prefix"
    )


def _show(text: str) -> str:
    # Invisible characters would make the message lie about what was typed.
    return "".join(c if c.isprintable() or c == " " else f"\\u{ord(c):04X}" for c in text)


def _char_problem(char: str) -> str | None:
    code = ord(char)
    if unicodedata.category(char) in _INVISIBLE or 0xFE00 <= code <= 0xFE0F:
        return (
            f"has an invisible or control character (U+{code:04X}); "
            "Windows device names can't contain them"
        )
    # Emoji live outside the Basic Multilingual Plane or among the "other symbols" (So) in it;
    # the NetBIOS name has no room for either.
    if code > 0xFFFF or unicodedata.category(char) == "So":
        return f"has “{char}”; Windows device names can't contain emoji or symbols"
    if char.isspace():
        which = "" if char == " " else f" (U+{code:04X})"
        return f"has a space{which}; Windows device names can't contain spaces"
    if char in RESERVED:
        return f"has “{char}”; Windows device names can't contain any of {RESERVED_TEXT}"
    return None


def _shape_problem(name: str, shown: str) -> str | None:
    size = byte_length(name)
    if size > MAX_BYTES:
        if size == len(name):
            return f"{shown} is {size} characters; Windows device names can have at most 15"
        return (
            f"{shown} is {size} bytes; Windows device names can have at most 15 "
            "(accented and non-Latin letters take 2 or 3 bytes each)"
        )
    # The name is also the device's DNS host label (DNSComputerName), and RFC 952/1123 labels
    # start and end with a letter or digit; NetBIOS alone would take the hyphen.
    if name.startswith("-") or name.endswith("-"):
        where = "starts" if name.startswith("-") else "ends"
        return (
            f"{shown} {where} with a hyphen; a device name must start and end with a letter "
            "or digit"
        )
    # isdecimal() also counts non-ASCII digits (１２３): refusing those too is the safe side.
    if name.isdecimal():
        return f"{shown} is all digits; Windows refuses all-digit device names (DnsValidateName)"
    return None


def _checked(template: str) -> list[_Part]:
    """The template's parts, or InputError with the first reason it can't make valid names."""
    if not template:
        raise InputError("The name template is empty")
    parts = _parse(template)
    fixed = "".join(part for part in parts if isinstance(part, str))
    for char in fixed:
        if reason := _char_problem(char):
            raise InputError(f"The template {reason}")
    serials = sum(1 for part in parts if part == _Macro("SERIAL"))
    if serials > 1:
        # Windows does not say how it would shorten two serials to fit.
        raise InputError("%SERIAL% appears more than once; use it once")
    _check_edges(parts)
    _check_room(parts, serials)
    if not serials and (not fixed or fixed.isdecimal()):
        raise InputError(
            f"{template} can only make all-digit names, which Windows refuses; add letters, "
            f"e.g. CTS-{template}"
        )
    return parts


def _parse(template: str) -> list[_Part]:
    parts: list[_Part] = []
    # split() with a group alternates text and %...% tokens: odd indices are tokens.
    for index, piece in enumerate(_TOKEN.split(template)):
        if index % 2:
            parts.append(_macro(piece))
        elif "%" in piece:
            raise InputError(
                "The template has a % that doesn't start a macro; macros are %SERIAL% and %RAND:x%"
            )
        elif piece:
            parts.append(piece)
    return parts


def _macro(token: str) -> _Macro:
    if token == SERIAL:
        return _Macro("SERIAL")
    if match := _RAND.fullmatch(token):
        digits = match.group(1)
        if digits != str(int(digits)) or not 1 <= int(digits) <= MAX_RAND_DIGITS:
            raise InputError(f"{token} must ask for 1 to {MAX_RAND_DIGITS} digits, e.g. %RAND:4%")
        return _Macro("RAND", int(digits))
    upper = token.upper()
    if upper == SERIAL or _RAND.fullmatch(upper):
        raise InputError(f"Write macros in capitals, as Microsoft does: {upper}, not {token}")
    if upper.startswith("%RAND"):
        raise InputError(f"{token} needs a digit count, e.g. %RAND:4%")
    raise InputError(f"{_show(token)} is not a macro; use %SERIAL% or %RAND:x%")


def _check_edges(parts: list[_Part]) -> None:
    first, last = parts[0], parts[-1]
    if (isinstance(first, str) and first.startswith("-")) or (
        isinstance(last, str) and last.endswith("-")
    ):
        raise InputError(
            "The template starts or ends with a hyphen; a device name must start and end with "
            "a letter or digit"
        )


def _check_room(parts: list[_Part], serials: int) -> None:
    used = sum(_part_bytes(part) for part in parts)
    if serials and used >= MAX_BYTES:
        raise InputError(
            f"The fixed text and random digits take {used} bytes, leaving no room for the "
            f"serial in a {MAX_BYTES}-byte name"
        )
    if used > MAX_BYTES:
        raise InputError(
            f"The template makes names of {used} bytes; Windows device names can have at "
            f"most {MAX_BYTES}"
        )


def _part_bytes(part: _Part) -> int:
    if isinstance(part, str):
        return byte_length(part)
    return part.digits


def _fill(
    part: _Part, parts: list[_Part], index: int, serial: str, room: int, rng: random.Random
) -> str:
    if isinstance(part, str):
        return part
    if part.kind == "RAND":
        return f"{rng.randrange(10**part.digits):0{part.digits}d}"
    return _serial_piece(serial, room, at_start=index == 0, at_end=index == len(parts) - 1)


def _serial_piece(serial: str, room: int, *, at_start: bool, at_end: bool) -> str:
    usable = "".join(char for char in serial if _char_problem(char) is None)
    piece = _keep_tail(usable, room)
    if at_start:
        piece = piece.lstrip("-")
    if at_end:
        piece = piece.rstrip("-")
    if not serial.strip():
        raise InputError("The serial number is empty; the template's %SERIAL% needs it")
    if not piece:
        raise InputError(f"The serial number {_show(serial)} has no characters a name can use")
    return piece


def _keep_tail(text: str, room: int) -> str:
    """The longest end of `text` that fits `room` bytes (Windows cuts serials from the front)."""
    size = 0
    for index in range(len(text) - 1, -1, -1):
        size += byte_length(text[index])
        if size > room:
            return text[index + 1 :]
    return text


def _expansion_problem(template: str, serial: str, name: str, reason: str) -> str:
    if name.isdecimal():
        return (
            f"{template} gives {name} for serial {_show(serial)}, which is all digits; Windows "
            f"refuses all-digit device names. Add a prefix to the template, e.g. "
            f"{EXAMPLE_TEMPLATE}"
        )
    return f"{template} gives an invalid name for serial {_show(serial)}: {reason}"
