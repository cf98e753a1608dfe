"""The tenant in a person's words: the kiosk's status line, and per device "In Autopilot" and
"Intune says" (the Devices and Fleet detail panes share them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication

from app.domain import Device, OutboxItem, OutboxKind, TenantFacts
from ui.words import shown, when

if TYPE_CHECKING:  # the tenant's services load on first use, not with the sign-in screen
    from app.services import TenantStatus

#: Graph's deploymentProfileAssignmentStatus (beta: windowsAutopilotProfileAssignmentStatus).
PROFILE_WORDS = {
    "notAssigned": "no profile assigned",
    "pending": "profile assignment pending",
    "assignedInSync": "profile assigned",
    "assignedOutOfSync": "profile assigned, not in sync",
    "assignedUnkownSyncState": "profile assigned",  # sic: Graph's spelling
    "failed": "profile assignment failed",
}
#: windowsAutopilotDeviceIdentity.enrollmentState; notContacted says itself as "never
#: contacted" through the last contact, unknown says nothing.
ENROLLMENT_WORDS = {
    "enrolled": "enrolled",
    "pendingReset": "pending reset",
    "failed": "enrollment failed",
    "blocked": "blocked",
}
KIND_WORDS: dict[str, str] = {
    OutboxKind.UPLOAD: "hardware hash upload",
    OutboxKind.UPDATE: "group tag or user change",
    OutboxKind.POLICY: "compliance policy",
}
#: Graph's "no grace period" (complianceGracePeriodExpirationDateTime of a compliant device).
_NO_GRACE = "9999-"


def _tr(text: str) -> str:
    return QCoreApplication.translate("tenant", text)


# -- the tenant as a whole -----------------------------------------------------------------------


def headline(status: TenantStatus) -> tuple[str, str, str]:
    """Where the bench stands with the tenant in a few words, why (when offline), and the
    state to show it in ("ok", "error", or "" when nothing is connected)."""
    if not status.configured:
        return _tr("No tenant is connected: the bench works offline."), "", ""
    if status.offline_since:
        return (
            _tr("Offline since {t}").format(t=when(status.offline_since, to="minute")),
            status.last_error or _tr("The tenant could not be reached."),
            "error",
        )
    if status.last_sync:
        return (
            _tr("Connected · last sync {t}").format(t=when(status.last_sync, to="minute")),
            "",
            "ok",
        )
    return _tr("Connected · not synced yet"), "", "ok"


def counts(status: TenantStatus) -> str:
    box = status.outbox
    return _tr("{w} waiting · {p} parked · {d} sent").format(
        w=f"{box.get('pending', 0):,}", p=f"{box.get('parked', 0):,}", d=f"{box.get('done', 0):,}"
    )


def side_line(status: TenantStatus, progress: tuple[int, int] | None) -> str:
    """The sidebar's two short lines (its width is 200 pixels)."""
    if progress is not None:
        done, total = progress
        first = (
            _tr("Tenant: syncing {d} of {t}").format(d=done, t=total)
            if total
            else _tr("Tenant: syncing…")
        )
    elif status.offline_since:
        first = _tr("Tenant offline since {t}").format(t=when(status.offline_since, to="clock")[:5])
    else:
        first = _tr("Tenant: connected")
    box = status.outbox
    second = _tr("{w} waiting").format(w=f"{box.get('pending', 0):,}")
    if box.get("parked"):
        second += _tr(" · {p} parked").format(p=f"{box['parked']:,}")
    return f"{first}\n{second}"


def parked_line(item: OutboxItem) -> str:
    """A parked item as its list shows it: what, for which device, since when, and why."""
    what = _tr(KIND_WORDS[item.kind]) if item.kind in KIND_WORDS else item.kind
    target = item.serial or str(item.payload.get("name") or "")
    head = _tr("{w} of {s}").format(w=what, s=target) if target else what
    since = when(item.updated_at, to="minute")
    return f"{head} · {_tr('parked')} {since}\n{item.reason or _tr('no reason recorded')}"


# -- one device ----------------------------------------------------------------------------------


def autopilot_words(facts: TenantFacts | None) -> str | None:
    """ "import complete · profile assigned · last contact 2025-03-01 08:15", or None when
    the tenant's Autopilot has nothing to say of the device and nothing waits for it."""
    if facts is None:
        return None
    parts: list[str] = []
    upload = _upload_state(facts)
    if upload:
        parts.append(upload)
    found = facts.autopilot
    if found is not None and found.autopilot_id is not None:
        if not upload:
            parts.append(_tr("registered"))
        if found.profile_status in PROFILE_WORDS:
            parts.append(_tr(PROFILE_WORDS[found.profile_status]))
        if found.enrollment_state in ENROLLMENT_WORDS:
            parts.append(_tr(ENROLLMENT_WORDS[found.enrollment_state]))
        parts.append(
            _tr("last contact {t}").format(t=when(found.last_contacted, to="minute"))
            if found.last_contacted
            else _tr("never contacted")
        )
    elif found is not None and found.import_status == "complete":
        parts.append(
            _tr("no longer in Autopilot: it can be uploaded again")
            if found.listed_since_import
            else _tr("not listed yet (Autopilot lists a new device minutes after its import)")
        )
    return " · ".join(parts) or None


def _upload_state(facts: TenantFacts) -> str:
    """How Joinery's upload of the hash stands: parked, waiting, importing, or its answer."""
    if any(i.kind == OutboxKind.UPLOAD for i in facts.parked):
        item = next(i for i in facts.parked if i.kind == OutboxKind.UPLOAD)
        return _tr("upload parked: {r}").format(r=item.reason or _tr("refused"))
    waiting = next((i for i in facts.waiting if i.kind == OutboxKind.UPLOAD), None)
    if waiting is not None:
        if waiting.state == "importing":
            return _tr("import pending")
        return _tr("upload waiting for the next sync")
    found = facts.autopilot
    if found is None or not found.import_status:
        return ""
    if found.import_status == "complete":
        return _tr("import complete")
    if found.import_status == "error":
        return _tr("import error {e}").format(
            e=found.import_error or found.import_error_code or _tr("(no code)")
        )
    return _tr("import pending")


def intune_words(device: Device, facts: TenantFacts | None) -> tuple[str, str] | None:
    """ "Not compliant (grace until …) · as of its last Intune sync …" and a tooltip, from
    the device's Intune state (the tenant's or Intune's export, whichever came last) and
    what the last tenant sync read; None when Intune has said nothing."""
    intune = facts.intune if facts is not None else None
    state = device.intune_state or (intune.compliance_state if intune else None)
    if not state:
        return None
    grace = device.intune_grace_until if device.intune_state else (intune and intune.grace_until)
    words = shown("compliance_state", state)
    if grace and not grace.startswith(_NO_GRACE) and state in ("inGracePeriod", "noncompliant"):
        t = when(grace, to="minute")
        words += (
            _tr(" until {t}").format(t=t)
            if state == "inGracePeriod"
            else _tr(" (grace until {t})").format(t=t)
        )
    if intune is not None and intune.compliance_state == state:
        if intune.last_sync:
            words += _tr(" · as of its last Intune sync {t}").format(
                t=when(intune.last_sync, to="minute")
            )
        tip = _tr("Read from the tenant (Microsoft Graph) at {t}.").format(
            t=when(intune.seen_at, to="minute")
        )
    else:
        words += _tr(" · from Intune's export")
        tip = _tr("From Intune's All devices export, imported on the Fleet screen.")
    return words, tip
