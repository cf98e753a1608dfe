"""A tab widget that places its pages again without painting them all again.

QTabWidget answers every layout request by placing its bar and pages and then repainting
itself whole, pages included. Any size hint that changes in a page sends one up: a label's
new words do. In batch mode that was the whole screen painted again three times a scan,
about 11 of the 17 ms a scan spent painting (offscreen, quiet machine; while a tenant sync
holds the interpreter's lock, each Python paint handler on the way also waits for it).
These tabs let QTabWidget place its bar and pages as always, and repaint themselves only
when one of them moved; what changed inside a page repaints itself, as everywhere else.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QStackedWidget, QTabWidget, QWidget


class Tabs(QTabWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pages = self.findChild(
            QStackedWidget, options=Qt.FindChildOption.FindDirectChildrenOnly
        )

    def event(self, event: QEvent) -> bool:
        if event.type() != QEvent.Type.LayoutRequest or self._pages is None:
            return super().event(event)
        before = self._places()
        off = self.testAttribute(_OFF)  # a parent may have turned updates off: it stays so
        self.setAttribute(_OFF, True)  # QTabWidget's own update() only
        try:
            return super().event(event)
        finally:
            self.setAttribute(_OFF, off)
            if self._places() != before:
                self.update()

    def _places(self) -> list[object]:
        """Where QTabWidget put what it places: the bar, the pages, the corner widgets."""
        assert self._pages is not None
        placed: list[QWidget | None] = [self.tabBar(), self._pages]
        placed += [self.cornerWidget(corner) for corner in (_LEFT, _RIGHT)]
        return [None if w is None else w.geometry() for w in placed]


_LEFT, _RIGHT = Qt.Corner.TopLeftCorner, Qt.Corner.TopRightCorner
_OFF = Qt.WidgetAttribute.WA_UpdatesDisabled
