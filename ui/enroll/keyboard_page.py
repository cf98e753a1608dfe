"""Keyboard: "Is this the right keyboard layout?", then "Want to add a second keyboard layout?"."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import QVBoxLayout, QWidget

from app import locales
from ui.enroll.page_base import EnrollPage
from ui.enroll.region_page import SECTION
from ui.widgets.choice_list import ChoiceListWidget

#: The second layout's list starts with this choice: no second layout.
SKIP = ""


def _layouts() -> list[tuple[str, object]]:
    return [(f"{k.name}  ({k.id})", k.id) for k in locales.keyboards()]


class KeyboardPage(EnrollPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("keyboardPage")
        self.set_section(SECTION)
        self.setTitle(self.tr("Is this the right keyboard layout?"))
        self.setSubTitle(self.tr("If you also use another layout, you can add it next."))
        self.keyboard = ChoiceListWidget(self.tr("Search keyboard layouts"))
        self.keyboard.setObjectName("keyboard")
        self.keyboard.set_items(_layouts())
        self.keyboard_error = self.error_label("keyboard")
        layout = QVBoxLayout(self)
        layout.addWidget(self.keyboard, 1)
        layout.addWidget(self.keyboard_error)
        self.keyboard.chosen.connect(self._on_keyboard_chosen)

    def initializePage(self) -> None:  # noqa: N802
        self.keyboard.set_current_data(self.draft.answers.keyboard.lower())
        self._on_keyboard_chosen(self.keyboard.current_data())

    def first_field(self) -> QWidget:
        return self.keyboard.search

    def isComplete(self) -> bool:  # noqa: N802
        return self.keyboard.current_data() is not None

    def validatePage(self) -> bool:  # noqa: N802
        chosen = self.keyboard.current_data()
        if chosen is None:
            return False
        answers = self.draft.answers
        second = answers.second_keyboard if answers.second_keyboard != chosen else None
        self.draft.answers = replace(answers, keyboard=str(chosen), second_keyboard=second)
        return True

    def _on_keyboard_chosen(self, data: object) -> None:
        self.say(
            self.keyboard_error,
            None if data is not None else self.tr("No layout matches: type less."),
        )
        self.completeChanged.emit()


class SecondKeyboardPage(EnrollPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("secondKeyboardPage")
        self.set_section(SECTION)
        self.setTitle(self.tr("Want to add a second keyboard layout?"))
        self.setSubTitle(self.tr("Most people need only one: Enter skips."))
        self.second = ChoiceListWidget(self.tr("Search keyboard layouts"))
        self.second.setObjectName("secondKeyboard")
        self.second_error = self.error_label("second_keyboard")
        layout = QVBoxLayout(self)
        layout.addWidget(self.second, 1)
        layout.addWidget(self.second_error)
        self.second.chosen.connect(self._on_second_chosen)

    def initializePage(self) -> None:  # noqa: N802
        first = self.draft.answers.keyboard.lower()
        items = [(self.tr("No second layout (skip)"), SKIP)]
        items += [item for item in _layouts() if item[1] != first]
        self.second.set_items(items)
        wanted = (self.draft.answers.second_keyboard or SKIP).lower()
        if not self.second.set_current_data(wanted):
            self.second.set_current_data(SKIP)
        self._on_second_chosen(self.second.current_data())

    def first_field(self) -> QWidget:
        return self.second.search

    def isComplete(self) -> bool:  # noqa: N802
        return self.second.current_data() is not None

    def validatePage(self) -> bool:  # noqa: N802
        chosen = self.second.current_data()
        if chosen is None:
            return False
        self.draft.answers = replace(self.draft.answers, second_keyboard=str(chosen) or None)
        return True

    def _on_second_chosen(self, data: object) -> None:
        self.say(
            self.second_error,
            None if data is not None else self.tr("No layout matches: type less."),
        )
        self.completeChanged.emit()
