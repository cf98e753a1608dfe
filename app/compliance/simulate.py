"""A live check-in simulator for the demo: devices drift, and their reports stream in.

Believable drift: BitLocker goes off after a repair (and is turned back on later), a Windows
update lands, Defender signatures age and refresh, and now and then a laptop goes silent for
good. Check-ins go through `record_checkins`, so states, history and counters move exactly as
they would with real reports. The same seed and clock give the same check-ins.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from app.compliance.facts import DeviceFacts, FactSource
from app.compliance.versions import version_key
from app.demo import BUILDS
from app.timeutil import iso

#: Chance per check-in of each drift.
P_REPAIR = 0.02  # a repair shop swapped the board: BitLocker suspended/off
P_REENCRYPT = 0.3  # a device with BitLocker off gets it back
P_UPDATE = 0.05  # a newer Windows build lands
P_SILENT = 0.003  # the laptop goes into a drawer and never reports again
NEWEST_DEFENDER = "4.18.25010.11"


@dataclass
class Drift:
    """What happened during a run, for the caller to show."""

    checkins: int = 0
    repairs: int = 0
    updates: int = 0
    silenced: set[int] = field(default_factory=set)


def first_facts(serial: str, os_version: str | None, at: str, rng: random.Random) -> DeviceFacts:
    """A device's first report: mostly healthy, with the odd realistic gap."""
    tpm = rng.choices(("2.0", "1.2", ""), weights=(95, 4, 1))[0]
    encrypted = rng.random() > 0.03
    return DeviceFacts(
        serial=serial,
        reported_at=at,
        source=FactSource.SIMULATOR,
        os_version=os_version or "10.0.22631.4602",
        bitlocker_enabled=encrypted,
        storage_encrypted=encrypted,
        tpm_version=tpm,
        secure_boot_enabled=rng.random() > 0.02,
        code_integrity_enabled=True,
        vbs_enabled=rng.random() > 0.2,
        memory_integrity_enabled=rng.random() > 0.3,
        kernel_dma_protection_enabled=rng.random() > 0.25,
        firmware_protection_enabled=rng.random() > 0.4,
        early_launch_antimalware_enabled=True,
        defender_enabled=True,
        rtp_enabled=rng.random() > 0.01,
        defender_version=NEWEST_DEFENDER,
        signature_age_days=rng.choice((0, 0, 1, 2)),
        antivirus_registered=True,
        antispyware_registered=True,
        firewall_enabled=rng.random() > 0.01,
        password_required=True,
        password_minimum_length=rng.choice((8, 8, 12, 14)),
        password_expiration_days=rng.choice((0, 90, 365)),
        password_history_count=rng.choice((0, 5, 24)),
    )


def drift(facts: DeviceFacts, at: str, rng: random.Random, report: Drift) -> DeviceFacts:
    """The next report of a device, one check-in later."""
    changes: dict[str, Any] = {"reported_at": at, "source": FactSource.SIMULATOR}
    if facts.bitlocker_enabled and rng.random() < P_REPAIR:
        changes.update(bitlocker_enabled=False, storage_encrypted=False)
        report.repairs += 1
    elif facts.bitlocker_enabled is False and rng.random() < P_REENCRYPT:
        changes.update(bitlocker_enabled=True, storage_encrypted=True)
    if rng.random() < P_UPDATE:
        newer = [
            b for b, _ in BUILDS if (version_key(b) or "") > (version_key(facts.os_version) or "")
        ]
        if newer:
            changes["os_version"] = newer[0]
            report.updates += 1
    age = facts.signature_age_days or 0
    changes["signature_age_days"] = 0 if rng.random() < 0.7 else age + 1
    return replace(facts, **changes)


def run(
    write: Callable[[list[DeviceFacts], datetime], None],
    pick: Callable[[random.Random, str], DeviceFacts | None],
    *,
    rate: float,
    seconds: float,
    seed: int = 7,
    clock: Callable[[], datetime],
    sleep: Callable[[float], None] = time.sleep,
    tick: float = 1.0,
) -> Drift:
    """Write about `rate` check-ins a second for `seconds`, one batch per `tick` seconds.

    `pick(rng, at)` returns the next report (a drifted device), or None for a silent one;
    `write(batch, now)` records a batch. Clock and sleep are injected for tests.
    """
    rng = random.Random(seed)
    report = Drift()
    ticks = max(1, round(seconds / tick))
    owed = 0.0
    for _ in range(ticks):
        started = clock()
        at = iso(started)
        owed += rate * tick
        batch = [f for f in (pick(rng, at) for _ in range(int(owed))) if f is not None]
        owed -= int(owed)
        if batch:
            write(batch, started)
            report.checkins += len(batch)
        spent = (clock() - started).total_seconds()
        sleep(max(0.0, tick - spent))
    return report
