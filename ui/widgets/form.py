"""What forms share: a widget's state shown through the stylesheet, and wizard pages whose
reasons sit right below the fields they speak about."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget, QWizardPage


def set_state(widget: QWidget, state: str) -> None:
    """'error', 'ok', a compliance state or '' (none), drawn by the stylesheet's
    `[state="..."]` rules: a dynamic property needs the style to look again."""
    widget.setProperty("state", state)
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)


class FormPage(QWizardPage):
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

    @staticmethod
    def buddy(text: str, field: QWidget) -> QLabel:
        """A row label whose &-shortcut focuses `field` (for rows holding a layout)."""
        label = QLabel(text)
        label.setBuddy(field)
        return label

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
