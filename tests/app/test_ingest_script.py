"""The collector script, read as text: every source named, nothing Windows PowerShell 5.1 lacks.

It can't run here (no Windows); if pwsh happens to be installed, its parser checks the syntax.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "resources" / "collector" / "Get-JoineryReport.ps1"


MARKERS = [
    "joinery.report/1.1",
    "dsregcmd.exe",
    "AzureAdJoined",
    ".SYNOPSIS",
    ".PARAMETER OutputPath",
    "[CmdletBinding()]",
    "$OutputPath",
    "Get-CimInstance",
    "Get-WmiObject",
    "Win32_BIOS",
    "Win32_ComputerSystem",
    "MDM_DevDetail_Ext01",
    "root\\cimv2\\mdm\\dmmap",
    "DeviceHardwareData",
    "Win32_OperatingSystem",
    "EditionID",
    "CurrentBuild",
    "UBR",
    "Win32_EncryptableVolume",
    "Get-BitLockerVolume",
    "EncryptionPercentage",
    "ProtectionStatus",
    "Win32_Tpm",
    "SpecVersion",
    "Confirm-SecureBootUEFI",
    "Win32_DeviceGuard",
    "VirtualizationBasedSecurityStatus",
    "SecurityServicesRunning",
    "Get-MpComputerStatus",
    "AntivirusEnabled",
    "RealTimeProtectionEnabled",
    "AMProductVersion",
    "AntivirusSignatureAge",
    "Get-NetFirewallProfile",
    "root\\SecurityCenter2",
    "AntiVirusProduct",
    "AntiSpywareProduct",
    "net.exe accounts",
    "secedit.exe",
    "Win32_QuickFixEngineering",
    "InstalledOn",
    "joinery-report-{0}-{1}.json",
    "yyyyMMddHHmmss",
    "UTF8Encoding($false)",
    "errors",
]
PS7_ONLY = [
    (r"\?\?", "null-coalescing ?? / ??="),
    (r"\?\.|\?\[", "null-conditional ?. / ?["),
    (r"&&|\|\|", "pipeline chain && / ||"),
    (r"-Parallel\b", "ForEach-Object -Parallel"),
    (r"-AsHashtable\b", "ConvertFrom-Json -AsHashtable"),
    (r"\$Is(Windows|Linux|MacOS)\b", "$IsWindows and friends"),
    (r"\)\s*\?\s+[^:\n]+\s:\s", "ternary ? :"),
]


def script_code() -> str:
    """The script without comments and here-strings (the C# source is not PowerShell)."""
    text = SCRIPT.read_text(encoding="ascii")
    text = re.sub(r"@'\n.*?\n'@", "", text, flags=re.DOTALL)
    text = re.sub(r"<#.*?#>", "", text, flags=re.DOTALL)
    return "\n".join(re.sub(r"(^|\s)#.*$", "", line) for line in text.splitlines())


def test_script_is_ascii_with_help_first() -> None:
    data = SCRIPT.read_bytes()
    assert data.isascii(), "Windows PowerShell 5.1 reads a BOM-less script as ANSI"
    assert data.startswith(b"<#\n.SYNOPSIS")


@pytest.mark.parametrize("marker", MARKERS)
def test_script_names_each_source(marker: str) -> None:
    assert marker in SCRIPT.read_text(encoding="ascii")


@pytest.mark.parametrize(("pattern", "what"), PS7_ONLY, ids=[w for _p, w in PS7_ONLY])
def test_script_has_no_powershell_7_only_syntax(pattern: str, what: str) -> None:
    assert not re.search(pattern, script_code()), f"{what} doesn't run on Windows PowerShell 5.1"


def test_script_braces_and_parentheses_balance() -> None:
    code = re.sub(r"'[^'\n]*'|\"[^\"\n]*\"", "''", script_code())
    for open_, close in ("{}", "()", "[]"):
        assert code.count(open_) == code.count(close), f"{open_}{close} unbalanced"


@pytest.mark.skipif(shutil.which("pwsh") is None, reason="pwsh is not installed here")
def test_script_parses_in_powershell() -> None:
    command = (
        "$e=$null; [void][System.Management.Automation.Language.Parser]::ParseFile("
        f"'{SCRIPT}', [ref]$null, [ref]$e); if ($e) {{ $e | % {{ $_.ToString() }}; exit 1 }}"
    )
    result = subprocess.run(
        ["pwsh", "-NoProfile", "-Command", command], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
