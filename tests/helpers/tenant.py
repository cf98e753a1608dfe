"""Fixtures for tests that talk to the local tenant (registered in tests/conftest.py): a
throwaway CA trusted through the CA-bundle variables only, the fake Graph, a quick vault."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from app import demo, services
from app.security import vault
from app.security.secret import Secret
from app.services.tenant_sync import SyncOptions
from app.store import Store
from app.tenant.config import AuthKind
from app.tenant.credentials import Credential
from app.tenant.retry import RetryPolicy
from app.tenant.sender import PollPolicy
from tests.helpers.actors import ADMIN
from tests.helpers.fake_graph import CLIENT, TENANT, FakeGraph
from tests.helpers.tls import TlsFiles, make_tls

PASSPHRASE = "correct horse battery staple 42"
PROXY_VARIABLES = (
    "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy",
    "NO_PROXY", "no_proxy",
)  # fmt: skip


@pytest.fixture(scope="session")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return make_tls(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def hermetic(tls: TlsFiles, monkeypatch: pytest.MonkeyPatch) -> TlsFiles:
    """Trust the throwaway CA only, no proxy, a quick vault."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tls.ca))
    monkeypatch.setenv("SSL_CERT_FILE", str(tls.ca))
    monkeypatch.setenv(vault.PASSPHRASE_ENV, PASSPHRASE)
    monkeypatch.setattr(vault, "KDF_COST", {"m": 19456, "t": 2, "p": 1})
    return tls


@pytest.fixture
def graph(hermetic: TlsFiles) -> Iterator[FakeGraph]:
    server = FakeGraph(hermetic).start()
    yield server
    server.stop()


@dataclass
class Waits:
    """The sleeps a sync asked for (tests never wait for real)."""

    seconds: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


@pytest.fixture
def waits() -> Waits:
    return Waits()


@pytest.fixture
def quick(waits: Waits) -> SyncOptions:
    return SyncOptions(
        retry=RetryPolicy(attempts=4, base=0.5, cap=4.0, wait_cap=30.0),
        poll=PollPolicy(interval=0.0, rounds=3),
        sleep=waits,
    )


def secret_credential(value: str = "fake-client-secret") -> Credential:
    return Credential(AuthKind.SECRET, Secret(value))


def connect(store: Store, graph: FakeGraph, credential: Credential | None = None) -> None:
    services.connect_tenant(
        store,
        services.ConnectRequest(
            TENANT, CLIENT, credential or secret_credential(graph.tenant.client_secret),
            graph.url, graph.url,
        ),
        actor=ADMIN,
    )  # fmt: skip


def import_devices(
    store: Store, tmp_path: Path, count: int, *, group_tag: str = "Bench"
) -> list[str]:
    rows = demo.autopilot_rows(count, seed=5, group_tag=group_tag)
    path = tmp_path / "hashes.csv"
    path.write_bytes(demo.capture_csv(rows))
    services.import_autopilot(store, [path], actor=ADMIN)
    return [row.serial for row in rows]


@pytest.fixture
def connected(store: Store, graph: FakeGraph) -> Store:
    connect(store, graph)
    return store
