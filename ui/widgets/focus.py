"""Where the keyboard goes when a screen or a page comes up."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget


def first_focusable(container: QWidget) -> QWidget | None:
    """The first widget in `container`'s tab order that a person can type into or press."""
    widget = container.nextInFocusChain()
    while widget is not None and widget is not container:
        if (
            container.isAncestorOf(widget)
            and widget.isVisibleTo(container)
            and widget.isEnabled()
            and widget.focusPolicy().value & Qt.FocusPolicy.TabFocus.value
        ):
            return widget
        widget = widget.nextInFocusChain()
    return None


def focus_first(container: QWidget) -> bool:
    """Focus `container`'s first field; False when it has none."""
    target = first_focusable(container)
    if target is None:
        return False
    target.setFocus(Qt.FocusReason.ShortcutFocusReason)
    return True
