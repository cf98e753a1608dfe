"""A word-wrapped label whose height follows its width, also inside a scroll area.

A plain word-wrapped QLabel reports a minimum height for a guessed, narrow width; a scroll
area then makes room for that and shows a scroll bar and empty space where none is needed.
This one asks for one line at least and lets the layout's height-for-width do the rest.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QLabel, QWidget


class NoteLabel(QLabel):
    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(120, self.fontMetrics().height())
