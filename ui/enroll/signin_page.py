"""Page 7: how the user signs in: password, Windows Hello for Business, FIDO2 key."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import QCheckBox, QFormLayout, QSpinBox, QVBoxLayout, QWidget

from ui.enroll.name_page import SECTION
from ui.enroll.page_base import EnrollPage

OPTIONS = (
    ("password", "&Password"),
    ("windows hello for business", "Windows &Hello for Business (PIN, face, fingerprint)"),
    ("fido2 security key", "&FIDO2 security key"),
)


class SignInPage(EnrollPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("signInPage")
        self.set_section(SECTION)
        self.setTitle(self.tr("How will the user sign in?"))
        self.setSubTitle(self.tr("The sign-in options this device offers; choose at least one."))
        self.options: dict[str, QCheckBox] = {}
        layout = QVBoxLayout(self)
        for key, words in OPTIONS:
            box = QCheckBox(self.tr(words))
            box.setObjectName("signIn_" + key.replace(" ", "_"))
            box.toggled.connect(self._on_option_toggled)
            self.options[key] = box
            layout.addWidget(box)
        self.pin_minimum = QSpinBox()
        self.pin_minimum.setObjectName("pinMinimum")
        self.pin_minimum.setRange(4, 127)
        self.reset = QCheckBox(
            self.tr("Self-service password &reset and Hello PIN reset on the lock screen")
        )
        self.reset.setObjectName("selfServiceReset")
        form = QFormLayout()
        form.addRow(self.tr("Hello PIN: minimum length (4 to 127)"), self.pin_minimum)
        layout.addLayout(form)
        layout.addWidget(self.reset)
        self.error = self.error_label("sign_in")
        layout.addWidget(self.error)
        layout.addWidget(
            self.hint(
                self.tr(
                    "Windows Hello for Business is set up right after the join (the OOBE's "
                    "PIN page); FIDO2 keys need the security key sign-in method enabled in "
                    "Entra."
                )
            )
        )
        layout.addStretch(1)

    def initializePage(self) -> None:  # noqa: N802
        answers = self.draft.answers
        for key, box in self.options.items():
            box.setChecked(key in answers.sign_in)
        self.pin_minimum.setValue(answers.hello_pin_minimum)
        self.reset.setChecked(answers.self_service_reset)
        self._on_option_toggled()

    def first_field(self) -> QWidget:
        return self.options["password"]

    def isComplete(self) -> bool:  # noqa: N802
        return bool(self._chosen())

    def validatePage(self) -> bool:  # noqa: N802
        self.draft.answers = replace(
            self.draft.answers,
            sign_in=self._chosen(),
            hello_pin_minimum=self.pin_minimum.value(),
            self_service_reset=self.reset.isChecked(),
        )
        return True

    def _chosen(self) -> tuple[str, ...]:
        return tuple(key for key, box in self.options.items() if box.isChecked())

    def _on_option_toggled(self) -> None:
        self.pin_minimum.setEnabled(self.options["windows hello for business"].isChecked())
        self.say(self.error, None if self._chosen() else self.tr("Choose at least one way."))
        self.completeChanged.emit()
