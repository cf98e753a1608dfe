"""unattend.xml against the component and setting names Microsoft documents (Unattended
Windows Setup Reference, learn.microsoft.com/windows-hardware/customize/desktop/unattend/):
every element Joinery writes is one of them, in a pass where it is valid."""

from __future__ import annotations

from pathlib import Path

import pytest
from defusedxml import ElementTree
from hypothesis import given, settings
from hypothesis import strategies as st

from app import locales
from app.devicefiles import unattend
from app.enrollment import PRIVACY, Answers
from app.errors import InputError

GOLDEN = Path(__file__).resolve().parents[2] / "data" / "devicefiles"
NS = "{urn:schemas-microsoft-com:unattend}"
WCM = "{http://schemas.microsoft.com/WMIConfig/2002/State}"
#: (pass, component) -> the settings Microsoft documents for that component, as paths below
#: it, in the passes the reference says they are valid in. Joinery writes a subset.
SHELL_SETUP_OOBE = {
    "OOBE",
    "OOBE/HideEULAPage",
    "OOBE/HideLocalAccountScreen",
    "OOBE/HideOEMRegistrationScreen",
    "OOBE/HideOnlineAccountScreens",
    "OOBE/HideWirelessSetupInOOBE",
    "OOBE/NetworkLocation",
    "OOBE/OEMAppId",
    "OOBE/ProtectYourPC",
    "OOBE/SkipMachineOOBE",
    "OOBE/SkipUserOOBE",
    "OOBE/UnattendEnableRetailDemo",
    "OOBE/VMModeOptimizations",
}
INTERNATIONAL_CORE = {
    "InputLocale",
    "SystemLocale",
    "UILanguage",
    "UILanguageFallback",
    "UserLocale",
}
ALLOWED = {
    ("specialize", "Microsoft-Windows-Shell-Setup"): {
        "ComputerName",
        "TimeZone",
        "RegisteredOwner",
    },
    ("specialize", "Microsoft-Windows-International-Core"): INTERNATIONAL_CORE,
    ("oobeSystem", "Microsoft-Windows-International-Core"): INTERNATIONAL_CORE,
    ("oobeSystem", "Microsoft-Windows-Shell-Setup"): SHELL_SETUP_OOBE | {"TimeZone"},
}
#: Never: the first hides the work-or-school sign-in (no Entra join); the others carry an
#: account or a password.
FORBIDDEN = {
    "HideOnlineAccountScreens",
    "UserAccounts",
    "AdministratorPassword",
    "LocalAccounts",
    "Password",
    "PlainText",
    "AutoLogon",
}
ARCHITECTURES = {"x86", "amd64", "arm64", "wow64"}  # processorArchitecture values documented


def settings_in(data: bytes) -> list[tuple[str, str, str, str]]:
    """(pass, component, architecture, element path) for every element under a component."""
    root = ElementTree.fromstring(data)
    assert root.tag == f"{NS}unattend"
    found = []
    for settings_element in root:
        assert settings_element.tag == f"{NS}settings"
        for component in settings_element:
            assert component.tag == f"{NS}component"
            attributes = component.attrib
            assert attributes["publicKeyToken"] == "31bf3856ad364e35"
            assert attributes["language"] == "neutral"
            assert attributes["versionScope"] == "nonSxS"
            assert attributes["processorArchitecture"] in ARCHITECTURES
            found += [
                (
                    settings_element.attrib["pass"],
                    attributes["name"],
                    attributes["processorArchitecture"],
                    path,
                )
                for path in _paths(component, "")
            ]
    return found


def _paths(element: object, prefix: str) -> list[str]:
    out = []
    for child in element:  # type: ignore[attr-defined]
        assert child.tag.startswith(NS), child.tag
        path = prefix + child.tag.removeprefix(NS)
        out.append(path)
        out += _paths(child, path + "/")
    return out


def test_the_file_matches_its_golden_copy() -> None:
    answers = Answers(region="Germany", keyboard="00000407", second_keyboard="00000409")
    assert unattend.render(answers, "PC-PF3KX1ZB") == (GOLDEN / "unattend.xml").read_bytes()


def test_every_element_is_one_microsoft_documents_in_its_pass() -> None:
    for pass_name, component, _arch, path in settings_in(unattend.render(Answers(), "PC-1")):
        assert path in ALLOWED[(pass_name, component)], (pass_name, component, path)


answers_strategy = st.builds(
    Answers,
    region=st.sampled_from([r.name for r in locales.regions()]),
    keyboard=st.sampled_from([k.id for k in locales.keyboards()]),
    second_keyboard=st.none() | st.sampled_from([k.id for k in locales.keyboards()]),
    network=st.sampled_from(["wired", "wifi"]),
    privacy=st.fixed_dictionaries({name: st.booleans() for name in PRIVACY}),
    user_local_admin=st.booleans(),
    no_user=st.booleans(),
)


@settings(max_examples=150, deadline=None)
@given(answers_strategy)
def test_no_answers_make_an_undocumented_or_forbidden_element(answers: Answers) -> None:
    data = unattend.render(answers, "PC-ABC")
    for pass_name, component, _arch, path in settings_in(data):
        assert path in ALLOWED[(pass_name, component)]
        assert not FORBIDDEN & set(path.split("/")), path
    assert b"HideOnlineAccountScreens" not in data and b"Password" not in data


def test_each_component_is_written_for_amd64_and_arm64() -> None:
    found = settings_in(unattend.render(Answers(), "PC-1"))
    by_component: dict[tuple[str, str], set[str]] = {}
    for pass_name, component, arch, _path in found:
        by_component.setdefault((pass_name, component), set()).add(arch)
    assert by_component == {
        ("specialize", "Microsoft-Windows-Shell-Setup"): {"amd64", "arm64"},
        ("oobeSystem", "Microsoft-Windows-International-Core"): {"amd64", "arm64"},
        ("oobeSystem", "Microsoft-Windows-Shell-Setup"): {"amd64", "arm64"},
    }


def values(answers: Answers, name: str = "PC-1") -> dict[str, str]:
    root = ElementTree.fromstring(unattend.render(answers, name))
    return {
        element.tag.removeprefix(NS): (element.text or "")
        for element in root.iter()
        if element.text and element.text.strip()
    }


@pytest.mark.parametrize(
    ("answers", "locale", "ui", "input_locale"),
    [
        (Answers(), "en-US", "en-US", "0409:00000409"),
        # The region's usual layout takes the region's language (Netherlands: US-Intl).
        (Answers(region="Netherlands", keyboard="00020409"), "nl-NL", "nl-NL", "0413:00020409"),
        # A second layout keeps its own language; the first comes first.
        (
            Answers(region="Germany", keyboard="00000407", second_keyboard="00000409"),
            "de-DE",
            "de-DE",
            "0407:00000407;0409:00000409",
        ),
        # Austria has no language pack of its own: German (Germany) is shown.
        (Answers(region="Austria", keyboard="00000407"), "de-AT", "de-DE", "0c07:00000407"),
    ],
)
def test_region_and_keyboard(answers: Answers, locale: str, ui: str, input_locale: str) -> None:
    found = values(answers)
    assert found["SystemLocale"] == found["UserLocale"] == locale
    assert found["UILanguage"] == ui
    assert found["InputLocale"] == input_locale


def test_computer_name_in_specialize() -> None:
    root = ElementTree.fromstring(unattend.render(Answers(), "PC-PF3KX1ZB"))
    names = root.findall(f"{NS}settings[@pass='specialize']/{NS}component/{NS}ComputerName")
    assert [n.text for n in names] == ["PC-PF3KX1ZB", "PC-PF3KX1ZB"]


def test_a_name_windows_refuses_is_refused() -> None:
    with pytest.raises(InputError, match="ComputerName"):
        unattend.render(Answers(), "PC WITH SPACE")


@pytest.mark.parametrize(
    ("privacy", "protect"),
    [(dict.fromkeys(PRIVACY, False), "3"), (dict.fromkeys(PRIVACY, True), "1")],
)
def test_uniform_privacy_answers_skip_the_page(privacy: dict[str, bool], protect: str) -> None:
    assert values(Answers(privacy=privacy))["ProtectYourPC"] == protect


def test_mixed_privacy_answers_leave_the_page_to_the_person() -> None:
    mixed = {**dict.fromkeys(PRIVACY, False), "location": True}
    assert "ProtectYourPC" not in values(Answers(privacy=mixed))


def test_the_wireless_page_is_hidden_only_on_a_wire() -> None:
    assert values(Answers())["HideWirelessSetupInOOBE"] == "true"
    wifi = Answers(network="wifi", wifi_ssid="Bench", wifi_security="WPA2-Personal")
    assert "HideWirelessSetupInOOBE" not in values(wifi)
