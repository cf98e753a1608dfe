"""The Enroll screen: one device guided page by page, a batch by scanning, or a whole cart.

Ctrl+Tab / Ctrl+Shift+Tab (or Alt+1..3) switch between the three ways; each keeps its
own state while another is shown.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.security.roles import Actor
from app.services import Store
from ui.enroll.batch_screen import BatchEnrollScreen
from ui.enroll.cart_screen import CartEnrollWidget
from ui.enroll.wizard import EnrollWizard
from ui.widgets.tabs import Tabs

GUIDED, BATCH, CART = range(3)


class EnrollScreen(QWidget):
    """Emits `enrolled()` whenever any of the three ways has written devices."""

    enrolled = Signal()

    def __init__(
        self, store: Store, actor: Callable[[], Actor | None], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("enrollScreen")
        title = QLabel(self.tr("Enroll"))
        title.setObjectName("screenTitle")
        self.wizard = EnrollWizard(store, actor)
        self.batch = BatchEnrollScreen(store, actor)
        self.cart = CartEnrollWidget(store, actor)
        self.tabs = Tabs()
        self.tabs.setObjectName("enrollModes")
        self.tabs.addTab(self.wizard, self.tr("Guided: one device  (Alt+1)"))
        self.tabs.addTab(self.batch, self.tr("Batch: scan and Enter  (Alt+2)"))
        self.tabs.addTab(self.cart, self.tr("Cart: scan many, enroll at once  (Alt+3)"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title)
        layout.addWidget(self.tabs, 1)
        for number in range(3):
            QShortcut(
                QKeySequence(f"Alt+{number + 1}"),
                self,
                lambda n=number: self.show_mode(n),
            )
        self.wizard.enrolled.connect(self.enrolled)
        self.batch.enrolled.connect(self.enrolled)
        self.cart.enrolled.connect(self.enrolled)
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)

    def show_mode(self, mode: int) -> None:
        self.tabs.setCurrentIndex(mode)
        self.focus_current()

    def focus_current(self) -> None:
        """Where the technician's hands go: the wizard page's field, or the scan field."""
        mode = self.tabs.currentIndex()
        if mode == GUIDED:
            self.wizard.focus_page()
        elif mode == BATCH:
            self.batch.focus_scan()
        else:
            self.cart.focus_scan()

    def _on_tabs_current_changed(self, _index: int) -> None:
        self.focus_current()
