"""build-ppkg.cmd: the script that turns a WCD project into a .ppkg on a Windows machine.

A short batch part starts the PowerShell part below its marker line (Windows PowerShell 5.1
is on every Windows 10/11) and, only when that succeeded, deletes a project that holds
secrets. The PowerShell part does the work, each step a function named in STEPS:

1. refuse to run unelevated (icd.exe needs an administrator);
2. find ICD.exe: JOINERY_ICD, the ADK (registry KitsRoot10), the Microsoft Store's Windows
   Configuration Designer, the PATH;
3. find Microsoft-Desktop-Provisioning.dat beside it: without /StoreFile icd.exe loads only
   the settings common to all editions and drops desktop ones (ProvisioningCommands, SharedPC,
   CleanPC);
4. copy the project to a short path without spaces (icd.exe mishandles both), in a folder
   only the current user can open (it holds secrets in plain text);
5. make every payload path in the copy's customizations.xml absolute (WCD stores absolute
   paths; a relative CommandFile is reported to be dropped silently) and check each file;
6. run icd.exe with /StoreFile, capturing its output; with +Encrypted, icd.exe prints the
   password it generated for the .ppkg: the lines naming a password go only into a file
   beside the .ppkg that only the current user can read, never to the screen;
7. check the result: the .ppkg is at least a quarter of the payload's size, and (when the
   package is not encrypted and Export-ProvisioningPackage exists) it holds the payload;
8. move the .ppkg out, say where it and its password file are, delete the working copy.

Any failure ends the script with a message and a non-zero exit status, and the project
folder is kept (so nothing is lost, in particular when the password was not captured).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from importlib import resources

from app.provisioning.model import PackageSpec, file_stem

#: Marks where the PowerShell part starts; the batch part builds the same text from pieces,
#: so the marker occurs exactly once in the file.
MARKER = "#JOINERY-POWERSHELL#"
#: Where resources/provisioning/build-ppkg.ps1 takes the package's values.
VALUES = "#@VALUES@"
#: The PowerShell functions, in the order the main flow calls them.
STEPS = (
    "Assert-Elevated",
    "Find-Icd",
    "Find-StoreFile",
    "Get-OutputPath",
    "New-WorkFolder",
    "Copy-Project",
    "Set-AbsolutePaths",
    "Test-Payload",
    "Invoke-Icd",
    "Save-PackagePassword",
    "Test-PackageSize",
    "Test-PackageContents",
    "Move-Package",
    "Write-Summary",
)
#: Settings whose value is a file on the authoring machine (WCD's path-valued settings).
PATH_SETTINGS = (
    "CommandFile",
    "CertificatePath",
    "UpgradeEditionWithLicense",
    "Dependency",
    "TrustedCertificate",
    "TrustedProvisioner",
)
#: A .ppkg smaller than a quarter of its payload lost files (installers barely compress).
MINIMUM_SHARE = 4
STORE_FILE = "Microsoft-Desktop-Provisioning.dat"
ADK_ICD = r"Assessment and Deployment Kit\Imaging and Configuration Designer\x86\ICD.exe"
STORE_APP = "Microsoft.WindowsConfigurationDesigner"
#: Exit statuses of the PowerShell part (kept in step with build-ppkg.ps1).
EXIT_NOT_FOUND = 9009
EXIT_FAILED = 1
EXIT_NO_PASSWORD = 3


def build_script(spec: PackageSpec, secret: bool, payload: Sequence[tuple[str, int]]) -> bytes:
    """build-ppkg.cmd for `spec`; `payload` is (file name in payload/, size) per file."""
    total = sum(size for _name, size in payload)
    values = {
        "Stem": _ps(file_stem(spec)),
        "Encrypt": "$true" if spec.encrypts_ppkg(secret) else "$false",
        "Secrets": "$true" if secret else "$false",
        "PayloadNames": "@(" + ", ".join(_ps(name) for name, _ in payload) + ")",
        "PayloadBytes": f"[int64]{total}",
        "MinimumBytes": f"[int64]{total // MINIMUM_SHARE}",
        "PathSettings": "@(" + ", ".join(_ps(name) for name in PATH_SETTINGS) + ")",
        "DesktopStore": _ps(STORE_FILE),
        "AdkIcd": _ps(ADK_ICD),
        "StoreApp": _ps(STORE_APP),
    }
    head = [
        "@echo off",
        f"rem Made by Joinery: package {spec.info.name} {spec.info.version} {spec.info.braced_id}.",
        "rem Builds this WCD project into a provisioning package (.ppkg) with icd.exe from the",
        "rem Windows ADK or the Microsoft Store's Windows Configuration Designer.",
        "rem Run it from an elevated prompt: build-ppkg.cmd [OUTPUT.ppkg]",
        "rem (default: beside this folder). It prints where the .ppkg and its password are.",
        "rem The steps are in the PowerShell part at the end of this file.",
        "setlocal",
        'set "JOINERY_PROJECT=%~dp0"',
        'set "JOINERY_SCRIPT=%~f0"',
        'set "JOINERY_OUTPUT=%~f1"',
        "powershell.exe -NoLogo -NoProfile -ExecutionPolicy Bypass -Command "
        '"$t = [IO.File]::ReadAllText($env:JOINERY_SCRIPT); '
        "$m = '#' + 'JOINERY-POWERSHELL' + '#'; "
        'Invoke-Expression $t.Substring($t.LastIndexOf($m) + $m.Length)"',
        'set "RC=%ERRORLEVEL%"',
        'if not "%RC%"=="0" exit /b %RC%',
    ]
    if secret:
        head += [
            "rem Built, checked, and its password (if any) saved: the project holds secrets in",
            "rem plain text, so it goes now. (goto) ends this script before its file is gone.",
            'cd /d "%TEMP%"',
            '(goto) 2>nul & rmdir /s /q "%JOINERY_PROJECT%" & '
            "echo Deleted the project folder: it held secrets in plain text. & exit /b 0",
        ]
    else:
        head.append("exit /b 0")
    lines = [*head, MARKER, *_powershell(values)]
    return ("\r\n".join(lines) + "\r\n").encode("ascii")


def _ps(text: str) -> str:
    """A PowerShell single-quoted literal (nothing inside is expanded)."""
    if any(c in text for c in "\r\n\x00") or not text.isascii():
        raise ValueError(f"{text!r} cannot be written into build-ppkg.cmd")
    return "'" + text.replace("'", "''") + "'"


def _powershell(values: dict[str, str]) -> list[str]:
    """The PowerShell part: resources/provisioning/build-ppkg.ps1 with the package's values."""
    settings = "\n".join(f"${name} = {value}" for name, value in values.items())
    return _template().replace(VALUES, settings).strip("\n").split("\n")


@cache
def _template() -> str:
    """build-ppkg.ps1, read once a process (a cart builds 40 packages from it)."""
    text = (resources.files("resources") / "provisioning" / "build-ppkg.ps1").read_text("ascii")
    return text.replace("\r\n", "\n")
