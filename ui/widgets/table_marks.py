"""A table row that needs the technician's eye: the palette's error colours, and words too
(the cell's text says what is wrong; colour is never the only sign)."""

from __future__ import annotations

from PySide6.QtGui import QBrush
from PySide6.QtWidgets import QTableWidgetItem

from ui import theme


def mark_problem(item: QTableWidgetItem) -> None:
    item.setForeground(QBrush(theme.colour("error")))
    item.setBackground(QBrush(theme.colour("error_bg")))
