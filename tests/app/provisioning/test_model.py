"""The wizard's rules: every number from domain.md 1.6, and no secret in any reason."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.errors import InputError
from app.provisioning import rules
from app.provisioning.model import (
    App,
    BulkToken,
    DeviceSetup,
    DomainJoin,
    LocalAdmin,
    Network,
    PackageInfo,
    PackageSpec,
    WifiSecurity,
    bump_version,
    generate_password,
    parse_codes,
    version_problem,
)
from app.security.secret import Secret
from tests.helpers.provisioning import CANARIES, TODAY


def fields(spec: PackageSpec) -> set[str]:
    return {field for field, _ in rules.problems(spec, today=TODAY)}


def test_full_spec_has_no_problems(spec: PackageSpec) -> None:
    assert rules.problems(spec, today=TODAY) == []
    assert spec.secret_fields() == ["network.key", "account.token"]


def test_secrets_require_a_long_password(spec: PackageSpec) -> None:
    info = dataclasses.replace(spec.info, password=None)
    assert "info.password" in fields(dataclasses.replace(spec, info=info))
    info = dataclasses.replace(spec.info, password=Secret("x" * 19))
    assert "info.password" in fields(dataclasses.replace(spec, info=info))


@pytest.mark.parametrize(
    ("key", "ok"),
    [
        ("VK7JG-NPHTM-C97JM-9MPGT-3V66T", True),
        ("VK7JG-NPHTM-C97JM-9MPGT", False),
        ("vk7jg-nphtm-c97jm-9mpgt-3v66t", False),
        ("VK7JGNPHTMC97JM9MPGT3V66T", False),
    ],
)
def test_product_key_is_five_groups_of_five(spec: PackageSpec, key: str, ok: bool) -> None:
    changed = dataclasses.replace(spec, device=DeviceSetup(product_key=Secret(key)))
    assert ("device.product_key" not in fields(changed)) is ok


@pytest.mark.parametrize(("rank", "ok"), [(0, True), (99, True), (100, False), (-1, False)])
def test_rank_is_0_to_99(spec: PackageSpec, rank: int, ok: bool) -> None:
    changed = dataclasses.replace(spec, info=dataclasses.replace(spec.info, rank=rank))
    assert ("info.rank" not in fields(changed)) is ok


@pytest.mark.parametrize(
    ("version", "ok"),
    [
        ("1.0", True),
        ("2.13", True),
        ("1", False),
        ("1.0.0", True),
        ("1.0.0.1", True),
        ("1.0.0.0.0", False),
        ("01.2", False),
        ("1.70000", False),
        ("a.b", False),
    ],
)
def test_version_is_major_minor(version: str, ok: bool) -> None:
    assert (version_problem(version) is None) is ok


def test_bump_version() -> None:
    assert bump_version(None) == "1.0"
    assert bump_version("1.9") == "1.10"
    assert bump_version("1.0.0.1") == "1.0.0.2"
    assert bump_version("1.65535") == "2.0"
    assert bump_version("garbage") == "1.0"


def test_token_lasts_at_most_180_days(spec: PackageSpec) -> None:
    token = spec.account
    assert isinstance(token, BulkToken)
    longer = dataclasses.replace(token, expires=TODAY + dt.timedelta(days=181))
    assert "account.expires" in fields(dataclasses.replace(spec, account=longer))
    exact = dataclasses.replace(token, expires=TODAY + dt.timedelta(days=180))
    assert "account.expires" not in fields(dataclasses.replace(spec, account=exact))
    expired = dataclasses.replace(token, issued=TODAY - dt.timedelta(days=30), expires=TODAY)
    assert "account.expires" in fields(dataclasses.replace(spec, account=expired))
    unknown = dataclasses.replace(token, issued=None, expires=None)
    assert "account.expires" in fields(dataclasses.replace(spec, account=unknown))


@pytest.mark.parametrize(
    ("ssid", "ok"),
    [
        ("B", True),
        ("x" * 32, True),
        ("x" * 33, False),
        ("", False),
        ("é" * 16, True),
        ("é" * 17, False),
    ],
)
def test_ssid_is_1_to_32_bytes(spec: PackageSpec, ssid: str, ok: bool) -> None:
    changed = dataclasses.replace(spec, network=Network(ssid, key=Secret("12345678")))
    assert ("network.ssid" not in fields(changed)) is ok


@pytest.mark.parametrize(
    ("key", "ok"),
    [("1234567", False), ("12345678", True), ("k" * 63, True), ("k" * 64, False), ("a" * 64, True)],
)
def test_wpa2_key_is_8_to_63(spec: PackageSpec, key: str, ok: bool) -> None:
    changed = dataclasses.replace(spec, network=Network("Bench", key=Secret(key)))
    assert ("network.key" not in fields(changed)) is ok


def test_open_network_takes_no_key(spec: PackageSpec) -> None:
    network = Network("Guest", WifiSecurity.OPEN, key=Secret("12345678"))
    assert "network.key" in fields(dataclasses.replace(spec, network=network))
    assert "network.key" not in fields(
        dataclasses.replace(spec, network=Network("Guest", WifiSecurity.OPEN))
    )


@pytest.mark.parametrize(
    ("installer", "line"),
    [
        ("C:\\src\\setup tool.cmd", 'cmd /c "setup tool.cmd"'),  # Microsoft's walkthrough
        ("INSTALL.BAT", 'cmd /c "INSTALL.BAT"'),
        (
            "fix.ps1",
            'powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File "fix.ps1"',
        ),
        ("fix.vbs", 'cscript.exe //B //NoLogo "fix.vbs"'),
    ],
)
def test_a_script_without_a_command_line_is_run_by_its_host(installer: str, line: str) -> None:
    """An empty CommandLine was written for a script: on the device, nothing ran."""
    assert App("Script", installer).effective_command_line() == line
    assert App("Script", installer, "cmd /c other.cmd").effective_command_line() == (
        "cmd /c other.cmd"
    )


def test_msi_gets_the_silent_flag_and_exe_needs_one(payload: Path) -> None:
    assert App("A", "C:\\src\\7z.msi").effective_command_line() == 'msiexec /i "7z.msi" /qn'
    assert App("A", "x.msi", "msiexec /i x.msi").effective_command_line().endswith("/qn")
    assert App("A", "x.msi", "msiexec /i x.msi /quiet").effective_command_line().count("/q") == 1
    loud = App("Agent", str(payload / "agent.exe"), "agent.exe")
    found = dict(rules._app("apps[0]", loud, None))
    assert "apps[0].command_line" in found
    assert rules._app("apps[0]", dataclasses.replace(loud, command_line="agent.exe /S"), None) == []


def test_return_codes() -> None:
    assert parse_codes("0 3010") == (0, 3010)
    assert parse_codes("0, 1641") == (0, 1641)
    with pytest.raises(InputError):
        parse_codes("0 ok")
    app = App("A", "x.msi", success_codes=(0, 3010), restart_codes=(3010,))
    assert any(f.endswith("restart_codes") for f, _ in rules._app("a", app, None))


def test_certificate_must_be_x509(spec: PackageSpec, payload: Path) -> None:
    (payload / "fake.cer").write_text("-----BEGIN CERTIFICATE-----\nnope\n")
    bad = dataclasses.replace(spec.certificates[0], path=str(payload / "fake.cer"))
    assert "certificates[0].path" in fields(dataclasses.replace(spec, certificates=(bad,)))


def test_domain_join_needs_unique_names(spec: PackageSpec) -> None:
    join = DomainJoin("corp.contoso.com", "CORP\\joiner", Secret("pw"))
    fixed = DeviceSetup(name_template="CTS-BENCH")
    assert "device.name_template" in fields(dataclasses.replace(spec, account=join, device=fixed))
    for template in ("CTS-%RAND:5%", "CTS-%SERIAL%"):  # wcd-accounts: %RAND:x% or %SERIAL%
        device = DeviceSetup(name_template=template)
        assert fields(dataclasses.replace(spec, account=join, device=device)) == set()


def test_local_admin_warns_about_42_days(spec: PackageSpec) -> None:
    changed = dataclasses.replace(spec, account=LocalAdmin("benchadmin", Secret("pw")))
    assert fields(changed) == set()
    assert any("42 days" in text for _, text in rules.warnings(changed, today=TODAY))


def test_bad_template_reuses_naming_rules(spec: PackageSpec) -> None:
    changed = dataclasses.replace(spec, device=DeviceSetup(name_template="%serial%"))
    assert "device.name_template" in fields(changed)


def test_reasons_never_quote_a_secret(spec: PackageSpec) -> None:
    bad = dataclasses.replace(
        spec,
        device=DeviceSetup(product_key=Secret("CANARY-KEY")),
        network=Network("Bench", key=Secret("CANARY")),
        account=dataclasses.replace(spec.account, token=Secret("CANARY BPRT")),  # type: ignore[arg-type]
    )
    text = repr(bad) + str(rules.problems(bad, today=TODAY))
    assert "CANARY" not in text
    assert all(value not in text for value in CANARIES.values())


def test_generated_password_is_long_and_fresh() -> None:
    first, second = generate_password(), generate_password()
    assert len(first.reveal()) >= 20
    assert first != second


def test_a_generated_password_can_be_read_off_the_screen() -> None:
    """A reviewer tried 8 readings of "w=luAMq#OJGHSlNxmt_Rm5Dh" before one opened it."""
    drawn = "".join(generate_password().reveal() for _ in range(200))
    assert not set(drawn) & set("Il1O0.")
    assert len(set(drawn)) > 55  # still a large alphabet: 24 characters, over 140 bits


@given(st.text(max_size=40), st.text(max_size=70))
def test_problems_never_raise(ssid: str, key: str) -> None:
    spec = PackageSpec(info=PackageInfo(name="P"), network=Network(ssid, key=Secret(key)))
    assert all(isinstance(reason, str) for _, reason in rules.problems(spec, today=TODAY))
