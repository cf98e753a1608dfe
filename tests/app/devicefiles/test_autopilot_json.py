"""AutopilotConfigurationFile.json as Microsoft documents it (Windows Autopilot for existing
devices): ASCII, no BOM, one user-driven profile, and CloudAssignedOobeConfig from the
wizard's answers, bit by bit (docs/device-files.md has the table and its sources)."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import pytest

from app.devicefiles import autopilot_json
from app.devicefiles.autopilot_json import OobeBit, Tenant, oobe_config
from app.enrollment import PRIVACY, Answers
from app.errors import InputError

GOLDEN = Path(__file__).resolve().parents[2] / "data" / "devicefiles"
TENANT = Tenant(
    "1537de22-988c-4e93-b8a5-83890f34a69b",
    "contoso.onmicrosoft.com",
    "7f9e6025-1e13-45f3-bf82-a3e8c5b59eac",
)
ALL_ON = dict.fromkeys(PRIVACY, True)
MIXED = {**dict.fromkeys(PRIVACY, False), "diagnostic data": True}
GERMANY = Answers(region="Germany", keyboard="00000407", privacy=ALL_ON)
#: Microsoft's sample (existing-devices.md) and a public file in the module's shape: the
#: fields every profile file has, and their JSON types.
REQUIRED = {
    "CloudAssignedTenantId": str,
    "CloudAssignedForcedEnrollment": int,
    "Version": int,
    "Comment_File": str,
    "CloudAssignedAadServerData": str,
    "CloudAssignedTenantDomain": str,
    "CloudAssignedDomainJoinMethod": int,
    "CloudAssignedOobeConfig": int,
    "ZtdCorrelationId": str,
}
GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def render(answers: Answers = GERMANY, name: str = "PC-PF3KX1ZB") -> bytes:
    comment = f"Joinery: PF3KX1ZB {name}, profile Default"
    return autopilot_json.render(answers, TENANT, name, comment)


def test_the_file_matches_its_golden_copy() -> None:
    assert render() == (GOLDEN / "AutopilotConfigurationFile.json").read_bytes()


def test_the_file_is_pure_ascii_without_a_bom_and_parses() -> None:
    data = render(GERMANY, "PC-MÜLLER-01")  # a name Windows takes, but not ASCII
    data.decode("ascii")  # Microsoft: ASCII or ANSI, or OOBE ignores the file
    assert not data.startswith(b"\xef\xbb\xbf") and not data.startswith(b"\xff\xfe")
    document = json.loads(data)
    assert document["CloudAssignedDeviceName"] == "PC-MÜLLER-01"  # \u-escaped, same name


def test_every_documented_field_is_there_with_its_type() -> None:
    document = json.loads(render())
    for key, kind in REQUIRED.items():
        assert isinstance(document[key], kind), key
    assert document["Version"] == 2049
    assert document["CloudAssignedDomainJoinMethod"] == 0  # Microsoft Entra joined
    assert document["CloudAssignedForcedEnrollment"] == 1
    assert GUID.fullmatch(document["CloudAssignedTenantId"])  # no braces
    assert GUID.fullmatch(document["ZtdCorrelationId"])
    server = json.loads(document["CloudAssignedAadServerData"])
    assert server == {
        "ZeroTouchConfig": {
            "CloudAssignedTenantUpn": "",
            "ForcedEnrollment": 1,
            "CloudAssignedTenantDomain": "contoso.onmicrosoft.com",
        }
    }


# -- CloudAssignedOobeConfig: the truth table ---------------------------------------------------

ALWAYS = OobeBit.SKIP_OEM_REGISTRATION | OobeBit.SKIP_EULA | OobeBit.ALWAYS  # 8 + 16 + 256
#: (local admin, privacy, network, keyboard, second keyboard) -> CloudAssignedOobeConfig
TRUTH_TABLE = [
    # Standard user, everything answered that Autopilot can skip: 2+4+8+16+256+1024, the
    # value in public files made by ConvertTo-AutopilotConfigurationJSON for such a profile.
    ((False, "on", "wired", "00000409", None), 1310),
    ((True, "on", "wired", "00000409", None), 1308),  # the user is a local administrator
    ((False, "off", "wired", "00000409", None), 1306),  # privacy page left to the person
    ((False, "mixed", "wired", "00000409", None), 1306),
    ((False, "on", "wifi", "00000409", None), 286),  # no keyboard skip without Ethernet
    ((False, "on", "wired", "00020409", None), 286),  # not the region's usual layout
    ((False, "on", "wired", "00000409", "00000407"), 286),  # two layouts: the page asks
    ((True, "off", "wifi", "00000409", None), 280),  # only what is always skipped
    ((True, "mixed", "wired", "00010409", "00000407"), 280),
]
PRIVACY_OF = {"on": ALL_ON, "off": dict.fromkeys(PRIVACY, False), "mixed": MIXED}


def answers_for(admin: bool, privacy: str, network: str, first: str, second: str | None) -> Answers:
    wifi = {"wifi_ssid": "Bench", "wifi_security": "WPA2-Personal"} if network == "wifi" else {}
    return Answers(
        region="United States",
        keyboard=first,
        second_keyboard=second,
        network=network,
        privacy=PRIVACY_OF[privacy],
        user_local_admin=admin,
        **wifi,
    )


@pytest.mark.parametrize(("inputs", "expected"), TRUTH_TABLE)
def test_oobe_config_truth_table(
    inputs: tuple[bool, str, str, str, str | None], expected: int
) -> None:
    assert oobe_config(answers_for(*inputs)) == expected


def test_every_combination_sets_each_bit_for_its_reason_only() -> None:
    for admin, privacy, network, first, second in itertools.product(
        (False, True), PRIVACY_OF, ("wired", "wifi"), ("00000409", "00020409"), (None, "00000407")
    ):
        bits = oobe_config(answers_for(admin, privacy, network, first, second))
        assert bits & ALWAYS == ALWAYS
        assert bool(bits & OobeBit.USER_NOT_LOCAL_ADMIN) is (not admin)
        assert bool(bits & OobeBit.SKIP_EXPRESS_SETTINGS) is (privacy == "on")
        skip_keyboard = network == "wired" and first == "00000409" and second is None
        assert bool(bits & OobeBit.SKIP_KEYBOARD) is skip_keyboard
        assert not bits & OobeBit.SKIP_CORTANA_OPT_IN  # no Cortana page in Windows 11
        assert not bits & 32 and not bits & 64  # shared devices: not a user-driven profile


def test_the_language_comes_with_the_keyboard_skip_only() -> None:
    skipped = json.loads(render(GERMANY))
    assert skipped["CloudAssignedOobeConfig"] & OobeBit.SKIP_KEYBOARD
    assert skipped["CloudAssignedLanguage"] == "de-DE"
    asked = json.loads(render(Answers(region="Germany", keyboard="00000409")))
    assert "CloudAssignedLanguage" not in asked


# -- refusals -------------------------------------------------------------------------------------


def test_a_device_without_a_user_gets_no_profile_file() -> None:
    with pytest.raises(InputError, match="user-driven profiles only"):
        render(Answers(no_user=True))


@pytest.mark.parametrize(
    ("tenant", "setting"),
    [
        (
            Tenant("{1537de22-988c-4e93-b8a5-83890f34a69b}", TENANT.domain, TENANT.profile_id),
            "tenant_id",
        ),
        (Tenant(TENANT.tenant_id, "contoso", TENANT.profile_id), "tenant_domain"),
        (Tenant(TENANT.tenant_id, TENANT.domain, "not-a-guid"), "autopilot_profile_id"),
    ],
)
def test_a_malformed_tenant_is_refused_naming_the_setting(tenant: Tenant, setting: str) -> None:
    with pytest.raises(InputError, match=f"the setting {setting} is"):
        autopilot_json.render(GERMANY, tenant, "PC-1", "c")
