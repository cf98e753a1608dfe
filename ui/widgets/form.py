"""What forms share: a widget's state shown through the stylesheet, and wizard pages whose
reasons sit right below the fields they speak about."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QFormLayout, QLabel, QVBoxLayout, QWidget

from ui.widgets.state import set_state
from ui.widgets.wizard_shell import WizardPage

__all__ = ["FormPage", "buddy", "set_state"]


def buddy(text: str, field: QWidget) -> QLabel:
    """A label whose &-shortcut focuses `field` (Alt+letter, as a keyboard person expects)."""
    label = QLabel(text)
    label.setBuddy(field)
    return label


class FormPage(WizardPage):
    """A wizard page with labels for reasons, hints and shortcut labels."""

    @staticmethod
    def error_label(name: str) -> QLabel:
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

    def value_rows(
        self, rows: Sequence[tuple[str, str]], prefix: str
    ) -> tuple[QFormLayout, dict[str, QLabel]]:
        """A form of values to read (a summary, a review): a wrapped label per (key, words)
        row, named `prefix` + key; the labels by key, to fill in."""
        form = QFormLayout()
        values: dict[str, QLabel] = {}
        for key, words in rows:
            value = QLabel()
            value.setObjectName(prefix + key)
            value.setWordWrap(True)
            values[key] = value
            form.addRow(self.tr(words), value)
        return form, values

    @staticmethod
    def buddy(text: str, field: QWidget) -> QLabel:
        """A row label whose &-shortcut focuses `field` (for rows holding a layout)."""
        return buddy(text, field)

    @staticmethod
    def say(label: QLabel, text: str | None, *, ok: bool = False) -> None:
        """Show `text` in an error label (or an 'ok' note); None hides it."""
        label.setVisible(bool(text))
        label.setText(text or "")
        set_state(label, "ok" if ok else "error")

    @staticmethod
    def mark(edit: QWidget, bad: bool) -> None:
        """The field's own error state (a red frame), beside the reason below it."""
        set_state(edit, "error" if bad else "")

    @staticmethod
    def stacked(text: str, field: QWidget, *below: QWidget) -> QVBoxLayout:
        """The OOBE's way: the label above its field, full width, reasons under it. The
        label's &-shortcut focuses the field."""
        box = QVBoxLayout()
        box.setSpacing(4)
        label = QLabel(text)
        label.setObjectName("fieldLabel")
        label.setBuddy(field)
        box.addWidget(label)
        box.addWidget(field)
        for widget in below:
            box.addWidget(widget)
        return box
