"""Keys that mean the same everywhere in the kiosk."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent

#: What removes the selected entries from a list or grid (the bulk lists, the cart).
REMOVE_KEYS = (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)


def is_remove_press(event: QEvent) -> bool:
    """Delete or Backspace pressed (for an event filter on the list or grid)."""
    return (
        isinstance(event, QKeyEvent)
        and event.type() == QEvent.Type.KeyPress
        and event.key() in REMOVE_KEYS
    )
