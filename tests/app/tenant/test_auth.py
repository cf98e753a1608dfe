"""Every token from MSAL: a client secret, a certificate, a device code; national clouds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msal
import pytest
import requests
from cryptography import x509

from app import services
from app.errors import InputError
from app.security.roles import Actor, PermissionDenied, Role
from app.store import Store
from app.tenant.auth import TokenSource
from app.tenant.config import AuthKind, TenantConfig
from app.tenant.credentials import read_certificate_file, read_secret_file
from app.tenant.errors import TenantRefused
from tests.helpers.actors import ADMIN
from tests.helpers.fake_graph import CLIENT, TENANT, FakeGraph
from tests.helpers.tenant import connect, secret_credential
from tests.helpers.tls import make_app_certificate


def test_a_wrong_secret_is_refused_in_words_and_nothing_is_stored(
    store: Store, graph: FakeGraph
) -> None:
    with pytest.raises(TenantRefused, match="the client secret is wrong") as caught:
        connect(store, graph, secret_credential("not-the-secret"))
    assert "not-the-secret" not in str(caught.value)
    assert store.tenant_connection() is None


def test_certificate_sign_in(store: Store, graph: FakeGraph, tmp_path: Path) -> None:
    pem = make_app_certificate(tmp_path / "app.pem")
    graph.tenant.certificate = x509.load_pem_x509_certificate(pem.read_bytes())
    credential = read_certificate_file(str(pem))
    connect(store, graph, credential)
    row = store.tenant_connection()
    assert row is not None and row.auth == "certificate"
    services.sync_once(store, actor=ADMIN)  # the sealed key signs the assertion again
    entries = store.audit_entries(limit=10)
    assert entries[-1].details.get("certificate_thumbprint") or any(
        e.details.get("certificate_thumbprint") == credential.thumbprint() for e in entries
    )


def test_a_certificate_file_without_its_key_is_refused(tmp_path: Path) -> None:
    pem = make_app_certificate(tmp_path / "app.pem")
    only_cert = tmp_path / "cert.pem"
    only_cert.write_bytes(pem.read_bytes().split(b"-----END PRIVATE KEY-----\n")[1])
    with pytest.raises(InputError, match="no unencrypted private key"):
        read_certificate_file(str(only_cert))


def test_a_secret_file_holding_more_than_the_secret_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "secret.txt"
    path.write_text("line one\nline two\n")
    with pytest.raises(InputError, match="on one line"):
        read_secret_file(str(path))
    path.write_text("abc~DEF\n")
    assert read_secret_file(str(path)).secret.reveal() == "abc~DEF"


def test_device_code_sign_in_then_syncs_with_the_cached_refresh_token(
    store: Store, graph: FakeGraph
) -> None:
    shown: list[str] = []
    status = services.connect_tenant(
        store,
        services.ConnectRequest(TENANT, CLIENT, None, graph.url, graph.url, device_code=True),
        show=shown.append,
        actor=ADMIN,
    )
    assert shown and "FAKE-CODE" in shown[0]
    assert status.account == "lead@contoso.com" and status.auth == "deviceCode"
    row = store.tenant_connection()
    assert row is not None and row.credential is None and row.token_cache
    graph.tenant.expire_tokens()
    graph.tenant.add_managed("MD0001")
    report = services.sync_once(
        store, actor=ADMIN
    )  # 401, then MSAL refreshes with the sealed refresh token
    assert report.managed.listed == 1


def test_the_openid_configuration_comes_from_the_authority_host(
    store: Store, graph: FakeGraph
) -> None:
    connect(store, graph)
    assert graph.tenant.paths()[0] == f"/{TENANT}/v2.0/.well-known/openid-configuration"


def capture_msal(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []

    class Spy:
        def __init__(self, client_id: str, **options: Any) -> None:
            seen.append(options)

        def acquire_token_for_client(self, scopes: list[str]) -> dict[str, Any]:
            return {"access_token": "t", "expires_in": 3600}

    monkeypatch.setattr(msal, "ConfidentialClientApplication", Spy)
    return seen


@pytest.mark.parametrize(
    ("host", "discovery"),
    [
        ("https://login.microsoftonline.com", None),  # MSAL's default: discovery on
        ("https://login.microsoftonline.us", False),
        ("https://login.example.test:8443", False),
    ],
)
def test_instance_discovery_is_off_for_any_other_host(
    host: str, discovery: bool | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = capture_msal(monkeypatch)
    session = requests.Session()
    config = TenantConfig.checked(TENANT, CLIENT, AuthKind.SECRET, host)
    TokenSource(config, secret_credential(), None, session).token()
    [options] = seen
    assert options.get("instance_discovery") is discovery
    assert options["http_client"] is session  # MSAL's own HTTP: the proxy and CA bundle
    assert options["authority"] == f"{host}/{TENANT}"


def test_only_an_admin_connects(store: Store, graph: FakeGraph) -> None:
    lead = Actor("lee", Role.LEAD)
    with pytest.raises(PermissionDenied):
        services.connect_tenant(
            store,
            services.ConnectRequest(TENANT, CLIENT, secret_credential(), graph.url, graph.url),
            actor=lead,
        )
    assert graph.tenant.requests == []


def test_the_token_cache_is_reused_across_syncs(connected: Store, graph: FakeGraph) -> None:
    before = graph.tenant.token_requests
    services.sync_once(connected, actor=ADMIN)
    services.sync_once(connected, actor=ADMIN)
    assert graph.tenant.token_requests == before
