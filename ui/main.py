"""The kiosk window: navigation on the left, one screen at a time on the right."""

from __future__ import annotations

import ctypes.util
import logging
import logging.handlers
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QCoreApplication, QEventLoop, QSize
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app import paths
from app.errors import KnownError
from app.store import Store
from ui import theme
from ui.devices.screen import DevicesScreen
from ui.ops import wait_for_writer
from ui.planned import PLANS, PlannedScreen
from ui.widgets.messages import notify

log = logging.getLogger(__name__)

#: Navigation order; Ctrl+1..Ctrl+6 jump straight to each.
SCREENS = ("enroll", "bulk", "devices", "fleet", "packages", "audit")
_TITLES = {
    "enroll": "Enroll",
    "bulk": "Bulk provisioning",
    "devices": "Devices",
    "fleet": "Fleet",
    "packages": "Packages",
    "audit": "Audit",
}


class MainWindow(QMainWindow):
    def __init__(self, db_path: str, *, demo: bool = False) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        title = "Joinery" + (" — demo fleet" if demo else "")
        self.setWindowTitle(f"{title} — {db_path}")
        self.resize(1366, 768)
        self.setMinimumSize(QSize(1024, 640))
        self.db_path = db_path

        self.navigation = QListWidget()
        self.navigation.setObjectName("navigation")
        self.navigation.setFixedWidth(200)
        self.stack = QStackedWidget()
        self.screens: dict[str, QWidget] = {}
        plans = {plan.key: plan for plan in PLANS}
        for number, key in enumerate(SCREENS, start=1):
            screen: QWidget
            if key == "devices":
                self.devices = DevicesScreen(db_path)
                screen = self.devices
            else:
                screen = PlannedScreen(plans[key])
            self.screens[key] = screen
            self.stack.addWidget(screen)
            self.navigation.addItem(self.tr(_TITLES[key]))
            QShortcut(
                QKeySequence(f"Ctrl+{number}"),
                self,
                activated=lambda n=number - 1: self.navigation.setCurrentRow(n),
            )
        self.navigation.currentRowChanged.connect(self.stack.setCurrentIndex)

        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.setSpacing(0)
        brand = QLabel("Joinery")
        brand.setObjectName("brand")
        side_layout.addWidget(brand)
        side_layout.addWidget(self.navigation, 1)
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(side)
        content = QWidget()
        content_layout = QVBoxLayout(content)
        content_layout.setContentsMargins(16, 8, 16, 8)
        content_layout.addWidget(self.stack)
        layout.addWidget(content, 1)
        self.setCentralWidget(central)
        self.statusBar().showMessage(self.tr("Database: {p}").format(p=db_path))
        self.show_screen("devices")

    def show_screen(self, key: str) -> None:
        self.navigation.setCurrentRow(SCREENS.index(key))
        if key == "devices":
            self.devices.focus_search()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.devices.shutdown()
        wait_for_writer()
        super().closeEvent(event)


def check_display() -> None:
    """Fail with advice instead of Qt's abort when there is no screen to open a window on."""
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if (
        sys.platform.startswith("linux")
        and not platform
        and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    ):
        raise KnownError(
            "No display found: the kiosk needs a desktop session (DISPLAY or WAYLAND_DISPLAY "
            "is unset). Run it from the desktop, or render the screens headless with "
            "`joinery kiosk --screenshot DIR` (QT_QPA_PLATFORM=offscreen)."
        )


#: Libraries Qt's xcb plugin loads, and the Debian/Ubuntu packages that hold them.
_XCB_LIBRARIES = {
    "xcb-cursor": "libxcb-cursor0",
    "xcb-icccm": "libxcb-icccm4",
    "xcb-keysyms": "libxcb-keysyms1",
    "xkbcommon-x11": "libxkbcommon-x11-0",
}


def check_platform_libraries() -> None:
    """Qt's xcb plugin aborts the process when a system library is missing; say which."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return
    if not os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return
    missing = [name for name in _XCB_LIBRARIES if ctypes.util.find_library(name) is None]
    if missing:
        packages = " ".join(_XCB_LIBRARIES[name] for name in missing)
        raise KnownError(
            f"Qt needs system libraries that are missing here ({', '.join(missing)}). "
            f"On Debian or Ubuntu: sudo apt-get install {packages}"
        )


def install_excepthook() -> None:
    """A bug is logged and shown as a plain message; the kiosk stays up."""

    def hook(kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
        log.critical("unexpected error", exc_info=(kind, error, trace))
        parent = QApplication.activeWindow()
        if parent is not None:
            notify(
                parent,
                QMessageBox.Icon.Critical,
                "Joinery",
                "Something went wrong inside Joinery. What you were doing may not have "
                f"finished; nothing saved before it is lost. The log ({log_path()}) has "
                "the details for a bug report.",
            )

    sys.excepthook = hook


def log_path() -> Path:
    return paths.data_dir() / "joinery.log"


def start_logging() -> None:
    target = log_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(
        target, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.INFO)
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)  # the file gets INFO; the console handler keeps its own level


def application() -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        QCoreApplication.setApplicationName("Joinery")
        QCoreApplication.setOrganizationName("Joinery")
        app = QApplication(sys.argv[:1])
    theme.apply(app)
    return app


def prepare_demo(db_path: Path, devices: int = 5000) -> None:
    """Seed the demo database on first use; a seeded one is left as it is."""
    from app import demo  # the demo module is only needed for --demo

    with Store.open(db_path) as store:
        if store.count_devices() == 0:
            demo.seed(store, devices)


def wait_until(predicate: Callable[[], bool], timeout_ms: int = 10_000) -> bool:
    """Spin the event loop until `predicate()` holds (screenshots: nobody is waiting)."""
    deadline = time.monotonic() + timeout_ms / 1000
    while not predicate() and time.monotonic() < deadline:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
    return predicate()


def run_kiosk(db_path: Path, *, demo: bool = False, screenshot_dir: Path | None = None) -> int:
    if screenshot_dir is not None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    else:
        check_display()
        check_platform_libraries()
        start_logging()
    app = application()
    install_excepthook()
    if demo:
        prepare_demo(db_path)
    window = MainWindow(str(db_path), demo=demo)
    if screenshot_dir is not None:
        from ui.screenshots import capture_all

        written = capture_all(window, screenshot_dir)
        for path in written:
            log.info("wrote %s", path)
        window.close()
        return 0
    window.show()
    return app.exec()
