"""A believable demo fleet: real vendors and models, vendor serial patterns, real builds."""

from __future__ import annotations

import base64
import codecs
import random
import string
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from app.domain import AutopilotRecord, ComplianceState
from app.security.audit_actions import AuditAction
from app.store import Store
from app.timeutil import utcnow

_UPPER_DIGITS = string.ascii_uppercase + string.digits


@dataclass(frozen=True)
class Vendor:
    manufacturer: str
    models: tuple[str, ...]
    serial: Callable[[random.Random], str]
    weight: int


def _dell(rng: random.Random) -> str:  # service tag: 7 characters
    return "".join(rng.choices(_UPPER_DIGITS, k=7))


def _hp(rng: random.Random) -> str:  # e.g. 5CG3281BXT: site code, year/week, sequence
    site = rng.choice(("5CG", "5CD", "CND", "MXL", "8CG"))
    return f"{site}{rng.randint(0, 9)}{rng.randint(1, 52):02d}" + "".join(
        rng.choices(_UPPER_DIGITS, k=4)
    )


def _lenovo(rng: random.Random) -> str:  # e.g. PF3KX1ZB (ThinkPad), MJ0GH7LK (ThinkCentre)
    return rng.choice(("PF", "PF", "PC", "MJ0", "R9")) + "".join(rng.choices(_UPPER_DIGITS, k=6))


def _surface(rng: random.Random) -> str:  # twelve digits
    return "".join(rng.choices(string.digits, k=12))


VENDORS = (
    Vendor(
        "Dell Inc.",
        (
            "Latitude 5440",
            "Latitude 7440",
            "Latitude 5550",
            "OptiPlex 7010",
            "Precision 3581",
            "XPS 13 9340",
        ),
        _dell,
        34,
    ),
    Vendor(
        "HP",
        (
            "HP EliteBook 840 G10",
            "HP EliteBook 640 G11",
            "HP ProBook 450 G10",
            "HP EliteDesk 800 G9 Mini",
            "HP ZBook Firefly 14 G10",
        ),
        _hp,
        30,
    ),
    Vendor(
        "LENOVO",
        (
            "ThinkPad T14 Gen 4",
            "ThinkPad X1 Carbon Gen 11",
            "ThinkPad L14 Gen 4",
            "ThinkCentre M70q Gen 4",
            "ThinkPad E14 Gen 5",
        ),
        _lenovo,
        26,
    ),
    Vendor(
        "Microsoft Corporation",
        ("Surface Laptop 5", "Surface Laptop 6", "Surface Pro 9", "Surface Pro 10"),
        _surface,
        10,
    ),
)

# (version, weight): Windows 10 22H2/21H2 and Windows 11 22H2, 23H2, 24H2, 25H2 builds.
BUILDS = (
    ("10.0.19044.5131", 2),
    ("10.0.19045.5247", 10),
    ("10.0.19045.6466", 8),
    ("10.0.22621.4602", 6),
    ("10.0.22631.4602", 14),
    ("10.0.22631.6060", 10),
    ("10.0.26100.2605", 18),
    ("10.0.26100.6899", 22),
    ("10.0.26200.7171", 10),
)
EDITIONS = (
    ("Enterprise", 60),
    ("Pro", 25),
    ("Education", 8),
    ("Pro Education", 4),
    ("Pro for Workstations", 3),
)
GROUP_TAGS = (
    ("Sales", 18),
    ("Finance", 10),
    ("Engineering", 20),
    ("HR", 5),
    ("Support", 12),
    ("Warehouse", 9),
    ("Kiosk", 6),
    ("Executive", 3),
    ("Lab", 7),
    (None, 10),
)
STATES = (
    (ComplianceState.COMPLIANT, 78),
    (ComplianceState.NONCOMPLIANT, 9),
    (ComplianceState.IN_GRACE_PERIOD, 3),
    (ComplianceState.NOT_EVALUATED, 4),
    (ComplianceState.UNKNOWN, 4),
    (ComplianceState.ERROR, 1),
    (ComplianceState.CONFLICT, 1),
)
FIRST = (
    "anna",
    "ben",
    "chloe",
    "david",
    "emma",
    "farid",
    "grace",
    "hugo",
    "ines",
    "jonas",
    "kai",
    "lena",
    "mateo",
    "nora",
    "oscar",
    "priya",
    "quentin",
    "rosa",
    "sven",
    "tara",
    "umar",
    "vera",
    "wei",
    "xenia",
    "yusuf",
    "zoe",
)
LAST = (
    "adams",
    "bauer",
    "costa",
    "diallo",
    "evans",
    "fischer",
    "garcia",
    "hansen",
    "ito",
    "jensen",
    "kowalski",
    "larsen",
    "moreau",
    "nakamura",
    "okafor",
    "petrov",
    "quinn",
    "rossi",
    "silva",
    "tanaka",
    "urbina",
    "virtanen",
    "weber",
    "xu",
    "yilmaz",
    "zimmer",
)
DOMAIN = "contoso.com"
NAME_PREFIX = "CTS-"

#: Hardware hashes are ~4 KB each; a million would make a 4 GB demo. The demo keeps them
#: for the most recent Autopilot registrations only, up to this many.
MAX_HASHED = 20_000


def _pick(rng: random.Random, table: tuple[tuple[object, int], ...], k: int) -> list[object]:
    return rng.choices([v for v, _ in table], weights=[w for _, w in table], k=k)


def fake_hash(rng: random.Random) -> str:
    """A hash-sized blob (~4,000 base64 characters) with the 'OA' header real ones carry."""
    return base64.b64encode(b"OA[\x02" + rng.randbytes(rng.randint(2800, 3200))).decode()


def device_name(serial: str, prefix: str = NAME_PREFIX) -> str:
    """`CTS-%SERIAL%` under the 15-byte rule: the serial is cut from the front."""
    room = 15 - len(prefix)
    return prefix + serial[-room:]


def devices(
    count: int, *, seed: int = 7, now: datetime | None = None
) -> Iterator[dict[str, object]]:
    """Yield `count` device rows with unique serials (ids start at 1)."""
    rng = random.Random(seed)
    now_s = (now or utcnow()).timestamp()
    vendors = rng.choices(VENDORS, weights=[v.weight for v in VENDORS], k=count)
    builds = _pick(rng, BUILDS, count)
    editions = _pick(rng, EDITIONS, count)
    tags = _pick(rng, GROUP_TAGS, count)
    states = _pick(rng, STATES, count)
    methods = rng.choices(("autopilot", "bulk", "selfService"), weights=(70, 20, 10), k=count)
    authorities = rng.choices(("intune", "coManaged"), weights=(85, 15), k=count)
    seen: set[str] = set()
    for index in range(count):
        vendor = vendors[index]
        serial = vendor.serial(rng)
        while serial in seen:
            serial = vendor.serial(rng)
        seen.add(serial)
        build = str(builds[index])
        tag = tags[index]
        enrolled = now_s - rng.triangular(0, 1100, 200) * _DAY
        # Most devices check in within days; a tail goes quiet (stale after 90 days).
        quiet = rng.expovariate(1 / 3) if rng.random() > 0.04 else rng.uniform(90, 400)
        last_seen = max(enrolled, now_s - quiet * _DAY)
        user = None
        if tag != "Kiosk":
            user = f"{rng.choice(FIRST)}.{rng.choice(LAST)}{rng.randint(1, 99)}@{DOMAIN}"
        yield {
            "id": index + 1,
            "serial": serial,
            "manufacturer": vendor.manufacturer,
            "model": rng.choice(vendor.models),
            "product_id": None,
            "group_tag": tag,
            "assigned_user": user,
            "device_name": device_name(serial),
            "join_type": "entraJoined",
            "provisioning_method": methods[index],
            "ownership": "company",
            "os_edition": f"Windows {'11' if build >= '10.0.22' else '10'} {editions[index]}",
            "os_version": build,
            "management_authority": authorities[index],
            "enrollment_status": "enrolled",
            "compliance_state": str(states[index]),
            "last_checkin": _iso(last_seen),
            "lineage": 0,
            "created_at": _iso(enrolled),
            "enrolled_at": _iso(enrolled),
            "updated_at": _iso(last_seen),
        }


_DAY = 86400.0


def _iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def seed(
    store: Store,
    count: int,
    *,
    seed: int = 7,
    now: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Add `count` demo devices in one transaction; returns how many were added."""
    moment = now or utcnow()
    with store.transaction(), store.bulk_load():
        first_id = store.next_device_id()
        batch: list[dict[str, object]] = []
        added = 0
        for row in devices(count, seed=seed + first_id, now=moment):
            row["id"] = int(str(row["id"])) + first_id - 1
            batch.append(row)
            if len(batch) == 10_000:
                added += _flush(store, batch)
                if progress:
                    progress(added, count)
        added += _flush(store, batch)
        _add_hashes(store, first_id, added, seed)
        store.seed_history(first_id, "demo")
        if store.setting("tenant_domains") is None:
            # The demo users are @contoso.com: without it, their devices could not be
            # exported for Autopilot (assigned users must be in a verified domain).
            store.set_setting("tenant_domains", DOMAIN)
        store.append_audit("demo", AuditAction.DEMO_SEED, None, {"devices": added})
    return added


def _flush(store: Store, batch: list[dict[str, object]]) -> int:
    store.insert_devices(batch)
    count = len(batch)
    batch.clear()
    return count


def _add_hashes(store: Store, first_id: int, added: int, seed: int) -> None:
    rng = random.Random(seed * 31 + first_id)
    hashed = range(max(first_id, first_id + added - MAX_HASHED), first_id + added)
    # Registered in Autopilot when the device was first enrolled.
    store.insert_first_lineage((device_id, fake_hash(rng), "demo") for device_id in hashed)


def autopilot_rows(
    count: int, *, seed: int = 11, group_tag: str | None = None, users: bool = False
) -> list[AutopilotRecord]:
    """Rows as Get-WindowsAutopilotInfo would capture them on `count` new devices."""
    rng = random.Random(seed)
    rows = []
    for device in devices(count, seed=seed):
        user = str(device["assigned_user"]) if users and device["assigned_user"] else None
        rows.append(AutopilotRecord(str(device["serial"]), "", fake_hash(rng), group_tag, user))
    return rows


def capture_csv(records: list[AutopilotRecord], *, encoding: str = "utf-16") -> bytes:
    """A file as Get-WindowsAutopilotInfo writes it (Windows PowerShell 5.1: UTF-16LE, BOM).

    Three columns unless a row carries a group tag or user; quotes already stripped.
    """
    header = ["Device Serial Number", "Windows Product ID", "Hardware Hash"]
    if any(r.assigned_user for r in records):
        header += ["Group Tag", "Assigned User"]
    elif any(r.group_tag for r in records):
        header += ["Group Tag"]
    lines = [",".join(header)]
    for r in records:
        values = [r.serial, r.product_id, r.hardware_hash, r.group_tag or "", r.assigned_user or ""]
        lines.append(",".join(values[: len(header)]))
    text = "\r\n".join(lines) + "\r\n"
    if encoding == "utf-16":
        return codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    if encoding == "utf-8":
        return text.encode("utf-8")
    return text.encode("cp1252")


def sample_certificate(path: Path, common_name: str = "Contoso Sample Root") -> Path:
    """A self-signed X.509 root certificate (DER) for demo packages, screenshots and tests;
    its private key is thrown away."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    start = datetime(2025, 1, 1, tzinfo=UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    path.write_bytes(cert.public_bytes(serialization.Encoding.DER))
    return path
