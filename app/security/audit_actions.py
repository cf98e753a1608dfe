"""Every action the audit trail records, declared once: its code, its group and its words.

`Store.append_audit` takes an `AuditAction`, so mypy refuses a bare string in `app/`; the
Audit screen's filter is built from this table, so an action is offered the day it is
declared; and a test reads every `append_audit` call in `app/` and fails on an action that
is not one of these members.
"""

from __future__ import annotations

from enum import StrEnum

ENROLLMENTS = "Enrollments"
AUTOPILOT = "Autopilot hardware hashes"
LABELS = "Labels"
PACKAGES = "Provisioning packages"
DEVICE_FILES = "Device files"
PROFILES = "Bench profiles"
POLICIES = "Compliance policies"
COMPLIANCE = "Compliance"
CLEANUP = "Cleanup"
EXPORTS = "Exports"
SIGN_INS = "Sign-ins and operators"
LOCKS = "Locks"
SETTINGS = "Settings"
VAULT = "Secrets vault"
DEMO = "Demo data"
TENANT = "Tenant (Microsoft Graph)"


class AuditAction(StrEnum):
    """An audit action: the stored code (`device.enroll`), its filter group and its words."""

    group: str
    words: str

    def __new__(cls, code: str, group: str, words: str) -> AuditAction:
        member = str.__new__(cls, code)
        member._value_ = code
        member.group = group
        member.words = words
        return member

    DEVICE_ENROLL = "device.enroll", ENROLLMENTS, "Device enrolled"
    AUTOPILOT_IMPORT = "autopilot.import", AUTOPILOT, "Hardware hashes imported"
    LABEL_PRINT = "label.print", LABELS, "Label printed or saved"
    PACKAGE_BUILD = "package.build", PACKAGES, "Package built"
    PACKAGE_BUILD_UNFINISHED = "package.build.unfinished", PACKAGES, "Package build unfinished"
    PACKAGE_VERIFY = "package.verify", PACKAGES, "Package verified"
    PACKAGE_UNPACK_START = "package.unpack.start", PACKAGES, "Package unpack started"
    PACKAGE_UNPACK = "package.unpack", PACKAGES, "Package unpacked"
    PACKAGE_OPEN = "package.open", PACKAGES, "Package opened for editing"
    PACKAGE_EXPORT = "package.export", PACKAGES, "Package project exported"
    PACKAGE_PROVISIONED = "package.provisioned", PACKAGES, "Package applied to a device"
    DEVICE_FILES_WRITE = "device_files.write", DEVICE_FILES, "Device files written"
    DEVICE_FILES_VERIFY = "device_files.verify", DEVICE_FILES, "Device files verified"
    PROFILE_SAVE = "profile.save", PROFILES, "Bench profile saved"
    SECRET_REVEAL = "secret.reveal", PROFILES, "Profile secret revealed"
    POLICY_IMPORT = "policy.import", POLICIES, "Compliance policy imported"
    POLICY_ASSIGN = "policy.assign", POLICIES, "Compliance policy assigned"
    COMPLIANCE_REEVALUATE = "compliance.reevaluate", COMPLIANCE, "Compliance re-evaluated"
    COMPLIANCE_CHECKINS = "compliance.checkins", COMPLIANCE, "Check-ins imported"
    COMPLIANCE_SNAPSHOT = "compliance.snapshot", COMPLIANCE, "Daily snapshot taken"
    STALE_MARK = "stale.mark", CLEANUP, "Device marked for cleanup"
    STALE_DECOMMISSION = "stale.decommission", CLEANUP, "Device decommissioned"
    AUTOPILOT_EXPORT_START = "autopilot.export.start", EXPORTS, "Export for Intune started"
    AUTOPILOT_EXPORT = "autopilot.export", EXPORTS, "Exported for Intune (Autopilot CSV)"
    FLEET_EXPORT = "fleet.export", EXPORTS, "Fleet list exported"
    AUDIT_EXPORT = "audit.export", EXPORTS, "Audit trail exported"
    OPERATOR_SIGN_IN = "operator.sign_in", SIGN_INS, "Signed in"
    OPERATOR_SIGN_IN_FAILED = "operator.sign_in_failed", SIGN_INS, "Sign-in failed (wrong PIN)"
    OPERATOR_SIGN_IN_REFUSED = "operator.sign_in_refused", SIGN_INS, "Sign-in refused"
    OPERATOR_CREATE = "operator.create", SIGN_INS, "Operator added"
    OPERATOR_RESET_PIN = "operator.reset_pin", SIGN_INS, "Operator PIN reset"
    OPERATOR_DISABLE = "operator.disable", SIGN_INS, "Operator disabled"
    OPERATOR_ENABLE = "operator.enable", SIGN_INS, "Operator enabled"
    VAULT_CREATE = "vault.create", VAULT, "Vault passphrase set"
    VAULT_UNLOCK = "vault.unlock", VAULT, "Vault opened with the passphrase"
    VAULT_UNLOCK_REFUSED = "vault.unlock_refused", VAULT, "Vault passphrase refused"
    SESSION_LOCK = "session.lock", LOCKS, "Kiosk locked"
    SETTINGS_CHANGE = "settings.change", SETTINGS, "Setting changed"
    DEMO_SEED = "demo.seed", DEMO, "Demo fleet created"
    TENANT_CONNECT = "tenant.connect", TENANT, "Tenant connected"
    TENANT_QUEUE = "tenant.queue", TENANT, "Queued for the tenant"
    TENANT_SYNC = "tenant.sync", TENANT, "Synced with the tenant"
    TENANT_RETRY = "tenant.retry", TENANT, "Parked tenant change retried"
    TENANT_DROP = "tenant.drop", TENANT, "Parked tenant change dropped"


def groups() -> list[tuple[str, list[AuditAction]]]:
    """The groups in declaration order, each with its actions (what the filter offers)."""
    found: dict[str, list[AuditAction]] = {}
    for action in AuditAction:
        found.setdefault(action.group, []).append(action)
    return list(found.items())


#: Actions of another group whose entries belong in a group too when they built packages
#: (their details list them): a cart's device files build its packages and audit them in
#: the cart's one entry, so the Packages group shows that entry as well.
_ALSO_WHEN_BUILDING: dict[str, tuple[AuditAction, ...]] = {
    PACKAGES: (AuditAction.DEVICE_FILES_WRITE,),
}


def also_when_building(group: str) -> tuple[AuditAction, ...]:
    """The actions of other groups whose entries that built packages `group` shows too."""
    return _ALSO_WHEN_BUILDING.get(group, ())


def known(code: str) -> AuditAction | None:
    """The declared action with this stored code, or None."""
    return _BY_CODE.get(code)


def words(code: str) -> str:
    """The words for a stored action code; a code no longer declared shows as it is."""
    action = _BY_CODE.get(code)
    return action.words if action is not None else code


_BY_CODE: dict[str, AuditAction] = {action.value: action for action in AuditAction}
