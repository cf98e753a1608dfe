"""Re-opening a registered package whose file was swapped (finding 1).

`open_package` (Packages → Open in wizard) unpacked whatever file sat at the build's path:
an attacker who replaced the bundle on a share or a stick with an unencrypted one signed by
their own key (the password given was ignored) had the bench re-open it, and the rebuild that
followed signed their bulk token with the bench's key as a genuine, registered version.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app import paths, services
from app.errors import InputError
from app.provisioning import build as builder
from app.provisioning import bundle, wcd_xml
from app.provisioning.model import BulkToken, DeviceSetup, PackageInfo, PackageSpec
from app.security.roles import Actor, Role
from app.security.secret import Secret
from app.store import Store
from tests.helpers.provisioning import CHEAP, CHEAP_BOUNDS, SIGNER

LEAD = Actor("lena", Role.LEAD)
TODAY = dt.date(2025, 6, 1)
PASSWORD = "CANARY-REOPEN-PASSWORD-0042"
ATTACKER_TOKEN = "ATTACKER-BPRT-0bad"


def spec(token: str, *, password: str | None = PASSWORD) -> PackageSpec:
    return PackageSpec(
        info=PackageInfo(
            name="Bench-Entra",
            version="1.0",
            rank=7,
            password=Secret(password) if password else None,
        ),
        device=DeviceSetup(name_template="CTS-%SERIAL%"),
        account=BulkToken("Bench", Secret(token), TODAY + dt.timedelta(days=90), TODAY),
    )


@pytest.fixture
def registered(store: Store, tmp_path: Path) -> int:
    services.build_and_record(
        store,
        spec("GENUINE-BPRT-5c1d"),
        tmp_path / "share",
        SIGNER,
        actor=LEAD,
        today=TODAY,
        kdf_cost=CHEAP,
        kdf_bounds=CHEAP_BOUNDS,
    )
    return store.package_builds()[0].id


def forge(path: Path, *, password: str | None = None, signer: Ed25519PrivateKey) -> None:
    """The attacker's bundle: same name and version, their token, signed by their key."""
    forged = spec(ATTACKER_TOKEN, password=password)
    members = [bundle.Member(builder.PROJECT_XML, wcd_xml.render(forged, None))]
    password_secret = Secret(password) if password else None
    path.unlink()
    bundle.write_bundle(
        path,
        members,
        builder.header_metadata(forged, True),
        signer,
        password=password_secret,
        kdf_cost=CHEAP,
        kdf_bounds=CHEAP_BOUNDS,
    )


def scratch_left() -> list[Path]:
    root = paths.data_dir() / "scratch"
    return list(root.iterdir()) if root.exists() else []


@pytest.mark.parametrize(
    ("password", "signer"),
    [
        (None, Ed25519PrivateKey.generate()),
        (PASSWORD, Ed25519PrivateKey.generate()),
        (None, SIGNER),
    ],
    ids=["unencrypted, attacker's key", "encrypted, attacker's key", "unencrypted, bench key"],
)
def test_a_swapped_bundle_is_refused_before_it_is_unpacked(
    store: Store, registered: int, password: str | None, signer: Ed25519PrivateKey
) -> None:
    output = Path(store.package_build(registered).output)  # type: ignore[union-attr]
    forge(output, password=password, signer=signer)
    with pytest.raises(InputError) as caught:
        services.open_package(
            store, registered, password=Secret(PASSWORD), actor=LEAD, kdf_bounds=CHEAP_BOUNDS
        )
    message = str(caught.value)
    assert "changed" in message and "SHA-256" in message and output.name in message
    assert ATTACKER_TOKEN not in message
    assert scratch_left() == []
    refused = store.audit_entries(action="package.open")[0]
    assert refused.details["ok"] is False and refused.details["build"] == registered


def test_a_swapped_project_folder_is_refused(store: Store, tmp_path: Path) -> None:
    plain = PackageSpec(info=PackageInfo(name="Plain"), device=DeviceSetup(shared_use=True))
    services.build_and_record(store, plain, tmp_path / "out", None, actor=LEAD, today=TODAY)
    build = store.package_builds()[0]
    xml = Path(build.output) / builder.PROJECT_XML
    original = xml.read_bytes()
    xml.write_bytes(original.replace(b">True<", b">False<"))
    assert xml.read_bytes() != original
    with pytest.raises(InputError, match="changed"):
        services.open_package(store, build.id, actor=LEAD)
