"""Opening the secrets vault from a front end: is a passphrase needed, and checking one.

Where the OS has no keyring, the vault's key is derived from an admin passphrase. The kiosk
asks for it when the vault is first needed; `open_vault` checks it (deriving the key takes a
moment: call it off the GUI thread) and remembers it in this process only, so the other
services open the vault without asking again until the kiosk closes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from app.security import keys
from app.security.audit_actions import AuditAction
from app.security.roles import Actor, Permission
from app.security.secret import Secret
from app.security.vault import (
    PASSPHRASE_ENV,
    Vault,
    WrongPassphrase,
    remember_passphrase,
    remembered_passphrase,
)
from app.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VaultState:
    """Where the vault stands on this computer, read without deriving any key."""

    exists: bool  # a data key has been made (the first secret was stored)
    method: str | None  # "keyring" or "passphrase" once it exists
    keyring: bool  # a usable OS keyring is present
    passphrase_given: bool  # given in this process (or, headless, in the environment)

    @property
    def needs_passphrase(self) -> bool:
        """Opening the vault now would fail for want of the admin passphrase."""
        if self.passphrase_given:
            return False
        if self.exists:
            return self.method == "passphrase"
        return not self.keyring

    @property
    def creating(self) -> bool:
        """The passphrase asked for would be a new one (the vault does not exist yet)."""
        return not self.exists


def vault_state(store: Store, *, actor: Actor) -> VaultState:
    """Asked by anyone signed in: whether to offer the passphrase is no secret."""
    actor.require(Permission.VIEW)
    row = store.active_vault_key()
    given = remembered_passphrase(store) or Secret.from_env(PASSPHRASE_ENV)
    return VaultState(
        exists=row is not None,
        method=row[2] if row is not None else None,
        keyring=keys.keyring_usable(),
        passphrase_given=bool(given),
    )


def open_vault(store: Store, actor: Actor, passphrase: Secret) -> VaultState:
    """Check `passphrase` against the vault (creating the vault with it when there is none)
    and remember it for this process. Setting a new passphrase is an admin's job; entering
    the existing one is not tied to a role: knowing it is the authority. Audited either way.

    Raises WrongPassphrase (beside the field), InputError (too short), PermissionDenied.
    """
    state = vault_state(store, actor=actor)
    if not state.needs_passphrase:
        return state  # the keyring (or an earlier entry) already opens it: nothing to keep
    if state.creating:
        actor.require(Permission.CHANGE_SETTINGS)
        with store.transaction():
            # The new key and its audit entry land together (unlock's own write nests).
            Vault.unlock(store, passphrase=passphrase).lock()
            store.append_audit(
                actor.audit_name,
                AuditAction.VAULT_CREATE,
                "secrets vault",
                {"method": "passphrase"},
            )
    else:
        try:
            Vault.unlock(store, passphrase=passphrase).lock()
        except WrongPassphrase:
            with store.transaction():
                store.append_audit(
                    actor.audit_name, AuditAction.VAULT_UNLOCK_REFUSED, "secrets vault"
                )
            raise
        with store.transaction():
            store.append_audit(actor.audit_name, AuditAction.VAULT_UNLOCK, "secrets vault")
    remember_passphrase(store, passphrase)
    log.info("vault of %s: admin passphrase accepted for this session", store.path)
    return vault_state(store, actor=actor)
