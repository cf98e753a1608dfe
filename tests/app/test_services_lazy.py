"""app.services passes on its names lazily: each loads from its module on first use."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from app import services

ROOT = Path(__file__).resolve().parents[2]


def fresh_python(code: str) -> str:
    """What `code` prints in an interpreter of its own (nothing imported before it)."""
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={"PYTHONPATH": str(ROOT), "PATH": ""},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return done.stdout


def type_checked_imports() -> dict[str, tuple[str, str]]:
    """{name passed on: (module, name there)} from the facade's `if TYPE_CHECKING:` block."""
    tree = ast.parse(Path(services.__file__).read_text(encoding="utf-8"))
    block = next(n for n in tree.body if isinstance(n, ast.If))
    found = {}
    for node in block.body:
        assert isinstance(node, ast.ImportFrom) and node.module is not None
        for alias in node.names:
            found[alias.asname or alias.name] = (node.module, alias.name)
    return found


def test_the_lazy_table_is_the_imports_type_checkers_read() -> None:
    assert type_checked_imports() == services._WHERE


def test_every_name_passed_on_resolves_to_its_modules_object() -> None:
    import importlib

    for name in services.__all__:
        value = getattr(services, name)
        if name in services._WHERE:
            module, attribute = services._WHERE[name]
            assert value is getattr(importlib.import_module(module), attribute), name


def test_a_submodule_loaded_later_does_not_hide_the_name_passed_on() -> None:
    """`services.dashboard` is the function, though `app.services.dashboard` is also a
    module that importing sets on the package (the Fleet screen called the module)."""
    code = (
        "from app import services\n"
        "import app.services.fleet, app.services.dashboard, app.services.tenant\n"
        "print(callable(services.dashboard), callable(services.tenant_status))\n"
    )
    assert fresh_python(code).split() == ["True", "True"]


def test_importing_the_services_loads_none_of_them() -> None:
    code = "import json, sys; from app import services; print(json.dumps(sorted(sys.modules)))"
    loaded = json.loads(fresh_python(code))
    assert sorted(m for m in loaded if m.startswith("app.") and m != "app.services") == []
