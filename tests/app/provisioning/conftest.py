"""Fixtures: payload files, a real self-signed certificate, and a spec using every page."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest

from app.provisioning.model import (
    App,
    BulkToken,
    Certificate,
    DeviceSetup,
    Network,
    PackageInfo,
    PackageSpec,
)
from app.security.secret import Secret
from tests.helpers.provisioning import CANARIES, TODAY, write_certificate


@pytest.fixture
def payload(tmp_path: Path) -> Path:
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "7z.msi").write_bytes(b"MSI" * 1000)
    (folder / "agent.exe").write_bytes(b"MZ" + bytes(range(256)) * 20)
    write_certificate(folder / "root.cer")
    return folder


@pytest.fixture
def spec(payload: Path) -> PackageSpec:
    """A package with every page filled in and three secrets (token, PSK, password)."""
    return PackageSpec(
        info=PackageInfo(
            name="Bench-Entra",
            version="1.0",
            rank=5,
            package_id=uuid.UUID("1e4ed133-aae7-45f4-8ee1-881220aa52d5"),
            password=Secret(CANARIES["password"]),
        ),
        device=DeviceSetup(name_template="CTS-%SERIAL%", shared_use=True, remove_preinstalled=True),
        network=Network(ssid="Bench", key=Secret(CANARIES["psk"])),
        account=BulkToken(
            "Bench token", Secret(CANARIES["token"]), TODAY + dt.timedelta(days=90), TODAY
        ),
        apps=(
            App("SevenZip", str(payload / "7z.msi")),
            App("Agent", str(payload / "agent.exe"), "agent.exe /S", restart_required=True),
        ),
        certificates=(Certificate("Bench root", str(payload / "root.cer")),),
    )
