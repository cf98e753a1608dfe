"""A bench ready to write device files: the tenant set, a Wi-Fi profile whose key is a
canary, the vault opened with a test passphrase, and a fast (but accepted) KDF."""

from __future__ import annotations

import pytest

from app import services, settings
from app.security import vault
from app.security.secret import Secret
from app.store import Store
from tests.helpers.device_files import ADA, CANARY, TENANT, WIFI, Enroll
from tests.helpers.vault import FAST_KDF


@pytest.fixture
def bench(store: Store, monkeypatch: pytest.MonkeyPatch) -> Store:
    monkeypatch.setattr(vault, "KDF_COST", dict(FAST_KDF))
    monkeypatch.setenv(vault.PASSPHRASE_ENV, "a long admin passphrase for tests")
    settings.put_many(store, ADA, TENANT)
    services.save_profile(store, "Wi-Fi", WIFI, actor=ADA, wifi_key=Secret(CANARY))
    return store


@pytest.fixture
def enroll(bench: Store) -> Enroll:
    """Enroll `count` devices (SERIAL0000...) with a profile; their serials."""

    def run(count: int = 1, profile: str | None = "Wi-Fi", prefix: str = "PF") -> list[str]:
        serials = [f"{prefix}{n:06d}" for n in range(count)]
        requests = [services.EnrollRequest(s, profile=profile) for s in serials]
        services.enroll_devices(bench, requests, actor=ADA)
        return serials

    return run
