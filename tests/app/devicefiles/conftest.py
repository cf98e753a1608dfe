"""A bench ready to write device files: the tenant set, a Wi-Fi profile whose key is a
canary, the vault opened with a test passphrase, and a fast (but accepted) KDF."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from app import services, settings
from app.enrollment import Answers
from app.provisioning.bundle_format import KdfCost
from app.security import vault
from app.security.roles import Actor, Role
from app.security.secret import Secret
from app.store import Store

ADA = Actor("ada", Role.ADMIN)
LENA = Actor("lena", Role.LEAD)
TOM = Actor("tom", Role.TECHNICIAN)
TENANT = {
    "tenant_id": "1537de22-988c-4e93-b8a5-83890f34a69b",
    "tenant_domain": "contoso.onmicrosoft.com",
    "autopilot_profile_id": "7f9e6025-1e13-45f3-bf82-a3e8c5b59eac",
}
CANARY = "CANARY-wifi-key-5b7e19"
PASSWORD = Secret("cart password of 24 chars")
FAST = KdfCost(19456, 2, 1)  # OWASP's floor: the cheapest the bounds accept
WIFI = Answers(network="wifi", wifi_ssid="Bench", wifi_security="WPA2-Personal")

Enroll = Callable[..., list[str]]


@pytest.fixture
def bench(store: Store, monkeypatch: pytest.MonkeyPatch) -> Store:
    monkeypatch.setattr(vault, "KDF_COST", {"m": 19456, "t": 2, "p": 1})
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


def files_under(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
