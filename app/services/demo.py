"""The demo fleet: seeding a database, and the kiosk's own --demo database."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

from app import autopilot, demo
from app.domain import DeviceQuery
from app.enrollment import Answers
from app.provisioning.model import (
    BulkToken,
    DeviceSetup,
    Network,
    PackageInfo,
    PackageSpec,
    generate_password,
)
from app.security import operators
from app.security.roles import Actor, Permission, Role
from app.security.secret import Secret
from app.services.actors import Progress
from app.services.compliance import assign, import_template, reevaluate
from app.services.fleet import take_snapshot
from app.services.packages import (
    build_and_record,
    list_packages,
    load_signing_key,
    new_signing_key,
    record_provisioned,
)
from app.services.simulate import simulate_checkins
from app.store import Store
from app.timeutil import now_iso, utcnow


def seed_demo(
    store: Store,
    count: int,
    *,
    seed: int = 7,
    actor: Actor,
    progress: Progress | None = None,
) -> int:
    """Add a demo fleet (admins only: demo devices mixed into real ones mislead)."""
    actor.require(Permission.SEED_DEMO)
    return demo.seed(store, count, seed=seed, progress=progress)


#: A self-signed root certificate (DER) for samples; its key is thrown away.
sample_certificate = demo.sample_certificate


def demo_serials(count: int, *, seed: int) -> list[str]:
    """Serial numbers of `count` made-up devices (what a scanner types, for a screenshot)."""
    return [str(row["serial"]) for row in demo.devices(count, seed=seed)]


def demo_rejections(folder: Path) -> tuple[str, list[dict[str, object]]]:
    """A made-up hash file of four devices, two of them bad, written to `folder` and read as
    an import reads it: the file's name and the rows refused (file, line, column, reason)."""
    rows = demo.autopilot_rows(4, seed=3)
    rows[1] = replace(rows[1], hardware_hash="not-base64!")
    rows[2] = replace(rows[2], serial="PF3 BAD;SERIAL")
    path = folder / "AutopilotHWID.csv"
    path.write_bytes(demo.capture_csv(rows))
    refused: list[dict[str, object]] = [
        {"file": path.name, "line": p.line, "column": p.column, "reason": p.reason}
        for p in autopilot.read_csv(path).problems
    ]
    return path.name, refused


#: The demo database's operators share one PIN, shown on its sign-in screen. Only the demo
#: database has them; a real kiosk starts by creating its first admin.
DEMO_PIN = "246810"
DEMO_OPERATORS = (
    ("demo-admin", Role.ADMIN),
    ("demo-lead", Role.LEAD),
    ("demo-tech", Role.TECHNICIAN),
)
DEMO_SIGN_IN_HINT = (
    "Demo fleet: sign in as demo-admin, demo-lead or demo-tech, PIN " + DEMO_PIN + "."
)


def prepare_demo_database(path: str | Path, *, actor: Actor, devices: int = 5000) -> None:
    """The kiosk's --demo database: seeded on first use, left as it is after that (by
    `actor`, who launched the demo: the machine's local administrator)."""
    actor.require(Permission.SEED_DEMO)
    with Store.open(path) as store:
        if store.count_devices() == 0:
            demo.seed(store, devices)
        if store.setting("tenant_domains") is None:
            with store.transaction():
                store.set_setting("tenant_domains", demo.DOMAIN)
        if not store.profile_names():
            bench = Answers(
                edition="Windows 11 Enterprise",
                name_template=demo.NAME_PREFIX + "%SERIAL%",
                group_tag="Sales",
                provisioning_method="autopilot",
            )
            with store.transaction():
                store.save_profile("Contoso laptops", bench.to_json(), now_iso())
        if not store.policy_rows():
            seed_compliance_history(store, actor=actor)
        if not list_packages(store, actor=actor):
            seed_demo_packages(store, Path(path).parent / "demo-packages", actor=actor)
        if operators.first_admin_needed(store):
            admin: Actor | None = None
            for name, role in DEMO_OPERATORS:
                operators.create_operator(store, admin, name, role, Secret(DEMO_PIN))
                if admin is None:
                    admin = Actor(name, role)


def seed_compliance_history(
    store: Store, *, actor: Actor, days: int = 30, seed: int = 11, now: datetime | None = None
) -> None:
    """Policies and a month of check-ins for the demo fleet, with a snapshot each day.

    Baseline applies to every device and Strict also to the Executive group tag (where the
    two disagree, Intune reports a conflict, and so does the demo); the simulator
    writes each day's check-ins with that day's clock, so the trend, the reasons and the
    stale devices on the Fleet screen come from real evaluations, not made-up numbers.
    """
    actor.require(Permission.SEED_DEMO)
    end = now or utcnow()
    start = end - timedelta(days=days)
    import_template(store, "baseline", actor=actor, now=start)
    import_template(store, "strict", actor=actor, now=start)
    assign(store, "Baseline", all_devices=True, actor=actor)
    assign(store, "Strict", group_tags=["Executive"], actor=actor)
    total = store.count_devices()
    for day in range(days + 1):
        moment = start + timedelta(days=day)
        rate = total if day == 0 else max(1, total // 6)  # a sixth of the fleet each day
        simulate_checkins(
            store,
            rate=rate,
            seconds=1,
            seed=seed + day,
            clock=_fixed(moment),
            sleep=_no_sleep,
            actor=actor,
        )
        take_snapshot(store, now=moment, actor=actor)
    reevaluate(store, now=end, actor=actor)
    take_snapshot(store, now=end, actor=actor)


def _fixed(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment


def _no_sleep(_seconds: float) -> None:
    return None


def seed_demo_packages(
    store: Store, folder: Path, *, actor: Actor, today: date | None = None
) -> None:
    """Two builds of a demo bulk-enrollment package, so the Packages screen has a registry.

    The token is a placeholder (no real tenant), the password is generated and discarded:
    the bundles are real, signed and encrypted, but nobody needs to open them.
    """
    day = today or utcnow().date()
    # Bundles of an earlier demo database (deleted to start the demo afresh): a build never
    # replaces a file, and these are only ever the demo's own.
    for stale in folder.glob("Contoso-bench-*.jbundle") if folder.is_dir() else []:
        stale.unlink()
    keys = folder / "signing-key"
    existing = sorted(keys.glob("*.key")) if keys.exists() else []
    private = existing[0] if existing else new_signing_key(keys)[0]
    key = load_signing_key(private)
    package_id = uuid.uuid4()
    for version, issued_days_ago in (("1.0", 170), ("1.1", 20)):
        issued = day - timedelta(days=issued_days_ago)
        spec = PackageSpec(
            info=PackageInfo(
                "Contoso bench",
                version=version,
                rank=1,
                package_id=package_id,
                password=generate_password(),
            ),
            device=DeviceSetup(name_template=demo.NAME_PREFIX + "%SERIAL%"),
            network=Network("Contoso-Bench", key=Secret("demo wifi key " + version)),
            account=BulkToken(
                "Contoso bench " + version,
                Secret("demo-token-not-a-real-bprt"),
                issued + timedelta(days=180),
                issued,
            ),
        )
        build = build_and_record(store, spec, folder, key, today=issued, actor=actor)
    # The bulk-provisioned devices of the demo fleet say which package set them up.
    first = store.devices_page(DeviceQuery(), 0, 400)
    provisioned = [d for d in first if d.provisioning_method == "bulk"]
    for device in provisioned[:40]:
        record_provisioned(store, device.serial, build.id, actor=actor)
