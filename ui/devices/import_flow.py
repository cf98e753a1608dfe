"""Import Autopilot CSV files from the kiosk: progress with Cancel, then a full report."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
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

from app import services
from app.domain import ImportReport
from app.errors import Cancelled, JoineryError
from app.services import ImportRejected, Store
from ui.ops import Operation
from ui.session import signed_in
from ui.widgets.messages import notify
from ui.widgets.progress import ScreenFlow, run_with_progress

log = logging.getLogger(__name__)


class ImportResultDialog(QDialog):
    """What an import did, with every rejected row: file, line, column and reason."""

    retry_skipping = Signal()

    def __init__(self, report: ImportReport, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("importResult")
        self.setWindowTitle(self.tr("Autopilot import"))
        self.resize(860, 460)
        self.report = report
        layout = QVBoxLayout(self)
        self.summary = QLabel(self._summary_text())
        self.summary.setObjectName("resultSummary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.table = QTableWidget(len(report.rejected), 4)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table
        self.table.setObjectName("importResultTable")
        self.table.setHorizontalHeaderLabels(
            [self.tr("File"), self.tr("Line"), self.tr("Column"), self.tr("Reason")]
        )
        for row, problem in enumerate(report.rejected):
            for column, key in enumerate(("file", "line", "column", "reason")):
                value = problem[key]
                item = QTableWidgetItem("" if value is None else str(value))
                item.setToolTip(item.text())
                self.table.setItem(row, column, item)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setWordWrap(True)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setVisible(bool(report.rejected))
        layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        copy = QPushButton(self.tr("Copy problems"))
        copy.setEnabled(bool(report.rejected))
        copy.clicked.connect(self._on_copy_clicked)
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        self.skip_button: QPushButton | None = None
        if report.rejected and not report.committed:
            self.skip_button = QPushButton(self.tr("Import the valid rows only"))
            self.skip_button.clicked.connect(self._on_skip_clicked)
            buttons.addButton(self.skip_button, QDialogButtonBox.ButtonRole.AcceptRole)
        layout.addWidget(buttons)

    def _summary_text(self) -> str:
        r = self.report
        if not r.committed:
            return self.tr(
                "Nothing was imported: {n} row(s) were rejected. Fix the rows below and import "
                "again, or import the valid rows only."
            ).format(n=len(r.rejected))
        text = self.tr(
            "Imported {imported} new device(s), updated {updated}, recorded {reimaged} "
            "reimage(s); {unchanged} unchanged."
        ).format(imported=r.imported, updated=r.updated, reimaged=r.reimaged, unchanged=r.unchanged)
        if r.rejected:
            text += " " + self.tr("{n} row(s) were rejected and skipped:").format(n=len(r.rejected))
        return text

    def _on_copy_clicked(self) -> None:
        lines = [
            f"{p['file']}\t{p['line']}\t{p['column'] or ''}\t{p['reason']}"
            for p in self.report.rejected
        ]
        QGuiApplication.clipboard().setText("\n".join(lines))

    def _on_skip_clicked(self) -> None:
        self.accept()
        self.retry_skipping.emit()


class AutopilotImportFlow(ScreenFlow):
    """Runs one import on the writer thread; `finished` carries the report (or None)."""

    finished = Signal(object)

    def __init__(self, db_path: str, parent: QWidget, **flow: Any) -> None:
        super().__init__(db_path, parent, **flow)
        self.progress: QProgressDialog | None = None
        self.operation: Operation | None = None
        self.result_dialog: ImportResultDialog | None = None

    def start(self, files: Sequence[str], *, skip_invalid: bool = False) -> None:
        self._files = list(files)
        files = list(self._files)
        actor = self._actor()  # read on the GUI thread; the job runs on the writer thread

        def job(
            store: Store,
            report_progress: Callable[[int, int], None],
            cancelled: Callable[[], bool],
        ) -> ImportReport:
            return services.import_autopilot(
                store,
                files,
                skip_invalid=skip_invalid,
                progress=report_progress,
                cancelled=cancelled,
                actor=signed_in(actor),
            )

        self.operation, self.progress = run_with_progress(
            self._parent,
            self.tr("Autopilot import"),
            self.tr("Importing {n} file(s)…").format(n=len(files)),
            self._db_path,
            job,
            on_done=self._on_op_done,
            on_failed=self._on_op_failed,
        )

    def _on_op_done(self, report: ImportReport) -> None:
        self.progress = None
        self._show_result(report)
        self.finished.emit(report)

    def _on_op_failed(self, error: BaseException) -> None:
        self.progress = None
        if isinstance(error, ImportRejected):
            self._show_result(error.report)
        elif isinstance(error, Cancelled):
            notify(
                self._parent,
                QMessageBox.Icon.Information,
                self.tr("Import cancelled"),
                self.tr("The import was cancelled. Nothing was imported."),
                self._present,
            )
        elif isinstance(error, JoineryError):
            notify(
                self._parent,
                QMessageBox.Icon.Warning,
                self.tr("Import failed"),
                str(error),
                self._present,
            )
        else:
            log.error("import failed unexpectedly", exc_info=error)
            notify(
                self._parent,
                QMessageBox.Icon.Critical,
                self.tr("Import failed"),
                self.tr(
                    "The import stopped on an unexpected error; nothing was imported. "
                    "The log has the details."
                ),
                self._present,
            )
        self.finished.emit(None)

    def _show_result(self, report: ImportReport) -> None:
        dialog = ImportResultDialog(report, self._parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.retry_skipping.connect(lambda: self.start(self._files, skip_invalid=True))
        self.result_dialog = dialog
        self._present(dialog)
