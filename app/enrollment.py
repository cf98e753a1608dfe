"""The answers of the OOBE pages, kept as bench profiles and recorded with each enrollment.

A profile saves pages 2-9 (region, keyboard, network, naming template, account kind, sign-in
options, management, privacy) plus the group tag, so in batch mode a technician only scans.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from app import eligibility, naming, wifi
from app.domain import ProvisioningMethod
from app.errors import InputError

DEFAULT_PROFILE = "Default"

#: The default profile's naming template. It has a prefix because Windows refuses all-digit
#: device names and some serials are all digits (a Surface's are 12); %SERIAL% is cut from
#: the front to fit 15 bytes, as in the Contoso profile's CTS-%SERIAL%.
DEFAULT_NAME_TEMPLATE = "PC-%SERIAL%"

#: Co-management workloads and who manages each (Configuration Manager or Intune).
WORKLOADS = (
    "compliance policies",
    "device configuration",
    "endpoint protection",
    "resource access",
    "client apps",
    "Office Click-to-Run apps",
    "Windows Update policies",
)
PRIVACY = (
    "location",
    "find my device",
    "diagnostic data",
    "inking and typing",
    "tailored experiences",
    "advertising ID",
)
SIGN_IN = ("password", "windows hello for business", "fido2 security key")
#: How a person reads each sign-in method (the stored keys are lower case).
SIGN_IN_NAMES = {
    "password": "Password",
    "windows hello for business": "Windows Hello for Business",
    "fido2 security key": "FIDO2 security key",
}
WIFI_SECURITY = ("Open", "WPA2-Personal", "WPA3-Personal")
#: The files a device can be given for its OOBE (app.devicefiles): the Autopilot profile
#: file, the unattend.xml answer file and the per-device provisioning package.
DEVICE_FILES = ("autopilot", "unattend", "package")


@dataclass(frozen=True)
class Answers:
    """What the wizard's pages 1-9 decide; the defaults are the default bench profile."""

    edition: str = "Windows 11 Pro"
    build: str = "10.0.26100"
    provisioning_method: str = ProvisioningMethod.SELF_SERVICE.value
    azure_vm: bool = False  # Windows Server joins only as an Azure VM
    region: str = "United States"
    keyboard: str = "00000409"
    second_keyboard: str | None = None
    network: str = "wired"
    wifi_ssid: str | None = None
    wifi_security: str | None = None
    name_template: str = DEFAULT_NAME_TEMPLATE
    group_tag: str | None = None
    no_user: bool = False  # Autopilot self-deploying or pre-provisioned
    sign_in: tuple[str, ...] = ("password", "windows hello for business")
    hello_pin_minimum: int = 6  # Windows Hello for Business PIN policy: 4 to 127 digits
    self_service_reset: bool = True  # SSPR and Hello PIN reset on the lock screen
    management: str = "intune"  # intune, configurationManager, coManaged
    workloads: dict[str, str] = field(default_factory=dict)
    mdm_user_scope: str = "all"  # none, some, all
    compliance_policy: str | None = None
    privacy: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(PRIVACY, False))
    # The person who signs in is a local administrator of the device (Autopilot's "User
    # account type"); by default a standard user, as bulk enrollment makes them.
    user_local_admin: bool = False
    # The device files this profile writes by default; empty: chosen from the method
    # (app.devicefiles.default_files).
    device_files: tuple[str, ...] = ()

    def method(self) -> ProvisioningMethod:
        return ProvisioningMethod(self.provisioning_method)

    def verdict(self) -> eligibility.Verdict:
        """Can a device with these answers be Entra joined, and why (not)."""
        return eligibility.check(self.edition, self.build, self.method(), azure_vm=self.azure_vm)

    def to_json(self) -> str:
        document = asdict(self)
        document["sign_in"] = list(self.sign_in)
        document["device_files"] = list(self.device_files)
        return json.dumps(document, sort_keys=True, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Answers:
        """Unknown keys are ignored (a newer profile opened by an older Joinery)."""
        document: dict[str, Any] = json.loads(text)
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in document.items() if k in known}
        for name in ("sign_in", "device_files"):
            if name in values:
                values[name] = tuple(values[name])
        return cls(**values)

    def with_overrides(self, **overrides: object) -> Answers:
        given = {k: v for k, v in overrides.items() if v is not None}
        unknown = set(given) - {f.name for f in fields(self)}
        if unknown:
            raise InputError(f"unknown enrollment answers: {', '.join(sorted(unknown))}")
        return replace(self, **given)  # type: ignore[arg-type]

    def problems(self) -> list[tuple[str, str]]:
        """(field, reason) for every answer that cannot stand; empty when all is well."""
        found = self._network_problems()
        if self.management not in ("intune", "configurationManager", "coManaged"):
            found.append(("management", "choose Intune, Configuration Manager or co-management"))
        for workload, authority in self.workloads.items():
            if workload not in WORKLOADS or authority not in ("intune", "configurationManager"):
                found.append(("workloads", f"{workload}: {authority} is not a choice"))
        if self.mdm_user_scope not in ("none", "some", "all"):
            found.append(("mdm_user_scope", "choose none, some or all"))
        if not 4 <= self.hello_pin_minimum <= 127:
            found.append(("hello_pin_minimum", "a Windows Hello PIN is 4 to 127 characters"))
        if not self.sign_in or any(option not in SIGN_IN for option in self.sign_in):
            found.append(("sign_in", f"choose from {', '.join(SIGN_IN)}"))
        if reason := naming.template_problem(self.name_template, self.provisioning_method):
            found.append(("name_template", reason))
        if any(name not in DEVICE_FILES for name in self.device_files):
            found.append(("device_files", f"choose from {', '.join(DEVICE_FILES)}"))
        if self.group_tag and (reason := _group_tag_problem(self.group_tag)):
            found.append(("group_tag", reason))
        return found

    def _network_problems(self) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        if self.network not in ("wired", "wifi"):
            found.append(("network", "choose wired or Wi-Fi"))
        if self.network == "wifi":
            if reason := wifi.ssid_problem(self.wifi_ssid or ""):
                found.append(("wifi_ssid", reason))
            if self.wifi_security not in WIFI_SECURITY:
                found.append(("wifi_security", f"choose one of {', '.join(WIFI_SECURITY)}"))
        return found


def _group_tag_problem(tag: str) -> str | None:
    """A group tag goes to Autopilot (its CSV and the tenant) as it is: the rules of that
    column, found when the profile or the answers are saved, not when an export refuses
    every device that carries the tag."""
    from app.autopilot.fields import GROUP_TAG, value_fault  # not on start-up

    return value_fault(GROUP_TAG, tag)
