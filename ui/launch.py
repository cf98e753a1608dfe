"""Starting the kiosk: checks with advice, logging, the crash hook, one window per database."""

from __future__ import annotations

import gc
import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QCoreApplication, QEvent, QLockFile, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from app import services
from app.errors import KnownError
from app.security.roles import Actor, Role
from ui import collector, theme
from ui.widgets import alt_letters
from ui.widgets.messages import notify

log = logging.getLogger(__name__)


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
    import ctypes.util  # only where xcb is used (it loads subprocess too)

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


log_path = services.log_path


def start_logging() -> None:
    # 0600: the log names devices, operators and files, and is nobody else's to read.
    handler = services.log_handler(max_bytes=2_000_000, backups=3)
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
    collector.install(app)  # the cyclic collector runs on this thread only
    alt_letters.install(app)  # an Alt+letter no control takes types nothing
    return app


def acquire_kiosk_lock(db_path: Path) -> QLockFile:
    """One kiosk window per database; a second start says which process holds it."""
    lock = QLockFile(str(db_path) + ".lock")
    lock.setStaleLockTime(0)  # a lock is stale only when its process is gone
    if lock.tryLock(200):
        return lock
    pid, host, _app = lock.getLockInfo()  # PySide returns (pid, hostname, appname)
    raise KnownError(
        f"Joinery is already open on {db_path} (process {pid} on {host or 'this machine'}). "
        "Switch to that window, or close it before starting another."
    )


def freeze_startup_objects() -> None:
    """Take everything built at start-up out of the cyclic collector's reach.

    A full collection walking the kiosk's long-lived Qt wrappers took up to ~100 ms on the
    GUI thread (the Fleet bench's lag probe caught it); frozen, later collections only
    walk new objects, and garbage made later is still collected. The kiosk calls it once
    its first screen has painted, and again after each screen it builds on first use.
    """
    gc.collect()
    gc.freeze()


class _AfterFirstPaint(QObject):
    def __init__(self, widget: QWidget, then: Callable[[], None]) -> None:
        super().__init__(widget)
        self._then = then
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self._then)  # once this paint event has been handled
        return False


def after_first_paint(widget: QWidget, then: Callable[[], None]) -> None:
    """Call `then` once `widget` has painted for the first time (work a person need not
    wait for before seeing the screen). Watchers added later run first."""
    _AfterFirstPaint(widget, then)


#: The cold-start bench's hook: once the sign-in screen has painted, print the time
#: (time.monotonic, the clock the bench spawned the process by) and quit.
EXIT_WHEN_PAINTED_ENV = "JOINERY_EXIT_WHEN_PAINTED"


def report_painted_and_quit() -> None:
    sys.stdout.write(f"painted {time.monotonic():.6f}\n")
    sys.stdout.flush()
    QCoreApplication.quit()


def run_kiosk(db_path: Path, *, demo: bool = False, screenshot_dir: Path | None = None) -> int:
    from ui.main import MainWindow, fits_screen

    if screenshot_dir is not None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    else:
        check_display()
        check_platform_libraries()
        start_logging()
    app = application()
    install_excepthook()
    hint = ""
    # Before anyone signs in, start-up work (the demo database, the crash sweep) is done by
    # the OS user who started the kiosk: the machine's local administrator, named explicitly.
    machine = services.local_admin()
    if demo:
        if not Path(db_path).exists():
            # The first start builds the demo fleet and a month of check-ins (~15 s).
            sys.stderr.write("Preparing the demo fleet (first start only)…\n")
        services.prepare_demo_database(db_path, actor=machine)
        hint = services.DEMO_SIGN_IN_HINT
    lock = acquire_kiosk_lock(db_path)
    if removed := services.sweep_scratch():  # re-opened packages a crashed kiosk left in the clear
        logging.getLogger(__name__).warning("removed %d leftover package folder(s)", removed)
    with services.open_store(db_path) as store:  # crashed unpacks (secrets in the clear) and builds
        if removed := services.sweep_interrupted(store, actor=machine):
            logging.getLogger(__name__).warning("cleaned up %d interrupted job(s)", removed)
    try:
        window = MainWindow(str(db_path), demo=demo, sign_in_hint=hint)
        if screenshot_dir is not None:
            from ui.screenshots import capture_all

            shown_as = Actor(services.DEMO_OPERATORS[0][0], Role.ADMIN) if demo else machine
            for path in capture_all(window, screenshot_dir, shown_as):
                log.info("wrote %s", path)
            window.close()
            return 0
        # A screen smaller than the designed size gets the window maximised: its free area,
        # the title bar and frame included (a window sized to the area ran off its edge).
        if fits_screen():
            window.show()
        else:
            window.showMaximized()
        after_first_paint(window.sign_in, freeze_startup_objects)
        window.screen_built.connect(lambda _key: QTimer.singleShot(0, freeze_startup_objects))
        if os.environ.get(EXIT_WHEN_PAINTED_ENV):
            after_first_paint(window.sign_in, report_painted_and_quit)
        return app.exec()
    finally:
        lock.unlock()
