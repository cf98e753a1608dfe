"""Keys that mean the same everywhere in the kiosk."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractButton, QCheckBox, QRadioButton, QWidget

#: What removes the selected entries from a list or grid (the bulk lists, the cart).
REMOVE_KEYS = (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)


def is_remove_press(event: QEvent) -> bool:
    """Delete or Backspace pressed (for an event filter on the list or grid)."""
    return (
        isinstance(event, QKeyEvent)
        and event.type() == QEvent.Type.KeyPress
        and event.key() in REMOVE_KEYS
    )


def is_plain_enter(event: QKeyEvent) -> bool:
    """Return or Enter, without Ctrl or Alt (Ctrl+Enter enrolls a cart)."""
    return event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers() & (
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
    )


def pressable_button(widget: QWidget | None) -> QAbstractButton | None:
    """`widget` if it is an enabled push button (Enter on it presses it, as in a dialog;
    a check box or radio button is toggled with Space)."""
    if isinstance(widget, QAbstractButton) and not isinstance(widget, (QCheckBox, QRadioButton)):
        return widget if widget.isEnabled() else None
    return None
