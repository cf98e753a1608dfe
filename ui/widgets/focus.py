"""Where the keyboard goes when a screen or a page comes up."""

from __future__ import annotations

# QtCore.Qt, read when called: PySide builds the whole Qt namespace (every enum in it) the
# first time it is imported, ~15 ms that the kiosk's sign-in screen does not wait for.
from PySide6 import QtCore
from PySide6.QtWidgets import QWidget


def first_focusable(container: QWidget) -> QWidget | None:
    """The first widget in `container`'s tab order that a person can type into or press."""
    widget = container.nextInFocusChain()
    while widget is not None and widget is not container:
        if (
            container.isAncestorOf(widget)
            and widget.isVisibleTo(container)
            and widget.isEnabled()
            and widget.focusPolicy().value & QtCore.Qt.FocusPolicy.TabFocus.value
        ):
            return widget
        widget = widget.nextInFocusChain()
    return None


def focus_first(container: QWidget) -> bool:
    """Focus `container`'s first field; False when it has none."""
    target = first_focusable(container)
    if target is None:
        return False
    target.setFocus(QtCore.Qt.FocusReason.ShortcutFocusReason)
    return True


def give_back_keyboard(widget: QWidget) -> None:
    """The keyboard back to `widget` once a dialog over it closes. Its window is activated
    first: not every platform gives a window back its activation when a dialog closes (the
    offscreen one gives it to none), and a key pressed then would go nowhere."""
    widget.window().activateWindow()
    widget.setFocus(QtCore.Qt.FocusReason.OtherFocusReason)
