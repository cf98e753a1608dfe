"""Use cases. The CLI and the kiosk both call these; neither repeats their logic.

Every use case takes the acting `Actor` (the local administrator when none is given) and
checks its permission itself: hiding a button is never the only guard.
"""

from __future__ import annotations

from app.services.actors import CancelCheck, Progress, local_admin
from app.services.audit import AUDIT_HEADER, audit_entries, export_audit, record_lock
from app.services.autopilot import ExportReport, ImportRejected, export_autopilot, import_autopilot
from app.services.compliance import (
    CheckinReport,
    CheckinsRejected,
    ImportedPolicy,
    assign,
    export_policy,
    import_policy,
    import_template,
    policies,
    record_checkins,
    reevaluate,
    tenant_settings,
)
from app.services.demo import (
    DEMO_OPERATORS,
    DEMO_PIN,
    DEMO_SIGN_IN_HINT,
    prepare_demo_database,
    seed_demo,
)
from app.services.devices import find_device, list_devices
from app.services.enroll import (
    EnrollPreview,
    EnrollRequest,
    EnrollResult,
    enroll_device,
    enroll_devices,
    preview_enrollment,
    profile,
    profile_wifi_key,
    save_profile,
    user_problem,
)
from app.services.fleet import (
    DeviceCompliance,
    StalePlan,
    ca_outcome,
    device_compliance,
    fleet_at,
    fleet_summary,
    stale_plan,
    take_snapshot,
)
from app.services.ingest import IngestReport, ingest_files
from app.services.labels import queue_label, record_label_print, write_label, write_label_sheet

__all__ = [
    "IngestReport",
    "ingest_files",
    "AUDIT_HEADER",
    "DEMO_OPERATORS",
    "DEMO_PIN",
    "DEMO_SIGN_IN_HINT",
    "CancelCheck",
    "CheckinReport",
    "CheckinsRejected",
    "DeviceCompliance",
    "EnrollPreview",
    "EnrollRequest",
    "EnrollResult",
    "ExportReport",
    "ImportRejected",
    "ImportedPolicy",
    "Progress",
    "StalePlan",
    "assign",
    "audit_entries",
    "ca_outcome",
    "device_compliance",
    "enroll_device",
    "enroll_devices",
    "export_audit",
    "export_autopilot",
    "export_policy",
    "find_device",
    "fleet_at",
    "fleet_summary",
    "import_autopilot",
    "import_policy",
    "import_template",
    "list_devices",
    "local_admin",
    "policies",
    "prepare_demo_database",
    "preview_enrollment",
    "profile",
    "profile_wifi_key",
    "queue_label",
    "record_checkins",
    "record_label_print",
    "record_lock",
    "reevaluate",
    "save_profile",
    "seed_demo",
    "stale_plan",
    "take_snapshot",
    "tenant_settings",
    "user_problem",
    "write_label",
    "write_label_sheet",
]
