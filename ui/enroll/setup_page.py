"""Page 5: "How would you like to set up this device?" Work or school; personal is explained."""

from __future__ import annotations

from PySide6.QtWidgets import QButtonGroup, QRadioButton, QVBoxLayout, QWidget

from ui.enroll.name_page import SECTION
from ui.enroll.page_base import EnrollPage


class SetupKindPage(EnrollPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("setupKindPage")
        self.set_section(SECTION)
        self.setTitle(self.tr("How would you like to set up this device?"))
        self.setSubTitle(self.tr("This bench sets up devices the organization owns."))
        self.work = QRadioButton(self.tr("Set up for &work or school"))
        self.work.setObjectName("workOrSchool")
        self.personal = QRadioButton(self.tr("Set up for &personal use"))
        self.personal.setObjectName("personalUse")
        group = QButtonGroup(self)
        group.addButton(self.work)
        group.addButton(self.personal)
        self.work_note = self.hint(
            self.tr(
                "The device is Microsoft Entra joined with the user's organizational account "
                "and enrolled in management. The organization owns and manages it."
            )
        )
        self.personal_note = self.error_label("setup")
        layout = QVBoxLayout(self)
        layout.addWidget(self.work)
        layout.addWidget(self.work_note)
        layout.addSpacing(12)
        layout.addWidget(self.personal)
        layout.addWidget(self.personal_note)
        layout.addStretch(1)
        self.work.toggled.connect(self._on_work_toggled)

    def initializePage(self) -> None:  # noqa: N802
        self.work.setChecked(True)

    def first_field(self) -> QWidget:
        return self.work

    def isComplete(self) -> bool:  # noqa: N802
        return self.work.isChecked()

    def _on_work_toggled(self, work: bool) -> None:
        self.say(
            self.personal_note,
            None
            if work
            else self.tr(
                "Not at this bench: a personal device signs in with a Microsoft account and "
                "can add a work account later (that is Microsoft Entra registration, not "
                "join). Choose “work or school” to go on."
            ),
        )
        self.completeChanged.emit()
