"""Kiosk operators as the front ends use them: signing in, the first admin, and an admin's
work on the others (add, new PIN, disable, list). The accounts, their PIN hashes and the
back-off live in app.security.operators; these check who acts and pass on."""

from __future__ import annotations

from app.security import operators as accounts
from app.security.operators import Operator, OperatorStatus, SignInFailed, pin_problem
from app.security.roles import Actor, Role
from app.security.secret import Secret
from app.store import Store

__all__ = [
    "Operator",
    "OperatorStatus",
    "SignInFailed",
    "create_first_admin",
    "create_operator",
    "first_admin_needed",
    "list_operators",
    "pin_problem",
    "reset_pin",
    "set_operator_disabled",
    "sign_in",
]


def first_admin_needed(store: Store) -> bool:
    """No operator exists yet: the kiosk starts by making its first admin. Asked before
    anyone signs in, so it takes no actor (it says nothing but 'empty or not')."""
    return accounts.first_admin_needed(store)


def create_first_admin(store: Store, name: str, pin: Secret) -> Operator:
    """The kiosk's very first operator, an admin, made by whoever stands at the new kiosk
    (audited under their own name); InputError once any operator exists."""
    return accounts.create_operator(store, None, name, Role.ADMIN, pin)


def sign_in(store: Store, name: str, pin: Secret) -> Actor:
    """The operator's Actor, or SignInFailed (every attempt audited, with the back-off).
    Signing in is how an actor comes to be, so it takes none."""
    return accounts.sign_in(store, name, pin)


def create_operator(store: Store, name: str, role: Role, pin: Secret, *, actor: Actor) -> Operator:
    """Add an operator (admins; the local administrator may make the first one)."""
    return accounts.create_operator(store, actor, name, role, pin)


def reset_pin(store: Store, name: str, pin: Secret, *, actor: Actor) -> None:
    """Give an operator a new PIN (admins)."""
    accounts.reset_pin(store, actor, name, pin)


def set_operator_disabled(store: Store, name: str, disabled: bool, *, actor: Actor) -> None:
    """Disable an operator, or enable them with a clean slate (admins; never oneself, nor
    the last active admin)."""
    accounts.set_disabled(store, actor, name, disabled)


def list_operators(store: Store, *, actor: Actor) -> list[OperatorStatus]:
    """Every operator and where they stand (admins)."""
    return accounts.list_operators(store, actor)
