"""HTTPS for every call to the tenant, MSAL's own included: one `requests.Session` set up from
the environment, as corporate networks with TLS inspection need.

- Proxy: `HTTPS_PROXY` / `https_proxy` (and `NO_PROXY`), read by requests on every request
  (`trust_env`).
- CA bundle: `REQUESTS_CA_BUNDLE`, then `CURL_CA_BUNDLE` (requests' own order), then
  `SSL_CERT_FILE` (which requests alone would ignore). A variable naming a file that does not
  exist is refused here, with its name, rather than as a TLS error later.

MSAL gets this session as its `http_client`, so the token endpoint and the OpenID
configuration go through the same proxy and trust the same CAs as Graph.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests

from app.errors import KnownError

CA_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE")
PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")
#: (connect, read) seconds: a dead proxy fails fast, a slow Graph page still arrives.
TIMEOUT = (10.0, 90.0)
USER_AGENT = "Joinery (tenant connector)"


class TenantSession(requests.Session):
    """A Session with a default timeout (requests has none: a dead link would hang)."""

    def __init__(self, timeout: tuple[float, float] = TIMEOUT) -> None:
        super().__init__()
        self.timeout = timeout

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, url, *args, **kwargs)


def session(environ: Mapping[str, str] | None = None) -> TenantSession:
    """A session that honours the proxy and CA-bundle variables of `environ` (os.environ)."""
    env = os.environ if environ is None else environ
    made = TenantSession()
    made.trust_env = True
    bundle = ca_bundle(env)
    if bundle is not None:
        made.verify = bundle
    made.headers["User-Agent"] = USER_AGENT
    return made


def ca_bundle(env: Mapping[str, str]) -> str | None:
    """The CA bundle the variables name, in requests' order, or None (the built-in CAs)."""
    for name in CA_VARIABLES:
        value = env.get(name, "").strip()
        if not value:
            continue
        if not Path(value).exists():
            raise KnownError(
                f"{name} names the CA bundle {value}, which does not exist: point it at the "
                "PEM file of your organisation's CAs (with TLS inspection, the proxy's CA), or "
                "unset it."
            )
        return value
    return None


def describe(environ: Mapping[str, str] | None = None) -> dict[str, str | None]:
    """The proxy and CA bundle in use, for a status line: a proxy's password is masked."""
    env = os.environ if environ is None else environ
    proxy = next((env[n] for n in PROXY_VARIABLES if env.get(n, "").strip()), None)
    bundle = next((env[n] for n in CA_VARIABLES if env.get(n, "").strip()), None)
    return {"proxy": mask_credentials(proxy) if proxy else None, "ca_bundle": bundle}


def mask_credentials(url: str) -> str:
    """`http://user:secret@proxy:8080` as `http://user:****@proxy:8080`."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return urlunsplit(parts._replace(netloc=f"{parts.username}:****@{host}"))


def reached_server(exc: requests.RequestException) -> bool:
    """Whether a failed request may have reached the server (its effect then is unknown).

    A refused or timed-out connection, a proxy that refused the tunnel and a failed TLS
    handshake all fail before any byte of the request is sent; anything later may not.
    """
    if isinstance(exc, requests.ConnectTimeout | requests.exceptions.ProxyError):
        return False
    if isinstance(exc, requests.exceptions.SSLError):
        return False
    if isinstance(exc, requests.ConnectionError):
        text = repr(exc.args[0]) if exc.args else ""
        before = ("NewConnectionError", "ConnectTimeoutError", "NameResolutionError")
        return not any(marker in text for marker in before)
    return not isinstance(exc, requests.exceptions.InvalidURL | requests.exceptions.MissingSchema)


def plain_reason(exc: requests.RequestException) -> str:
    """What went wrong, in a line, without a URL's query (which never holds a secret here,
    but a proxy URL might hold a password)."""
    if isinstance(exc, requests.exceptions.SSLError):
        return (
            "the TLS certificate was not trusted (with TLS inspection, set REQUESTS_CA_BUNDLE "
            "to your organisation's CA bundle)"
        )
    if isinstance(exc, requests.exceptions.ProxyError):
        return "the proxy refused the connection"
    if isinstance(exc, requests.ConnectTimeout):
        return "the connection timed out"
    if isinstance(exc, requests.ReadTimeout):
        return "no answer in time"
    if isinstance(exc, requests.ConnectionError):
        return "the connection failed or was cut"
    return type(exc).__name__
