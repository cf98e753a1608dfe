"""A layout that wraps its items onto the next line when the line is full (as text does).

For rows of filters and buttons that fit on one line in a wide window and would be cut in a
narrow one (1024 px): here they wrap instead, and the layout asks for the height it needs
(`heightForWidth`), so the rows below move down rather than overlap. After Qt's own Flow
Layout example, with an optional item that takes the rest of its line.
"""

from __future__ import annotations

from PySide6.QtCore import QMargins, QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLayout, QLayoutItem, QWidget


class FlowLayout(QLayout):
    def __init__(self, parent: QWidget | None = None, *, spacing: int = 8) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._stretchy: set[int] = set()  # ids of items that take what is left of a line
        self.setSpacing(spacing)
        self.setContentsMargins(QMargins(0, 0, 0, 0))

    def add(self, widget: QWidget, *, stretch: bool = False) -> None:
        """Add `widget`; with `stretch`, it also takes what is left of its line."""
        self.addWidget(widget)
        if stretch:
            self._stretchy.add(id(self._items[-1]))

    # -- QLayout ---------------------------------------------------------------------------

    def addItem(self, item: QLayoutItem) -> None:  # noqa: N802
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:  # noqa: N802
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:  # noqa: N802
        if not 0 <= index < len(self._items):
            return None
        item = self._items.pop(index)
        self._stretchy.discard(id(item))
        return item

    def expandingDirections(self) -> Qt.Orientation:  # noqa: N802
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        return self._arrange(QRect(0, 0, width, 0), place=False)

    def setGeometry(self, rect: QRect) -> None:  # noqa: N802
        super().setGeometry(rect)
        self._arrange(rect, place=True)

    def sizeHint(self) -> QSize:  # noqa: N802
        width = sum(i.sizeHint().width() for i in self._visible()) + self.spacing() * max(
            0, len(self._visible()) - 1
        )
        height = max((i.sizeHint().height() for i in self._visible()), default=0)
        margins = self.contentsMargins()
        return QSize(width, height) + QSize(
            margins.left() + margins.right(), margins.top() + margins.bottom()
        )

    def minimumSize(self) -> QSize:  # noqa: N802
        size = QSize()
        for item in self._visible():
            size = size.expandedTo(item.minimumSize())
        margins = self.contentsMargins()
        return size + QSize(margins.left() + margins.right(), margins.top() + margins.bottom())

    # -- placing ---------------------------------------------------------------------------

    def _visible(self) -> list[QLayoutItem]:
        return [i for i in self._items if not ((w := i.widget()) is not None and w.isHidden())]

    def _lines(self, width: int) -> list[list[QLayoutItem]]:
        lines: list[list[QLayoutItem]] = [[]]
        used = 0
        for item in self._visible():
            wanted = item.sizeHint().width()
            if lines[-1] and used + self.spacing() + wanted > width:
                lines.append([])
                used = 0
            used += (self.spacing() if lines[-1] else 0) + wanted
            lines[-1].append(item)
        return [line for line in lines if line]

    def _arrange(self, rect: QRect, *, place: bool) -> int:
        margins = self.contentsMargins()
        area = rect.marginsRemoved(margins)
        y = area.y()
        for line in self._lines(area.width()):
            height = max(item.sizeHint().height() for item in line)
            spare = area.width() - sum(i.sizeHint().width() for i in line)
            spare -= self.spacing() * (len(line) - 1)
            stretchy = [item for item in line if id(item) in self._stretchy]
            x = area.x()
            for item in line:
                width = item.sizeHint().width()
                if stretchy and spare > 0 and item in stretchy:
                    width += spare // len(stretchy)
                width = min(width, area.width())
                if place:
                    vertical = item.sizeHint().height()
                    top = y + (height - vertical) // 2
                    item.setGeometry(QRect(QPoint(x, top), QSize(width, vertical)))
                x += width + self.spacing()
            y += height + self.spacing()
        return y - self.spacing() - area.y() + margins.top() + margins.bottom()


def labelled(words: str, field: QWidget, *, width: int = 0) -> QWidget:
    """A filter's label and its field as one piece of a flow, so a line never breaks between
    them; `width`, when given, the least the field keeps."""
    pair = QWidget()
    row = QHBoxLayout(pair)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(6)
    label = QLabel(words)
    label.setObjectName("filterLabel")
    label.setBuddy(field)
    if width:
        field.setMinimumWidth(width)
    row.addWidget(label)
    row.addWidget(field, 1)
    return pair
