"""The Packages screen shows a build that did not finish as unfinished, and offers nothing
to open (finding 19 of the attack review: a crash mid-build is marked, not hidden)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app import services
from app.provisioning.model import PackageInfo, PackageSpec
from app.security.roles import Actor, Role
from app.store import Store
from tests.helpers.actors import ADMIN
from tests.helpers.keyboard import Key, focus_name, press
from ui.packages.screen import PackagesScreen

LEAD = Actor("lena", Role.LEAD)


@pytest.fixture
def interrupted(store: Store, tmp_path: Path) -> Store:
    """One finished build, and one whose process died while writing (its row still
    'building', its record gone with it): the sweep marks it unfinished."""
    services.build_and_record(
        store, PackageSpec(PackageInfo(name="Bench", version="1.0")), tmp_path / "out", None,
        actor=LEAD,
    )  # fmt: skip
    row: dict[str, object] = {
        "package_id": "6aaa4dfa-0000-4000-8000-000000000001",
        "name": "Bench",
        "version": "1.1",
        "owner": "ITAdmin",
        "rank": 0,
        "created_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "created_by": "lena",
        "form": "bundle",
        "encrypted": 1,
        "signer_key_id": None,
        "sha256": "",
        "output": str(tmp_path / "out" / "Bench-1.1.jbundle"),
        "token_expires": None,
        "token_account": None,
        "state": "building",
    }
    with store.transaction():
        store.insert_package_build(row)
    assert [b.version for b in services.sweep_unfinished(store, actor=ADMIN)] == ["1.1"]
    return store


def test_an_unfinished_build_is_marked_and_cannot_be_opened(
    qtbot: QtBot, interrupted: Store
) -> None:
    screen = PackagesScreen(interrupted, lambda: LEAD)
    qtbot.addWidget(screen)
    screen.show()
    assert screen.model.rowCount() == 2
    assert "Unfinished" in screen.model.item(0, 6).text()  # newest first
    assert screen.model.item(1, 6).text().endswith("…")  # the finished one: its SHA-256

    screen.table.setFocus()
    qtbot.waitUntil(lambda: focus_name() == "packageTable")
    press(Key.Key_Down)
    press(Key.Key_Up)
    assert focus_name() == "packageTable"
    assert screen.current() == screen.listings[0].build.id
    assert "Unfinished" in screen.detail.text() and "removed" in screen.detail.text()
    assert not screen.open_wizard.isEnabled()
    press(Key.Key_Down)
    assert screen.open_wizard.isEnabled()
