"""Operator accounts: PINs as Argon2id PHC strings, sign-in with a growing back-off.

The PIN only unlocks the kiosk session; it is never a key to the secrets (an offline attack
on a 6-digit PIN takes hours). Online guessing is what the back-off stops: after 5 failures
each further one doubles the wait, and after 100 the account is disabled until an admin
resets it (NIST SP 800-63B's ceiling).
"""

from __future__ import annotations

import functools
import logging
import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.errors import InputError, JoineryError
from app.security.audit_actions import AuditAction
from app.security.roles import Actor, Permission, Role
from app.security.secret import Secret
from app.store import Store
from app.store.operators import OperatorRow
from app.timeutil import iso, parse_iso, utcnow

log = logging.getLogger(__name__)

#: OWASP's minimum Argon2id cost: PIN guesses are online and rate-limited, and a sign-in
#: must feel instant at the bench (about 40 ms here).
PIN_COST = {"memory_cost": 19456, "iterations": 2, "lanes": 1}
FREE_FAILURES = 5
BACKOFF_START = timedelta(seconds=30)
BACKOFF_MAX = timedelta(minutes=15)
DISABLE_AFTER = 100
#: What sign-in accepts from a stored PIN hash, checked before deriving: the floor is the
#: cost Joinery writes (OWASP's minimum), the ceiling leaves room to raise it while an edited
#: row can cost at most 256 MiB and about a second per attempt (not 2 GiB and 10.8 s).
PIN_BOUNDS = {"m": (19456, 262144), "t": (2, 4), "p": (1, 8)}
_PHC = re.compile(
    r"\$argon2id\$v=19\$m=([0-9]{1,10}),t=([0-9]{1,10}),p=([0-9]{1,10})"
    r"\$[A-Za-z0-9+/]{16,128}\$[A-Za-z0-9+/]{16,128}"
)
NAME_MAX = 64
MISMATCH = "That name and PIN do not match an operator. Check both and try again."


class SignInFailed(JoineryError):
    """Wrong name or PIN, or the account is waiting out a back-off; says how long."""


def pin_problem(pin: str) -> str | None:
    """Why a PIN or password is too weak, or None: 6+ digits, or 8+ characters."""
    if not _is_text(pin):  # never quoted: it is the PIN
        return "it holds bytes that are not text (a garbled PIN): type it again"
    if pin.isascii() and pin.isdigit():  # "²²²²²²".isdigit() is true: 0-9 only
        return None if len(pin) >= 6 else "a numeric PIN needs at least 6 digits"
    if len(pin) < 8:
        return "a password needs at least 8 characters (or use a PIN of 6 or more digits)"
    return None


def _is_text(pin: str) -> bool:
    try:
        pin.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# cryptography loads with the first PIN hashed or checked, not with the sign-in screen.


def hash_pin(pin: Secret) -> str:
    from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

    kdf = Argon2id(salt=os.urandom(16), length=32, ad=None, secret=None, **PIN_COST)
    return kdf.derive_phc_encoded(pin.reveal().encode("utf-8"))


def pin_hash_problem(phc: str) -> str | None:
    """Why a stored PIN hash must not be checked (cost outside PIN_BOUNDS, not Argon2id
    v=19, odd lengths), or None; decided before any derivation runs."""
    match = _PHC.fullmatch(phc)
    if match is None:
        return "a hash that is not Argon2id version 19 in PHC form"
    for key, text in zip(("m", "t", "p"), match.groups(), strict=True):
        low, high = PIN_BOUNDS[key]
        if not low <= int(text) <= high:
            return f"Argon2id {key}={int(text)} (accepted: {low} to {high})"
    return None


def _matches(pin: Secret, phc: str) -> bool:
    # surrogatepass: a PIN read from bytes that are not UTF-8 (JOINERY_PIN) holds lone
    # surrogates; strict encoding would raise an error quoting them. Such a PIN was never
    # stored (pin_problem refuses it), so it simply does not match.
    from cryptography.exceptions import InvalidKey
    from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

    try:
        Argon2id.verify_phc_encoded(pin.reveal().encode("utf-8", "surrogatepass"), phc)
    except InvalidKey:
        return False
    return True


@functools.cache
def _decoy() -> str:
    """A hash to check against when the name is unknown, so both cases take the same time.
    Made on the first sign-in, whatever the name (see `sign_in`), not at import: the kiosk's
    start does not wait for an Argon2 hash (~30 ms)."""
    from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

    return Argon2id(
        salt=b"joinery-decoy-16", length=32, ad=None, secret=None, **PIN_COST
    ).derive_phc_encoded(b"not-a-pin")


@dataclass(frozen=True)
class Operator:
    name: str
    role: Role


@dataclass(frozen=True)
class OperatorStatus:
    """An operator as an admin sees them in a list: no PIN hash, just where they stand."""

    name: str
    role: Role
    disabled: bool
    failures: int
    locked_until: str | None  # ISO 8601, while a back-off runs

    def state(self, now: datetime | None = None) -> str:
        """'disabled', 'locked until <time>' or 'active'."""
        if self.disabled:
            return "disabled"
        if self.locked_until and parse_iso(self.locked_until) > (now or utcnow()):
            return f"locked until {self.locked_until.replace('T', ' ').removesuffix('Z')} UTC"
        return "active"


def first_admin_needed(store: Store) -> bool:
    return store.count_operators() == 0


def create_operator(
    store: Store, actor: Actor | None, name: str, role: Role, pin: Secret
) -> Operator:
    """Add an operator. Only an admin may, except the very first one, who must be an admin."""
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise InputError(f"an operator name is 1 to {NAME_MAX} characters")
    if problem := pin_problem(pin.reveal()):
        raise InputError(f"the PIN for {name} is too weak: {problem}")
    secret_hash = hash_pin(pin)  # before the write lock: hashing takes tens of milliseconds
    with store.transaction():
        if store.count_operators() == 0:
            if role is not Role.ADMIN:
                raise InputError("the first operator must be an admin")
            who = actor.audit_name if actor else name
        else:
            if actor is None:
                raise InputError("only a signed-in admin can add operators")
            actor.require(Permission.MANAGE_OPERATORS)
            who = actor.audit_name
        if store.operator(name) is not None:
            raise InputError(f"an operator called {name} already exists")
        store.insert_operator(name, role.value, secret_hash, iso(utcnow()))
        store.forget_stranger(name)
        store.append_audit(who, AuditAction.OPERATOR_CREATE, name, {"role": role.value})
    return Operator(name, role)


def sign_in(store: Store, name: str, pin: Secret, *, now: datetime | None = None) -> Actor:
    """The operator's Actor, or SignInFailed; every attempt is audited.

    The attempt is counted (in the database, under the write lock) before the PIN is
    checked, so parallel guesses each see the ones before them and the back-off holds. A
    name that is no operator is counted and answered exactly like one that is, with the
    same hashing work, so the answers do not tell which names exist.
    """
    moment = now or utcnow()
    decoy = _decoy()  # before the look-up: the first attempt pays for it with any name
    typed = name.strip()
    if not typed or len(typed) > NAME_MAX:  # no operator can have such a name
        details: dict[str, object] = {"name_length": len(typed)}
        _audit(store, typed[:NAME_MAX] or "?", AuditAction.OPERATOR_SIGN_IN_FAILED, details)
        raise SignInFailed(MISMATCH)
    row, counted = _count_attempt(store, typed, moment)
    phc = row.secret_hash if row is not None else decoy
    if problem := pin_hash_problem(phc):
        _audit(store, typed, AuditAction.OPERATOR_SIGN_IN_REFUSED, {"damaged_record": problem})
        raise SignInFailed(
            f"The stored PIN record of {typed} asks for {problem}, outside what Joinery "
            "accepts, so it was refused without checking the PIN: the record was altered or "
            "damaged. Ask an admin to reset the PIN."
        )
    if not (_matches(pin, phc) and row is not None):
        _audit(store, typed, AuditAction.OPERATOR_SIGN_IN_FAILED, counted)
        raise SignInFailed(MISMATCH)
    with store.transaction():
        store.set_operator_attempts(row.id, 0, None, False, iso(moment))
        store.append_audit(row.name, AuditAction.OPERATOR_SIGN_IN, row.name, {"role": row.role})
    return Actor(row.name, Role(row.role))


def _count_attempt(
    store: Store, typed: str, moment: datetime
) -> tuple[OperatorRow | None, dict[str, object]]:
    """Count this attempt as a failure before the PIN is checked (a success clears it);
    SignInFailed, audited, while the name waits out a back-off or is disabled."""
    refusal: SignInFailed | None = None
    with store.transaction():
        row = store.operator(typed)
        if row is not None:
            failures, locked, disabled = row.failures, row.locked_until, row.disabled
        else:
            failures, locked, disabled = store.stranger_attempts(typed)
        if locked and parse_iso(locked) > moment:
            wait = int((parse_iso(locked) - moment).total_seconds()) + 1
            store.append_audit(
                typed, AuditAction.OPERATOR_SIGN_IN_REFUSED, typed, {"wait_seconds": wait}
            )
            refusal = SignInFailed(f"Too many wrong PINs for {typed}: try again in {wait} seconds.")
        elif disabled:
            store.append_audit(
                typed, AuditAction.OPERATOR_SIGN_IN_REFUSED, typed, {"disabled": True}
            )
            # One answer whoever disabled it (an admin, or too many wrong PINs), so a
            # disabled name tells no more than an unknown one does.
            refusal = SignInFailed(
                f"{typed} is disabled: ask an admin to enable the account or reset its PIN."
            )
        else:
            failures += 1
            counted: dict[str, object] = {"failures": failures}
            locked = None
            if failures >= FREE_FAILURES:
                doublings = min(failures - FREE_FAILURES, 16)  # past the cap already
                locked = iso(moment + min(BACKOFF_START * 2**doublings, BACKOFF_MAX))
                counted["locked_until"] = locked
            disabled = failures >= DISABLE_AFTER
            counted["disabled"] = disabled
            if row is not None:
                store.set_operator_attempts(row.id, failures, locked, disabled, iso(moment))
            else:
                store.set_stranger_attempts(typed, failures, locked, disabled, iso(moment))
    if refusal is not None:
        raise refusal  # outside the transaction: the refusal's audit entry stays
    return row, counted


def _audit(store: Store, name: str, action: AuditAction, details: dict[str, object]) -> None:
    with store.transaction():
        store.append_audit(name, action, name, details)


def reset_pin(store: Store, actor: Actor, name: str, pin: Secret) -> None:
    actor.require(Permission.MANAGE_OPERATORS)
    if problem := pin_problem(pin.reveal()):
        raise InputError(f"the new PIN is too weak: {problem}")
    secret_hash = hash_pin(pin)
    with store.transaction():
        row = store.operator(name)
        if row is None:
            raise InputError(f"there is no operator called {name}")
        store.set_operator_secret(row.id, secret_hash, iso(utcnow()))
        store.append_audit(actor.audit_name, AuditAction.OPERATOR_RESET_PIN, row.name)


def list_operators(store: Store, actor: Actor) -> list[OperatorStatus]:
    """Every operator, by name; admins only."""
    actor.require(Permission.MANAGE_OPERATORS)
    return [
        OperatorStatus(r.name, Role(r.role), r.disabled, r.failures, r.locked_until)
        for r in store.operators()
    ]


def set_disabled(store: Store, actor: Actor, name: str, disabled: bool) -> None:
    """Disable an operator (they can no longer sign in), or enable them again with a clean
    slate of failures. An admin cannot disable themselves, nor the last active admin."""
    actor.require(Permission.MANAGE_OPERATORS)
    with store.transaction():
        row = store.operator(name)
        if row is None:
            raise InputError(f"there is no operator called {name}")
        if disabled and row.name.casefold() == actor.name.casefold() and not actor.local_admin:
            raise InputError(
                f"{row.name} is signed in here and cannot disable their own account: "
                "another admin can."
            )
        last_admin = row.role == Role.ADMIN and store.count_operators(Role.ADMIN.value) <= 1
        if disabled and not row.disabled and last_admin:
            raise InputError(
                f"{row.name} is the last active admin: add or enable another admin first, "
                "or nobody could manage this kiosk."
            )
        if row.disabled == disabled:
            return  # already so: nothing to write or audit
        moment = iso(utcnow())
        if disabled:
            store.set_operator_attempts(row.id, row.failures, row.locked_until, True, moment)
        else:
            store.set_operator_attempts(row.id, 0, None, False, moment)
        details: dict[str, object] = {"role": row.role}
        if disabled:
            store.append_audit(actor.audit_name, AuditAction.OPERATOR_DISABLE, row.name, details)
        else:
            store.append_audit(actor.audit_name, AuditAction.OPERATOR_ENABLE, row.name, details)
