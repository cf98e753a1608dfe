"""build-ppkg.cmd, checked without Windows: a golden file, and a static reading of its steps.

icd.exe, cmd.exe and Windows PowerShell cannot run here, so the script is tested two ways:
byte for byte against a golden file reviewed by hand (JOINERY_REGOLD=1 rewrites it after a
deliberate change), and by parsing it: the batch part's order, the PowerShell part's
functions, the order the main flow calls them in, and what each step must and must not do.
"""

from __future__ import annotations

import dataclasses
import os
import re
import uuid
from pathlib import Path

import pytest

from app.provisioning import icd_script
from app.provisioning.icd_script import MARKER, STEPS, build_script
from app.provisioning.model import BulkToken, Network, PackageInfo, PackageSpec
from app.security.secret import Secret

GOLDEN = Path(__file__).resolve().parents[2] / "data" / "provisioning" / "build-ppkg.golden.cmd"
PAYLOAD = [("7z.msi", 4_000_000), ("agent.exe", 1_500_000), ("root.cer", 900)]


def secret_spec() -> PackageSpec:
    return PackageSpec(
        info=PackageInfo(
            name="Bench-Entra",
            package_id=uuid.UUID("1e4ed133-aae7-45f4-8ee1-881220aa52d5"),
            password=Secret("CANARY-BUNDLE-PASSWORD-xx"),
        ),
        network=Network(ssid="Bench", key=Secret("CANARY-PSK-88b2")),
        account=BulkToken("t", Secret("CANARY-BPRT-7f3e9a"), None, None),
    )


def script(spec: PackageSpec | None = None, secret: bool = True) -> str:
    return build_script(spec or secret_spec(), secret, PAYLOAD).decode("ascii")


def parts(text: str) -> tuple[list[str], list[str]]:
    """(batch lines, PowerShell lines) split at the marker line."""
    lines = text.split("\r\n")
    at = lines.index(MARKER)
    return lines[:at], lines[at + 1 :]


def functions(ps: list[str]) -> dict[str, str]:
    """Each function's name and body (from its line to the next top-level closing brace)."""
    found: dict[str, str] = {}
    for index, line in enumerate(ps):
        match = re.match(r"function ([A-Za-z-]+)", line)
        if match:
            end = next(i for i in range(index + 1, len(ps)) if ps[i] == "}")
            assert match.group(1) not in found, f"{match.group(1)} defined twice"
            found[match.group(1)] = "\n".join(ps[index : end + 1])
    return found


def main_flow(ps: list[str]) -> str:
    start = ps.index("try {")
    end = next(i for i in range(start, len(ps)) if ps[i].startswith("} catch {"))
    return "\n".join(ps[start:end])


def test_golden_build_ppkg_cmd() -> None:
    written = build_script(secret_spec(), True, PAYLOAD)
    if os.environ.get("JOINERY_REGOLD") == "1":
        GOLDEN.write_bytes(written)
    assert written == GOLDEN.read_bytes()


def test_script_is_ascii_with_crlf_and_one_marker() -> None:
    data = build_script(secret_spec(), True, PAYLOAD)
    assert data.decode("ascii")
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert data.decode("ascii").split("\r\n").count(MARKER) == 1


def test_batch_part_deletes_the_project_only_after_success() -> None:
    batch, _ = parts(script())
    start = next(i for i, line in enumerate(batch) if line.startswith("powershell.exe "))
    rc = batch.index('if not "%RC%"=="0" exit /b %RC%')
    delete = next(i for i, line in enumerate(batch) if "rmdir" in line)
    assert start < rc < delete
    assert batch[start + 1] == 'set "RC=%ERRORLEVEL%"'
    assert not any("rmdir" in line or " del " in line for line in batch[:rc])
    # The PowerShell part is found by a marker the launch line assembles, so it occurs once.
    assert MARKER not in batch[start]
    assert "'#' + 'JOINERY-POWERSHELL' + '#'" in batch[start]


def test_a_project_without_secrets_is_never_deleted() -> None:
    batch, ps = parts(script(secret=False))
    assert not any("rmdir" in line for line in batch)
    assert "$Secrets = $false" in ps


def test_every_step_is_defined_and_called_in_order() -> None:
    _, ps = parts(script())
    defined = functions(ps)
    assert set(STEPS) <= set(defined)
    flow = main_flow(ps)
    positions = [re.search(rf"\b{re.escape(step)}\b", flow) for step in STEPS]
    assert all(positions), [s for s, p in zip(STEPS, positions, strict=True) if not p]
    starts = [p.start() for p in positions if p]
    assert starts == sorted(starts), "the main flow calls the steps out of order"


def test_icd_is_found_in_the_adk_and_the_store_app() -> None:
    _, ps = parts(script())
    find = functions(ps)["Find-Icd"]
    assert "JOINERY_ICD" in find
    assert "Windows Kits\\Installed Roots" in find and "KitsRoot10" in find
    assert "WOW6432Node" in find
    assert "Get-AppxPackage -Name $StoreApp" in find
    assert "$StoreApp = 'Microsoft.WindowsConfigurationDesigner'" in ps
    assert (
        "$AdkIcd = 'Assessment and Deployment Kit\\Imaging and Configuration Designer"
        "\\x86\\ICD.exe'" in ps
    )
    assert f") {icd_script.EXIT_NOT_FOUND}" in find  # "not found" has its own exit code


def test_icd_gets_the_desktop_store_file() -> None:
    _, ps = parts(script())
    run = functions(ps)["Invoke-Icd"]
    assert '"/StoreFile:$Store"' in run
    assert "$DesktopStore = 'Microsoft-Desktop-Provisioning.dat'" in ps
    store = functions(ps)["Find-StoreFile"]
    assert "Stop-Build" in store  # no store file: refuse, never build with the common store


def test_the_working_copy_is_short_private_and_absolute() -> None:
    _, ps = parts(script())
    work = functions(ps)["New-WorkFolder"]
    assert "$env:SystemDrive" in work and "Contains(' ')" in work
    assert work.index("New-Item") < work.index("Protect-ForMe $path -Folder")
    flow = main_flow(ps)
    assert flow.index("New-WorkFolder") < flow.index("Copy-Project")  # private before secrets
    absolute = functions(ps)["Set-AbsolutePaths"]
    assert "IsPathRooted" in absolute and "Join-Path $Root $value" in absolute
    assert "Test-Path -LiteralPath $full -PathType Leaf" in absolute  # a missing file stops
    assert "$doc.Save($Xml)" in absolute
    # icd.exe reads the working copy's XML, not the project's (relative) one.
    assert "$xml = Join-Path $project 'customizations.xml'" in flow
    assert "Invoke-Icd $icd $xml $package $storeFile" in flow
    assert "'CommandFile', 'CertificatePath', 'UpgradeEditionWithLicense'" in "\n".join(ps)


def test_the_generated_ppkg_password_goes_only_to_a_private_file() -> None:
    _, ps = parts(script())
    run = functions(ps)["Invoke-Icd"]
    assert "'+Encrypted'" in run
    assert "Where-Object { $_ -notmatch 'password' } | ForEach-Object { Write-Host" in run
    save = functions(ps)["Save-PackagePassword"]
    protect = save.index("Protect-ForMe $File")
    assert save.index("New-Item -ItemType File -Path $File") < protect
    assert protect < save.index("Set-Content -LiteralPath $File")
    # Not captured: the package is unusable, the project is kept (non-zero exit).
    assert f"{icd_script.EXIT_NO_PASSWORD}" in save.split("$secret.Count -eq 0")[1]
    protect_fn = functions(ps)["Protect-ForMe"]
    assert "/inheritance:r /grant:r" in protect_fn
    flow = main_flow(ps)
    assert "if ($Encrypt) {" in flow and '$PasswordFile = "$output-password.txt"' in flow


def test_the_result_is_checked_before_it_is_kept() -> None:
    _, ps = parts(script())
    assert f"$MinimumBytes = [int64]{sum(s for _n, s in PAYLOAD) // 4}" in ps
    size = functions(ps)["Test-PackageSize"]
    assert "-lt $MinimumBytes" in size and "Stop-Build" in size
    contents = functions(ps)["Test-PackageContents"]
    assert "Export-ProvisioningPackage -PackagePath $Package -OutputFolder $Into" in contents
    flow = main_flow(ps)
    assert flow.index("Test-PackageSize") < flow.index("Move-Package")
    assert flow.index("Test-PackageContents") < flow.index("Move-Package")


def test_a_failure_never_deletes_the_project() -> None:
    _, ps = parts(script())
    stop = functions(ps)["Stop-Build"]
    assert "exit $Code" in stop and "was kept" in stop
    assert "JOINERY_PROJECT" not in "\n".join(line for line in ps if "Remove-Item" in line), (
        "the PowerShell part must never remove the project"
    )
    assert "[int]$Code = 1" in stop


def test_summary_says_where_the_ppkg_and_its_password_are() -> None:
    _, ps = parts(script())
    summary = functions(ps)["Write-Summary"]
    assert "Provisioning package: $Output" in summary
    assert "$PasswordFile" in summary


@pytest.mark.parametrize(
    ("pattern", "what"),
    [
        (r"\?\?", "null-coalescing ??"),
        (r"\?\.", "null-conditional ?."),
        (r"&&|\|\|", "pipeline chain operators"),
        (r"\s\?\s[^:]+\s:\s", "ternary a ? b : c"),
        (r"-Parallel", "ForEach-Object -Parallel"),
    ],
)
def test_powershell_part_runs_on_windows_powershell_5_1(pattern: str, what: str) -> None:
    _, ps = parts(script())
    code = re.sub(r"'[^'\n]*'|\"[^\"\n]*\"", "''", "\n".join(ps))
    assert not re.search(pattern, code), f"{what} does not run on Windows PowerShell 5.1"


def test_powershell_braces_and_parentheses_balance() -> None:
    _, ps = parts(script())
    code = re.sub(r"'[^'\n]*'|\"[^\"\n]*\"", "''", "\n".join(ps))
    code = re.sub(r"#.*", "", code)
    for open_, close in ("{}", "()", "[]"):
        assert code.count(open_) == code.count(close), f"{open_}{close} unbalanced"


def test_no_secret_reaches_the_script() -> None:
    text = script()
    assert "CANARY" not in text


def test_values_are_powershell_literals() -> None:
    odd = [("it's.msi", 10), ("a$b.exe", 10)]
    text = build_script(secret_spec(), True, odd).decode("ascii")
    assert "@('it''s.msi', 'a$b.exe')" in text
    with pytest.raises(ValueError, match="cannot be written"):
        build_script(secret_spec(), True, [("bad\r\nname.msi", 1)])


def test_ppkg_encryption_follows_the_choice() -> None:
    spec = secret_spec()
    off = dataclasses.replace(spec, info=dataclasses.replace(spec.info, encrypt_ppkg=False))
    assert "$Encrypt = $false" in script(off)
    assert "$Encrypt = $true" in script(spec)  # default: when the package holds secrets
