"""A page that builds a list, as WCD's "Add applications" and "Add certificates" do.

The form adds an item: Enter in any of its fields adds it (and that same key press does
not also go on to the next page), the list below it shows what was added, Remove (or
Delete in the list) takes the selected one out. The list comes after the form, on the page
and in tab order: the keyboard arrives in the form's first field, and Tab reaches the list
before it leaves the page. The page is complete while its form is empty: an item half
typed is not forgotten by going on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Generic, TypeVar

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QLineEdit, QListWidget, QPushButton, QWidget

from ui.bulk.page_base import BulkPage
from ui.widgets.keys import is_remove_press

Item = TypeVar("Item")


class ListEditorPage(BulkPage, Generic[Item]):
    """Subclasses give `entries()` (the draft's list), `describe(item)`, `form_item()` (the
    item the form holds, or None while it cannot be one), `typing()`, `clear_form()` and
    `check_form()` (fills `_found`, shows reasons, says whether it can be added)."""

    #: What the empty list says ("No applications yet (optional).").
    empty_words = ""

    def __init__(self, list_name: str, remove_name: str, add_words: str, add_name: str) -> None:
        super().__init__()
        self.list = QListWidget()
        self.list.setObjectName(list_name)
        self.list.setMaximumHeight(110)
        self.remove = QPushButton(self.tr("Re&move"))
        self.remove.setObjectName(remove_name)
        self.add = QPushButton(self.tr(add_words))
        self.add.setObjectName(add_name)
        self._found: dict[str, str] = {}
        self._just_added = False
        self.add.clicked.connect(self._on_add_clicked)
        self.remove.clicked.connect(self._on_remove_clicked)
        self.list.currentRowChanged.connect(self._on_list_changed)
        self.list.installEventFilter(self)

    def watch(self, fields: Sequence[QLineEdit]) -> None:
        """Typing in these fields re-checks the form; Enter in them adds the item."""
        for edit in fields:
            edit.textChanged.connect(self._on_input_changed)
            edit.returnPressed.connect(self._on_add_clicked)

    # -- what subclasses say --------------------------------------------------------------

    def entries(self) -> list[Item]:
        raise NotImplementedError

    def describe(self, item: Item) -> str:
        raise NotImplementedError

    def form_item(self) -> Item | None:
        raise NotImplementedError

    def typing(self) -> bool:
        raise NotImplementedError

    def clear_form(self) -> None:
        raise NotImplementedError

    def check_form(self) -> None:
        """Ask the core about the form's item: fill `_found` and show the reasons."""
        raise NotImplementedError

    # -- WizardPage ------------------------------------------------------------------------

    def initializePage(self) -> None:  # noqa: N802
        self._refresh_list()
        self.clear_form()
        self._on_input_changed()

    def isComplete(self) -> bool:  # noqa: N802
        return not self.typing()

    def validatePage(self) -> bool:  # noqa: N802
        # Enter in the form adds the item; the same key press must not also go on.
        return not self.typing() and not self._just_added

    # -- slots -----------------------------------------------------------------------------

    def _on_input_changed(self) -> None:
        self.check_form()
        self.add.setEnabled(self.typing() and not self._found)
        self.completeChanged.emit()

    def _on_add_clicked(self) -> None:
        self._on_input_changed()
        item = self.form_item()
        if item is None or self._found:
            return
        self.entries().append(item)
        self._just_added = True
        QTimer.singleShot(0, self._on_add_settled)
        self._refresh_list()
        self.clear_form()
        self._on_input_changed()
        first = self.first_field()
        if first is not None:
            first.setFocus()

    def _on_add_settled(self) -> None:
        self._just_added = False

    def _on_remove_clicked(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self.entries()):
            del self.entries()[row]
            self._refresh_list()

    def _on_list_changed(self, row: int) -> None:
        self.remove.setEnabled(row >= 0 and bool(self.entries()))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        """Delete in the list removes the selected item, as in the cart's grid."""
        if watched is self.list and is_remove_press(event):
            self._on_remove_clicked()
            return True
        return super().eventFilter(watched, event)

    def _refresh_list(self) -> None:
        self.list.clear()
        for item in self.entries():
            self.list.addItem(self.describe(item))
        self.remove.setEnabled(False)
        if not self.entries():
            self.list.addItem(self.empty_words)
            self.list.item(0).setFlags(Qt.ItemFlag.NoItemFlags)

    def first_field(self) -> QWidget | None:
        return None
