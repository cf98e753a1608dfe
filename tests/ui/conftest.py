from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app import demo
from app.store import Store
from tests.helpers.actors import ADMIN
from ui import theme
from ui.collector import install as install_collector
from ui.devices.screen import DevicesScreen
from ui.ops import wait_for_reader, wait_for_writer
from ui.widgets import alt_letters


@pytest.fixture
def seeded_db(db_path: Path) -> Path:
    with Store.open(db_path) as store:
        demo.seed(store, 1200, seed=5)
    return db_path


@pytest.fixture
def screen(qtbot: QtBot, seeded_db: Path) -> Iterator[DevicesScreen]:
    widget = DevicesScreen(str(seeded_db), actor=lambda: ADMIN)
    qtbot.addWidget(widget)
    widget.resize(1280, 720)
    widget.show()
    qtbot.waitUntil(lambda: not widget.model.loading and widget.model.rowCount() > 0)
    yield widget
    wait_for_writer()
    widget.shutdown()


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    """Around pytest-qt's closing of the test's widgets: first the test's last jobs finish
    and land while their screens still exist; afterwards the closed windows are deleted
    now, not at some event loop of the next test (where their timers and threads would
    run against a database whose test has ended). The test's garbage is collected here too,
    on the GUI thread: left to the cyclic collector, a window of this test was collected
    on a worker thread of a later one while that test walked the top-level windows (a
    segfault, once in a few full runs)."""
    wait_for_writer()
    wait_for_reader()
    QCoreApplication.processEvents()
    yield
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
    gc.freeze()  # what outlived it stays: the next test's collection walks only its own
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture(autouse=True, scope="session")
def _collector_on_the_gui_thread(qapp: QApplication) -> None:
    """The cyclic collector runs on the GUI thread, and an Alt+letter no control answers
    to types nothing, as in the kiosk (ui/launch.py's application)."""
    install_collector(qapp)
    alt_letters.install(qapp)


@pytest.fixture(autouse=True)
def _close_change_channels() -> Iterator[None]:
    """Each test's databases get channels of their own; none outlives its test."""
    yield
    from ui import changes

    wait_for_writer()
    changes.close_all()


@pytest.fixture
def restore_theme(qapp: QApplication) -> Iterator[QApplication]:
    """The application's stylesheet, palette and theme name put back after the test."""
    sheet, palette, name = (
        qapp.styleSheet(),
        QPalette(qapp.palette()),
        qapp.property("joineryTheme"),
    )
    yield qapp
    qapp.setStyleSheet(sheet)
    qapp.setPalette(palette)
    qapp.setProperty("joineryTheme", name)


@pytest.fixture
def themed(restore_theme: QApplication) -> QApplication:
    """The light stylesheet applied (tests run without one: its fonts and padding decide
    what fits), then what was there before."""
    theme.apply(restore_theme, "light")
    return restore_theme
