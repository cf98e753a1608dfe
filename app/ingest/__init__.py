"""Device check-ins in: collector reports (JSON) and Intune "All devices" exports (CSV).

Every reader produces `app.compliance.facts.DeviceFacts`; nothing here writes to the store.
Formats: docs/collector-report.md and the shared reference (domain.md 5.3).
"""

from __future__ import annotations

from app.ingest.batch import (
    KIND_INTUNE,
    KIND_REPORT,
    FileCount,
    IngestBatch,
    collect_paths,
    kind_of,
    read_all,
    read_reports,
)
from app.ingest.intune_csv import (
    COMPLIANCE_TEXT,
    MAX_EXPORT_BYTES,
    REQUIRED,
    ExportReader,
    IntuneFile,
    IntuneRow,
    read_intune_export,
)
from app.ingest.report import (
    MAX_REPORT_BYTES,
    SCHEMA,
    SCHEMA_MAJOR,
    ReportFile,
    read_report,
    read_report_file,
)

__all__ = [
    "KIND_INTUNE",
    "KIND_REPORT",
    "ExportReader",
    "IntuneRow",
    "kind_of",
    "read_reports",
    "COMPLIANCE_TEXT",
    "MAX_EXPORT_BYTES",
    "MAX_REPORT_BYTES",
    "REQUIRED",
    "SCHEMA",
    "SCHEMA_MAJOR",
    "FileCount",
    "IngestBatch",
    "IntuneFile",
    "ReportFile",
    "collect_paths",
    "read_all",
    "read_intune_export",
    "read_report",
    "read_report_file",
]
