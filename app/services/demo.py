"""The demo fleet: seeding a database, and the kiosk's own --demo database."""

from __future__ import annotations

from pathlib import Path

from app import demo
from app.enrollment import Answers
from app.security import operators
from app.security.roles import Actor, Permission, Role
from app.security.secret import Secret
from app.services.actors import Progress, local_admin
from app.store import Store
from app.timeutil import now_iso


def seed_demo(
    store: Store,
    count: int,
    *,
    seed: int = 7,
    actor: Actor | None = None,
    progress: Progress | None = None,
) -> int:
    """Add a demo fleet (admins only: demo devices mixed into real ones mislead)."""
    (actor or local_admin()).require(Permission.SEED_DEMO)
    return demo.seed(store, count, seed=seed, progress=progress)


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


def prepare_demo_database(path: str | Path, devices: int = 5000) -> None:
    """The kiosk's --demo database: seeded on first use, left as it is after that."""
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
        if operators.first_admin_needed(store):
            admin: Actor | None = None
            for name, role in DEMO_OPERATORS:
                operators.create_operator(store, admin, name, role, Secret(DEMO_PIN))
                if admin is None:
                    admin = Actor(name, role)
