"""What crashed builds, unpacks and re-opened packages left behind, removed at the kiosk's
start: a module of its own, so the start does not load the package builder to sweep."""

from __future__ import annotations

import glob
import logging
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from app import leftovers, paths
from app.domain import PackageBuild
from app.security.audit_actions import AuditAction
from app.security.roles import Actor
from app.store import Store

log = logging.getLogger(__name__)

#: The folders `packages.open_package` unpacks into (under the data folder's scratch/).
REOPEN_PREFIX = "joinery-reopen-"


def remove_output(output: Path) -> None:
    """A build's output (file or folder) and what a crash inside atomic_write left beside it."""
    if output.is_dir() and not output.is_symlink():
        shutil.rmtree(output, ignore_errors=True)
    else:
        output.unlink(missing_ok=True)
    # A crash inside atomic_write leaves its temporary file beside the output.
    for leftover in output.parent.glob(f".{glob.escape(output.name)}.*.tmp"):
        leftover.unlink(missing_ok=True)


def db_key(path: str) -> str:
    """Which database (a store's path) a build's leftover record belongs to."""
    return str(Path(path).resolve()) if path != ":memory:" else path


def sweep_unfinished(store: Store, *, actor: Actor) -> list[PackageBuild]:
    """Builds whose process died: their partial or unregistered output removed, their rows
    marked 'unfinished' (audited). Live builds (another window, another command) are left
    alone: their pending record is still locked. Returns the builds marked."""
    who = actor.audit_name
    live: set[str] = set()
    for path, document, fd in leftovers.records("build", include_live=True):
        if document.get("db") != db_key(store.path):
            leftovers.release(fd)
            continue
        outputs = _outputs(document)
        if fd < 0:  # its process is alive
            live.update(outputs)
            continue
        _remove_unregistered(store, outputs)
        leftovers.done(path, fd)
    marked = []
    for build in store.package_builds_in_progress():
        if build.output in live:
            continue
        remove_output(Path(build.output))
        with store.transaction():
            if store.mark_package_unfinished(build.id):
                store.append_audit(
                    who,
                    AuditAction.PACKAGE_BUILD_UNFINISHED,
                    f"{build.name} {build.version}",
                    {"build": build.id, "output": build.output, "removed": True},
                )
                marked.append(build)
    if marked:
        log.warning("marked %d interrupted package build(s) unfinished", len(marked))
    return marked


def _outputs(document: dict[str, Any]) -> list[str]:
    """What a pending build record names: one build's `output`, or a cart's `outputs`."""
    named = [document.get("output")]
    many = document.get("outputs")
    if isinstance(many, list):
        named += many
    return [o for o in named if isinstance(o, str) and o]


def _remove_unregistered(store: Store, outputs: Iterable[str]) -> None:
    """Remove each of `outputs` that the registry does not list as built (committed), among
    all its builds; each is looked up as named and resolved (the registry records outputs
    resolved)."""
    named = {output: str(Path(output).resolve()) for output in outputs}
    built = store.built_outputs({*named, *named.values()})
    for output, resolved in named.items():
        if output not in built and resolved not in built:
            remove_output(Path(output))


def sweep_scratch() -> int:
    """Remove re-opened package folders a crashed kiosk left behind; how many were removed."""
    root = paths.data_dir() / "scratch"
    if not root.exists():
        return 0
    left = [p for p in root.iterdir() if p.name.startswith(REOPEN_PREFIX)]
    for folder in left:
        shutil.rmtree(folder, ignore_errors=True)
    return len(left)


def sweep_interrupted(store: Store, *, actor: Actor) -> int:
    """What crashed builds and unpacks left behind, removed (the kiosk's start-up, after a
    crash): unpack staging folders, and builds marked unfinished. How many were removed."""
    staged = leftovers.sweep("unpack", leftovers.UNPACK_STAGING_PREFIX)
    return len(staged) + len(sweep_unfinished(store, actor=actor))
