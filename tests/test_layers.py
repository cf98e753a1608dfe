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


#: Every module of app/ the kiosk may import, and why; anything else it reaches through
#: app.services (pyproject.toml's import-linter contracts forbid the store, the formats and
#: the security internals by name; this list also stops a module nobody thought of yet).
UI_MAY_IMPORT = {
    "app.services": "the door: the use cases, and the types and words they hand out",
    "app.domain": "value types and enums",
    "app.errors": "the typed errors the kiosk turns into messages",
    "app.enrollment": "the enrollment wizard's answers (a value type)",
    "app.provisioning.model": "the bulk wizard's answers (value types)",
    "app.security.roles": "Actor, Role, Permission",
    "app.security.secret": "the masked Secret type",
    "app.naming": "Windows device-name rules: pure, a page asks them while a person types",
    "app.eligibility": "edition and build rules and their Verdict: pure",
    "app.locales": "the region and keyboard tables: static data",
    "app.timeutil": "the UTC clock and ISO 8601 times",
    "app.textsafe": "escaping untrusted text before it is shown",
}
#: The console script adds the `kiosk` command to the CLI: the one place the two meet.
ENTRY_MAY_IMPORT = {"app.cli", "app.cli_base"}


def app_imports(path: Path) -> set[str]:
    """The app modules a file imports (`from app import x` counts as app.x)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "app")
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "app":
                found.update(f"app.{a.name}" for a in node.names)
            elif node.module.split(".")[0] == "app":
                found.add(node.module)
    return found


def test_the_kiosk_imports_only_the_door_and_value_types() -> None:
    offenders = {}
    for path in sorted((ROOT / "ui").rglob("*.py")):
        name = str(path.relative_to(ROOT))
        allowed = set(UI_MAY_IMPORT) | (ENTRY_MAY_IMPORT if name == "ui/entry.py" else set())
        if extra := app_imports(path) - allowed:
            offenders[name] = sorted(extra)
    assert offenders == {}


def test_sql_is_only_written_in_the_store() -> None:
    for path in (ROOT / "app").rglob("*.py"):
        if "store" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for keyword in ("SELECT ", "INSERT INTO", "UPDATE devices", "DELETE FROM"):
            assert keyword not in text, f"{path} builds SQL ({keyword.strip()})"
