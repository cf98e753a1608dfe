"""The tenant from the kiosk and the CLI: connect, status, queue uploads, the outbox's parked
items, what the tenant says of one device. Syncing is in `tenant_sync`.

Every change for the tenant is written to the outbox in the transaction of the local change
(`queue_uploads`, `queue_device_change` inside an enrollment), so the bench keeps working
offline and nothing is lost between a change and its sync.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import requests

from app import settings
from app.compliance import policy as pol
from app.domain import (
    OUTBOX_WAITING,
    Device,
    OutboxItem,
    OutboxKind,
    OutboxState,
    TenantFacts,
)
from app.errors import InputError
from app.security.audit_actions import AuditAction
from app.security.roles import Actor, Permission
from app.security.vault import Vault
from app.services.compliance import policies
from app.services.tenant_view import TenantStatus
from app.store import Store
from app.tenant import network
from app.tenant.auth import TokenSource
from app.tenant.config import AuthKind, TenantConfig
from app.tenant.credentials import Credential
from app.tenant.errors import TenantNotConnected
from app.timeutil import now_iso

log = logging.getLogger(__name__)

#: Where the vault binds the tenant's secrets (table, column, row).
SEALED_ROW = 1


# -- status ------------------------------------------------------------------------------------


def tenant_status(store: Store, *, actor: Actor) -> TenantStatus:
    actor.require(Permission.VIEW)
    counts = store.outbox_counts()
    outbox = {
        "pending": sum(counts.get(str(state), 0) for state in OUTBOX_WAITING),
        "parked": counts.get(OutboxState.PARKED, 0),
        "done": counts.get(OutboxState.DONE, 0),
    }
    parked = tuple(store.outbox_items([OutboxState.PARKED]))
    row = store.tenant_connection()
    if row is None:
        return TenantStatus(
            False, None, None, None, None, None, None, outbox, parked, None, None, None
        )
    return TenantStatus(
        True,
        row.tenant_id,
        row.client_id,
        row.auth,
        row.authority_host,
        row.graph_url,
        row.account,
        outbox,
        parked,
        row.last_sync,
        row.offline_since,
        row.last_error,
    )


# -- connect ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConnectRequest:
    tenant_id: str
    client_id: str
    credential: Credential | None  # None with device_code
    authority_host: str | None = None
    graph_url: str | None = None
    device_code: bool = False


def connect_tenant(
    store: Store,
    request: ConnectRequest,
    *,
    actor: Actor,
    show: Callable[[str], None] | None = None,
    session: requests.Session | None = None,
) -> TenantStatus:
    """Check the settings by getting a token (MSAL), then store them, the secret and the
    token cache sealed, with an audit entry, in one transaction. Nothing is stored when the
    token cannot be had. `show` gets the device-code message (a URL and a code)."""
    who = actor
    who.require(Permission.CHANGE_SETTINGS)
    if request.device_code:
        kind = AuthKind.DEVICE_CODE
    elif request.credential is None:
        raise InputError("give --client-secret-file, --certificate-file or --device-code")
    else:
        kind = request.credential.kind
    config = TenantConfig.checked(
        request.tenant_id, request.client_id, kind, request.authority_host, request.graph_url
    )
    vault = Vault.unlock(store)  # first: a bench that cannot seal must not ask anyone to sign in
    try:
        tokens = TokenSource(config, request.credential, None, session or network.session())
        if kind is AuthKind.DEVICE_CODE:
            tokens.sign_in_with_device_code(show or (lambda message: log.warning("%s", message)))
        else:
            tokens.token()
        at = now_iso()
        credential = request.credential
        with store.transaction():
            store.save_tenant_connection(
                {
                    "tenant_id": config.tenant_id,
                    "client_id": config.client_id,
                    "auth": str(kind),
                    "authority_host": config.authority_host,
                    "graph_url": config.graph_url,
                    "credential": _sealed(vault, "credential", credential),
                    "token_cache": vault.seal(
                        "tenant_connection", "token_cache", SEALED_ROW, tokens.cache_secret()
                    ),
                    "account": tokens.account,
                    "connected_at": at,
                    "connected_by": who.audit_name,
                    "last_attempt": at,
                }
            )
            store.append_audit(
                who.audit_name,
                AuditAction.TENANT_CONNECT,
                config.tenant_id,
                {
                    "client_id": config.client_id,
                    "auth": str(kind),
                    "authority_host": config.authority_host,
                    "graph_url": config.graph_url,
                    "certificate_thumbprint": credential.thumbprint() if credential else None,
                    "account": tokens.account,
                },
            )
    finally:
        vault.lock()
    return tenant_status(store, actor=actor)


def _sealed(vault: Vault, column: str, credential: Credential | None) -> str | None:
    if credential is None:
        return None
    return vault.seal("tenant_connection", column, SEALED_ROW, credential.secret)


def _tenant_config(store: Store) -> TenantConfig:
    row = store.tenant_connection()
    if row is None:
        raise TenantNotConnected()
    return TenantConfig(
        row.tenant_id, row.client_id, AuthKind(row.auth), row.authority_host, row.graph_url
    )


# -- queueing -----------------------------------------------------------------------------------


@dataclass
class QueueReport:
    queued: list[str] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)  # serial, reason

    def as_json(self) -> dict[str, object]:
        return {"queued": len(self.queued), "serials": self.queued, "skipped": self.skipped}


def queue_uploads(store: Store, serials: Sequence[str] | None, *, actor: Actor) -> QueueReport:
    """Queue hardware hashes for the tenant's Autopilot, with one audit entry, atomically.
    `serials` None: every device with a hash the tenant does not have yet."""
    who = actor
    who.require(Permission.IMPORT)
    _tenant_config(store)  # refuse before anything piles up for no tenant
    report = QueueReport()
    at = now_iso()
    with store.transaction():
        found = store.upload_candidates(serials)
        known = {serial.casefold() for _, serial, _ in found}
        for serial in serials or ():
            if serial.strip().casefold() not in known:
                report.skipped.append({"serial": serial, "reason": "not in Joinery"})
        for device_id, serial, why_not in found:
            if why_not:
                if serials is not None:
                    report.skipped.append({"serial": serial, "reason": why_not})
                continue
            store.enqueue_outbox(OutboxKind.UPLOAD, device_id, serial, {}, at, who.audit_name)
            report.queued.append(serial)
        if report.queued:
            store.append_audit(
                who.audit_name,
                AuditAction.TENANT_QUEUE,
                None,
                {"kind": str(OutboxKind.UPLOAD), "devices": len(report.queued)},
            )
    return report


def queue_device_change(store: Store, before: Device | None, after: Device, actor: str) -> bool:
    """Inside the caller's transaction: queue a group-tag or user change for a device the
    tenant's Autopilot has (and no upload of it waiting, which carries the new values)."""
    if before is None or store.tenant_connection() is None:
        return False
    facts = store.autopilot_facts(after.id)
    if facts is None or facts.autopilot_id is None:
        return False
    waiting = store.outbox_items(OUTBOX_WAITING, device_id=after.id)
    if any(item.kind == OutboxKind.UPLOAD for item in waiting):
        return False
    # A newer change replaces one that has not left yet, and one parked: it carries every
    # value, and a parked one retried after it would put the older values back. So does a
    # change back to what the tenant has (then nothing is queued).
    parked = store.outbox_items([OutboxState.PARKED], kind=OutboxKind.UPDATE, device_id=after.id)
    store.delete_outbox(
        [i.id for i in waiting if i.kind == OutboxKind.UPDATE and i.state == OutboxState.PENDING]
        + [i.id for i in parked]
    )
    if (after.group_tag or None, after.assigned_user or None) == (
        facts.group_tag,
        facts.user_principal_name,
    ):
        return False
    payload: dict[str, object] = {"group_tag": after.group_tag, "user": after.assigned_user}
    if facts.user_principal_name and not after.assigned_user:
        payload["clear_user"] = True
    store.enqueue_outbox(OutboxKind.UPDATE, after.id, after.serial, payload, now_iso(), actor)
    return True


def queue_policy(store: Store, name: str, *, actor: Actor) -> int:
    """Queue a compliance policy for Intune (the setting tenant_push_policies must be on)."""
    who = actor
    who.require(Permission.MANAGE_POLICIES)
    if not settings.get(store, "tenant_push_policies"):
        raise InputError(
            "pushing compliance policies to the tenant is off: an admin turns on the setting "
            "tenant_push_policies first"
        )
    _tenant_config(store)
    chosen = next(
        (p for p in policies(store, actor=who) if p.display_name.casefold() == name.casefold()),
        None,
    )
    if chosen is None:
        raise InputError(f"there is no compliance policy called {name!r}")
    body = json.loads(pol.to_graph_json(chosen))
    # Required when creating a per-platform policy (Graph: deviceCompliancePolicy,
    # scheduledActionsForRule): block once the policy's grace period has passed.
    body.setdefault(
        "scheduledActionsForRule",
        [
            {
                "ruleName": "PasswordRequired",
                "scheduledActionConfigurations": [
                    {"actionType": "block", "gracePeriodHours": chosen.grace_hours}
                ],
            }
        ],
    )
    with store.transaction():
        item = store.enqueue_outbox(
            OutboxKind.POLICY,
            None,
            None,
            {"name": chosen.display_name, "body": body},
            now_iso(),
            who.audit_name,
        )
        store.append_audit(
            who.audit_name,
            AuditAction.TENANT_QUEUE,
            chosen.display_name,
            {"kind": str(OutboxKind.POLICY)},
        )
    return item


# -- parked items -------------------------------------------------------------------------------


def retry_parked(store: Store, item_ids: Sequence[int] | None, *, actor: Actor) -> int:
    """Send parked items again at the next sync (`item_ids` None: every parked item)."""
    who = actor
    who.require(Permission.MANAGE_OUTBOX)
    with store.transaction():
        chosen = _parked(store, item_ids)
        store.mark_outbox([i.id for i in chosen], OutboxState.PENDING, now_iso())
        for item in chosen:
            store.append_audit(
                who.audit_name,
                AuditAction.TENANT_RETRY,
                item.serial,
                {"item": item.id, "kind": item.kind, "reason": item.reason},
            )
    return len(chosen)


def drop_parked(store: Store, item_ids: Sequence[int], *, actor: Actor) -> int:
    """Forget parked items for good (the change stays in Joinery, not in the tenant)."""
    who = actor
    who.require(Permission.MANAGE_OUTBOX)
    with store.transaction():
        chosen = _parked(store, item_ids)
        store.delete_outbox([i.id for i in chosen])
        for item in chosen:
            store.append_audit(
                who.audit_name,
                AuditAction.TENANT_DROP,
                item.serial,
                {"item": item.id, "kind": item.kind, "reason": item.reason},
            )
    return len(chosen)


def _parked(store: Store, item_ids: Sequence[int] | None) -> list[OutboxItem]:
    parked = store.outbox_items([OutboxState.PARKED])
    if item_ids is None:
        return parked
    by_id = {item.id: item for item in parked}
    missing = [str(i) for i in item_ids if i not in by_id]
    if missing:
        raise InputError(
            f"no parked outbox item {', '.join(missing)} (see `joinery tenant status`)"
        )
    return [by_id[i] for i in item_ids]


# -- one device ---------------------------------------------------------------------------------


def device_tenant_facts(store: Store, device_id: int, *, actor: Actor) -> TenantFacts:
    """What the tenant says of one device ("In Autopilot", "Intune says") and what waits."""
    actor.require(Permission.VIEW)
    return TenantFacts(
        autopilot=store.autopilot_facts(device_id),
        intune=store.intune_facts(device_id),
        waiting=tuple(store.outbox_items(OUTBOX_WAITING, device_id=device_id)),
        parked=tuple(store.outbox_items([OutboxState.PARKED], device_id=device_id)),
    )


def autopilot_profiles(store: Store, *, actor: Actor) -> list[tuple[str, str, str | None, str]]:
    """(id, name, description, read at) of the tenant's Autopilot deployment profiles, as
    last read (the setting tenant_read_profiles)."""
    actor.require(Permission.VIEW)
    return store.tenant_profiles()
