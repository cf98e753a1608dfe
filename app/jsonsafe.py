"""JSON from a hostile file: nesting and size checked before decoding, text checked after.

Python's decoder recurses once per level, so `[[[[...` a few thousand deep raises
RecursionError (a bug's exception, not a refusal) and costs a stack frame per level; and a
JSON escape such as "\\ud800" decodes to a lone surrogate that no UTF-8 write accepts
(SQLite, a log, stdout), so the crash comes later, after a commit. `loads` refuses both
with `JsonRefused` (a ValueError), saying where.
"""

from __future__ import annotations

import json
import re
from typing import Any

from app.textsafe import lone_surrogate, printable

MAX_DEPTH = 32
# Scanned left to right as the decoder reads: a string is skipped whole (a "[" inside one does
# not count), and an unterminated one ends the scan (json.loads then says where), so no
# position is scanned twice.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_OTHER = re.compile(r'[^"\[\]{}]+')


class JsonRefused(ValueError):
    """The JSON is well-formed or not, but refused: `reason` says why, `line` where."""

    def __init__(self, reason: str, line: int | None = None, *, kind: str = "text") -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line
        self.kind = kind  # "depth", "containers", "number" or "text"


def loads(text: str, *, max_depth: int = MAX_DEPTH, max_containers: int | None = None) -> Any:
    """`json.loads(text)`, refused (JsonRefused) when it nests deeper than `max_depth`, holds
    more than `max_containers` objects and arrays, or any text with a lone surrogate.
    A syntax error is json.JSONDecodeError, as from json.loads."""
    _check_shape(text, max_depth, max_containers)
    try:
        document = json.loads(text)
    except RecursionError:  # unreachable after the depth check; kept as the last word
        raise JsonRefused(f"nests deeper than {max_depth} levels", kind="depth") from None
    except json.JSONDecodeError:
        raise
    except ValueError:  # Python refuses integers of more than 4,300 digits
        raise JsonRefused("holds a number too long to be one", kind="number") from None
    _check_text(document)
    return document


def _check_shape(text: str, max_depth: int, max_containers: int | None) -> None:
    depth = containers = pos = 0
    end = len(text)
    while pos < end:
        char = text[pos]
        if char == '"':
            string = _STRING.match(text, pos)
            if string is None:
                return
            pos = string.end()
            continue
        if char in "[{":
            depth += 1
            containers += 1
            if depth > max_depth:
                line = text.count("\n", 0, pos) + 1
                raise JsonRefused(f"nests deeper than {max_depth} levels", line, kind="depth")
            if max_containers is not None and containers > max_containers:
                raise JsonRefused(
                    f"holds more than {max_containers} objects and arrays", kind="containers"
                )
        elif char in "]}":
            depth -= 1
        else:
            other = _OTHER.match(text, pos)
            assert other is not None  # any other character starts a run
            pos = other.end()
            continue
        pos += 1


def _check_text(document: object) -> None:
    """Every key and string value is valid Unicode text (iterative: the depth is bounded, but
    a wide document must not cost a stack frame per value either)."""
    if isinstance(document, str):
        _check_string(document, "")
    stack: list[tuple[object, str]] = [(document, "")]
    while stack:
        container, where = stack.pop()
        if isinstance(container, dict):
            items: Any = container.items()
        elif isinstance(container, list):
            items = enumerate(container)
        else:
            continue
        for key, value in items:
            if isinstance(key, str):
                _check_string(key, where)
            if isinstance(value, str):
                if lone_surrogate(value) is not None:
                    _check_string(value, _step(where, key))
            elif isinstance(value, (dict, list)):
                stack.append((value, _step(where, key)))


def _step(where: str, key: object) -> str:
    if isinstance(key, int):
        return f"{where}[{key}]"
    return f"{where}.{key}" if where else str(key)


def _check_string(value: str, where: str) -> None:
    if lone_surrogate(value) is not None:
        place = f" in {printable(where)}" if where else ""
        raise JsonRefused(
            f"holds a lone UTF-16 surrogate escape (such as \\ud800){place}, which is not "
            "text: the file was damaged or crafted"
        )
