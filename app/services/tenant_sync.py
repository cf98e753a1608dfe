"""One sync with the tenant: drain the outbox, then read Autopilot and Intune.

`sync_once` is a plain job for the kiosk's writer thread (and the CLI): it takes the store
of its own thread, reports progress and stops between steps when `cancelled()` turns true.
What the tenant answered is recorded as it comes; a pull lands whole or not at all.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import requests

from app import settings
from app.compliance.facts import FactSource
from app.domain import EnrollmentStatus, HistoryKind
from app.errors import Cancelled, KnownError
from app.fileutil import held
from app.security.audit_actions import AuditAction
from app.security.roles import Actor, Permission
from app.security.vault import Vault
from app.services import joins
from app.services.actors import CancelCheck, Progress
from app.services.tenant import SEALED_ROW, _tenant_config
from app.store import Store
from app.store.tenant_facts import MergeCounts
from app.tenant import network, pull
from app.tenant.auth import TokenSource
from app.tenant.credentials import Credential
from app.tenant.errors import TenantBusy, TenantError
from app.tenant.graph import GraphClient
from app.tenant.retry import RetryPolicy
from app.tenant.sender import DrainReport, PollPolicy, Sender
from app.timeutil import now_iso

log = logging.getLogger(__name__)

_CONFIRMED = {
    "enrollment_status": [EnrollmentStatus.PREPARED.value, EnrollmentStatus.ENROLLED.value]
}


@dataclass
class SyncReport:
    drain: DrainReport
    autopilot: MergeCounts = field(default_factory=MergeCounts)
    managed: MergeCounts = field(default_factory=MergeCounts)
    profiles: int | None = None  # None: not read (the setting is off)
    skipped: int = 0  # devices the tenant listed without a serial number (or not Windows)

    def as_json(self) -> dict[str, object]:
        """The `tenant sync --json` document (the command contract) and a little more."""
        return {
            "uploaded": len(self.drain.uploaded),
            "failed": self.drain.failed,
            "pulled": {"autopilot": self.autopilot.listed, "managed": self.managed.listed},
            "importing": self.drain.importing,
            "updated": self.drain.updated,
            "policies": self.drain.policies,
            "autopilot_synced": self.drain.autopilot_synced,
            "created": {"autopilot": self.autopilot.created, "managed": self.managed.created},
            "joins_confirmed": self.managed.joins_confirmed,
            "skipped": self.skipped,
            "profiles": self.profiles,
        }


@dataclass(frozen=True)
class SyncOptions:
    """How patient a sync is (tests make it quick; the defaults suit a real tenant)."""

    retry: RetryPolicy = field(default_factory=RetryPolicy)
    poll: PollPolicy = field(default_factory=PollPolicy)
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random | None = None
    session: requests.Session | None = None


def sync_once(
    store: Store,
    actor: Actor,
    progress: Progress | None = None,
    cancelled: CancelCheck | None = None,
    *,
    options: SyncOptions | None = None,
) -> SyncReport:
    """Send the outbox, then read the tenant's Autopilot devices and Intune managed devices.

    Raises TenantNotConnected, TenantUnreachable (the outbox kept as it was, "offline since"
    recorded), TenantRefused (sign-in), TenantBusy (another sync of this database runs: one
    at a time, or both would send the same items), Cancelled; what was answered before stays
    recorded.
    """
    who = actor
    who.require(Permission.SYNC_TENANT)
    opts = options or SyncOptions()
    if str(store.path) == ":memory:":  # a database no other process can open
        return _sync_alone(store, who, progress, cancelled, opts)
    # Named after the file itself: the same database reached by another path is one lock.
    database = Path(store.path).resolve()
    lock = database.with_name(database.name + ".sync.lock")
    with ExitStack() as stack:
        try:
            mine = stack.enter_context(held(lock))
        except OSError as exc:
            raise KnownError(
                f"Cannot take the sync lock {lock}: {exc.strerror or exc}. Check that this "
                "user may write in the database's folder."
            ) from exc
        if not mine:
            raise TenantBusy()
        return _sync_alone(store, who, progress, cancelled, opts)


def _sync_alone(
    store: Store,
    who: Actor,
    progress: Progress | None,
    cancelled: CancelCheck | None,
    opts: SyncOptions,
) -> SyncReport:
    """`sync_once`, the only one running for this database: an item found 'sending' was
    left so by a sync that died, not one still waiting for its answer."""
    config = _tenant_config(store)
    row = store.tenant_connection()
    assert row is not None
    stop = cancelled or (lambda: False)
    vault = Vault.unlock(store)
    try:
        credential = None
        if row.credential:
            secret = vault.unseal("tenant_connection", "credential", SEALED_ROW, row.credential)
            credential = Credential(config.auth, secret)
        cache = None
        if row.token_cache:
            cache = vault.unseal("tenant_connection", "token_cache", SEALED_ROW, row.token_cache)
        session = opts.session or network.session()
        tokens = TokenSource(config, credential, cache, session, account=row.account)
        graph = GraphClient(
            config,
            tokens,
            session,
            policy=opts.retry,
            sleep=_cancellable(opts.sleep, stop),
            rng=opts.rng,
        )
        try:
            report = _sync(store, graph, who, opts, progress, stop)
        except (TenantError, Cancelled) as exc:
            unreached = isinstance(exc, TenantError)
            with store.transaction():
                if unreached:
                    store.record_tenant_contact(now_iso(), error=exc.message, synced=False)
                _keep_cache(store, vault, tokens)
            raise
        with store.transaction():
            store.record_tenant_contact(now_iso(), error=None, synced=True)
            _keep_cache(store, vault, tokens)
            store.append_audit(
                who.audit_name, AuditAction.TENANT_SYNC, config.tenant_id, _audit_details(report)
            )
    finally:
        vault.lock()
    log.info("tenant sync: %s", report.as_json())
    return report


def _sync(
    store: Store,
    graph: GraphClient,
    who: Actor,
    opts: SyncOptions,
    progress: Progress | None,
    stop: CancelCheck,
) -> SyncReport:
    sender = Sender(store, graph, who.audit_name, poll=opts.poll, cancelled=stop, progress=progress)
    report = SyncReport(sender.drain())
    try:
        staged = pull.stage_autopilot(store, graph, cancelled=stop, progress=progress)
        report.skipped += staged.skipped
        with store.transaction():
            report.autopilot = store.merge_autopilot(now_iso(), who.audit_name)
    finally:
        store.drop_staging("autopilot")
    try:
        staged = pull.stage_managed(store, graph, cancelled=stop, progress=progress)
        report.skipped += staged.skipped
        with store.transaction():
            at = now_iso()
            report.managed, confirmed = store.merge_managed(at, who.audit_name)
            report.managed.joins_confirmed = _confirm_joins(store, confirmed, who.audit_name, at)
    finally:
        store.drop_staging("managed")
    if settings.get(store, "tenant_read_profiles"):
        found = pull.profiles(graph)
        with store.transaction():
            store.replace_tenant_profiles(found, now_iso())
        report.profiles = len(found)
    return report


def _confirm_joins(store: Store, confirmed: list[tuple[object, ...]], actor: str, at: str) -> int:
    """Prepared devices Intune manages since the bench: their join is confirmed."""
    if not confirmed:
        return 0
    ids = [int(str(row[0])) for row in confirmed]
    store.set_enrollment_status(ids, EnrollmentStatus.ENROLLED, at)
    evidence = joins.EVIDENCE[FactSource.TENANT]
    store.insert_history(
        (
            int(str(device_id)),
            str(last_sync),
            HistoryKind.JOIN_CONFIRMED,
            int(str(lineage)),
            actor,
            dict(_CONFIRMED),
            f"join confirmed: {evidence}",
        )
        for device_id, lineage, last_sync in confirmed
    )
    return len(ids)


def _keep_cache(store: Store, vault: Vault, tokens: TokenSource) -> None:
    """MSAL's cache, sealed again when it changed (a new token, a refreshed sign-in)."""
    if tokens.cache_changed:
        sealed = vault.seal("tenant_connection", "token_cache", SEALED_ROW, tokens.cache_secret())
        store.set_tenant_token_cache(sealed)


def _audit_details(report: SyncReport) -> dict[str, object]:
    document = report.as_json()
    document["uploaded_serials"] = list(report.drain.uploaded)
    return document


def _cancellable(sleep: Callable[[float], None], stop: CancelCheck) -> Callable[[float], None]:
    """A wait that ends early (Cancelled) when the operator cancels."""

    def wait(seconds: float) -> None:
        left = seconds
        while True:
            if stop():
                raise Cancelled(
                    "Sync cancelled: every answer the tenant gave is recorded; the rest of "
                    "the outbox waits for the next sync."
                )
            if left <= 0:
                return
            step = min(left, 0.25)
            sleep(step)
            left -= step

    return wait
