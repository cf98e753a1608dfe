"""Windows and WCD rules for a PackageSpec: `problems()` blocks a build, `warnings()` informs.

Each finding is (field, reason); the field is a dotted path the wizard maps to its pages
("device.product_key", "apps[1].command_line", "info.password"). Reasons never quote a
secret. Numbers come from reference/domain.md 1.6.
"""

from __future__ import annotations

import logging
import re
from datetime import date, timedelta
from pathlib import Path

from cryptography import x509

from app import naming, wifi
from app.provisioning.model import (
    LOCAL_PASSWORD_DAYS,
    OWNER_TYPES,
    PASSWORD_MIN,
    TOKEN_MAX_DAYS,
    App,
    BulkToken,
    Certificate,
    DeviceSetup,
    DomainJoin,
    LocalAdmin,
    Network,
    PackageInfo,
    PackageSpec,
    PayloadFile,
    locate,
    version_problem,
)
from app.timeutil import utcnow

log = logging.getLogger(__name__)

Finding = tuple[str, str]

TOKEN_WARN_DAYS = 14
#: Entra's "Maximum number of devices" per user, default 50: it also caps how many devices
#: one bulk token joins (Microsoft: the setting "determines how many times the bulk token
#: ... can be used").
DEFAULT_DEVICES_PER_USER = 50
#: CleanPC (Remove pre-installed software) applies only to these editions (CleanPC CSP).
CLEANPC_EDITIONS = ("enterprise", "education")
_UPN = re.compile(r"[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?")
MAX_TOKEN_CHARS = 16384
MAX_CERT_BYTES = 1024 * 1024
_PRODUCT_KEY = re.compile(r"[A-Z0-9]{5}(-[A-Z0-9]{5}){4}")
_PACKAGE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}")
_ITEM_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}")
_DOMAIN = re.compile(r"(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9-]{1,63})*")
_USER_FORBIDDEN = set('"/\\[]:;|=,+*?<>@')
#: Flags that make common installers (MSI, NSIS, Inno, InstallShield) run without a window.
_SILENT = (
    "/s",
    "/q",
    "/quiet",
    "/silent",
    "/verysilent",
    "/passive",
    "-s",
    "-q",
    "--silent",
    "--quiet",
    "-silent",
    "-quiet",
)
_SCRIPTS = (".cmd", ".bat", ".ps1", ".vbs")
_CODE_RANGE = (-(2**31), 2**32 - 1)


def problems(
    spec: PackageSpec, *, today: date | None = None, base_dir: Path | None = None
) -> list[Finding]:
    """Everything that stops `spec` from building; empty when it may be built.

    `today` is the check date for the token (default: today, UTC); relative payload paths
    are looked up in `base_dir`.
    """
    day = today or utcnow().date()
    payloads = spec.payload_files()
    license_file = payloads[-1] if spec.device.license_file else None
    found = _info(spec.info, spec.has_secrets)
    found += _device(spec.device, license_file, base_dir)
    if spec.network is not None:
        found += _network(spec.network)
    found += _account(spec, day)
    for index, app in enumerate(spec.apps):
        found += _app(f"apps[{index}]", app, base_dir, payloads[index])
    for index, cert in enumerate(spec.certificates):
        payload = payloads[len(spec.apps) + index]
        found += _certificate(f"certificates[{index}]", cert, base_dir, payload)
    found += _unique_names(spec)
    return found


def warnings(
    spec: PackageSpec,
    *,
    today: date | None = None,
    devices_per_user: int = DEFAULT_DEVICES_PER_USER,
) -> list[Finding]:
    """Things the operator should know but that do not stop the build.

    `devices_per_user` is the tenant's Entra "Maximum number of devices" setting.
    """
    day = today or utcnow().date()
    found: list[Finding] = []
    if spec.device.remove_preinstalled and not spec.device.target_editions:
        found.append(
            (
                "device.remove_preinstalled",
                "Remove pre-installed software (CleanPC) works only on Windows Enterprise and "
                "Education; on Pro or Home devices it does nothing.",
            )
        )
    if isinstance(spec.account, LocalAdmin):
        found.append(
            (
                "account.password",
                f"Windows makes a local account created by a package change its password every "
                f"{LOCAL_PASSWORD_DAYS} days in Settings, or it may be locked out.",
            )
        )
    if isinstance(spec.account, BulkToken):
        expires = spec.account.expires
        left = (expires - day).days if expires is not None else -1
        if 0 <= left <= TOKEN_WARN_DAYS:
            found.append(("account.expires", f"The bulk token expires in {left} days."))
        found += _token_warnings(spec, devices_per_user)
    return found


def _token_warnings(spec: PackageSpec, devices_per_user: int) -> list[Finding]:
    token = spec.account
    assert isinstance(token, BulkToken)
    found: list[Finding] = [
        (
            "account.devices",
            f"One bulk token joins at most {devices_per_user} devices: the tenant's Entra "
            "setting 'Maximum number of devices' per user (default 50, at most 100) caps it. "
            "The Packages screen counts the devices provisioned with this package.",
        ),
        (
            "account.mfa",
            "Bulk enrollment fails when Entra requires MFA to join devices (the device "
            "setting, or a Conditional Access policy on 'Register or join devices'): the "
            "token's account cannot answer MFA. Exclude it, or turn that requirement off.",
        ),
    ]
    if token.account is None:
        found.append(
            (
                "account.account",
                f"Joinery guesses the token's Entra account is {spec.info.token_account}; "
                "WCD names it package_{GUID} and the GUID may differ. Look it up in Entra "
                "(Users, search 'package_') and enter the real name: deleting it revokes "
                "the token.",
            )
        )
    return found


def _info(info: PackageInfo, has_secrets: bool) -> list[Finding]:
    found: list[Finding] = []
    if not _PACKAGE_NAME.fullmatch(info.name):
        found.append(
            (
                "info.name",
                "A package name is 1-64 letters, digits, spaces, . _ or -, "
                "starting with a letter or digit.",
            )
        )
    if reason := version_problem(info.version):
        found.append(("info.version", reason))
    if info.owner not in OWNER_TYPES:
        found.append(("info.owner", f"The owner type is one of {', '.join(OWNER_TYPES)}."))
    if type(info.rank) is not int or not 0 <= info.rank <= 99:
        found.append(("info.rank", "The rank is a whole number from 0 to 99."))
    if info.password is not None and len(info.password.reveal()) < PASSWORD_MIN:
        found.append(("info.password", f"The password needs at least {PASSWORD_MIN} characters."))
    elif info.password is None and has_secrets:
        found.append(
            (
                "info.password",
                "The package holds secrets, so it must be protected "
                f"with a password of at least {PASSWORD_MIN} characters.",
            )
        )
    return found


def _device(
    device: DeviceSetup, license_file: PayloadFile | None, base_dir: Path | None
) -> list[Finding]:
    found: list[Finding] = []
    if device.name_template is not None and (
        reason := naming.template_problem(device.name_template)
    ):
        found.append(("device.name_template", reason))
    if device.product_key is not None and not _PRODUCT_KEY.fullmatch(device.product_key.reveal()):
        found.append(
            (
                "device.product_key",
                "A product key is five groups of five capital "
                "letters or digits, joined by hyphens (XXXXX-XXXXX-XXXXX-XXXXX-XXXXX).",
            )
        )
    if device.product_key is not None and device.license_file:
        found.append(("device.license_file", "Give a product key or a license file, not both."))
    if license_file is not None and (reason := _missing(license_file, base_dir)):
        found.append(("device.license_file", reason))
    other = [e for e in device.target_editions if not _cleanpc_applies(e)]
    if device.remove_preinstalled and other:
        found.append(
            (
                "device.remove_preinstalled",
                f"Remove pre-installed software (CleanPC) works only on Windows Enterprise and "
                f"Education, not on {', '.join(other)}: turn it off or change the editions.",
            )
        )
    return found


def _cleanpc_applies(edition: str) -> bool:
    """Enterprise and Education (the CleanPC CSP's table); Pro Education is a Pro edition."""
    words = " ".join(edition.lower().split())
    return "pro education" not in words and any(name in words for name in CLEANPC_EDITIONS)


def _missing(payload: PayloadFile, base_dir: Path | None) -> str | None:
    """Why a payload file will not be packed (refused, or not a file), or None."""
    found = locate(payload, base_dir)
    if isinstance(found, str):
        return found
    return None if found.is_file() else f"{payload.source} is not a file."


def _network(network: Network) -> list[Finding]:
    found: list[Finding] = []
    if reason := wifi.ssid_problem(network.ssid):
        found.append(("network.ssid", reason))
    key = network.key.reveal() if network.key else ""
    if reason := wifi.key_problem(network.security.value, key):
        found.append(("network.key", reason))
    return found


def _account(spec: PackageSpec, day: date) -> list[Finding]:
    account = spec.account
    if isinstance(account, BulkToken):
        return _token(account, day)
    if isinstance(account, DomainJoin):
        found = _user("account.user", account.user, allow_domain=True)
        if not _DOMAIN.fullmatch(account.domain):
            found.append(("account.domain", "The domain is a DNS name such as corp.contoso.com."))
        if not account.password:
            found.append(("account.password", "The join account needs its password."))
        template = spec.device.name_template
        if template is not None and "%RAND:" not in template and "%SERIAL%" not in template:
            found.append(
                (
                    "device.name_template",
                    "Devices joined to a domain need unique names: use %RAND:x% or %SERIAL% "
                    "in the template (Microsoft's rule for ComputerName).",
                )
            )
        return found
    if isinstance(account, LocalAdmin):
        found = _user("account.user", account.user, allow_domain=False)
        if not account.password:
            found.append(("account.password", "The local administrator needs a password."))
        return found
    return []


def _token(token: BulkToken, day: date) -> list[Finding]:
    found: list[Finding] = []
    if not 1 <= len(token.friendly_name) <= 64 or not token.friendly_name.isprintable():
        found.append(
            ("account.friendly_name", "The token's friendly name is 1 to 64 printable characters.")
        )
    text = token.token.reveal()
    if not 1 <= len(text) <= MAX_TOKEN_CHARS or any(not "!" <= c <= "~" for c in text):
        found.append(
            (
                "account.token",
                "The bulk token is one line of printable ASCII without "
                f"spaces, at most {MAX_TOKEN_CHARS} characters: paste it again.",
            )
        )
    if token.account is not None and not _UPN.fullmatch(token.account):
        found.append(
            (
                "account.account",
                "The token's Entra account is a user principal name such as "
                "package_1e4ed133-aae7-45f4-8ee1-881220aa52d5@contoso.onmicrosoft.com.",
            )
        )
    if token.expires is None or token.issued is None:
        found.append(
            (
                "account.expires",
                "Enter the day the bulk token was obtained and the day it expires: the token "
                "is an opaque refresh token that does not carry them, and customizations.xml "
                "does not record them.",
            )
        )
        return found
    if token.expires - token.issued > timedelta(days=TOKEN_MAX_DAYS):
        found.append(
            (
                "account.expires",
                f"A bulk token lasts at most {TOKEN_MAX_DAYS} days from the day it was obtained.",
            )
        )
    if token.expires <= day:
        found.append(
            ("account.expires", f"The bulk token expired on {token.expires}: get a new one.")
        )
    if token.issued > day:
        found.append(("account.issued", "The token cannot have been obtained in the future."))
    return found


def _user(field: str, user: str, *, allow_domain: bool) -> list[Finding]:
    name = user.split("\\", 1)[1] if allow_domain and "\\" in user else user
    name = name.split("@", 1)[0] if allow_domain else name
    if not 1 <= len(name) <= 20 or set(name) & _USER_FORBIDDEN or not name.strip(". "):
        return [
            (
                field,
                'A user name is 1 to 20 characters, without " / \\ [ ] : ; | = , + * '
                "? < > @ and not only dots or spaces.",
            )
        ]
    if any(not c.isprintable() for c in user):
        return [(field, "The user name has a control character.")]
    return []


def _app(
    where: str, app: App, base_dir: Path | None, payload: PayloadFile | None = None
) -> list[Finding]:
    payload = payload or PackageSpec(PackageInfo(""), apps=(app,)).payload_files()[0]
    found: list[Finding] = []
    if not _ITEM_NAME.fullmatch(app.name):
        found.append(
            (f"{where}.name", "An application name is 1-64 letters, digits, spaces, . _ or -.")
        )
    if reason := _missing(payload, base_dir):
        found.append((f"{where}.installer", reason))
    line = app.effective_command_line()
    if not line and not app.file_name.lower().endswith(_SCRIPTS):
        found.append((f"{where}.command_line", "The installer needs a command line."))
    elif not app.is_msi and not app.file_name.lower().endswith(_SCRIPTS) and not _silent(line):
        found.append(
            (
                f"{where}.command_line",
                "Add the installer's silent flag (such as /S, "
                "/quiet or /verysilent): provisioning cannot answer a window, and OOBE "
                "gives up after 30 minutes.",
            )
        )
    for label, codes in (
        ("success_codes", app.success_codes),
        ("restart_codes", app.restart_codes),
    ):
        low, high = _CODE_RANGE
        if any(type(code) is not int or not low <= code <= high for code in codes):
            found.append((f"{where}.{label}", "Return codes are whole numbers (a DWORD)."))
    if set(app.success_codes) & set(app.restart_codes):
        found.append((f"{where}.restart_codes", "A code cannot mean success and restart both."))
    return found


def _silent(line: str) -> bool:
    return any(token.lower().startswith(_SILENT) for token in line.split()[1:] or line.split())


def _certificate(
    where: str, cert: Certificate, base_dir: Path | None, payload: PayloadFile
) -> list[Finding]:
    found: list[Finding] = []
    if not _ITEM_NAME.fullmatch(cert.name):
        found.append(
            (f"{where}.name", "A certificate name is 1-64 letters, digits, spaces, . _ or -.")
        )
    located = locate(payload, base_dir)
    if reason := located if isinstance(located, str) else certificate_problem(located):
        found.append((f"{where}.path", reason))
    return found


def certificate_problem(path: Path) -> str | None:
    """Why `path` is not one X.509 certificate (PEM or DER), or None."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_CERT_BYTES + 1)
    except OSError as exc:
        return f"{path.name} cannot be read: {exc.strerror}."
    if len(data) > MAX_CERT_BYTES:
        return f"{path.name} is larger than a certificate can be."
    for load in (x509.load_pem_x509_certificate, x509.load_der_x509_certificate):
        try:
            load(data)
        except ValueError:
            continue
        return None
    return f"{path.name} is not an X.509 certificate (.cer or .crt, PEM or DER)."


def _unique_names(spec: PackageSpec) -> list[Finding]:
    found: list[Finding] = []
    seen: set[str] = set()
    for index, name in enumerate(p.name for p in spec.payload_files()):
        if name.lower() in seen:
            found.append(
                (
                    f"payload[{index}]",
                    f"Two payload files are called {name}: rename "
                    "one (files travel side by side in the package).",
                )
            )
        seen.add(name.lower())
    for kind, names in (
        ("apps", [a.name for a in spec.apps]),
        ("certificates", [c.name for c in spec.certificates]),
    ):
        lowered = [name.lower() for name in names]
        for index, name in enumerate(lowered):
            if name in lowered[:index]:
                found.append((f"{kind}[{index}].name", "Two entries have this name."))
    return found
