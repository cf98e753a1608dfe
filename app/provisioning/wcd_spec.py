"""Take the settings Joinery shows out of a customizations.xml tree, as a PackageSpec.

Each `_take_*` removes what it understood from `Common` and leaves anything it cannot show
whole (a second user, an extra child, an unknown attribute) where it is, so a rebuild writes
it back untouched. Only `Common` is read; multivariant `Variant` settings are always kept.
"""

from __future__ import annotations

import logging
import uuid
from xml.etree.ElementTree import Element

from app.errors import InputError
from app.provisioning.model import (
    AUTHORITY,
    App,
    BulkToken,
    Certificate,
    DeviceSetup,
    DomainJoin,
    LocalAdmin,
    Network,
    PackageInfo,
    PackageSpec,
    WifiSecurity,
    parse_codes,
)
from app.provisioning.xmltree import child, children, find, local, prune, text_of
from app.security.secret import Secret

log = logging.getLogger(__name__)

_APP_FIELDS = {
    "CommandFile",
    "CommandLine",
    "ContinueInstall",
    "RestartRequired",
    "ReturnCodeRestart",
    "ReturnCodeSuccess",
}
_WLAN_FIELDS = {"AutoConnect", "HiddenNetwork", "SecurityKey", "SecurityType"}


def package_info(
    braced_id: str | None, name: str | None, version: str | None, owner: str | None, rank: int
) -> PackageInfo:
    """PackageInfo from PackageConfig text; a missing or malformed ID gets a new GUID."""
    try:
        package_id = uuid.UUID((braced_id or "").strip("{}"))
    except ValueError:
        package_id = uuid.uuid4()
    return PackageInfo(
        name=name or "",
        version=version or "1.0",
        owner=owner or "ITAdmin",
        rank=rank,
        package_id=package_id,
    )


def take_spec(common: Element | None, info: PackageInfo) -> PackageSpec:
    """The PackageSpec `common` shows; what was taken is removed from `common`."""
    if common is None:
        return PackageSpec(info=info)
    account = _take_token(common, info) or _take_domain(common) or _take_local(common)
    if isinstance(account, LocalAdmin):
        _take_leaf(common, "OOBE/Desktop/HideOobe", only="true")
    return PackageSpec(
        info=info,
        device=_take_device(common),
        network=_take_network(common),
        account=account,
        apps=tuple(_take_apps(common)),
        certificates=tuple(_take_certificates(common)),
    )


def _chain(common: Element, path: str) -> list[Element] | None:
    chain: list[Element] = []
    node = common
    for name in path.split("/"):
        found = child(node, name)
        if found is None:
            return None
        chain.append(found)
        node = found
    return chain


def _remove(common: Element, chain: list[Element]) -> None:
    """Remove the last element of `chain` and any ancestors it leaves empty."""
    parent = chain[-2] if len(chain) > 1 else common
    parent.remove(chain[-1])
    prune(common, chain[:-1])


def _take_leaf(common: Element, path: str, *, only: str | None = None) -> str | None:
    """The text of a plain leaf at `path` (removed), or None if absent or not plain."""
    chain = _chain(common, path)
    if chain is None or len(chain[-1]) or chain[-1].attrib:
        return None
    value = text_of(chain[-1]) or ""
    if only is not None and value.lower() != only:
        return None
    _remove(common, chain)
    return value


def _take_device(common: Element) -> DeviceSetup:
    name = _take_leaf(common, "Accounts/ComputerAccount/ComputerName")
    if name is None:
        name = _take_leaf(common, "DevDetail/DNSComputerName")
    key = _take_leaf(common, "EditionUpgrade/UpgradeEditionWithProductKey")
    license_file = _take_leaf(common, "EditionUpgrade/UpgradeEditionWithLicense")
    return DeviceSetup(
        name_template=name,
        product_key=Secret(key) if key is not None else None,
        license_file=license_file,
        license_from_xml=license_file,
        shared_use=_take_leaf(common, "SharedPC/EnableSharedPCMode", only="true") is not None,
        remove_preinstalled=_take_leaf(
            common, "CleanPC/CleanPCWithoutRetainingUserData", only="true"
        )
        is not None,
    )


def _take_token(common: Element, info: PackageInfo) -> BulkToken | None:
    azure = find(common, "Accounts/Azure")
    if azure is None or {local(n.tag) for n in azure} - {"BPRT", "Authority"} or azure.attrib:
        return None
    token = text_of(child(azure, "BPRT"))
    if not token:
        return None
    authority = text_of(child(azure, "Authority")) or AUTHORITY
    for name in ("BPRT", "Authority"):
        _take_leaf(common, f"Accounts/Azure/{name}")
    # The BPRT is an opaque bulk primary refresh token: it carries no dates Joinery could
    # read, so the operator enters the day it was obtained and the day it expires.
    return BulkToken(info.name, Secret(token), None, None, authority)


def _take_domain(common: Element) -> DomainJoin | None:
    account = find(common, "Accounts/ComputerAccount")
    if account is None:
        return None
    names = {local(n.tag) for n in account}
    if not {"Account", "DomainName", "Password"} <= names or account.attrib:
        return None
    if names - {"Account", "DomainName", "Password", "AccountOU", "ComputerName"}:
        return None
    user = _take_leaf(common, "Accounts/ComputerAccount/Account") or ""
    domain = _take_leaf(common, "Accounts/ComputerAccount/DomainName") or ""
    password = _take_leaf(common, "Accounts/ComputerAccount/Password") or ""
    ou = _take_leaf(common, "Accounts/ComputerAccount/AccountOU")
    return DomainJoin(domain, user, Secret(password), ou or None)


def _take_local(common: Element) -> LocalAdmin | None:
    users = find(common, "Accounts/Users")
    if users is None or len(users) != 1 or users.attrib:
        return None
    user = users[0]
    fields = {local(n.tag): n for n in user}
    attrs = dict(user.attrib)
    name = attrs.pop("UserName", None)
    if attrs.get("Name", name) == name:
        attrs.pop("Name", None)
    password = attrs.pop("Password", None) or text_of(fields.pop("Password", None))
    group = text_of(fields.pop("UserGroup", None))
    if attrs or fields or not name or not password or group != "Administrators":
        return None
    chain = _chain(common, "Accounts/Users")
    assert chain is not None
    users.remove(user)
    prune(common, chain)
    return LocalAdmin(name, Secret(password))


def _take_network(common: Element) -> Network | None:
    wlan = find(common, "ConnectivityProfiles/WLAN")
    setting = child(wlan, "WLANSetting") if wlan is not None else None
    if wlan is None or setting is None or len(wlan) != 1 or len(setting) != 1:
        return None
    config = setting[0]
    xml = child(config, "WLANXmlSettings")
    ssid = config.get("SSID", "")
    if local(config.tag) != "WLANConfig" or xml is None or len(config) != 1 or not ssid:
        return None
    if set(config.attrib) - {"SSID", "Name"} or config.get("Name", ssid) != ssid:
        return None
    fields = {local(n.tag): n for n in xml}
    kind = text_of(fields.get("SecurityType")) or ""
    if set(fields) - _WLAN_FIELDS or kind not in {s.value for s in WifiSecurity}:
        return None
    if any(len(n) or n.attrib for n in fields.values()) or xml.attrib:
        return None
    key = text_of(fields.get("SecurityKey"))
    network = Network(
        ssid=ssid,
        security=WifiSecurity(kind),
        key=Secret(key) if key else None,
        auto_connect=(text_of(fields.get("AutoConnect")) or "True").lower() == "true",
        hidden=(text_of(fields.get("HiddenNetwork")) or "False").lower() == "true",
    )
    chain = _chain(common, "ConnectivityProfiles/WLAN/WLANSetting")
    assert chain is not None
    setting.remove(config)
    prune(common, chain)
    return network


def _take_apps(common: Element) -> list[App]:
    chain = _chain(common, "ProvisioningCommands/PrimaryContext/Command")
    if chain is None:
        return []
    apps = []
    for config in children(chain[-1], "CommandConfig"):
        app = _app(config)
        if app is not None:
            apps.append(app)
            chain[-1].remove(config)
    prune(common, chain)
    return apps


def _app(config: Element) -> App | None:
    fields = {local(n.tag): n for n in config}
    if set(config.attrib) != {"Name"} or set(fields) - _APP_FIELDS or "CommandFile" not in fields:
        return None
    if any(len(n) or n.attrib for n in fields.values()):
        return None
    try:
        success = parse_codes(text_of(fields.get("ReturnCodeSuccess")) or "0")
        restart = parse_codes(text_of(fields.get("ReturnCodeRestart")) or "3010")
    except InputError:
        return None
    installer = text_of(fields["CommandFile"]) or ""
    return App(
        name=config.get("Name", ""),
        installer=installer,
        from_xml=installer,
        command_line=text_of(fields.get("CommandLine")) or "",
        success_codes=success,
        restart_codes=restart,
        continue_after_failure=_true(fields.get("ContinueInstall")),
        restart_required=_true(fields.get("RestartRequired")),
    )


def _true(node: Element | None) -> bool:
    return (text_of(node) or "").lower() == "true"


def _take_certificates(common: Element) -> list[Certificate]:
    chain = _chain(common, "Certificates/RootCertificates")
    if chain is None:
        return []
    found = []
    for cert in children(chain[-1], "RootCertificate"):
        path = child(cert, "CertificatePath")
        keys = set(cert.attrib)
        # Microsoft's samples key a RootCertificate by CertificateName and Name; files with
        # only one of the two are read too.
        if not keys or keys - {"Name", "CertificateName"}:
            continue
        if len(cert) != 1 or path is None or len(path):
            continue
        key = cert.get("CertificateName")
        name = cert.get("Name") or key or ""
        text = text_of(path) or ""
        found.append(Certificate(name, text, key if key != name else None, from_xml=text))
        chain[-1].remove(cert)
    prune(common, chain)
    return found
