"""Page 2: region, then keyboard layout, then an optional second layout (Windows names)."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QCompleter, QFormLayout, QVBoxLayout, QWidget

from app import locales
from ui.enroll.page_base import EnrollPage


def _searchable(combo: QComboBox) -> None:
    """Type any part of a name to find it, as in the OOBE's list."""
    combo.setEditable(True)
    combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    completer = combo.completer()
    completer.setFilterMode(Qt.MatchFlag.MatchContains)
    completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
    completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)


class RegionPage(EnrollPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("regionPage")
        self.setTitle(self.tr("Region and keyboard"))
        self.setSubTitle(
            self.tr("Is this the right country or region? Is this the right keyboard layout?")
        )
        self.region = QComboBox()
        self.region.setObjectName("region")
        for region in locales.regions():
            self.region.addItem(region.name, region.name)
        _searchable(self.region)
        self.keyboard = QComboBox()
        self.keyboard.setObjectName("keyboard")
        self.second = QComboBox()
        self.second.setObjectName("secondKeyboard")
        self.second.addItem(self.tr("No second layout (skip)"), None)
        for layout in locales.keyboards():
            self.keyboard.addItem(f"{layout.name}  ({layout.id})", layout.id)
            self.second.addItem(f"{layout.name}  ({layout.id})", layout.id)
        _searchable(self.keyboard)
        self.region_error = self.error_label("region")
        self.keyboard_error = self.error_label("keyboard")

        form = QFormLayout()
        form.addRow(self.tr("Country or &region"), self.region)
        form.addRow("", self.region_error)
        form.addRow(self.tr("&Keyboard layout"), self.keyboard)
        form.addRow("", self.keyboard_error)
        form.addRow(self.tr("&Second keyboard layout"), self.second)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(
            self.hint(
                self.tr(
                    "Choosing a region selects its usual keyboard layout. With Windows "
                    "Autopilot's “Automatically configure keyboard” this page is skipped on "
                    "the device (wired network only)."
                )
            )
        )
        layout.addStretch(1)
        self.region.activated.connect(self._on_region_activated)
        self.region.currentTextChanged.connect(self.completeChanged)
        self.keyboard.currentTextChanged.connect(self.completeChanged)

    def initializePage(self) -> None:  # noqa: N802
        answers = self.draft.answers
        self.region.setCurrentIndex(max(0, self.region.findData(answers.region)))
        self.keyboard.setCurrentIndex(max(0, self.keyboard.findData(answers.keyboard.lower())))
        second = answers.second_keyboard.lower() if answers.second_keyboard else None
        self.second.setCurrentIndex(max(0, self.second.findData(second)))
        self.region.setFocus()

    def isComplete(self) -> bool:  # noqa: N802
        region_ok = locales.region(self.region.currentText()) is not None
        keyboard_ok = self._keyboard_id() is not None
        self.say(
            self.region_error, None if region_ok else self.tr("Choose a region from the list.")
        )
        self.say(
            self.keyboard_error, None if keyboard_ok else self.tr("Choose a layout from the list.")
        )
        return region_ok and keyboard_ok

    def validatePage(self) -> bool:  # noqa: N802
        region = locales.region(self.region.currentText())
        assert region is not None
        second = self.second.currentData()
        self.draft.answers = replace(
            self.draft.answers,
            region=region.name,
            keyboard=self._keyboard_id() or region.keyboard,
            second_keyboard=second if second != self._keyboard_id() else None,
        )
        return True

    def _keyboard_id(self) -> str | None:
        index = self.keyboard.findText(self.keyboard.currentText())
        data = self.keyboard.itemData(index) if index >= 0 else None
        return str(data) if data else None

    def _on_region_activated(self, index: int) -> None:
        region = locales.region(self.region.itemText(index))
        if region is not None:
            self.keyboard.setCurrentIndex(max(0, self.keyboard.findData(region.keyboard)))
