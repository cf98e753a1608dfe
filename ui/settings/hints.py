"""Sentences other screens show about settings, so they point to the same place."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from app import services
from app.security.roles import Actor, Permission
from app.services import Store
from ui.navigation import shortcut


def no_domain_hint(store: Store, actor: Actor | None) -> str | None:
    """What to do when the tenant's verified domains are not set (no user can be checked
    until they are), addressed to whoever is signed in; None once they are set (or while
    locked: nobody to read them for, nobody to tell)."""
    if actor is None or services.tenant_domains(store, actor=actor):
        return None
    where = shortcut("settings")
    if actor is not None and actor.may(Permission.CHANGE_SETTINGS):
        text = QCoreApplication.translate(
            "settings",
            "No verified domain is set, so no user can be checked: add the tenant's domains "
            "under Settings ({k}), or tick “No user”.",
        )
    else:
        text = QCoreApplication.translate(
            "settings",
            "No verified domain is set, so no user can be checked: an admin adds them under "
            "Settings ({k}). Until then, tick “No user”.",
        )
    return text.format(k=where)


def vault_button_text(creating: bool) -> str:
    """The Settings screen's vault button, with its Alt letter: set a new passphrase
    (`creating`) or enter the one set before."""
    if creating:
        return QCoreApplication.translate("settings", "Set the vault &passphrase…")
    return QCoreApplication.translate("settings", "Enter the vault &passphrase…")


def vault_passphrase_where(creating: bool) -> str:
    """Where an admin sets (`creating`) or enters the vault passphrase, as another screen
    points to it: Settings (Ctrl+7) → Secrets vault → “Set the vault passphrase…”."""
    return QCoreApplication.translate("settings", "Settings ({k}) → Secrets vault → “{b}”").format(
        k=shortcut("settings"), b=vault_button_text(creating).replace("&", "")
    )
