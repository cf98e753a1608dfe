"""An import a screen starts, told the one way: progress with Cancel on the writer thread,
then a report of what landed and every row refused (file, line, column, reason), which can
be copied, and, when nothing landed because of them, "Import the valid rows only".

The Autopilot CSV import (Devices) and the check-in import (Fleet) are subclasses that say
what their job is and how their report reads; everything else is here, once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.errors import Cancelled
from app.security.roles import Actor
from app.services import Store
from ui.ops import Operation, failure_words
from ui.widgets.messages import notify
from ui.widgets.progress import ScreenFlow, run_with_progress

log = logging.getLogger(__name__)

Job = Callable[[Store, Callable[[int, int], None], Callable[[], bool]], Any]
_COLUMNS = ("file", "line", "column", "reason")


@dataclass
class ImportOutcome:
    """What a report says: its summary, every row refused, and whether anything landed
    (if not, and rows were refused, the valid rows alone can be imported)."""

    summary: str
    rejected: list[dict[str, object]] = field(default_factory=list)
    committed: bool = True


class ImportResultDialog(QDialog):
    """What an import did, with every refused row: file, line, column and reason."""

    retry_skipping = Signal()

    def __init__(self, title: str, outcome: ImportOutcome, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("importResult")
        self.setWindowTitle(title)
        self.resize(860, 460 if outcome.rejected else 160)  # no table: the summary alone
        self.outcome = outcome
        layout = QVBoxLayout(self)
        self.summary = QLabel(outcome.summary)
        self.summary.setObjectName("resultSummary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.table = QTableWidget(len(outcome.rejected), len(_COLUMNS))
        self.table.setObjectName("importResultTable")
        self.table.setTabKeyNavigation(False)  # Tab leaves the table
        self.table.setHorizontalHeaderLabels(
            [self.tr("File"), self.tr("Line"), self.tr("Column"), self.tr("Reason")]
        )
        for row, problem in enumerate(outcome.rejected):
            for column, key in enumerate(_COLUMNS):
                value = problem.get(key)
                item = QTableWidgetItem("" if value is None else str(value))
                item.setToolTip(item.text())
                self.table.setItem(row, column, item)
        header = self.table.horizontalHeader()
        for column in range(len(_COLUMNS) - 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(_COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setWordWrap(True)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setVisible(bool(outcome.rejected))
        layout.addWidget(self.table, 1)
        if not outcome.rejected:
            layout.addStretch(1)  # the summary at the top, not floating mid-dialog
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        copy = QPushButton(self.tr("Copy problems"))
        copy.setEnabled(bool(outcome.rejected))
        copy.clicked.connect(self._on_copy_clicked)
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        self.skip_button: QPushButton | None = None
        if outcome.rejected and not outcome.committed:
            self.skip_button = QPushButton(self.tr("Import the valid rows only"))
            self.skip_button.clicked.connect(self._on_skip_clicked)
            buttons.addButton(self.skip_button, QDialogButtonBox.ButtonRole.AcceptRole)
        layout.addWidget(buttons)

    def _on_copy_clicked(self) -> None:
        lines = ["\t".join(str(p.get(k) or "") for k in _COLUMNS) for p in self.outcome.rejected]
        QGuiApplication.clipboard().setText("\n".join(lines))

    def _on_skip_clicked(self) -> None:
        self.accept()
        self.retry_skipping.emit()


class ReportingImportFlow(ScreenFlow):
    """One import on the writer thread; `finished(report or None)` when it is over."""

    finished = Signal(object)

    #: The dialogs' title and what the progress says (subclasses set them).
    title = ""
    working = ""

    def __init__(self, db_path: str, parent: QWidget, **flow: Any) -> None:
        super().__init__(db_path, parent, **flow)
        self.progress: QProgressDialog | None = None
        self.operation: Operation | None = None
        self.result_dialog: ImportResultDialog | None = None
        self._paths: list[str] = []

    # -- what a subclass says ------------------------------------------------------------

    def job(self, paths: list[str], skip_invalid: bool, actor: Actor | None) -> Job:
        """The service call, for the writer thread."""
        raise NotImplementedError

    def outcome(self, report: Any) -> ImportOutcome:
        """How a finished import's report reads."""
        raise NotImplementedError

    def refused(self, error: BaseException) -> tuple[Any, ImportOutcome] | None:
        """A refusal that is a report (rows refused, nothing landed), else None."""
        raise NotImplementedError

    # -- the flow ----------------------------------------------------------------------------

    def start(self, paths: Sequence[str], *, skip_invalid: bool = False) -> None:
        self._paths = list(paths)
        actor = self._actor()  # read on the GUI thread; the job runs on the writer thread
        self.operation, self.progress = run_with_progress(
            self._parent,
            self.tr(self.title),
            self.tr(self.working).format(n=len(self._paths)),
            self._db_path,
            self.job(list(self._paths), skip_invalid, actor),
            on_done=self._on_op_done,
            on_failed=self._on_op_failed,
        )

    def _on_op_done(self, report: Any) -> None:
        self.progress = None
        self._show(self.outcome(report))
        self.finished.emit(report)

    def _on_op_failed(self, error: BaseException) -> None:
        self.progress = None
        refusal = self.refused(error)
        if refusal is not None:
            self._show(refusal[1])
        elif isinstance(error, Cancelled):
            notify(
                self._parent,
                QMessageBox.Icon.Information,
                self.tr("Import cancelled"),
                self.tr("The import was cancelled. Nothing was imported."),
                self._present,
            )
        else:
            text = failure_words(error, self.tr(self.title))
            notify(self._parent, QMessageBox.Icon.Warning, self.tr(self.title), text, self._present)
        self.finished.emit(None)

    def _show(self, outcome: ImportOutcome) -> None:
        dialog = ImportResultDialog(self.tr(self.title), outcome, self._parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.retry_skipping.connect(lambda: self.start(self._paths, skip_invalid=True))
        self.result_dialog = dialog
        self._present(dialog)
