"""One audit entry, whole and read-only: what the table's row shortens (Enter on a row)."""

from __future__ import annotations

import dataclasses
import json

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app import services
from app.services import AuditEntry
from ui.words import when

#: The fields the text names in words; any other field of the entry follows by its name.
_NAMED = {"id", "at", "actor", "action", "target", "details"}


def _tr(text: str) -> str:
    return QCoreApplication.translate("AuditEntryDialog", text)


def entry_text(entry: AuditEntry) -> str:
    """The entry as lines a person reads and copies: every field, the details indented."""
    words = _tr(services.audit_action_words(entry.action))
    lines = [
        _tr("Entry: {n}").format(n=entry.id),
        _tr("When (UTC): {t}").format(t=when(entry.at)),
        _tr("Recorded as: {t}").format(t=entry.at),  # exactly as stored and chained
        _tr("Who: {a}").format(a=entry.actor),
        _tr("Action: {w} ({c})").format(w=words, c=entry.action),
        _tr("Target: {t}").format(t=entry.target or "—"),
    ]
    # Chain fields (a MAC, say) when the entry carries them.
    for field in dataclasses.fields(entry):
        if field.name not in _NAMED:
            lines.append(f"{field.name}: {getattr(entry, field.name)}")
    details = json.dumps(entry.details, ensure_ascii=False, sort_keys=True, indent=2)
    lines += ["", _tr("Details:"), details if entry.details else _tr("(none)")]
    return "\n".join(lines)


class AuditEntryDialog(QDialog):
    """Read-only, selectable from the keyboard; Esc or Enter closes it."""

    def __init__(self, entry: AuditEntry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("auditEntryDialog")
        self.setWindowTitle(self.tr("Audit entry {n}").format(n=entry.id))
        self.text = QPlainTextEdit(entry_text(entry))
        self.text.setObjectName("auditEntryText")
        self.text.setReadOnly(True)
        # A caret to move and Shift+arrows to select, so Ctrl+C copies without a mouse.
        self.text.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByKeyboard
            | Qt.TextInteractionFlag.TextSelectableByMouse
        )
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setDefault(True)  # Enter in the text closes too: the text leaves it unread
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text, 1)
        layout.addWidget(buttons)
        self.resize(560, 420)
        self.text.setFocus()
