"""One fuzz run in a process of its own (never collected by pytest):

    python -m tests.fuzz.child TARGET SEED START COUNT WORK

prints one JSON line when each input starts and one when it ends (its status, the exit
status of the last command, the process's peak RSS so far, the seconds it took), so the
parent can tell a crash, a hang (no end line) and a memory blow-up apart, and name the
input: (TARGET, SEED, index) regenerates it.
"""

from __future__ import annotations

import gc
import json
import os
import random
import resource
import sys
import time
import traceback
from pathlib import Path

ADDRESS_SPACE = 6 * 2**30  # a safety net for the machine; the limit tested is on RSS


def peak_kib() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def reset_peak() -> None:
    """Start the peak RSS again from the current RSS (Linux: clear_refs, 5)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")
    except OSError:
        pass  # elsewhere the peak includes generating inputs: stricter, never looser


def say(**event: object) -> None:
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


def main(argv: list[str]) -> int:
    name, seed, start, count, work = argv[0], int(argv[1]), int(argv[2]), int(argv[3]), argv[4]
    os.environ["JOINERY_DATA_DIR"] = str(Path(work) / "data")
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    if hasattr(resource, "RLIMIT_AS"):
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
    import logging

    logging.disable(logging.WARNING)  # refusals log warnings by design; keep stderr small

    from tests.fuzz.targets import TARGETS, Crash, cheap_kdf, prepare

    cheap_kdf()
    target = TARGETS[name]
    context = prepare(Path(work) / "ctx", devices=target.devices)
    say(event="ready")
    for index in range(start, start + count):
        say(event="generating", i=index)
        try:
            data = target.generate(random.Random(f"{name}:{seed}:{index}"))
        except Exception:  # noqa: BLE001 - the generator's own failure, reported as one
            say(event="done", i=index, status="harness", code=-1, rss_kib=peak_kib(),
                seconds=0, detail=traceback.format_exc())  # fmt: skip
            continue
        gc.collect()
        reset_peak()  # what the generator used is not the parser's
        say(event="start", i=index, size=len(data))
        started = time.perf_counter()
        status, detail, code = "ok", "", -1
        try:
            code = target.run(context, data)
        except Crash as crash:
            status, detail = "crash", str(crash)
        except Exception:  # noqa: BLE001 - the harness's own failure, reported as one
            status, detail = "harness", traceback.format_exc()
        say(
            event="done",
            i=index,
            status=status,
            code=code,
            rss_kib=peak_kib(),
            seconds=round(time.perf_counter() - started, 4),
            detail=detail[-6000:],
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
