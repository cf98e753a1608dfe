"""Typed reads from a parsed JSON report: a wrong type becomes a Problem naming file and field.

`Node.text("serialNumber")` on the node at "device" reads `device.serialNumber`; a list item is
named like `bitlocker.volumes[1].protectionStatus`. JSON null and a missing key both read as
None ("not reported"); unknown keys are ignored, as the schema's compatibility rule asks.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from app.errors import Problem

MAX_TEXT = 255  # names, models, versions: longer is not a Windows value
#: A report lists a few volumes, profiles and products; a list this long is not a report,
#: and reading it item by item would only multiply the problems (and the memory they take).
MAX_ITEMS = 1000
#: Problems kept per file: enough to fix a file; more only costs memory.
MAX_PROBLEMS = 100


@dataclass
class Faults:
    """The problems found in one file (the first MAX_PROBLEMS, and how many more)."""

    file: str
    problems: list[Problem] = field(default_factory=list)
    more: int = 0

    def add(self, where: str | None, reason: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(self.file, None, where, reason))
            return
        self.more += 1
        if self.more == 1:
            self.problems.append(
                Problem(self.file, None, None, "more problems follow: not all are listed")
            )


@dataclass(frozen=True)
class Node:
    """One JSON object of the report and where it is."""

    faults: Faults
    data: dict[str, object]
    path: str = ""

    def where(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def raw(self, key: str) -> object:
        return self.data.get(key)

    def wrong(self, key: str, want: str, value: object) -> None:
        self.faults.add(self.where(key), f"expected {want}, found {describe(value)}")

    def text(self, key: str, *, required: bool = False, limit: int = MAX_TEXT) -> str | None:
        """A string, stripped; an empty one reads as None."""
        value = self.raw(key)
        if isinstance(value, str) and value.strip():
            if len(value) > limit:
                self.faults.add(self.where(key), f"has {len(value):,} characters; at most {limit}")
                return None
            return value.strip()
        if value is not None and not isinstance(value, str):
            self.wrong(key, "a string", value)
        elif required:
            self.faults.add(self.where(key), "is required and is missing or empty")
        return None

    def choice(self, key: str, options: Collection[str]) -> str | None:
        value = self.text(key)
        if value is not None and value not in options:
            allowed = ", ".join(sorted(options))
            self.faults.add(self.where(key), f"{value!r} isn't one of {allowed}")
            return None
        return value

    def flag(self, key: str) -> bool | None:
        value = self.raw(key)
        if value is None or isinstance(value, bool):
            return value
        self.wrong(key, "true or false", value)
        return None

    def integer(self, key: str, low: int = 0, high: int = 2**31 - 1) -> int | None:
        value = self.raw(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.wrong(key, "a whole number", value)
            return None
        if not low <= value <= high:
            self.faults.add(self.where(key), f"{value} is outside {low} to {high}")
            return None
        return value

    def number(self, key: str, low: float, high: float) -> float | None:
        value = self.raw(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.wrong(key, "a number", value)
            return None
        if not low <= value <= high:
            self.faults.add(self.where(key), f"{value} is outside {low:g} to {high:g}")
            return None
        return float(value)

    def node(self, key: str) -> Node | None:
        value = self.raw(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.wrong(key, "an object {...}", value)
            return None
        return Node(self.faults, value, self.where(key))

    def nodes(self, key: str) -> list[Node] | None:
        """A list of objects; a bad item is a fault and is left out."""
        items = self._list(key)
        if items is None:
            return None
        found: list[Node] = []
        for index, item in enumerate(items):
            where = f"{self.where(key)}[{index}]"
            if isinstance(item, dict):
                found.append(Node(self.faults, item, where))
            else:
                self.faults.add(where, f"expected an object {{...}}, found {describe(item)}")
        return found

    def integers(self, key: str) -> list[int] | None:
        items = self._list(key)
        if items is None:
            return None
        if all(isinstance(i, int) and not isinstance(i, bool) for i in items):
            return [i for i in items if isinstance(i, int)]
        self.wrong(key, "a list of whole numbers", items)
        return None

    def _list(self, key: str) -> list[object] | None:
        value = self.raw(key)
        if value is None:
            return None
        if not isinstance(value, list):
            self.wrong(key, "a list [...]", value)
            return None
        if len(value) > MAX_ITEMS:
            self.faults.add(
                self.where(key), f"lists {len(value):,} items; a report lists at most {MAX_ITEMS}"
            )
            return None
        return value


def describe(value: object) -> str:
    """A JSON value in words, for a message: `a number (42)`, `a string ("yes")`."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"a number ({value!r:.40})"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"a string ({shown!r})"
    if isinstance(value, list):
        return f"a list of {len(value)} item(s)"
    return "an object {...}"
