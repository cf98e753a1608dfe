"""Region: "Is this the right country or region?", a long list typed into, as the OOBE has."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import QVBoxLayout, QWidget

from app import locales
from ui.enroll.page_base import EnrollPage
from ui.widgets.choice_list import ChoiceListWidget

SECTION = "Region"


class RegionPage(EnrollPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("regionPage")
        self.set_section(SECTION)
        self.setTitle(self.tr("Is this the right country or region?"))
        self.setSubTitle(
            self.tr("Type to find it; the region also picks its usual keyboard layout next.")
        )
        self.region = ChoiceListWidget(self.tr("Search countries and regions"))
        self.region.setObjectName("region")
        self.region.set_items([(r.name, r.name) for r in locales.regions()])
        self.region_error = self.error_label("region")
        layout = QVBoxLayout(self)
        layout.addWidget(self.region, 1)
        layout.addWidget(self.region_error)
        self.region.chosen.connect(self._on_region_chosen)

    def initializePage(self) -> None:  # noqa: N802
        self.region.set_current_data(self.draft.answers.region)
        self._on_region_chosen(self.region.current_data())

    def first_field(self) -> QWidget:
        return self.region.search

    def isComplete(self) -> bool:  # noqa: N802
        return self.region.current_data() is not None

    def validatePage(self) -> bool:  # noqa: N802
        region = locales.region(str(self.region.current_data()))
        if region is None:
            return False
        answers = self.draft.answers
        keyboard = answers.keyboard if region.name == answers.region else region.keyboard
        self.draft.answers = replace(answers, region=region.name, keyboard=keyboard)
        return True

    def _on_region_chosen(self, data: object) -> None:
        self.say(
            self.region_error,
            None if data is not None else self.tr("No country or region matches: type less."),
        )
        self.completeChanged.emit()
