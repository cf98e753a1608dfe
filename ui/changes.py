"""The one change channel: what changed in the database, told to every screen that shows it.

Two sources, one signal. The op runner (ui/ops.py) announces what each write of this kiosk
changed the moment it lands; one watcher polls `PRAGMA data_version` (microseconds) for
writes by anyone else (another bench, the CLI, the simulator, a tenant sync) and announces
them as `Change.ALL`, since it cannot know what they were. A screen follows the kinds it
shows (`follow`): when visible it refreshes at once, keeping its selection, sort and
filters; when hidden it refreshes the next time it is shown, and only then.

There is one channel per database: screens built with the same database path share it, so a
screen made on its own (a test, a dialog) finds the same channel as the kiosk's window.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from app.services import Store, open_store

log = logging.getLogger(__name__)

#: How often the watcher looks for writes by other processes.
POLL_MS = 500


class Change(enum.Flag):
    """What a write changed; screens refresh only for the kinds they show."""

    DEVICES = enum.auto()  # device records, their compliance, labels, history
    PACKAGES = enum.auto()  # the package registry
    POLICIES = enum.auto()  # compliance policies and their assignment
    SETTINGS = enum.auto()
    OPERATORS = enum.auto()
    PROFILES = enum.auto()  # bench profiles
    AUDIT = enum.auto()  # every write of the kiosk adds an audit entry
    TENANT = enum.auto()  # the tenant's connection, its outbox and what it said of devices
    ALL = DEVICES | PACKAGES | POLICIES | SETTINGS | OPERATORS | PROFILES | AUDIT | TENANT


class ChangeChannel(QObject):
    """`changed(Change)` after a write: announced by the op runner, or seen by the watcher."""

    changed = Signal(object)

    def __init__(self, db_path: str, *, interval_ms: int = POLL_MS) -> None:
        super().__init__()
        self.db_path = db_path
        self._store: Store | None = open_store(db_path)  # a read connection of its own
        self._seen = self._store.data_version()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._timer.start()

    def announce(self, what: Change) -> None:
        """This kiosk wrote `what` (and has just committed it)."""
        if self._store is not None:
            self._seen = self._store.data_version()  # the watcher need not tell it again
        self.changed.emit(what)

    def check_now(self) -> bool:
        """Look for writes by others at once (instead of at the next tick); whether any."""
        if self._store is None:
            return False
        version = self._store.data_version()
        if version == self._seen:
            return False
        self._seen = version
        self.changed.emit(Change.ALL)
        return True

    def close(self) -> None:
        self._timer.stop()
        if self._store is not None:
            self._store.close()
            self._store = None
        _channels.pop(_key(self.db_path), None)

    def _on_timer_timeout(self) -> None:
        self.check_now()


_channels: dict[str, ChangeChannel] = {}


def _key(db_path: str) -> str:
    return str(Path(db_path).resolve()) if db_path != ":memory:" else db_path


def channel(db_path: str) -> ChangeChannel:
    """The database's change channel (made on first use; `close_all` ends them)."""
    key = _key(db_path)
    found = _channels.get(key)
    if found is None:
        found = _channels[key] = ChangeChannel(db_path)
    return found


def announce(db_path: str, what: Change) -> None:
    """Tell the screens of `db_path` (if any follow it) that this kiosk wrote `what`."""
    found = _channels.get(_key(db_path))
    if found is not None:
        found.announce(what)


def close_all() -> None:
    for found in list(_channels.values()):
        found.close()


class _Follower(QObject):
    """Refreshes `widget` when `kinds` change: now if it is visible, else when next shown."""

    def __init__(
        self,
        widget: QWidget,
        source: ChangeChannel,
        kinds: Change,
        refresh: Callable[[], None],
        stale: bool,
    ) -> None:
        super().__init__(widget)
        self._widget = widget
        self._kinds = kinds
        self._refresh = refresh
        self.stale = False
        source.changed.connect(self._on_changed)
        if stale:
            self._mark_stale()

    def _on_changed(self, what: Change) -> None:
        if not what & self._kinds:
            return
        if self._widget.isVisible():
            self._mark_fresh()
            self._refresh()
        else:
            self._mark_stale()

    def _mark_stale(self) -> None:
        """Watch for the widget being shown, only while it is stale: a filter sees every
        event of its widget, and each one it sees takes the interpreter's lock on the GUI
        thread (which waits for it while a sync's thread holds it)."""
        if not self.stale:
            self.stale = True
            self._widget.installEventFilter(self)

    def _mark_fresh(self) -> None:
        if self.stale:
            self.stale = False
            self._widget.removeEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        # While the widget is torn down, Qt may call a wrapper PySide made afresh for this
        # filter (its Python side already gone): it has no fields, and nothing to refresh.
        if getattr(self, "_widget", None) is None:
            return False
        if watched is self._widget and event.type() == QEvent.Type.Show and self.stale:
            self._mark_fresh()
            self._refresh()
        return False


def follow(
    widget: QWidget,
    db_path: str,
    kinds: Change,
    refresh: Callable[[], None],
    *,
    load_when_shown: bool = False,
) -> ChangeChannel:
    """Keep `widget` current: `refresh()` runs when `kinds` change (when shown, if hidden);
    with `load_when_shown`, also the first time it is shown (a screen that loads lazily)."""
    source = channel(db_path)
    follower = _Follower(widget, source, kinds, refresh, load_when_shown)
    # Held by the widget's Python side too: Qt's parent alone keeps the C++ object, and
    # PySide may then drop the Python one (its fields) while the filter still runs.
    widget.__dict__.setdefault("_change_followers", []).append(follower)
    return source
