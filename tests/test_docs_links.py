"""README.md and docs/ link only to files in the repository, and every such link resolves.

A reader follows a link from the README or a page in docs/: it must open a file of this
repository (or a web page), never a path on someone's machine or a file the repository does
not hold.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

_FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.M | re.S)
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1", re.S)
# [text](target "title") and ![alt](target); the text may hold one level of brackets.
_INLINE = re.compile(r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*(<[^>]*>|[^\s)]+)(?:\s+[\"'(][^)]*)?\)")
_REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)", re.M)
_WEB = ("http", "https", "mailto")


def prose(text: str) -> str:
    """The text with code blocks and code spans blanked: a link in code is not a link."""
    text = _FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    return _CODE_SPAN.sub(lambda m: " " * len(m.group(0)), text)


def links(text: str) -> list[str]:
    found = [m.group(1) for m in _INLINE.finditer(prose(text))]
    found += [m.group(1) for m in _REFERENCE.finditer(prose(text))]
    return [target.removeprefix("<").removesuffix(">") for target in found]


def slug(heading: str) -> str:
    """A heading's anchor as GitHub makes it."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    headings = re.findall(
        r"^#{1,6}\s+(.+?)\s*#*\s*$", prose(page.read_text(encoding="utf-8")), re.M
    )
    return {slug(h) for h in headings}


def problem(page: Path, target: str, root: Path = ROOT) -> str | None:
    """Why `target`, linked from `page`, does not open a file of the repository; else None."""
    parts = urlsplit(target)
    if parts.scheme in _WEB:
        return None
    if parts.scheme or parts.netloc:  # file:, C:, //host/share
        return "points outside the repository"
    if not parts.path:  # "#section" in the same page
        if parts.fragment and slug(unquote(parts.fragment)) not in anchors(page):
            return f"there is no heading #{parts.fragment} in {page.name}"
        return None
    path = unquote(parts.path)
    if path.startswith(("/", "\\")) or re.match(r"[A-Za-z]:[\\/]", path):
        return "points outside the repository (an absolute path)"
    resolved = (page.parent / path).resolve()
    if not resolved.is_relative_to(root):
        return "points outside the repository"
    if not resolved.exists():
        return f"{resolved.relative_to(root)} is not in the repository"
    fragment = unquote(parts.fragment)
    if fragment and resolved.suffix == ".md" and slug(fragment) not in anchors(resolved):
        return f"there is no heading #{parts.fragment} in {resolved.name}"
    return None


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_opens_a_file_of_the_repository(page: Path) -> None:
    broken = {
        target: reason
        for target in links(page.read_text(encoding="utf-8"))
        if (reason := problem(page, target))
    }
    assert broken == {}


@pytest.mark.parametrize("page", PAGES[1:], ids=lambda p: str(p.relative_to(ROOT)))
def test_docs_name_no_page_the_repository_does_not_hold(page: Path) -> None:
    """A page named in the prose ("see reference/domain.md") must be here too: a reader
    cannot open a file that lives on the author's machine."""
    text = page.read_text(encoding="utf-8")
    for target in links(text):  # a web link's text may name the page it opens
        text = text.replace(target, "")
    missing = {
        name
        for name in re.findall(r"[\w./-]+\.md\b", text)
        if not (page.parent / name).exists() and not (ROOT / name).exists()
    }
    assert missing == set()


def test_the_architecture_page_names_every_package() -> None:
    """docs/architecture.md is the map: each package of app/ and ui/ is on it."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    packages = [
        f"{layer}/{path.parent.name}/"
        for layer in ("app", "ui")
        for path in sorted((ROOT / layer).glob("*/__init__.py"))
    ]
    assert packages, "no packages found"
    assert [p for p in packages if p not in text] == []


# -- the checker itself ---------------------------------------------------------------------------


def test_the_checker_finds_what_a_reader_would_trip_on(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "here.md").write_text("# Here\n\n## A section\n", encoding="utf-8")
    page = tmp_path / "README.md"
    text = (
        "[ok](docs/here.md) ![shot](docs/here.md#a-section) [web](https://learn.microsoft.com)\n"
        "[gone](docs/missing.md) [abs](/work/shared/DESIGN.md) [up](../elsewhere.md)\n"
        "[file](file:///etc/passwd) [anchor](docs/here.md#nowhere)\n"
        "`[in code](nowhere.md)`\n```\n[in a block](nowhere.md)\n```\n"
        "[ref]: docs/also-missing.md\n"
    )
    page.write_text(text, encoding="utf-8")
    found = {t: problem(page, t, tmp_path) for t in links(text)}
    assert found == {
        "docs/here.md": None,
        "docs/here.md#a-section": None,
        "https://learn.microsoft.com": None,
        "docs/missing.md": "docs/missing.md is not in the repository",
        "/work/shared/DESIGN.md": "points outside the repository (an absolute path)",
        "../elsewhere.md": "points outside the repository",
        "file:///etc/passwd": "points outside the repository",
        "docs/here.md#nowhere": "there is no heading #nowhere in here.md",
        "docs/also-missing.md": "docs/also-missing.md is not in the repository",
    }
