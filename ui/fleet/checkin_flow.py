"""Import check-ins in the kiosk: collector reports (a folder such as a USB stick) or an
Intune export, with progress and Cancel, then what was recorded and what was refused."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from app import services
from app.errors import Cancelled, InputError, JoineryError
from app.services import IngestReport, Store
from ui.ops import Operation
from ui.session import signed_in
from ui.widgets.messages import notify
from ui.widgets.progress import ScreenFlow, run_with_progress

log = logging.getLogger(__name__)

SHOWN = 15


class CheckinImportFlow(ScreenFlow):
    """One import on the writer thread; `finished(report or None)` when it is over."""

    finished = Signal(object)

    def __init__(self, db_path: str, parent: QWidget, **flow: Any) -> None:
        super().__init__(db_path, parent, **flow)
        self.progress: QProgressDialog | None = None
        self.operation: Operation | None = None
        self.shown: QMessageBox | None = None

    def start(self, paths: Sequence[str], *, skip_invalid: bool = False) -> None:
        chosen = list(paths)
        actor = self._actor()

        def job(
            store: Store, report: Callable[[int, int], None], cancelled: Callable[[], bool]
        ) -> IngestReport:
            return services.ingest_files(
                store,
                chosen,
                skip_invalid=skip_invalid,
                actor=signed_in(actor),
                progress=report,
                cancel=cancelled,
            )

        self.operation, self.progress = run_with_progress(
            self._parent,
            self.tr("Import check-ins"),
            self.tr("Reading check-ins…"),
            self._db_path,
            job,
            on_done=self._on_op_done,
            on_failed=self._on_op_failed,
        )

    def _on_op_done(self, report: IngestReport) -> None:
        self.progress = None
        text = self.tr(
            "Recorded {r} check-in(s) from {f} file(s); {c} device(s) changed state."
        ).format(r=report.recorded, f=len(report.files), c=report.changed)
        lines = [f"{p['file']}: {p['reason']}" for p in report.rejected[:SHOWN]]
        if report.rejected:
            text += "\n\n" + self.tr("Skipped {n}:").format(n=len(report.rejected))
            text += "\n" + "\n".join(lines)
        if report.warnings:
            text += "\n\n" + self.tr(
                "{n} note(s) from the collector (facts it could not read)."
            ).format(n=len(report.warnings))
        self.shown = notify(
            self._parent,
            QMessageBox.Icon.Information,
            self.tr("Check-ins imported"),
            text,
            self._present,
        )
        self.finished.emit(report)

    def _on_op_failed(self, error: BaseException) -> None:
        self.progress = None
        if isinstance(error, Cancelled):
            title, text = self.tr("Import cancelled"), self.tr("Nothing was recorded.")
        elif isinstance(error, InputError):
            title = self.tr("Check-ins refused")
            shown = "\n".join(str(p) for p in error.problems[:SHOWN])
            more = len(error.problems) - SHOWN
            text = (
                self.tr("{m}. Nothing was recorded; fix these, or import the others only:").format(
                    m=error.args[0]
                )
                + f"\n{shown}"
                + (f"\n… {more} more" if more > 0 else "")
            )
        elif isinstance(error, JoineryError):
            title, text = self.tr("Import failed"), str(error)
        else:
            log.error("check-in import failed unexpectedly", exc_info=error)
            title = self.tr("Import failed")
            text = self.tr("The import stopped on an unexpected error; nothing was recorded.")
        self.shown = notify(self._parent, QMessageBox.Icon.Warning, title, text, self._present)
        self.finished.emit(None)
