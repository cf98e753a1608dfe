"""The only package that writes SQL. `Store.open(path)` gives a connection for one thread."""

from __future__ import annotations

from app.store.audit import AuditMixin
from app.store.compliance import ComplianceMixin
from app.store.dashboard import DashboardMixin
from app.store.devices import DeviceMixin
from app.store.operators import OperatorMixin
from app.store.packages import PackageMixin
from app.store.profiles import ProfileMixin
from app.store.schema import SCHEMA_VERSION, SORTABLE
from app.store.tenant import TenantMixin
from app.store.tenant_facts import TenantFactsMixin
from app.store.vault import VaultMixin

__all__ = ["SCHEMA_VERSION", "SORTABLE", "Store"]


class Store(
    DeviceMixin,
    AuditMixin,
    OperatorMixin,
    VaultMixin,
    ProfileMixin,
    ComplianceMixin,
    PackageMixin,
    DashboardMixin,
    TenantMixin,
    TenantFactsMixin,
):
    """Devices and their history, the audit trail, operators, the vault, bench profiles,
    compliance (policies, facts, states, snapshots), the package registry and the tenant
    (connection, outbox, what Autopilot and Intune say)."""
