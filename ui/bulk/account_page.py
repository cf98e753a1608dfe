"""Page 3, Account management: Entra bulk enrollment, Active Directory, or a local admin.

The bulk token is pasted (or loaded from a file) once and never shown again: the field
echoes nothing, and a token kept from a re-opened package stays hidden in the draft.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QButtonGroup,
    QDateEdit,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app import services
from app.provisioning.model import (
    TOKEN_MAX_DAYS,
    Account,
    BulkToken,
    DomainJoin,
    LocalAdmin,
    PackageSpec,
)
from app.security.secret import Secret
from app.timeutil import utcnow
from ui.bulk.page_base import CHECK_INFO, CheckedPage, findings_for

ENTRA, DOMAIN, LOCAL, NONE = "entra", "domain", "local", "none"
FIELD_FRIENDLY = "friendly_name"
FIELD_TOKEN = "token"
FIELD_EXPIRES = "expires"
FIELD_ISSUED = "issued"
FIELD_DOMAIN = "domain"
FIELD_USER = "user"
FIELD_PASSWORD = "password"


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _day(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class AccountPage(CheckedPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("accountPage")
        self.set_section("Account management")
        self.setTitle(self.tr("Account management"))
        self.setSubTitle(
            self.tr(
                "How the devices join: Microsoft Entra with a bulk token, an Active "
                "Directory domain, or only a local administrator account."
            )
        )
        self.kinds: dict[str, QRadioButton] = {
            ENTRA: QRadioButton(self.tr("Enroll in &Microsoft Entra ID (bulk token)")),
            DOMAIN: QRadioButton(self.tr("Join an &Active Directory domain")),
            LOCAL: QRadioButton(self.tr("Create a &local administrator")),
            NONE: QRadioButton(self.tr("&Do not manage accounts")),
        }
        group = QButtonGroup(self)
        for key, button in self.kinds.items():
            button.setObjectName(f"account_{key}")
            group.addButton(button)
        self.stack = QStackedWidget()
        self.stack.addWidget(self._entra_form())
        self.stack.addWidget(self._domain_form())
        self.stack.addWidget(self._local_form())
        self.stack.addWidget(QWidget())
        self.general_error = self.error_label("account")
        choices = QHBoxLayout()
        for button in self.kinds.values():
            choices.addWidget(button)
        choices.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(choices)
        layout.addWidget(self.stack)
        layout.addWidget(self.general_error)
        layout.addStretch(1)
        for button in self.kinds.values():
            button.toggled.connect(self._on_input_changed)
        for edit in (
            self.friendly,
            self.token,
            self.token_account,
            self.domain,
            self.domain_user,
            self.domain_password,
            self.local_user,
            self.local_password,
        ):
            edit.textChanged.connect(self._on_input_changed)
        self.issued.dateChanged.connect(self._on_input_changed)
        self.expires.dateChanged.connect(self._on_input_changed)
        self.token_file.clicked.connect(self._on_token_file_clicked)
        self._kept_token: Secret | None = None
        self._kept_password: Secret | None = None

    def _entra_form(self) -> QWidget:
        self.friendly = QLineEdit()
        self.friendly.setObjectName("tokenName")
        self.friendly.setPlaceholderText(self.tr("e.g. Bench June"))
        self.friendly_error = self.error_label(FIELD_FRIENDLY)
        self.token = QLineEdit()
        self.token.setObjectName("bulkToken")
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setPlaceholderText(self.tr("Paste the bulk token (it is never shown again)"))
        self.token_file = QPushButton(self.tr("Load from f&ile…"))
        self.token_file.setObjectName("tokenFile")
        self.token_error = self.error_label(FIELD_TOKEN)
        self.token_note = self.hint("")
        self.token_note.setObjectName("tokenNote")
        self.issued = QDateEdit()
        self.issued.setObjectName("tokenIssued")
        self.expires = QDateEdit()
        self.expires.setObjectName("tokenExpires")
        for edit in (self.issued, self.expires):
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setCalendarPopup(True)
        self.expires_error = self.error_label(FIELD_EXPIRES)
        self.token_account = QLineEdit()
        self.token_account.setObjectName("tokenAccount")
        self.token_account.setPlaceholderText(
            self.tr("package_…@contoso.onmicrosoft.com, as Entra shows it (optional)")
        )
        token_row = QHBoxLayout()
        token_row.addWidget(self.token, 1)
        token_row.addWidget(self.token_file)
        form = QFormLayout()
        form.addRow(self.tr("Token &friendly name"), self.friendly)
        form.addRow("", self.friendly_error)
        form.addRow(self.buddy(self.tr("Bulk &token"), self.token), token_row)
        form.addRow("", self.token_error)
        form.addRow("", self.token_note)
        form.addRow(self.tr("Token &obtained on"), self.issued)
        form.addRow(self.tr("Token &expires on"), self.expires)
        form.addRow("", self.expires_error)
        form.addRow(self.tr("Token's Entra a&ccount"), self.token_account)
        form.addRow(
            "",
            self.hint(
                self.tr(
                    "A bulk token lasts at most {n} days. Get it in Windows Configuration "
                    "Designer (Get bulk token) and answer “No, sign in to this app only”. "
                    "WCD creates an Entra user package_… for it: deleting that user revokes "
                    "the token early. Copy its name from Entra above; otherwise Joinery only "
                    "guesses it. One token joins at most the tenant's devices-per-user limit "
                    "(50 by default), and requiring MFA to join devices stops bulk enrollment."
                ).format(n=TOKEN_MAX_DAYS)
            ),
        )
        return self._wrap(form)

    def _domain_form(self) -> QWidget:
        self.domain = QLineEdit()
        self.domain.setObjectName("domainName")
        self.domain.setPlaceholderText(self.tr("corp.contoso.com"))
        self.domain_error = self.error_label(FIELD_DOMAIN)
        self.domain_user = QLineEdit()
        self.domain_user.setObjectName("domainUser")
        self.domain_user.setPlaceholderText(self.tr("A least-privileged account that may join"))
        self.domain_user_error = self.error_label(FIELD_USER)
        self.domain_password = QLineEdit()
        self.domain_password.setObjectName("domainPassword")
        self.domain_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.domain_password_error = self.error_label(FIELD_PASSWORD)
        form = QFormLayout()
        form.addRow(self.tr("Domai&n"), self.domain)
        form.addRow("", self.domain_error)
        form.addRow(self.tr("&Join account"), self.domain_user)
        form.addRow("", self.domain_user_error)
        form.addRow(self.tr("&Password"), self.domain_password)
        form.addRow("", self.domain_password_error)
        return self._wrap(form)

    def _local_form(self) -> QWidget:
        self.local_user = QLineEdit()
        self.local_user.setObjectName("localUser")
        self.local_user_error = self.error_label(FIELD_USER)
        self.local_password = QLineEdit()
        self.local_password.setObjectName("localPassword")
        self.local_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.local_password_error = self.error_label(FIELD_PASSWORD)
        self.local_warning = QLabel()
        self.local_warning.setObjectName("localWarning")
        self.local_warning.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.tr("&User name"), self.local_user)
        form.addRow("", self.local_user_error)
        form.addRow(self.tr("&Password"), self.local_password)
        form.addRow("", self.local_password_error)
        form.addRow("", self.local_warning)
        return self._wrap(form)

    @staticmethod
    def _wrap(form: QFormLayout) -> QWidget:
        holder = QWidget()
        form.setContentsMargins(0, 8, 0, 0)
        holder.setLayout(form)
        return holder

    # -- the page --------------------------------------------------------------------------

    def initializePage(self) -> None:  # noqa: N802
        account = self.draft.account
        today = utcnow().date()
        self._kept_token = self._kept_password = None
        for edit in (self.token, self.domain_password, self.local_password):
            edit.clear()  # secrets are never shown again: typing replaces the kept one
        self.issued.setDate(_qdate(today))
        self.expires.setDate(_qdate(today + timedelta(days=TOKEN_MAX_DAYS)))
        if isinstance(account, BulkToken):
            self.friendly.setText(account.friendly_name)
            self.token_account.setText(account.account or "")
            self._kept_token = account.token
            if account.issued is not None:
                self.issued.setDate(_qdate(account.issued))
            if account.expires is not None:
                self.expires.setDate(_qdate(account.expires))
        elif isinstance(account, DomainJoin):
            self.domain.setText(account.domain)
            self.domain_user.setText(account.user)
            self._kept_password = account.password
        elif isinstance(account, LocalAdmin):
            self.local_user.setText(account.user)
            self._kept_password = account.password
        kind = self._kind_of(account)
        self.kinds[kind].setChecked(True)
        self._on_input_changed()

    def first_field(self) -> QWidget:
        return next(button for button in self.kinds.values() if button.isChecked())

    @staticmethod
    def _kind_of(account: Account | None) -> str:
        if isinstance(account, BulkToken):
            return ENTRA
        if isinstance(account, DomainJoin):
            return DOMAIN
        if isinstance(account, LocalAdmin):
            return LOCAL
        return NONE

    def keep(self) -> None:
        self.draft.account = self._account()
        self.token.clear()  # the pasted token is in the draft now; never on screen again

    def kind(self) -> str:
        return next((k for k, b in self.kinds.items() if b.isChecked()), NONE)

    def _account(self) -> Account | None:
        kind = self.kind()
        if kind == ENTRA:
            typed = self.token.text().strip()
            return BulkToken(
                friendly_name=self.friendly.text().strip(),
                token=Secret(typed) if typed else self._kept_token or Secret(""),
                expires=_day(self.expires.date()),
                issued=_day(self.issued.date()),
                account=self.token_account.text().strip() or None,
            )
        if kind == DOMAIN:
            typed = self.domain_password.text()
            return DomainJoin(
                domain=self.domain.text().strip(),
                user=self.domain_user.text().strip(),
                password=Secret(typed) if typed else self._kept_password or Secret(""),
            )
        if kind == LOCAL:
            typed = self.local_password.text()
            return LocalAdmin(
                user=self.local_user.text().strip(),
                password=Secret(typed) if typed else self._kept_password or Secret(""),
            )
        return None

    def _on_input_changed(self) -> None:
        kind = self.kind()
        self.stack.setCurrentIndex([ENTRA, DOMAIN, LOCAL, NONE].index(kind))
        account = self._account()
        spec = PackageSpec(info=CHECK_INFO, device=self.draft.device, account=account)
        self._found = findings_for(spec, "account.") if account else {}
        device = findings_for(spec, "device.name_template") if kind == DOMAIN else {}
        self.say(self.general_error, next(iter(device.values()), None))
        if device:
            self._found["device"] = next(iter(device.values()))
        self._show(kind)
        self.completeChanged.emit()

    def _show(self, kind: str) -> None:
        found = self._found
        if kind == ENTRA:
            self.show_findings(
                found,
                {
                    FIELD_FRIENDLY: (self.friendly_error, self.friendly),
                    FIELD_TOKEN: (self.token_error, self.token if not self._kept_token else None),
                    FIELD_EXPIRES: (self.expires_error, None),
                },
            )
            if FIELD_ISSUED in found and FIELD_EXPIRES not in found:
                self.say(self.expires_error, found[FIELD_ISSUED])
            self.mark(self.expires, FIELD_EXPIRES in found or FIELD_ISSUED in found)
            note = ""
            if self._kept_token is not None and not self.token.text():
                note = self.tr("A bulk token is kept (hidden); paste one to replace it.")
            self.say(self.token_note, note or None, ok=True)
        elif kind == DOMAIN:
            self.show_findings(
                found,
                {
                    FIELD_DOMAIN: (self.domain_error, self.domain),
                    FIELD_USER: (self.domain_user_error, self.domain_user),
                    FIELD_PASSWORD: (self.domain_password_error, self.domain_password),
                },
            )
        elif kind == LOCAL:
            self.show_findings(
                found,
                {
                    FIELD_USER: (self.local_user_error, self.local_user),
                    FIELD_PASSWORD: (self.local_password_error, self.local_password),
                },
            )
            account = self._account()
            spec = PackageSpec(info=CHECK_INFO, account=account)
            warning = dict(services.package_warnings(spec)).get("account.password", "")
            self.local_warning.setText("⚠ " + warning if warning else "")

    def _on_token_file_clicked(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, self.tr("Bulk token file"), "", self.tr("All files (*)")
        )
        if path:
            self.load_token(Path(path))

    def load_token(self, path: Path) -> None:
        """Take the token from a file; it goes to the draft, never into a visible field."""
        try:
            text = path.read_text(encoding="utf-8-sig").strip()
        except (OSError, UnicodeDecodeError) as error:
            self.say(self.token_error, self.tr("Cannot read {f}: {e}").format(f=path.name, e=error))
            return
        self.token.clear()
        self._kept_token = Secret(text)
        self._on_input_changed()
        self.say(
            self.token_note,
            self.tr("Token loaded from {f} ({n} characters); it is not shown.").format(
                f=path.name, n=len(text)
            ),
            ok=True,
        )
