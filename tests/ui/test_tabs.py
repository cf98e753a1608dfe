"""Tabs: a page's new words repaint those words, not the whole page; what the tabs place
(the bar, the pages) is still placed, and a page's new size still reaches the window."""

from __future__ import annotations

from PySide6.QtGui import QImage, QPaintEvent
from PySide6.QtWidgets import QLabel, QTabWidget, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from ui.widgets.tabs import Tabs


class Painted(QWidget):
    """A widget beside the label that changes: counts how often it is painted."""

    def __init__(self) -> None:
        super().__init__()
        self.paints = 0
        self.setMinimumHeight(200)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        self.paints += 1


def a_window(qtbot: QtBot, tabs: QTabWidget) -> tuple[QWidget, QLabel, Painted]:
    window = QWidget()
    qtbot.addWidget(window)
    page = QWidget()
    label = QLabel("Ready")
    beside = Painted()
    column = QVBoxLayout(page)
    column.addWidget(label)
    column.addWidget(beside)
    tabs.addTab(page, "Batch")
    tabs.addTab(QWidget(), "Cart")
    QVBoxLayout(window).addWidget(tabs)
    window.resize(600, 400)
    window.show()
    qtbot.waitExposed(window)
    qtbot.wait(20)
    return window, label, beside


def repaints_beside(qtbot: QtBot, tabs: QTabWidget) -> int:
    _window, label, beside = a_window(qtbot, tabs)
    before = beside.paints
    for words in ("Press Enter to enroll ABC123 as CTS-ABC123.", "", "Enrolled ABC123"):
        label.setText(words)
        qtbot.wait(20)
    return beside.paints - before


def test_new_words_in_a_page_do_not_repaint_the_page(qtbot: QtBot) -> None:
    assert repaints_beside(qtbot, QTabWidget()) > 0  # what Qt's own tabs do
    assert repaints_beside(qtbot, Tabs()) == 0


def test_a_longer_tab_title_is_placed_and_drawn(qtbot: QtBot) -> None:
    tabs = Tabs()
    window, _label, _beside = a_window(qtbot, tabs)
    bar = tabs.tabBar()
    width = bar.width()
    tabs.setTabText(1, "Cart: scan many, enroll at once  (Alt+3)")
    qtbot.waitUntil(lambda: bar.width() > width)
    assert bar.tabRect(1).right() <= bar.width()
    window.close()


def test_a_page_that_grows_still_makes_the_window_grow(qtbot: QtBot) -> None:
    tabs = Tabs()
    window, label, _beside = a_window(qtbot, tabs)
    label.setMinimumHeight(600)
    qtbot.waitUntil(lambda: window.minimumSizeHint().height() > 600)
    window.close()


def on_screen_matches_a_fresh_paint(window: QWidget) -> bool:
    """What the window shows (the offscreen backing store) is what it would paint now."""
    shown = window.screen().grabWindow(window.winId()).toImage()
    fresh = window.grab().toImage()
    form = QImage.Format.Format_RGB32
    return shown.convertToFormat(form) == fresh.convertToFormat(form)


def test_when_the_bar_grows_the_pages_are_painted_where_they_moved(qtbot: QtBot) -> None:
    """Not painting the whole page must not leave the old picture where the page was."""
    tabs = Tabs()
    window, _label, _beside = a_window(qtbot, tabs)
    assert on_screen_matches_a_fresh_paint(window)
    tabs.tabBar().setStyleSheet("QTabBar::tab { font-size: 24px; padding: 10px; }")
    qtbot.wait(50)
    assert on_screen_matches_a_fresh_paint(window)


def test_updates_a_parent_turned_off_stay_off(qtbot: QtBot) -> None:
    tabs = Tabs()
    window, label, _beside = a_window(qtbot, tabs)
    window.setUpdatesEnabled(False)
    label.setText("new words: a layout request")
    qtbot.wait(20)
    assert not tabs.updatesEnabled()
    window.setUpdatesEnabled(True)
    assert tabs.updatesEnabled()
