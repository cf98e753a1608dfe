"""Page 6: the user's organizational account, or no user (Autopilot without a user)."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QCheckBox, QFormLayout, QLineEdit, QVBoxLayout, QWidget

from app import services, settings
from ui.enroll.page_base import EnrollPage

FIELD_USER = "user"


class AccountPage(EnrollPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("accountPage")
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
        form = QFormLayout()
        form.addRow(self.tr("&Email or user name"), self.user)
        form.addRow("", self.user_error)
        form.addRow("", self.no_user)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.limits)
        layout.addStretch(1)
        self.registerField(FIELD_USER, self.user)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(200)
        self._timer.timeout.connect(self._check)
        self.user.textChanged.connect(self._on_input_changed)
        self.user.returnPressed.connect(self._check)  # before Enter reaches the Next button
        self.no_user.toggled.connect(self._on_input_changed)
        self._problem: str | None = None

    def initializePage(self) -> None:  # noqa: N802
        draft = self.draft
        existing = draft.existing
        self.user.setText(draft.user or (existing.assigned_user or "" if existing else ""))
        self.no_user.setChecked(draft.answers.no_user)
        store = self.enroll_wizard().store
        domains = settings.domains(store)
        limit = settings.get(store, "max_devices_per_user")
        self.limits.setText(
            self.tr(
                "Verified domains: {d}. At most {n} devices per user. Personal Microsoft "
                "accounts (outlook.com, gmail.com, …) cannot join a work device."
            ).format(d=", ".join(domains) or self.tr("none set (an admin sets them)"), n=limit)
        )
        self._check()
        self.user.setFocus()

    def isComplete(self) -> bool:  # noqa: N802
        return self._problem is None and not self._timer.isActive()

    def validatePage(self) -> bool:  # noqa: N802
        self._check()
        if self._problem is not None:
            return False
        no_user = self.no_user.isChecked()
        self.draft.user = None if no_user else self.user.text().strip()
        self.draft.answers = replace(self.draft.answers, no_user=no_user)
        return True

    def _on_input_changed(self) -> None:
        self.user.setEnabled(not self.no_user.isChecked())
        self._timer.start()
        self.completeChanged.emit()

    def _check(self) -> None:
        self._timer.stop()
        upn = self.user.text().strip()
        if self.no_user.isChecked():
            self._problem = None
        elif not upn:
            self._problem = self.tr("Type the user's account, or tick “No user”.")
        else:
            store = self.enroll_wizard().store
            existing = self.draft.existing
            if existing is not None and (existing.assigned_user or "").lower() == upn.lower():
                self._problem = None  # already theirs: this device is not one more for them
            else:
                self._problem = services.user_problem(store, upn)
        self.say(self.user_error, self._problem if upn or self.no_user.isChecked() else None)
        self.mark(self.user, bool(self._problem and upn))
        self.completeChanged.emit()
