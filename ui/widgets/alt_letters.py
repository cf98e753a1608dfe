"""An Alt+letter that no control answers to types nothing.

Qt's text fields took it as the letter: Alt+Q on the region page put a "q" in its search,
and Alt+Y meant for a prompt already closed put a "y" into the name template. A letter a
control does answer to never gets here: its shortcut takes the key first. AltGr (Ctrl+Alt
on Windows) still types what it types. Installed at start-up, so this module does not
build PySide's `Qt` namespace until the first key press (tests/ui/test_cold_start.py).
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractSpinBox, QLineEdit, QPlainTextEdit, QTextEdit

_TYPED_INTO = (QLineEdit, QAbstractSpinBox, QPlainTextEdit, QTextEdit)
_KEY_PRESS = QEvent.Type.KeyPress
_installed: list[QObject] = []


class _StrayAltLetters(QObject):
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() != _KEY_PRESS or not isinstance(watched, _TYPED_INTO):
            return False
        from PySide6.QtCore import Qt  # the first key press builds it, not the start

        assert isinstance(event, QKeyEvent)
        held, text = event.modifiers(), event.text()
        alt_only = held & Qt.KeyboardModifier.AltModifier and not (
            held & Qt.KeyboardModifier.ControlModifier
        )
        return bool(alt_only and text and text.isprintable())


def install(app: QObject) -> None:
    """Once for the process (not on macOS, where Option+letter types accented letters)."""
    if not _installed and sys.platform != "darwin":
        _installed.append(_StrayAltLetters(app))
        app.installEventFilter(_installed[0])
