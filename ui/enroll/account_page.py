"""Page 6: the user's organizational account, or no user (Autopilot without a user)."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QCheckBox, QLineEdit, QVBoxLayout, QWidget

from app import services
from ui.enroll.name_page import SECTION
from ui.enroll.page_base import EnrollPage

FIELD_USER = "user"


class AccountPage(EnrollPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("accountPage")
        self.set_section(SECTION)
        self.setTitle(self.tr("Let's set things up for your work or school"))
        self.setSubTitle(
            self.tr("The user who will sign in first, with their organizational account.")
        )
        self.user = QLineEdit()
        self.user.setObjectName("userUpn")
        self.user.setPlaceholderText(self.tr("someone@contoso.com"))
        self.user_error = self.error_label(FIELD_USER)
        self.no_user = QCheckBox(
            self.tr("&No user: Windows Autopilot self-deploying or pre-provisioned")
        )
        self.no_user.setObjectName("noUser")
        self.limits = self.hint("")
        layout = QVBoxLayout(self)
        layout.addLayout(self.stacked(self.tr("&Email or user name"), self.user, self.user_error))
        layout.addWidget(self.no_user)
        layout.addSpacing(8)
        layout.addWidget(self.limits)
        layout.addStretch(1)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(200)
        self._timer.timeout.connect(self._check)
        self.user.textChanged.connect(self._on_input_changed)
        self.user.returnPressed.connect(self._on_user_return_pressed)  # before the shell's
        self.no_user.toggled.connect(self._on_no_user_toggled)
        self._problem: str | None = None
        self._domains: tuple[str, ...] = ()

    def initializePage(self) -> None:  # noqa: N802
        draft = self.draft
        existing = draft.existing
        self.user.setText(draft.user or (existing.assigned_user or "" if existing else ""))
        self.no_user.setChecked(draft.answers.no_user)
        wizard = self.enroll_wizard()
        actor = wizard._actor()
        domains = services.tenant_domains(wizard.store, actor=actor) if actor else ()
        self._domains = tuple(domains)
        limit = services.devices_per_user(wizard.store, actor=actor) if actor else 0
        hint = wizard.no_domain_hint()
        self.limits.setText(
            hint
            or self.tr(
                "Verified domains: {d}. At most {n} devices per user. Personal Microsoft "
                "accounts (outlook.com, gmail.com, …) cannot join a work device."
            ).format(d=", ".join(domains), n=limit)
        )
        self._check()

    def first_field(self) -> QWidget:
        return self.no_user if self.no_user.isChecked() else self.user

    def isComplete(self) -> bool:  # noqa: N802
        return self._problem is None

    def validatePage(self) -> bool:  # noqa: N802
        self._check()
        if self._problem is not None:
            return False
        no_user = self.no_user.isChecked()
        self.draft.user = None if no_user else self._upn()
        self.draft.answers = replace(self.draft.answers, no_user=no_user)
        return True

    def _on_input_changed(self) -> None:
        """Typing: Next follows at once; the reason shows after a pause (or on Enter)."""
        self._problem = self._problem_now()
        self._timer.start()
        self.completeChanged.emit()

    def _on_user_return_pressed(self) -> None:
        """Enter on a bare user name puts the tenant's one domain after it (in the field too:
        Back shows what was recorded)."""
        if (upn := self._upn()) != self.user.text().strip():
            self.user.setText(upn)
        self._check()

    def _upn(self) -> str:
        """What was typed; a bare user name ("adele") with the tenant's domain when it has
        only one (OOBE's work-or-school sign-in wants the whole account)."""
        typed = self.user.text().strip()
        if typed and "@" not in typed and len(self._domains) == 1:
            return f"{typed}@{self._domains[0]}"
        return typed

    def _on_no_user_toggled(self, no_user: bool) -> None:
        self.user.setEnabled(not no_user)
        self._check()

    def _problem_now(self) -> str | None:
        upn = self._upn()
        if self.no_user.isChecked():
            return None
        if not upn:
            return self.tr("Type the user's account, or tick “No user”.")
        if "@" not in upn and self._domains:
            return self.tr("Add the domain: {u}@{d}, for example.").format(
                u=upn, d=self._domains[0]
            )
        existing = self.draft.existing
        if existing is not None and (existing.assigned_user or "").lower() == upn.lower():
            return None  # already theirs: this device is not one more for them
        wizard = self.enroll_wizard()
        actor = wizard._actor()
        if actor is None:
            return self.tr("The kiosk is locked: sign in to check the user.")
        return services.user_problem(wizard.store, upn, actor=actor)

    def _check(self) -> None:
        self._timer.stop()
        upn = self.user.text().strip()
        self._problem = self._problem_now()
        completed = self._upn()
        if self._problem is None and completed != upn and not self.no_user.isChecked():
            self.say(self.user_error, self.tr("Signs in as {u}.").format(u=completed), ok=True)
        else:
            self.say(self.user_error, self._problem if upn or self.no_user.isChecked() else None)
        self.mark(self.user, bool(self._problem and upn))
        self.completeChanged.emit()
