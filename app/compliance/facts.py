"""What a device reported about itself at one check-in: the input of compliance evaluation.

Facts arrive from the device-side collector script (resources/collector/), from Intune's
"All devices" export CSV, and from the demo simulator. Every fact is optional: None means
"not reported" (the collector could not read it, or the source does not carry it), which the
evaluator turns into a setting status of `unknown`/`error`, never into a pass or a fail.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum


class FactSource(StrEnum):
    COLLECTOR = "collector"  # resources/collector/Get-JoineryReport.ps1
    INTUNE_EXPORT = "intuneExport"  # Intune "All devices" (DevicesWithInventory) CSV
    SIMULATOR = "simulator"  # `joinery demo simulate`
    TENANT = "tenant"  # Intune's managedDevices, read from the tenant (Microsoft Graph)


@dataclass(frozen=True)
class DeviceFacts:
    """One check-in. `serial` finds the device; `reported_at` is ISO 8601 UTC ("...Z")."""

    serial: str
    reported_at: str
    source: FactSource
    device_name: str | None = None
    manufacturer: str | None = None
    model: str | None = None
    hardware_hash: str | None = None  # base64, MDM_DevDetail_Ext01.DeviceHardwareData
    os_edition: str | None = None  # "Windows 11 Enterprise"
    os_version: str | None = None  # "10.0.26100.2314": major.minor.build.revision
    # Encryption: BitLocker protection on the OS volume; the OS volume encrypted (Intune's
    # storageRequireEncryption judges the OS drive: a data drive does not fail it).
    bitlocker_enabled: bool | None = None
    storage_encrypted: bool | None = None
    # Platform security.
    tpm_version: str | None = None  # "2.0", "1.2"; "" or "0" means no TPM
    secure_boot_enabled: bool | None = None
    code_integrity_enabled: bool | None = None
    vbs_enabled: bool | None = None  # virtualization-based security running
    memory_integrity_enabled: bool | None = None  # HVCI
    kernel_dma_protection_enabled: bool | None = None
    firmware_protection_enabled: bool | None = None
    early_launch_antimalware_enabled: bool | None = None
    # Microsoft Defender and Windows Security Center.
    defender_enabled: bool | None = None
    rtp_enabled: bool | None = None
    defender_version: str | None = None  # antimalware client version, "4.18.24090.11"
    signature_age_days: int | None = None
    antivirus_registered: bool | None = None
    antispyware_registered: bool | None = None
    firewall_enabled: bool | None = None  # every profile (domain, private, public) on
    # Local password policy (net accounts / secedit).
    password_required: bool | None = None
    password_minimum_length: int | None = None
    password_expiration_days: int | None = None  # 0 = never expires
    password_history_count: int | None = None
    last_update_installed: str | None = None  # ISO date of the newest installed update
    # What Intune itself said, when the facts come from an Intune export.
    reported_compliance: str | None = None  # a ComplianceState value
    # What the device says of its join (dsregcmd /status: AzureAdJoined), collector 1.1 on.
    entra_joined: bool | None = None


#: Names of the fact fields, in declaration order (the column order of the facts table).
FACT_FIELDS = tuple(f.name for f in fields(DeviceFacts))
