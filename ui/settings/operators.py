"""Operators on the Settings screen: the list, add one, disable or enable, reset a PIN.

Every write goes through `app.security.operators` on the writer thread (a PIN hash takes
tens of milliseconds) and is audited there; the services check the role themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app import services
from app.errors import JoineryError
from app.security.roles import Actor, Permission, Role
from app.security.secret import Secret
from app.services import OperatorStatus, Store
from ui import theme
from ui.ops import Job, failure_words, run_op
from ui.widgets.focus import give_back_keyboard
from ui.widgets.form import set_state
from ui.widgets.job_dialog import JobDialog
from ui.widgets.messages import Present, confirm, open_now
from ui.widgets.note_label import NoteLabel

HEADERS = ("Name", "Role", "State")
ROLE_WORDS = {Role.TECHNICIAN: "Technician", Role.LEAD: "Lead", Role.ADMIN: "Admin"}


def _pin_field(name: str) -> QLineEdit:
    field = QLineEdit()
    field.setObjectName(name)
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setProperty("secret", True)
    field.setMaxLength(128)
    return field


class OperatorDialog(JobDialog):
    """Add an operator (name, role, PIN twice) or give one a new PIN (`name` given).
    The write runs on the writer thread; its refusal shows beside the fields."""

    saved = Signal(str)  # the operator's name

    def __init__(
        self, db_path: str, actor: Actor, parent: QWidget, *, name: str | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("operatorDialog")
        self.adding = name is None
        self.setWindowTitle(
            self.tr("Add an operator")
            if self.adding
            else self.tr("Reset the PIN of {n}").format(n=name)
        )
        self._db_path = db_path
        self._actor = actor
        self._name = name or ""
        self.name = QLineEdit(self._name)
        self.name.setObjectName("newOperatorName")
        self.name.setMaxLength(64)
        self.role = QComboBox()
        self.role.setObjectName("newOperatorRole")
        for role in Role:
            self.role.addItem(self.tr(ROLE_WORDS[role]), role)
        self.pin = _pin_field("newOperatorPin")
        self.repeat = _pin_field("newOperatorPinRepeat")
        hint = QLabel(self.tr("At least 6 digits, or a password of 8 or more characters."))
        hint.setObjectName("pageHint")
        hint.setWordWrap(True)
        buttons = QDialogButtonBox()
        self.ok = buttons.addButton(
            self.tr("Add operator") if self.adding else self.tr("Set the new PIN"),
            QDialogButtonBox.ButtonRole.AcceptRole,
        )
        self.ok.setObjectName("primary")
        self.ok.setDefault(True)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)

        form = QFormLayout()
        form.addRow(self.tr("&Name"), self.name)
        form.addRow(self.tr("R&ole"), self.role)
        form.addRow(self.tr("&PIN") if self.adding else self.tr("New &PIN"), self.pin)
        form.addRow(self.tr("&Repeat PIN"), self.repeat)
        form.setRowVisible(self.name, self.adding)
        form.setRowVisible(self.role, self.adding)
        for label in (hint, self.error):
            label.setFixedWidth(400)  # wrapped text sizes the dialog, never clips
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetFixedSize)
        heading = QLabel(self.windowTitle())
        heading.setObjectName("paneTitle")
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        self._refused: tuple[QLineEdit, ...] = ()  # the fields the reason shown speaks about
        for field in (self.name, self.pin, self.repeat):
            field.textEdited.connect(lambda _text, f=field: self._on_field_edited(f))
        (self.name if self.adding else self.pin).setFocus()

    def submit(self) -> None:
        if self.busy:
            return
        name = self.name.text().strip()
        if self.adding and not name:  # the PINs typed stay: nothing is wrong with them
            self.refuse(self.tr("Type the operator's name."), self.name)
            return
        pin = Secret(self.pin.text())
        if problem := services.pin_problem(pin.reveal()):
            self.refuse_pins(self.tr("The PIN is too weak: {p}.").format(p=problem))
            return
        if pin.reveal() != self.repeat.text():
            self.refuse_pins(self.tr("The two PINs differ: type the same PIN twice."))
            return
        actor, role = self._actor, Role(self.role.currentData())
        job: Job
        if self.adding:

            def job(store: Store, _p: Any, _c: Any) -> None:
                services.create_operator(store, name, role, pin, actor=actor)
        else:

            def job(store: Store, _p: Any, _c: Any) -> None:
                services.reset_pin(store, name, pin, actor=actor)

        self.job_started()
        run_op(
            self._db_path,
            job,
            owner=self,
            on_done=lambda _r: self._on_done(name),
            on_failed=self._failed,
        )

    def _on_done(self, name: str) -> None:
        self.job_done()
        self.saved.emit(name)

    def _failed(self, error: BaseException) -> None:
        message = self.job_failed(error, "an operator change", self.tr("Nothing changed."))
        if self.adding and "already exists" in message:
            self.refuse(message, self.name)
        elif "PIN" in message:  # refused by the service's own check of the PIN
            self.refuse_pins(message)
        else:  # not the fields' fault (a lost role, a locked database): all stays typed
            self.refuse(message, self.pin, self.repeat)

    def refuse(self, text: str, field: QLineEdit, *others: QLineEdit) -> None:
        """`text` below the fields, `field` (and `others`) marked, the keyboard in `field`;
        the reason goes when one of them is edited."""
        self._mark(())
        self.show_error(text, field)
        self._mark((field, *others))

    def refuse_pins(self, text: str) -> None:
        """The PINs themselves were refused: both are typed again, from the first."""
        self.pin.clear()
        self.repeat.clear()
        self.refuse(text, self.pin, self.repeat)

    def _mark(self, fields: tuple[QLineEdit, ...]) -> None:
        for field in self._refused:
            set_state(field, "")
        self._refused = fields
        for field in fields:
            set_state(field, "error")

    def _on_field_edited(self, field: QLineEdit) -> None:
        if field in self._refused and not self.busy:
            self.say("")
            self._mark(())


class OperatorsPanel(QWidget):
    """The operator list (admins only) and its three actions."""

    def __init__(
        self,
        store: Store,
        actor: Callable[[], Actor | None],
        parent: QWidget | None = None,
        *,
        present: Present = open_now,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("operatorsPanel")
        self.store = store
        self._actor = actor
        self._present = present
        self.rows: list[OperatorStatus] = []
        self.dialog: OperatorDialog | None = None
        title = QLabel(self.tr("Operators"))
        title.setObjectName("sectionTitle")
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setObjectName("operatorTable")
        self.table.setHorizontalHeaderLabels([self.tr(h) for h in HEADERS])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)  # Tab leaves the list, arrows move in it
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.add_button = QPushButton(self.tr("&Add operator…"))
        self.add_button.setObjectName("addOperator")
        self.disable_button = QPushButton(self.tr("&Disable"))
        self.disable_button.setObjectName("disableOperator")
        self.reset_button = QPushButton(self.tr("Reset P&IN…"))
        self.reset_button.setObjectName("resetPin")
        self.status = NoteLabel()
        self.status.setObjectName("fieldError")
        self.status.hide()

        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.disable_button)
        buttons.addWidget(self.reset_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        layout.addWidget(self.status)

        self.table.itemSelectionChanged.connect(self._on_table_selection_changed)
        self.add_button.clicked.connect(self._on_add_clicked)
        self.disable_button.clicked.connect(self._on_disable_clicked)
        self.reset_button.clicked.connect(self._on_reset_clicked)
        self._on_table_selection_changed()

    def selected(self) -> OperatorStatus | None:
        rows = self.table.selectionModel().selectedRows()
        return self.rows[rows[0].row()] if rows else None

    def refresh(self, select: str | None = None) -> None:
        actor = self._actor()
        if actor is None or not actor.may(Permission.MANAGE_OPERATORS):
            self.rows = []
            self.table.setRowCount(0)
            return
        chosen = select or (current.name if (current := self.selected()) else None)
        try:
            self.rows = services.list_operators(self.store, actor=actor)
        except JoineryError as exc:
            self.rows = []
            self._say(str(exc), error=True)
        self.table.setRowCount(len(self.rows))
        for row, operator in enumerate(self.rows):
            values = (operator.name, self.tr(ROLE_WORDS[operator.role]), self.tr(operator.state()))
            for column, text in enumerate(values):
                item = QTableWidgetItem(text)
                if column == 2 and operator.state() != "active":
                    item.setForeground(QBrush(theme.colour("@error")))
                self.table.setItem(row, column, item)
            if operator.name == chosen:
                self.table.selectRow(row)
        if self.selected() is None and self.rows:
            self.table.selectRow(0)
        self._fit_table()
        self._on_table_selection_changed()

    def _fit_table(self) -> None:
        """As tall as its rows and two more, within bounds: no page of white below them."""
        table = self.table
        rows = len(self.rows) + 2
        height = (
            table.horizontalHeader().sizeHint().height()
            + rows * table.verticalHeader().defaultSectionSize()
            + 2 * table.frameWidth()
        )
        table.setFixedHeight(min(max(height, 160), 420))

    def _on_table_selection_changed(self) -> None:
        operator = self.selected()
        self.disable_button.setEnabled(operator is not None)
        self.reset_button.setEnabled(operator is not None)
        enable = operator is not None and operator.disabled
        self.disable_button.setText(self.tr("&Enable") if enable else self.tr("&Disable"))

    # -- actions ---------------------------------------------------------------------------

    def _on_add_clicked(self) -> None:
        self._open_dialog(None)

    def _on_reset_clicked(self) -> None:
        if (operator := self.selected()) is not None:
            self._open_dialog(operator.name)

    def _open_dialog(self, name: str | None) -> None:
        actor = self._actor()
        if actor is None:
            return
        dialog = OperatorDialog(self.store.path, actor, self, name=name)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        verb = self.tr("Added {n}.") if name is None else self.tr("New PIN set for {n}.")
        dialog.saved.connect(lambda saved: self._on_dialog_saved(saved, verb))
        dialog.finished.connect(self._on_dialog_finished)
        self.dialog = dialog
        self._present(dialog)

    def _on_dialog_finished(self, _result: int) -> None:
        give_back_keyboard(self.table)  # back where the admin was

    def _on_dialog_saved(self, name: str, verb: str) -> None:
        self.refresh(select=name)
        self._say(verb.format(n=name), error=False)

    def _on_disable_clicked(self) -> None:
        operator, actor = self.selected(), self._actor()
        if operator is None or actor is None:
            return
        disable = not operator.disabled
        name = operator.name
        if not disable or name == actor.name:  # enabling takes nothing away; and one's own
            self._set_disabled(name, disable, actor)  # account is refused (in its words)
            return
        # Disabling signs a colleague out of every bench at their next sign-in: asked first
        # (No is the default: Alt+D then Enter does nothing unwanted).
        box = confirm(
            self,
            self.tr("Disable operator"),
            self.tr(
                "Disable {n}? They cannot sign in on any bench of this database until an admin "
                "enables them again. Their records and audit entries stay."
            ).format(n=name),
            lambda: self._set_disabled(name, disable, actor),
            self._present,
        )
        box.finished.connect(self._on_dialog_finished)  # the keyboard back in the list

    def _set_disabled(self, name: str, disable: bool, actor: Actor) -> None:
        def job(store: Store, _p: Any, _c: Any) -> None:
            services.set_operator_disabled(store, name, disable, actor=actor)

        self.disable_button.setEnabled(False)
        run_op(
            self.store.path,
            job,
            owner=self,
            on_done=lambda _r: self._on_disable_done(name, disable),
            on_failed=self._on_disable_failed,
        )

    def _on_disable_done(self, name: str, disabled: bool) -> None:
        self.refresh(select=name)
        self._say(
            self.tr("{n} is disabled: they cannot sign in until enabled again.").format(n=name)
            if disabled
            else self.tr("{n} can sign in again.").format(n=name),
            error=False,
        )

    def _on_disable_failed(self, error: BaseException) -> None:
        self._on_table_selection_changed()
        self._say(failure_words(error, "disabling an operator", self.tr("Nothing changed.")))

    def _say(self, text: str, *, error: bool = True) -> None:
        self.status.setText(text)
        self.status.setVisible(bool(text))
        set_state(self.status, "error" if error else "ok")
