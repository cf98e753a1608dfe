"""Short words for compliance states and Graph setting names, as Intune's portal shows them.

Qt-free so exports and the CLI can use them; the UI passes them through its translator.
`rules.Rule.missing` is a sentence subject ("The Windows version", shared by three settings),
too vague for a chart label, hence this map of its own.
"""

from __future__ import annotations

import re

from app.domain import ComplianceState

STATE_WORDS: dict[str, str] = {
    ComplianceState.COMPLIANT: "Compliant",
    ComplianceState.NONCOMPLIANT: "Not compliant",
    ComplianceState.IN_GRACE_PERIOD: "In grace period",
    ComplianceState.NOT_EVALUATED: "Not evaluated",
    ComplianceState.UNKNOWN: "Unknown",
    ComplianceState.ERROR: "Error",
    ComplianceState.CONFLICT: "Conflict",
    ComplianceState.CONFIG_MANAGER: "Managed by Configuration Manager",
}

SETTING_WORDS: dict[str, str] = {
    "RequireRemainContact": "Is active",
    "passwordRequired": "Password required",
    "passwordBlockSimple": "Simple passwords blocked",
    "passwordRequiredToUnlockFromIdle": "Password to unlock",
    "passwordMinutesOfInactivityBeforeLock": "Lock after inactivity",
    "passwordExpirationDays": "Password expiry",
    "passwordMinimumLength": "Minimum password length",
    "passwordMinimumCharacterSetCount": "Password character sets",
    "passwordRequiredType": "Password type",
    "passwordPreviousPasswordBlockCount": "Password history",
    "requireHealthyDeviceReport": "Healthy device report",
    "osMinimumVersion": "Minimum OS version",
    "osMaximumVersion": "Maximum OS version",
    "mobileOsMinimumVersion": "Minimum mobile OS version",
    "mobileOsMaximumVersion": "Maximum mobile OS version",
    "validOperatingSystemBuildRanges": "Allowed OS builds",
    "earlyLaunchAntiMalwareDriverEnabled": "Early launch antimalware",
    "bitLockerEnabled": "BitLocker",
    "secureBootEnabled": "Secure Boot",
    "codeIntegrityEnabled": "Code integrity",
    "memoryIntegrityEnabled": "Memory integrity",
    "kernelDmaProtectionEnabled": "Kernel DMA protection",
    "virtualizationBasedSecurityEnabled": "Virtualization-based security",
    "firmwareProtectionEnabled": "Firmware protection",
    "storageRequireEncryption": "Drive encryption",
    "activeFirewallRequired": "Firewall",
    "defenderEnabled": "Microsoft Defender",
    "defenderVersion": "Defender version",
    "signatureOutOfDate": "Defender signatures",
    "rtpEnabled": "Real-time protection",
    "antivirusRequired": "Antivirus",
    "antiSpywareRequired": "Antispyware",
    "deviceThreatProtectionEnabled": "Device threat protection",
    "deviceThreatProtectionRequiredSecurityLevel": "Threat protection level",
    "configurationManagerComplianceRequired": "Configuration Manager compliance",
    "tpmRequired": "TPM",
    "deviceCompliancePolicyScript": "Custom compliance script",
    "wslDistributions": "WSL distributions",
}

_HUMP = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def state_words(state: str) -> str:
    """Intune's words for a compliance state; an unknown value shows as it is."""
    return STATE_WORDS.get(state, state)


def states_words(states: tuple[str, ...]) -> str:
    """Several states as one choice: "Error or conflict" (a tile's, a filter's)."""
    words = [state_words(s) for s in states]
    return " or ".join(words[:1] + [w[:1].lower() + w[1:] for w in words[1:]])


def setting_words(setting: str) -> str:
    """A readable name for a Graph setting; an unmapped one is split at its humps."""
    known = SETTING_WORDS.get(setting)
    if known is not None:
        return known
    spaced = _HUMP.sub(" ", setting).lower()
    return spaced[:1].upper() + spaced[1:]
