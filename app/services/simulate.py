"""`demo simulate`: believable live check-ins written through record_checkins."""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from app.compliance import simulate
from app.compliance.facts import DeviceFacts, FactSource
from app.security.roles import Actor, Permission
from app.services.compliance import (
    assign,
    assigned_policy_names,
    import_template,
    record_checkins,
    reevaluate,
)
from app.services.fleet import daily_snapshot
from app.store import Store
from app.timeutil import iso, parse_iso, utcnow


def simulate_checkins(
    store: Store,
    *,
    rate: float = 20.0,
    seconds: float = 10.0,
    seed: int = 7,
    clock: Callable[[], datetime] = utcnow,
    sleep: Callable[[float], None] = time.sleep,
    actor: Actor,
) -> simulate.Drift:
    """Write about `rate` check-ins a second for `seconds` (demo data: admins only).

    With no policy assigned yet, the Baseline template is imported and assigned to every
    device first, so the check-ins have something to be judged against.
    """
    actor.require(Permission.SEED_DEMO)
    if not assigned_policy_names(store, actor=actor):
        import_template(store, "baseline", actor=actor, now=clock())
        assign(store, "Baseline", all_devices=True, actor=actor)
        # Every device judged once: the seeded states (made up) give way to real ones.
        reevaluate(store, now=clock(), actor=actor)
    low, high = store.id_range()
    silent: set[int] = set()

    def pick(rng: random.Random, at: str) -> DeviceFacts | None:
        if high < low:
            return None
        device_id = rng.randint(low, high)
        device = store.device(device_id)
        if device is None or device_id in silent or device.enrollment_status == "retired":
            return None
        if device.last_checkin and device.last_checkin < _quiet_before(at):
            silent.add(device_id)  # a device gone quiet for a month stays quiet (stale)
            return None
        if rng.random() < simulate.P_SILENT:
            silent.add(device_id)
            return None
        raw = store.latest_facts(device_id)
        if raw is None:
            return simulate.first_facts(device.serial, device.os_version, at, rng)
        last = DeviceFacts(**{**raw, "source": FactSource(raw["source"])})
        return simulate.drift(last, at, rng, drift)

    def write(batch: list[DeviceFacts], now: datetime) -> None:
        record_checkins(store, batch, actor=actor, now=now, skip_unknown=True)
        daily_snapshot(store, now=now, actor=actor)

    drift = simulate.Drift()
    done = simulate.run(
        write, pick, rate=rate, seconds=seconds, seed=seed, clock=clock, sleep=sleep
    )
    drift.checkins = done.checkins
    drift.silenced = silent
    return drift


#: A device not seen for this long is taken to be gone (in a drawer, lost, replaced).
QUIET_DAYS = 30


@functools.lru_cache(maxsize=64)  # one `at` for a whole batch of picks
def _quiet_before(at: str) -> str:
    return iso(parse_iso(at) - timedelta(days=QUIET_DAYS))
