"""A widget's state shown through the stylesheet's `[state="..."]` rules."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget


def set_state(widget: QWidget, state: str) -> None:
    """'error', 'ok', a compliance state or '' (none), drawn by the stylesheet's
    `[state="..."]` rules: a dynamic property needs the style to look again."""
    if widget.property("state") == state:
        return
    widget.setProperty("state", state)
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
