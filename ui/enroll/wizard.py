"""The guided enrollment: the Windows 11 OOBE for an organization-owned device, page by page.

Each page reads the shared `Draft` when shown and writes its part back when the technician
goes on; the last page hands the draft to `services.enroll_devices`, the same code path as
batch mode and `joinery enroll`. Enter goes on whenever the page is complete.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QMessageBox, QWidget, QWizard

from app import services
from app.enrollment import DEFAULT_PROFILE
from app.errors import JoineryError
from app.security.roles import Actor, Permission
from app.services import Enrolled, EnrollRequest, EnrollResult
from app.store import Store
from ui.enroll.account_page import AccountPage
from ui.enroll.device_page import DevicePage
from ui.enroll.draft import Draft
from ui.enroll.management_page import ManagementPage
from ui.enroll.name_page import NamePage
from ui.enroll.network_page import NetworkPage
from ui.enroll.privacy_page import PrivacyPage
from ui.enroll.region_page import RegionPage
from ui.enroll.review_page import ReviewPage
from ui.enroll.setup_page import SetupKindPage
from ui.enroll.signin_page import SignInPage
from ui.ops import run_op
from ui.widgets.label_printer import preview_and_print
from ui.widgets.messages import notify

log = logging.getLogger(__name__)


class EnrollWizard(QWizard):
    """Lives inside the Enroll screen; after a commit (or Start over) it begins again."""

    enrolled = Signal(object)  # EnrollResult, once the record and its label have landed

    def __init__(
        self, store: Store, actor: Callable[[], Actor | None], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("enrollWizard")
        self.setWindowFlags(Qt.WindowType.Widget)
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, False)
        self.setButtonText(QWizard.WizardButton.FinishButton, self.tr("&Enroll"))
        self.setButtonText(QWizard.WizardButton.CancelButton, self.tr("Start &over"))
        self.store = store
        self._actor = actor
        self.draft = Draft()
        self.busy = False
        self.last_result: EnrollResult | None = None
        self.device_page = DevicePage()
        self.review = ReviewPage()
        self.pages = (
            self.device_page,
            RegionPage(),
            NetworkPage(),
            NamePage(),
            SetupKindPage(),
            AccountPage(),
            SignInPage(),
            ManagementPage(),
            PrivacyPage(),
            self.review,
        )
        for page in self.pages:
            self.addPage(page)

    # -- what the pages ask of the kiosk ---------------------------------------------------

    def profile_names(self) -> list[str]:
        return [n for n in self.store.profile_names() if n.casefold() != DEFAULT_PROFILE.casefold()]

    def profile_has_wifi_key(self, name: str | None) -> bool:
        if not name or name.casefold() == DEFAULT_PROFILE.casefold():
            return False
        if name.casefold() not in (n.casefold() for n in self.store.profile_names()):
            return False
        return self.store.profile_wifi_key(self.store.profile_canonical_name(name)) is not None

    def policy_names(self) -> list[str]:
        """The compliance policies the tenant has (the management page offers them)."""
        actor = self._actor()
        if actor is None:
            return []
        return [p.display_name for p in services.policies(self.store)]

    def may_manage_profiles(self) -> bool:
        actor = self._actor()
        return actor is not None and actor.may(Permission.MANAGE_PROFILES)

    def save_profile(self, name: str, done: Callable[[str | None], None]) -> None:
        """Save pages 2-9 as a bench profile on the writer thread (a Wi-Fi key is sealed,
        which may unlock the vault); `done(None)` or `done(reason it could not)`."""
        actor = self._actor()
        if actor is None:
            done(self.tr("The kiosk is locked: sign in to go on."))
            return
        answers, key = self.draft.answers, self.draft.wifi_key

        def job(store: Store, _progress: object, _cancelled: object) -> None:
            services.save_profile(store, name, answers, actor=actor, wifi_key=key)

        def failed(error: BaseException) -> None:
            if not isinstance(error, JoineryError):
                log.error("saving a bench profile failed unexpectedly", exc_info=error)
            done(str(error) if isinstance(error, JoineryError) else self.tr("Not saved."))

        run_op(self.store.path, job, on_done=lambda _result: done(None), on_failed=failed)

    # -- commit ----------------------------------------------------------------------------

    def commit(self, *, print_label: bool) -> None:
        actor = self._actor()
        if actor is None or not actor.may(Permission.ENROLL):
            self.review.show_failure(self.tr("Your role cannot enroll devices."))
            return
        draft = self.draft
        request = EnrollRequest(
            draft.serial,
            draft.profile,
            name=draft.device_name,
            user=draft.user,
            update=draft.update,
            answers=draft.answers,
            wifi_key=draft.wifi_key,
            manufacturer=draft.manufacturer or None,
            model=draft.model or None,
        )
        self.busy = True
        self.button(QWizard.WizardButton.FinishButton).setEnabled(False)

        run_op(
            self.store.path,
            lambda store, _p, _c: services.enroll_with_labels(
                store, [request], labels=not print_label, actor=actor
            ),
            on_done=lambda enrolled: self._on_commit_done(enrolled, print_label),
            on_failed=self._on_commit_failed,
        )

    def _on_commit_done(self, enrolled: Enrolled, print_label: bool) -> None:
        (result,) = enrolled.results
        self.busy = False
        self.button(QWizard.WizardButton.FinishButton).setEnabled(True)
        self.last_result = result
        if print_label:
            preview_and_print(self, result.device)
        elif enrolled.label_problems:  # enrolled all the same: only the label needs a hand
            notify(
                self,
                QMessageBox.Icon.Warning,
                self.tr("Label not queued"),
                self.tr("{s} is enrolled, but {p}").format(
                    s=result.device.serial, p="; ".join(enrolled.label_problems)
                ),
            )
        self.enrolled.emit(result)
        self.start_over()

    def _on_commit_failed(self, error: BaseException) -> None:
        self.busy = False
        self.button(QWizard.WizardButton.FinishButton).setEnabled(True)
        if not isinstance(error, JoineryError):
            log.error("enrollment failed unexpectedly", exc_info=error)
        self.review.show_failure(
            str(error)
            if isinstance(error, JoineryError)
            else self.tr("The enrollment stopped on an unexpected error; nothing was saved.")
        )

    def start_over(self) -> None:
        """A fresh draft from the same bench profile, on the device page."""
        profile = self.draft.profile
        self.draft = Draft(profile=profile)
        if profile is not None:
            try:
                self.draft.answers = services.profile(self.store, profile)
            except JoineryError:
                self.draft.profile = None
        self.restart()

    # -- QDialog: an embedded wizard never closes ------------------------------------------

    def done(self, result: int) -> None:
        if result == QWizard.DialogCode.Rejected:
            self.start_over()
            return
        # QWizard validates the last page here; the review page commits and answers False,
        # so the wizard never hides: it starts over itself once the commit has landed.
        super().done(result)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Escape:
            event.accept()  # Escape clears a field, it never throws the whole draft away
            return
        super().keyPressEvent(event)
