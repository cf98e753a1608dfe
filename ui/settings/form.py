"""The Settings screen's form: one row per declared setting (label, field, reason, meaning).

Each row is built from its one declaration in `app.settings`; this module adds only what a
form needs beside it: each field's example and each label's Alt letter.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QCheckBox, QFrame, QGridLayout, QLabel, QLineEdit, QSpinBox, QWidget

from app import services
from ui.widgets.form import set_state
from ui.widgets.note_label import NoteLabel

Editor = QLineEdit | QSpinBox | QCheckBox

#: What each kind of text setting looks like, shown in its empty field (a GUID's shape, a
#: domain); a kind not named here shows no example.
EXAMPLES = {
    "domains": "contoso.com, contoso.onmicrosoft.com",
    "guid": "00000000-0000-0000-0000-000000000000",
    "domain": "contoso.onmicrosoft.com",
}
#: Each setting's Alt letter, kept from release to release so hands learn it. A setting
#: declared later gets the first free letter of its label (`alt_labels`).
ALT_LETTERS = {
    "tenant_domains": "v",  # &Verified domains
    "max_devices_per_user": "u",  # Devices per &user
    "idle_lock_minutes": "l",  # Id&le lock (minutes): the first "l" of the label
    "compliance_validity_days": "c",  # &Compliance validity (days)
    "stale_days": "f",  # Stale a&fter (days)
    "no_policy_compliant": "w",  # Devices &without a policy are compliant
    "tenant_id": "t",  # &Tenant ID
    "tenant_domain": "m",  # Tenant do&main
    "autopilot_profile_id": "r",  # Autopilot p&rofile ID
    "tenant_push_policies": "h",  # Pus&h compliance policies to the tenant
    "tenant_read_profiles": "o",  # Read Aut&opilot deployment profiles
}
#: The letters of the screen's other controls: &Save settings, &Add operator…,
#: &Disable / &Enable, Reset P&IN…, and the vault's "Set (Enter) the vault &passphrase…".
SCREEN_LETTERS = "sadeip"


def alt_labels(labels: Mapping[str, str], taken: str = SCREEN_LETTERS) -> dict[str, str]:
    """Each label marked with an Alt letter of its own ("&"): its letter in ALT_LETTERS,
    else the first free initial of its words, else its first free letter; unmarked when
    every letter of it is taken. No letter in `taken` is given out."""
    used = set(taken)
    letters: dict[str, str] = {}
    for key, text in labels.items():  # the fixed ones first: a new label takes none of them
        letter = ALT_LETTERS.get(key, "")
        if letter and letter not in used and letter in text.lower():
            letters[key] = letter
            used.add(letter)
    for key, text in labels.items():
        if key in letters:
            continue
        initials = [word[0] for word in text.lower().split() if word[:1].isalpha()]
        others = [c for c in text.lower() if c.isalpha()]
        letter = next((c for c in initials + others if c not in used), "")
        if letter:
            letters[key] = letter
            used.add(letter)
    return {key: _marked(text, letters.get(key, "")) for key, text in labels.items()}


def _marked(text: str, letter: str) -> str:
    text = text.replace("&", "&&")  # a literal ampersand stays one
    if not letter:
        return text
    at = text.lower().index(letter)
    return f"{text[:at]}&{text[at:]}"


def example(setting: services.Setting) -> str:
    """What a value of `setting` looks like, for its empty field; "" when none helps."""
    if isinstance(setting.default, tuple):
        return EXAMPLES["domains"]
    return EXAMPLES.get(setting.kind, "") if isinstance(setting.default, str) else ""


class SettingsForm(QFrame):
    """One row per declared setting; Enter in any field saves (as the Save button does)."""

    submitted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("detailPane")
        self.editors: dict[str, Editor] = {}
        self.labels: dict[str, QLabel] = {}  # a check box is its own label: not here
        self.errors: dict[str, QLabel] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(16, 12, 16, 12)
        grid.setVerticalSpacing(2)
        grid.setHorizontalSpacing(16)
        grid.setColumnStretch(1, 1)
        texts = alt_labels({k: self.tr(s.label) for k, s in services.SETTINGS.items()})
        row = 0
        for key, setting in services.SETTINGS.items():
            editor = self._editor(setting, texts[key])
            editor.setObjectName(f"setting_{key}")
            self.editors[key] = editor
            error = NoteLabel()
            error.setObjectName("fieldError")
            error.hide()
            self.errors[key] = error
            hint = NoteLabel(self.tr(setting.description))
            hint.setObjectName("planNote")
            if isinstance(editor, QCheckBox):  # its own text is the label: the full width
                for offset, widget in enumerate((editor, error, hint)):
                    grid.addWidget(widget, row + offset, 0, 1, 2)
            else:
                label = QLabel(texts[key])
                label.setBuddy(editor)
                self.labels[key] = label
                grid.addWidget(label, row, 0)
                for offset, widget in enumerate((editor, error, hint)):
                    grid.addWidget(widget, row + offset, 1)
            grid.setRowMinimumHeight(row + 3, 8)  # air between settings
            row += 4

    def _editor(self, setting: services.Setting, label: str) -> Editor:
        if setting.is_flag:
            return QCheckBox(label)
        if isinstance(setting.default, int):
            spin = QSpinBox()
            spin.setRange(setting.minimum, setting.maximum)
            spin.setMaximumWidth(140)
            return spin
        field = QLineEdit()
        field.setPlaceholderText(example(setting))
        field.textEdited.connect(lambda _text, key=setting.key: self.show_problem(key, None))
        return field

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        # Line edits and spin boxes pass Enter on to their parent: here it saves.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.submitted.emit()
            return
        super().keyPressEvent(event)

    def text(self, key: str) -> str:
        editor = self.editors[key]
        if isinstance(editor, QCheckBox):
            return "1" if editor.isChecked() else "0"
        if isinstance(editor, QSpinBox):
            return str(editor.value())
        return editor.text()

    def load(self, stored: Mapping[str, int | tuple[str, ...] | str]) -> None:
        for key, editor in self.editors.items():
            value = stored[key]
            if isinstance(editor, QCheckBox):
                editor.setChecked(bool(value))
            elif isinstance(editor, QSpinBox):
                assert isinstance(value, int)
                editor.setValue(value)
            else:
                editor.setText(", ".join(value) if isinstance(value, tuple) else str(value))
            self.show_problem(key, None)

    def edited(self, stored: Mapping[str, int | tuple[str, ...] | str]) -> bool:
        """Whether a field holds a change not saved yet (kept across a lock and a return)."""
        for key, setting in services.SETTINGS.items():
            saved = setting.show(stored[key])
            if setting.problem(self.text(key)) is not None:
                return True
            if setting.show(setting.parse(self.text(key))) != saved:
                return True
        return False

    def show_problem(self, key: str, problem: str | None) -> None:
        label = self.errors[key]
        label.setText(problem or "")
        label.setVisible(bool(problem))
        set_state(label, "error")
        set_state(self.editors[key], "error" if problem else "")

    def set_editable(self, editable: bool) -> None:
        for key, editor in self.editors.items():
            editor.setEnabled(editable)
            if isinstance(editor, QLineEdit):  # read-only, an example would pass for a value
                editor.setPlaceholderText(
                    example(services.SETTINGS[key]) if editable else self.tr("None set yet")
                )
