"""Guards against known-bad Qt bindings, so a dependency bump cannot bring them back."""

from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication


def test_process_events_keeps_none_alive(qapp: QApplication) -> None:
    # PySide6 6.12.0 decremented None's reference count on every processEvents() call under
    # Python 3.11; after a few thousand calls the interpreter aborts ("deallocating None").
    before = sys.getrefcount(None)
    for _ in range(500):
        QCoreApplication.processEvents()
    assert sys.getrefcount(None) - before > -100
