"""AutopilotConfigurationFile.json: the Autopilot profile a device reads at its first OOBE.

Microsoft (Windows Autopilot for existing devices): one profile per file, the name exactly
AutopilotConfigurationFile.json, ASCII or ANSI (a Unicode or UTF-8 file is ignored), only
user-driven profiles (self-deploying and pre-provisioning need TPM attestation). Fields and
the CloudAssignedOobeConfig bits are cited in docs/device-files.md.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import IntFlag

from app.devicefiles import oobe
from app.enrollment import Answers
from app.errors import InputError

FILE_NAME = "AutopilotConfigurationFile.json"
VERSION = 2049
ENTRA_JOINED = 0  # CloudAssignedDomainJoinMethod: 0 Microsoft Entra joined, 1 hybrid
FORCED = 1  # CloudAssignedForcedEnrollment: Entra join and MDM enrollment are required
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_DOMAIN = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}")


class OobeBit(IntFlag):
    """CloudAssignedOobeConfig. 1-16 are Microsoft Learn's; 256 and 1024 are what Microsoft's
    ConvertTo-AutopilotConfigurationJSON writes (256 on every profile, 1024 when the keyboard
    page is skipped, with CloudAssignedLanguage); 32 and 64 (shared devices) are never set:
    a JSON file carries user-driven profiles only."""

    SKIP_CORTANA_OPT_IN = 1  # never set: Windows 11's OOBE has no Cortana page
    USER_NOT_LOCAL_ADMIN = 2
    SKIP_EXPRESS_SETTINGS = 4  # the privacy page
    SKIP_OEM_REGISTRATION = 8
    SKIP_EULA = 16
    ALWAYS = 256  # meaning not documented; set on every profile the module converts
    SKIP_KEYBOARD = 1024


@dataclass(frozen=True)
class Tenant:
    """Where the device joins: from the settings, or from the connected tenant when there is
    one (it then overrides the settings)."""

    tenant_id: str  # GUID without braces
    domain: str  # contoso.onmicrosoft.com
    profile_id: str  # the Autopilot deployment profile's id: ZtdCorrelationId

    def problem(self) -> str | None:
        for key, value, pattern in (
            ("tenant_id", self.tenant_id, _GUID),
            ("tenant_domain", self.domain, _DOMAIN),
            ("autopilot_profile_id", self.profile_id, _GUID),
        ):
            if not pattern.fullmatch(value):
                return f"the setting {key} is {value!r}, which is not valid"
        return None


def oobe_config(answers: Answers) -> int:
    """The CloudAssignedOobeConfig bits the answers give (docs/device-files.md has the table).

    The privacy page is skipped only when every privacy answer is on: a hidden page leaves
    Windows' own defaults (assumed to be on); any answer off keeps the page for the person at
    the device, whose README lists the answers.
    """
    bits = OobeBit.SKIP_OEM_REGISTRATION | OobeBit.SKIP_EULA | OobeBit.ALWAYS
    if not answers.user_local_admin:
        bits |= OobeBit.USER_NOT_LOCAL_ADMIN
    if oobe.privacy(answers) == oobe.Privacy.ALL_ON:
        bits |= OobeBit.SKIP_EXPRESS_SETTINGS
    if oobe.keyboard_page_skipped(answers):
        bits |= OobeBit.SKIP_KEYBOARD
    return int(bits)


def document(answers: Answers, tenant: Tenant, device_name: str, comment: str) -> dict[str, object]:
    """The profile as a JSON object, in the order Microsoft's sample output lists it."""
    if answers.no_user:
        raise InputError(
            "AutopilotConfigurationFile.json carries user-driven profiles only: a device set up "
            "without a user (self-deploying or pre-provisioned) needs TPM attestation, so "
            "Autopilot must assign its profile from the tenant. Write the other files for it."
        )
    if problem := tenant.problem():
        raise InputError(f"{problem}: an admin corrects it in Settings")
    server_data = {
        "ZeroTouchConfig": {
            "CloudAssignedTenantUpn": "",
            "ForcedEnrollment": FORCED,
            "CloudAssignedTenantDomain": tenant.domain,
        }
    }
    config = oobe_config(answers)
    profile: dict[str, object] = {
        "CloudAssignedTenantId": tenant.tenant_id,
        "CloudAssignedForcedEnrollment": FORCED,
        "Version": VERSION,
        "Comment_File": comment,
        "CloudAssignedAadServerData": json.dumps(server_data, separators=(",", ":")),
        "CloudAssignedTenantDomain": tenant.domain,
        "CloudAssignedDomainJoinMethod": ENTRA_JOINED,
        "CloudAssignedOobeConfig": config,
        "ZtdCorrelationId": tenant.profile_id,
        "CloudAssignedDeviceName": device_name,
    }
    if config & OobeBit.SKIP_KEYBOARD:
        profile["CloudAssignedLanguage"] = oobe.region(answers).locale
    return profile


def render(answers: Answers, tenant: Tenant, device_name: str, comment: str) -> bytes:
    """The file's bytes: ASCII only (anything else \\u-escaped), no BOM, CRLF line ends,
    laid out as json.dumps(indent=4) lays it out (every value is a string or a number, so
    each is encoded on its own, by the C encoder)."""
    profile = document(answers, tenant, device_name, comment)
    lines = [f"    {json.dumps(key)}: {json.dumps(value)}" for key, value in profile.items()]
    return ("{\r\n" + ",\r\n".join(lines) + "\r\n}\r\n").encode("ascii")
