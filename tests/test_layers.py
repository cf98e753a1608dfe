"""The house rules on imports: app/ is Qt-free, ui/ never talks SQL, XML goes via defusedxml."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(folder: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in (ROOT / folder).rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(ROOT))] = names
    return found


def test_app_never_imports_qt_or_ui() -> None:
    offenders = {p: n & {"PySide6", "shiboken6", "ui"} for p, n in imported_modules("app").items()}
    assert {p: n for p, n in offenders.items() if n} == {}


def test_ui_never_talks_sql() -> None:
    offenders = {p: n & {"sqlite3", "sqlite_utils"} for p, n in imported_modules("ui").items()}
    allowed = {"ui/devices/model.py": {"sqlite3"}}  # catches sqlite3.OperationalError only
    assert {p: n for p, n in offenders.items() if n and n != allowed.get(p)} == {}


def test_sql_is_only_written_in_the_store() -> None:
    for path in (ROOT / "app").rglob("*.py"):
        if "store" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for keyword in ("SELECT ", "INSERT INTO", "UPDATE devices", "DELETE FROM"):
            assert keyword not in text, f"{path} builds SQL ({keyword.strip()})"
