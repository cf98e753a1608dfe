"""Exporting the audit trail: progress a page at a time, and a cancel that leaves nothing
behind (no file, an existing one as it was, no entry saying an export happened)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from app import services
from app.errors import Cancelled
from app.services import AuditQuery
from app.store import Store
from tests.helpers.actors import ADMIN
from tests.helpers.audit import fill


def exports(store: Store) -> int:
    return len(store.audit_entries(action="audit.export", limit=100))


def test_an_export_says_how_far_it_got_against_what_it_will_write(
    store: Store, tmp_path: Path
) -> None:
    fill(store, 2_500)
    steps: list[tuple[int, int]] = []
    out = tmp_path / "audit.csv"
    query = AuditQuery(action="test.action1")  # one in five: 500 entries
    count = services.export_audit(
        store, out, query, actor=ADMIN, progress=lambda d, t: steps.append((d, t))
    )
    assert count == 500
    assert steps[-1] == (500, 500)
    assert [d for d, _ in steps] == sorted({d for d, _ in steps})
    with out.open(encoding="utf-8-sig", newline="") as handle:
        assert len(list(csv.reader(handle))) == 1 + 500
    assert exports(store) == 1


@pytest.mark.parametrize("existing", [False, True])
def test_a_cancelled_export_leaves_nothing_behind(
    store: Store, tmp_path: Path, existing: bool
) -> None:
    fill(store, 2_500)
    folder = tmp_path / "exports"
    folder.mkdir()
    out = folder / "audit.csv"
    if existing:
        out.write_text("last week's export\n")
    steps: list[int] = []
    with pytest.raises(Cancelled, match="was not written"):
        services.export_audit(
            store,
            out,
            AuditQuery(),
            actor=ADMIN,
            progress=lambda done, _total: steps.append(done),
            cancelled=lambda: bool(steps),  # Cancel pressed once the first page is out
        )
    assert steps == [1000]
    assert out.read_text() == "last week's export\n" if existing else not out.exists()
    assert sorted(p.name for p in folder.iterdir()) == (["audit.csv"] if existing else [])
    assert exports(store) == 0
