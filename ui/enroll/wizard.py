"""The guided enrollment: the Windows 11 OOBE for an organization-owned device, page by page.

Each page reads the shared `Draft` when shown and writes its part back when the technician
goes on; the last page hands the draft to `services.enroll_with_labels`, the same code path as
batch mode and `joinery enroll`. Enter goes on whenever the page is complete. After a commit
the wizard starts again on the serial field, with what was done said above the buttons.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from app import services
from app.domain import Device
from app.enrollment import DEFAULT_PROFILE
from app.errors import JoineryError
from app.security.roles import Actor, Permission
from app.services import Enrolled, EnrollRequest, Store
from ui.enroll.account_page import AccountPage
from ui.enroll.device_page import DevicePage
from ui.enroll.draft import Draft
from ui.enroll.keyboard_page import KeyboardPage, SecondKeyboardPage
from ui.enroll.management_page import ManagementPage
from ui.enroll.name_page import NamePage
from ui.enroll.network_page import NetworkPage
from ui.enroll.privacy_page import PrivacyPage
from ui.enroll.region_page import RegionPage
from ui.enroll.review_page import ReviewPage
from ui.enroll.setup_page import SetupKindPage
from ui.enroll.signin_page import SignInPage
from ui.ops import failure_words, run_op
from ui.session import signed_in
from ui.settings.hints import no_domain_hint
from ui.widgets import label_printer
from ui.widgets.device_files_dialog import open_device_files
from ui.widgets.vault_prompt import ensure_vault_open
from ui.widgets.wizard_shell import Button, WizardShell

#: The rail above the pages, as the OOBE groups its pages.
SECTIONS = ("Device", "Region", "Network", "Account", "Services", "Review")


class EnrollWizard(WizardShell):
    """Lives inside the Enroll screen; after a commit (or Start over) it begins again."""

    enrolled = Signal(object)  # EnrollResult, once the record and its label have landed

    def __init__(
        self, store: Store, actor: Callable[[], Actor | None], parent: QWidget | None = None
    ) -> None:
        super().__init__(SECTIONS, parent)
        self.setObjectName("enrollWizard")
        self.set_finish_text(self.tr("Enroll"))
        self.store = store
        self._actor = actor
        self.draft = Draft()
        self.busy = False
        self.device_page = DevicePage()
        self.review = ReviewPage()
        self.pages = (
            self.device_page,
            RegionPage(),
            KeyboardPage(),
            SecondKeyboardPage(),
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
        self.restart()

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
        return [p.display_name for p in services.policies(self.store, actor=actor)]

    def open_vault_then(self, reason: str, go_on: Callable[[], None]) -> bool:
        """Make sure the secrets vault can open before a typed secret is carried further:
        True when it can now (a keyring, or the passphrase was given this session); else
        an admin is asked for its passphrase and `go_on` runs once it was right."""
        actor = self._actor()
        if actor is None:
            return False
        return ensure_vault_open(self, self.store, actor, on_open=go_on, reason=reason)

    def no_domain_hint(self) -> str | None:
        """What to do when no verified domain is set (no user can be checked until then)."""
        return no_domain_hint(self.store, self._actor())

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
            done(failure_words(error, "Saving a bench profile", self.tr("Not saved.")))

        run_op(self.store.path, job, owner=self, on_done=lambda _r: done(None), on_failed=failed)

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
        self._set_busy(True)
        run_op(
            self.store.path,
            lambda store, _p, _c: services.enroll_with_labels(
                store, [request], labels=not print_label, actor=actor
            ),
            owner=self,
            on_done=lambda enrolled: self._on_commit_done(enrolled, print_label),
            on_failed=self._on_commit_failed,
        )

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        for which in (Button.NEXT, Button.BACK, Button.START_OVER):
            self.button(which).setEnabled(not busy)
        if not busy:
            self._update_buttons()

    def _on_commit_done(self, enrolled: Enrolled, print_label: bool) -> None:
        (result,) = enrolled.results
        write_files = self.review.write_files.isChecked()
        self._set_busy(False)
        self.enrolled.emit(result)
        self.start_over()
        if write_files:
            self.write_device_files(result.device.serial)
        device = result.device
        done = self.tr("{s} is enrolled as {n}: prepared at the bench.").format(
            s=device.serial, n=device.device_name or "—"
        )
        if result.warnings:  # enrolled all the same: what still needs a hand comes first
            done += " " + " ".join(result.warnings)
        if print_label:
            self.show_banner(done + " " + self.tr("The label's print preview is open."))
            label_printer.print_label(
                self,
                device,
                on_printed=lambda: self._on_label_printed(device, done),
                on_cancelled=lambda: self._queue_instead(device, done),
            )
        elif enrolled.label_problems:  # enrolled all the same: only the label needs a hand
            self.show_banner(done + " " + "; ".join(enrolled.label_problems), "error")
        else:
            where = ", ".join(str(path) for path in enrolled.label_files.values())
            self.show_banner(
                done + " " + self.tr("Label queued: {p}. Scan the next device.").format(p=where),
                "warning" if result.warnings else "ok",
            )

    def write_device_files(self, serial: str) -> None:
        """The device is enrolled: write what it applies at its setup (the dialog asks where);
        the keyboard comes back to the serial field when the dialog closes."""
        actor = self._actor()
        if actor is None:
            return
        open_device_files(self, self.store.path, [serial], actor, on_closed=self.focus_page)

    def _on_label_printed(self, device: Device, done: str) -> None:
        actor = self._actor()
        if actor is None:
            return

        def failed(error: BaseException) -> None:
            self.show_banner(
                done + " " + self.tr("The label printed but was not recorded: {e}").format(e=error),
                "error",
            )

        run_op(
            self.store.path,
            lambda store, _p, _c: services.record_label_print(store, device, actor),
            owner=self,
            on_done=lambda _r: self.show_banner(
                done + " " + self.tr("Label sent to the printer. Scan the next device.")
            ),
            on_failed=failed,
        )

    def _queue_instead(self, device: Device, done: str) -> None:
        """The preview was closed without printing: the device must not end with no label."""
        actor = self._actor()
        if actor is None:
            return

        def queued(problem: str | None) -> None:
            if problem:
                self.show_banner(done + " " + problem, "error")
            else:
                self.show_banner(
                    done
                    + " "
                    + self.tr("Not printed, so its label was queued instead. Scan the next device.")
                )

        run_op(
            self.store.path,
            lambda store, _p, _c: services.queue_label_after_enroll(
                store, device.serial, actor=actor
            ),
            owner=self,
            on_done=queued,
            on_failed=lambda error: self.show_banner(done + " " + str(error), "error"),
        )

    def _on_commit_failed(self, error: BaseException) -> None:
        self._set_busy(False)
        words = self.tr("The enrollment stopped on an unexpected error; nothing was saved.")
        self.review.show_failure(failure_words(error, "Enrollment", words))

    # -- starting again ----------------------------------------------------------------------

    def has_answers(self) -> bool:
        return self.currentId() > 0 and not self.busy

    def start_over(self) -> None:
        """A fresh draft from the same bench profile, on the serial field."""
        if self.busy:
            return
        profile = self.draft.profile
        self.draft = Draft(profile=profile)
        if profile is not None:
            try:
                actor = signed_in(self._actor())
                self.draft.answers = services.profile(self.store, profile, actor=actor)
            except JoineryError:
                self.draft.profile = None
        self.show_banner(None)
        self.restart()
