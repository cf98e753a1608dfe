"""The house rules on imports. The layers are import-linter contracts in pyproject.toml
(app/ is Qt-free, ui/ reaches the data only through app.services and never talks SQL, the
store never calls up into the services): `.ci/run` checks them before the tests, and so does
the first test here. The rest: what ui/ may import at all, and SQL only in the store."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_import_contracts_hold() -> None:
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint), "--no-cache", "--no-logo"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},  # this checkout, whatever is installed
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_dead_code() -> None:
    """vulture finds nothing unused in app/ and ui/ but what pyproject.toml's [tool.vulture]
    names, each with why (`.ci/run` runs it too)."""
    vulture = Path(sys.executable).parent / "vulture"
    result = subprocess.run(
        [str(vulture), "app", "ui"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


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


def _is_test_module(name: str) -> bool:
    last = name.rsplit(".", 1)[-1]
    return last == "conftest" or last.startswith("test_")


def test_no_test_module_imports_another() -> None:
    """What tests share lives in tests/helpers: a test module or conftest.py never imports
    from another one (pytest would collect its tests twice, or run its fixtures where
    nobody asked for them)."""
    offenders: dict[str, list[str]] = {}
    for path in sorted((ROOT / "tests").rglob("*.py")):
        if not _is_test_module(path.stem):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            else:
                continue
            found = [n for n in names if n.startswith("tests.") and _is_test_module(n)]
            if found:
                offenders.setdefault(str(path.relative_to(ROOT)), []).extend(found)
    assert offenders == {}
