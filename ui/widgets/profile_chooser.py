"""The bench profile a technician works with: one chooser for the wizard, batch and cart.

Reloading the list (a profile saved or renamed elsewhere) keeps the choice: the technician
who picked "Contoso laptops" must not enroll the next device with the Default profile
because a tab was switched.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QComboBox, QWidget

from app.enrollment import DEFAULT_PROFILE


class ProfileChooserWidget(QComboBox):
    """Default first, then the saved profiles; `reload()` keeps what was chosen."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.addItem(DEFAULT_PROFILE)

    def reload(self, saved: Sequence[str]) -> None:
        """Offer `saved` (Default is always first); the choice stays if it still exists,
        and a change of choice (only when it was deleted) is announced as usual."""
        chosen = self.currentText()
        names = [DEFAULT_PROFILE, *[n for n in saved if n.casefold() != DEFAULT_PROFILE.casefold()]]
        if names == [self.itemText(i) for i in range(self.count())]:
            return
        self.blockSignals(True)
        self.clear()
        self.addItems(names)
        index = next((i for i, n in enumerate(names) if n.casefold() == chosen.casefold()), 0)
        self.setCurrentIndex(index)
        self.blockSignals(False)
        if names[index] != chosen:
            self.currentTextChanged.emit(names[index])

    def choose(self, name: str | None) -> None:
        """Choose `name` (case-insensitive); an unknown name chooses Default."""
        wanted = (name or DEFAULT_PROFILE).casefold()
        names = [self.itemText(i).casefold() for i in range(self.count())]
        self.setCurrentIndex(names.index(wanted) if wanted in names else 0)
