"""The Packages screen: every build in the registry, its token countdown, how to revoke it,
the devices it provisioned, and re-opening a package in the bulk wizard."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app import services
from app.domain import PackageBuild
from app.security.roles import Actor, Permission
from app.security.secret import Secret
from app.services import (
    OpenedPackage,
    PackageListing,
    PackageVerdict,
    Store,
    WrongPassword,
)
from app.textsafe import printable
from ui import changes, theme
from ui.changes import Change
from ui.ops import failure_words, run_op
from ui.session import signed_in
from ui.widgets.scrolling import scrolling_body
from ui.words import when

T = TypeVar("T")

COLUMNS = (
    "Name",
    "Version",
    "Owner",
    "Rank",
    "Created",
    "Signer",
    "SHA-256",
    "Token expiry",
    "Devices",
)


STATE_TEXT = {
    "building": "Being built…",
    "unfinished": "Unfinished: interrupted, output removed",
}


def expiry_text(listing: PackageListing) -> str:
    build, left = listing.build, listing.days_left
    if left is None:
        return "No token"
    if left <= 0:
        return f"Expired {build.token_expires}"
    if listing.expiring:
        return f"⚠ {left} days left ({build.token_expires})"
    return f"{left} days left ({build.token_expires})"


class PackagesScreen(QWidget):
    """Emits `open_requested(OpenedPackage)` and `open_file_requested(Path)` for the wizard."""

    open_requested = Signal(object)
    open_file_requested = Signal(object)

    def __init__(
        self, store: Store, actor: Callable[[], Actor | None], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("packagesScreen")
        self.store = store
        self._actor = actor
        self.kdf_bounds = services.KDF_BOUNDS
        self.listings: list[PackageListing] = []
        title = QLabel(self.tr("Packages"))
        title.setObjectName("screenTitle")
        self.model = QStandardItemModel(0, len(COLUMNS), self)
        self.model.setHorizontalHeaderLabels([self.tr(c) for c in COLUMNS])
        self.table = QTableView()
        self.table.setTabKeyNavigation(False)  # Tab leaves the table
        self.table.setObjectName("packageTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.empty = QLabel(
            self.tr("No package built yet: build one under Bulk provisioning (Ctrl+2).")
        )
        self.empty.setObjectName("pageHint")
        self.detail = QLabel()
        self.detail.setObjectName("packageDetail")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.devices = QListWidget()
        self.devices.setObjectName("packageDevices")
        self.open_wizard = QPushButton(self.tr("&Open in wizard"))
        self.open_wizard.setObjectName("openInWizard")
        self.open_xml = QPushButton(self.tr("Open customizations.&xml…"))
        self.open_xml.setObjectName("openCustomizationsXml")
        self.verify = QPushButton(self.tr("&Verify"))
        self.verify.setObjectName("verifyPackage")
        self.verify.setToolTip(self.tr("Check the bundle's signature and that it is the build"))
        self.export = QPushButton(self.tr("Copy to a &stick…"))
        self.export.setObjectName("exportPackage")
        self.export.setToolTip(self.tr("Copy the bundle to a drive and check the copy"))
        self.message = QLabel()
        self.message.setObjectName("fieldError")
        self.message.setWordWrap(True)
        # Messages quote files (a bundle's name, an XML's values): never read as HTML.
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.hide()

        buttons = QHBoxLayout()
        buttons.addWidget(self.open_wizard)
        buttons.addWidget(self.verify)
        buttons.addWidget(self.export)
        buttons.addWidget(self.open_xml)
        buttons.addStretch(1)
        side = QWidget()
        self.side = side
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(8, 0, 0, 0)
        body = scrolling_body(side, side_layout)  # the build's details scroll when short
        body.addWidget(self.detail)
        body.addWidget(QLabel(self.tr("Devices provisioned with it")))
        self.devices.setMinimumHeight(80)
        body.addWidget(self.devices, 1)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.table, 1)
        top_layout.addWidget(self.empty, 0, Qt.AlignmentFlag.AlignTop)
        top_layout.addStretch(0)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(side)
        splitter.setSizes([300, 300])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addWidget(splitter, 1)
        self.table.selectionModel().currentRowChanged.connect(self._on_table_current_changed)
        # Enter on a row, or a double-click: what "Open in wizard" does.
        self.table.activated.connect(self._on_open_wizard_clicked)
        self.open_wizard.clicked.connect(self._on_open_wizard_clicked)
        self.verify.clicked.connect(self._on_verify_clicked)
        self.export.clicked.connect(self._on_export_clicked)
        self.open_xml.clicked.connect(self._on_open_xml_clicked)
        self._wanted: int | None = None  # a build to select once it is listed
        self._checking = False  # a verify or a copy runs on the writer thread
        # Builds from the wizard or the CLI, devices provisioned with them: any write.
        changes.follow(
            self, store.path, Change.PACKAGES | Change.DEVICES, self.refresh, load_when_shown=True
        )
        self.refresh()

    def refresh(self) -> None:
        """Reload the registry (a short list: one row per build)."""
        actor = self._actor()
        if actor is None:
            return  # locked: nothing is read for nobody; shown after sign-in, it loads
        current = self.current()
        self.listings = services.list_packages(self.store, actor=actor)
        self.model.removeRows(0, self.model.rowCount())
        for listing in self.listings:
            self.model.appendRow(self._row(listing))
        self.empty.setVisible(not self.listings)
        self.table.setVisible(bool(self.listings))
        self.side.setVisible(bool(self.listings))  # no package: no details to show
        wanted, self._wanted = self._wanted or current, None
        row = next(
            (i for i, item in enumerate(self.listings) if wanted and item.build.id == wanted),
            0,
        )
        if self.listings:
            self.table.selectRow(row)
        self._show_detail()

    def _row(self, listing: PackageListing) -> list[QStandardItem]:
        build = listing.build
        state = STATE_TEXT.get(build.state)
        texts = (
            build.name,
            build.version,
            {"ITAdmin": "IT Admin"}.get(build.owner, build.owner),
            str(build.rank),
            when(build.created_at),
            (build.signer_key_id or "")[:16] or ("—" if state else self.tr("unsigned")),
            self.tr(state) if state else build.sha256[:12] + "…",
            expiry_text(listing),
            listing.devices_text,
        )
        # Names come from customizations.xml files: shown with control characters escaped.
        items = [QStandardItem(printable(text)) for text in texts]
        items[5].setToolTip(build.signer_key_id or "")
        items[6].setToolTip(build.sha256)
        if state:
            # A build that did not finish reads as one at a glance: muted, marked, and not
            # something to open or hand out.
            for item in items:
                item.setForeground(QBrush(theme.colour("muted")))
            items[6].setForeground(QBrush(theme.colour("warning")))
            items[6].setData(build.state, Qt.ItemDataRole.UserRole)
            return items
        if listing.device_limit is not None:
            items[8].setToolTip(
                self.tr(
                    "Devices provisioned with this package, of the {n} one bulk token may join "
                    "(the tenant's Entra 'Maximum number of devices' per user)"
                ).format(n=listing.device_limit)
            )
        if listing.at_device_limit:
            items[8].setForeground(QBrush(theme.colour("error")))
        if listing.expired or listing.expiring:
            # Theme colours, so the warning reads on the dark palette too.
            items[7].setForeground(QBrush(theme.colour("error" if listing.expired else "warning")))
            items[7].setData("expired" if listing.expired else "warning", Qt.ItemDataRole.UserRole)
        return items

    def current(self) -> int | None:
        build = self._chosen()
        return build.id if build is not None else None

    def select(self, build_id: int) -> None:
        """Select a build: now if it is listed, else once the list has it (a build just made
        is listed when the screen next refreshes)."""
        for row, listing in enumerate(self.listings):
            if listing.build.id == build_id:
                self.table.selectRow(row)
                return
        self._wanted = build_id

    def _on_table_current_changed(self, _current: QModelIndex, _previous: QModelIndex) -> None:
        if not self._checking:
            self.message.hide()  # what was said was of the build chosen before
        self._show_detail()

    def _show_detail(self) -> None:
        self.devices.clear()
        listing = self._listing()
        chosen = listing.build if listing is not None else None
        self.open_wizard.setEnabled(chosen is not None and chosen.built)
        bundle = chosen is not None and chosen.built and chosen.form == "bundle"
        actor = self._actor()
        may_copy = actor is not None and actor.may(Permission.BUILD_PACKAGE)
        self.verify.setEnabled(bundle and not self._checking)  # one check at a time
        self.export.setEnabled(bundle and may_copy and not self._checking)
        if listing is None:
            self.detail.setText("")
            return
        build = listing.build
        if not build.built:
            self._show_unfinished(build)
            return
        lines = [
            f"<b>{_html(build.name)} {_html(build.version)}</b> · {{{build.package_id}}}",
            self.tr("Built {t} by {w} · {f}{e}").format(
                t=build.created_at,
                w=_html(build.created_by),
                f=build.form,
                e=self.tr(", encrypted") if build.encrypted else "",
            ),
            self.tr("Output: {p}").format(p=_html(build.output)),
            self.tr("SHA-256: <tt>{h}</tt>").format(h=build.sha256),
            self.tr("<b>Revoke</b>"),
        ]
        steps = services.revoke_steps(build)
        lines += [f"{n}. {_html(step)}" for n, step in enumerate(steps, start=1)]
        self.detail.setText("<br>".join(lines))
        actor = self._actor()
        provisioned = (
            services.devices_of_package(self.store, build.id, actor=actor) if actor else []
        )
        for device in provisioned:
            self.devices.addItem(f"{device.serial}  {device.device_name or ''}".rstrip())
        if not build.devices:
            self.devices.addItem(self.tr("None recorded yet."))

    def _show_unfinished(self, build: PackageBuild) -> None:
        started = self.tr("Started {t} by {w}.").format(
            t=build.created_at, w=_html(printable(build.created_by))
        )
        if build.state == "building":
            state = self.tr(
                "<b>Being built</b> by another window or command, or interrupted just now: "
                "the next build or start of the kiosk tells which."
            )
        else:
            state = self.tr(
                "<b>Unfinished.</b> The build was interrupted (the kiosk or the command "
                "stopped while writing it). Its partial output was removed; nothing of it "
                "can be opened or handed out. Build the package again as a new version."
            )
        lines = [
            f"<b>{_html(printable(build.name))} {_html(printable(build.version))}</b>",
            started,
            state,
            self.tr("Output that was being written: {p}").format(p=_html(printable(build.output))),
        ]
        self.detail.setText("<br>".join(lines))
        self.devices.addItem(self.tr("None: the build did not finish."))

    # -- re-opening --------------------------------------------------------------------------

    def _on_open_wizard_clicked(self) -> None:
        build = self._chosen()
        if build is None:
            return
        if not build.built:
            self._say(self.tr("This build did not finish: there is nothing to open."))
            return
        actor = self._actor()
        if actor is None or not actor.may(Permission.BUILD_PACKAGE):
            self._say(self.tr("Your role cannot edit provisioning packages."))
            return
        password = None
        if build.encrypted:
            text, ok = QInputDialog.getText(
                self,
                self.tr("Open {n} {v}").format(n=build.name, v=build.version),
                self.tr("The package's password:"),
                QLineEdit.EchoMode.Password,
            )
            if not ok:
                return
            password = Secret(text)
        self.open_build(build.id, password)

    def open_build(self, build_id: int, password: Secret | None) -> None:
        """Unpack (off the GUI thread: the password's key derivation is slow) and hand over."""
        actor, bounds = self._actor(), self.kdf_bounds
        self.open_wizard.setEnabled(False)

        def job(store: Store, _progress: object, _cancelled: object) -> OpenedPackage:
            return services.open_package(
                store, build_id, password=password, actor=signed_in(actor), kdf_bounds=bounds
            )

        run_op(self.store.path, job, on_done=self._on_open_done, on_failed=self._on_open_failed)

    def _on_open_done(self, opened: OpenedPackage) -> None:
        self.open_wizard.setEnabled(True)
        self.message.hide()
        self.open_requested.emit(opened)

    def _on_open_failed(self, error: BaseException) -> None:
        self.open_wizard.setEnabled(True)
        # Back on the button it left while the bundle unpacked (focus had moved on to the
        # next button, so Enter to try again opened a file dialog).
        self.open_wizard.setFocus()
        unexpected = self.tr("The package could not be opened (an unexpected error; see the log).")
        words = failure_words(error, "re-opening a package", unexpected)
        if isinstance(error, WrongPassword):
            words += " " + self.tr("Press Enter to type it again.")
        self._say(words)

    def _on_open_xml_clicked(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, self.tr("Open customizations.xml"), "", self.tr("WCD project (*.xml)")
        )
        if path:
            self.open_file_requested.emit(Path(path))

    def focus_current(self) -> None:
        """Ctrl+5: the list of builds, to pick one with the arrows (the first button when
        there is none)."""
        if self.listings:
            self.table.setFocus()
            if not self.table.currentIndex().isValid():
                self.table.selectRow(0)
        else:
            self.open_xml.setFocus()

    # -- verify and copy ---------------------------------------------------------------------

    def _listing(self) -> PackageListing | None:
        """The build the table's current row shows, with its countdown."""
        row = self.table.currentIndex().row()
        return self.listings[row] if 0 <= row < len(self.listings) else None

    def _chosen(self) -> PackageBuild | None:
        listing = self._listing()
        return listing.build if listing is not None else None

    def _on_verify_clicked(self) -> None:
        """The bundle against its registry row: signature, signer, SHA-256 (no password:
        the contents stay sealed); audited, as `package verify`."""
        build, actor = self._chosen(), self._actor()
        if build is None or actor is None:
            return

        def job(store: Store, _progress: object, _cancelled: object) -> PackageVerdict:
            return services.verify_build(store, build.id, actor=actor)

        def said(verdict: PackageVerdict) -> str:
            return self.tr(
                "{f}: the signature is valid, by {k}, the key it was built with, and the file "
                "is the one built (SHA-256 {d}…)."
            ).format(f=verdict.path.name, k=verdict.header.key_id, d=verdict.sha256[:12])

        self._check(job, said, "verifying a package")

    def _on_export_clicked(self) -> None:
        build, actor = self._chosen(), self._actor()
        if build is None or actor is None:
            return
        folder = QFileDialog.getExistingDirectory(
            self, self.tr("Copy {n} {v} to").format(n=build.name, v=build.version)
        )
        if not folder:
            return

        def job(store: Store, _progress: object, _cancelled: object) -> Path:
            return services.export_package(store, build.id, Path(folder), actor=actor)

        def said(copied: Path) -> str:
            return self.tr(
                "Copied to {p}, flushed to the drive; the copy's SHA-256 is the build's."
            ).format(p=copied)

        self._check(job, said, "copying a package")

    def _check(self, job: Callable[..., T], said: Callable[[T], str], what: str) -> None:
        """Run a check of the chosen build on the writer thread (it writes its audit entry);
        the words are made here, on the GUI thread, once it answers."""
        self._checking = True
        self.message.hide()
        self._show_detail()
        run_op(
            self.store.path,
            job,
            on_done=lambda answer: self._on_checked(said(answer)),
            on_failed=lambda error: self._on_check_failed(error, what),
            changes_made=Change.AUDIT,
            owner=self,
        )

    def _on_checked(self, words: str) -> None:
        self._checking = False
        self._show_detail()  # the buttons as the chosen build allows
        self.message.setText(printable(words))
        self.message.setProperty("state", "ok")
        self.message.style().polish(self.message)
        self.message.show()

    def _on_check_failed(self, error: BaseException, what: str) -> None:
        self._checking = False
        self._show_detail()
        unexpected = self.tr("It stopped on an unexpected error; see the log.")
        self._say(failure_words(error, what, unexpected))

    def _say(self, text: str) -> None:
        self.message.setText("\n".join(printable(line) for line in text.split("\n")))
        self.message.setProperty("state", "error")
        self.message.style().polish(self.message)
        self.message.show()


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
