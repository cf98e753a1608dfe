"""A compliance state's colour as a small swatch beside its words (never the colour alone).

The colours are the palette's `@state_*` keys (ui/theme.py), each at least 3:1 against the
table and chart backgrounds of both palettes; the words come from app/compliance/words.py.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap

from app.domain import ComplianceState
from ui import theme

STATES: tuple[str, ...] = tuple(s.value for s in ComplianceState)
SWATCH_PX = 12
_icons: dict[tuple[str, str], QIcon] = {}


def state_colour(state: str) -> QColor:
    """The state's colour in the applied palette; an unknown value gets the plain bar colour."""
    return theme.colour(f"state_{state}") if state in STATES else theme.colour("chart_bar")


def state_icon(state: str) -> QIcon:
    """A rounded square in the state's colour, made once per palette."""
    key = (theme.current(), state)
    icon = _icons.get(key)
    if icon is None:
        pixmap = QPixmap(SWATCH_PX, SWATCH_PX)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(state_colour(state))
        painter.drawRoundedRect(QRectF(0.5, 0.5, SWATCH_PX - 1, SWATCH_PX - 1), 3, 3)
        painter.end()
        icon = _icons[key] = QIcon(pixmap)
    return icon
