"""Corporate networks: the proxy and the CA-bundle variables hold for every call, MSAL's too."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import services
from app.errors import KnownError
from app.store import Store
from app.tenant import network
from app.tenant.errors import TenantUnreachable
from tests.helpers.actors import ADMIN
from tests.helpers.fake_graph import FakeGraph
from tests.helpers.tenant import connect
from tests.helpers.tls import TlsFiles


class ConnectProxy:
    """An HTTP proxy that tunnels CONNECT (as a corporate proxy does for HTTPS)."""

    def __init__(self, *, refuse: bool = False) -> None:
        self.refuse = refuse
        self.tunnels: list[str] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._tunnel, args=(client,), daemon=True).start()

    def _tunnel(self, client: socket.socket) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = client.recv(4096)
            if not chunk:
                client.close()
                return
            head += chunk
        target = head.split(b" ")[1].decode()
        self.tunnels.append(target)
        if self.refuse:
            client.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            client.close()
            return
        host, port = target.rsplit(":", 1)
        upstream = socket.create_connection((host, int(port)))
        client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        for a, b in ((client, upstream), (upstream, client)):
            threading.Thread(target=_pipe, args=(a, b), daemon=True).start()

    def close(self) -> None:
        self.listener.close()


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for end in (source, sink):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def proxy() -> Iterator[ConnectProxy]:
    made = ConnectProxy()
    yield made
    made.close()


def test_msal_and_graph_go_through_https_proxy(
    store: Store, graph: FakeGraph, proxy: ConnectProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    connect(store, graph)  # MSAL: OpenID configuration and the token, through the proxy
    assert proxy.tunnels and set(proxy.tunnels) == {f"127.0.0.1:{graph.port}"}
    before = len(proxy.tunnels)
    services.sync_once(store, actor=ADMIN)
    assert len(proxy.tunnels) > before


def test_a_proxy_that_refuses_stops_msal_before_anything_is_stored(
    store: Store, graph: FakeGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    refusing = ConnectProxy(refuse=True)
    monkeypatch.setenv("HTTPS_PROXY", refusing.url)
    try:
        with pytest.raises(TenantUnreachable, match="proxy refused"):
            connect(store, graph)
    finally:
        refusing.close()
    assert refusing.tunnels  # MSAL's own request went to the proxy
    assert store.tenant_connection() is None
    assert graph.tenant.requests == []


def test_the_ca_bundle_variable_is_what_makes_the_tenant_trusted(
    store: Store, graph: FakeGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    monkeypatch.delenv("SSL_CERT_FILE")
    with pytest.raises(TenantUnreachable, match="REQUESTS_CA_BUNDLE"):
        connect(store, graph)


def test_ssl_cert_file_alone_is_honoured(
    store: Store, graph: FakeGraph, hermetic: TlsFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")  # requests alone would ignore SSL_CERT_FILE
    monkeypatch.setenv("SSL_CERT_FILE", str(hermetic.ca))
    connect(store, graph)
    assert store.tenant_connection() is not None


def test_ca_bundle_order_follows_requests_then_ssl_cert_file(tmp_path: Path) -> None:
    files = {name: tmp_path / f"{name}.pem" for name in ("a", "b", "c")}
    for path in files.values():
        path.write_text("x")
    env = {"SSL_CERT_FILE": str(files["c"]), "CURL_CA_BUNDLE": str(files["b"])}
    assert network.ca_bundle(env) == str(files["b"])
    env["REQUESTS_CA_BUNDLE"] = str(files["a"])
    assert network.ca_bundle(env) == str(files["a"])
    assert network.ca_bundle({}) is None
    assert network.session({"SSL_CERT_FILE": str(files["c"])}).verify == str(files["c"])


def test_a_ca_bundle_that_does_not_exist_is_named(tmp_path: Path) -> None:
    with pytest.raises(KnownError, match="SSL_CERT_FILE names the CA bundle"):
        network.ca_bundle({"SSL_CERT_FILE": str(tmp_path / "missing.pem")})


def test_a_proxy_password_is_never_shown() -> None:
    shown = network.describe({"HTTPS_PROXY": "http://bench:hunter2@proxy.corp:8080"})
    assert shown["proxy"] == "http://bench:****@proxy.corp:8080"
    assert "hunter2" not in str(shown)


def test_requests_have_a_timeout() -> None:
    assert network.session({}).timeout == network.TIMEOUT
