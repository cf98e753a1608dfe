"""Who is signed in at the kiosk, and the idle lock that covers every window.

Any key, click, wheel or touch restarts the idle timer (an event filter on each window).
When it runs out the session locks: open dialogs are hidden, secret fields are cleared, and
the sign-in screen asks for the PIN again.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QWindow
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget
from shiboken6 import isValid

from app.errors import KnownError
from app.security.roles import Actor

log = logging.getLogger(__name__)

_INPUT_EVENTS = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
}


def clear_secret_fields(root: QWidget | None = None) -> int:
    """Empty every password field and every widget marked `secret`; returns how many."""
    widgets = root.findChildren(QLineEdit) if root else []
    if root is None:
        for top in QApplication.topLevelWidgets():
            widgets.extend(top.findChildren(QLineEdit))
    cleared = 0
    for field in widgets:
        secret = field.echoMode() != QLineEdit.EchoMode.Normal or field.property("secret")
        if secret and field.text():
            field.clear()
            cleared += 1
    return cleared


class SessionLocked(KnownError):
    """Work was asked for while nobody is signed in (the kiosk locked before it started)."""


def signed_in(actor: Actor | None) -> Actor:
    """The operator to act as, or SessionLocked: work is never done for nobody, and never
    falls back to an administrator (the services have no default actor)."""
    if actor is None:
        raise SessionLocked(
            "The kiosk locked before this could start, so nothing was done. Sign in and try again."
        )
    return actor


class Session(QObject):
    """The signed-in actor; `locked` and `unlocked` say when the screen must change."""

    locked = Signal()
    unlocked = Signal()

    def __init__(self, idle_ms: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.actor: Actor | None = None
        self.is_locked = True
        self.idle_locked = False  # the last lock was the idle timer's, not the person's
        self.returning = False  # the last sign-in was by the operator who was signed in
        self._hidden: list[QWidget] = []
        self._watching = False  # an input filter on the windows (`_watch_input`)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(idle_ms)
        self._timer.timeout.connect(lambda: self.lock(idle=True))

    @property
    def idle_ms(self) -> int:
        """How long the kiosk waits without input before it locks."""
        return self._timer.interval()

    def set_idle_ms(self, idle_ms: int) -> None:
        """Applies at once: a running timer starts over with the new wait."""
        self._timer.setInterval(idle_ms)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() in _INPUT_EVENTS and not self.is_locked:
            self._timer.start()
        return False

    def _watch_input(self, on: bool) -> None:
        """Listen for input while someone is signed in (locked, no input restarts the idle
        timer). The filter sits on the windows, where the window system's keys, clicks and
        wheel turns arrive before Qt hands them to a widget, not on the application: there
        it saw every event of every widget (each paint, layout and timer), about 470 a
        scan in batch mode, each a call into Python that takes the interpreter's lock on
        the GUI thread and waits for it while a tenant sync's thread holds it
        (bench/batch_scan_sync.py). A window the kiosk opens later (a dialog) is watched
        from when it first takes the keyboard."""
        app = QGuiApplication.instance()
        if not isinstance(app, QGuiApplication):
            return
        if self._watching:
            app.focusWindowChanged.disconnect(self._watch_window)
        for window in app.topLevelWindows():
            window.removeEventFilter(self)
        self._watching = on
        if on:
            app.focusWindowChanged.connect(self._watch_window)
            for window in app.topLevelWindows():
                self._watch_window(window)

    def _watch_window(self, window: QWindow | None) -> None:
        if window is not None and self._watching:
            window.installEventFilter(self)  # again is harmless: Qt keeps one

    def sign_in(self, actor: Actor) -> None:
        """Unlock for `actor`. Dialogs hidden at lock come back only to the same person."""
        previous, self.actor = self.actor, actor
        self.returning = previous is not None and previous.name == actor.name
        hidden, self._hidden = self._hidden, []
        for widget in hidden:
            if not isValid(widget):
                continue  # finished and deleted while locked (a progress dialog, say)
            if self.returning:
                widget.show()
            else:
                widget.close()
        self.is_locked = False
        self._watch_input(True)
        self._timer.start()
        self.unlocked.emit()

    def lock(self, keep: QWidget | None = None, *, idle: bool = False) -> None:
        """Cover everything: hide other windows and dialogs, clear secrets, ask for the PIN.
        `idle`: the idle timer locks, not the person."""
        if self.is_locked:
            return
        self.is_locked = True
        self.idle_locked = idle
        self._timer.stop()
        self._watch_input(False)
        for top in QApplication.topLevelWidgets():
            if top is not keep and top.isVisible() and top.isWindow():
                self._hidden.append(top)
                top.hide()
        cleared = clear_secret_fields()
        log.info("session locked (%d secret fields cleared)", cleared)
        self.locked.emit()

    def present(self, dialog: QWidget) -> None:
        """Open a dialog now, or, while locked, when its operator is back (see `sign_in`)."""
        if self.is_locked:
            self._hidden.append(dialog)
            return
        open_ = getattr(dialog, "open", None)
        if callable(open_):
            open_()
        else:
            dialog.show()

    def shutdown(self) -> None:
        self._timer.stop()
        self._watch_input(False)
