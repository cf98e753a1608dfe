"""What every OOBE page shares: the draft (errors beside fields come from FormPage)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from ui.enroll.draft import Draft
from ui.widgets.form import FormPage

if TYPE_CHECKING:
    from ui.enroll.wizard import EnrollWizard


class EnrollPage(FormPage):
    """A page of the enrollment wizard; `draft` is the wizard's shared answer sheet."""

    def enroll_wizard(self) -> EnrollWizard:
        return cast("EnrollWizard", self.wizard())

    @property
    def draft(self) -> Draft:
        return self.enroll_wizard().draft
