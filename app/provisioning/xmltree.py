"""A few ElementTree helpers: safe parsing (defusedxml only), paths, and a writer.

The writer exists because ElementTree cannot give two sibling elements two different default
namespaces: it invents `ns0:` prefixes, where WCD files carry `xmlns="..."` on PackageConfig
and on Settings. Elements are built with `xml.etree.ElementTree.Element`, which parses
nothing; every parse goes through defusedxml with DTDs forbidden.
"""

from __future__ import annotations

import logging
import re
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as safe_et
from defusedxml import DefusedXmlException

from app.errors import InputError, Problem
from app.textsafe import printable

log = logging.getLogger(__name__)

MAX_XML_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 64
#: The encodings expat reads itself, and Windows' ANSI code page (a single-byte Python codec,
#: which expat can use). WCD writes UTF-8; other names go to Python codecs that raise
#: (multi-byte ones) or are not text encodings at all ("rot13", "idna").
ENCODINGS = frozenset(
    {"utf-8", "utf-16", "utf-16le", "utf-16be", "iso-8859-1", "us-ascii", "windows-1252"}
)
_DECLARED = re.compile(rb"<\?xml[^>]*?encoding\s*=\s*[\"']([^\"']{0,64})[\"']")
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def parse(data: bytes, source: str) -> Element:
    """The root element of `data`; InputError (file, line, reason) for anything unsafe or bad.

    DTDs are refused outright: a customizations.xml never has one, and every entity attack
    (billion laughs, external entities, external DTDs) needs one.
    """
    if len(data) > MAX_XML_BYTES:
        raise InputError(
            f"{source} is larger than {MAX_XML_BYTES // 2**20} MiB",
            [Problem(source, None, None, "too large for a customizations.xml")],
        )
    if (encoding := declared_encoding(data)) is not None and encoding.lower() not in ENCODINGS:
        raise _refused(source, 1, _encoding_reason(encoding))
    try:
        root: Element = safe_et.fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        raise _refused(
            source,
            None,
            "has a DTD or entity declarations, which "
            "customizations.xml never needs (refused as unsafe)",
        ) from None
    except ParseError as exc:
        line = exc.position[0] if exc.position else None
        raise _refused(source, line, f"is not well-formed XML ({exc.msg})") from None
    except (LookupError, ValueError, UnicodeError):
        # A codec's own failure: an encoding expat hands to Python and Python cannot use.
        raise _refused(source, 1, _encoding_reason(encoding or "unknown")) from None
    if depth(root) > MAX_DEPTH:
        raise _refused(source, None, f"nests elements more than {MAX_DEPTH} deep")
    return root


def declared_encoding(data: bytes) -> str | None:
    """The encoding named by the XML declaration, or None. NUL bytes are dropped first, so
    the declaration of a UTF-16 file reads as ASCII."""
    head = data[:512].replace(b"\x00", b"")
    found = _DECLARED.match(head.removeprefix(b"\xef\xbb\xbf").lstrip(b"\xff\xfe"))
    return found.group(1).decode("ascii", "replace") if found else None


def _encoding_reason(encoding: str) -> str:
    shown = printable(encoding)
    return (
        f"declares the encoding {shown!r}, which Joinery does not read: save it as UTF-8 "
        "(as Windows Configuration Designer does)"
    )


def _refused(source: str, line: int | None, reason: str) -> InputError:
    return InputError(f"{source} {reason}", [Problem(source, line, None, reason)])


def depth(element: Element) -> int:
    """How deep the tree below `element` goes (iterative: a deep tree cannot blow the stack)."""
    deepest, stack = 0, [(element, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in node)
    return deepest


def local(tag: str) -> str:
    """ "Name" from "{namespace}Name"."""
    return tag.rsplit("}", 1)[-1]


def namespace(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def qname(parent: Element, name: str) -> str:
    """`name` in `parent`'s namespace, as ElementTree spells it."""
    ns = namespace(parent.tag)
    return f"{{{ns}}}{name}" if ns else name


def child(parent: Element, name: str) -> Element | None:
    """The first child called `name` (any namespace)."""
    return next((node for node in parent if local(node.tag) == name), None)


def children(parent: Element, name: str) -> list[Element]:
    return [node for node in parent if local(node.tag) == name]


def find(parent: Element, path: str) -> Element | None:
    """The element at "A/B/C" below `parent`, first match at each step."""
    node: Element | None = parent
    for name in path.split("/"):
        node = child(node, name) if node is not None else None
    return node


def ensure(parent: Element, path: str) -> Element:
    """The element at "A/B/C" below `parent`, creating missing steps in its namespace."""
    node = parent
    for name in path.split("/"):
        found = child(node, name)
        if found is None:
            found = Element(qname(node, name))
            node.append(found)
        node = found
    return node


def add(parent: Element, name: str, text: str | None = None, **attrs: str) -> Element:
    """Append a child called `name` (in `parent`'s namespace) with text and attributes."""
    node = Element(qname(parent, name), attrs)
    node.text = text
    parent.append(node)
    return node


def text_of(element: Element | None) -> str | None:
    return None if element is None else (element.text or "").strip()


def prune(root: Element, path: list[Element]) -> None:
    """Remove the now-empty elements of `path` (outermost first), deepest first."""
    for parent, node in reversed(list(zip([root, *path], path, strict=False))):
        if len(node) == 0 and not (node.text or "").strip() and not node.attrib:
            parent.remove(node)


def serialize(root: Element) -> bytes:
    """UTF-8 XML with a declaration, 2-space indents and `xmlns` where the namespace changes."""
    lines = ['<?xml version="1.0" encoding="utf-8"?>']
    _write(root, "", 0, lines)
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def _write(node: Element, parent_ns: str, level: int, lines: list[str]) -> None:
    ns, name = namespace(node.tag), local(node.tag)
    attrs = [] if ns == parent_ns else [f"xmlns={_quote(ns)}"]
    for index, (key, value) in enumerate(node.attrib.items()):
        if key.startswith("{"):
            prefix = f"a{index}"
            attrs.append(f"xmlns:{prefix}={_quote(namespace(key))}")
            key = f"{prefix}:{local(key)}"
        attrs.append(f"{key}={_quote(value)}")
    head = " ".join([name, *attrs])
    pad = "  " * level
    text = node.text if node.text and (len(node) == 0 or node.text.strip()) else None
    if len(node) == 0:
        body = f"<{head}>{_escape(text)}</{name}>" if text is not None else f"<{head} />"
        lines.append(pad + body)
        return
    lines.append(f"{pad}<{head}>" + (_escape(text.strip()) if text else ""))
    for sub in node:
        _write(sub, ns, level + 1, lines)
    lines.append(f"{pad}</{name}>")


def _escape(text: str) -> str:
    if _ILLEGAL.search(text):
        raise InputError("a value holds a control character that XML cannot carry")
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _quote(value: str) -> str:
    escaped = _escape(value).replace('"', "&quot;")
    return '"' + escaped.replace("\t", "&#9;").replace("\n", "&#10;").replace("\r", "&#13;") + '"'
