"""What the device-file tests share: who acts, the tenant, a Wi-Fi profile whose key is a
canary, the cart password, a fast (but accepted) KDF, and a folder read back."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from app.enrollment import Answers
from app.provisioning.bundle_format import KdfCost
from app.security.roles import Actor, Role
from app.security.secret import Secret
from tests.helpers.vault import FAST_KDF

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
FAST = KdfCost(**FAST_KDF)
WIFI = Answers(network="wifi", wifi_ssid="Bench", wifi_security="WPA2-Personal")

Enroll = Callable[..., list[str]]


def files_under(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
