"""Page 9: the OOBE privacy choices, preset to the organization's defaults."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import QCheckBox, QLabel, QVBoxLayout, QWidget

from app.enrollment import PRIVACY
from ui.enroll.management_page import SECTION
from ui.enroll.page_base import EnrollPage

MEANING = {
    "location": "Let Windows and apps use the device's location.",
    "find my device": "Locate the device if it is lost (needs location).",
    "diagnostic data": "Send optional diagnostic data to Microsoft (required data is always sent).",
    "inking and typing": "Send inking and typing data to improve recognition.",
    "tailored experiences": "Tips and offers based on diagnostic data.",
    "advertising ID": "Let apps show personalized ads with an advertising ID.",
}


class PrivacyPage(EnrollPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("privacyPage")
        self.set_section(SECTION)
        self.setTitle(self.tr("Choose privacy settings for your device"))
        self.setSubTitle(
            self.tr("Preset to the organization's defaults; policy may enforce them later.")
        )
        layout = QVBoxLayout(self)
        self.choices: dict[str, QCheckBox] = {}
        for key in PRIVACY:
            box = QCheckBox(self.tr(key[0].upper() + key[1:]))
            box.setObjectName("privacy_" + key.replace(" ", "_"))
            note = QLabel(self.tr(MEANING[key]))
            note.setObjectName("pageHint")
            note.setIndent(24)
            self.choices[key] = box
            layout.addWidget(box)
            layout.addWidget(note)
        layout.addStretch(1)

    def initializePage(self) -> None:  # noqa: N802
        for key, box in self.choices.items():
            box.setChecked(self.draft.answers.privacy.get(key, False))

    def first_field(self) -> QWidget:
        return self.choices[PRIVACY[0]]

    def validatePage(self) -> bool:  # noqa: N802
        privacy = {key: box.isChecked() for key, box in self.choices.items()}
        self.draft.answers = replace(self.draft.answers, privacy=privacy)
        return True
