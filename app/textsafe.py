"""Text from a hostile file, made safe to show and to store.

A terminal obeys escape sequences (ESC, CSI U+009B), a bidi override (U+202E) reorders what a
person reads, and a lone surrogate (a JSON escape such as \\ud800) cannot be encoded as UTF-8
at all: SQLite, a log file and stdout all refuse it. `printable` shows any text with those
escaped; `lone_surrogate` finds the one character that would break a write.
"""

from __future__ import annotations

import re
import unicodedata

# Control (Cc), format (Cf: bidi overrides, zero-width), surrogate (Cs), line and paragraph
# separators (Zl, Zp), private use and unassigned code points are shown escaped.
_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_SURROGATE = re.compile("[\ud800-\udfff]")


def printable(value: object) -> str:
    """`value` as text with every control, format or surrogate character escaped
    (\\x1b, \\u202e, \\udc80); tab and line breaks are escaped too, so a line printed from a
    file is one line. Backslashes stay as they are: Windows paths must read as paths."""
    text = value if isinstance(value, str) else str(value)
    if text.isascii() and text.isprintable():
        return text  # the common case, at C speed
    return "".join(_shown(c) for c in text)


def _shown(char: str) -> str:
    if char == " " or unicodedata.category(char) not in _HIDDEN and char.isprintable():
        return char
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


_NOT_PLAIN = re.compile(r"[^\x00-\x7e]")


def json_printable(text: str) -> str:
    """JSON text (as json.dumps writes it, without ensure_ascii) with every control, format
    or surrogate character outside ASCII written as a \\u escape: the same JSON to a parser,
    nothing a terminal obeys (C1 controls such as U+009B CSI, bidi overrides) on screen.
    Structural whitespace is ASCII and stays; json.dumps already escapes ASCII controls in
    strings, except DEL, which is escaped here too."""

    def escaped(found: re.Match[str]) -> str:
        char = found.group()
        if char != "\x7f" and unicodedata.category(char) not in _HIDDEN:
            return char
        code = ord(char)
        if code > 0xFFFF:
            code -= 0x10000
            return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
        return f"\\u{code:04x}"

    return _NOT_PLAIN.sub(escaped, text.replace("\x7f", "\\u007f"))


def lone_surrogate(text: str) -> int | None:
    """The index of the first lone surrogate in `text` (UTF-8 cannot hold one), or None."""
    found = _SURROGATE.search(text)
    return None if found is None else found.start()
