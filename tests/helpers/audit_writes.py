"""Every audit action the code in app/ writes, read from its source (not from a run).

A call to `append_audit` (or to a module's `_audit` or `_audited` helper that wraps it)
names its action as `AuditAction.NAME`; a helper passes its own `action` parameter
through. Anything else (a string, an f-string, a variable of another name) is reported, so
a new way of writing an action cannot slip past the Audit screen's filter.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
WRITERS = {"append_audit", "_audit", "_audited"}


@dataclass
class AuditWrites:
    actions: set[str] = field(default_factory=set)  # AuditAction member names
    unexplained: list[str] = field(default_factory=list)  # "file:line: what was passed"
    calls: int = 0


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None


def scan(root: Path = APP) -> AuditWrites:
    found = AuditWrites()
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or _name(node.func) not in WRITERS:
                continue
            found.calls += 1
            arguments = [*node.args, *(k.value for k in node.keywords)]
            named = [
                a.attr
                for a in arguments
                if isinstance(a, ast.Attribute)
                and isinstance(a.value, ast.Name)
                and a.value.id == "AuditAction"
            ]
            passed_through = any(isinstance(a, ast.Name) and a.id == "action" for a in arguments)
            if named:
                found.actions.update(named)
            elif not passed_through:
                where = f"{path.relative_to(root.parent)}:{node.lineno}"
                found.unexplained.append(f"{where}: {ast.unparse(node)[:120]}")
    return found
