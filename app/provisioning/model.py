"""The answers of the "Provision desktop devices" wizard, as frozen values.

One dataclass per wizard page (reference/domain.md 1.1): DeviceSetup, Network, an Account
(bulk token, Active Directory or local administrator), App, Certificate, and PackageInfo for
the Finish page. Every secret is a `Secret`. `rules.problems(spec)` says what is wrong.
"""

from __future__ import annotations

import re
import secrets
import stat
import string
import uuid
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path, PureWindowsPath

from app.errors import InputError
from app.security.secret import Secret

AUTHORITY = "https://login.microsoftonline.com/common"
#: Microsoft: "The maximum is 180 days from the date you get the token."
TOKEN_MAX_DAYS = 180
#: Microsoft: a local account made by a package must change its password every 42 days.
LOCAL_PASSWORD_DAYS = 42
PASSWORD_MIN = 20
GENERATED_PASSWORD_LENGTH = 24
DEFAULT_SUCCESS_CODES = (0,)
DEFAULT_RESTART_CODES = (3010,)
OWNER_IT_ADMIN = "ITAdmin"
#: Tokens seen in real files (domain.md 1.2); the other four owner types' tokens are unknown.
OWNER_TYPES = ("ITAdmin", "OEM")
#: A generated password is read off the screen and typed on the build machine: no
#: characters a font draws alike (I l 1, O 0) and no full stop to lose at a sentence's end.
_PASSWORD_ALPHABET = "".join(
    c for c in string.ascii_letters + string.digits + "-_+=!@#" if c not in "Il1O0"
)


class WifiSecurity(StrEnum):
    """The two network types the wizard offers (WCD WLANXmlSettings/SecurityType)."""

    OPEN = "Open"
    WPA2_PERSONAL = "WPA2-Personal"


@dataclass(frozen=True)
class DeviceSetup:
    """Page 1, Set up device. An edition upgrade takes a product key or a license file."""

    name_template: str | None = None
    product_key: Secret | None = None
    license_file: str | None = None
    shared_use: bool = False
    remove_preinstalled: bool = False
    #: The editions the package is for ("Windows 11 Pro"); () when the operator did not say.
    target_editions: tuple[str, ...] = ()
    #: The license path as a customizations.xml gave it (see `App.from_xml`).
    license_from_xml: str | None = None


@dataclass(frozen=True)
class Network:
    """Page 2, Set up network: one wireless network (the page switched off is `None`)."""

    ssid: str
    security: WifiSecurity = WifiSecurity.WPA2_PERSONAL
    key: Secret | None = None
    auto_connect: bool = True
    hidden: bool = False


@dataclass(frozen=True)
class BulkToken:
    """Entra bulk enrollment: the token is shown once, when pasted or loaded, and never again.

    The BPRT is an opaque refresh token: nothing in it says when it was issued or expires, so
    `issued` (the day the token was obtained; it expires at most 180 days later) and
    `expires` are what the operator enters, None until then. `account` is the Entra user WCD
    created for the token (package_{GUID}@tenant), as the operator read it in Entra; None
    when not entered, and Joinery then only guesses its name (PackageInfo.token_account).
    """

    friendly_name: str
    token: Secret
    expires: date | None
    issued: date | None
    authority: str = AUTHORITY
    account: str | None = None


@dataclass(frozen=True)
class DomainJoin:
    """Active Directory: a least-privileged account allowed to join devices to `domain`."""

    domain: str
    user: str
    password: Secret
    ou: str | None = None


@dataclass(frozen=True)
class LocalAdmin:
    """A local administrator (password to be changed every 42 days, or it may lock out)."""

    user: str
    password: Secret


Account = BulkToken | DomainJoin | LocalAdmin


#: How a script with no command line of its own is run. Known: `cmd /c` for a batch file
#: (Microsoft's provisioning-script walkthrough). Assumed: PowerShell and VBScript's own
#: hosts, unattended (no profile, no prompt), as a deployment tool runs them.
_SCRIPT_RUNNERS = {
    ".cmd": 'cmd /c "{name}"',
    ".bat": 'cmd /c "{name}"',
    ".ps1": 'powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File "{name}"',
    ".vbs": 'cscript.exe //B //NoLogo "{name}"',
}


@dataclass(frozen=True)
class App:
    """Page 4, one installer run in system context during provisioning.

    `installer` is a path on the authoring machine (or relative to the project folder). An
    MSI gets `msiexec /i` and the silent flag added; a script with no command line gets the
    line that runs it (`cmd /c`, Microsoft's own for a batch file: an empty CommandLine runs
    nothing); any other installer must bring its own.
    """

    name: str
    installer: str
    command_line: str = ""
    success_codes: tuple[int, ...] = DEFAULT_SUCCESS_CODES
    restart_codes: tuple[int, ...] = DEFAULT_RESTART_CODES
    continue_after_failure: bool = False
    restart_required: bool = False
    #: The installer path as a customizations.xml gave it; None when the operator chose it.
    #: While `installer` is still that text, the file comes from the project folder only.
    from_xml: str | None = None

    @property
    def file_name(self) -> str:
        return file_name(self.installer)

    @property
    def is_msi(self) -> bool:
        return self.file_name.lower().endswith(".msi")

    def effective_command_line(self) -> str:
        """The command line written to the package: for an MSI, with the silent flag added;
        for a script with none, the line that runs it."""
        line = self.command_line.strip()
        runner = _SCRIPT_RUNNERS.get(PureWindowsPath(self.file_name).suffix.lower())
        if not line and runner is not None:
            return runner.format(name=self.file_name)
        if not self.is_msi:
            return line
        if not line:
            return f'msiexec /i "{self.file_name}" /qn'
        if not any(token.lower().startswith(("/q", "-q")) for token in line.split()):
            return f"{line} /qn"
        return line


@dataclass(frozen=True)
class Certificate:
    """Page 5: a certificate (an X.509 .cer/.crt file) installed as a trusted root.

    WCD keys a RootCertificate by two attributes, `CertificateName` and `Name` (Microsoft's
    samples write both); `certificate_name` keeps a CertificateName that differs from the
    name (a thumbprint, say) so a re-opened file is written back as it was.
    """

    name: str
    path: str
    certificate_name: str | None = None
    from_xml: str | None = None  # as `App.from_xml`


@dataclass(frozen=True)
class PayloadFile:
    """A file the package carries: the path it is read from, its name in payload/, and
    whether a customizations.xml named it (then only the project folder may hold it)."""

    source: str
    name: str
    from_project: bool


@dataclass(frozen=True)
class PackageInfo:
    """Page 6, Finish.

    Two passwords, never to be confused: `password` is the *bundle password*, which
    encrypts Joinery's signed bundle for transport (required when the package holds a
    secret); the *.ppkg password* is generated by icd.exe itself when `encrypt_ppkg` is on
    (icd.exe's +Encrypted), and build-ppkg.cmd saves it beside the .ppkg. `encrypt_ppkg`
    None means: encrypt the .ppkg when the package holds a secret.
    """

    name: str
    version: str = "1.0"
    owner: str = OWNER_IT_ADMIN
    rank: int = 0
    package_id: uuid.UUID = field(default_factory=uuid.uuid4)
    password: Secret | None = None
    encrypt_ppkg: bool | None = None

    @property
    def braced_id(self) -> str:
        return "{" + str(self.package_id) + "}"

    @property
    def token_account(self) -> str:
        """Joinery's *guess* at the Entra user WCD creates for a bulk token (package_{GUID});
        Microsoft documents the pattern, not that the GUID is the package ID."""
        return f"package_{self.package_id}"


@dataclass(frozen=True)
class PackageSpec:
    """Everything one package holds; what the wizard edits and `build_package` writes."""

    info: PackageInfo
    device: DeviceSetup = DeviceSetup()
    network: Network | None = None
    account: Account | None = None
    apps: tuple[App, ...] = ()
    certificates: tuple[Certificate, ...] = ()

    def secret_fields(self) -> list[str]:
        """Field names of the secrets the package holds (the values are never listed)."""
        found: list[str] = []
        if self.device.product_key:
            found.append("device.product_key")
        if self.network is not None and self.network.key:
            found.append("network.key")
        if isinstance(self.account, BulkToken):
            found.append("account.token")
        elif self.account is not None:
            found.append("account.password")
        return found

    @property
    def has_secrets(self) -> bool:
        return bool(self.secret_fields())

    def encrypts_ppkg(self, holds_secrets: bool) -> bool:
        """Whether build-ppkg.cmd asks icd.exe for an encrypted .ppkg (+Encrypted): as
        chosen, else when the package holds secrets (`holds_secrets` counts kept ones too)."""
        chosen = self.info.encrypt_ppkg
        return holds_secrets if chosen is None else chosen

    def payload_files(self) -> list[PayloadFile]:
        """Every file the package carries, apps first, then certificates, then the license."""
        files = [
            PayloadFile(app.installer, app.file_name, _same(app.from_xml, app.installer))
            for app in self.apps
        ]
        files += [
            PayloadFile(cert.path, file_name(cert.path), _same(cert.from_xml, cert.path))
            for cert in self.certificates
        ]
        device = self.device
        if device.license_file:
            from_project = _same(device.license_from_xml, device.license_file)
            files.append(
                PayloadFile(device.license_file, file_name(device.license_file), from_project)
            )
        return files


def _same(from_xml: str | None, path: str) -> bool:
    return from_xml is not None and from_xml == path


def file_stem(spec: PackageSpec) -> str:
    """ "Bench-Entra-1.2": the name (spaces as hyphens) and version, for files and folders."""
    return stem_of(spec.info.name, spec.info.version)


def stem_of(name: str, version: str) -> str:
    """`file_stem` from a name and a version (a registry row's): what build-ppkg.cmd names
    the .ppkg, the bundle and the project folder."""
    return re.sub(r"\s+", "-", name.strip()) + f"-{version}"


def file_name(path: str) -> str:
    """The last part of a Windows or POSIX path ("C:\\src\\7z.msi" -> "7z.msi")."""
    return PureWindowsPath(path).name


def locate(payload: PayloadFile, base_dir: Path | None) -> Path | str:
    """Where a payload file is on this machine, or why Joinery will not pack it (a reason).

    A file the operator chose (in the wizard) is taken as given, or found in `base_dir`.
    A file a customizations.xml names is looked for only inside the project folder
    `base_dir`: at its relative path, beside the XML or in payload/, by name (WCD writes the
    authoring machine's paths, C:\\pkgsrc\\7z.msi). An absolute path, a "..", or a link
    leading out of the folder never reaches another file: a hostile XML could otherwise pack
    the audit key or the bench's signing key into a package.
    """
    if not payload.from_project:
        return _chosen(payload.source, base_dir)
    if base_dir is None:
        return (
            f"{payload.source} is named by a customizations.xml, but there is no project "
            "folder to take it from."
        )
    root = base_dir.resolve()
    windows = PureWindowsPath(payload.source)
    outside = bool(windows.anchor) or Path(payload.source).is_absolute() or ".." in windows.parts
    candidates = [] if outside else [[p for p in windows.parts if p != "."]]
    candidates += [[payload.name], ["payload", payload.name]]
    for relative in filter(None, candidates):
        found = inside(root, relative)
        if isinstance(found, str):
            return f"{payload.source}: {found}"
        if found is not None:
            return found
    where = "is outside the project folder" if outside else "is not in the project folder"
    return (
        f"{payload.source} {where} {root}. Joinery packs only files from the project folder "
        "(beside customizations.xml or in its payload folder) or files you pick in the "
        f"wizard: copy {payload.name} into {root / 'payload'}."
    )


def inside(root: Path, relative: list[str]) -> Path | str | None:
    """`root` joined with `relative` if that is a regular file reached without following a
    link; a reason if a link or something else is in the way; None if nothing is there."""
    path = root
    for index, part in enumerate(relative):
        path = path / part
        try:
            info = path.lstat()
        except OSError:
            return None
        if stat.S_ISLNK(info.st_mode):
            return f"{path} is a link; copy the file itself into the project folder"
        last = index == len(relative) - 1
        if last and not stat.S_ISREG(info.st_mode):
            return None if stat.S_ISDIR(info.st_mode) else f"{path} is not a regular file"
        if not last and not stat.S_ISDIR(info.st_mode):
            return None
    return path


def _chosen(path: str, base_dir: Path | None) -> Path:
    given = Path(path)
    if given.is_absolute() and given.is_file():
        return given
    if base_dir is None:
        return given
    relative = Path(*PureWindowsPath(path).parts) if not PureWindowsPath(path).anchor else None
    candidates = [base_dir / relative] if relative is not None else []
    name = file_name(path)
    candidates += [base_dir / name, base_dir / "payload" / name]
    return next((c for c in candidates if c.is_file()), candidates[0])


def generate_password(length: int = GENERATED_PASSWORD_LENGTH) -> Secret:
    """A protection password from the OS random source, shown to the operator once."""
    if length < PASSWORD_MIN:
        raise ValueError(f"a package password has at least {PASSWORD_MIN} characters")
    return Secret("".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(length)))


_PART = r"(?:0|[1-9][0-9]{0,4})"
#: WCD's export wizard asks for "Major.Minor"; WCD-authored files and Microsoft's samples
#: also carry "1.0.0.1"-style versions, so 2 to 4 parts (each 0-65535) are read.
_VERSION = re.compile(rf"{_PART}(?:\.{_PART}){{1,3}}")
_PART_MAX = 65535


def version_problem(version: str) -> str | None:
    """Why `version` is not a WCD version (2 to 4 parts, each 0-65535), or None."""
    if _VERSION.fullmatch(version) is None or max(version_parts(version)) > _PART_MAX:
        return (
            f"{version!r} is not a version of the form Major.Minor (up to four parts), "
            "e.g. 1.0, 2.13 or 1.0.0.1"
        )
    return None


def version_parts(version: str) -> tuple[int, ...]:
    """(1, 0, 0, 1) for "1.0.0.1"; call on a checked version."""
    return tuple(int(part) for part in version.split("."))


def bump_version(previous: str | None) -> str:
    """The next version for a package built before: its last part plus one ("1.9" -> "1.10",
    "1.0.0.1" -> "1.0.0.2"); "1.0" if new or unreadable."""
    if previous is None or version_problem(previous):
        return "1.0"
    parts = list(version_parts(previous))
    for index in range(len(parts) - 1, -1, -1):
        if parts[index] < _PART_MAX:
            parts[index] += 1
            return ".".join(str(p) for p in parts[: index + 1] + [0] * (len(parts) - index - 1))
    return "1.0"


def parse_codes(text: str) -> tuple[int, ...]:
    """Return codes typed as WCD shows them, space- or comma-separated ("0 3010")."""
    parts = [part for part in re.split(r"[\s,;]+", text.strip()) if part]
    try:
        codes = tuple(int(part, 0) for part in parts)
    except ValueError:
        raise InputError(f"{text!r} is not a list of whole-number return codes") from None
    return codes
