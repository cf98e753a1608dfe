"""Long jobs a screen starts: on the writer thread, behind a window-modal progress dialog
with Cancel, in flows that know their database, screen, operator and how to show dialogs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt
from PySide6.QtWidgets import QProgressDialog, QWidget
from shiboken6 import isValid

from app.security.roles import Actor
from ui.changes import Change
from ui.ops import Job, Operation, run_op
from ui.widgets.messages import Present, open_now

STEPS = 1000


class ScreenFlow(QObject):
    """A job a screen starts: its database, the screen (dialogs are its children), who is
    signed in now, and how dialogs are shown (held back while the kiosk is locked)."""

    def __init__(
        self,
        db_path: str,
        parent: QWidget,
        *,
        actor: Callable[[], Actor | None],
        present: Present = open_now,
    ) -> None:
        super().__init__(parent)
        self._db_path = db_path
        self._parent = parent
        self._actor = actor
        self._present = present


def run_with_progress(
    parent: QWidget,
    title: str,
    label: str,
    db_path: str,
    job: Job,
    *,
    on_done: Callable[[Any], None],
    on_failed: Callable[[BaseException], None],
    changes_made: Change = Change.ALL,
    owner: QObject | None = None,
) -> tuple[Operation, QProgressDialog]:
    """Start `job`; the dialog follows its progress, Cancel cancels it, and the dialog is
    gone before `on_done` or `on_failed` runs (neither runs once `owner` is deleted; the
    dialog, `parent`'s child, goes with `parent`)."""
    dialog = QProgressDialog(
        label, QCoreApplication.translate("progress", "Cancel"), 0, STEPS, parent
    )
    dialog.setWindowTitle(title)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(0)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    dialog.setValue(0)
    dialog.show()

    def progress(done: int, total: int) -> None:
        if total and isValid(dialog):
            dialog.setValue(int(done * STEPS / total))

    def closing(callback: Callable[[Any], None]) -> Callable[[Any], None]:
        def handler(value: Any) -> None:
            if isValid(dialog):
                dialog.hide()
                dialog.deleteLater()
            callback(value)

        return handler

    operation = run_op(
        db_path,
        job,
        on_done=closing(on_done),
        on_failed=closing(on_failed),
        on_progress=progress,
        changes_made=changes_made,
        owner=owner,
    )
    dialog.canceled.connect(operation.cancel)
    return operation, dialog
