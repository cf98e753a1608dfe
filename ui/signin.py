"""The sign-in screen: first admin on a new kiosk, sign-in, and unlock after the idle lock."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app import services
from app.security.roles import Actor
from app.security.secret import Secret
from app.services import Store
from ui.changes import Change
from ui.ops import failure_words, run_op


def _pin_field() -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setProperty("secret", True)
    field.setMaxLength(128)
    return field


class SignInScreen(QWidget):
    """Emits `signed_in(actor)`; errors show beside the PIN field, never in a popup."""

    signed_in = Signal(object)

    def __init__(self, store: Store, parent: QWidget | None = None, *, hint: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("signInScreen")
        self.store = store
        self._locked_name: str | None = None
        card = QFrame()
        card.setObjectName("signInCard")
        card.setMinimumWidth(440)
        self.title = QLabel()
        self.title.setObjectName("signInTitle")
        self.subtitle = QLabel()
        self.subtitle.setObjectName("planSummary")
        self.subtitle.setWordWrap(True)
        self.subtitle.setFixedWidth(384)
        self.name = QLineEdit()
        self.name.setObjectName("operatorName")
        self.name.setMaxLength(64)
        self.pin = _pin_field()
        self.pin.setObjectName("operatorPin")
        self.confirm = _pin_field()
        self.confirm.setObjectName("operatorPinConfirm")
        self.error = QLabel()
        self.error.setObjectName("fieldError")
        self.error.setWordWrap(True)
        self.error.setFixedWidth(384)
        self.button = QPushButton()
        self._action = ""  # the button's words in this mode ("Sign in", "Unlock", ...)
        self.checking = False  # a PIN is being checked on the writer thread
        self.button.setObjectName("primary")
        self.button.setDefault(True)
        self.switch = QPushButton(self.tr("Sign in as someone else"))
        self.switch.setFlat(True)
        # Operator names are read whole: "demo-tech" broke at its hyphen (a non-breaking
        # hyphen looks the same and keeps the name on one line).
        self.hint = QLabel(hint.replace("-", "\u2011"))
        self.hint.setObjectName("planNote")
        self.hint.setWordWrap(True)
        self.hint.setFixedWidth(384)
        self.hint.setVisible(bool(hint))

        form = QFormLayout()
        form.addRow(self.tr("Name"), self.name)
        form.addRow(self.tr("PIN"), self.pin)
        form.addRow(self.tr("Repeat PIN"), self.confirm)
        self._form = form
        inner = QVBoxLayout(card)
        inner.setContentsMargins(28, 24, 28, 24)
        # The card takes the height its wrapped text needs, whatever the mode shows.
        inner.setSizeConstraint(QLayout.SizeConstraint.SetFixedSize)
        for widget in (self.title, self.subtitle):
            inner.addWidget(widget)
        inner.addLayout(form)
        inner.addWidget(self.error)
        inner.addWidget(self.button)
        inner.addWidget(self.switch)
        inner.addWidget(self.hint)
        row = QHBoxLayout()  # the card in the middle; no Qt.AlignmentFlag (ui/widgets/focus.py)
        row.addStretch(1)
        row.addWidget(card)
        row.addStretch(1)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)

        self.button.clicked.connect(self._on_button_clicked)
        self.name.returnPressed.connect(self._on_name_return_pressed)
        for field in (self.pin, self.confirm):
            field.returnPressed.connect(self._on_button_clicked)
        self.switch.clicked.connect(self.show_sign_in)
        self.refresh()

    # -- modes -----------------------------------------------------------------------------

    @property
    def creating_first_admin(self) -> bool:
        return services.first_admin_needed(self.store)

    def refresh(self) -> None:
        if self.creating_first_admin:
            self._mode(
                self.tr("Welcome to Joinery"),
                self.tr(
                    "This kiosk has no operators yet. Create the first admin: "
                    "they add the technicians and leads."
                ),
                self.tr("Create admin and sign in"),
                confirm=True,
            )
        else:
            self.show_sign_in()

    def show_sign_in(self) -> None:
        self._locked_name = None
        self.name.setReadOnly(False)
        self._mode(
            self.tr("Sign in"),
            self.tr("Enter your operator name and PIN."),
            self.tr("Sign in"),
            confirm=False,
        )

    def show_locked(self, actor: Actor, *, idle: bool = True) -> None:
        """Locked for `actor`: by the idle timer, or by them (Ctrl+L)."""
        self._locked_name = actor.name
        why = (
            self.tr("The kiosk locked itself after a while without input.")
            if idle
            else self.tr("The kiosk is locked.")
        )
        self._mode(
            self.tr("Locked"),
            self.tr("{w} {n}, enter your PIN to carry on where you were.").format(
                w=why, n=actor.name
            ),
            self.tr("Unlock"),
            confirm=False,
        )
        self.name.setText(actor.name)
        self.name.setReadOnly(True)
        self.pin.setFocus()

    def _mode(self, title: str, subtitle: str, action: str, *, confirm: bool) -> None:
        self.title.setText(title)
        self.subtitle.setText(subtitle)
        self.button.setText(action)
        self._action = action
        self._form.setRowVisible(self.confirm, confirm)
        self.switch.setVisible(self._locked_name is not None)
        self.error.clear()
        self.pin.clear()
        self.confirm.clear()
        if not self.name.isReadOnly():
            self.name.clear()
            self.name.setFocus()

    # -- actions ---------------------------------------------------------------------------

    def _on_name_return_pressed(self) -> None:
        """Enter after the name moves on to the PIN, as a scanner-and-keyboard user expects."""
        if self.pin.text():
            self._on_button_clicked()
        else:
            self.pin.setFocus()

    def _on_button_clicked(self) -> None:
        if self.checking:
            return  # Enter pressed again while the PIN is checked
        name = self.name.text().strip()
        pin = Secret(self.pin.text())
        self.pin.clear()
        if not name:
            self._fail(self.tr("Enter your operator name."), self.name)
            return
        if not pin:
            self._fail(self.tr("Enter your PIN."), self.pin)
            return
        creating = self.creating_first_admin
        if creating:
            if pin.reveal() != self.confirm.text():
                self.confirm.clear()
                self._fail(self.tr("The two PINs differ. Enter the same PIN twice."), self.pin)
                return
            self.confirm.clear()

        def job(store: Store, _progress: object, _cancelled: object) -> Actor:
            # Off the GUI thread: the PIN's hash costs tens of milliseconds, and counting the
            # attempt waits for the write lock another bench may hold.
            if creating:
                services.create_first_admin(store, name, pin)
            return services.sign_in(store, name, pin)

        self._set_checking(True)
        run_op(
            self.store.path,
            job,
            on_done=self._on_signed_in,
            on_failed=self._on_sign_in_failed,
            changes_made=Change.AUDIT | Change.OPERATORS,
        )

    def _set_checking(self, checking: bool) -> None:
        self.checking = checking
        self.button.setEnabled(not checking)
        self.button.setText(self.tr("Checking…") if checking else self._action)

    def _on_signed_in(self, actor: Actor) -> None:
        self._set_checking(False)
        self.error.clear()
        self.signed_in.emit(actor)

    def _on_sign_in_failed(self, error: BaseException) -> None:
        self._set_checking(False)
        self._fail(failure_words(error, self.tr("Signing in")), self.pin)

    def _fail(self, message: str, field: QLineEdit) -> None:
        self.error.setText(message)
        field.setFocus()
