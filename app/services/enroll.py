"""Enrolling one device: the wizard's commit and `joinery enroll`, one code path.

Everything is checked before anything is written: the device's edition and build, the name
(Windows rules, unique in the store), the user (UPN in a verified domain, not a consumer
account, under the tenant's device limit). Then one transaction writes the device record,
its history and the audit entry.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from app import eligibility, naming, settings, wifi
from app.autopilot.fields import SERIAL, USER, value_fault
from app.domain import Device, EnrollmentStatus, HistoryKind, ProvisioningMethod
from app.enrollment import DEFAULT_PROFILE, Answers
from app.errors import InputError, JoineryError, Problem
from app.security.audit_actions import AuditAction
from app.security.roles import Actor, Permission
from app.security.secret import Secret
from app.security.vault import Vault
from app.services.devices import find_device
from app.services.tenant import queue_device_change
from app.store import Store
from app.timeutil import now_iso

#: Personal Microsoft accounts: a work-or-school join needs an organizational account.
CONSUMER_DOMAINS = frozenset(
    {
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "passport.com",
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "icloud.com",
        "me.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "mail.com",
        "yandex.ru",
    }
)


@dataclass(frozen=True)
class EnrollRequest:
    serial: str
    profile: str | None = None
    name: str | None = None
    user: str | None = None
    update: bool = False  # re-enroll a device already enrolled (a reimage at the bench)
    overrides: tuple[tuple[str, object], ...] = ()
    answers: Answers | None = None  # the wizard's own answers instead of a profile's
    wifi_key: Secret | None = None  # typed in the wizard: sealed in the vault, never stored
    manufacturer: str | None = None  # as read off the device (an Autopilot record's stand)
    model: str | None = None


@dataclass(frozen=True)
class EnrollResult:
    device: Device
    verdict: eligibility.Verdict
    created: bool
    warnings: tuple[str, ...] = ()  # enrolled all the same, but something needs a hand

    def as_json(self) -> dict[str, object]:
        return {
            "serial": self.device.serial,
            "device_name": self.device.device_name,
            "id": self.device.id,
            "created": self.created,
            "eligibility": self.verdict.as_json(),
            "profile": self.device.profile,
            "assigned_user": self.device.assigned_user,
            "enrollment_status": self.device.enrollment_status,
            "warnings": list(self.warnings),
        }


def hash_missing(serial: str) -> str:
    """What an Autopilot enrollment of a device without a hardware hash needs next."""
    return (
        f"No hardware hash is recorded for {serial}, so Windows Autopilot cannot deploy it: "
        "Intune needs the hash before the device starts its OOBE. Start the device into "
        "Windows (at the OOBE, Shift+F10 opens a prompt) and, in an elevated PowerShell, run "
        "Joinery's collector resources/collector/Get-JoineryReport.ps1, then ingest its "
        f"report (Fleet: Import check-ins, or joinery ingest); or run Get-WindowsAutopilotInfo "
        f"-OutputFile {serial}.csv and import that file (Devices: Import Autopilot CSV, or "
        "joinery autopilot import). Then export for Intune."
    )


def _warnings(device: Device) -> tuple[str, ...]:
    if device.provisioning_method == ProvisioningMethod.AUTOPILOT and not device.has_hash:
        return (hash_missing(device.serial),)
    return ()


def profile(store: Store, name: str | None, *, actor: Actor) -> Answers:
    """A bench profile's answers; the built-in default when none is saved under that name."""
    actor.require(Permission.VIEW)
    wanted = name or DEFAULT_PROFILE
    text = store.profile_answers(wanted)
    if text is not None:
        return Answers.from_json(text)
    if wanted.casefold() == DEFAULT_PROFILE.casefold():
        return Answers()
    known = ", ".join([DEFAULT_PROFILE, *store.profile_names()])
    raise InputError(f"there is no bench profile called {wanted!r}; known: {known}")


def save_profile(
    store: Store,
    name: str,
    answers: Answers,
    *,
    actor: Actor,
    wifi_key: Secret | None = None,
) -> None:
    """Save a bench profile; a Wi-Fi key is sealed in the vault, never stored in the clear."""
    actor.require(Permission.MANAGE_PROFILES)
    problems = answers.problems()
    needs_key = answers.network == "wifi" and answers.wifi_security != "Open"
    if needs_key and wifi_key is not None:
        security = answers.wifi_security or "WPA2-Personal"
        if reason := wifi.key_problem(security, wifi_key.reveal()):
            problems.append(("wifi_key", reason))
    if problems:
        raise InputError(
            f"the profile {name!r} has answers that cannot stand",
            [Problem(name, None, f, reason) for f, reason in problems],
        )
    vault = Vault.unlock(store) if needs_key and wifi_key else None
    try:
        with store.transaction():
            store.save_profile(name, answers.to_json(), now_iso())
            canonical = store.profile_canonical_name(name)
            token = None
            if vault is not None and wifi_key is not None:
                token = vault.seal("profiles", "wifi_key", canonical, wifi_key)
            if token is not None or not needs_key:
                store.set_profile_wifi_key(canonical, token)
            store.append_audit(
                actor.audit_name,
                AuditAction.PROFILE_SAVE,
                canonical,
                {"wifi_key": "sealed" if token else None},
            )
    finally:
        if vault is not None:
            vault.lock()


def profile_wifi_key(store: Store, name: str, *, actor: Actor) -> Secret | None:
    """The profile's Wi-Fi key, unsealed for a package or a device; the reveal is audited."""
    actor.require(Permission.REVEAL_SECRET)
    canonical = store.profile_canonical_name(name)
    token = store.profile_wifi_key(canonical)
    if token is None:
        return None
    with Vault.unlock(store) as vault:
        key = vault.unseal("profiles", "wifi_key", canonical, token)
    with store.transaction():
        store.append_audit(
            actor.audit_name,
            AuditAction.SECRET_REVEAL,
            f"profile {canonical}",
            {"secret": "wifi_key"},
        )
    return key


def user_problem(store: Store, upn: str, *, actor: Actor) -> str | None:
    """Why this user cannot be assigned, or None."""
    actor.require(Permission.VIEW)
    if reason := value_fault(USER, upn):
        return reason
    domain = upn.rpartition("@")[2].lower()
    if domain in CONSUMER_DOMAINS:
        return (
            f"{domain} is a personal account domain: a work or school device needs the "
            "user's organizational account (that other case is Entra registration)"
        )
    if reason := settings.domain_problem(settings.domains(store), upn):
        return reason
    limit = settings.get(store, "max_devices_per_user")
    if store.devices_of_user(upn) >= limit:
        return (
            f"{upn} already has {limit} devices, the tenant's maximum per user: retire one "
            "in Entra, or ask an admin about the limit"
        )
    return None


def enroll_device(store: Store, request: EnrollRequest, *, actor: Actor) -> EnrollResult:
    """Check everything, then write the device, its history and the audit entry at once."""
    return enroll_devices(store, [request], actor=actor)[0]


def enroll_devices(
    store: Store, requests: list[EnrollRequest], *, actor: Actor
) -> list[EnrollResult]:
    """Cart mode: every device is checked first, then all are written in one transaction.

    Names are drawn one after the other inside the transaction, so two devices of the same
    cart never get the same name.
    """
    actor.require(Permission.ENROLL)
    checked = [_check_request(store, request, actor) for request in requests]
    serials = [serial for serial, *_ in checked]
    if len({s.casefold() for s in serials}) != len(serials):
        raise InputError("the same serial number is in the list twice; remove one")
    needs_vault = any(r.wifi_key is not None for r in requests)
    vault = Vault.unlock(store) if needs_vault else None
    try:
        with store.transaction():
            return [
                _commit(store, request, serial, answers, verdict, user, actor, vault)
                for request, (serial, answers, verdict, user) in zip(requests, checked, strict=True)
            ]
    finally:
        if vault is not None:
            vault.lock()


def _check_request(
    store: Store, request: EnrollRequest, actor: Actor
) -> tuple[str, Answers, eligibility.Verdict, str | None]:
    serial = request.serial.strip()
    if reason := value_fault(SERIAL, serial):
        raise InputError(f"serial {serial!r}: {reason}")
    answers = request.answers or profile(store, request.profile, actor=actor)
    answers = answers.with_overrides(**dict(request.overrides))
    problems = answers.problems()
    if request.wifi_key is not None and answers.network == "wifi":
        security = answers.wifi_security or "WPA2-Personal"
        if reason := wifi.key_problem(security, request.wifi_key.reveal()):
            problems.append(("wifi_key", reason))
    if problems:
        raise InputError(
            "some answers cannot stand",
            [Problem(serial, None, f, reason) for f, reason in problems],
        )
    verdict = answers.verdict()
    if not verdict.eligible:
        way_out = f" {verdict.way_out}" if verdict.way_out else ""
        raise InputError(f"{serial} cannot be Entra joined: {verdict.reason}{way_out}")
    user = None if answers.no_user else (request.user or None)
    if user and (reason := user_problem(store, user, actor=actor)):
        raise InputError(f"assigned user {user}: {reason}")
    return serial, answers, verdict, user


def _commit(
    store: Store,
    request: EnrollRequest,
    serial: str,
    answers: Answers,
    verdict: eligibility.Verdict,
    user: str | None,
    who: Actor,
    vault: Vault | None,
) -> EnrollResult:
    existing = store.device_by_serial(serial)
    _refuse_double_enrollment(existing, request.update)
    if existing is not None:  # "pf5kx2qa" typed is the recorded PF5KX2QA, as recorded
        serial = existing.serial
    name = _name(store, answers, serial, request.name, existing)
    at = now_iso()
    sealed = None
    if vault is not None and request.wifi_key is not None:
        sealed = vault.seal("devices", "wifi_key", serial.upper(), request.wifi_key)
    device_id, created = _write(store, existing, serial, name, user, answers, request, at, sealed)
    lineage = existing.lineage if existing else 0
    profile_name = _profile_name(request)
    note = f"profile {profile_name}" if profile_name else "answered in the wizard"
    if request.answers and profile_name:
        note += ", answers reviewed in the wizard"
    previous_name = existing.device_name if existing else None
    store.insert_history(
        [
            (
                device_id,
                at,
                HistoryKind.ENROLLED,
                lineage,
                who.audit_name,
                {"device_name": [previous_name, name]},
                note,
            )
        ]
    )
    store.append_audit(
        who.audit_name,
        AuditAction.DEVICE_ENROLL,
        serial,
        {
            "device_name": name,
            "user": user,
            "created": created,
            "profile": profile_name,
            "wifi_key": "sealed" if sealed else None,
        },
    )
    device = store.device(device_id)
    assert device is not None
    # A group tag or user the tenant's Autopilot holds differently goes to the outbox, in
    # this same transaction.
    queue_device_change(store, existing, device, who.audit_name)
    return EnrollResult(device, verdict, created, _warnings(device))


def _profile_name(request: EnrollRequest) -> str | None:
    """The bench profile the answers came from (None: typed in the wizard from scratch)."""
    if request.answers is not None:
        return request.profile
    return request.profile or DEFAULT_PROFILE


def _refuse_double_enrollment(existing: Device | None, update: bool) -> None:
    if existing is None or not existing.enrolled or update:
        return
    when = (existing.enrolled_at or existing.updated_at).replace("T", " ").removesuffix("Z")
    state = (
        "already prepared at the bench"
        if existing.enrollment_status == EnrollmentStatus.PREPARED
        else "already enrolled"
    )
    raise InputError(
        f"{existing.serial} is {state} as {existing.device_name or 'an unnamed device'}"
        f" (since {when}). To enroll it again after a reimage, confirm the update "
        "(CLI: --update)."
    )


def _name(
    store: Store, answers: Answers, serial: str, explicit: str | None, existing: Device | None
) -> str:
    except_id = existing.id if existing else None
    if explicit:
        name = explicit.strip()
        if reason := naming.name_problem_for(name, answers.provisioning_method):
            raise InputError(f"device name {name!r}: {reason}")
        if store.device_name_taken(name, except_id=except_id):
            raise InputError(f"the device name {name} is already used by another device")
        return name
    if existing is not None and existing.device_name and existing.enrolled_at:
        return existing.device_name  # re-enrolling after a reimage keeps the device's name
    return naming.unique_name(
        answers.name_template,
        serial,
        lambda candidate: store.device_name_taken(candidate, except_id=except_id),
    )


def _write(
    store: Store,
    existing: Device | None,
    serial: str,
    name: str,
    user: str | None,
    answers: Answers,
    request: EnrollRequest,
    at: str,
    sealed_wifi_key: str | None = None,
) -> tuple[int, bool]:
    columns: dict[str, object] = {
        "device_name": name,
        "assigned_user": user,
        "group_tag": answers.group_tag,
        "join_type": "entraJoined",
        "provisioning_method": answers.provisioning_method,
        "ownership": "company",
        "os_edition": answers.edition,
        "os_version": answers.build,
        "management_authority": answers.management,
        # Prepared: the join itself happens on the device, later (app.services.joins).
        "enrollment_status": EnrollmentStatus.PREPARED.value,
        "enrolled_at": at,
        "profile": _profile_name(request),
        "updated_at": at,
    }
    for column in ("manufacturer", "model"):
        given = getattr(request, column)
        if given and not (existing is not None and getattr(existing, column)):
            columns[column] = given
    enrollment = answers.to_json()
    if sealed_wifi_key is not None:
        # A reference the vault can open (bound to this serial), never the key itself.
        enrollment = json.dumps({**json.loads(enrollment), "wifi_key_sealed": sealed_wifi_key})
    if existing is not None:
        if existing.group_tag and not answers.group_tag:
            columns["group_tag"] = existing.group_tag  # the Autopilot record's tag stands
        if user is None and existing.assigned_user:
            columns["assigned_user"] = existing.assigned_user
        store.update_devices([existing.id], [columns])
        store.set_enrollment(existing.id, enrollment)
        return existing.id, False
    device_id = store.next_device_id()
    store.insert_devices(
        [
            {
                **columns,
                "id": device_id,
                "serial": serial,
                "compliance_state": "notEvaluated",
                "lineage": 0,
                "created_at": at,
            }
        ]
    )
    store.set_enrollment(device_id, enrollment)
    return device_id, True


@dataclass(frozen=True)
class EnrollPreview:
    """What batch mode shows after a scan, before Enter commits."""

    serial: str
    verdict: eligibility.Verdict
    name: str | None
    problem: str | None  # why Enter would not commit
    existing: Device | None
    warning: str | None = None  # Enter commits, but something will need a hand afterwards

    @property
    def ready(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class ScanCheck:
    """A scan checked for batch or cart mode: the serial it names, and its enrollment
    previewed with the profile, or why none could be (an unknown profile, a role); the
    profile's name template, for a screen that shows how names are drawn."""

    serial: str
    preview: EnrollPreview | JoineryError
    name_template: str = ""


def check_scan(store: Store, scanned: str, profile_name: str | None, *, actor: Actor) -> ScanCheck:
    """What batch and cart mode show for a scan, read without writing: the device it names
    (a Joinery label or a serial) previewed with the profile. A refusal is the answer, not
    an exception: the screen shows it beside the scan."""
    found = find_device(store, scanned, actor=actor)
    serial = found.serial if found is not None else scanned.strip()
    try:
        answers = profile(store, profile_name, actor=actor)
    except JoineryError as exc:
        return ScanCheck(serial, exc)
    return ScanCheck(serial, _preview(serial, answers, found), answers.name_template)


def preview_cart(
    store: Store, serials: Sequence[str], profile_name: str | None, *, actor: Actor
) -> tuple[str, list[EnrollPreview]]:
    """A cart checked again with another profile, read once: the profile's name template
    and each serial's preview. InputError when there is no such profile."""
    answers = profile(store, profile_name, actor=actor)
    cleaned = [serial.strip() for serial in serials]
    found = [_preview(s, answers, store.device_by_serial(s) if s else None) for s in cleaned]
    return answers.name_template, found


def preview_enrollment(
    store: Store, serial: str, profile_name: str | None, *, actor: Actor
) -> EnrollPreview:
    """Check a scanned serial against a profile without writing anything."""
    serial = serial.strip()
    answers = profile(store, profile_name, actor=actor)
    return _preview(serial, answers, store.device_by_serial(serial) if serial else None)


def _preview(serial: str, answers: Answers, existing: Device | None) -> EnrollPreview:
    verdict = answers.verdict()
    problem = value_fault(SERIAL, serial)
    if problem is None and not verdict.eligible:
        problem = verdict.reason + (f" {verdict.way_out}" if verdict.way_out else "")
    name, name_problem = naming.preview(answers.name_template, serial)
    if existing is not None and existing.device_name and existing.enrolled:
        name = existing.device_name  # an update keeps the name the device already has
    elif problem is None and name_problem is not None:
        problem = name_problem
    warning = None
    if answers.method() == ProvisioningMethod.AUTOPILOT and not (existing and existing.has_hash):
        warning = hash_missing(serial)
    return EnrollPreview(serial, verdict, name, problem, existing, warning)
