"""A long job on the writer thread behind a window-modal progress dialog with Cancel."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QProgressDialog, QWidget

from ui.ops import Job, Operation, run_op

STEPS = 1000


def run_with_progress(
    parent: QWidget,
    title: str,
    label: str,
    db_path: str,
    job: Job,
    *,
    on_done: Callable[[Any], None],
    on_failed: Callable[[BaseException], None],
) -> tuple[Operation, QProgressDialog]:
    """Start `job`; the dialog follows its progress, Cancel cancels it, and the dialog is
    gone before `on_done` or `on_failed` runs."""
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
        if total:
            dialog.setValue(int(done * STEPS / total))

    def closing(callback: Callable[[Any], None]) -> Callable[[Any], None]:
        def handler(value: Any) -> None:
            dialog.hide()
            dialog.deleteLater()
            callback(value)

        return handler

    operation = run_op(
        db_path, job, on_done=closing(on_done), on_failed=closing(on_failed), on_progress=progress
    )
    dialog.canceled.connect(operation.cancel)
    return operation, dialog
