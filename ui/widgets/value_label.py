"""A label for a value that must be read whole: it wraps at spaces and, inside a word too
long for its line (an address, a serial, a path), anywhere.

A QLabel wraps only between words, so `oscar.kowalski1@contoso.onmicrosoft.com` in a
detail pane's narrow column was cut to `oscar.kowalski1@conto…`: the person at the bench
could not read whom the device is assigned to without a mouse to hover over it. This one
lays its text out with QTextLayout (word boundary, else anywhere) and asks the layout for
the height its width needs.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QSize, Qt
from PySide6.QtGui import (
    QContextMenuEvent,
    QGuiApplication,
    QPainter,
    QPaintEvent,
    QTextLayout,
    QTextOption,
)
from PySide6.QtWidgets import QLabel, QMenu, QSizePolicy, QWidget

_BREAK_AFTER = str.maketrans({c: c + "\u200b" for c in "@.-_\\/"})


class ValueLabel(QLabel):
    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setWordWrap(True)  # the layout tests then measure it as wrapping text
        policy = QSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)

    def _laid_out(self, width: int) -> tuple[QTextLayout, float]:
        # A zero-width space after each separator lets a line end there before it ends
        # mid-word: "oscar.kowalski1@" over "contoso.com". Only the drawing sees them; the
        # label's text, its tooltip and what accessibility reads stay as they are.
        shown = self.text().translate(_BREAK_AFTER)
        layout = QTextLayout(shown, self.font())
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        layout.setTextOption(option)
        height = 0.0
        layout.beginLayout()
        while (line := layout.createLine()).isValid():
            line.setLineWidth(max(width, 1))
            line.setPosition(QPointF(0, height))
            height += line.height()
        layout.endLayout()
        return layout, height

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        margins = self.contentsMargins()
        inner = width - margins.left() - margins.right()
        _, height = self._laid_out(inner)
        return int(height + 0.999) + margins.top() + margins.bottom()

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        return True

    def sizeHint(self) -> QSize:  # noqa: N802
        one_line = self.fontMetrics().horizontalAdvance(self.text())
        return QSize(one_line, self.heightForWidth(max(one_line, 1)))

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(20, self.fontMetrics().height())

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802
        """Copy the value whole (it is drawn, not selectable: a right-click copies it)."""
        menu = QMenu(self)
        menu.addAction(self.tr("Copy"), lambda: QGuiApplication.clipboard().setText(self.text()))
        menu.exec(event.globalPos())

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        box = self.contentsRect()
        layout, _ = self._laid_out(box.width())
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        layout.draw(painter, QPointF(box.topLeft()))
