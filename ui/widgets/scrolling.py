"""A pane whose contents scroll when the window is short, instead of being squeezed until
their lines overlap (a detail pane at 1024x640)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QScrollArea, QVBoxLayout, QWidget


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
