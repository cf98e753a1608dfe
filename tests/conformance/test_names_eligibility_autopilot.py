"""Issue 14, items 19-21: device names, eligibility, and the Autopilot CSV for Intune.

Sources (docs/formats.md, docs/compliance.md): MEM autopilot profiles ("letters, numbers, and
hyphens"), ENTRA howto-vm-sign-in-azure-ad-windows (Datacenter) and device-join-plan (no
Sysprep of joined devices), MEM enrollment-autopilot (the group tag becomes [OrderID]).
"""

from __future__ import annotations

from pathlib import Path

from app import eligibility
from app.domain import ProvisioningMethod as M
from app.enrollment import Answers
from tests.helpers.conformance import DATA, joinery

AUTOPILOT_FILES = DATA.parent / "autopilot"


# -- 19 ---------------------------------------------------------------------------------------


def test_item19_autopilot_names_take_letters_digits_and_hyphens_wcd_names_keep_their_rules(
    tmp_path: Path,
) -> None:
    def problems(method: str, template: str) -> list[str]:
        answers = Answers(provisioning_method=method, name_template=template)
        return [field for field, _ in answers.problems()]

    assert "name_template" in problems("autopilot", "LAB_%SERIAL%")
    assert "name_template" in problems("autopilot", "KÖLN-%RAND:4%")
    assert "name_template" not in problems("autopilot", "LAB-%SERIAL%")
    assert "name_template" not in problems("bulk", "LAB_%SERIAL%")  # WCD's own rules allow _
    db = tmp_path / "j.db"
    result = joinery(db, "enroll", "PF3KX1ZB", "--method", "autopilot", "--name", "LAB_PC1")
    assert result.exit_code == 1 and "hyphens" in result.stderr
    assert joinery(db, "enroll", "PF3KX1ZC", "--method", "bulk", "--name", "LAB_PC1").exit_code == 0


# -- 20 ---------------------------------------------------------------------------------------


def test_item20_server_only_datacenter_2019_or_later_and_never_sysprep_a_joined_device(
    tmp_path: Path,
) -> None:
    standard = eligibility.check(
        "Windows Server 2022 Standard", "20348", M.SELF_SERVICE, azure_vm=True
    )
    assert not standard.eligible and "Datacenter" in standard.reason
    datacenter = eligibility.check(
        "Windows Server 2019 Datacenter", "17763", M.SELF_SERVICE, azure_vm=True
    )
    assert datacenter.eligible
    for verdict in (datacenter, eligibility.check("Windows 11 Pro", "26100", M.AUTOPILOT)):
        assert any("Sysprep" in warning for warning in verdict.warnings)
    result = joinery(tmp_path / "j.db", "enroll", "PF3KX1ZB", "--name", "BENCH-07")
    assert result.exit_code == 0 and "Sysprep" in result.stderr  # said at the bench


# -- 21 ---------------------------------------------------------------------------------------


def test_item21_export_keeps_group_tags_ascii_and_users_in_the_tenants_domains(
    tmp_path: Path,
) -> None:
    db = tmp_path / "j.db"
    for name in ("intune-ansi.csv", "ps7-grouptag-user.csv"):  # Café-Zürich; megan.bowen@...
        assert joinery(db, "autopilot", "import", str(AUTOPILOT_FILES / name)).exit_code == 0
    refused = joinery(db, "autopilot", "export", str(tmp_path / "out"))
    assert refused.exit_code == 1
    assert "ASCII" in refused.stderr and "[OrderID]" in refused.stderr
    assert "verified domains are not set" in refused.stderr
    assert not (tmp_path / "out").exists()

    assert joinery(db, "settings", "set", "tenant_domains", "fabrikam.com").exit_code == 0
    outside = joinery(db, "autopilot", "export", str(tmp_path / "out"), "--group-tag", "Kiosk-Lab")
    assert outside.exit_code == 1 and "contoso.com is not one of" in outside.stderr

    assert joinery(db, "settings", "set", "tenant_domains", "contoso.com").exit_code == 0
    done = joinery(db, "autopilot", "export", str(tmp_path / "out"), "--group-tag", "Kiosk-Lab")
    assert done.exit_code == 0, done.stderr
    assert (tmp_path / "out" / "autopilot-001.csv").is_file()
