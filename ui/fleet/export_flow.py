"""Export what the Fleet list shows: CSV in Joinery's columns or Entra's "Download devices"
layout, written on the writer thread (one consistent reading of the fleet, audited)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFileDialog

from app import services
from app.domain import DeviceQuery
from app.security.roles import Permission
from app.services import ExportResult, Layout, Store
from ui.ops import run_op
from ui.session import signed_in
from ui.widgets.progress import ScreenFlow


class FleetExportFlow(ScreenFlow):
    """`exported(path)` when a file is written; `message(text)` for the screen to show."""

    exported = Signal(str)
    message = Signal(str)

    def choose(self, layout: Layout, query: DeviceQuery) -> None:
        """Ask where to write, then export `query` (the list as filtered right now)."""
        actor = self._actor()
        if actor is None or not actor.may(Permission.EXPORT):
            self.message.emit(self.tr("Your role cannot export devices."))
            return
        name = "entra-devices.csv" if layout == "entra" else f"fleet-{date.today()}.csv"
        dialog = QFileDialog(self._parent, self.tr("Export the filtered devices"))
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilter(self.tr("CSV (*.csv)"))
        dialog.setDefaultSuffix("csv")
        dialog.selectFile(name)
        dialog.fileSelected.connect(lambda path: self.export_to(path, layout, query))
        self._present(dialog)

    def export_to(self, path: str, layout: Layout, query: DeviceQuery) -> None:
        actor = self._actor()
        self.message.emit(self.tr("Exporting to {p}…").format(p=path))

        def job(
            store: Store, progress: Callable[[int, int], None], cancel: Callable[[], bool]
        ) -> ExportResult:
            return services.export_devices_csv(
                store,
                query,
                path,
                layout=layout,
                actor=signed_in(actor),
                progress=progress,
                cancel=cancel,
            )

        run_op(
            self._db_path,
            job,
            on_done=self._on_op_done,
            on_failed=lambda error: self.message.emit(str(error)),
        )

    def _on_op_done(self, result: ExportResult) -> None:
        self.message.emit(
            self.tr("Exported {n} device(s) to {p}.").format(n=f"{result.devices:,}", p=result.path)
        )
        self.exported.emit(result.path)
