"""Nothing clips: every label, button and tab shows its whole text at the kiosk's three sizes
(1024x640, the window's minimum; 1366x768; 1920x1080), in the light and the dark palette, on
every main screen and every page of both wizards. And the dark palette keeps the outline of
check boxes and radio buttons at 3:1 against the page, as WCAG 2.1 asks of controls (1.4.11).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app import services
from tests.helpers.actors import ADMIN
from tests.helpers.keyboard import shared_alt_letters
from ui import theme
from ui.main import SCREENS, MainWindow
from ui.ops import wait_for_reader, wait_for_writer, wait_until
from ui.screenshots import tenant_example, tenant_facts_example
from ui.widgets.clipping import clipped_texts
from ui.widgets.wizard_shell import WizardShell

SIZES = ((1024, 640), (1366, 768), (1920, 1080))


@pytest.fixture
def window_db(db_path: Path) -> Path:
    """The demo kiosk's database (policies, history, profiles, packages) on a small fleet."""
    services.prepare_demo_database(db_path, devices=300, actor=ADMIN)
    return db_path


@pytest.fixture
def window(qtbot: QtBot, window_db: Path) -> Iterator[MainWindow]:
    shown = MainWindow(str(window_db))
    qtbot.addWidget(shown)
    shown.show()
    shown.session.sign_in(services.local_admin())
    yield shown
    wait_for_writer()
    theme.apply(QApplication.instance(), "light")  # type: ignore[arg-type]


def settle() -> None:
    """Reads on the reader thread (a selected row's pane) back and drawn, layouts done."""
    wait_for_reader()
    for _ in range(3):
        QCoreApplication.processEvents()


def other_views(window: MainWindow) -> list[tuple[str, Callable[[], object]]]:
    """The tabs and modes behind the main screens, each as a person opens it."""

    def on(screen: str, then: Callable[[], object]) -> Callable[[], object]:
        return lambda: (window.show_screen(screen), then())

    views: list[tuple[str, Callable[[], object]]] = []
    for mode, name in enumerate(("guided", "batch", "cart")):
        views.append((f"enroll {name}", on("enroll", lambda m=mode: window.enroll.show_mode(m))))
    fleet = window.fleet
    for tab in range(fleet.tabs.count()):
        views.append((f"fleet tab {tab}", on("fleet", lambda t=tab: fleet.tabs.setCurrentIndex(t))))
    views.append(("fleet noncompliant", on("fleet", lambda: fleet.show_tile("noncompliant"))))
    views.append(("devices selected", on("devices", lambda: window.devices._select_row(0))))
    views += tenant_views(window)
    views.append(("locked", window.lock))
    views.append(("signed in again", lambda: window.session.sign_in(services.local_admin())))
    return views


def tenant_views(window: MainWindow) -> list[tuple[str, Callable[[], object]]]:
    """The tenant offline with work waiting and parked items (the sidebar's line too), and
    what it says of a device on both detail panes; then the database's own status again."""

    def offline() -> None:
        window.tenant_sender.status = tenant_example()
        window._show_tenant_line()
        window.show_screen("tenant")
        window.tenant.show_status(window.tenant_sender.status)

    def device_facts() -> None:
        window.show_screen("devices")
        window.devices._select_row(0)
        settle()  # the pane's own read first: the example facts are drawn over it
        device = window.devices.selected_device()
        assert device is not None
        window.devices.detail.show_tenant(device, tenant_facts_example(device))

    def fleet_facts() -> None:
        window.show_screen("fleet")
        window.fleet.show_tile("noncompliant")
        wait_until(lambda: not window.fleet.model.loading)
        window.fleet.table.selectRow(0)
        settle()  # the pane's own read first: the example facts are drawn over it
        device = window.fleet.selected_device()
        assert device is not None
        window.fleet.detail.show_tenant(device, tenant_facts_example(device))

    return [
        ("tenant offline", offline),
        ("devices tenant facts", device_facts),
        ("fleet tenant facts", fleet_facts),
        ("tenant as stored", window.tenant_sender.refresh_status),
    ]


def wizard_pages(shell: WizardShell) -> Iterator[str]:
    for page_id in range(shell.pages_count()):
        shell.jump_to(page_id)
        settle()
        yield shell.currentPage().objectName()
    shell.restart()


@pytest.mark.parametrize("palette", ["light", "dark"])
def test_no_text_is_clipped_at_any_size(window: MainWindow, palette: str) -> None:
    theme.apply(QApplication.instance(), palette)  # type: ignore[arg-type]
    found: list[str] = []
    for width, height in SIZES:
        window.resize(width, height)
        for key in SCREENS:
            window.show_screen(key)
            settle()
            found += [f"{width}x{height} {key}: {p}" for p in clipped_texts(window)]
        for view, show in other_views(window):
            show()
            settle()
            found += [f"{width}x{height} {view}: {p}" for p in clipped_texts(window)]
        window.show_screen("enroll")
        window.enroll.show_mode(0)
        for name in wizard_pages(window.enroll.wizard):
            found += [f"{width}x{height} {name}: {p}" for p in clipped_texts(window)]
        window.show_screen("bulk")
        for name in wizard_pages(window.bulk.wizard):
            found += [f"{width}x{height} bulk {name}: {p}" for p in clipped_texts(window)]
    assert not found, "\n".join(found)


def test_no_two_controls_share_an_alt_letter(window: MainWindow) -> None:
    """Alt+P on the sign-in page belonged to "Password" and "Self-service password reset":
    Qt moved focus between them on each press and ticked neither."""
    window.resize(1366, 768)
    found: list[str] = []

    def look(view: str) -> None:
        settle()
        found.extend(f"{view}: {k} {v}" for k, v in shared_alt_letters(window).items())

    for key in SCREENS:
        window.show_screen(key)
        look(key)
    for view, show in other_views(window):
        show()
        look(view)
    window.show_screen("enroll")
    window.enroll.show_mode(0)
    for name in wizard_pages(window.enroll.wizard):
        look(name)
    window.show_screen("bulk")
    for name in wizard_pages(window.bulk.wizard):
        look(f"bulk {name}")
        if name == "accountPage":  # each account kind shows its own form
            for kind, button in window.bulk.wizard.account_page.kinds.items():
                button.setChecked(True)
                look(f"bulk {name} {kind}")
    assert not found, "\n".join(found)


def test_the_sidebar_shows_when_the_keyboard_is_in_it(window: MainWindow) -> None:
    """Tab from a screen's last field lands in the sidebar, which drew no focus at all:
    a Down then switched screens unseen."""
    theme.apply(QApplication.instance(), "dark")  # type: ignore[arg-type]
    window.resize(1024, 640)
    window.show_screen("devices")
    settle()
    navigation = window.navigation
    item = navigation.visualItemRect(navigation.currentItem())

    def outlined() -> int:
        """Light pixels along the current entry's top edge (the sidebar is dark)."""
        image = navigation.viewport().grab().toImage()
        xs = range(item.left() + 8, item.right() - 8)
        edges = (item.top(), item.top() + 1, item.bottom() - 1, item.bottom())
        return max(sum(image.pixelColor(x, y).lightness() > 200 for x in xs) for y in edges)

    assert outlined() < 4  # focus elsewhere (the search)
    navigation.setFocus()
    settle()
    assert navigation.hasFocus() and outlined() > item.width() // 4


def contrast(one: QColor, other: QColor) -> float:
    def luminance(colour: QColor) -> float:
        def channel(value: float) -> float:
            return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

        return (
            0.2126 * channel(colour.redF())
            + 0.7152 * channel(colour.greenF())
            + 0.0722 * channel(colour.blueF())
        )

    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize("palette", ["light", "dark"])
def test_control_outlines_and_disabled_text_are_readable(palette: str) -> None:
    colours = {k.lstrip("@"): QColor(v) for k, v in theme.PALETTES[palette].items()}
    sheet = theme.stylesheet(palette)
    outline = theme.PALETTES[palette]["@muted"]
    assert f"border: 2px solid {outline}" in sheet  # the indicators' outline is @muted
    for page in ("bg", "surface"):
        assert contrast(colours["muted"], colours[page]) >= 3.0, page  # controls (1.4.11)
        assert contrast(colours["text"], colours[page]) >= 4.5, page  # text (1.4.3)
    # Disabled text is told apart from enabled text, and still readable as text on the page.
    assert contrast(colours["muted"], colours["text"]) >= 1.5
    # The sidebar and the page are distinct: their edge is drawn in a visible colour.
    assert contrast(colours["border"], colours["nav"]) >= 1.5


def test_one_time_formatter() -> None:
    """Every time on screen goes through ui.words.when (there were six formatters)."""
    from ui.words import when

    assert when("2026-11-30T19:20:13Z") == "2026-11-30 19:20:13"
    assert when("2026-11-30T19:20:13.123456Z") == "2026-11-30 19:20:13"
    assert when("2026-11-30T19:20:13Z", to="minute") == "2026-11-30 19:20"
    assert when("2026-11-30T19:20:13Z", to="clock") == "19:20:13"
    assert when(None) == "—" and when("", empty="") == ""
    root = Path(__file__).resolve().parents[2] / "ui"
    spelled = [
        str(p.relative_to(root))
        for p in root.rglob("*.py")
        if p.name != "words.py" and '.replace("T", " ")' in p.read_text(encoding="utf-8")
    ]
    assert spelled == []
