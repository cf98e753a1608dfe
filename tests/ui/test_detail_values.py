"""A detail pane's values are read whole at the pane's narrowest: a long address wraps
(inside the word, after its `@` first) instead of ending in an ellipsis."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QTimer
from PySide6.QtGui import QContextMenuEvent, QGuiApplication
from PySide6.QtWidgets import QApplication, QMenu, QWidget
from pytestqt.qtbot import QtBot

from app.domain import Device
from ui.devices.detail import DeviceDetailWidget
from ui.widgets.clipping import clipped_texts
from ui.widgets.value_label import ValueLabel

UPN = "anna.nakamura37@contoso-research.onmicrosoft.com"


def _device(**fields: object) -> Device:
    base = dict(
        id=1, serial="PF1", manufacturer="Microsoft Corporation", model="Surface Laptop 7",
        product_id=None, group_tag=None, assigned_user=None, device_name="CTS-PF1",
        join_type="entraJoined", provisioning_method=None, ownership="company",
        os_edition=None, os_version=None, management_authority="intune",
        enrollment_status="registered", compliance_state="compliant", last_checkin=None,
        lineage=1, has_hash=True, created_at="2025-01-01T00:00:00Z",
        updated_at="2025-01-01T00:00:00Z",
    )  # fmt: skip
    return Device(**(base | fields))  # type: ignore[arg-type]


def test_the_devices_pane_shows_a_long_user_whole(qtbot: QtBot) -> None:
    pane = DeviceDetailWidget()
    qtbot.addWidget(pane)
    pane.resize(pane.minimumWidth(), 700)
    pane.show()
    pane.show_device(_device(assigned_user=UPN), [], [])
    qtbot.waitExposed(pane)
    value = pane._values["assigned_user"]
    assert value.text() == UPN  # the words themselves are unchanged (copy, tooltip, a reader)
    lines = value.fontMetrics().height()
    assert value.fontMetrics().horizontalAdvance(UPN) > value.width()  # it must wrap to fit
    qtbot.waitUntil(lambda: value.height() >= 2 * lines, timeout=2000)  # laid out again
    assert clipped_texts(pane) == []


def test_a_value_breaks_after_a_separator_before_it_breaks_a_word(qtbot: QtBot) -> None:
    label = ValueLabel("oscar.kowalski1@contoso.com")
    qtbot.addWidget(label)
    metrics = label.fontMetrics()
    # Room for "oscar.kowalski1@" and a little more, not for "oscar.kowalski1@contoso.":
    width = metrics.horizontalAdvance("oscar.kowalski1@con")
    assert label.heightForWidth(width) <= 2 * metrics.height() + 1
    layout, _ = label._laid_out(width)
    first = layout.lineAt(0)
    line = layout.text()[first.textStart() : first.textStart() + first.textLength()]
    assert line.replace("\u200b", "") == "oscar.kowalski1@"  # not "oscar.kowalski1@con"
    host = QWidget()
    qtbot.addWidget(host)
    label.setParent(host)
    label.setGeometry(0, 0, width, label.heightForWidth(width))
    assert clipped_texts(host) == []
    # One line when there is room for it.
    assert label.heightForWidth(metrics.horizontalAdvance(label.text()) + 2) <= metrics.height() + 1


@pytest.mark.qt_log_ignore("This plugin does not support")  # offscreen: no raise, no grab
def test_a_value_is_copied_whole_from_its_menu(qtbot: QtBot) -> None:
    """Drawn rather than selectable, a value is copied by a right-click's Copy."""
    label = ValueLabel(UPN)
    qtbot.addWidget(label)
    label.resize(120, 80)
    label.show()
    QGuiApplication.clipboard().clear()

    def choose_copy() -> None:
        menu = QApplication.activePopupWidget()
        assert isinstance(menu, QMenu)
        [copy] = [a for a in menu.actions() if a.text() == "Copy"]
        copy.trigger()
        menu.close()

    QTimer.singleShot(50, choose_copy)
    event = QContextMenuEvent(
        QContextMenuEvent.Reason.Mouse, QPoint(5, 5), label.mapToGlobal(QPoint(5, 5))
    )
    label.contextMenuEvent(event)
    assert QGuiApplication.clipboard().text() == UPN  # no zero-width spaces in it
