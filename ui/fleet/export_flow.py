"""Export what the Fleet screen shows: CSV in Joinery's columns or Entra's "Download devices"
layout, written on the writer thread (one consistent reading of the fleet, audited).

The buttons sit beside the tabs, so an export holds the list of the tab in view (an
`ExportScope`): the whole fleet from the Overview, the Devices list as filtered, the stale
devices from the Stale tab. The file's default name and the words said afterwards name it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFileDialog

from app import services
from app.domain import DeviceQuery
from app.security.roles import Permission
from app.services import ExportResult, Layout, Store
from ui.ops import failure_words, run_op
from ui.session import signed_in
from ui.widgets.progress import ScreenFlow

ALL, LIST, STALE = "all", "list", "stale"
_NAME_PART = {ALL: "-all", LIST: "", STALE: "-stale"}


@dataclass(frozen=True)
class ExportScope:
    """Which devices an export holds: `key` says which list (ALL, LIST, STALE), `query`
    reads it, `days` is the stale plan's threshold (STALE only)."""

    key: str
    query: DeviceQuery
    days: int = 0


def whole_fleet() -> ExportScope:
    return ExportScope(ALL, DeviceQuery())


def devices_list(query: DeviceQuery) -> ExportScope:
    """The Devices list as filtered; with no filter set, that is the whole fleet."""
    return ExportScope(LIST if query.only() != "" else ALL, query)


def stale_devices(cutoff: str, days: int) -> ExportScope:
    """The stale plan's devices: the same cutoff, so the count is the one the tab says, and
    its order (longest inactive first)."""
    return ExportScope(STALE, DeviceQuery(stale_before=cutoff, sort="last_checkin"), days)


def file_name(layout: Layout, scope: ExportScope, day: date) -> str:
    """fleet-2026-11-01.csv (the Devices list), fleet-all-…, fleet-stale-…; entra-devices-…"""
    stem = "entra-devices" if layout == "entra" else "fleet"
    return f"{stem}{_NAME_PART[scope.key]}-{day.isoformat()}.csv"


class FleetExportFlow(ScreenFlow):
    """`exported(path)` when a file is written; `message(text)` for news the screen shows
    (under way, done), `failed(text)` for what went wrong."""

    exported = Signal(str)
    message = Signal(str)
    failed = Signal(str)

    def tooltip(self, key: str) -> str:
        """What the export buttons write from a tab showing the list `key`."""
        return {
            ALL: self.tr("Exports every device of the fleet, as it is now"),
            LIST: self.tr("Exports the devices the Devices list shows, with its filters"),
            STALE: self.tr("Exports every stale device this tab counts"),
        }[key]

    def choose(self, layout: Layout, scope: ExportScope) -> None:
        """Ask where to write, then export the devices of `scope`."""
        actor = self._actor()
        if actor is None or not actor.may(Permission.EXPORT):
            self.failed.emit(self.tr("Your role cannot export devices."))
            return
        titles = {
            ALL: self.tr("Export the whole fleet"),
            LIST: self.tr("Export the devices of the list"),
            STALE: self.tr("Export the stale devices"),
        }
        dialog = QFileDialog(self._parent, titles[scope.key])
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilter(self.tr("CSV (*.csv)"))
        dialog.setDefaultSuffix("csv")
        dialog.selectFile(file_name(layout, scope, date.today()))
        dialog.fileSelected.connect(lambda path: self.export_to(path, layout, scope))
        self._present(dialog)

    def export_to(self, path: str, layout: Layout, scope: ExportScope) -> None:
        actor = self._actor()
        self.message.emit(self.tr("Exporting to {p}…").format(p=path))

        def job(
            store: Store, progress: Callable[[int, int], None], cancel: Callable[[], bool]
        ) -> ExportResult:
            return services.export_devices_csv(
                store,
                scope.query,
                path,
                layout=layout,
                actor=signed_in(actor),
                progress=progress,
                cancel=cancel,
            )

        run_op(
            self._db_path,
            job,
            on_done=lambda result: self._on_op_done(result, scope),
            on_failed=lambda error: self.failed.emit(failure_words(error, self.tr("The export"))),
            owner=self,
        )

    def _on_op_done(self, result: ExportResult, scope: ExportScope) -> None:
        n, p = f"{result.devices:,}", result.path
        words = {
            ALL: self.tr("Exported {n} device(s), the whole fleet as it is now, to {p}."),
            LIST: self.tr("Exported {n} device(s), the Devices list as filtered, to {p}."),
            STALE: self.tr(
                "Exported {n} stale device(s), no activity for {d} days or more, to {p}."
            ),
        }[scope.key]
        self.message.emit(words.format(n=n, p=p, d=scope.days))
        self.exported.emit(result.path)
