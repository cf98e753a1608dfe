"""Structure-aware mutations: CSV rows and fields, JSON trees, XML elements, and the bytes
under all of them. Every function takes a seeded `random.Random`, so an input is replayed
from (seed, index) alone."""

from __future__ import annotations

import codecs
import copy
import itertools
import json
import random
from typing import Any
from xml.etree.ElementTree import Element, tostring  # builds and writes; parsing is defusedxml

import defusedxml.ElementTree as safe_et

MAX_BYTES = 3 * 1024 * 1024

#: Text that has broken parsers before: controls, escapes, bidi, surrogates (as JSON escapes
#: they arrive later), formulas, paths, numbers Python reads differently, long runs.
NASTY_TEXT = [
    "",
    " ",
    "\x00",
    "\x1b[2K\x1b[1A",
    "\x9b31m",
    "\u202eexe.txt",
    "\ufeff",
    "\ud800",
    "\udc80\udcff",
    "\U0001f600",
    "²",
    "١٢٣",
    "=cmd|' /C calc'!A0",
    "+1",
    "-1",
    "@SUM(1)",
    "..\\..\\keys\\audit.key",
    "/etc/passwd",
    "C:\\Windows\\System32\\config\\SAM",
    "con",
    "NUL.txt",
    "a" * 70_000,
    "é" * 3000,
    "\r\n",
    '"',
    ",",
    "'",
    "%SERIAL%%RAND:99%",
    "1e999",
    "NaN",
    "-0",
    "9" * 5000,
    "{guid}",
    "\t",
]
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252", "latin-1"]


def pick(rng: random.Random, items: list[Any]) -> Any:
    return items[rng.randrange(len(items))]


def nasty(rng: random.Random) -> str:
    if rng.random() < 0.2:
        return "".join(pick(rng, NASTY_TEXT)[:50] for _ in range(rng.randrange(1, 5)))
    return str(pick(rng, NASTY_TEXT))


# -- bytes -------------------------------------------------------------------------------------


_BYTES = [b"\x00", b"\xff", b"\xc3", b"\xed\xa0\x80", b'"', b",", b"\r\n", b"<", b"{", b"["]


def damage(rng: random.Random, data: bytes, *, rounds: int | None = None) -> bytes:
    """Byte-level damage: flips, inserts, deletes, truncation, duplication, splices."""
    buf = bytearray(data)
    for _ in range(rounds if rounds is not None else rng.randrange(1, 4)):
        if not buf:
            buf += rng.randbytes(rng.randrange(1, 64))
            continue
        op = rng.randrange(8)
        at = rng.randrange(len(buf))
        if op == 0:
            buf[at] ^= 1 << rng.randrange(8)
        elif op == 1:
            buf[at:at] = pick(rng, _BYTES) * rng.randrange(1, 8)
        elif op == 2:
            del buf[at : at + rng.randrange(1, 64)]
        elif op == 3:
            del buf[at:]
        elif op == 4:
            end = min(len(buf), at + rng.randrange(1, 256))
            chunk = bytes(buf[at:end])
            times = rng.randrange(2, max(3, min(2000, MAX_BYTES // max(1, len(chunk)))))
            buf[at:at] = chunk * times
        elif op == 5:
            buf[at] = rng.randrange(256)
        elif op == 6:
            buf[at:at] = rng.randbytes(rng.randrange(1, 32))
        else:
            other = rng.randrange(len(buf))
            buf[at], buf[other] = buf[other], buf[at]
    return bytes(buf[:MAX_BYTES])


def encode(rng: random.Random, text: str) -> bytes:
    """`text` in an encoding a file might come in, sometimes not one the reader expects."""
    encoding = pick(rng, ENCODINGS)
    data = text.encode(encoding, "surrogatepass" if encoding.startswith("utf") else "replace")
    if encoding == "utf-16" and rng.random() < 0.2:
        data = data[2:]  # UTF-16 without its BOM
    if rng.random() < 0.05:
        data = codecs.BOM_UTF8 + data
    return data


# -- CSV ---------------------------------------------------------------------------------------


def csv_text(rng: random.Random, text: str) -> str:
    """Rows and fields moved, repeated, emptied and filled with nasty values."""
    newline = pick(rng, ["\r\n", "\n", "\r", "\r\n"])
    rows = [line.split(",") for line in text.replace("\r\n", "\n").split("\n") if line]
    for _ in range(rng.randrange(1, 6)):
        if not rows:
            rows = [[nasty(rng)]]
        row = pick(rng, rows)
        if not row:
            row.append("")
        pick(rng, _ROW_EDITS)(rng, rows, row)
    return newline.join(",".join(r) for r in rows) + (newline if rng.random() < 0.8 else "")


def _field(rng: random.Random, row: list[str]) -> int:
    return rng.randrange(len(row))


def _quote(rng: random.Random, row: list[str]) -> None:
    i = _field(rng, row)
    row[i] = f'"{row[i]}"' if rng.random() < 0.7 else f'"{row[i]}'


def _pad(rng: random.Random, row: list[str]) -> None:
    i = _field(rng, row)
    row[i] = row[i].upper() if rng.random() < 0.5 else f" {row[i]} "


def _cut(rng: random.Random, row: list[str]) -> None:
    i = _field(rng, row)
    row[i] = row[i][: rng.randrange(len(row[i]) + 1)]


def _swap(rng: random.Random, row: list[str]) -> None:
    i, j = _field(rng, row), _field(rng, row)
    row[i], row[j] = row[j], row[i]


def _drop_row(rng: random.Random, rows: list[list[str]]) -> None:
    if len(rows) > 1:
        del rows[rng.randrange(len(rows))]


def _drop_field(rng: random.Random, row: list[str]) -> None:
    if len(row) > 1:
        del row[_field(rng, row)]


_ROW_EDITS: list[Any] = [
    lambda rng, rows, row: row.__setitem__(_field(rng, row), nasty(rng)),
    lambda rng, rows, row: rows.insert(rng.randrange(len(rows) + 1), list(row)),
    lambda rng, rows, row: rows.extend([list(row)] * rng.randrange(10, 3000)),
    lambda rng, rows, row: _drop_row(rng, rows),
    lambda rng, rows, row: row.insert(rng.randrange(len(row) + 1), nasty(rng)),
    lambda rng, rows, row: _drop_field(rng, row),
    lambda rng, rows, row: _quote(rng, row),
    lambda rng, rows, row: _pad(rng, row),
    lambda rng, rows, row: rows.insert(rng.randrange(len(rows) + 1), [""]),
    lambda rng, rows, row: _cut(rng, row),
    lambda rng, rows, row: _swap(rng, row),
]


def csv_file(rng: random.Random, seed: bytes) -> bytes:
    data = encode(rng, csv_text(rng, _text(seed))[:MAX_BYTES])
    return damage(rng, data) if rng.random() < 0.25 else data


def _text(seed: bytes) -> str:
    if seed.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return seed.decode("utf-16")
    try:
        return seed.decode("utf-8-sig")
    except UnicodeDecodeError:
        return seed.decode("cp1252")


# -- JSON --------------------------------------------------------------------------------------


def json_value(rng: random.Random) -> Any:
    """A replacement value of any type, sometimes extreme."""
    return pick(rng, _VALUES)(rng)


def _deep(rng: random.Random) -> Any:
    value: Any = "deep"
    for _ in range(rng.choice([10, 40, 200, 1500, 20_000])):
        value = [value] if rng.random() < 0.5 else {"k": value}
    return value


_VALUES: list[Any] = [
    nasty,
    lambda rng: rng.choice([0, -1, 2**31, 2**63, -(2**63) - 1, 10**30]),
    lambda rng: rng.choice([0.5, -0.0, 1e308, float("inf"), float("nan")]),
    lambda rng: rng.choice([True, False, None]),
    lambda rng: [json_value(rng) for _ in range(rng.randrange(4))],
    lambda rng: {nasty(rng)[:20]: json_value(rng) for _ in range(rng.randrange(4))},
    _deep,
    lambda rng: [0] * rng.randrange(1, 200_000),
    lambda rng: "x" * rng.choice([1, 255, 256, 4096, 70_000, 1_500_000]),
    lambda rng: {},
    lambda rng: [],
    lambda rng: rng.randbytes(8).hex(),
]


def json_tree(rng: random.Random, document: Any, *, in_place: bool = False) -> Any:
    """A copy of `document` (or `document` itself) with a few keys removed, added, renamed
    or given new values."""
    tree = document if in_place else copy.deepcopy(document)
    for _ in range(rng.randrange(1, 5)):
        holders = _containers(tree)
        holder = pick(rng, holders) if holders else None
        if isinstance(holder, dict) and holder:
            key = pick(rng, list(holder))
            op = rng.randrange(4)
            if op == 0:
                holder[key] = json_value(rng)
            elif op == 1:
                del holder[key]
            elif op == 2:
                holder[nasty(rng)[:40]] = json_value(rng)
            else:
                holder[key + nasty(rng)[:3]] = holder.pop(key)
        elif isinstance(holder, list) and holder:
            i = rng.randrange(len(holder))
            op = rng.randrange(3)
            if op == 0:
                holder[i] = json_value(rng)
            elif op == 1:
                holder.extend([holder[i]] * rng.randrange(1, 50))
            else:
                del holder[i]
        else:
            tree = json_value(rng) if rng.random() < 0.1 else tree
    return tree


def _containers(tree: Any) -> list[Any]:
    """Objects and arrays to mutate: at most 5,000, looking at 1,000 values of each (a
    mutated array can hold 200,000; walking all of them is the generator's cost, not a test)."""
    found, stack = [], [(tree, 0)]
    while stack and len(found) < 5000:
        node, level = stack.pop()
        if isinstance(node, dict | list) and level < 30:
            found.append(node)
            values = node.values() if isinstance(node, dict) else node
            stack.extend(
                (v, level + 1) for v in itertools.islice(values, 1000) if isinstance(v, dict | list)
            )
    return found


def dumps(document: Any, *, limit: int = MAX_BYTES, **options: Any) -> str:
    """json.dumps, stopped at `limit` characters (a mutated list can hold millions of copies
    of one value: only its first few megabytes are written, which leaves it invalid)."""
    encoder = json.JSONEncoder(**options)
    parts, size = [], 0
    try:
        for part in encoder.iterencode(document):
            parts.append(part)
            size += len(part)
            if size >= limit:
                break
    except (ValueError, RecursionError):
        return '"unserialisable"'
    return "".join(parts)[:limit]


def json_text(rng: random.Random, document: Any) -> bytes:
    """Serialised as a file might be: indented or not, escaped or not, sometimes damaged,
    sometimes with raw text surgery (duplicate keys, huge numbers, trailing garbage)."""
    text = dumps(document, indent=rng.choice([None, 2]), ensure_ascii=rng.random() < 0.5)
    op = rng.randrange(10)
    if op == 0:
        text = text.replace(":", ": " + "9" * rng.randrange(1, 6000) + ', "_":', 1)
    elif op == 1:
        text = text.replace("{", '{"dup": 1, "dup": 2, ', 1)
    elif op == 2:
        text = text + pick(rng, ["", "}", "garbage", "\x00", "\n\n{}"])
    elif op == 3:
        text = "[" * rng.choice([100, 5000, 100_000]) + text
    data = text.encode("utf-8", "surrogatepass")
    if rng.random() < 0.1:
        data = encode(rng, text)
    return damage(rng, data) if rng.random() < 0.2 else data


# -- XML ---------------------------------------------------------------------------------------


def xml_file(rng: random.Random, seed: bytes) -> bytes:
    """Elements renamed, removed, repeated, nested, their text and attributes made nasty;
    then the declaration, a DTD, entities or the bytes may be changed too."""
    root = safe_et.fromstring(seed)
    deep = 0
    for _ in range(rng.randrange(1, 6)):
        nodes = list(root.iter())
        node = pick(rng, nodes)
        edit = pick(rng, _NODE_EDITS)
        if edit is _nest:
            deep = rng.choice([5, 70, 2000, 100_000])  # spliced in as text below
        elif edit is not _copies or len(nodes) < 3000:  # large enough: no more copies
            edit(rng, node)
    text = tostring(root, encoding="unicode")
    if deep:  # ElementTree writes recursively: a deep tree is spliced in as text instead
        at = text.rfind("</")
        text = text[:at] + "<a>" * deep + "</a>" * deep + text[at:]
    return _xml_surgery(rng, text[: MAX_BYTES * 2])


def _copies(rng: random.Random, node: Element) -> None:
    if len(node):
        child = pick(rng, list(node))
        for _ in range(rng.randrange(1, 300)):
            node.append(copy.deepcopy(child))


def _nest(rng: random.Random, node: Element) -> None:
    """Marks the nesting edit (applied to the text by xml_file)."""


def _rename(rng: random.Random, node: Element) -> None:
    namespace = node.tag.rsplit("}", 1)[0] + "}" if "}" in node.tag else ""
    node.tag = namespace + (nasty(rng)[:10] or "X")


def _remove_child(rng: random.Random, node: Element) -> None:
    if len(node):
        node.remove(pick(rng, list(node)))


_PATHS = ["C:\\pkgsrc\\x.msi", "..\\..\\keys\\audit.key", "/etc/passwd", "payload\\..\\..\\x"]
_NODE_EDITS: list[Any] = [
    lambda rng, node: setattr(node, "text", nasty(rng) if rng.random() < 0.7 else _jwt(rng)),
    _remove_child,
    _copies,
    _nest,
    lambda rng, node: node.set(pick(rng, ["Name", "SSID", "Password", "Id"]), nasty(rng)),
    _rename,
    lambda rng, node: setattr(node, "text", pick(rng, ["²", "-1", "100", "9" * 30, " 5 "])),
    lambda rng, node: setattr(node, "text", pick(rng, _PATHS)),
    lambda rng, node: node.append(Element(pick(rng, ["BPRT", "Password", "CommandFile"]))),
    lambda rng, node: setattr(node, "text", (node.text or "")[:2000] * rng.randrange(2, 200)),
]


def _jwt(rng: random.Random) -> str:
    """A bulk token that looks like a JWT, its claims sometimes hostile JSON."""
    import base64

    claims = rng.choice(
        [
            '{"iat": 1, "exp": 99999999999999}',
            "[" * 20_000 + "]" * 20_000,
            '{"exp": "\\ud800"}',
            "{}",
        ]
    )
    body = base64.urlsafe_b64encode(claims.encode()).decode().rstrip("=")
    return f"eyJhbGciOiJub25lIn0.{body}.sig"


_DECLARED = ["utf-8"] * 12 + ["utf-16", "iso-8859-1", "windows-1252", "shift_jis", "x-unknown"]
_DECLARED += ["rot13", "utf-32", "idna"]


def _xml_surgery(rng: random.Random, text: str) -> bytes:
    encoding = pick(rng, _DECLARED)
    head = f'<?xml version="1.0" encoding="{encoding}"?>\n'
    op = rng.randrange(16)
    if op == 0:
        head += '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>\n'
    elif op == 1:
        head += "<?pi data?><!-- comment -->"
    elif op == 2:
        text = text.replace("<", "<!-- c --><", 3)
    full = head + text
    try:
        data = full.encode(
            encoding if encoding in ("utf-8", "utf-16", "iso-8859-1") else "utf-8", "replace"
        )
    except LookupError:
        data = full.encode("utf-8")
    return damage(rng, data) if rng.random() < 0.2 else data
