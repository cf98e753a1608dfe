"""The bulk-provisioning wizard: WCD's "Provision desktop devices" flow, page by page.

Pages share a `BulkDraft`; the summary page hands it to `services.build_and_record` on the
writer thread (the same use case as the command line), which builds with the core and
records the build and its audit entry at once. A package re-opened from the registry or a
customizations.xml fills the pages; what Joinery does not show is kept by the core.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from app import services
from app.domain import PackageBuild
from app.errors import Cancelled, JoineryError
from app.provisioning.model import bump_version
from app.security.roles import Actor, Permission
from app.services import OpenedPackage, Store
from ui.bulk.account_page import AccountPage
from ui.bulk.apps_page import AppsPage
from ui.bulk.certs_page import CertificatesPage
from ui.bulk.device_page import DevicePage
from ui.bulk.draft import BulkDraft
from ui.bulk.finish_page import FinishPage
from ui.bulk.network_page import NetworkPage
from ui.bulk.summary_page import SummaryPage
from ui.ops import Operation, failure_words, run_op
from ui.widgets.wizard_shell import Button, WizardShell

#: WCD's "Provision desktop devices" rail, in its words.
SECTIONS = (
    "Set up device",
    "Set up network",
    "Account management",
    "Add applications",
    "Add certificates",
    "Finish",
)


class BulkWizard(WizardShell):
    """Lives inside the Bulk provisioning screen; Start over begins a new package."""

    built = Signal(object)  # PackageBuild, once the package and its registry row landed

    def __init__(
        self, store: Store, actor: Callable[[], Actor | None], parent: QWidget | None = None
    ) -> None:
        super().__init__(SECTIONS, parent)
        self.setObjectName("bulkWizard")
        self.set_finish_text(self.tr("Build"))
        self.store = store
        self._actor = actor
        self.draft = BulkDraft()
        self.busy = False
        #: Argon2id cost of new bundles and what a re-open accepts (tests make them cheap).
        self.kdf_cost = services.KDF_COST
        self.kdf_bounds = services.KDF_BOUNDS
        self._operation: Operation | None = None
        self.device_page = DevicePage()
        self.network_page = NetworkPage()
        self.account_page = AccountPage()
        self.apps_page = AppsPage()
        self.certs_page = CertificatesPage()
        self.finish_page = FinishPage()
        self.summary_page = SummaryPage()
        self.pages = (
            self.device_page,
            self.network_page,
            self.account_page,
            self.apps_page,
            self.certs_page,
            self.finish_page,
            self.summary_page,
        )
        for page in self.pages:
            self.addPage(page)
        self.restart()

    # -- what the pages ask of the kiosk ---------------------------------------------------

    def next_version(self, name: str) -> str:
        actor = self._actor()
        version = "1.0"
        if name and actor is not None:
            version = services.next_version(self.store, name, actor=actor)
        opened = self.draft.opened
        if opened is not None and name.casefold() == opened.spec.info.name.casefold():
            bumped = bump_version(opened.spec.info.version)
            version = max(version, bumped, key=lambda v: tuple(int(p) for p in v.split(".")))
        return version

    def was_built(self, name: str, version: str) -> bool:
        return self.store.package_build_by_version(name, version) is not None

    def kept_secrets(self) -> bool:
        return self.draft.kept is not None and bool(services.kept_secrets(self.draft.kept))

    def kept_count(self) -> int:
        opened = self.draft.opened
        return services.kept_settings(opened.kept) if opened is not None else 0

    def key_problem(self, path: str, *, required: bool) -> str | None:
        if not path:
            return (
                self.tr("A package holding secrets must be signed: choose a key or make one.")
                if required
                else None
            )
        try:
            services.load_signing_key(Path(path))
        except JoineryError as error:
            return str(error)
        return None

    def new_signing_key(self) -> tuple[Path, Path] | str:
        folder = services.data_dir() / "signing-keys" / uuid.uuid4().hex[:8]
        try:
            return services.new_signing_key(folder)
        except (JoineryError, OSError) as error:
            return str(error)

    def default_output(self) -> Path:
        return services.data_dir() / "packages"

    # -- build ------------------------------------------------------------------------------

    def build(self) -> None:
        actor = self._actor()
        page = self.summary_page
        if actor is None or not actor.may(Permission.BUILD_PACKAGE):
            page.show_failure(self.tr("Your role cannot build provisioning packages."))
            return
        draft = self.draft
        spec = draft.spec()
        try:
            key = services.load_signing_key(Path(draft.signing_key)) if draft.signing_key else None
        except JoineryError as error:
            page.show_failure(str(error))
            return
        out_dir = Path(draft.out_dir)
        kept, base_dir = draft.kept, draft.base_dir
        cost, bounds = self.kdf_cost, self.kdf_bounds

        def job(store: Store, progress: Callable[[int, int], None], cancelled: object) -> object:
            return services.build_and_record(
                store,
                spec,
                out_dir,
                key,
                kept=kept,
                base_dir=base_dir,
                actor=actor,
                progress=progress,
                cancelled=cancelled,  # type: ignore[arg-type]
                kdf_cost=cost,
                kdf_bounds=bounds,
            )

        self._set_busy(True)
        self._operation = run_op(
            self.store.path,
            job,
            on_done=self._on_build_done,
            on_failed=self._on_build_failed,
            on_progress=page.show_progress,
        )

    def cancel_build(self) -> None:
        if self._operation is not None:
            self._operation.cancel()

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.summary_page.show_running(busy)
        for which in (Button.NEXT, Button.BACK, Button.START_OVER):
            self.button(which).setEnabled(not busy)
        if not busy:
            self._update_buttons()

    def _on_build_done(self, build: PackageBuild) -> None:
        self.finish_page.forget_clipboard()
        self._operation = None
        self._set_busy(False)
        self.draft.info = replace(self.draft.info, password=None)
        self.summary_page.show_result(build, services.revoke_steps(build))
        self.button(Button.NEXT).setEnabled(False)
        self.discard_opened()
        self.built.emit(build)

    def _on_build_failed(self, error: BaseException) -> None:
        self._operation = None
        self._set_busy(False)
        if isinstance(error, Cancelled):
            self.summary_page.show_failure(self.tr("Build cancelled; nothing was kept."))
        else:
            unexpected = self.tr("The build stopped on an unexpected error; nothing was recorded.")
            self.summary_page.show_failure(failure_words(error, "package build", unexpected))

    # -- re-opening --------------------------------------------------------------------------

    def load(self, opened: OpenedPackage) -> None:
        """Fill the pages from a re-opened package; the next build gets the next version."""
        self.discard_opened()
        self.draft = BulkDraft.from_opened(opened)
        version = self.next_version(opened.spec.info.name)
        self.draft.info = replace(self.draft.info, version=version, password=None)
        self.restart()

    def has_answers(self) -> bool:
        """Past the first page, a package opened, or the first page typed into."""
        if self.busy:
            return False
        return self.currentId() > 0 or self.draft.opened is not None or self.device_page.edited()

    def start_over(self) -> None:
        if self.busy:
            return
        self.finish_page.forget_clipboard()
        self.discard_opened()
        self.draft = BulkDraft()
        self.restart()

    def discard_opened(self) -> None:
        """Delete an unpacked bundle's private folder (its secrets are in plain text)."""
        if self.draft.opened is not None:
            self.draft.opened.discard()
