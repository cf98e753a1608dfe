"""A pane whose contents scroll when the window is short, instead of being squeezed until
their lines overlap (a detail pane at 1024x640)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFrame, QScrollArea, QVBoxLayout, QWidget


def scrolling_body(pane: QWidget, outer: QVBoxLayout) -> QVBoxLayout:
    """Put a vertical scroll area into `outer` (the pane's own layout) and return the layout
    to fill: what goes there scrolls; what `outer` gets afterwards stays below it."""
    body = QWidget()
    body.setObjectName("paneBody")
    content = QVBoxLayout(body)
    content.setContentsMargins(0, 0, 0, 0)
    scroller = QScrollArea(pane)
    scroller.setObjectName("paneScroller")
    scroller.setWidgetResizable(True)
    scroller.setFrameShape(QFrame.Shape.NoFrame)
    scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    scroller.setWidget(body)
    # Tab goes to the fields inside, not to an invisible stop on the frame around them.
    scroller.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    outer.addWidget(scroller, 1)
    return content


#: A scroll area with this property set scrolls to whatever takes the keyboard inside it.
_FOLLOWS = "followsFocus"


def follow_focus(area: QScrollArea) -> None:
    """Scroll `area` to the control that takes the keyboard inside it, however it took it.
    QScrollArea follows Tab only: a field an Alt letter (or the kiosk) gave the keyboard to
    could sit below the fold. One connection to the application's focus changes serves
    every such area (one call into Python a focus change, not a filter on each field)."""
    area.setProperty(_FOLLOWS, True)
    app = QApplication.instance()
    if isinstance(app, QApplication) and not app.property(_FOLLOWS):
        app.setProperty(_FOLLOWS, True)
        app.focusChanged.connect(_scroll_to_focus)


def _scroll_to_focus(_old: QWidget | None, new: QWidget | None) -> None:
    if new is None:
        return
    widget = new.parentWidget()
    while widget is not None:
        if isinstance(widget, QScrollArea) and widget.property(_FOLLOWS):
            widget.ensureWidgetVisible(new)
            return
        widget = widget.parentWidget()
