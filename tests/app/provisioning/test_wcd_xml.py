"""customizations.xml: the real shape, the round trip, and attacks refused."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.errors import InputError
from app.provisioning import wcd_xml, xmltree
from app.provisioning.model import LocalAdmin, Network, PackageInfo, PackageSpec, WifiSecurity
from app.security.secret import Secret
from tests.helpers.provisioning import CANARIES

DATA = Path(__file__).resolve().parents[2] / "data" / "provisioning"
PKG = f"{{{wcd_xml.PACKAGE_NS}}}"
SET = f"{{{wcd_xml.SETTINGS_NS}}}"


def settings_of(data: bytes) -> dict[str, str | None]:
    parsed = wcd_xml.parse_customizations(data, "test")
    return {s.path: s.value for s in parsed.common}


def test_written_xml_has_both_namespaces_and_the_wizard_settings(spec: PackageSpec) -> None:
    data = wcd_xml.render(spec)
    text = data.decode("utf-8")
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>')
    assert (
        '<PackageConfig xmlns="urn:schemas-Microsoft-com:Windows-ICD-Package-Config.v1.0">' in text
    )
    assert '<Settings xmlns="urn:schemas-microsoft-com:windows-provisioning">' in text
    assert "ns0:" not in text
    root = xmltree.parse(data, "test")
    assert root.findtext(f"{PKG}PackageConfig/{PKG}ID") == "{1e4ed133-aae7-45f4-8ee1-881220aa52d5}"
    assert root.findtext(f"{PKG}PackageConfig/{PKG}OwnerType") == "ITAdmin"
    assert root.findtext(f"{PKG}PackageConfig/{PKG}Rank") == "5"
    found = settings_of(data)
    assert found["Accounts/Azure/BPRT"] == CANARIES["token"]
    assert found["Accounts/Azure/Authority"] == "https://login.microsoftonline.com/common"
    assert found["Accounts/ComputerAccount/ComputerName"] == "CTS-%SERIAL%"
    wlan = "ConnectivityProfiles/WLAN/WLANSetting/WLANConfig[Name=Bench]/WLANXmlSettings/"
    assert found[wlan + "SecurityType"] == "WPA2-Personal"
    assert found[wlan + "SecurityKey"] == CANARIES["psk"]
    assert found["SharedPC/EnableSharedPCMode"] == "True"
    assert found["CleanPC/CleanPCWithoutRetainingUserData"] == "True"
    cmd = "ProvisioningCommands/PrimaryContext/Command/CommandConfig[Name=SevenZip]/"
    assert found[cmd + "CommandFile"] == "payload\\7z.msi"
    assert found[cmd + "CommandLine"] == 'msiexec /i "7z.msi" /qn'
    assert found[cmd + "ReturnCodeSuccess"] == "0"
    assert found[cmd + "ReturnCodeRestart"] == "3010"
    cert = "Certificates/RootCertificates/RootCertificate[Name=Bench root]/CertificatePath"
    assert found[cert] == "payload\\root.cer"


def test_local_admin_and_open_network(spec: PackageSpec) -> None:
    changed = dataclasses.replace(
        spec,
        account=LocalAdmin("benchadmin", Secret("pw-1")),
        network=Network("Guest", WifiSecurity.OPEN),
    )
    found = settings_of(wcd_xml.render(changed))
    assert found["Accounts/Users/User[UserName=benchadmin]/Password"] == "pw-1"
    assert found["Accounts/Users/User[UserName=benchadmin]/UserGroup"] == "Administrators"
    assert found["OOBE/Desktop/HideOobe"] == "True"
    assert not any(path.endswith("SecurityKey") for path in found)


def test_a_written_spec_reads_back_equal(spec: PackageSpec) -> None:
    back = wcd_xml.parse_customizations(wcd_xml.render(spec), "test")
    assert back.kept_settings == ()
    expected = dataclasses.replace(
        spec,
        info=dataclasses.replace(spec.info, password=None),
        account=dataclasses.replace(
            spec.account,
            friendly_name="Bench-Entra",  # type: ignore[arg-type]
            issued=None,
            expires=None,
        ),
        apps=tuple(
            dataclasses.replace(
                a,
                installer=f"payload\\{a.file_name}",
                command_line=a.effective_command_line(),
                from_xml=f"payload\\{a.file_name}",  # read from a file: its folder only
            )
            for a in spec.apps
        ),
        certificates=tuple(
            dataclasses.replace(c, path="payload\\root.cer", from_xml="payload\\root.cer")
            for c in spec.certificates
        ),
    )
    assert back.spec == expected


def test_multivariant_sample_is_reported() -> None:
    parsed = wcd_xml.read_customizations(DATA / "multivariant.xml")
    assert parsed.config.name == "My Provisioning Package"
    assert parsed.config.owner == "OEM"
    assert parsed.config.rank == "50"
    assert [t.id for t in parsed.targets] == ["laptop"]
    assert parsed.targets[0].states[1] == (
        ("ProcessorType", "Pattern:.*Celeron.*"),
        ("Lang", "!Range:1033, 1036"),
    )
    assert parsed.variants[0].targets == ("laptop",)
    assert any(s.path.endswith("SecurityKey") and s.secret for s in parsed.variants[0].settings)
    assert parsed.spec.device.name_template == "CTS-%SERIAL%"
    assert [a.name for a in parsed.spec.apps] == ["Install7zip"]
    kept = {s.path for s in parsed.kept_settings}
    assert "Policies/AllowBrowser" in kept
    assert any("CommandConfig[Name=Agent]/DependencyPackages" in p for p in kept)
    # The token is shown; the second account (a local user) is kept as it was.
    assert parsed.spec.secret_fields() == ["account.token"]
    assert "Accounts/Users/User[UserName=benchadmin]/Password" in parsed.kept_secrets


def test_round_trip_keeps_what_joinery_does_not_show() -> None:
    original = wcd_xml.read_customizations(DATA / "multivariant.xml")
    edited = dataclasses.replace(
        original.spec, info=dataclasses.replace(original.spec.info, version="1.1")
    )
    first = wcd_xml.render(edited, original.kept)
    again = wcd_xml.parse_customizations(first, "again")
    assert again.config.version == "1.1"
    assert again.targets == original.targets
    assert again.variants == original.variants
    assert {s.path: s.value for s in again.kept_settings} == {
        s.path: s.value for s in original.kept_settings
    }
    # A fixed point: reading and writing again changes nothing.
    assert wcd_xml.render(again.spec, again.kept) == first
    assert b"<Description>Laptops get the bench Wi-Fi</Description>" in first


def test_as_json_never_holds_a_secret_value() -> None:
    parsed = wcd_xml.read_customizations(DATA / "multivariant.xml")
    text = repr(parsed.as_json()) + repr(parsed.spec)
    assert "CANARY" not in text


ATTACKS = {
    "billion-laughs": b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<WindowsCustomizations>&lol3;</WindowsCustomizations>""",
    "external-entity": b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<WindowsCustomizations>&xxe;</WindowsCustomizations>""",
    "external-dtd": b"""<?xml version="1.0"?>
<!DOCTYPE x SYSTEM "http://example.invalid/evil.dtd"><WindowsCustomizations/>""",
    "parameter-entity": b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY % p SYSTEM "http://example.invalid/p"> %p;]><WindowsCustomizations/>""",
    "deep": b"<WindowsCustomizations>"
    + b"<a>" * 5000
    + b"</a>" * 5000
    + b"</WindowsCustomizations>",
    "not-xml": b"\x00\x01 binary junk",
    "wrong-root": b"<Foo/>",
    "truncated": b"<WindowsCustomizations><PackageConfig>",
}


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attacks_and_junk_are_refused(name: str) -> None:
    with pytest.raises(InputError) as caught:
        wcd_xml.parse_customizations(ATTACKS[name], f"{name}.xml")
    assert f"{name}.xml" in str(caught.value)
    assert "root:" not in str(caught.value)  # no /etc/passwd content


def test_oversized_file_refused() -> None:
    data = b"<WindowsCustomizations>" + b" " * xmltree.MAX_XML_BYTES + b"</WindowsCustomizations>"
    with pytest.raises(InputError, match="larger"):
        wcd_xml.parse_customizations(data, "big.xml")


_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=30)


@settings(max_examples=60)
@given(name=_text, ssid=_text)
def test_any_text_survives_a_round_trip(name: str, ssid: str) -> None:
    spec = PackageSpec(info=PackageInfo(name=name), network=Network(ssid, WifiSecurity.OPEN))
    try:
        data = wcd_xml.render(spec)
    except InputError:
        return  # a character XML 1.0 cannot carry: refused, never written wrong
    back = wcd_xml.parse_customizations(data, "p")
    assert back.config.name == name.strip()
    if ssid:
        assert back.spec.network is not None
        assert back.spec.network.ssid == ssid


GOLDEN = Path(__file__).parents[2] / "data" / "provisioning" / "golden-customizations.xml"


def test_golden_customizations_xml(spec: PackageSpec) -> None:
    """The XML a full spec writes, byte for byte (reviewed by hand against the WCD schema;
    JOINERY_REGOLD=1 rewrites it after a deliberate change)."""
    written = wcd_xml.render(spec)
    if os.environ.get("JOINERY_REGOLD") == "1":
        GOLDEN.write_bytes(written)
    assert written == GOLDEN.read_bytes()
