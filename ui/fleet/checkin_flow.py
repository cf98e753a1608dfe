"""Import check-ins in the kiosk: collector reports (a folder such as a USB stick) or an
Intune export, through the reporting import flow."""

from __future__ import annotations

from typing import Any

from app import services
from app.errors import InputError
from app.security.roles import Actor
from app.services import IngestReport
from ui.session import signed_in
from ui.widgets.import_flow import ImportOutcome, Job, ReportingImportFlow


class CheckinImportFlow(ReportingImportFlow):
    title = "Import check-ins"
    working = "Reading check-ins from {n} file(s) or folder(s)…"

    def job(self, paths: list[str], skip_invalid: bool, actor: Actor | None) -> Job:
        return lambda store, progress, cancelled: services.ingest_files(
            store,
            paths,
            skip_invalid=skip_invalid,
            actor=signed_in(actor),
            progress=progress,
            cancel=cancelled,
        )

    def outcome(self, report: IngestReport) -> ImportOutcome:
        summary = self.tr(
            "Recorded {r} check-in(s) from {f} file(s); {c} device(s) changed state."
        ).format(r=report.recorded, f=len(report.files), c=report.changed)
        if report.created:
            summary += " " + self.tr("{n} device(s) new to Joinery came from Intune.").format(
                n=report.created
            )
        if report.warnings:
            summary += " " + self.tr(
                "{n} note(s) from the collector (facts it could not read)."
            ).format(n=len(report.warnings))
        if report.rejected:
            summary += " " + self.tr("Skipped {n}:").format(n=len(report.rejected))
        return ImportOutcome(summary, [_row(p) for p in report.rejected])

    def refused(self, error: BaseException) -> tuple[Any, ImportOutcome] | None:
        if not isinstance(error, InputError) or not error.problems:
            return None
        summary = self.tr(
            "{m}. Nothing was recorded: fix the rows below, or record the others only."
        ).format(m=error.args[0].rstrip("."))
        rows: list[dict[str, object]] = [
            {"file": p.file, "line": p.line, "column": p.column, "reason": p.reason}
            for p in error.problems
        ]
        return None, ImportOutcome(summary, rows, committed=False)


def _row(problem: dict[str, object]) -> dict[str, object]:
    return {key: problem.get(key) for key in ("file", "line", "column", "reason")}
