"""The Packages screen shows a build that did not finish as unfinished, and offers nothing
to open (finding 19 of the attack review: a crash mid-build is marked, not hidden)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app import services
from app.provisioning.model import Network, PackageInfo, PackageSpec
from app.security.roles import Actor, Role
from app.security.secret import Secret
from app.store import Store
from tests.helpers.actors import ADMIN
from tests.helpers.keyboard import Key, alt, focus_name, press
from tests.helpers.provisioning import CHEAP, CHEAP_BOUNDS, SIGNER
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


def test_a_wrong_password_leaves_the_keyboard_on_open_to_try_again(
    qtbot: QtBot, store: Store, tmp_path: Path
) -> None:
    """Focus had moved on to "Open customizations.xml…" while the bundle unpacked: Enter to
    try again opened a file dialog."""
    spec = PackageSpec(
        PackageInfo(name="Bench", password=Secret("p" * 24)),
        network=Network(ssid="Bench", key=Secret("bench wifi key 1")),
    )
    services.build_and_record(
        store, spec, tmp_path / "out", SIGNER, actor=LEAD, kdf_cost=CHEAP, kdf_bounds=CHEAP_BOUNDS
    )
    screen = PackagesScreen(store, lambda: LEAD)
    screen.kdf_bounds = CHEAP_BOUNDS
    qtbot.addWidget(screen)
    screen.show()
    with qtbot.waitActive(screen):
        screen.activateWindow()
    screen.open_wizard.setFocus()
    screen.open_build(screen.listings[0].build.id, Secret("wrong" * 5))
    qtbot.waitUntil(lambda: "does not open" in screen.message.text(), timeout=20_000)
    assert "does not open" in screen.message.text() and "type it again" in screen.message.text()
    assert focus_name() == screen.open_wizard.objectName()


def test_a_bundle_is_opened_verified_and_copied_from_the_keyboard(
    qtbot: QtBot, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The screen offered no verify and no copy (the command line only), Enter on a row did
    nothing and Ctrl+5 put the keyboard on a button."""
    spec = PackageSpec(PackageInfo(name="Bench"))
    services.build_and_record(store, spec, tmp_path / "out", SIGNER, actor=LEAD)
    screen = PackagesScreen(store, lambda: LEAD)
    qtbot.addWidget(screen)
    screen.show()
    with qtbot.waitActive(screen):
        screen.activateWindow()
    screen.focus_current()
    assert focus_name() == screen.table.objectName() or screen.table.hasFocus()
    alt(Key.Key_V)
    qtbot.waitUntil(lambda: bool(screen.message.text()), timeout=10_000)
    assert "signature is valid" in screen.message.text(), screen.message.text()
    assert "the one built" in screen.message.text()
    assert store.audit_entries(action="package.verify")[0].details["ok"] is True
    stick = tmp_path / "stick"
    monkeypatch.setattr(
        "ui.packages.screen.QFileDialog.getExistingDirectory", lambda *a, **k: str(stick)
    )
    alt(Key.Key_S)
    qtbot.waitUntil(lambda: "Copied to" in screen.message.text(), timeout=10_000)
    assert (stick / "Bench-1.0.jbundle").read_bytes() == (
        tmp_path / "out" / "Bench-1.0.jbundle"
    ).read_bytes()
    opened: list[object] = []
    screen.open_requested.connect(opened.append)
    screen.table.setFocus()
    press(Key.Key_Return)  # Enter on the row: Open in wizard
    qtbot.waitUntil(lambda: bool(opened), timeout=10_000)
    opened[0].discard()  # type: ignore[attr-defined]


def test_what_a_check_said_goes_with_its_build_and_copy_asks_the_role(
    qtbot: QtBot, store: Store, tmp_path: Path
) -> None:
    """Another build chosen still showed the first one's verdict beside it; Copy opened a
    folder dialog for a technician, whose role is then refused."""
    for version in ("1.0", "1.1"):
        spec = PackageSpec(PackageInfo(name="Bench", version=version))
        services.build_and_record(store, spec, tmp_path / "out", SIGNER, actor=LEAD)
    screen = PackagesScreen(store, lambda: LEAD)
    qtbot.addWidget(screen)
    screen.show()
    screen.table.selectRow(0)
    screen.verify.click()
    qtbot.waitUntil(lambda: screen.message.isVisible(), timeout=10_000)
    assert "signature is valid" in screen.message.text()
    screen.table.selectRow(1)
    assert not screen.message.isVisible()
    technician = PackagesScreen(store, lambda: Actor("tom", Role.TECHNICIAN))
    qtbot.addWidget(technician)
    technician.table.selectRow(0)
    assert technician.verify.isEnabled() and not technician.export.isEnabled()
