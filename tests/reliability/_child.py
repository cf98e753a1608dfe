"""Child process for the crash and concurrency tests (run as a script, never collected).

    _child.py import DB FILE...      one import_autopilot call: all rows or none
    _child.py per-file DB FILE...    the defect on purpose: one committed import per file
    _child.py audit DB N NAME [MS]   N write transactions, each appending one audit entry,
                                     with a random pause of up to MS ms between them

Each mode prints "ready" once the store is open and before the first write; "audit" then
waits for a line on stdin so that two writers start together. "import" prints "committed"
as soon as import_autopilot has returned (the point where a UI would say "saved"), before
closing the store. "done" means the child got to the end.
"""

from __future__ import annotations

import random
import sys
import time

from app import services
from app.store import Store
from tests.helpers.actors import ADMIN


def main(argv: list[str]) -> int:
    mode, db = argv[0], argv[1]
    store = Store.open(db)
    print("ready", flush=True)
    if mode == "import":
        services.import_autopilot(store, argv[2:], actor=ADMIN)
        print("committed", flush=True)
    elif mode == "per-file":
        for path in argv[2:]:
            services.import_autopilot(store, [path], actor=ADMIN)
    elif mode == "audit":
        count, name = int(argv[2]), argv[3]
        pause = float(argv[4]) / 1000 if len(argv) > 4 else 0.0
        sys.stdin.readline()
        longest = 0.0
        for index in range(count):
            asked = time.perf_counter()
            with store.transaction():
                longest = max(longest, time.perf_counter() - asked)
                store.append_audit(name, "test.write", None, {"n": index})
            if pause:
                time.sleep(random.uniform(0, pause))
        print(f"longest wait {longest * 1000:.0f} ms", flush=True)
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    store.close()
    print("done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
