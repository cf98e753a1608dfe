"""An Alt+letter that no control answers to types nothing.

Qt's text fields took it as the letter: Alt+Q on the region page put a "q" in its search,
and Alt+Y meant for a prompt already closed put a "y" into the name template. A letter a
control does answer to never gets here: its shortcut takes the key first. AltGr (Ctrl+Alt
on Windows) still types what it types. The filter sits on the text field that has focus,
not on the application, where every event of every widget would pass through Python (a
wizard page turn is thousands of them). Installed at start-up, so this module does not
build PySide's `Qt` namespace until the first key press (tests/ui/test_cold_start.py).
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

_TYPED_INTO = (QLineEdit, QAbstractSpinBox, QPlainTextEdit, QTextEdit, QComboBox)
_KEY_PRESS = QEvent.Type.KeyPress
_installed: list[QObject] = []


class _StrayAltLetters(QObject):
    def on_focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        if isinstance(new, _TYPED_INTO):
            new.installEventFilter(self)  # once: installed again, Qt keeps one

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() != _KEY_PRESS:  # installed only on _TYPED_INTO (`on_focus_changed`)
            return False
        if isinstance(watched, QComboBox) and not watched.isEditable():
            return False  # a list: a letter chooses an entry
        from PySide6.QtCore import Qt  # the first key press builds it, not the start

        assert isinstance(event, QKeyEvent)
        held, text = event.modifiers(), event.text()
        alt_only = held & Qt.KeyboardModifier.AltModifier and not (
            held & Qt.KeyboardModifier.ControlModifier
        )
        return bool(alt_only and text and text.isprintable())


def install(app: QApplication) -> None:
    """Once for the process (not on macOS, where Option+letter types accented letters)."""
    if not _installed and sys.platform != "darwin":
        guard = _StrayAltLetters(app)
        _installed.append(guard)
        app.focusChanged.connect(guard.on_focus_changed)
        guard.on_focus_changed(None, app.focusWidget())
