"""Use cases. The CLI and the kiosk both call these; neither repeats their logic.

Every use case takes the acting `Actor` (the local administrator when none is given) and
checks its permission itself: hiding a button is never the only guard.
"""

from __future__ import annotations

from app.services.actors import CancelCheck, Progress, local_admin
from app.services.audit import AUDIT_HEADER, audit_entries, export_audit, record_lock
from app.services.autopilot import ExportReport, ImportRejected, export_autopilot, import_autopilot
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
from app.services.labels import queue_label, record_label_print, write_label, write_label_sheet
from app.services.packages import (
    OpenedPackage,
    PackageListing,
    build_and_record,
    devices_of_package,
    export_package,
    list_packages,
    load_signing_key,
    new_signing_key,
    next_version,
    open_customizations,
    open_package,
    record_provisioned,
    revoke_steps,
    token_days_left,
    verify_package,
)

__all__ = [
    "AUDIT_HEADER",
    "DEMO_OPERATORS",
    "DEMO_PIN",
    "DEMO_SIGN_IN_HINT",
    "CancelCheck",
    "EnrollPreview",
    "EnrollRequest",
    "EnrollResult",
    "ExportReport",
    "ImportRejected",
    "OpenedPackage",
    "PackageListing",
    "Progress",
    "audit_entries",
    "build_and_record",
    "devices_of_package",
    "enroll_device",
    "enroll_devices",
    "export_audit",
    "export_autopilot",
    "export_package",
    "find_device",
    "import_autopilot",
    "list_devices",
    "list_packages",
    "load_signing_key",
    "local_admin",
    "new_signing_key",
    "next_version",
    "open_customizations",
    "open_package",
    "prepare_demo_database",
    "preview_enrollment",
    "profile",
    "profile_wifi_key",
    "queue_label",
    "record_label_print",
    "record_lock",
    "record_provisioned",
    "revoke_steps",
    "save_profile",
    "seed_demo",
    "token_days_left",
    "user_problem",
    "verify_package",
    "write_label",
    "write_label_sheet",
]
