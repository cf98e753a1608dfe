"""A dialog whose OK runs one job on the writer thread: the operator, tenant and vault dialogs."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QLabel, QLineEdit, QPushButton, QWidget

from ui.ops import failure_words
from ui.widgets.state import set_state


class JobDialog(QDialog):
    """While the job runs, OK is off and Esc or Cancel wait for it (it may already have
    written); done, the dialog closes; failed, OK is on again and the reason shows in
    `error`, the label below the fields. Subclasses set `ok` and lay out `error`."""

    ok: QPushButton | None = None

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.busy = False
        self.error = QLabel()
        self.error.setObjectName("fieldError")
        self.error.setWordWrap(True)
        self.error.hide()

    def reject(self) -> None:
        if not self.busy:
            super().reject()

    def job_started(self, note: str = "") -> None:
        """OK off until the job ends; `note` (if any) says what is under way."""
        self.busy = True
        if self.ok is not None:
            self.ok.setEnabled(False)
        if note:
            self.say(note, ok=True)

    def job_done(self) -> None:
        self.busy = False
        self.accept()

    def job_failed(self, error: BaseException, what: str, fallback: str) -> str:
        """OK on again; the words for `error` (see `failure_words`)."""
        self.busy = False
        if self.ok is not None:
            self.ok.setEnabled(True)
        return failure_words(error, what, fallback)

    def say(self, text: str, *, ok: bool = False) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))
        set_state(self.error, "ok" if ok else "error")

    def show_error(self, text: str, field: QLineEdit) -> None:
        """A reason, and the keyboard on the field it speaks about, its text selected."""
        self.say(text)
        field.setFocus()
        field.selectAll()
