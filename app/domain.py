"""Value types and enums shared by the store, the services, the CLI and the UI."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar


class ComplianceState(StrEnum):
    """A device's compliance state: Graph's managedDevice.complianceState values, as Graph
    spells them, plus NOT_EVALUATED, which is a report state (Intune's dashboard bucket for
    devices that never reported), not a Graph value: see GRAPH_STATES."""

    COMPLIANT = "compliant"
    NONCOMPLIANT = "noncompliant"
    IN_GRACE_PERIOD = "inGracePeriod"
    NOT_EVALUATED = "notEvaluated"
    UNKNOWN = "unknown"
    ERROR = "error"
    CONFLICT = "conflict"
    CONFIG_MANAGER = "configManager"


#: Graph's complianceState enum (intune-devices-compliancestate): the states a device has.
GRAPH_STATES = (
    ComplianceState.UNKNOWN,
    ComplianceState.COMPLIANT,
    ComplianceState.NONCOMPLIANT,
    ComplianceState.CONFLICT,
    ComplianceState.ERROR,
    ComplianceState.IN_GRACE_PERIOD,
    ComplianceState.CONFIG_MANAGER,
)
#: States that only reports have (Intune's "Not evaluated" bucket), kept apart from Graph's.
REPORT_STATES = (ComplianceState.NOT_EVALUATED,)


class JoinType(StrEnum):
    """Graph device.trustType, in words: AzureAd is Entra joined."""

    ENTRA_JOINED = "entraJoined"
    HYBRID_JOINED = "hybridJoined"
    ENTRA_REGISTERED = "entraRegistered"
    NONE = "none"


class ProvisioningMethod(StrEnum):
    SELF_SERVICE = "selfService"
    BULK = "bulk"
    AUTOPILOT = "autopilot"


class ManagementAuthority(StrEnum):
    INTUNE = "intune"
    CONFIGURATION_MANAGER = "configurationManager"
    CO_MANAGED = "coManaged"
    NONE = "none"


class EnrollmentStatus(StrEnum):
    """Where the device is on its way from the carton to a managed desktop."""

    REGISTERED = "registered"  # hardware hash known (Autopilot), not yet enrolled
    # Enrolled at the bench (name, user, profile recorded): the join happens later, on the
    # device, so it is not confirmed until a check-in, an Intune export or the tenant says so.
    PREPARED = "prepared"
    ENROLLED = "enrolled"  # Entra joined and enrolled in MDM, confirmed
    RETIRED = "retired"


#: States of a device the bench has enrolled (an enrollment again is an update).
BENCH_ENROLLED = frozenset({EnrollmentStatus.PREPARED, EnrollmentStatus.ENROLLED})


class DeviceOrigin(StrEnum):
    """Where a device Joinery did not create at the bench came from (None: the bench)."""

    INTUNE_EXPORT = "intuneExport"  # a row of Intune's "All devices" export
    TENANT_AUTOPILOT = "tenantAutopilot"  # the tenant's Autopilot devices (Microsoft Graph)
    TENANT_INTUNE = "tenantIntune"  # the tenant's Intune managed devices (Microsoft Graph)


class HistoryKind(StrEnum):
    IMPORTED = "imported"
    UPDATED = "updated"
    REIMAGED = "reimaged"
    ENROLLED = "enrolled"
    JOIN_CONFIRMED = "join confirmed"
    CLEANUP = "marked for cleanup"
    DECOMMISSIONED = "decommissioned"


@dataclass(frozen=True)
class Device:
    """One physical device: a row of `devices`, with its current hardware-hash lineage."""

    id: int
    serial: str
    manufacturer: str | None
    model: str | None
    product_id: str | None
    group_tag: str | None
    assigned_user: str | None
    device_name: str | None
    join_type: str
    provisioning_method: str | None
    ownership: str
    os_edition: str | None
    os_version: str | None
    management_authority: str
    enrollment_status: str
    compliance_state: str
    last_checkin: str | None
    lineage: int
    has_hash: bool
    created_at: str
    updated_at: str
    enrolled_at: str | None = None
    profile: str | None = None
    origin: str | None = None  # DeviceOrigin; None: created at the bench
    intune_state: str | None = None  # Intune's own verdict (its export), when it gave one
    intune_grace_until: str | None = None

    @property
    def verdict(self) -> str:
        """Intune's state where Intune gave one (authoritative for Intune-managed devices),
        else Joinery's bench check."""
        return self.intune_state or self.compliance_state

    @property
    def enrolled(self) -> bool:
        """Enrolled at the bench, whether or not its join is confirmed yet."""
        return self.enrollment_status in BENCH_ENROLLED


@dataclass(frozen=True)
class HistoryEntry:
    id: int
    device_id: int
    at: str
    kind: str
    lineage: int
    actor: str
    changes: dict[str, list[str | None]]
    note: str | None


@dataclass(frozen=True)
class AutopilotRecord:
    """One valid row of an Autopilot hardware-hash CSV, with where it came from."""

    serial: str
    product_id: str
    hardware_hash: str
    group_tag: str | None = None
    assigned_user: str | None = None
    manufacturer: str | None = None
    model: str | None = None
    source: str = ""
    line: int = 0


@dataclass(frozen=True)
class DeviceQuery:
    """What a device list shows: filters (all must hold) and an order.

    A dashboard tile and the list it opens share one query, so their counts agree.
    """

    text: str = ""
    state: str | None = None
    group_tag: str | None = None
    sort: str = "serial"
    descending: bool = False
    states: tuple[str, ...] = ()  # any of these (e.g. error or conflict)
    group_tags: tuple[str, ...] = ()  # any of these (the devices a policy is assigned to)
    build: str | None = None  # "10.0.26100": that Windows build, any revision
    model: str | None = None
    stale_before: str | None = None  # last activity before this ISO time
    failing: str | None = None  # a Graph setting name the device fails (nonCompliant)
    exact: bool = False  # `text` is a whole serial, device name or user, not a prefix
    verdict: str | None = None  # Intune's state where it gave one, else the bench check
    verdicts: tuple[str, ...] = ()  # any of these verdicts

    def only(self) -> str | None:
        """The single filter set, when a trigger-kept counter answers the count."""
        set_filters = [
            name
            for name in (
                "text",
                "state",
                "group_tag",
                "states",
                "group_tags",
                "build",
                "model",
                "stale_before",
                "failing",
                "verdict",
                "verdicts",
            )
            if getattr(self, name)
        ]
        return set_filters[0] if len(set_filters) == 1 else ("" if not set_filters else None)


#: How many rejected rows an import keeps, each with its file, line and reason (an Autopilot
#: import's report, a check-in or Intune ingest's problems); the rest are counted. A person
#: fixes a file from its first problems, not its millionth.
REJECTED_KEPT = 1000


T = TypeVar("T")


def keep_first(kept: list[T], item: T) -> bool:
    """Keep `item` while fewer than REJECTED_KEPT are kept; False when it is only to be
    counted (a file of junk lines is millions of problems; kept, they took gigabytes)."""
    if len(kept) < REJECTED_KEPT:
        kept.append(item)
        return True
    return False


@dataclass
class ImportReport:
    """What one Autopilot import did; `rejected` names file, line, column and reason."""

    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    reimaged: int = 0
    rejected: list[dict[str, object]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    committed: bool = False
    more_rejected: int = 0  # rejected rows beyond those `rejected` keeps (REJECTED_KEPT)
    warnings: list[dict[str, object]] = field(default_factory=list)  # one a file at most

    @property
    def rejected_count(self) -> int:
        """Every rejected row, those kept and those only counted."""
        return len(self.rejected) + self.more_rejected

    def reject(self, row: dict[str, object]) -> None:
        """One rejected row: kept, or only counted (`keep_first`)."""
        if not keep_first(self.rejected, row):
            self.more_rejected += 1

    def as_json(self) -> dict[str, object]:
        return {
            "imported": self.imported,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "reimaged": self.reimaged,
            "rejected": self.rejected,
            "rejected_count": self.rejected_count,
            "warnings": self.warnings,
            "files": self.files,
            "committed": self.committed,
        }


@dataclass(frozen=True)
class PackageBuild:
    """One build in the package registry: a row of `packages` (metadata only, no secret)."""

    id: int
    package_id: str  # the GUID, without braces; kept across versions of one package
    name: str
    version: str
    owner: str
    rank: int
    created_at: str
    created_by: str
    form: str  # "bundle" or "project"
    encrypted: bool
    signer_key_id: str | None
    sha256: str
    output: str
    token_expires: str | None  # ISO date
    token_account: str | None  # package_{GUID}: the Entra user to delete to revoke early
    token_account_confirmed: bool = False  # entered by the operator; else Joinery's guess
    devices: int = 0  # devices recorded as provisioned with it
    state: str = "built"  # "building" (its intent, recorded first), "built" or "unfinished"

    @property
    def built(self) -> bool:
        return self.state == "built"


# -- the tenant (Microsoft Graph): what the tenant says about a device, and the outbox --------


class OutboxState(StrEnum):
    """Where an item of the tenant outbox is on its way (docs/tenant.md, "The outbox")."""

    PENDING = "pending"  # waiting to be sent
    SENDING = "sending"  # being sent, or its fate unknown (a crash, a lost answer): the sender
    # looks the serial up in the tenant before it sends again
    IMPORTING = "importing"  # the tenant accepted the upload; its import is not finished yet
    DONE = "done"  # the tenant's answer is recorded (success, or a per-device import error)
    PARKED = "parked"  # refused for good (400, 403): waits for a lead to retry or drop it


#: States the kiosk counts as "waiting" (not yet done, not parked).
OUTBOX_WAITING = (OutboxState.PENDING, OutboxState.SENDING, OutboxState.IMPORTING)


class OutboxKind(StrEnum):
    UPLOAD = "autopilot.upload"  # a hardware hash for importedWindowsAutopilotDeviceIdentities
    UPDATE = "autopilot.update"  # a group tag or user change (updateDeviceProperties)
    POLICY = "policy.create"  # a compliance policy (deviceCompliancePolicies), behind a setting


@dataclass(frozen=True)
class OutboxItem:
    """One change waiting for (or answered by) the tenant; never holds a secret."""

    id: int
    kind: str
    device_id: int | None
    serial: str | None
    payload: dict[str, object]
    state: str
    attempts: int
    not_before: str | None
    remote_id: str | None
    outcome: str | None
    code: int | None
    reason: str | None
    created_at: str
    created_by: str
    updated_at: str
    damage: str | None = None  # why the stored row cannot be sent (edited outside Joinery)


@dataclass(frozen=True)
class AutopilotFacts:
    """What the tenant's Autopilot says of one device (windowsAutopilotDeviceIdentity), and
    how Joinery's upload of its hash went (importedWindowsAutopilotDeviceIdentity)."""

    autopilot_id: str | None  # None: not (or no longer) listed in the tenant's Autopilot
    group_tag: str | None
    user_principal_name: str | None
    profile_status: str | None  # deploymentProfileAssignmentStatus (beta only; None in v1.0)
    enrollment_state: str | None  # enrolled, notContacted, pendingReset, failed, unknown
    last_contacted: str | None
    import_status: str | None  # unknown, pending, partial, complete, error
    import_error_code: int | None
    import_error: str | None  # the deviceErrorName and what it means, in words
    imported_at: str | None
    seen_at: str | None  # when the tenant last listed it

    @property
    def listed_since_import(self) -> bool:
        """Listed by the tenant at or after its import was recorded: no longer listed now,
        it was deleted there and may be uploaded again (store.upload_candidates reads the
        same rule from the outbox); never listed since, Autopilot has not caught up yet."""
        return bool(self.seen_at and self.imported_at and self.seen_at >= self.imported_at)


@dataclass(frozen=True)
class IntuneFacts:
    """What Intune says of one device (managedDevice), as of its last sync with Intune."""

    managed_id: str
    compliance_state: str | None
    grace_until: str | None
    last_sync: str | None
    is_encrypted: bool | None
    os_version: str | None
    user_principal_name: str | None
    azure_ad_device_id: str | None
    seen_at: str


@dataclass(frozen=True)
class TenantFacts:
    """Everything the tenant told Joinery about one device, and what still waits for it."""

    autopilot: AutopilotFacts | None
    intune: IntuneFacts | None
    waiting: tuple[OutboxItem, ...] = ()  # outbox items for this device not done yet
    parked: tuple[OutboxItem, ...] = ()
