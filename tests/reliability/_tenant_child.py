"""Child process for the tenant crash test (run as a script, never collected).

    _tenant_child.py DB     one sync_once against the tenant the parent serves

Prints "ready" once the store is open; the parent SIGKILLs it while the tenant holds an
answer back, then checks that the next sync sends nothing twice.
"""

from __future__ import annotations

import sys

from app import services
from app.services.tenant_sync import SyncOptions
from app.store import Store
from app.tenant.sender import PollPolicy
from tests.helpers.actors import ADMIN


def main(argv: list[str]) -> int:
    store = Store.open(argv[0])
    print("ready", flush=True)
    services.sync_once(
        store, options=SyncOptions(poll=PollPolicy(interval=0.0, rounds=3)), actor=ADMIN
    )
    print("done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
