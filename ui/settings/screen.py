"""The Settings screen (admins): the kiosk settings, the secrets vault, and the operators.

Each setting's row is built from its one declaration in `app.settings` (label, type, bounds,
description). Saving writes every changed value in one transaction on the writer thread,
one audit entry per change; `changed(keys)` then tells the window (the idle lock applies at
once). Other roles see the values read-only and are told why.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app import services
from app.errors import InputError, JoineryError
from app.security.roles import Actor, Permission
from app.services import Store
from ui import changes
from ui.changes import Change
from ui.ops import failure_words, run_op
from ui.settings.form import SettingsForm
from ui.settings.operators import OperatorsPanel
from ui.settings.vault_row import VaultRow
from ui.widgets.form import set_state
from ui.widgets.messages import Present, open_now
from ui.widgets.note_label import NoteLabel
from ui.widgets.scrolling import follow_focus


class SettingsScreen(QWidget):
    """Emits `changed(keys)` after saved settings landed, with the keys whose value changed."""

    changed = Signal(list)

    def __init__(
        self,
        store: Store,
        actor: Callable[[], Actor | None],
        parent: QWidget | None = None,
        *,
        present: Present = open_now,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("settingsScreen")
        self.store = store
        self._actor = actor
        self.busy = False
        self._shown_to: Actor | None = None
        title = QLabel(self.tr("Settings"))
        title.setObjectName("screenTitle")
        self.notice = QLabel()
        self.notice.setObjectName("planNote")
        self.notice.setWordWrap(True)
        self.notice.hide()

        self.form = SettingsForm()
        self.save_button = QPushButton(self.tr("&Save settings"))
        self.save_button.setObjectName("primary")
        # The outcome of a save shows beside the title, in view however far down the form
        # the admin is (the Save button, below the fold at 1366x768, is not where Enter was).
        self.status = NoteLabel()
        self.status.setObjectName("fieldError")
        self.status.hide()
        self.vault = VaultRow(store, actor, present=present)
        self.operators = OperatorsPanel(store, actor, present=present)

        save_row = QHBoxLayout()
        save_row.addWidget(self.save_button)
        save_row.addStretch(1)
        left = QWidget()
        left.setObjectName("settingsColumn")
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 8, 0)
        left_layout.addWidget(self._section(self.tr("Kiosk")))
        left_layout.addWidget(self.form)
        left_layout.addLayout(save_row)
        left_layout.addStretch(1)
        self.form_scroll = scroll = QScrollArea()
        scroll.setObjectName("settingsScroll")
        scroll.setWidget(left)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.viewport().setAutoFillBackground(False)  # the page's own background shows
        left.setAutoFillBackground(False)

        right = QVBoxLayout()
        right.setContentsMargins(8, 0, 0, 0)
        right.addWidget(self.operators)
        self.vault_title = self._section(self.tr("Secrets vault"))
        right.addWidget(self.vault_title)
        right.addWidget(self.vault)
        right.addStretch(1)
        columns = QHBoxLayout()
        columns.addWidget(scroll, 3)
        columns.addLayout(right, 2)
        heading = QHBoxLayout()
        heading.addWidget(title)
        heading.addSpacing(24)
        heading.addWidget(self.status, 1, Qt.AlignmentFlag.AlignVCenter)
        layout = QVBoxLayout(self)
        layout.addLayout(heading)
        layout.addWidget(self.notice)
        layout.addLayout(columns, 1)

        follow_focus(scroll)  # in view when an Alt letter gives a field the keyboard
        self.form.submitted.connect(self.save)
        self.save_button.clicked.connect(self.save)
        if (stored := self._stored()) is not None:
            self.form.load(stored)
        # Another bench or the CLI may change them: read again when shown after a change
        # (values typed and not saved yet stay).
        changes.follow(
            self,
            store.path,
            Change.SETTINGS | Change.OPERATORS,
            self.reload,
            load_when_shown=True,
        )

    @staticmethod
    def _section(text: str) -> QLabel:
        label = QLabel(text)
        label.setObjectName("sectionTitle")
        return label

    def _stored(self) -> dict[str, int | tuple[str, ...] | str] | None:
        """The saved values, or None while locked (nobody to read them for)."""
        actor = self._actor()
        return None if actor is None else services.settings_values(self.store, actor=actor)

    def reload(self, *, keep_edits: bool = True) -> None:
        """Read the settings, the vault and the operators again (another process may have
        changed them); values typed but not saved yet stay unless `keep_edits` is False."""
        stored = self._stored()
        if stored is not None and not self.busy and not (keep_edits and self.form.edited(stored)):
            self.form.load(stored)
        self.vault.refresh()
        self.operators.refresh()

    def focus_first(self) -> None:
        """Where an admin starts: the first setting; otherwise the screen itself."""
        first = next(iter(self.form.editors.values()))
        if first.isEnabled():
            first.setFocus()
            if isinstance(first, QLineEdit):
                first.selectAll()
        else:
            self.setFocus()

    def apply_actor(self, actor: Actor) -> None:
        admin = actor.may(Permission.CHANGE_SETTINGS)
        self.form.set_editable(admin)
        self.save_button.setEnabled(admin)
        self.save_button.setVisible(admin)
        for widget in (self.vault_title, self.vault):
            widget.setVisible(admin)  # an admin's concern; the prompt tells others what to do
        self.operators.setVisible(actor.may(Permission.MANAGE_OPERATORS))
        self.notice.setVisible(not admin)
        self.notice.setText(
            ""
            if admin
            else self.tr(
                "Only an admin changes settings and operators: {n} is signed in as {r}. The "
                "values below are what the kiosk uses; ask an admin to change one."
            ).format(n=actor.name, r=actor.role.value)
        )
        if actor != self._shown_to:  # another person: nothing typed by the previous one
            self._shown_to = actor
            self._say("", error=False)
            self.reload(keep_edits=False)
        else:
            self.reload()

    # -- saving --------------------------------------------------------------------------

    def save(self) -> None:
        actor = self._actor()
        if actor is None or self.busy or not self.save_button.isEnabled():
            return
        changes = {key: self.form.text(key) for key in self.form.editors}
        first_bad = None
        for key, text in changes.items():
            problem = services.SETTINGS[key].problem(text)
            self.form.show_problem(key, self.tr(problem) if problem else None)
            if problem and first_bad is None:
                first_bad = key
        if first_bad is not None:
            self._say(self.tr("Nothing was saved: correct the field marked in red."), error=True)
            self._go_to(first_bad)
            return
        self.busy = True
        self.save_button.setEnabled(False)
        self._say(self.tr("Saving…"), error=False)
        run_op(
            self.store.path,
            lambda store, _p, _c: services.save_settings(store, changes, actor=actor),
            on_done=self._on_save_done,
            on_failed=self._on_save_failed,
        )

    def _on_save_done(self, keys: list[str]) -> None:
        self.busy = False
        self.save_button.setEnabled(True)
        if (stored := self._stored()) is not None:
            self.form.load(stored)
        if not keys:
            self._say(self.tr("Nothing to save: every value is as it was."), error=False)
            return
        labels = ", ".join(self.tr(services.SETTINGS[k].label) for k in keys)
        self._say(self.tr("Saved: {s}. The kiosk uses them from now on.").format(s=labels), False)
        self.changed.emit(keys)

    def _on_save_failed(self, error: BaseException) -> None:
        self.busy = False
        self.save_button.setEnabled(True)
        if isinstance(error, InputError) and error.problems:
            for problem in error.problems:
                self.form.show_problem(problem.file, problem.reason)
            self._go_to(error.problems[0].file)
        if not isinstance(error, JoineryError):
            words = self.tr("Saving stopped on an unexpected error; nothing was saved.")
            self._say(failure_words(error, "Saving settings", words), True)
            return
        self._say(self.tr("Nothing was saved: {e}").format(e=error), error=True)

    def _go_to(self, key: str) -> None:
        """The keyboard on the field `key`, scrolled into view with its reason below it."""
        editor, reason = self.form.editors[key], self.form.errors[key]
        editor.setFocus()  # scrolls it into view (`follow_focus`)
        self.form_scroll.ensureWidgetVisible(reason)  # the reason below it too
        self.form_scroll.ensureWidgetVisible(editor)

    def _say(self, text: str, error: bool) -> None:
        self.status.setText(text)
        self.status.setVisible(bool(text))
        set_state(self.status, "error" if error else "ok")
