"""Can this device be Microsoft Entra joined? A verdict with the reason and the way out.

Sources (shared reference, domain.md 3.2): all Windows 10 and 11 editions except Home;
Windows Server only as an Azure VM, Datacenter 2019 or later with Desktop Experience (ENTRA
howto-vm-sign-in-azure-ad-windows: "Windows Server 2019 Datacenter and later"; Server Core is
not supported); minimum versions per provisioning method: self-service 1511, bulk enrollment
1703, Windows Autopilot 1709. Every eligible verdict warns that an Entra-joined device must
never be captured as a reference image (ENTRA device-join-plan: "Microsoft Entra joined
devices can't be deployed using System Preparation Tool (Sysprep) or similar imaging tools").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.domain import ProvisioningMethod

#: Windows release names and their build numbers (Windows 10 1507 is build 10240).
RELEASES: dict[str, int] = {
    "1507": 10240,
    "1511": 10586,
    "1607": 14393,
    "1703": 15063,
    "1709": 16299,
    "1803": 17134,
    "1809": 17763,
    "1903": 18362,
    "1909": 18363,
    "2004": 19041,
    "20H2": 19042,
    "21H1": 19043,
    "21H2": 19044,
    "22H2": 19045,
}
WINDOWS_11: dict[str, int] = {
    "21H2": 22000,
    "22H2": 22621,
    "23H2": 22631,
    "24H2": 26100,
    "25H2": 26200,
}
MINIMUM_BUILD = {
    ProvisioningMethod.SELF_SERVICE: ("1511", 10586),
    ProvisioningMethod.BULK: ("1703", 15063),
    ProvisioningMethod.AUTOPILOT: ("1709", 16299),
}
#: Editions offered on the device page, the usual ones first (any other name can be typed).
EDITIONS = (
    "Windows 11 Pro",
    "Windows 11 Enterprise",
    "Windows 11 Education",
    "Windows 11 Pro Education",
    "Windows 11 Pro for Workstations",
    "Windows 11 IoT Enterprise",
    "Windows 11 SE",
    "Windows 11 Home",
    "Windows 10 Pro",
    "Windows 10 Enterprise",
    "Windows 10 Enterprise LTSC",
    "Windows 10 Education",
    "Windows 10 Home",
    "Windows Server 2025 Datacenter",
    "Windows Server 2022 Datacenter",
    "Windows Server 2019 Datacenter",
    "Windows Server 2022 Datacenter Server Core",
)
SERVER_2019_BUILD = 17763
FIRST_WINDOWS_11_BUILD = 22000
SYSPREP_WARNING = (
    "Never Sysprep this device or capture it as a reference image once it is Entra joined: "
    "Microsoft does not support deploying Entra-joined devices with Sysprep or imaging tools. "
    "Capture images from machines that were never joined."
)

_VERSION = re.compile(r"(?:10\.0\.)?(\d{5})(?:\.(\d+))?")


@dataclass(frozen=True)
class Verdict:
    eligible: bool
    reason: str
    way_out: str | None = None
    windows: str = ""
    warnings: tuple[str, ...] = ()

    def as_json(self) -> dict[str, object]:
        return {
            "eligible": self.eligible,
            "reason": self.reason,
            "way_out": self.way_out,
            "windows": self.windows,
            "warnings": list(self.warnings),
        }


def parse_build(text: str) -> int | None:
    """The build number of '10.0.26100.2605', '26100', 'Windows 11 24H2' or '1709'."""
    value = text.strip()
    if match := _VERSION.fullmatch(value):
        return int(match.group(1))
    release = value.upper().removeprefix("WINDOWS").strip()
    if release.startswith("11 "):
        return WINDOWS_11.get(release[3:].strip())
    if release.startswith("10 "):
        return RELEASES.get(release[3:].strip())
    # A bare release: 23H2, 24H2 and 25H2 exist only for Windows 11; 21H2 and 22H2 for both,
    # and a bare one is read as Windows 10's (where it was first used).
    return RELEASES.get(release) or WINDOWS_11.get(release)


def release_name(build: int) -> str:
    """'Windows 11 24H2' for 26100; 'Windows 10 (build 12345)' for a build we do not name."""
    if build >= FIRST_WINDOWS_11_BUILD:
        names = {b: r for r, b in WINDOWS_11.items()}
        return f"Windows 11 {names[build]}" if build in names else f"Windows 11 (build {build})"
    names = {b: r for r, b in RELEASES.items()}
    return f"Windows 10 {names[build]}" if build in names else f"Windows 10 (build {build})"


def check(
    edition: str,
    build: str,
    method: ProvisioningMethod,
    *,
    azure_vm: bool = False,
    desktop_experience: bool = True,
) -> Verdict:
    """The verdict for a device's edition and build, joined by `method`."""
    number = parse_build(build)
    if number is None:
        return Verdict(
            False,
            f"“{build}” is not a Windows version Joinery knows: give the OS "
            "build (such as 10.0.26100) or the release (such as 24H2).",
        )
    windows = release_name(number)
    name = edition.strip()
    lowered = name.lower()
    if "server" in lowered:
        return _server(name, number, azure_vm, desktop_experience and "core" not in lowered)
    if "home" in lowered:
        return Verdict(
            False,
            f"{name} cannot be Microsoft Entra joined: Home editions can only register "
            "a work account.",
            "Upgrade the edition to Pro first (Settings > System > Activation, or a "
            "provisioning package with an edition upgrade product key), then enroll it.",
            windows,
        )
    minimum_release, minimum = MINIMUM_BUILD[method]
    if number < minimum:
        return Verdict(
            False,
            f"{windows} is older than {method_words(method)} supports (Windows 10 "
            f"{minimum_release}, build {minimum}, or later).",
            "Update Windows first, or choose a provisioning method that supports this build.",
            windows,
        )
    return Verdict(
        True,
        f"{name} on {windows} can be Microsoft Entra joined by {method_words(method)}.",
        None,
        windows,
        (SYSPREP_WARNING,),
    )


def _server(name: str, build: int, azure_vm: bool, desktop: bool) -> Verdict:
    windows = f"Windows Server (build {build})"
    if not desktop:
        return Verdict(
            False,
            f"{name} is Server Core: Microsoft Entra join needs Desktop Experience.",
            "Install Windows Server with Desktop Experience.",
            windows,
        )
    if not azure_vm:
        return Verdict(
            False,
            f"{name} can be Microsoft Entra joined only as a virtual machine "
            "in Azure, not on a physical bench device.",
            "Domain-join it, or run it as an Azure VM with Entra sign-in.",
            windows,
        )
    if build < SERVER_2019_BUILD:
        return Verdict(
            False,
            f"{name} is older than Windows Server 2019.",
            "Use Windows Server 2019 Datacenter or newer.",
            windows,
        )
    if "datacenter" not in name.lower():
        return Verdict(
            False,
            f"{name} cannot be Microsoft Entra joined: Entra sign-in on an Azure VM supports "
            "Windows Server 2019 Datacenter and later only.",
            "Use a Windows Server Datacenter image (2019 or later).",
            windows,
        )
    return Verdict(
        True,
        f"{name} (Azure VM, Desktop Experience) can be Microsoft Entra "
        "joined; note that Windows Server VMs do not enroll in MDM.",
        None,
        windows,
        (SYSPREP_WARNING,),
    )


def method_words(method: ProvisioningMethod) -> str:
    return {
        ProvisioningMethod.SELF_SERVICE: "self-service setup (OOBE)",
        ProvisioningMethod.BULK: "bulk enrollment",
        ProvisioningMethod.AUTOPILOT: "Windows Autopilot",
    }[method]
