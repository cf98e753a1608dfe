"""customizations.xml, the Windows Configuration Designer project source: write and read.

Shape and names: reference/domain.md 1.3. `PackageConfig` lives in
urn:schemas-Microsoft-com:Windows-ICD-Package-Config.v1.0 (capital M), `Settings` in
urn:schemas-microsoft-com:windows-provisioning. Joinery writes its settings under
`Customizations/Common`. Reading takes any file, multivariant `Targets`/`Variant` included;
the settings Joinery shows become a PackageSpec, everything else stays in `kept`, and
`render(spec, kept)` writes it back untouched (the round trip of "open again, edit, rebuild").
"""

from __future__ import annotations

import copy
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import Element

from app.errors import InputError, Problem
from app.provisioning import wcd_spec
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
    file_name,
)
from app.provisioning.xmltree import add, child, children, ensure, local, parse, serialize

log = logging.getLogger(__name__)

PACKAGE_NS = "urn:schemas-Microsoft-com:Windows-ICD-Package-Config.v1.0"
SETTINGS_NS = "urn:schemas-microsoft-com:windows-provisioning"
ROOT = "WindowsCustomizations"
PAYLOAD_DIR = "payload"
MASK = "••••"
#: Element names whose text is a secret; anything with "password" in its name is one too.
SECRET_NAMES = frozenset(
    {"BPRT", "SecurityKey", "UpgradeEditionWithProductKey", "ChangeProductKey", "ProductKey"}
)
_RANK = re.compile(r"[0-9]{1,9}")
#: Attributes that name an entry of a list setting, shown in setting paths.
KEY_ATTRIBUTES = ("Name", "SSID", "UserName", "Id")


def is_secret_name(name: str) -> bool:
    return name in SECRET_NAMES or "password" in name.lower()


def secrets_in(root: Element) -> list[str]:
    """Names of the secret-holding elements and attributes anywhere in a document."""
    found = [local(n.tag) for n in root.iter() if is_secret_name(local(n.tag)) and n.text]
    found += [k for n in root.iter() for k in n.attrib if is_secret_name(k)]
    return found


# -- writing --------------------------------------------------------------------------------


def render(spec: PackageSpec, kept: Element | None = None) -> bytes:
    """customizations.xml for `spec`, on top of the settings Joinery kept from a read file."""
    return serialize(build_tree(spec, kept))


def build_tree(spec: PackageSpec, kept: Element | None = None) -> Element:
    root = copy.deepcopy(kept) if kept is not None else Element(ROOT)
    _write_config(root, spec.info)
    common = common_of(root, create=True)
    assert common is not None  # created above
    _write_device(common, spec.device)
    if spec.account is not None:
        _write_account(common, spec)
    if spec.network is not None:
        _write_network(common, spec.network)
    for app in spec.apps:
        _write_app(common, app)
    for cert in spec.certificates:
        roots = ensure(common, "Certificates/RootCertificates")
        key = cert.certificate_name or cert.name
        node = add(roots, "RootCertificate", CertificateName=key, Name=cert.name)
        add(node, "CertificatePath", payload_path(cert.path))
    wcd_order(common)
    return root


def payload_path(source: str) -> str:
    """Where a payload file sits in the project, as the XML names it (relative, Windows).

    The project keeps relative paths so it can move between machines; build-ppkg.cmd makes
    them absolute in its working copy before icd.exe runs (WCD itself stores absolute
    paths, and icd.exe is reported to drop a relative CommandFile silently).
    """
    return f"{PAYLOAD_DIR}\\{file_name(source)}"


def wcd_order(node: Element) -> None:
    """Settings in the order WCD writes them: by name, at every level whose children are
    distinct settings. A list of entries (CommandConfig, WLANConfig, User) keeps its order:
    that order is the install order."""
    names = [local(sub.tag) for sub in node]
    if len(set(names)) == len(names):
        node[:] = sorted(node, key=lambda sub: local(sub.tag))
    for sub in node:
        wcd_order(sub)


def common_of(root: Element, *, create: bool = False) -> Element | None:
    """Settings/Customizations/Common of a document (made, first in Customizations, if asked)."""
    settings = child(root, "Settings")
    if settings is None and create:
        settings = Element(f"{{{SETTINGS_NS}}}Settings")
        root.append(settings)
    customizations = child(settings, "Customizations") if settings is not None else None
    if customizations is None and settings is not None and create:
        customizations = add(settings, "Customizations")
    common = child(customizations, "Common") if customizations is not None else None
    if common is None and customizations is not None and create:
        common = Element(f"{{{SETTINGS_NS}}}Common")
        customizations.insert(0, common)  # Common comes before Targets and Variant
    return common


def _write_config(root: Element, info: PackageInfo) -> None:
    config = child(root, "PackageConfig")
    if config is None:
        config = Element(f"{{{PACKAGE_NS}}}PackageConfig")
        root.insert(0, config)
    values = (
        ("ID", info.braced_id),
        ("Name", info.name),
        ("Version", info.version),
        ("OwnerType", info.owner),
        ("Rank", str(info.rank)),
    )
    for name, value in values:
        node = child(config, name)
        if node is None:
            node = add(config, name)
        node.text = value


def _write_device(common: Element, device: DeviceSetup) -> None:
    if device.name_template:
        # The classic path works on every Windows 10/11; the DevDetail CSP only from 2004.
        add(ensure(common, "Accounts/ComputerAccount"), "ComputerName", device.name_template)
    if device.product_key:
        add(
            ensure(common, "EditionUpgrade"),
            "UpgradeEditionWithProductKey",
            device.product_key.reveal(),
        )
    elif device.license_file:
        add(
            ensure(common, "EditionUpgrade"),
            "UpgradeEditionWithLicense",
            payload_path(device.license_file),
        )
    if device.shared_use:
        add(ensure(common, "SharedPC"), "EnableSharedPCMode", "True")
    if device.remove_preinstalled:
        add(ensure(common, "CleanPC"), "CleanPCWithoutRetainingUserData", "True")


def _write_account(common: Element, spec: PackageSpec) -> None:
    account = spec.account
    if isinstance(account, BulkToken):
        azure = ensure(common, "Accounts/Azure")
        add(azure, "Authority", account.authority)
        add(azure, "BPRT", account.token.reveal())
    elif isinstance(account, DomainJoin):
        joined = ensure(common, "Accounts/ComputerAccount")
        add(joined, "Account", account.user)
        if account.ou:
            add(joined, "AccountOU", account.ou)
        add(joined, "DomainName", account.domain)
        add(joined, "Password", account.password.reveal())
    elif isinstance(account, LocalAdmin):
        user = add(ensure(common, "Accounts/Users"), "User", UserName=account.user)
        add(user, "Password", account.password.reveal())
        add(user, "UserGroup", "Administrators")
        # WCD: HideOobe needs a user account created by the package, which this is.
        add(ensure(common, "OOBE/Desktop"), "HideOobe", "True")


def _write_network(common: Element, network: Network) -> None:
    setting = ensure(common, "ConnectivityProfiles/WLAN/WLANSetting")
    config = add(setting, "WLANConfig", SSID=network.ssid, Name=network.ssid)
    xml = add(config, "WLANXmlSettings")
    add(xml, "AutoConnect", _bool(network.auto_connect))
    add(xml, "HiddenNetwork", _bool(network.hidden))
    if network.security is WifiSecurity.WPA2_PERSONAL and network.key:
        add(xml, "SecurityKey", network.key.reveal())
    add(xml, "SecurityType", network.security.value)


def _write_app(common: Element, app: App) -> None:
    command = ensure(common, "ProvisioningCommands/PrimaryContext/Command")
    config = add(command, "CommandConfig", Name=app.name)
    add(config, "CommandFile", payload_path(app.installer))
    add(config, "CommandLine", app.effective_command_line())
    add(config, "ContinueInstall", _bool(app.continue_after_failure))
    add(config, "RestartRequired", _bool(app.restart_required))
    add(config, "ReturnCodeRestart", " ".join(str(code) for code in app.restart_codes))
    add(config, "ReturnCodeSuccess", " ".join(str(code) for code in app.success_codes))


def _bool(value: bool) -> str:
    return "True" if value else "False"


# -- reading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PackageConfig:
    """PackageConfig as found (text, unchecked): ID, Name, Version, OwnerType, Rank."""

    id: str | None
    name: str | None
    version: str | None
    owner: str | None
    rank: str | None


@dataclass(frozen=True)
class Setting:
    """One setting value found: its path ("Accounts/Azure/BPRT") and text, masked if secret."""

    path: str
    value: str | None
    secret: bool

    def as_json(self) -> dict[str, object]:
        shown = MASK if self.secret and self.value else self.value
        return {"path": self.path, "value": shown, "secret": self.secret}


@dataclass(frozen=True)
class Target:
    """A multivariant target: true when any state holds; a state when all its conditions do."""

    id: str
    states: tuple[tuple[tuple[str, str], ...], ...]


@dataclass(frozen=True)
class Variant:
    targets: tuple[str, ...]
    settings: tuple[Setting, ...]


@dataclass(frozen=True)
class Customizations:
    """What a customizations.xml holds, and the part of it Joinery shows as a PackageSpec."""

    source: str
    config: PackageConfig
    common: tuple[Setting, ...]
    targets: tuple[Target, ...]
    variants: tuple[Variant, ...]
    spec: PackageSpec
    kept: Element
    kept_settings: tuple[Setting, ...]

    @property
    def kept_secrets(self) -> list[str]:
        """Paths of secrets Joinery keeps without showing them (they need protection too)."""
        found = [s.path for s in self.kept_settings if s.secret]
        return found + [f"Variant/{s.path}" for v in self.variants for s in v.settings if s.secret]

    def as_json(self) -> dict[str, object]:
        """A report without a single secret value: for `package from-xml --json`."""
        c = self.config
        return {
            "source": self.source,
            "package_config": {
                "id": c.id,
                "name": c.name,
                "version": c.version,
                "owner_type": c.owner,
                "rank": c.rank,
            },
            "settings": [s.as_json() for s in self.common],
            "targets": [
                {
                    "id": t.id,
                    "states": [[{"name": n, "value": v} for n, v in state] for state in t.states],
                }
                for t in self.targets
            ],
            "variants": [
                {"targets": list(v.targets), "settings": [s.as_json() for s in v.settings]}
                for v in self.variants
            ],
            "joinery": {
                "kept": [s.path for s in self.kept_settings],
                "secrets": self.spec.secret_fields() + self.kept_secrets,
            },
        }


def read_customizations(path: Path) -> Customizations:
    """Read a customizations.xml file; InputError names the file, line and reason."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc.strerror}.") from None
    return parse_customizations(data, str(path))


def parse_customizations(data: bytes, source: str) -> Customizations:
    """The Customizations in `data` (XML bytes); `source` names it in errors."""
    root = parse(data, source)
    if root.tag != ROOT:
        reason = f"the root element is {local(root.tag)}, not {ROOT}"
        raise InputError(f"{source}: {reason}", [Problem(source, None, None, reason)])
    common = common_of(root)
    customizations = common_of_parent(root)
    config = _read_config(child(root, "PackageConfig"))
    kept = copy.deepcopy(root)
    kept_common = common_of(kept)
    spec = wcd_spec.take_spec(kept_common, config_info(config))
    return Customizations(
        source=source,
        config=config,
        common=tuple(settings_below(common)) if common is not None else (),
        targets=tuple(_targets(customizations)),
        variants=tuple(_variants(customizations)),
        spec=spec,
        kept=kept,
        kept_settings=tuple(settings_below(kept_common)) if kept_common is not None else (),
    )


def common_of_parent(root: Element) -> Element | None:
    settings = child(root, "Settings")
    return child(settings, "Customizations") if settings is not None else None


def _read_config(config: Element | None) -> PackageConfig:
    def text(name: str) -> str | None:
        node = child(config, name) if config is not None else None
        return None if node is None else (node.text or "").strip()

    return PackageConfig(text("ID"), text("Name"), text("Version"), text("OwnerType"), text("Rank"))


def config_info(config: PackageConfig) -> PackageInfo:
    """PackageInfo from what PackageConfig holds; a bad rank reads as -1 so rules report it."""
    # ASCII digits only: "²".isdigit() is true, and int("²") raises.
    rank = int(config.rank) if config.rank and _RANK.fullmatch(config.rank) else -1
    if config.rank is None:
        rank = 0
    return wcd_spec.package_info(config.id, config.name, config.version, config.owner, rank)


def settings_below(node: Element, prefix: str = "") -> list[Setting]:
    """Every leaf setting below `node` as a path, list entries named by their key attribute."""
    found: list[Setting] = []
    for sub in node:
        name = local(sub.tag)
        key = next((f"[{k}={sub.attrib[k]}]" for k in KEY_ATTRIBUTES if k in sub.attrib), "")
        path = f"{prefix}{name}{key}"
        secrets_in_attrs = [k for k in sub.attrib if is_secret_name(k)]
        for attr in secrets_in_attrs:
            found.append(Setting(f"{path}@{attr}", sub.attrib[attr], True))
        if len(sub):
            found += settings_below(sub, path + "/")
        else:
            found.append(Setting(path, (sub.text or "").strip(), is_secret_name(name)))
    return found


def _targets(customizations: Element | None) -> list[Target]:
    holder = child(customizations, "Targets") if customizations is not None else None
    if holder is None:
        return []
    found = []
    for target in children(holder, "Target"):
        states = tuple(
            tuple((c.get("Name", ""), c.get("Value", "")) for c in children(state, "Condition"))
            for state in children(target, "TargetState")
        )
        found.append(Target(target.get("Id", ""), states))
    return found


def _variants(customizations: Element | None) -> list[Variant]:
    if customizations is None:
        return []
    found = []
    for variant in children(customizations, "Variant"):
        refs = child(variant, "TargetRefs")
        ids = (
            tuple(r.get("Id", "") for r in children(refs, "TargetRef")) if refs is not None else ()
        )
        settings = child(variant, "Settings")
        found.append(Variant(ids, tuple(settings_below(settings)) if settings is not None else ()))
    return found
