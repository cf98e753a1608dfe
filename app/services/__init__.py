"""Use cases. The CLI and the kiosk both call these; neither repeats their logic.

Every use case takes the acting `Actor` as a required argument (there is no default: the
CLI passes its local administrator or --operator, the kiosk its signed-in operator) and
checks its permission itself: hiding a button is never the only guard.

The names below are passed on from the modules that define them, each loaded on first
use (`__getattr__`, PEP 562): the kiosk's sign-in screen needs the store and the
operators, not the package builder, the tenant client or the compliance engine, and
importing them all took half a second of every start. Type checkers read the imports.
"""

from __future__ import annotations

import importlib
import sys
import types
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # Types and words the front ends need, passed on: the kiosk imports app.services, never
    # app.store, app.compliance or the security internals (the import-linter contracts).
    from app.compliance.stale import StaleDevice
    from app.compliance.words import STATE_WORDS, setting_words, state_words, states_words
    from app.provisioning.bundle import Verdict as PackageVerdict
    from app.provisioning.bundle_format import WrongPassword
    from app.security.vault import PASSPHRASE_MIN, forget_passphrases
    from app.services.actors import CancelCheck, Progress, local_admin
    from app.services.audit import (
        AUDIT_HEADER,
        AuditAction,
        AuditEntry,
        AuditQuery,
        AuditVerdict,
        audit_action_also,
        audit_action_groups,
        audit_action_words,
        audit_entries,
        export_audit,
        record_lock,
        verify_audit,
    )
    from app.services.autopilot import (
        ExportReport,
        ImportRejected,
        export_autopilot,
        import_autopilot,
    )
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
    from app.services.dashboard import (
        TILES,
        Dashboard,
        Decommissioned,
        dashboard,
        dashboard_at,
        decommission,
        drill_down,
        mark_for_cleanup,
        reevaluate_device,
        tile_query,
    )
    from app.services.demo import (
        DEMO_OPERATORS,
        DEMO_PIN,
        DEMO_SIGN_IN_HINT,
        demo_rejections,
        demo_serials,
        prepare_demo_database,
        sample_certificate,
        seed_demo,
    )
    from app.services.device_files import (
        DeviceFolder,
        WriteResult,
        bench_signing_key,
        default_files_for,
        folders_in_the_way,
        verify_device_files,
        write_device_files,
    )
    from app.services.devices import (
        ExactMatch,
        LineageEntry,
        device_history,
        device_lineage,
        find_device,
        find_exact,
        list_devices,
    )
    from app.services.enroll import (
        EnrollPreview,
        EnrollRequest,
        EnrollResult,
        ScanCheck,
        check_scan,
        enroll_device,
        enroll_devices,
        preview_cart,
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
        daily_snapshot,
        device_compliance,
        fleet_at,
        fleet_summary,
        stale_plan,
        take_snapshot,
    )
    from app.services.fleet_export import ExportResult, Layout, export_devices_csv
    from app.services.forms import (
        group_tag_problem,
        kept_secrets,
        kept_settings,
        package_problems,
        package_warnings,
        serial_problem,
    )
    from app.services.ingest import IngestReport, ingest_files
    from app.services.labels import (
        Enrolled,
        enroll_with_labels,
        label_png,
        queue_label,
        queue_label_after_enroll,
        record_label_print,
        write_label,
        write_label_sheet,
    )
    from app.services.operators import (
        OperatorStatus,
        SignInFailed,
        create_first_admin,
        create_operator,
        first_admin_needed,
        list_operators,
        pin_problem,
        reset_pin,
        set_operator_disabled,
        sign_in,
    )
    from app.services.packages import (
        KDF_BOUNDS,
        KDF_COST,
        OpenedPackage,
        PackageListing,
        build_and_record,
        devices_of_package,
        devices_per_user,
        export_package,
        list_packages,
        load_signing_key,
        new_signing_key,
        next_version,
        next_versions,
        open_customizations,
        open_package,
        record_provisioned,
        revoke_steps,
        signer_keys,
        token_days_left,
        unpack_package,
        verify_build,
        verify_package,
    )
    from app.services.places import data_dir, demo_db_path, log_handler, log_path
    from app.services.settings import (
        SETTINGS,
        Setting,
        save_settings,
        setting_number,
        settings_values,
        tenant_domains,
    )
    from app.services.sweeps import sweep_interrupted, sweep_scratch, sweep_unfinished
    from app.services.tenant import (
        ConnectRequest,
        QueueReport,
        autopilot_profiles,
        connect_tenant,
        device_tenant_facts,
        drop_parked,
        queue_device_change,
        queue_policy,
        queue_uploads,
        retry_parked,
        tenant_status,
    )
    from app.services.tenant_sync import SyncOptions, SyncReport, sync_once
    from app.services.tenant_view import TenantStatus
    from app.services.vault import VaultState, open_vault, vault_state
    from app.store import Store
    from app.tenant.config import CLOUDS, DEFAULT_AUTHORITY_HOST, DEFAULT_GRAPH_URL
    from app.tenant.credentials import read_certificate_file, read_secret_file
    from app.tenant.errors import GraphError, TenantBusy, TenantError, TenantUnreachable
    from app.wifi import key_problem as wifi_key_problem
    from app.wifi import ssid_problem as wifi_ssid_problem

#: Which module each name passed on comes from (the imports above, for type checkers).
_FROM = {
    "app.compliance.stale": "StaleDevice",
    "app.compliance.words": "STATE_WORDS setting_words state_words states_words",
    "app.security.vault": "PASSPHRASE_MIN forget_passphrases",
    "app.services.actors": "CancelCheck Progress local_admin",
    "app.services.audit": (
        "AUDIT_HEADER AuditAction AuditEntry AuditQuery AuditVerdict audit_action_also "
        "audit_action_groups "
        "audit_action_words audit_entries export_audit record_lock verify_audit"
    ),
    "app.services.autopilot": "ExportReport ImportRejected export_autopilot import_autopilot",
    "app.services.compliance": (
        "CheckinReport CheckinsRejected ImportedPolicy assign export_policy import_policy "
        "import_template policies record_checkins reevaluate tenant_settings"
    ),
    "app.services.dashboard": (
        "TILES Dashboard Decommissioned dashboard dashboard_at decommission drill_down "
        "mark_for_cleanup reevaluate_device tile_query"
    ),
    "app.services.demo": (
        "DEMO_OPERATORS DEMO_PIN DEMO_SIGN_IN_HINT demo_rejections demo_serials "
        "prepare_demo_database sample_certificate seed_demo"
    ),
    "app.services.device_files": (
        "DeviceFolder WriteResult bench_signing_key default_files_for folders_in_the_way "
        "verify_device_files write_device_files"
    ),
    "app.services.devices": (
        "ExactMatch LineageEntry device_history device_lineage find_device find_exact list_devices"
    ),
    "app.services.enroll": (
        "EnrollPreview EnrollRequest EnrollResult ScanCheck check_scan enroll_device "
        "enroll_devices preview_cart preview_enrollment profile profile_wifi_key save_profile "
        "user_problem"
    ),
    "app.services.fleet": (
        "DeviceCompliance StalePlan ca_outcome daily_snapshot device_compliance fleet_at "
        "fleet_summary stale_plan take_snapshot"
    ),
    "app.services.fleet_export": "ExportResult Layout export_devices_csv",
    "app.services.forms": (
        "group_tag_problem kept_secrets kept_settings package_problems package_warnings "
        "serial_problem"
    ),
    "app.services.ingest": "IngestReport ingest_files",
    "app.services.labels": (
        "Enrolled enroll_with_labels label_png queue_label queue_label_after_enroll "
        "record_label_print write_label write_label_sheet"
    ),
    "app.services.operators": (
        "OperatorStatus SignInFailed create_first_admin create_operator first_admin_needed "
        "list_operators pin_problem reset_pin set_operator_disabled sign_in"
    ),
    "app.services.packages": (
        "KDF_BOUNDS KDF_COST OpenedPackage PackageListing build_and_record devices_of_package "
        "devices_per_user export_package list_packages load_signing_key new_signing_key "
        "next_version next_versions open_customizations open_package record_provisioned "
        "revoke_steps signer_keys token_days_left unpack_package verify_build verify_package"
    ),
    "app.services.places": "data_dir demo_db_path log_handler log_path",
    "app.services.settings": (
        "SETTINGS Setting save_settings setting_number settings_values tenant_domains"
    ),
    "app.services.sweeps": "sweep_interrupted sweep_scratch sweep_unfinished",
    "app.services.tenant": (
        "ConnectRequest QueueReport autopilot_profiles connect_tenant "
        "device_tenant_facts drop_parked queue_device_change queue_policy queue_uploads "
        "retry_parked tenant_status"
    ),
    "app.services.tenant_sync": "SyncOptions SyncReport sync_once",
    "app.services.tenant_view": "TenantStatus",
    "app.services.vault": "VaultState open_vault vault_state",
    "app.provisioning.bundle_format": "WrongPassword",
    "app.store": "Store",
    "app.tenant.config": "CLOUDS DEFAULT_AUTHORITY_HOST DEFAULT_GRAPH_URL",
    "app.tenant.credentials": "read_certificate_file read_secret_file",
    "app.tenant.errors": "GraphError TenantBusy TenantError TenantUnreachable",
}
#: Names passed on under another name: (module, name there).
_RENAMED = {
    "PackageVerdict": ("app.provisioning.bundle", "Verdict"),
    "wifi_key_problem": ("app.wifi", "key_problem"),
    "wifi_ssid_problem": ("app.wifi", "ssid_problem"),
}
_WHERE = {name: (module, name) for module, names in _FROM.items() for name in names.split()}
_WHERE |= _RENAMED


def __getattr__(name: str) -> object:
    """Load a name passed on from its module the first time it is asked for."""
    try:
        module, attribute = _WHERE[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value  # from now on a plain module attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))


class _Facade(types.ModuleType):
    """Importing a submodule sets it on this package under its own name; where a name passed
    on is also a submodule's (`dashboard`, the function, from `app.services.dashboard`), the
    name passed on keeps its place, as when everything was imported up front."""

    def __setattr__(self, name: str, value: object) -> None:
        submodule = isinstance(value, types.ModuleType) and value.__name__ == f"{__name__}.{name}"
        if not (submodule and name in _WHERE):
            super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Facade


def open_store(path: str | Path, *, migrate: bool = True) -> Store:
    """A connection to a kiosk database (one per thread), for the front ends."""
    from app.store import Store

    return Store.open(path, migrate=migrate)


__all__ = [
    "AUDIT_HEADER",
    "AuditAction",
    "AuditEntry",
    "AuditQuery",
    "AuditVerdict",
    "CLOUDS",
    "CancelCheck",
    "CheckinReport",
    "CheckinsRejected",
    "ConnectRequest",
    "DEFAULT_AUTHORITY_HOST",
    "DEFAULT_GRAPH_URL",
    "DEMO_OPERATORS",
    "DEMO_PIN",
    "DEMO_SIGN_IN_HINT",
    "Dashboard",
    "Decommissioned",
    "DeviceCompliance",
    "DeviceFolder",
    "EnrollPreview",
    "EnrollRequest",
    "EnrollResult",
    "Enrolled",
    "ExactMatch",
    "ExportReport",
    "ExportResult",
    "GraphError",
    "ImportRejected",
    "ImportedPolicy",
    "IngestReport",
    "KDF_BOUNDS",
    "KDF_COST",
    "Layout",
    "LineageEntry",
    "OpenedPackage",
    "OperatorStatus",
    "PASSPHRASE_MIN",
    "PackageListing",
    "PackageVerdict",
    "Progress",
    "QueueReport",
    "SETTINGS",
    "STATE_WORDS",
    "ScanCheck",
    "Setting",
    "SignInFailed",
    "StaleDevice",
    "StalePlan",
    "Store",
    "SyncOptions",
    "SyncReport",
    "TILES",
    "TenantBusy",
    "TenantError",
    "TenantStatus",
    "TenantUnreachable",
    "VaultState",
    "WriteResult",
    "WrongPassword",
    "assign",
    "audit_action_also",
    "audit_action_groups",
    "audit_action_words",
    "audit_entries",
    "autopilot_profiles",
    "bench_signing_key",
    "build_and_record",
    "ca_outcome",
    "check_scan",
    "connect_tenant",
    "create_first_admin",
    "create_operator",
    "daily_snapshot",
    "dashboard",
    "dashboard_at",
    "data_dir",
    "decommission",
    "default_files_for",
    "demo_db_path",
    "demo_rejections",
    "demo_serials",
    "device_compliance",
    "device_history",
    "device_lineage",
    "device_tenant_facts",
    "devices_of_package",
    "devices_per_user",
    "drill_down",
    "drop_parked",
    "enroll_device",
    "enroll_devices",
    "enroll_with_labels",
    "export_audit",
    "export_autopilot",
    "export_devices_csv",
    "export_package",
    "export_policy",
    "find_device",
    "find_exact",
    "first_admin_needed",
    "fleet_at",
    "fleet_summary",
    "folders_in_the_way",
    "forget_passphrases",
    "group_tag_problem",
    "import_autopilot",
    "import_policy",
    "import_template",
    "ingest_files",
    "kept_secrets",
    "kept_settings",
    "label_png",
    "list_devices",
    "list_operators",
    "list_packages",
    "load_signing_key",
    "local_admin",
    "log_handler",
    "log_path",
    "mark_for_cleanup",
    "new_signing_key",
    "next_version",
    "next_versions",
    "open_customizations",
    "open_package",
    "open_store",
    "open_vault",
    "package_problems",
    "package_warnings",
    "pin_problem",
    "policies",
    "prepare_demo_database",
    "preview_cart",
    "preview_enrollment",
    "profile",
    "profile_wifi_key",
    "queue_device_change",
    "queue_label",
    "queue_label_after_enroll",
    "queue_policy",
    "queue_uploads",
    "read_certificate_file",
    "read_secret_file",
    "record_checkins",
    "record_label_print",
    "record_lock",
    "record_provisioned",
    "reevaluate",
    "reevaluate_device",
    "reset_pin",
    "retry_parked",
    "revoke_steps",
    "sample_certificate",
    "save_profile",
    "save_settings",
    "seed_demo",
    "serial_problem",
    "set_operator_disabled",
    "setting_number",
    "setting_words",
    "settings_values",
    "sign_in",
    "signer_keys",
    "stale_plan",
    "state_words",
    "states_words",
    "sweep_interrupted",
    "sweep_scratch",
    "sweep_unfinished",
    "sync_once",
    "take_snapshot",
    "tenant_domains",
    "tenant_settings",
    "tenant_status",
    "tile_query",
    "token_days_left",
    "unpack_package",
    "user_problem",
    "vault_state",
    "verify_audit",
    "verify_device_files",
    "verify_build",
    "verify_package",
    "wifi_key_problem",
    "wifi_ssid_problem",
    "write_device_files",
    "write_label",
    "write_label_sheet",
]
