"""The kiosk window: sign-in first; then navigation on the left, one screen on the right."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, cast

from PySide6.QtCore import QSize, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QGuiApplication,
    QKeyEvent,
    QKeySequence,
    QShortcut,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from app import services
from app.security.roles import Actor
from ui import changes
from ui.changes import Change
from ui.navigation import SCREENS, TITLES, shortcut
from ui.ops import run_op, wait_for_reader, wait_for_writer
from ui.session import Session
from ui.signin import SignInScreen
from ui.tenant import words as tenant_words
from ui.tenant.sender import TenantSender
from ui.widgets.focus import focus_first
from ui.widgets.state import set_state

if TYPE_CHECKING:  # the screens' modules load when a screen is first shown (`screen_for`)
    from app.domain import PackageBuild
    from app.services import OpenedPackage
    from ui.audit.screen import AuditScreen
    from ui.bulk.screen import BulkScreen
    from ui.devices.screen import DevicesScreen
    from ui.enroll.screen import EnrollScreen
    from ui.fleet.screen import FleetScreen
    from ui.packages.screen import PackagesScreen
    from ui.settings.screen import SettingsScreen
    from ui.tenant.screen import TenantScreen

log = logging.getLogger(__name__)

__all__ = ["SCREENS", "MainWindow"]

#: Screens whose widgets follow the signed-in operator's role (`apply_actor`).
_ACTOR_SCREENS = ("devices", "audit", "settings", "tenant")


class _FollowsActor(Protocol):
    def apply_actor(self, actor: Actor) -> None: ...


#: The kiosk's designed size and the smallest it is laid out for.
DESIGNED, MINIMUM = QSize(1366, 768), QSize(1024, 640)
#: What a window manager's title bar and frame take beyond the window's own size (about).
FRAME_ROOM = QSize(16, 48)


def _free_area() -> QSize | None:
    """The primary screen's area less its task bars; None before there is a screen."""
    if not QGuiApplication.screens():
        return None
    return QGuiApplication.primaryScreen().availableGeometry().size()


def fits_screen() -> bool:
    """Whether the designed size, framed, fits the screen's free area."""
    free = _free_area()
    framed = DESIGNED + FRAME_ROOM
    return free is None or (framed.width() <= free.width() and framed.height() <= free.height())


def _first_size() -> QSize:
    """1366x768, or the screen's free area when it is smaller (a 1024x640 bench screen
    showed a window running off its edge: As of, Today and the exports out of reach)."""
    free = _free_area()
    return DESIGNED if free is None else DESIGNED.boundedTo(free).expandedTo(MINIMUM)


class MainWindow(QMainWindow):
    """Nothing but the sign-in screen shows until an operator signs in.

    The other screens are built (and their modules imported) when first shown:
    `screen_for`; `screen_built(key)` says when.
    """

    screen_built = Signal(str)

    def __init__(
        self,
        db_path: str,
        *,
        demo: bool = False,
        idle_ms: int | None = None,
        sign_in_hint: str = "",
    ) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        title = "Joinery" + (" — demo fleet" if demo else "")
        self.setWindowTitle(f"{title} — {Path(db_path).name}")
        self.setMinimumSize(MINIMUM)
        self.resize(_first_size())
        self.db_path = db_path
        self.store = services.open_store(db_path)  # GUI-thread reads and sign-ins: small and fast
        self._idle_ms = idle_ms  # fixed by the caller (tests), else the setting
        self._synced_once = False
        self._focus_at_lock: QWidget | None = None  # where the keyboard was at the lock
        self.session = Session(self._idle_setting_ms(None), self)
        self.session.locked.connect(self._on_session_locked)
        self.session.unlocked.connect(self._on_session_unlocked)
        # Syncs while locked too, as the operator who signed in last (nobody before that).
        self.tenant_sender = TenantSender(db_path, self.store, lambda: self.session.actor, self)

        self.sign_in = SignInScreen(self.store, hint=sign_in_hint)
        self.sign_in.signed_in.connect(self.session.sign_in)
        self.shell = self._build_shell()
        self.outer = QStackedWidget()
        self.outer.addWidget(self.sign_in)
        self.outer.addWidget(self.shell)
        self.setCentralWidget(self.outer)
        self.database_label = QLabel(self._database_words(db_path))
        self.database_label.setObjectName("databaseLabel")
        self.database_label.setToolTip(str(Path(db_path).resolve()))
        self.statusBar().addWidget(self.database_label)
        QShortcut(QKeySequence("Ctrl+L"), self, self.lock)

    def _database_words(self, db_path: str) -> str:
        """Which database, without the machine's path (it is in the tooltip): the data
        folder is where the kiosk keeps it unless told otherwise."""
        path = Path(db_path).resolve()
        if path.parent == services.data_dir().resolve():
            return self.tr("Database: {n} in Joinery's data folder").format(n=path.name)
        return self.tr("Database: {n} in {f}").format(n=path.name, f=path.parent.name)

    def _build_shell(self) -> QWidget:
        self.navigation = QListWidget()
        self.navigation.setObjectName("navigation")
        self.navigation.setFixedWidth(200)
        self.stack = QStackedWidget()  # the screens built so far: each on its first showing
        self.screens: dict[str, QWidget] = {}
        for key in SCREENS:
            self.navigation.addItem(self.tr(TITLES[key]))
            QShortcut(QKeySequence(shortcut(key)), self, lambda k=key: self.show_screen(k))
        self.navigation.currentRowChanged.connect(self._on_navigation_row_changed)

        brand = QLabel("Joinery")
        brand.setObjectName("brand")
        self.badge = QLabel()
        self.badge.setObjectName("operatorBadge")
        self.badge.setWordWrap(True)
        self.lock_button = QPushButton(self.tr("Lock  (Ctrl+L)"))
        self.lock_button.setObjectName("lockButton")
        self.lock_button.clicked.connect(self.lock)
        self.tenant_line = QLabel()
        self.tenant_line.setObjectName("tenantLine")
        self.tenant_line.setWordWrap(True)
        self.tenant_line.setToolTip(
            self.tr("The tenant: details under {k}").format(k=shortcut("tenant"))
        )
        self.tenant_sender.status_changed.connect(self._show_tenant_line)
        self.tenant_sender.progress.connect(lambda _d, _t: self._show_tenant_line())
        self._show_tenant_line()
        side = QWidget()
        side.setObjectName("sideBar")
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.setSpacing(0)
        side_layout.addWidget(brand)
        side_layout.addWidget(self.navigation, 1)
        side_layout.addWidget(self.tenant_line)
        side_layout.addWidget(self.badge)
        side_layout.addWidget(self.lock_button)
        content = QWidget()
        content_layout = QVBoxLayout(content)
        content_layout.setContentsMargins(16, 8, 16, 8)
        content_layout.addWidget(self.stack)
        shell = QWidget()
        layout = QHBoxLayout(shell)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(side)
        layout.addWidget(content, 1)
        return shell

    def screen_for(self, key: str) -> QWidget:
        """The screen `key`, built (and its module imported) the first time it is needed:
        the kiosk starts with the sign-in screen only."""
        screen = self.screens.get(key)
        if screen is None:
            screen = self.screens[key] = self._build_screen(key)
            self.stack.addWidget(screen)
            actor = self.current_actor()
            if actor is not None and key in _ACTOR_SCREENS:
                cast("_FollowsActor", screen).apply_actor(actor)
            self.screen_built.emit(key)
        return screen

    def _build_screen(self, key: str) -> QWidget:
        actor = self.current_actor
        if key == "devices":
            from ui.devices.screen import DevicesScreen

            return DevicesScreen(
                self.db_path, actor=actor, present=self.session.present, store=self.store
            )
        if key == "enroll":
            from ui.enroll.screen import EnrollScreen

            return EnrollScreen(self.store, actor)
        if key == "audit":
            from ui.audit.screen import AuditScreen

            return AuditScreen(self.store, actor)
        if key == "bulk":
            from ui.bulk.screen import BulkScreen

            bulk = BulkScreen(self.store, actor)
            bulk.built.connect(self._on_bulk_built)
            return bulk
        if key == "packages":
            from ui.packages.screen import PackagesScreen

            packages = PackagesScreen(self.store, actor)
            packages.open_requested.connect(self._on_packages_open_requested)
            packages.open_file_requested.connect(self._on_packages_open_file_requested)
            return packages
        if key == "tenant":
            from ui.tenant.screen import TenantScreen

            return TenantScreen(self.store, actor, self.tenant_sender, present=self.session.present)
        if key == "settings":
            from ui.settings.screen import SettingsScreen

            settings = SettingsScreen(self.store, actor, present=self.session.present)
            settings.changed.connect(self._on_settings_changed)
            return settings
        from ui.fleet.screen import FleetScreen

        return FleetScreen(self.store, actor, self.session.present)

    @property
    def devices(self) -> DevicesScreen:
        return cast("DevicesScreen", self.screen_for("devices"))

    @property
    def enroll(self) -> EnrollScreen:
        return cast("EnrollScreen", self.screen_for("enroll"))

    @property
    def bulk(self) -> BulkScreen:
        return cast("BulkScreen", self.screen_for("bulk"))

    @property
    def fleet(self) -> FleetScreen:
        return cast("FleetScreen", self.screen_for("fleet"))

    @property
    def packages(self) -> PackagesScreen:
        return cast("PackagesScreen", self.screen_for("packages"))

    @property
    def audit(self) -> AuditScreen:
        return cast("AuditScreen", self.screen_for("audit"))

    @property
    def settings(self) -> SettingsScreen:
        return cast("SettingsScreen", self.screen_for("settings"))

    @property
    def tenant(self) -> TenantScreen:
        return cast("TenantScreen", self.screen_for("tenant"))

    def _on_navigation_row_changed(self, row: int) -> None:
        if row >= 0:
            self.stack.setCurrentWidget(self.screen_for(SCREENS[row]))

    def _show_tenant_line(self, *_args: object) -> None:
        """Two short lines in the sidebar while a tenant is connected; set_state shows
        offline in the warning colour."""
        status = self.tenant_sender.status
        self.tenant_line.setVisible(status.configured)
        if status.configured:
            self.tenant_line.setText(
                tenant_words.side_line(status, self.tenant_sender.progress_now)
            )
            set_state(self.tenant_line, "error" if status.offline_since else "")

    def _idle_setting_ms(self, actor: Actor | None) -> int:
        if self._idle_ms is not None:
            return self._idle_ms
        if actor is None:  # nobody to read it for: the timer waits for a sign-in, which does
            minutes = services.SETTINGS["idle_lock_minutes"].default
            assert isinstance(minutes, int)
            return minutes * 60_000
        return services.setting_number(self.store, "idle_lock_minutes", actor=actor) * 60_000

    def _on_settings_changed(self, keys: list[str]) -> None:
        if "idle_lock_minutes" in keys:
            self._idle_ms = None  # an admin's choice now overrides the start-up value
            self.session.set_idle_ms(self._idle_setting_ms(self.current_actor()))

    def _on_bulk_built(self, build: PackageBuild) -> None:
        self.packages.select(build.id)  # listed when the Packages screen shows it

    def _on_packages_open_requested(self, opened: OpenedPackage) -> None:
        self.show_screen("bulk")
        self.bulk.load(opened)

    def _on_packages_open_file_requested(self, path: Path) -> None:
        self.show_screen("bulk")
        self.bulk.open_file(path)

    def current_actor(self) -> Actor | None:
        return None if self.session.is_locked else self.session.actor

    def show_screen(self, key: str) -> None:
        """Show a screen with the keyboard in its first field (Ctrl+1..8 come here)."""
        self.navigation.setCurrentRow(SCREENS.index(key))  # built now if it is the first time
        if key == "devices":
            self.devices.focus_search()
        elif key == "enroll":
            self.enroll.focus_current()
        elif key == "bulk":
            self.bulk.focus_current()
        elif key == "settings":
            self.settings.focus_first()
        elif key == "packages":
            self.packages.focus_current()
        else:
            focus_first(self.screens[key])

    def lock(self) -> None:
        """Ctrl+L: locked by the person (the idle timer locks through the session)."""
        self.session.lock(keep=self)

    def _on_session_locked(self) -> None:
        """Cover everything first (the session has hidden every other window); the lock's
        audit entry follows on the writer thread, so a write lock held by an import or
        another bench can neither freeze the GUI nor leave the kiosk open."""
        # Where the keyboard was: the same operator carries on there after the PIN.
        in_shell = self.outer.currentWidget() is self.shell
        self._focus_at_lock = self.focusWidget() if in_shell else None
        self.outer.setCurrentWidget(self.sign_in)
        self.show()
        if "bulk" in self.screens:
            self.bulk.wizard.finish_page.forget_clipboard()  # no package password left behind
        actor = self.session.actor
        if actor is None:
            self.sign_in.refresh()
            return
        self.sign_in.show_locked(actor, idle=self.session.idle_locked)
        run_op(
            self.db_path,
            lambda store, _p, _c: services.record_lock(store, actor),
            on_done=lambda _r: None,
            changes_made=Change.AUDIT,
            what=self.tr("Recording the lock in the audit trail"),
        )

    def _on_session_unlocked(self) -> None:
        actor = self.session.actor
        assert actor is not None
        role = actor.role.value + (", local administrator" if actor.local_admin else "")
        self.badge.setText(self.tr("Signed in: {n}\n{r}").format(n=actor.name, r=role))
        self.session.set_idle_ms(self._idle_setting_ms(actor))  # the CLI may have changed it
        for key in _ACTOR_SCREENS:  # the others are given the actor when they are built
            if key in self.screens:
                cast("_FollowsActor", self.screens[key]).apply_actor(actor)
        if not self._synced_once:  # the first sign-in since the kiosk started: sync soon
            self._synced_once = True
            self.tenant_sender.sync_soon()
        row = self.navigation.currentRow()  # before the shell shows and takes focus
        key = SCREENS[row] if row >= 0 else "devices"
        # Chosen first: the list, shown with nothing chosen, would choose (and build) the first.
        self.navigation.setCurrentRow(SCREENS.index(key))
        self.outer.setCurrentWidget(self.shell)
        self.show_screen(key)
        focus, self._focus_at_lock = self._focus_at_lock, None
        if (
            focus is not None
            and isValid(focus)
            and self.session.returning
            and focus.isVisible()
            and focus.isEnabled()
            and self.screens[key].isAncestorOf(focus)
        ):
            focus.setFocus()  # where the keyboard was (the screen's first field otherwise)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        """Enter on a focused button presses it on every screen, as in a dialog and the
        wizards: outside a dialog a button takes only Space, and Enter reached the window
        unheard (a person tabs to "Export for Intune…" and presses Enter)."""
        from ui.widgets.keys import is_plain_enter, pressable_button  # not at start-up: Qt's enums

        if is_plain_enter(event) and (button := pressable_button(self.focusWidget())):
            event.accept()
            button.click()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.tenant_sender.shutdown()
        self.session.shutdown()
        if "devices" in self.screens:
            self.devices.shutdown()
        if "fleet" in self.screens:
            self.fleet.shutdown()
        if "bulk" in self.screens:
            self.bulk.wizard.discard_opened()
        wait_for_writer()
        wait_for_reader()
        changes.close_all()
        services.forget_passphrases()  # the vault passphrase lives no longer than the kiosk
        self.store.close()
        super().closeEvent(event)
