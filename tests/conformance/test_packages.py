"""Issue 14, items 1-7: packages icd.exe really builds.

icd.exe, cmd.exe and Windows PowerShell cannot run here, so build-ppkg.cmd is checked by
reading it: the batch part line by line, and the PowerShell part by its functions and the
order its main flow calls them in (tests/app/provisioning/test_icd_script.py holds the
byte-for-byte golden file). Sources: docs/provisioning.md.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import re
import uuid
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.provisioning import build, bundle, rules, wcd_xml
from app.provisioning.model import (
    App,
    BulkToken,
    Certificate,
    DeviceSetup,
    DomainJoin,
    Network,
    PackageInfo,
    PackageSpec,
)
from app.security.secret import Secret
from tests.helpers.actors import ADMIN
from tests.helpers.conformance import WCD_AUTHORED, joinery

TODAY = dt.date(2026, 11, 30)
MARKER = "#JOINERY-POWERSHELL#"
KEY = Ed25519PrivateKey.generate()
CHEAP = bundle.KdfCost(m=8, t=1, p=1)  # quick for tests, as tests/app/provisioning does
CHEAP_BOUNDS = bundle.KdfBounds(m=(8, 1024), t=(1, 4), p=(1, 4))


def payload(tmp_path: Path) -> Path:
    folder = tmp_path / "src"
    folder.mkdir(exist_ok=True)
    (folder / "7z2408-x64.msi").write_bytes(b"MSI" * 40_000)
    return folder


def plain_spec(tmp_path: Path) -> PackageSpec:
    return PackageSpec(
        info=PackageInfo(name="Bench-Plain", version="1.0"),
        device=DeviceSetup(name_template="CTS-%SERIAL%"),
        apps=(App("SevenZip", str(payload(tmp_path) / "7z2408-x64.msi")),),
    )


def token_spec(tmp_path: Path, **token: object) -> PackageSpec:
    return PackageSpec(
        info=PackageInfo(
            name="Bench-Entra",
            package_id=uuid.UUID("1e4ed133-aae7-45f4-8ee1-881220aa52d5"),
            password=Secret("CANARY-BUNDLE-PASSWORD-xx"),
        ),
        device=DeviceSetup(name_template="CTS-%SERIAL%"),
        account=BulkToken(
            "Bench token",
            Secret("CANARY-BPRT-7f3e9a"),
            TODAY + dt.timedelta(days=90),
            TODAY,
            **token,  # type: ignore[arg-type]
        ),
        apps=(App("SevenZip", str(payload(tmp_path) / "7z2408-x64.msi")),),
    )


def script_of(project: Path) -> tuple[list[str], str, dict[str, str]]:
    """(batch lines, the PowerShell main flow, PowerShell function bodies by name)."""
    text = (project / "build-ppkg.cmd").read_bytes().decode("ascii")
    lines = text.split("\r\n")
    assert MARKER in lines, "build-ppkg.cmd has no PowerShell part"
    at = lines.index(MARKER)
    ps = lines[at + 1 :]
    bodies: dict[str, str] = {}
    for index, line in enumerate(ps):
        if match := re.match(r"function ([A-Za-z-]+)", line):
            end = next(i for i in range(index + 1, len(ps)) if ps[i] == "}")
            bodies[match.group(1)] = "\n".join(ps[index : end + 1])
    start = ps.index("try {")
    end = next(i for i in range(start, len(ps)) if ps[i].startswith("} catch {"))
    return lines[:at], "\n".join(ps[start:end]), bodies


def built_project(tmp_path: Path, spec: PackageSpec) -> Path:
    """The WCD project as the technician gets it on the Windows machine."""
    if not spec.has_secrets:
        return build.build_package(spec, tmp_path / "out", today=TODAY).output
    record = build.build_package(
        spec,
        tmp_path / "out",
        KEY,
        today=TODAY,
        kdf_cost=CHEAP,
        kdf_bounds=CHEAP_BOUNDS,
    )
    project = tmp_path / "private" / "project"
    assert spec.info.password is not None
    bundle.unpack_bundle(
        record.output, project, spec.info.password, KEY.public_key(), kdf_bounds=CHEAP_BOUNDS
    )
    return project


def calls_in_order(flow: str, *names: str) -> bool:
    found = [re.search(rf"\b{re.escape(n)}\b", flow) for n in names]
    return all(found) and [m.start() for m in found if m] == sorted(m.start() for m in found if m)


# -- 1 ----------------------------------------------------------------------------------------


def test_item01_payload_paths_made_absolute_in_a_short_working_copy_and_output_checked(
    tmp_path: Path,
) -> None:
    project = built_project(tmp_path, plain_spec(tmp_path))
    xml = (project / "customizations.xml").read_text("utf-8")
    assert "<CommandFile>payload\\7z2408-x64.msi</CommandFile>" in xml  # portable project
    batch, flow, fn = script_of(project)
    assert 'set "JOINERY_PROJECT=%~dp0"' in batch  # the script's own folder

    # Copied first to a short path without spaces, private to the current user.
    assert "$env:SystemDrive" in fn["New-WorkFolder"] and "Contains(' ')" in fn["New-WorkFolder"]
    assert "$env:JOINERY_PROJECT" in fn["Copy-Project"]
    # Every path-valued setting of the *copy* made absolute from the copy's folder; a file
    # that is not there stops the build with a message.
    absolute = fn["Set-AbsolutePaths"]
    assert "IsPathRooted" in absolute and "Join-Path $Root $value" in absolute
    assert "Stop-Build" in absolute
    text = (project / "build-ppkg.cmd").read_text()
    assert "$PathSettings = @('CommandFile', 'CertificatePath', 'UpgradeEditionWithLicense'" in text
    assert "$xml = Join-Path $project 'customizations.xml'" in flow
    assert calls_in_order(
        flow,
        "New-WorkFolder",
        "Copy-Project",
        "Set-AbsolutePaths $xml $project",
        "Invoke-Icd $icd $xml",
        "Test-PackageSize",
        "Test-PackageContents",
        "Move-Package",
    )
    # The result is checked: its size against the payload, and its contents by
    # Export-ProvisioningPackage where Windows has it; a suspicious package fails the script.
    assert f"$PayloadBytes = [int64]{3 * 40_000}" in text
    assert f"$MinimumBytes = [int64]{3 * 40_000 // 4}" in text
    assert "-lt $MinimumBytes" in fn["Test-PackageSize"] and "Stop-Build" in fn["Test-PackageSize"]
    contents = fn["Test-PackageContents"]
    assert "Export-ProvisioningPackage -PackagePath $Package" in contents
    assert "Stop-Build" in contents
    assert "exit $Code" in fn["Stop-Build"] and "was kept" in fn["Stop-Build"]


# -- 2 ----------------------------------------------------------------------------------------


def test_item02_store_file_passed_and_icd_found_in_the_adk_and_the_store_app(
    tmp_path: Path,
) -> None:
    project = built_project(tmp_path, plain_spec(tmp_path))
    _batch, flow, fn = script_of(project)
    text = (project / "build-ppkg.cmd").read_text()
    assert '"/StoreFile:$Store"' in fn["Invoke-Icd"]
    assert "$DesktopStore = 'Microsoft-Desktop-Provisioning.dat'" in text
    assert "Split-Path -Parent $Icd" in fn["Find-StoreFile"]  # the .dat beside ICD.exe
    assert "Stop-Build" in fn["Find-StoreFile"]  # never a build with the common store only
    find = fn["Find-Icd"]
    assert "Windows Kits\\Installed Roots" in find and "KitsRoot10" in find  # the ADK
    assert "Get-AppxPackage -Name $StoreApp" in find  # the Microsoft Store's WCD
    assert "$StoreApp = 'Microsoft.WindowsConfigurationDesigner'" in text
    assert calls_in_order(flow, "Find-Icd", "Find-StoreFile", "Invoke-Icd $icd $xml $package")
    assert "$storeFile" in flow.split("Invoke-Icd", 1)[1].splitlines()[0]


# -- 3 ----------------------------------------------------------------------------------------


def test_item03_the_generated_ppkg_password_is_captured_apart_and_the_project_kept_without_it(
    tmp_path: Path,
) -> None:
    project = built_project(tmp_path, token_spec(tmp_path))
    batch, flow, fn = script_of(project)
    text = (project / "build-ppkg.cmd").read_text()
    assert "$Encrypt = $true" in text and "'+Encrypted'" in fn["Invoke-Icd"]
    # icd.exe's output is captured; the lines naming the password never reach the screen.
    run = fn["Invoke-Icd"]
    assert "2>&1" in run and "-notmatch 'password'" in run
    # The password goes into a file beside the .ppkg that only the current user can read.
    save = fn["Save-PackagePassword"]
    assert "Protect-ForMe $File" in save and save.index("Protect-ForMe $File") < save.index(
        "Set-Content -LiteralPath $File"
    )
    assert '$PasswordFile = "$output-password.txt"' in flow
    assert "icacls.exe $Path /inheritance:r /grant:r" in fn["Protect-ForMe"]
    # No password line: the build fails (exit 3) and the project is kept.
    assert "Stop-Build" in save and save.rstrip().endswith("}")
    assert re.search(r"Stop-Build .*\b3\r?$", save, re.MULTILINE)
    assert calls_in_order(flow, "Invoke-Icd", "Save-PackagePassword", "Write-Summary")
    summary = fn["Write-Summary"]
    assert "Provisioning package: $Output" in summary and "in $PasswordFile" in summary
    # The batch part deletes the project (it holds secrets) only after exit status 0.
    rc = batch.index('if not "%RC%"=="0" exit /b %RC%')
    assert any("rmdir" in line for line in batch[rc:])
    assert not any("rmdir" in line for line in batch[:rc])
    # The two passwords have two names for the operator.
    words = joinery(tmp_path / "j.db", "package", "build", "--help").stdout
    assert "bundle password" in words and ".ppkg password" in words


# -- 4 ----------------------------------------------------------------------------------------


def test_item04_root_certificate_has_certificate_name_and_name_and_reopens(tmp_path: Path) -> None:
    opened = wcd_xml.read_customizations(WCD_AUTHORED)
    [cert] = opened.spec.certificates
    assert cert.name == "ContosoRootCA.cer"
    assert cert.certificate_name == "4A1F0C7E92B3D58F06E2A4C1B7D9E3F5A8C0B2D4"
    assert cert.path.endswith("\\Bench-Contoso\\ContosoRootCA.cer")
    written = wcd_xml.render(opened.spec, opened.kept).decode("utf-8")
    assert (
        '<RootCertificate CertificateName="4A1F0C7E92B3D58F06E2A4C1B7D9E3F5A8C0B2D4" '
        'Name="ContosoRootCA.cer">' in written
    )
    mine = PackageSpec(
        info=PackageInfo(name="Certs"), certificates=(Certificate("Contoso Root", "root.cer"),)
    )
    assert '<RootCertificate CertificateName="Contoso Root" Name="Contoso Root">' in (
        wcd_xml.render(mine).decode("utf-8")
    )


# -- 5 ----------------------------------------------------------------------------------------


def test_item05_cleanpc_only_for_enterprise_and_education(tmp_path: Path) -> None:
    def findings(*editions: str) -> tuple[list[str], list[str]]:
        device = dataclasses.replace(
            DeviceSetup(name_template="CTS-%SERIAL%", remove_preinstalled=True),
            target_editions=editions,
        )
        spec = PackageSpec(info=PackageInfo(name="Clean"), device=device)
        return (
            [f for f, _ in rules.problems(spec, today=TODAY)],
            [f for f, _ in rules.warnings(spec, today=TODAY)],
        )

    assert "device.remove_preinstalled" in findings("Windows 11 Pro")[0]
    assert "device.remove_preinstalled" in findings("Windows 11 Pro Education")[0]
    assert findings("Windows 11 Enterprise", "Windows 11 Education") == ([], [])
    assert "device.remove_preinstalled" in findings()[1]  # editions unknown: a warning


# -- 6 ----------------------------------------------------------------------------------------


def test_item06_bulk_token_account_is_a_guess_its_bprt_opaque_and_its_device_cap_counted(
    tmp_path: Path,
) -> None:
    guessed = token_spec(tmp_path)
    warned = dict(rules.warnings(guessed, today=TODAY))
    assert "guess" in warned["account.account"] and "package_" in warned["account.account"]
    assert (
        "50" in warned["account.devices"]
        and "Maximum number of devices" in (warned["account.devices"])
    )
    assert "MFA" in warned["account.mfa"]
    entered = token_spec(tmp_path, account="package_1e4ed133@contoso.onmicrosoft.com")
    assert "account.account" not in dict(rules.warnings(entered, today=TODAY))

    # The BPRT is an opaque refresh token: a JWT-shaped value supplies no dates.
    claims = {"iat": 1_764_460_800, "exp": 1_780_012_800}
    jwt = ".".join(
        base64.urlsafe_b64encode(json.dumps(part).encode()).decode().rstrip("=")
        for part in ({"alg": "none"}, claims)
    )
    xml = wcd_xml.render(
        dataclasses.replace(
            guessed, account=dataclasses.replace(guessed.account, token=Secret(jwt + ".sig"))
        )
    )
    reopened = wcd_xml.parse_customizations(xml, "reopened.xml").spec.account
    assert isinstance(reopened, BulkToken)
    assert (reopened.issued, reopened.expires) == (None, None)

    # The Packages screen counts the devices provisioned against the token, of 50.
    from app import services
    from app.store import Store

    with Store.open(tmp_path / "j.db") as store:
        built = services.build_and_record(
            store,
            guessed,
            tmp_path / "registry",
            KEY,
            today=TODAY,
            kdf_cost=CHEAP,
            kdf_bounds=CHEAP_BOUNDS,
            actor=ADMIN,
        )
        services.enroll_device(
            store, services.EnrollRequest("PF4XK2QZ", name="CTS-PF4XK2QZ"), actor=ADMIN
        )
        services.record_provisioned(store, "PF4XK2QZ", built.id, actor=ADMIN)
        [listing] = services.list_packages(store, today=TODAY, actor=ADMIN)
        assert listing.devices_text == "1 of 50"
        assert built.token_account_confirmed is False


# -- 7 ----------------------------------------------------------------------------------------


def test_item07_serial_domain_join_four_part_versions_and_wcd_setting_order(
    tmp_path: Path,
) -> None:
    joined = PackageSpec(
        info=PackageInfo(name="Domain", password=Secret("CANARY-BUNDLE-PASSWORD-xx")),
        device=DeviceSetup(name_template="CTS-%SERIAL%"),
        account=DomainJoin("corp.contoso.com", "joiner", Secret("pw-Join-2026")),
    )
    assert [f for f, _ in rules.problems(joined, today=TODAY)] == []

    opened = wcd_xml.read_customizations(WCD_AUTHORED)
    assert opened.spec.info.version == "1.0.0.3"
    base = dataclasses.replace(
        plain_spec(tmp_path),
        info=dataclasses.replace(plain_spec(tmp_path).info, version="1.0.0.3"),
    )
    assert [f for f, _ in rules.problems(base, today=TODAY)] == []
    for version in ("1.0", "1.0.7", "10.0.0.3"):
        info = dataclasses.replace(base.info, version=version)
        assert not rules.problems(dataclasses.replace(base, info=info), today=TODAY), version

    every = dataclasses.replace(
        token_spec(tmp_path),
        device=DeviceSetup(
            name_template="CTS-%SERIAL%",
            shared_use=True,
            remove_preinstalled=True,
            target_editions=("Windows 11 Enterprise",),
        ),
        network=Network(ssid="Bench", key=Secret("CANARY-PSK-88b2")),
        certificates=(Certificate("Bench root", "root.cer"),),
    )
    common = re.search(r"<Common>(.*)</Common>", wcd_xml.render(every).decode(), re.DOTALL)
    assert common is not None
    groups = re.findall(r"^        <([A-Za-z]+)>", common.group(1), re.MULTILINE)
    assert groups == sorted(groups), groups  # WCD writes setting groups by name
    assert groups[:2] == ["Accounts", "Certificates"]
