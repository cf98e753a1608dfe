"""Import Autopilot CSV files from the kiosk: the reporting import flow, for hardware hashes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app import services
from app.domain import ImportReport
from app.security.roles import Actor
from app.services import ImportRejected
from ui.session import signed_in
from ui.widgets.import_flow import ImportOutcome, ImportResultDialog, Job, ReportingImportFlow

__all__ = ["AutopilotImportFlow", "ImportResultDialog"]


class AutopilotImportFlow(ReportingImportFlow):
    title = "Autopilot import"
    working = "Importing {n} file(s)…"

    def job(self, paths: list[str], skip_invalid: bool, actor: Actor | None) -> Job:
        return lambda store, progress, cancelled: services.import_autopilot(
            store,
            paths,
            skip_invalid=skip_invalid,
            progress=progress,
            cancelled=cancelled,
            actor=signed_in(actor),
        )

    def outcome(self, report: ImportReport) -> ImportOutcome:
        if not report.committed:
            summary = self.tr(
                "Nothing was imported: {n} row(s) were rejected. Fix the rows below and import "
                "again, or import the valid rows only."
            ).format(n=report.rejected_count)
        else:
            summary = self.tr(
                "Imported {imported} new device(s), updated {updated}, recorded {reimaged} "
                "reimage(s); {unchanged} unchanged."
            ).format(
                imported=report.imported,
                updated=report.updated,
                reimaged=report.reimaged,
                unchanged=report.unchanged,
            )
            if report.rejected:
                summary += " " + self.tr("{n} row(s) were rejected and skipped:").format(
                    n=report.rejected_count
                )
        if report.more_rejected:
            summary += " " + self.tr("The first {k} are listed.").format(k=len(report.rejected))
        for warning in report.warnings:  # nothing refused, yet worth a look
            summary += "\n" + self.tr("Note: {file}: {reason}.").format(
                file=Path(str(warning["file"])).name, reason=warning["reason"]
            )
        return ImportOutcome(summary, list(report.rejected), report.committed)

    def refused(self, error: BaseException) -> tuple[Any, ImportOutcome] | None:
        if isinstance(error, ImportRejected):
            return error.report, self.outcome(error.report)
        return None
