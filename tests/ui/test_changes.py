"""One change channel: a write by this kiosk or by anyone else reaches every screen that
shows it, at once when visible and when next shown otherwise; and a lock never waits on the
database (it covers the screen first and audits afterwards)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from app import services
from app.provisioning.model import DeviceSetup, PackageInfo, PackageSpec
from app.security.roles import Actor, Role
from app.store import Store
from tests.helpers.keyboard import Key, ctrl, focus_name
from tests.helpers.kiosk import ADMIN_PIN, add_operators, open_kiosk, sign_in
from ui import changes
from ui.changes import Change
from ui.ops import run_op, wait_for_writer
from ui.packages.screen import PackagesScreen

LEAD = Actor("lena", Role.LEAD)


def test_a_follower_refreshes_when_visible_and_when_next_shown(qtbot: QtBot, db_path: Path) -> None:
    Store.open(db_path).close()
    shown, hidden = QLabel(), QLabel()
    for widget in (shown, hidden):
        qtbot.addWidget(widget)
    calls = {"shown": 0, "hidden": 0}
    changes.follow(
        shown, str(db_path), Change.DEVICES, lambda: calls.__setitem__("shown", 1 + calls["shown"])
    )
    changes.follow(
        hidden,
        str(db_path),
        Change.DEVICES,
        lambda: calls.__setitem__("hidden", 1 + calls["hidden"]),
    )
    shown.show()
    changes.announce(str(db_path), Change.DEVICES)
    assert calls == {"shown": 1, "hidden": 0}  # a hidden screen does no work
    changes.announce(str(db_path), Change.SETTINGS)
    assert calls == {"shown": 1, "hidden": 0}  # not what they show
    hidden.show()
    assert calls == {"shown": 1, "hidden": 1}  # shown: it catches up, once
    hidden.hide()
    hidden.show()
    assert calls["hidden"] == 1


def test_a_follower_watches_its_widget_only_while_it_is_behind(
    qtbot: QtBot, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A follower's filter saw every event of its screen (each paint and layout a call into
    Python, waiting for the interpreter's lock while a sync's thread held it); it needs
    only the Show of a screen that missed a change."""
    Store.open(db_path).close()
    seen: list[QEvent.Type] = []
    watch = changes._Follower.eventFilter

    def counting(self: QObject, watched: QObject, event: QEvent) -> bool:
        seen.append(event.type())
        return watch(self, watched, event)  # type: ignore[arg-type]

    monkeypatch.setattr(changes._Follower, "eventFilter", counting)
    label = QLabel("devices")
    qtbot.addWidget(label)
    refreshed: list[int] = []
    changes.follow(label, str(db_path), Change.DEVICES, lambda: refreshed.append(1))
    label.show()
    qtbot.waitExposed(label)
    label.setText("more devices")
    label.repaint()
    changes.announce(str(db_path), Change.DEVICES)
    assert refreshed == [1] and seen == []  # current and visible: nothing to watch for
    label.hide()
    changes.announce(str(db_path), Change.DEVICES)
    assert refreshed == [1]
    label.show()
    assert refreshed == [1, 1] and QEvent.Type.Show in seen  # behind: caught up when shown
    seen.clear()
    label.repaint()
    assert seen == []  # current again: no longer watched


def test_a_write_by_another_process_is_seen_once(qtbot: QtBot, db_path: Path) -> None:
    Store.open(db_path).close()
    seen: list[Change] = []
    channel = changes.channel(str(db_path))
    channel.changed.connect(seen.append)
    with Store.open(db_path) as other, other.transaction():  # another bench, the CLI
        other.set_setting("idle_lock_minutes", "7")
    qtbot.waitUntil(lambda: seen == [Change.ALL], timeout=5_000)
    qtbot.wait(3 * changes.POLL_MS)
    assert seen == [Change.ALL]  # told once, not at every tick


def test_an_op_of_this_kiosk_is_announced_once_not_again_by_the_watcher(
    qtbot: QtBot, db_path: Path
) -> None:
    Store.open(db_path).close()
    seen: list[Change] = []
    changes.channel(str(db_path)).changed.connect(seen.append)

    def job(store: Store, _p: object, _c: object) -> None:
        with store.transaction():
            store.set_setting("idle_lock_minutes", "9")

    done: list[object] = []
    run_op(str(db_path), job, on_done=done.append, changes_made=Change.SETTINGS)
    qtbot.waitUntil(lambda: bool(done), timeout=5_000)
    qtbot.wait(3 * changes.POLL_MS)
    assert seen == [Change.SETTINGS]  # what it changed, said at once, and only once


def test_the_packages_screen_shows_a_build_made_elsewhere(
    qtbot: QtBot, db_path: Path, tmp_path: Path
) -> None:
    """It never refreshed in normal use: CLI builds showed only after a restart."""
    store = Store.open(db_path)
    screen = PackagesScreen(store, lambda: LEAD)
    qtbot.addWidget(screen)
    screen.show()
    assert screen.model.rowCount() == 0
    with Store.open(db_path) as cli:  # `joinery package build`, in another process
        spec = PackageSpec(info=PackageInfo(name="Elsewhere"), device=DeviceSetup())
        services.build_and_record(cli, spec, tmp_path / "out", None, actor=LEAD)
    qtbot.waitUntil(lambda: screen.model.rowCount() == 1, timeout=5_000)
    assert screen.listings[0].build.name == "Elsewhere"
    store.close()


def test_locking_while_another_writer_holds_the_database_covers_the_screen_at_once(
    qtbot: QtBot, db_path: Path
) -> None:
    """Ctrl+L waited up to 20 s on the lock's audit entry, and could fail open."""
    add_operators(db_path)
    window = open_kiosk(qtbot, db_path)
    sign_in("ada", ADMIN_PIN)
    qtbot.waitUntil(lambda: window.outer.currentWidget() is window.shell)
    holder = sqlite3.connect(db_path, isolation_level=None, timeout=0)
    holder.execute("BEGIN IMMEDIATE")  # an import on another bench holds the write lock
    try:
        ctrl(Key.Key_L)
        assert window.outer.currentWidget() is window.sign_in  # covered: nothing shows
        assert not window.shell.isVisible()
        with Store.open(db_path) as reader:  # the audit entry waits for the database
            assert reader.audit_entries(action="session.lock") == []
        QApplication.processEvents()
        assert focus_name() == "operatorPin"  # the PIN is asked for at once
        assert window.session.is_locked
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    wait_for_writer()
    with Store.open(db_path) as store:  # the lock is audited once the database is free
        assert [e.target for e in store.audit_entries(action="session.lock")] == ["ada"]
    window.close()
