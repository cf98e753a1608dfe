"""A long list to pick one item from, the OOBE's way: large, full width, typed into.

The person types into the search line above the list (focus stays there); Up, Down, Page
Up/Down, Home and End move the choice in the list below; Enter is left for the page (the
wizard goes on). Typing keeps the choice on the first match when the old one is filtered out.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QKeyEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QApplication, QLineEdit, QListView, QVBoxLayout, QWidget

_NAVIGATION = {
    Qt.Key.Key_Up,
    Qt.Key.Key_Down,
    Qt.Key.Key_PageUp,
    Qt.Key.Key_PageDown,
}
_DATA = Qt.ItemDataRole.UserRole + 1


class _SearchLine(QLineEdit):
    """Sends the list's navigation keys to the list; Esc clears what was typed; everything
    else is typing."""

    def __init__(self, owner: ChoiceListWidget) -> None:
        super().__init__(owner)
        self._owner = owner

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        key = event.key()
        if key == Qt.Key.Key_Escape and self.text():
            self.clear()  # the whole list again, the choice kept (clear() edits nothing)
            self._owner._on_search_text_edited("")
            return
        plain = not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if key in _NAVIGATION or (plain and key in (Qt.Key.Key_Home, Qt.Key.Key_End)):
            if key in (Qt.Key.Key_Home, Qt.Key.Key_End) and self.text():
                super().keyPressEvent(event)  # within typed text they move the cursor
                return
            QApplication.sendEvent(self._owner.view, event)
            return
        super().keyPressEvent(event)


class ChoiceListWidget(QWidget):
    """A search line over a list of (text, data) items; one item is always chosen."""

    chosen = Signal(object)  # the chosen item's data

    def __init__(self, placeholder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = _SearchLine(self)
        self.search.setObjectName("choiceSearch")
        self.search.setPlaceholderText(placeholder)
        self.search.setClearButtonEnabled(True)
        self.model = QStandardItemModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.view = QListView()
        self.view.setObjectName("choiceList")
        self.view.setModel(self.proxy)
        self.view.setUniformItemSizes(True)
        self.view.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.view.setEditTriggers(QListView.EditTrigger.NoEditTriggers)
        self.view.setMinimumHeight(200)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.search)
        layout.addWidget(self.view, 1)
        self.setFocusProxy(self.search)
        self.search.textEdited.connect(self._on_search_text_edited)
        self.view.selectionModel().currentChanged.connect(self._on_view_current_changed)

    def set_items(self, items: Sequence[tuple[str, object]]) -> None:
        self.model.clear()
        for text, data in items:
            item = QStandardItem(text)
            item.setData(data, _DATA)
            item.setToolTip(text)
            self.model.appendRow(item)
        self.search.clear()
        self.proxy.setFilterFixedString("")

    def current_data(self) -> object:
        index = self.view.currentIndex()
        return index.data(_DATA) if index.isValid() else None

    def current_text(self) -> str:
        index = self.view.currentIndex()
        return str(index.data()) if index.isValid() else ""

    def set_current_data(self, data: object) -> bool:
        """Choose the item holding `data` (the search is cleared so it can show)."""
        self.search.clear()
        self.proxy.setFilterFixedString("")
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            if index.data(_DATA) == data:
                self._choose(index)
                return True
        return False

    def _choose(self, index: QModelIndex) -> None:
        self.view.setCurrentIndex(index)
        self.view.scrollTo(index, QListView.ScrollHint.PositionAtCenter)

    def _on_search_text_edited(self, text: str) -> None:
        was = self.current_data()
        self.proxy.setFilterFixedString(text.strip())
        if self.proxy.rowCount() == 0:
            self.view.setCurrentIndex(QModelIndex())
            self.chosen.emit(None)
            return
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            if index.data(_DATA) == was:
                self._choose(index)
                return
        self._choose(self.proxy.index(0, 0))

    def _on_view_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.view.selectionModel().select(
            current, self.view.selectionModel().SelectionFlag.ClearAndSelect
        )
        self.chosen.emit(current.data(_DATA) if current.isValid() else None)
