"""The outbox sender: drains the changes waiting for the tenant, oldest first.

Nothing is sent twice after a success. An item is marked `sending` (committed) before its
request leaves; the transaction that records Graph's answer moves it on (`importing`,
`done`, `parked`). An item found `sending` at the start of a drain was interrupted between
sending and recording (a crash, a lost answer): its serial is looked up in the tenant first
(the imported identities, then Autopilot's devices) and it is sent again only when the
tenant has neither.

Uploads: POST .../importedWindowsAutopilotDeviceIdentities/import in batches, then each
imported identity is polled until its deviceImportStatus is complete or error; what is
still importing after the poll budget waits for the next sync. A finished import's record
is then deleted, as Microsoft's WindowsAutopilotIntune module does after every import: an
old record of the serial must not answer for a later upload. Then (beta only)
windowsAutopilotSettings/sync. Group-tag and user changes: updateDeviceProperties.
Compliance policies (behind a setting): POST deviceCompliancePolicies.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.domain import OutboxItem, OutboxKind, OutboxState
from app.errors import Cancelled
from app.store import Store
from app.tenant import shapes
from app.tenant.config import PERMISSIONS, POLICY_PERMISSION
from app.tenant.errors import GraphError, TenantError, TenantRefused, TenantUnreachable
from app.tenant.graph import GraphClient
from app.timeutil import now_iso

log = logging.getLogger(__name__)

AUTOPILOT_PERMISSION = PERMISSIONS[0]
#: Devices per import request (the Intune portal takes CSV files of up to 500 rows).
BATCH = 100
WAITING = (OutboxState.PENDING, OutboxState.SENDING)


@dataclass(frozen=True)
class PollPolicy:
    interval: float = 15.0  # seconds between two polls of the imports in flight
    rounds: int = 8  # polls per sync; the rest is polled at the next sync


@dataclass
class DrainReport:
    uploaded: list[str] = field(default_factory=list)  # serials whose import completed
    failed: list[dict[str, object]] = field(default_factory=list)  # serial, code, reason
    importing: int = 0  # accepted by the tenant, import not finished yet
    updated: int = 0  # group-tag and user changes applied
    policies: int = 0  # compliance policies created
    autopilot_synced: bool = False
    sent: int = 0  # items handled in this drain (for progress)


class Sender:
    def __init__(
        self,
        store: Store,
        graph: GraphClient,
        actor: str,
        *,
        batch: int = BATCH,
        poll: PollPolicy | None = None,
        cancelled: Callable[[], bool] | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        self.store = store
        self.graph = graph
        self.actor = actor
        self.batch = batch
        self.poll = poll or PollPolicy()
        self.cancelled = cancelled or (lambda: False)
        self.progress = progress
        self.report = DrainReport()
        self._finished: list[str] = []  # import records whose outcome is recorded

    def drain(self) -> DrainReport:
        self._total = sum(
            len(self.store.outbox_items([state]))
            for state in (OutboxState.PENDING, OutboxState.SENDING, OutboxState.IMPORTING)
        )
        self._park_damaged()
        self._reconcile_uploads()
        self._send_uploads()
        self._poll_imports()
        self._clean_up_imports()
        if self.report.uploaded:
            self._sync_autopilot()
        self._send_updates()
        self._send_policies()
        return self.report

    # -- uploads -------------------------------------------------------------------------------

    def _reconcile_uploads(self) -> None:
        """Uploads whose fate is unknown: the tenant decides before anything is sent again."""
        unsure = self.store.outbox_items([OutboxState.SENDING], kind=OutboxKind.UPLOAD)
        if not unsure:
            return
        imported = self._imported_by_serial()
        for item in unsure:
            self._check_cancel()
            found = self._upload_among(item, imported.get((item.serial or "").casefold(), []))
            if found is not None:
                log.info("outbox %d: the tenant already has the upload of %s", item.id, item.serial)
                with self.store.transaction():
                    self._record_identity(item, found)
                continue
            autopilot_id = self._autopilot_id(item.serial or "")
            with self.store.transaction():
                if autopilot_id is not None:
                    self._finish(item, "complete", autopilot_id=autopilot_id)
                else:
                    self.store.mark_outbox([item.id], OutboxState.PENDING, now_iso())

    def _park_damaged(self) -> None:
        """Rows changed outside Joinery are parked, each with its reason; the rest is sent
        (one unreadable row stopped every sync)."""
        for item in self.store.outbox_items(WAITING):
            if item.damage is not None:
                self._park(
                    item,
                    None,
                    f"outbox item {item.id} was changed outside Joinery ({item.damage}): drop "
                    f"it (joinery tenant drop {item.id}) and queue the change again",
                )

    def _upload_among(
        self, item: OutboxItem, records: list[shapes.ImportedIdentity]
    ) -> shapes.ImportedIdentity | None:
        """The tenant's record of this item's upload among the serial's: its hash too, and
        one still importing before one finished (an older upload's, left by another tool)."""
        record = self.store.upload_record(item.device_id) if item.device_id else None
        sent_hash = record.hardware_hash if record is not None else None
        mine = [r for r in records if r.is_upload_of(item.serial or "", sent_hash)]
        return next((r for r in mine if not r.done), mine[0] if mine else None)

    def _clean_up_imports(self) -> None:
        """Delete the import records whose outcome is recorded. One the tenant refuses to
        let go of stays (logged); when the tenant cannot be reached the rest stay too, and
        the next look at the import records (`_imported_by_serial`) deletes them."""
        for identity in self._finished:
            try:
                self.graph.delete(f"{shapes.IMPORT_PATH}/{identity}", needs=AUTOPILOT_PERMISSION)
            except GraphError as exc:
                log.warning("import record %s not deleted: %s", identity, exc.reason)
            except TenantError as exc:
                log.warning("import records not deleted now (%s): at the next sync", exc)
                break
        self._finished.clear()

    def _send_uploads(self) -> None:
        while True:
            self._check_cancel()
            items = self.store.outbox_items(
                [OutboxState.PENDING], kind=OutboxKind.UPLOAD, ready_at=now_iso(), limit=self.batch
            )
            if not items:
                return
            ready = self._with_records(items)
            if ready:
                self._send_batch(ready)

    def _with_records(self, items: list[OutboxItem]) -> list[tuple[OutboxItem, Any]]:
        ready = []
        for item in items:
            record = self.store.upload_record(item.device_id) if item.device_id else None
            if record is None or not shapes.check_hash(record.hardware_hash):
                why = "no hardware hash" if record is None else "the hardware hash is not base64"
                self._park(item, None, f"{why}: import the device's hash again, then retry")
                continue
            ready.append((item, record))
        return ready

    def _send_batch(self, ready: list[tuple[OutboxItem, Any]]) -> None:
        ids = [item.id for item, _ in ready]
        self.graph.tokens.token()  # a sign-in failure must not leave items "sending"
        with self.store.transaction():
            self.store.mark_outbox(ids, OutboxState.SENDING, now_iso(), sending=True)
        body = shapes.import_body(record for _, record in ready)
        try:
            answer = self.graph.post(
                f"{shapes.IMPORT_PATH}/import", body, needs=AUTOPILOT_PERMISSION
            )
        except GraphError as exc:
            if exc.status == 400 and len(ready) > 1:
                # A 400 refuses the request whole (nothing was imported): halves find the
                # devices at fault, so one bad hash does not park a hundred good ones. Until
                # each half leaves, its items are waiting, not in doubt.
                with self.store.transaction():
                    self.store.mark_outbox(ids, OutboxState.PENDING, now_iso())
                half = len(ready) // 2
                self._send_batch(ready[:half])
                self._send_batch(ready[half:])
                return
            for item, _ in ready:
                self._park(item, exc.status, exc.reason)
            return
        except (TenantUnreachable, TenantRefused) as exc:
            if not getattr(exc, "maybe_sent", False):  # it never left: waiting again
                with self.store.transaction():
                    self.store.mark_outbox(ids, OutboxState.PENDING, now_iso())
            raise
        values = (answer or {}).get("value")
        found: dict[str, shapes.ImportedIdentity] = {}
        for index, element in enumerate(values if isinstance(values, list) else []):
            identity = shapes.imported_identity(element, f"import answer, element {index + 1}")
            found[identity.serial.casefold()] = identity
        with self.store.transaction():
            for item, record in ready:
                answered = found.get(record.serial.casefold())
                if answered is not None:
                    self._record_identity(item, answered)
                # Not in the answer: stays `sending`, looked up at the next drain.

    def _record_identity(self, item: OutboxItem, identity: shapes.ImportedIdentity) -> None:
        """Graph's answer for one upload, in the caller's transaction."""
        if identity.done:
            self._finish_identity(item, identity)
            return
        at = now_iso()
        self.store.mark_outbox([item.id], OutboxState.IMPORTING, at, remote_id=identity.id)
        if item.device_id is not None:
            self.store.record_import(item.device_id, identity.status, at)

    def _poll_imports(self) -> None:
        for round_ in range(self.poll.rounds):
            items = self.store.outbox_items([OutboxState.IMPORTING], kind=OutboxKind.UPLOAD)
            if not items:
                break
            if self.poll.interval:
                self.graph.sleep(self.poll.interval)
            for item in items:
                self._check_cancel()
                self._poll_one(item, round_)
        self.report.importing = len(
            self.store.outbox_items([OutboxState.IMPORTING], kind=OutboxKind.UPLOAD)
        )

    def _poll_one(self, item: OutboxItem, round_: int) -> None:
        path = f"{shapes.IMPORT_PATH}/{item.remote_id}"
        try:
            answer = self.graph.get(path, needs=AUTOPILOT_PERMISSION)
        except GraphError as exc:
            if exc.status != 404:
                raise
            # The import record is gone (deleted in the portal): the tenant decides again.
            with self.store.transaction():
                self.store.mark_outbox([item.id], OutboxState.SENDING, now_iso())
            return
        identity = shapes.imported_identity(answer, f"imported identity {item.remote_id}")
        if identity.done:
            with self.store.transaction():
                self._finish_identity(item, identity)
        else:
            log.info(
                "outbox %d: %s still %s (poll %d)",
                item.id,
                item.serial,
                identity.status,
                round_ + 1,
            )

    def _finish_identity(self, item: OutboxItem, identity: shapes.ImportedIdentity) -> None:
        self._finished.append(identity.id)
        if identity.status == "complete":
            self._finish(item, "complete", remote_id=identity.id)
        else:
            self._finish(
                item,
                "error",
                remote_id=identity.id,
                code=identity.error_code,
                reason=identity.error_words,
            )

    def _finish(
        self,
        item: OutboxItem,
        outcome: str,
        *,
        remote_id: str | None = None,
        code: int | None = None,
        reason: str | None = None,
        autopilot_id: str | None = None,
    ) -> None:
        """Done: the tenant's final answer and the item's state in one transaction."""
        at = now_iso()
        self.store.mark_outbox(
            [item.id],
            OutboxState.DONE,
            at,
            remote_id=remote_id,
            outcome=outcome,
            code=code,
            reason=reason,
        )
        if item.device_id is not None:
            self.store.record_import(
                item.device_id, outcome, at, code=code, error=reason, autopilot_id=autopilot_id
            )
        self._count()
        if outcome == "complete":
            self.report.uploaded.append(item.serial or "")
        else:
            self.report.failed.append({"serial": item.serial, "code": code, "reason": reason})

    def _sync_autopilot(self) -> None:
        """Ask Autopilot to sync (beta only; 409 is a sync under way, 429 one within the last
        10 minutes: both leave nothing to do)."""
        try:
            self.graph.post(
                shapes.SYNC_PATH,
                None,
                version="beta",
                idempotent=True,
                patient=False,
                needs=AUTOPILOT_PERMISSION,
            )
        except GraphError as exc:
            if exc.status in (409, 429):
                log.info("Autopilot sync not started now: %s", exc.reason)
                return
            log.warning("Autopilot sync refused: %s", exc.reason)
            return
        self.report.autopilot_synced = True

    # -- group-tag and user changes ------------------------------------------------------------

    def _send_updates(self) -> None:
        for item in self.store.outbox_items(WAITING, kind=OutboxKind.UPDATE, ready_at=now_iso()):
            self._check_cancel()
            autopilot_id = None
            if item.device_id is not None:
                autopilot_id = self.store.autopilot_id_of(item.device_id)
            autopilot_id = autopilot_id or self._autopilot_id(item.serial or "")
            if autopilot_id is None:
                self._park(
                    item,
                    None,
                    "the device is not in the tenant's Autopilot: upload "
                    "its hash first, then retry",
                )
                continue
            group_tag = _text(item.payload.get("group_tag"))
            user = _text(item.payload.get("user"))
            body = {"groupTag": group_tag or "", "userPrincipalName": user or ""}
            if not user:
                body.pop("userPrincipalName")
            with self.store.transaction():
                self.store.mark_outbox([item.id], OutboxState.SENDING, now_iso(), sending=True)
            path = f"{shapes.AUTOPILOT_PATH}/{autopilot_id}"
            try:
                self.graph.post(
                    f"{path}/updateDeviceProperties",
                    body,
                    idempotent=True,
                    needs=AUTOPILOT_PERMISSION,
                )
                if not user and item.payload.get("clear_user"):
                    self.graph.post(
                        f"{path}/unassignUserFromDevice",
                        None,
                        idempotent=True,
                        needs=AUTOPILOT_PERMISSION,
                    )
            except GraphError as exc:
                self._park(item, exc.status, exc.reason)
                continue
            with self.store.transaction():
                self.store.mark_outbox(
                    [item.id],
                    OutboxState.DONE,
                    now_iso(),
                    remote_id=autopilot_id,
                    outcome="updated",
                )
                if item.device_id is not None:
                    self.store.record_autopilot_fields(item.device_id, group_tag, user)
            self.report.updated += 1
            self._count()

    # -- compliance policies -------------------------------------------------------------------

    def _send_policies(self) -> None:
        for item in self.store.outbox_items(WAITING, kind=OutboxKind.POLICY, ready_at=now_iso()):
            self._check_cancel()
            body = item.payload.get("body")
            name = str(item.payload.get("name") or "")
            if item.state == OutboxState.SENDING:
                existing = self._policy_id(name)
                if existing is not None:
                    with self.store.transaction():
                        self.store.mark_outbox(
                            [item.id],
                            OutboxState.DONE,
                            now_iso(),
                            remote_id=existing,
                            outcome="created",
                        )
                    self.report.policies += 1
                    continue
            if not isinstance(body, dict):
                self._park(item, None, "the queued policy has no body: queue it again")
                continue
            with self.store.transaction():
                self.store.mark_outbox([item.id], OutboxState.SENDING, now_iso(), sending=True)
            try:
                answer = self.graph.post(shapes.POLICIES_PATH, body, needs=POLICY_PERMISSION)
            except GraphError as exc:
                self._park(item, exc.status, exc.reason)
                continue
            remote = _text((answer or {}).get("id"))
            with self.store.transaction():
                self.store.mark_outbox(
                    [item.id], OutboxState.DONE, now_iso(), remote_id=remote, outcome="created"
                )
            self.report.policies += 1
            self._count()

    # -- lookups -------------------------------------------------------------------------------

    def _imported_by_serial(self) -> dict[str, list[shapes.ImportedIdentity]]:
        """The tenant's import records still in doubt, by serial (they are few). A record of
        an upload whose outcome is recorded (its deletion missed by a sync that stopped
        early) answers for nothing: it is deleted at the end of this drain."""
        finished = self.store.finished_import_ids()
        found: dict[str, list[shapes.ImportedIdentity]] = {}
        pages = self.graph.pages(shapes.IMPORT_PATH, needs=AUTOPILOT_PERMISSION)
        for number, page in enumerate(pages, start=1):
            for index, element in enumerate(page):
                where = f"imported identities page {number}, element {index + 1}"
                identity = shapes.imported_identity(element, where)
                if identity.id in finished:
                    self._finished.append(identity.id)
                    continue
                found.setdefault(identity.serial.casefold(), []).append(identity)
        return found

    def _autopilot_id(self, serial: str) -> str | None:
        """The Autopilot device with exactly this serial, or None. The filter is the one
        Microsoft's WindowsAutopilotIntune module uses (contains); the match is exact here."""
        if not serial:
            return None
        quoted = serial.replace("'", "''")
        params = {"$filter": f"contains(serialNumber,'{quoted}')"}
        pages = self.graph.pages(shapes.AUTOPILOT_PATH, params, needs=AUTOPILOT_PERMISSION)
        for number, page in enumerate(pages, start=1):
            rows, _ = shapes.autopilot_rows(page, number)
            for row in rows:
                if row[0].casefold() == serial.casefold():
                    return row[1]
        return None

    def _policy_id(self, name: str) -> str | None:
        for page in self.graph.pages(shapes.POLICIES_PATH, needs=POLICY_PERMISSION):
            for element in page:
                if isinstance(element, dict) and element.get("displayName") == name:
                    return _text(element.get("id"))
        return None

    # -- bookkeeping ---------------------------------------------------------------------------

    def _park(self, item: OutboxItem, status: int | None, reason: str) -> None:
        with self.store.transaction():
            self.store.mark_outbox(
                [item.id], OutboxState.PARKED, now_iso(), code=status, reason=reason
            )
        log.warning("outbox %d (%s %s) parked: %s", item.id, item.kind, item.serial, reason)
        self.report.failed.append({"serial": item.serial, "code": status, "reason": reason})
        self._count()

    def _count(self) -> None:
        self.report.sent += 1
        if self.progress is not None:
            self.progress(self.report.sent, max(self._total, self.report.sent))

    def _check_cancel(self) -> None:
        if self.cancelled():
            raise Cancelled(
                "Sync cancelled: every answer the tenant gave is recorded; the rest of the "
                "outbox waits for the next sync."
            )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
