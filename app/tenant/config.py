"""Where the tenant is and who Joinery is there: settings, never secrets.

Defaults are Microsoft's global cloud. A national cloud (e.g. US Government: authority
`https://login.microsoftonline.us`, Graph `https://graph.microsoft.us`) or a test endpoint
sets both hosts; with any authority host but the default, MSAL's instance discovery is off
and the tenant's OpenID configuration is read from that host itself (docs/tenant.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from app.errors import InputError

DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com"
DEFAULT_GRAPH_URL = "https://graph.microsoft.com"

#: Known national clouds: (authority host, Graph root), from Microsoft Graph's national cloud
#: deployments page (https://learn.microsoft.com/graph/deployments).
CLOUDS = {
    "global": (DEFAULT_AUTHORITY_HOST, DEFAULT_GRAPH_URL),
    "usgov": ("https://login.microsoftonline.us", "https://graph.microsoft.us"),
    "usgov-dod": ("https://login.microsoftonline.us", "https://dod-graph.microsoft.us"),
    "china": ("https://login.chinacloudapi.cn", "https://microsoftgraph.chinacloudapi.cn"),
}

#: Graph permissions the app registration needs (application for client credentials,
#: delegated for a lead who signs in with a device code).
PERMISSIONS = (
    "DeviceManagementServiceConfig.ReadWrite.All",  # Autopilot: import, read, sync, update
    "DeviceManagementManagedDevices.Read.All",  # Intune: managedDevices
)
#: Only with the setting tenant_push_policies: creating compliance policies.
POLICY_PERMISSION = "DeviceManagementConfiguration.ReadWrite.All"

_GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_DOMAIN = re.compile(r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63}")


class AuthKind(StrEnum):
    SECRET = "secret"  # app-only, client secret (an unattended bench)
    CERTIFICATE = "certificate"  # app-only, certificate (an unattended bench)
    DEVICE_CODE = "deviceCode"  # delegated: a lead signs in with a device code


@dataclass(frozen=True)
class TenantConfig:
    tenant_id: str
    client_id: str
    auth: AuthKind
    authority_host: str = DEFAULT_AUTHORITY_HOST
    graph_url: str = DEFAULT_GRAPH_URL

    @classmethod
    def checked(
        cls,
        tenant_id: str,
        client_id: str,
        auth: AuthKind,
        authority_host: str | None = None,
        graph_url: str | None = None,
    ) -> TenantConfig:
        """The settings as typed, checked; InputError names the one that is wrong."""
        tenant = tenant_id.strip()
        client = client_id.strip()
        if not (_GUID.fullmatch(tenant) or _DOMAIN.fullmatch(tenant)):
            raise InputError(
                f"--tenant-id {tenant!r} is neither a tenant ID (a GUID such as "
                "72f988bf-86f1-41af-91ab-2d7cd011db47) nor a domain such as contoso.com"
            )
        if not _GUID.fullmatch(client):
            raise InputError(
                f"--client-id {client!r} is not an application (client) ID: copy the GUID from "
                "the app registration's Overview page in Microsoft Entra"
            )
        return cls(
            tenant,
            client,
            auth,
            root_url(authority_host or DEFAULT_AUTHORITY_HOST, "--authority-host"),
            root_url(graph_url or DEFAULT_GRAPH_URL, "--graph-url"),
        )

    @property
    def authority(self) -> str:
        return f"{self.authority_host}/{self.tenant_id}"

    @property
    def default_authority(self) -> bool:
        return self.authority_host == DEFAULT_AUTHORITY_HOST

    @property
    def scopes(self) -> list[str]:
        """What MSAL asks for: the app's granted permissions (.default) when the app signs in
        as itself, the named delegated permissions when a person signs in."""
        if self.auth is AuthKind.DEVICE_CODE:
            return [f"{self.graph_url}/{permission}" for permission in PERMISSIONS]
        return [f"{self.graph_url}/.default"]

    def api(self, version: str = "v1.0") -> str:
        return f"{self.graph_url}/{version}"


def root_url(text: str, option: str) -> str:
    """An https URL with a host and nothing after it (no path, query or fragment)."""
    url = text.strip().rstrip("/")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a port out of range is found here, not at the first request
    except ValueError as exc:
        raise InputError(
            f"{option} {text!r} is not a URL ({exc}): give one such as {DEFAULT_GRAPH_URL}"
        ) from None
    if parts.scheme != "https" or not parts.hostname:
        raise InputError(f"{option} {text!r} must be an https:// URL, such as {DEFAULT_GRAPH_URL}")
    if parts.path or parts.query or parts.fragment or parts.username or parts.password:
        raise InputError(f"{option} {text!r} must be the host only, without a path ({url})")
    return url
