"""The small things every OOBE page shares: the draft, errors beside fields, hints."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from PySide6.QtWidgets import QLabel, QWidget, QWizardPage

from ui.enroll.draft import Draft

if TYPE_CHECKING:
    from ui.enroll.wizard import EnrollWizard


class EnrollPage(QWizardPage):
    """A page of the enrollment wizard; `draft` is the wizard's shared answer sheet."""

    def enroll_wizard(self) -> EnrollWizard:
        return cast("EnrollWizard", self.wizard())

    @property
    def draft(self) -> Draft:
        return self.enroll_wizard().draft

    def error_label(self, name: str) -> QLabel:
        """An empty label to put right below the field it speaks about."""
        label = QLabel()
        label.setObjectName("fieldError")
        label.setProperty("field", name)
        label.setWordWrap(True)
        label.hide()
        return label

    @staticmethod
    def hint(text: str, parent: QWidget | None = None) -> QLabel:
        label = QLabel(text, parent)
        label.setObjectName("pageHint")
        label.setWordWrap(True)
        return label

    @staticmethod
    def say(label: QLabel, text: str | None, *, ok: bool = False) -> None:
        """Show `text` in an error label (or an 'ok' note); None hides it."""
        label.setVisible(bool(text))
        label.setText(text or "")
        label.setProperty("state", "ok" if ok else "error")
        label.style().unpolish(label)
        label.style().polish(label)
