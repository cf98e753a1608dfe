"""What every bulk wizard page shares: the draft, the core's findings beside their fields."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, cast

from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from app import services
from app.provisioning.model import PackageInfo, PackageSpec
from app.timeutil import utcnow
from ui.bulk.draft import BulkDraft
from ui.widgets.form import FormPage

if TYPE_CHECKING:
    from ui.bulk.wizard import BulkWizard

#: A complete PackageInfo, so a page checking its own part sees no finding about page 6.
CHECK_INFO = PackageInfo(name="check", password=None)


def findings_for(
    spec: PackageSpec, prefix: str, *, day: date | None = None, base_dir: Path | None = None
) -> dict[str, str]:
    """The core's reasons about the fields under `prefix` ("device.", "apps[0]."), every
    one a field has, one per line (a token both too long and expired said only the first,
    and the person met the second after fixing it)."""
    found: dict[str, list[str]] = {}
    problems = services.package_problems(spec, today=day or utcnow().date(), base_dir=base_dir)
    for name, reason in problems:
        if name.startswith(prefix) and reason not in found.get(name.removeprefix(prefix), []):
            found.setdefault(name.removeprefix(prefix), []).append(reason)
    return {name: "\n".join(reasons) for name, reasons in found.items()}


class BulkPage(FormPage):
    """A page of the bulk wizard; `draft` is the wizard's shared answer sheet."""

    def bulk_wizard(self) -> BulkWizard:
        return cast("BulkWizard", self.wizard())

    @property
    def draft(self) -> BulkDraft:
        return self.bulk_wizard().draft

    #: Set while Enter asks why the page is not complete: every reason shows then.
    _telling_all = False

    def show_findings(
        self, found: dict[str, str], fields: dict[str, tuple[QLabel, QWidget | None]]
    ) -> None:
        """Each field's reason below it; a field the operator has not touched stays quiet,
        unless Enter asked why the page cannot go on (then the keyboard goes to the first)."""
        first: QWidget | None = None
        for name, (label, edit) in fields.items():
            touched = edit is None or not isinstance(edit, QLineEdit) or bool(edit.text())
            text = found.get(name) if touched or self._telling_all else None
            self.say(label, text)
            if edit is not None:
                self.mark(edit, text is not None)
                if text is not None and first is None and edit.isVisibleTo(self):
                    first = edit
        if self._telling_all and first is not None:
            first.setFocus()


class CheckedPage(BulkPage):
    """A page whose answers the core checks as they are typed: complete when nothing was
    found; going on checks once more, then `keep()` writes the answers into the draft."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._found: dict[str, str] = {}

    def isComplete(self) -> bool:  # noqa: N802
        return not self._found

    def validatePage(self) -> bool:  # noqa: N802
        self._on_input_changed()
        if self._found:
            return False
        self.keep()
        return True

    def explain_incomplete(self) -> None:
        """Enter on a page not complete: the reasons of the fields not touched show too."""
        self._telling_all = True
        try:
            self._on_input_changed()
        finally:
            self._telling_all = False

    def _on_input_changed(self) -> None:
        """Ask the core about the page's fields; fill `_found` and show the reasons."""
        raise NotImplementedError

    def keep(self) -> None:
        """The page's answers into the draft (they passed every check)."""
        raise NotImplementedError
