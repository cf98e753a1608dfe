"""The properties of Graph's windows10CompliancePolicy, with their types (domain.md 4.1).

Each is declared once here. A setting is either not configured (its `unset` value: false,
null, or the enum's default) or required (any other value).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

ODATA_TYPE = "#microsoft.graph.windows10CompliancePolicy"
#: Graph's "no notification template" (what Intune itself returns for a block action).
NO_TEMPLATE = "00000000-0000-0000-0000-000000000000"
INT32_MAX = 2**31 - 1
MAX_BUILD_RANGES = 10_000
MAX_GRACE_HOURS = 8760  # 365 days: deviceComplianceActionItem.gracePeriodHours


class Kind(StrEnum):
    BOOL = "Boolean"
    INT32 = "Int32"
    STRING = "String"
    VERSION = "String (version)"
    ENUM = "enum"
    RANGES = "operatingSystemVersionRange collection"
    OBJECT = "object"
    OBJECT_LIST = "object collection"


class RequiredPasswordType(StrEnum):
    DEVICE_DEFAULT = "deviceDefault"
    ALPHANUMERIC = "alphanumeric"
    NUMERIC = "numeric"


class DeviceThreatProtectionLevel(StrEnum):
    UNAVAILABLE = "unavailable"
    SECURED = "secured"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    NOT_SET = "notSet"


class ActionType(StrEnum):
    """deviceComplianceActionType; `block` is "Mark device noncompliant"."""

    NO_ACTION = "noAction"
    NOTIFICATION = "notification"
    BLOCK = "block"
    RETIRE = "retire"
    WIPE = "wipe"
    REMOVE_RESOURCE_ACCESS_PROFILES = "removeResourceAccessProfiles"
    PUSH_NOTIFICATION = "pushNotification"


@dataclass(frozen=True)
class VersionRange:
    """operatingSystemVersionRange: inclusive at both ends."""

    lowest: str
    highest: str
    description: str | None = None


@dataclass(frozen=True)
class ScheduledAction:
    """deviceComplianceActionItem: `block` marks noncompliant after the grace period."""

    action_type: str
    grace_hours: int = 0
    template_id: str = ""
    cc: tuple[str, ...] = ()


@dataclass(frozen=True)
class Prop:
    name: str
    kind: Kind
    choices: tuple[str, ...] = ()
    unset: object = None  # the "not configured" value written on export


def _bools(*names: str) -> tuple[Prop, ...]:
    return tuple(Prop(n, Kind.BOOL, unset=False) for n in names)


def _ints(*names: str) -> tuple[Prop, ...]:
    return tuple(Prop(n, Kind.INT32) for n in names)


def _versions(*names: str) -> tuple[Prop, ...]:
    return tuple(Prop(n, Kind.VERSION) for n in names)


#: Every setting property, in the order of the Graph reference page.
SETTINGS: tuple[Prop, ...] = (
    *_bools("passwordRequired", "passwordBlockSimple", "passwordRequiredToUnlockFromIdle"),
    *_ints(
        "passwordMinutesOfInactivityBeforeLock",
        "passwordExpirationDays",
        "passwordMinimumLength",
        "passwordMinimumCharacterSetCount",
    ),
    Prop(
        "passwordRequiredType",
        Kind.ENUM,
        tuple(RequiredPasswordType),
        unset=RequiredPasswordType.DEVICE_DEFAULT.value,
    ),
    *_ints("passwordPreviousPasswordBlockCount"),
    *_bools("requireHealthyDeviceReport"),
    *_versions(
        "osMinimumVersion", "osMaximumVersion", "mobileOsMinimumVersion", "mobileOsMaximumVersion"
    ),
    *_bools(
        "earlyLaunchAntiMalwareDriverEnabled",
        "bitLockerEnabled",
        "secureBootEnabled",
        "codeIntegrityEnabled",
        "memoryIntegrityEnabled",
        "kernelDmaProtectionEnabled",
        "virtualizationBasedSecurityEnabled",
        "firmwareProtectionEnabled",
        "storageRequireEncryption",
        "activeFirewallRequired",
        "defenderEnabled",
    ),
    *_versions("defenderVersion"),
    *_bools("signatureOutOfDate", "rtpEnabled", "antivirusRequired", "antiSpywareRequired"),
    Prop("validOperatingSystemBuildRanges", Kind.RANGES, unset=()),
    *_bools("deviceThreatProtectionEnabled"),
    Prop(
        "deviceThreatProtectionRequiredSecurityLevel",
        Kind.ENUM,
        tuple(DeviceThreatProtectionLevel),
        unset=DeviceThreatProtectionLevel.UNAVAILABLE.value,
    ),
    *_bools("configurationManagerComplianceRequired", "tpmRequired"),
    Prop("deviceCompliancePolicyScript", Kind.OBJECT),
    Prop("wslDistributions", Kind.OBJECT_LIST, unset=()),
)
BY_NAME = {p.name: p for p in SETTINGS}

#: The settings Graph v1.0 has: exactly the properties of the v1.0 SDK's model
#: (microsoftgraph/msgraph-sdk-python, msgraph/generated/models/windows10_compliance_policy.py).
#: Every other one is beta-only, the Azure Attestation four (memoryIntegrityEnabled,
#: kernelDmaProtectionEnabled, virtualizationBasedSecurityEnabled, firmwareProtectionEnabled)
#: included, although the beta reference lists them before storageRequireEncryption.
V1_SETTINGS = frozenset(
    {
        "bitLockerEnabled",
        "codeIntegrityEnabled",
        "earlyLaunchAntiMalwareDriverEnabled",
        "mobileOsMaximumVersion",
        "mobileOsMinimumVersion",
        "osMaximumVersion",
        "osMinimumVersion",
        "passwordBlockSimple",
        "passwordExpirationDays",
        "passwordMinimumCharacterSetCount",
        "passwordMinimumLength",
        "passwordMinutesOfInactivityBeforeLock",
        "passwordPreviousPasswordBlockCount",
        "passwordRequired",
        "passwordRequiredToUnlockFromIdle",
        "passwordRequiredType",
        "requireHealthyDeviceReport",
        "secureBootEnabled",
        "storageRequireEncryption",
    }
)
#: deviceCompliancePolicy's metadata that only beta has.
BETA_METADATA = ("roleScopeTagIds",)
#: Navigation properties (relationships): Graph returns them when expanded, and an
#: IntuneManagement export carries them, but they are never part of a policy's body.
NAVIGATION = (
    "assignments",
    "deviceStatuses",
    "userStatuses",
    "deviceStatusOverview",
    "userStatusOverview",
    "deviceSettingStateSummaries",
)

#: Inherited from deviceCompliancePolicy. Server-assigned ones are left out of a POST body.
METADATA = (
    "id",
    "createdDateTime",
    "lastModifiedDateTime",
    "description",
    "displayName",
    "version",
    "roleScopeTagIds",
)
READ_ONLY = ("id", "createdDateTime", "lastModifiedDateTime", "version")


def is_configured(prop: Prop, value: object) -> bool:
    """False for the property's "Not configured" values, True for a requirement."""
    return value is not None and value != prop.unset and value not in ("", [], ())
