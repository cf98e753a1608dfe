"""Who may do what. Services check permissions themselves; hiding a button is not enough."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from app.errors import JoineryError


class Role(StrEnum):
    TECHNICIAN = "technician"
    LEAD = "lead"
    ADMIN = "admin"


class Permission(StrEnum):
    ENROLL = "enroll"
    PRINT_LABEL = "print labels"
    VIEW = "view devices"
    IMPORT = "import Autopilot CSV files"
    EXPORT = "export devices"
    BUILD_PACKAGE = "build provisioning packages"
    MANAGE_PROFILES = "manage bench profiles"
    REVEAL_SECRET = "reveal secrets"
    VIEW_AUDIT = "view the audit trail"
    MANAGE_POLICIES = "manage compliance policies"
    MANAGE_OPERATORS = "manage operators"
    CHANGE_SETTINGS = "change settings"
    STALE_ACTIONS = "act on stale devices"
    SEED_DEMO = "seed demo data"
    SYNC_TENANT = "sync with the tenant"
    MANAGE_OUTBOX = "retry or drop parked tenant changes"


# A technician's bench sends its outbox in the background while they work: syncing is
# theirs too (connecting a tenant is an admin's, retrying a refused change a lead's).
_TECHNICIAN = frozenset(
    {Permission.ENROLL, Permission.PRINT_LABEL, Permission.VIEW, Permission.SYNC_TENANT}
)
_LEAD = _TECHNICIAN | {
    Permission.IMPORT,
    Permission.EXPORT,
    Permission.BUILD_PACKAGE,
    Permission.MANAGE_PROFILES,
    Permission.REVEAL_SECRET,
    Permission.VIEW_AUDIT,
    Permission.MANAGE_OUTBOX,
}
_ADMIN = _LEAD | {
    Permission.MANAGE_POLICIES,
    Permission.MANAGE_OPERATORS,
    Permission.CHANGE_SETTINGS,
    Permission.STALE_ACTIONS,
    Permission.SEED_DEMO,
}
GRANTS: dict[Role, frozenset[Permission]] = {
    Role.TECHNICIAN: _TECHNICIAN,
    Role.LEAD: frozenset(_LEAD),
    Role.ADMIN: frozenset(_ADMIN),
}


class PermissionDenied(JoineryError):
    """The actor's role does not allow the action; says who could do it instead."""


@dataclass(frozen=True)
class Actor:
    """Who is acting: a kiosk operator, or the machine's local administrator (the CLI)."""

    name: str
    role: Role
    local_admin: bool = False

    @property
    def audit_name(self) -> str:
        return f"{self.name} (local administrator)" if self.local_admin else self.name

    def may(self, permission: Permission) -> bool:
        return permission in GRANTS[self.role]

    def require(self, permission: Permission) -> None:
        if self.may(permission):
            return
        allowed = [role.value for role in Role if permission in GRANTS[role]]
        raise PermissionDenied(
            f"{self.name} signed in as {self.role.value} may not {permission.value}. "
            f"Ask someone with the role {' or '.join(allowed)}."
        )
