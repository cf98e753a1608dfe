"""Reading the tenant into the store: every page of Autopilot's devices and of Intune's
managed devices is staged (temporary tables, no lock on the database) and merged by the
caller in one transaction, so a pull lands whole or not at all."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.errors import Cancelled
from app.store import Store
from app.tenant import shapes
from app.tenant.config import PERMISSIONS
from app.tenant.graph import GraphClient

#: Rows written to the staging table at once (pages are often 50 to 1,000 devices).
STAGE_BATCH = 2_000


@dataclass
class Staged:
    pages: int = 0
    rows: int = 0
    skipped: int = 0  # elements without a serial number (or not Windows)


def stage_autopilot(
    store: Store,
    graph: GraphClient,
    *,
    cancelled: Callable[[], bool] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Staged:
    """GET windowsAutopilotDeviceIdentities, every page, into the staging table."""
    store.start_staging("autopilot")
    staged = Staged()
    for page in graph.pages(shapes.AUTOPILOT_PATH, needs=PERMISSIONS[0]):
        staged.pages += 1
        rows, skipped = shapes.autopilot_rows(page, staged.pages)
        store.stage("autopilot", rows)
        staged.rows += len(rows)
        staged.skipped += skipped
        _step(staged, cancelled, progress)
    return staged


def stage_managed(
    store: Store,
    graph: GraphClient,
    *,
    cancelled: Callable[[], bool] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Staged:
    """GET managedDevices?$select=(only what Joinery uses), every page, Windows only."""
    store.start_staging("managed")
    staged = Staged()
    params = {"$select": ",".join(shapes.MANAGED_FIELDS)}
    waiting: list[shapes.ManagedRow] = []
    for page in graph.pages(shapes.MANAGED_PATH, params, needs=PERMISSIONS[1]):
        staged.pages += 1
        rows, skipped = shapes.managed_rows(page, staged.pages)
        waiting.extend(rows)
        if len(waiting) >= STAGE_BATCH:
            store.stage("managed", waiting)
            waiting = []
        staged.rows += len(rows)
        staged.skipped += skipped
        _step(staged, cancelled, progress)
    store.stage("managed", waiting)
    return staged


def profiles(graph: GraphClient) -> list[tuple[str, str, str | None]]:
    """(id, displayName, description) of each Autopilot deployment profile (beta only)."""
    found: list[tuple[str, str, str | None]] = []
    for page in graph.pages(shapes.PROFILES_PATH, version="beta", needs=PERMISSIONS[0]):
        for element in page:
            if isinstance(element, dict) and element.get("id") and element.get("displayName"):
                description = element.get("description")
                found.append(
                    (
                        str(element["id"]),
                        str(element["displayName"]),
                        description if isinstance(description, str) else None,
                    )
                )
    return found


def _step(
    staged: Staged,
    cancelled: Callable[[], bool] | None,
    progress: Callable[[int, int], None] | None,
) -> None:
    if progress is not None:
        progress(staged.pages, 0)  # 0: the number of pages is not known in advance
    if cancelled is not None and cancelled():
        raise Cancelled("Sync cancelled while reading the tenant: nothing read was kept.")
