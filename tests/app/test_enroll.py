"""Enrollment: the wizard's commit and `joinery enroll` share one service and its checks."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from app import demo, eligibility, services
from app.cli import cli
from app.enrollment import Answers
from app.errors import InputError
from app.security.roles import Actor, PermissionDenied, Role
from app.services import EnrollRequest
from app.store import Store
from tests.helpers.actors import ADMIN

TECH = Actor("tom", Role.TECHNICIAN)


@pytest.fixture
def tenant(store: Store) -> Store:
    with store.transaction():
        store.set_setting("tenant_domains", "contoso.com")
    return store


def test_default_profile_enrolls_with_nothing_else(store: Store) -> None:
    result = services.enroll_device(store, EnrollRequest("PF3KX1ZB"), actor=TECH)
    assert result.created
    device = result.device
    assert device.device_name == "PC-PF3KX1ZB"  # the default template is PC-%SERIAL%
    assert device.enrollment_status == "prepared" and device.profile == "Default"
    assert device.os_edition == "Windows 11 Pro" and device.join_type == "entraJoined"
    (entry,) = store.audit_entries(action="device.enroll")
    assert entry.actor == "tom" and entry.target == "PF3KX1ZB"
    assert store.device_history(device.id)[0].kind == "enrolled"
    stored = store.enrollment_json(device.id)
    assert stored is not None and Answers.from_json(stored).region == "United States"


def test_ineligible_device_is_refused_with_the_way_out(store: Store) -> None:
    request = EnrollRequest("PF3KX1ZB", overrides=(("edition", "Windows 11 Home"),))
    with pytest.raises(InputError, match="Upgrade the edition to Pro"):
        services.enroll_device(store, request, actor=TECH)
    assert store.count_devices() == 0
    old = EnrollRequest(
        "PF3KX1ZC", overrides=(("build", "1703"), ("provisioning_method", "autopilot"))
    )
    with pytest.raises(InputError, match="Windows Autopilot"):
        services.enroll_device(store, old, actor=TECH)


def test_names_follow_the_rules_and_stay_unique(store: Store) -> None:
    services.enroll_device(store, EnrollRequest("AAA1", name="BENCH-01"), actor=TECH)
    with pytest.raises(InputError, match="already used"):
        services.enroll_device(store, EnrollRequest("AAA2", name="bench-01"), actor=TECH)
    with pytest.raises(InputError, match="device name"):
        services.enroll_device(store, EnrollRequest("AAA3", name="BAD NAME"), actor=TECH)
    with pytest.raises(InputError, match="all digits"):
        services.enroll_device(
            store, EnrollRequest("012345678957", name="012345678957"), actor=TECH
        )


def test_users_are_checked_against_the_tenant(tenant: Store) -> None:
    ok = services.enroll_device(tenant, EnrollRequest("U1", user="megan@contoso.com"), actor=TECH)
    assert ok.device.assigned_user == "megan@contoso.com"
    for upn, words in [
        ("megan@gmail.com", "personal account"),
        ("megan@fabrikam.com", "verified domains"),
        ("not-a-upn", "principal name"),
    ]:
        with pytest.raises(InputError, match=words):
            services.enroll_device(tenant, EnrollRequest("U2", user=upn), actor=TECH)


@pytest.mark.parametrize(
    ("request_", "column"),
    [
        (EnrollRequest("-1+cmd"), "the serial number"),
        (EnrollRequest("+PF3KX1ZB"), "the serial number"),
        (EnrollRequest("U3", user="-cmd@contoso.com"), "the assigned user"),
    ],
)
def test_a_value_a_spreadsheet_would_run_is_refused_at_enrollment(
    tenant: Store, request_: EnrollRequest, column: str
) -> None:
    """A serial or user beginning with = + - @ passes Intune's character rules; enrolled, it
    was refused by the Autopilot export later (every device it reached). One check now."""
    with pytest.raises(InputError, match=f"{column} cannot begin with"):
        services.enroll_device(tenant, request_, actor=TECH)
    assert tenant.count_devices() == 0
    preview = services.preview_enrollment(tenant, request_.serial, "Default", actor=TECH)
    assert request_.user or "cannot begin with" in (preview.problem or "")


def test_the_forms_live_checks_apply_the_formula_rule() -> None:
    """What the wizard says while a person types is what saving says (it said nothing)."""
    assert "group tag cannot begin with '='" in (services.group_tag_problem("=1+1") or "")
    assert "serial number cannot begin with '+'" in (services.serial_problem("+1") or "")
    assert services.group_tag_problem("Lab-2") is None


def test_device_limit_per_user(tenant: Store) -> None:
    with tenant.transaction():
        tenant.set_setting("max_devices_per_user", "2")
    for serial in ("L1", "L2"):
        services.enroll_device(tenant, EnrollRequest(serial, user="ann@contoso.com"), actor=TECH)
    with pytest.raises(InputError, match="already has 2 devices"):
        services.enroll_device(tenant, EnrollRequest("L3", user="ann@contoso.com"), actor=TECH)


def test_imported_record_is_enrolled_not_duplicated(store: Store, tmp_path: Path) -> None:
    rows = demo.autopilot_rows(1, group_tag="Sales")
    path = tmp_path / "a.csv"
    path.write_bytes(demo.capture_csv(rows))
    services.import_autopilot(store, [path], actor=ADMIN)
    result = services.enroll_device(store, EnrollRequest(rows[0].serial), actor=TECH)
    assert not result.created and store.count_devices() == 1
    assert result.device.group_tag == "Sales" and result.device.lineage == 1
    with pytest.raises(InputError, match="already prepared at the bench"):
        services.enroll_device(store, EnrollRequest(rows[0].serial), actor=TECH)
    again = services.enroll_device(store, EnrollRequest(rows[0].serial, update=True), actor=TECH)
    assert again.device.id == result.device.id


def test_a_serial_typed_in_lower_case_is_the_record_as_recorded(
    store: Store, tmp_path: Path
) -> None:
    """Typed "pf…" for an imported "PF…": the name came out "CTS-pf…" and the audit named
    a serial no list shows."""
    rows = demo.autopilot_rows(1)
    path = tmp_path / "a.csv"
    path.write_bytes(demo.capture_csv(rows))
    services.import_autopilot(store, [path], actor=ADMIN)
    recorded = rows[0].serial
    assert recorded != recorded.lower()
    result = services.enroll_device(store, EnrollRequest(recorded.lower()), actor=TECH)
    assert result.device.serial == recorded
    assert result.device.device_name is not None and recorded in result.device.device_name
    assert store.audit_entries(action="device.enroll")[0].target == recorded


def test_profiles_are_saved_by_leads_and_used(store: Store) -> None:
    answers = Answers(
        name_template="CTS-%SERIAL%", group_tag="Lab", region="Germany", keyboard="00000407"
    )
    with pytest.raises(PermissionDenied):
        services.save_profile(store, "Lab bench", answers, actor=TECH)
    services.save_profile(store, "Lab bench", answers, actor=Actor("lena", Role.LEAD))
    result = services.enroll_device(
        store, EnrollRequest("PF3KX1ZB", profile="lab bench"), actor=TECH
    )
    assert result.device.device_name == "CTS-PF3KX1ZB" and result.device.group_tag == "Lab"
    with pytest.raises(InputError, match="no bench profile called 'Nope'"):
        services.enroll_device(store, EnrollRequest("X", profile="Nope"), actor=TECH)
    bad = Answers(network="wifi", wifi_ssid="", wifi_security="WEP")
    with pytest.raises(InputError, match="cannot stand"):
        services.save_profile(store, "Bad", bad, actor=Actor("lena", Role.LEAD))


@pytest.mark.parametrize(
    ("tag", "reason"),
    [
        ('=HYPERLINK("http://x")', "cannot begin with '='"),
        ("@SUM(1)", "cannot begin with '@'"),
        ("Lab\x1b[31m", "control character"),
        ("L" * 513, "at most 512"),
    ],
)
def test_a_group_tag_autopilot_cannot_take_is_refused_when_the_profile_is_saved(
    store: Store, tag: str, reason: str
) -> None:
    """Saved, it would reach every device enrolled with the profile, and the Autopilot CSV
    export and upload would refuse each of them later."""
    lead = Actor("lena", Role.LEAD)
    with pytest.raises(InputError) as raised:
        services.save_profile(store, "Tagged", Answers(group_tag=tag), actor=lead)
    assert [p.column for p in raised.value.problems] == ["group_tag"]
    assert reason in raised.value.problems[0].reason
    assert store.profile_answers("Tagged") is None
    services.save_profile(store, "Tagged", Answers(group_tag="Lab-2 (north)"), actor=lead)


def test_cli_enroll_json_and_exit_codes(db_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        cli, ["--db", str(db_path), "enroll", "PF3KX1ZB", "--name", "BENCH-07", "--json"]
    )
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["device_name"] == "BENCH-07" and document["eligibility"]["eligible"]
    result = runner.invoke(
        cli, ["--db", str(db_path), "enroll", "PF3KX1ZC", "--edition", "Windows 10 Home"]
    )
    assert result.exit_code == 1 and "Home" in result.stderr
    result = runner.invoke(cli, ["--db", str(db_path), "enroll", "PF3KX1ZD", "--name", "A B"])
    assert result.exit_code == 1 and "space" in result.stderr
    result = runner.invoke(cli, ["--db", str(db_path), "enroll", "PF3KX1ZE", "--name", "BENCH-08"])
    assert result.exit_code == 0 and "warning: Never Sysprep this device" in result.stderr
    assert document["eligibility"]["warnings"] == [eligibility.SYSPREP_WARNING]


def test_wifi_key_is_sealed_in_the_vault(
    store: Store, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.security import vault
    from app.security.secret import Secret

    lead = Actor("lena", Role.LEAD)
    wifi = Answers(network="wifi", wifi_ssid="Bench", wifi_security="WPA2-Personal")
    canary = "wifi-canary-" + "7" * 12
    with pytest.raises(vault.PassphraseNeeded, match="An admin sets it in the kiosk"):
        services.save_profile(store, "Wi-Fi bench", wifi, actor=lead, wifi_key=Secret(canary))
    assert store.profile_names() == []  # nothing half-saved
    monkeypatch.setattr(vault, "KDF_COST", {"m": 19456, "t": 2, "p": 1})
    monkeypatch.setenv(vault.PASSPHRASE_ENV, "a long admin passphrase for tests")
    services.save_profile(store, "Wi-Fi bench", wifi, actor=lead, wifi_key=Secret(canary))
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for suffix in ("", "-wal"):
        data = (
            Path(str(db_path) + suffix).read_bytes()
            if Path(str(db_path) + suffix).exists()
            else b""
        )
        assert canary.encode() not in data
    with pytest.raises(PermissionDenied):
        services.profile_wifi_key(store, "wi-fi bench", actor=TECH)
    key = services.profile_wifi_key(store, "wi-fi bench", actor=lead)
    assert key is not None and key.reveal() == canary
    assert [e.action for e in store.audit_entries(limit=2)] == ["secret.reveal", "profile.save"]
    with pytest.raises(InputError, match="8 to 63"):
        services.save_profile(store, "Short", wifi, actor=lead, wifi_key=Secret("short"))


def test_a_cart_lands_whole_or_not_at_all(tenant: Store) -> None:
    good = [EnrollRequest(f"CART{n:04d}", user="ann@contoso.com") for n in range(5)]
    bad = EnrollRequest("CART9999", user="someone@gmail.com")
    with pytest.raises(InputError, match="personal account"):
        services.enroll_devices(tenant, [*good, bad], actor=TECH)
    assert tenant.count_devices() == 0
    with pytest.raises(InputError, match="twice"):
        services.enroll_devices(tenant, [good[0], EnrollRequest("cart0000")], actor=TECH)
    lead = Answers(name_template="LAB-%RAND:2%")
    results = services.enroll_devices(
        tenant, [EnrollRequest(r.serial, answers=lead) for r in good], actor=TECH
    )
    names = [r.device.device_name for r in results]
    assert len(set(names)) == 5 and all(n and n.startswith("LAB-") for n in names)
    assert [e.target for e in tenant.audit_entries(action="device.enroll")][::-1] == [
        r.serial for r in good
    ]
    assert all(r.device.profile is None for r in results)  # answered, not from a profile


def test_wizard_answers_override_the_profile_entirely(store: Store) -> None:
    services.save_profile(store, "Bench", Answers(second_keyboard="00000407"), actor=ADMIN)
    answers = Answers(second_keyboard=None, hello_pin_minimum=8, edition="Windows 11 Education")
    result = services.enroll_device(
        store,
        EnrollRequest("WIZ00001", "Bench", answers=answers, manufacturer="Contoso", model="Book 3"),
        actor=ADMIN,
    )
    stored = json.loads(store.enrollment_json(result.device.id) or "{}")
    assert stored["second_keyboard"] is None and stored["hello_pin_minimum"] == 8
    assert result.device.os_edition == "Windows 11 Education"
    assert (result.device.manufacturer, result.device.model) == ("Contoso", "Book 3")
    assert result.device.profile == "Bench"
    with pytest.raises(InputError, match="Hello PIN"):
        services.enroll_device(
            store, EnrollRequest("WIZ00002", answers=Answers(hello_pin_minimum=3)), actor=ADMIN
        )


def test_windows_server_joins_only_as_an_azure_vm(store: Store) -> None:
    server = Answers(edition="Windows Server 2022 Datacenter", build="10.0.20348")
    with pytest.raises(InputError, match="Azure"):
        services.enroll_device(store, EnrollRequest("SRV00001", answers=server), actor=ADMIN)
    vm = Answers(edition="Windows Server 2022 Datacenter", build="10.0.20348", azure_vm=True)
    result = services.enroll_device(store, EnrollRequest("SRV00001", answers=vm), actor=ADMIN)
    assert "do not enroll in MDM" in result.verdict.reason


def test_label_sheets_are_written_and_audited(store: Store, tmp_path: Path) -> None:
    serials = [f"SHEET{n:03d}" for n in range(31)]
    services.enroll_devices(store, [EnrollRequest(s) for s in serials], actor=ADMIN)
    sheet = services.write_label_sheet(
        store, serials, tmp_path / "s.pdf", layout="A4_3x10", actor=ADMIN
    )
    pages = re.findall(rb"/Type\s*/Page[^s]", sheet.read_bytes())
    assert len(pages) == 2  # 30 labels a sheet: the 31st starts a second page
    with pytest.raises(InputError, match="layout"):
        services.write_label_sheet(store, serials, tmp_path / "x.pdf", layout="A5", actor=ADMIN)
    with pytest.raises(InputError, match="NOPE"):
        services.write_label_sheet(store, ["NOPE"], tmp_path / "y.pdf", actor=ADMIN)
    assert not (tmp_path / "x.pdf").exists() and not (tmp_path / "y.pdf").exists()
    entry = store.audit_entries(action="label.print")[0]
    assert entry.details["layout"] == "A4_3x10" and entry.details["serials"] == serials


def test_a_scan_is_checked_in_one_read_of_the_profile(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batch and cart mode check a scan the same way (`check_scan`): a printed label names
    its serial, the profile is read once (the cart read it twice a scan, for the preview
    and for its name template), and a refusal is the answer rather than an exception."""
    from app import labels

    services.save_profile(store, "Lab", Answers(name_template="LAB-%SERIAL%"), actor=ADMIN)
    device = services.enroll_device(store, EnrollRequest("PF3KX1ZB"), actor=TECH).device
    reads: list[str] = []
    answers = store.profile_answers
    monkeypatch.setattr(store, "profile_answers", lambda name: reads.append(name) or answers(name))
    checked = services.check_scan(store, labels.payload(device), "Lab", actor=TECH)
    assert checked.serial == "PF3KX1ZB" and reads == ["Lab"]
    assert checked.name_template == "LAB-%SERIAL%"
    assert not isinstance(checked.preview, Exception) and checked.preview.serial == "PF3KX1ZB"
    fresh = services.check_scan(store, " PF9NEW01 ", "Lab", actor=TECH)
    assert not isinstance(fresh.preview, Exception) and fresh.preview.name == "LAB-PF9NEW01"
    refused = services.check_scan(store, "PF9NEW01", "Nope", actor=TECH)
    assert isinstance(refused.preview, InputError) and "Nope" in str(refused.preview)
