"""Windows regions and keyboard layouts for the OOBE's region and keyboard pages.

Shipped as data in resources/windows/ (GEOIDs from Microsoft's Table of Geographical
Locations; keyboard layout identifiers as in an InputLocale value such as 0409:00000409).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class Keyboard:
    id: str  # KLID: eight hex digits, e.g. 00000409
    name: str


@dataclass(frozen=True)
class Region:
    geoid: int
    name: str
    locale: str
    keyboard: str  # the usual layout there (a KLID)


def _load(name: str) -> dict[str, list[dict[str, object]]]:
    text = (resources.files("resources") / "windows" / name).read_text(encoding="utf-8")
    data: dict[str, list[dict[str, object]]] = json.loads(text)
    return data


@cache
def keyboards() -> tuple[Keyboard, ...]:
    return tuple(
        Keyboard(str(k["id"]), str(k["name"])) for k in _load("keyboards.json")["keyboards"]
    )


@cache
def regions() -> tuple[Region, ...]:
    rows = _load("regions.json")["regions"]
    return tuple(
        sorted(
            (
                Region(int(str(r["geoid"])), str(r["name"]), str(r["locale"]), str(r["keyboard"]))
                for r in rows
            ),
            key=lambda r: r.name,
        )
    )


def keyboard(klid: str) -> Keyboard | None:
    wanted = klid.lower()
    return next((k for k in keyboards() if k.id == wanted), None)


def region(name: str) -> Region | None:
    return next((r for r in regions() if r.name.casefold() == name.casefold()), None)
