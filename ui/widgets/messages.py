"""Window-modal message boxes that never block the event loop (no nested exec())."""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtCore  # QtCore.Qt when a box opens: see ui/widgets/focus.py
from PySide6.QtWidgets import QDialog, QMessageBox, QWidget

Present = Callable[[QDialog], None]


def open_now(dialog: QDialog) -> None:
    dialog.open()


def notify(
    parent: QWidget, icon: QMessageBox.Icon, title: str, text: str, present: Present = open_now
) -> QMessageBox:
    """`present` decides when it shows: the kiosk holds dialogs back while it is locked."""
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
    present(box)
    return box


def confirm(
    parent: QWidget, title: str, text: str, on_yes: Callable[[], None], present: Present = open_now
) -> QMessageBox:
    box = QMessageBox(
        QMessageBox.Icon.Question,
        title,
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        parent,
    )
    box.setDefaultButton(QMessageBox.StandardButton.No)
    box.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)

    def finished(result: int) -> None:
        if box.standardButton(box.clickedButton()) == QMessageBox.StandardButton.Yes:
            on_yes()

    box.finished.connect(finished)
    present(box)
    return box
