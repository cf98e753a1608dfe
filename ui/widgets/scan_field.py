"""A search box that is also a barcode-scanner target.

A keyboard-wedge scanner types the serial and presses Enter. Typing filters the list after
a short pause; Enter asks for the exact device at once.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit, QWidget

from ui.widgets.form import set_state

DEBOUNCE_MS = 250


class ScanFieldWidget(QLineEdit):
    searched = Signal(str)  # the text after a pause in typing
    scanned = Signal(str)  # Enter: the text as a whole, to be matched exactly

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setClearButtonEnabled(True)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self.textEdited.connect(self._on_self_text_edited)
        self.returnPressed.connect(self._on_self_return_pressed)

    def set_state(self, state: str) -> None:
        """'' or 'error': shown through the stylesheet."""
        set_state(self, state)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.text():
            self.clear()
            self._timer.stop()
            self.searched.emit("")
            return
        super().keyPressEvent(event)

    def _on_self_text_edited(self, _text: str) -> None:
        self.set_state("")
        self._timer.start()

    def _on_timer_timeout(self) -> None:
        self.searched.emit(self.text().strip())

    def _on_self_return_pressed(self) -> None:
        self._timer.stop()
        text = self.text().strip()
        if text:
            self.scanned.emit(text)
