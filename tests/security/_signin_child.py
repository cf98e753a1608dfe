"""One sign-in attempt in its own process, for the parallel-guessing attack (never collected).

_signin_child.py DB NAME PIN     prints "ready", waits for a line on stdin, then tries once
                                 and prints "checked=N outcome=OUTCOME" (N: how many PIN
                                 hashes this process verified; OUTCOME: ok, mismatch, wait)
"""

from __future__ import annotations

import sys

from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from app.security import operators
from app.security.secret import Secret
from app.store import Store

checked = 0
_verify = Argon2id.verify_phc_encoded


def counting(key_material: bytes, phc_encoded: str, secret: bytes | None = None) -> None:
    global checked
    checked += 1
    _verify(key_material, phc_encoded, secret)


def main(db: str, name: str, pin: str) -> None:
    Argon2id.verify_phc_encoded = staticmethod(counting)  # type: ignore[method-assign]
    store = Store.open(db)
    print("ready", flush=True)
    sys.stdin.readline()
    try:
        operators.sign_in(store, name, Secret(pin))
        outcome = "ok"
    except operators.SignInFailed as exc:
        outcome = "wait" if "try again in" in str(exc) else "mismatch"
    store.close()
    print(f"checked={checked} outcome={outcome}", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:4])
