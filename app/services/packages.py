"""The package registry's use cases: build and record, verify, export, reopen, revoke.

Every build lands in the registry with its audit entry in one transaction; the file the
core wrote is removed again when that transaction fails, so the registry and the disk agree.
Nothing here stores or logs a secret: the registry holds metadata, the audit names fields.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from xml.etree.ElementTree import Element

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from app import leftovers, paths, settings
from app.domain import Device, PackageBuild
from app.errors import Cancelled, InputError, JoineryError, KnownError
from app.fileutil import atomic_write
from app.provisioning import build as builder
from app.provisioning import bundle, signers, wcd_xml
from app.provisioning.bundle_format import SUFFIX, load_private_key
from app.provisioning.model import (
    BulkToken,
    PackageSpec,
    bump_version,
    version_parts,
    version_problem,
)
from app.provisioning.rules import TOKEN_WARN_DAYS
from app.security import private
from app.security.audit_actions import AuditAction
from app.security.roles import Actor, Permission
from app.security.secret import Secret
from app.services.actors import CancelCheck, Progress
from app.services.sweeps import (
    REOPEN_PREFIX,
    _remove_unregistered,
    db_key,
    remove_output,
    sweep_unfinished,
)
from app.store import Store
from app.textsafe import printable
from app.timeutil import utcnow

log = logging.getLogger(__name__)

BUILD_STEPS = 4


@dataclass(frozen=True)
class PackageListing:
    """A registry row with its token's days to expiry (None: the package holds no token)
    and, for a bulk token, how many devices it may join: the tenant's Entra "Maximum number
    of devices" per user caps the token's account like any user."""

    build: PackageBuild
    days_left: int | None
    device_limit: int | None = None

    @property
    def devices_text(self) -> str:
        """'12 of 50' for a token package, '12' otherwise."""
        count = self.build.devices
        return str(count) if self.device_limit is None else f"{count} of {self.device_limit}"

    @property
    def at_device_limit(self) -> bool:
        return self.device_limit is not None and self.build.devices >= self.device_limit

    @property
    def expired(self) -> bool:
        return self.days_left is not None and self.days_left <= 0

    @property
    def expiring(self) -> bool:
        return self.days_left is not None and 0 < self.days_left <= TOKEN_WARN_DAYS


@dataclass(frozen=True)
class OpenedPackage:
    """A package read back for editing: the spec, what Joinery keeps untouched, where its
    payload files are, and the private folder to delete when done (an unpacked bundle)."""

    spec: PackageSpec
    kept: Element
    base_dir: Path
    source: str
    scratch: Path | None = None

    def discard(self) -> None:
        """Delete the unpacked project (it holds the package's secrets in plain text)."""
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)


def next_version(store: Store, name: str, *, actor: Actor) -> str:
    """The version the next build of `name` gets: one minor above the newest built."""
    return next_versions(store, [name], actor=actor)[name]


def next_versions(store: Store, names: Sequence[str], *, actor: Actor) -> dict[str, str]:
    """`next_version` of each of `names` (a cart's packages), from one look at the registry."""
    actor.require(Permission.VIEW)
    built = store.package_versions([name.strip() for name in names])
    return {name: _bumped(built[name.strip()]) for name in names}


def _bumped(versions: list[str]) -> str:
    valid = [v for v in versions if not version_problem(v)]
    if not valid:
        return "1.0"
    return bump_version(max(valid, key=version_parts))


def devices_per_user(store: Store, *, actor: Actor) -> int:
    """The tenant's Entra "Maximum number of devices" per user: it caps a bulk token too."""
    actor.require(Permission.VIEW)
    return settings.get(store, "max_devices_per_user")


def token_days_left(build: PackageBuild, today: date | None = None) -> int | None:
    if build.token_expires is None:
        return None
    return (date.fromisoformat(build.token_expires) - (today or utcnow().date())).days


def list_packages(store: Store, *, today: date | None = None, actor: Actor) -> list[PackageListing]:
    """Every build, newest first, with its token's countdown and device allowance."""
    actor.require(Permission.VIEW)
    limit = settings.get(store, "max_devices_per_user")
    return [
        PackageListing(b, token_days_left(b, today), limit if b.token_account else None)
        for b in store.package_builds()
    ]


def build_and_record(
    store: Store,
    spec: PackageSpec,
    out_dir: Path,
    signing_key: Ed25519PrivateKey | None,
    *,
    kept: Element | None = None,
    base_dir: Path | None = None,
    actor: Actor,
    progress: Progress | None = None,
    cancelled: CancelCheck | None = None,
    today: date | None = None,
    kdf_cost: bundle.KdfCost = bundle.DEFAULT_COST,
    kdf_bounds: bundle.KdfBounds = bundle.DEFAULT_BOUNDS,
    packed: Callable[[tuple[builder.PackedFile, ...]], None] | None = None,
    derived: bundle.DerivedKey | None = None,
    cart: CartBuild | None = None,
) -> PackageBuild:
    """Build `spec` with the core and record it, its intent first.

    The registry gets a 'building' row before a byte is written, and a record in the data
    folder's pending/ names the output; the row becomes 'built' with its audit entry in one
    transaction once the output is complete. A failure removes the output and the row; a
    crash leaves both for `sweep_unfinished`, which removes the output and marks the row
    'unfinished'. Refuses an expired bulk token and a name and version built before (says
    which version comes next). `packed` is told every file the build packed.
    `derived`: a key derived once from the password, for many packages built together.
    `cart`: one of many builds of a cart (device files), which swept once, holds one
    pending record naming every output, commits the builds' rows together (so none needs
    an intent row first) and audits them in its own entry.
    """
    actor.require(Permission.BUILD_PACKAGE)
    step = progress or (lambda _done, _total: None)
    stop = cancelled or (lambda: False)
    _refuse_expired(spec, today or utcnow().date())
    if cart is None:
        sweep_unfinished(store, actor=actor)
    name, version = spec.info.name.strip(), spec.info.version
    _refuse_built(store, name, version, actor)
    output = builder.output_path(spec, out_dir, signed=signing_key is not None)
    if os.path.lexists(output):
        raise InputError(
            f"{printable(output)} already exists: Joinery does not replace it. Move it away, "
            "or build the package as another version."
        )
    step(0, BUILD_STEPS)
    if stop():
        raise Cancelled("The build was cancelled; nothing was written.")
    where = _registered_path(output, cart)
    with _pending_build(store, where, cart):
        # A cart's rows commit together at its end, so an intent row of its would never be
        # seen by anyone: the cart's crash record is what a sweep goes by.
        intent = _intent(store, spec, output, where, actor) if cart is None else None
        try:
            record = builder.build_package(
                spec,
                out_dir,
                signing_key,
                kept=kept,
                base_dir=base_dir,
                today=today,
                kdf_cost=kdf_cost,
                kdf_bounds=kdf_bounds,
                derived=derived,
                in_place=cart is not None,  # into the device's new folder
            )
            step(2, BUILD_STEPS)
            if stop():
                raise Cancelled("The build was cancelled; its output was removed.")
            build_id = _record(store, record, where, actor, intent)
        except BaseException:
            remove_output(output)
            if intent is not None:
                with store.transaction():
                    store.forget_package_build(intent)
            raise
    if packed is not None:
        packed(record.files)
    step(BUILD_STEPS, BUILD_STEPS)
    found = store.package_build(build_id)
    assert found is not None
    return found


class CartBuild:
    """Many builds at once (a cart's device files), each into a folder the caller made for
    it (so a bundle is written in place, not through a temporary file): one sweep before
    them, one pending record naming every output before the first is written (one fsync
    for the cart, not one per package), and the builds audited by the caller. `outputs`
    are resolved paths (the caller resolves the cart's folder once): the registry records
    them as given.

    Entered outside the caller's transaction, which commits the builds' registry rows: the
    record lasts until that commit, so a crash anywhere before it leaves the record for the
    next sweep (which removes the outputs the registry does not list). On an error the
    transaction rolled back, so the outputs it would have registered are removed here; so
    are a failed build's (`failed`) when the cart seals the others."""

    def __init__(self, store: Store, outputs: Sequence[Path], *, actor: Actor) -> None:
        if not all(p.is_absolute() for p in outputs):
            raise AssertionError("a cart's outputs are resolved paths (see CartBuild)")
        self.store = store
        self.outputs = [str(p) for p in outputs]
        self._named = set(self.outputs)
        self._started: list[str] = []  # outputs a build began to write, in order
        self.actor = actor
        self._stack = ExitStack()
        self._job: leftovers.Pending | None = None
        self._failed = False

    def __enter__(self) -> CartBuild:
        if self.store.conn.in_transaction:
            raise AssertionError("a cart's builds start outside a transaction (see CartBuild)")
        if self.outputs:
            sweep_unfinished(self.store, actor=self.actor)
            self._job = self._stack.enter_context(
                leftovers.pending("build", db=db_key(self.store.path), outputs=self.outputs)
            )
        return self

    def start(self, output: Path) -> str:
        """`output` as registered, as a build begins to write it: one the cart's record
        names. Only what was started is removed after a failure: a device the cart never
        reached keeps what its folder held (another bench's package at the same path)."""
        if str(output) not in self._named:
            raise AssertionError(f"{output} is not among the cart's outputs")
        self._started.append(str(output))
        return str(output)

    def forget_under(self, folder: Path) -> None:
        """What was started under `folder` is gone (removed, and the folder it replaced put
        back there): not the cart's to remove any more."""
        inside = str(folder) + os.sep
        self._started = [o for o in self._started if not o.startswith(inside)]

    def failed(self) -> None:
        """A device's clean-up could not remove what it wrote (a file held open on Windows)
        and the cart goes on to seal the others: at exit, the started outputs the registry
        does not list are removed, as after an error."""
        self._failed = True

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        try:
            if (kind is not None or self._failed) and self._job is not None:
                try:
                    _remove_unregistered(self.store, self._started)
                except Exception:  # the next sweep does it: the record is left for it
                    log.exception("could not remove a failed cart's packages; left for a sweep")
                    self._job.note(outputs=self._started)  # not those never reached
                    self._job.keep()
        finally:
            self._stack.close()


def _registered_path(output: Path, cart: CartBuild | None) -> str:
    """Where the registry and the crash record say a build writes: `output` resolved (a
    cart's outputs are resolved already; the cart marks it started)."""
    if cart is None:
        return str(output.resolve())
    return cart.start(output)


@contextmanager
def _pending_build(store: Store, output: str, cart: CartBuild | None) -> Iterator[None]:
    """The crash record naming `output` before it is written: the build's own, or the
    cart's (which names it already)."""
    if cart is not None:
        yield
        return
    with leftovers.pending("build", db=db_key(store.path), output=output):
        yield


def _refuse_built(store: Store, name: str, version: str, actor: Actor) -> None:
    earlier = store.package_build_by_version(name, version)
    if earlier is None:
        return
    following = next_version(store, name, actor=actor)
    if earlier.state == "unfinished":
        raise InputError(
            f"An earlier build of {name} {version} did not finish (its output was removed): "
            f"build it as version {following}."
        )
    if earlier.state == "building":
        raise InputError(
            f"{name} {version} is being built right now (another window or command): wait "
            f"for it, or build version {following}."
        )
    raise InputError(f"{name} {version} was built before: build it as version {following}.")


def _refuse_expired(spec: PackageSpec, day: date) -> None:
    token = spec.account
    if isinstance(token, BulkToken) and token.expires is not None and token.expires <= day:
        raise InputError(
            f"The bulk token expired on {token.expires.isoformat()}: get a new token "
            "(at most 180 days) before building this package again."
        )


def _intent(store: Store, spec: PackageSpec, output: Path, where: str, who: Actor) -> int:
    """The registry row of a build about to start: 'building', no digest yet. The token's
    account is recorded already: an interrupted build's token may still need revoking."""
    info = spec.info
    token = spec.account if isinstance(spec.account, BulkToken) else None
    row: dict[str, object] = {
        "package_id": str(info.package_id),
        "name": info.name.strip(),
        "version": info.version,
        "owner": info.owner,
        "rank": info.rank if type(info.rank) is int and 0 <= info.rank <= 99 else 0,
        "created_at": utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "created_by": who.audit_name,
        "form": "project" if output.suffix != SUFFIX else "bundle",
        "encrypted": int(info.password is not None),
        "signer_key_id": None,
        "sha256": "",
        "output": where,
        "token_expires": token.expires.isoformat() if token and token.expires else None,
        "token_account": builder.token_account(spec)[0],
        "token_account_confirmed": int(builder.token_account(spec)[1]),
        "state": "building",
    }
    with store.transaction():
        return store.insert_package_build(row)


def _record(
    store: Store,
    record: builder.PackageRecord,
    where: str,
    who: Actor,
    intent: int | None,
) -> int:
    """The registry row of a finished build; its id. With its `intent`, that row marked
    built and audited; without (a cart's build), a new row in the cart's transaction, which
    the cart's own audit entry names."""
    row: dict[str, object] = {
        "package_id": str(record.id),
        "name": record.name.strip(),
        "version": record.version,
        "owner": record.owner,
        "rank": record.rank,
        "created_at": record.created,
        "created_by": who.audit_name,
        "form": record.form,
        "encrypted": int(record.encrypted),
        "signer_key_id": record.signer_key_id,
        "sha256": record.sha256,
        "output": where,
        "token_expires": record.token_expires.isoformat() if record.token_expires else None,
        "token_account": record.token_account,
        "token_account_confirmed": int(record.token_account_confirmed),
    }
    if intent is None:
        if not store.conn.in_transaction:
            raise AssertionError("a cart's builds are recorded in the cart's transaction")
        return store.insert_package_build(row)
    with store.transaction():
        if not store.finish_package_build(intent, row):
            raise KnownError(
                f"{record.name} {record.version} was marked unfinished while it was being "
                "built (a sweep took it for a crashed build): build it again as a new version."
            )
        details = {k: v for k, v in row.items() if k not in ("created_by", "created_at")}
        details["build"] = intent
        details["files"] = [f.name for f in record.files]
        store.append_audit(
            who.audit_name, AuditAction.PACKAGE_BUILD, f"{record.name} {record.version}", details
        )
    log.info("package %s %s recorded as build %d", record.name, record.version, intent)
    return intent


def revoke_steps(build: PackageBuild, *, today: date | None = None) -> list[str]:
    """What to do to withdraw a package, as numbered steps an operator can follow."""
    output = Path(build.output).name
    unfinished = [
        f"{build.name} {build.version} did not finish building: its output was removed "
        "(or is being written now), so Joinery handed out no copy of it."
    ]
    if not build.built and build.token_account is None:
        return [*unfinished, f"If a copy of {output} exists anywhere, delete it."]
    if not build.built:
        return unfinished + revoke_steps(replace(build, state="built"), today=today)[1:]
    if build.token_account is None:
        return [
            f"{build.name} {build.version} holds no bulk token: nothing to revoke in Entra.",
            f"Delete every copy of {output} (USB sticks, shares, the build machine).",
        ]
    left = token_days_left(build, today)
    when = (
        f"expired on {build.token_expires}"
        if left is not None and left <= 0
        else f"expires on {build.token_expires} ({left} days left)"
    )
    if build.token_account_confirmed:
        find = f"Open Users > All users and search for {build.token_account}."
        user = build.token_account
    else:
        find = (
            "Open Users > All users and search for 'package_': WCD created a user named "
            "package_{GUID} when it fetched the token. Joinery only guesses it is "
            f"{build.token_account}; check its creation time against the package's."
        )
        user = "that user"
    return [
        f"The bulk token in {build.name} {build.version} {when}.",
        "To revoke it now, sign in to the Microsoft Entra admin center "
        "(entra.microsoft.com) with an account that may delete users.",
        find,
        f"Delete {user}. No device can join with this token "
        "afterwards; devices that already joined stay joined.",
        f"Delete every copy of {output}; build a new package with a new token if "
        "devices still need one.",
    ]


def devices_of_package(store: Store, build_id: int, *, actor: Actor) -> list[Device]:
    actor.require(Permission.VIEW)
    return store.devices_of_package(build_id)


def record_provisioned(store: Store, serial: str, build_id: int, *, actor: Actor) -> Device:
    """Say that the device `serial` was provisioned with the build `build_id` (audited)."""
    actor.require(Permission.ENROLL)
    device = store.device_by_serial(serial)
    if device is None:
        raise InputError(f"no device has the serial number {serial}: enroll or import it first")
    build = _build(store, build_id)
    with store.transaction():
        store.set_device_package(device.id, build_id)
        store.append_audit(
            actor.audit_name,
            AuditAction.PACKAGE_PROVISIONED,
            device.serial,
            {"build": build_id, "package": build.name, "version": build.version},
        )
    return device


def verify_package(
    store: Store,
    path: Path,
    *,
    password: Secret | None = None,
    trust_keys: list[Path] | None = None,
    actor: Actor,
    kdf_bounds: bundle.KdfBounds = bundle.DEFAULT_BOUNDS,
) -> bundle.Verdict:
    """Check a bundle (signature, signer, and its contents with the password); audited,
    failures too. Says in the audit whether the file is one the registry recorded. The
    signer must be one of the bench's keys or `trust_keys` (BundleUntrusted otherwise)."""
    actor.require(Permission.VIEW)
    details: dict[str, object] = {"file": path.name, "with_password": password is not None}
    with _audited(store, actor, AuditAction.PACKAGE_VERIFY, path.name, details):
        keys = signer_keys(trust_keys or [], path)
        verdict = bundle.verify_bundle(path, keys, password, kdf_bounds=kdf_bounds)
        known = [b for b in store.package_builds() if b.sha256 == verdict.sha256]
        details.update(sha256=verdict.sha256, trusted=verdict.trusted)
        details["build"] = known[0].id if known else None
    return verdict


def unpack_package(
    store: Store,
    path: Path,
    out_dir: Path,
    *,
    password: Secret | None = None,
    trust_keys: list[Path] | None = None,
    any_signer: bool = False,
    actor: Actor,
    kdf_bounds: bundle.KdfBounds = bundle.DEFAULT_BOUNDS,
) -> bundle.Verdict:
    """Write a bundle's WCD project (secrets in the clear, for icd.exe) into a new private
    folder, if its signer is trusted (the bench's keys or `trust_keys`) or `any_signer`.

    Audited before and after: the intent first, so secrets never reach a disk unaudited
    (a crash after the rename still left the entry), then the outcome, failures too.
    """
    actor.require(Permission.BUILD_PACKAGE)
    details: dict[str, object] = {"file": path.name, "to": str(out_dir)}
    _audit(
        store,
        actor,
        AuditAction.PACKAGE_UNPACK_START,
        path.name,
        {**details, "any_signer": any_signer},
    )
    with _audited(
        store, actor, AuditAction.PACKAGE_UNPACK, path.name, details, refusals=JoineryError
    ):
        keys = signer_keys(trust_keys or [], path, any_signer=any_signer)
        verdict = bundle.unpack_bundle(
            path, out_dir, password, keys, any_signer=any_signer, kdf_bounds=kdf_bounds
        )
        details.update(sha256=verdict.sha256, trusted=verdict.trusted)
    return verdict


def signer_keys(
    pinned: list[Path], path: Path, *, any_signer: bool = False
) -> list[Ed25519PublicKey] | None:
    """The keys a bundle's signer must be one of: `pinned` and the bench's own. None only
    with `any_signer`; with no key at all otherwise, BundleUntrusted says what to give
    (after the signature is checked: a damaged file is said to be damaged first)."""
    keys = signers.trusted_keys(pinned)
    if keys or any_signer:
        return keys or None
    bundle.inspect_bundle(path)
    raise bundle.BundleUntrusted(
        f"{printable(path)}: this bench has no signing key of its own and no key was given "
        "with --trust-key, so who signed the bundle cannot be checked. Give the public key "
        "(.pub) of whoever built it."
    )


def verify_build(store: Store, build_id: int, *, actor: Actor) -> bundle.Verdict:
    """A registered bundle checked against its own registry row: the signature valid, the
    signer and the encryption as built, the SHA-256 the one recorded (no password: the
    contents stay sealed). Audited, failures too, as `package verify`."""
    actor.require(Permission.VIEW)
    build = _build(store, build_id)
    output = Path(build.output)
    details: dict[str, object] = {"file": output.name, "build": build_id, "with_password": False}
    with _audited(store, actor, AuditAction.PACKAGE_VERIFY, output.name, details):
        if build.form != "bundle":
            raise InputError(
                f"{build.name} {build.version} was written as a project folder, not a signed "
                "bundle: there is no signature to check."
            )
        verdict = bundle.verify_bundle(output, None, None)
        _check_same(build, output, verdict)
        details.update(sha256=verdict.sha256, signer=verdict.header.key_id)
    return verdict


def export_package(store: Store, build_id: int, dest_dir: Path, *, actor: Actor) -> Path:
    """Copy a built bundle to `dest_dir` (a USB stick), check the copy's SHA-256; audited.
    A file of that name already there is refused, never replaced; the copy is written
    beside it, flushed to the drive, then renamed into place (a failure leaves nothing)."""
    actor.require(Permission.BUILD_PACKAGE)
    build = _build(store, build_id)
    source = Path(build.output)
    if build.form != "bundle":
        raise InputError(
            f"{build.name} {build.version} was written as a project folder, not a bundle: "
            "copy the folder itself."
        )
    target = dest_dir / source.name
    if os.path.lexists(target):
        raise InputError(
            f"{dest_dir} already has a {source.name}: Joinery does not replace it. Remove it "
            "or choose another folder."
        )
    try:
        dest_dir.mkdir(parents=True, exist_ok=True)
        with source.open("rb") as read, atomic_write(target, binary=True) as out:
            shutil.copyfileobj(read, out, 1 << 20)
    except OSError as exc:
        raise KnownError(f"Cannot copy {source.name} to {dest_dir}: {exc.strerror}.") from exc
    digest = _sha256(target)
    if digest != build.sha256:
        target.unlink(missing_ok=True)
        raise KnownError(
            f"The copy of {source.name} differs from the build (SHA-256 {digest[:12]}…): "
            "the source or the stick is damaged; nothing was left at the destination."
        )
    details: dict[str, object] = {"build": build_id, "to": str(target), "sha256": digest}
    _audit(store, actor, AuditAction.PACKAGE_EXPORT, f"{build.name} {build.version}", details)
    return target


def open_package(
    store: Store,
    build_id: int,
    *,
    password: Secret | None = None,
    actor: Actor,
    kdf_bounds: bundle.KdfBounds = bundle.DEFAULT_BOUNDS,
) -> OpenedPackage:
    """A registered build read back for editing; a bundle is unpacked into a private folder
    (the caller discards it) after its signature and password are checked. Audited.

    Only the file the registry recorded opens: its SHA-256 must match (and a bundle's signer
    and encryption too), or a file swapped on a share or a stick would be rebuilt and signed
    with the bench's key as a genuine version, its planter's bulk token inside.
    """
    actor.require(Permission.BUILD_PACKAGE)
    build = _build(store, build_id)
    output = Path(build.output)
    target = f"{build.name} {build.version}"
    details: dict[str, object] = {"build": build_id, "file": output.name}
    with _audited(store, actor, AuditAction.PACKAGE_OPEN, target, details):
        if build.form == "project":
            _check_recorded(build, output / builder.PROJECT_XML)
            opened = open_customizations(output / builder.PROJECT_XML, actor=actor)
        else:
            opened = _open_bundle(build, output, password, kdf_bounds)
    return opened


def _open_bundle(
    build: PackageBuild, output: Path, password: Secret | None, kdf_bounds: bundle.KdfBounds
) -> OpenedPackage:
    _check_recorded(build, output)
    # The unpacked project holds secrets in the clear: a 0700 folder in Joinery's own
    # data directory (swept at start-up after a crash), removed on any failure here.
    scratch = Path(tempfile.mkdtemp(prefix=REOPEN_PREFIX, dir=_scratch_root()))
    project = scratch / "project"
    try:
        # The signer is checked against the registry's, not against pinned keys: the
        # registry recorded this build (and the file's digest matched it above).
        verdict = bundle.unpack_bundle(
            output, project, password, any_signer=True, kdf_bounds=kdf_bounds
        )
        # Checked again on what was read: the file may have been swapped after the first look.
        _check_same(build, output, verdict)
        read = wcd_xml.read_customizations(project / builder.PROJECT_XML)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    return OpenedPackage(read.spec, read.kept, project, str(output), scratch)


def _check_recorded(build: PackageBuild, path: Path) -> None:
    """Refuse, before anything is unpacked, a file whose SHA-256 is not the registry's."""
    try:
        digest = _sha256(path)
    except OSError as exc:
        raise InputError(
            f"Cannot read {path} to re-open {build.name} {build.version}: {exc.strerror}."
        ) from None
    if digest != build.sha256:
        raise InputError(_changed(build, path, digest))


def _check_same(build: PackageBuild, path: Path, verdict: bundle.Verdict) -> None:
    encrypted = verdict.header.encryption is not None
    if verdict.sha256 != build.sha256:
        raise InputError(_changed(build, path, verdict.sha256))
    if verdict.header.key_id != build.signer_key_id or encrypted != build.encrypted:
        raise InputError(
            f"{path.name} is not signed and encrypted as {build.name} {build.version} was "
            f"built (signer {build.signer_key_id}, "
            f"{'encrypted' if build.encrypted else 'not encrypted'}); nothing was opened."
        )


def _changed(build: PackageBuild, path: Path, digest: str) -> str:
    return (
        f"{path} changed since {build.name} {build.version} was built: its SHA-256 is "
        f"{digest[:16]}…, the registry recorded {build.sha256[:16]}…. Someone may have "
        "replaced it on the share or the stick, so it was not opened. Build the package from "
        "its source again, or restore the file from a copy you trust (package export)."
    )


def _scratch_root() -> Path:
    root = paths.data_dir() / "scratch"
    private.make_own_folder(paths.data_dir())
    private.make_own_folder(root)
    return root


#: The bundle's key-derivation cost and the bounds a bundle read back must stay within
#: (a front end keeps them to pass on; tests make them cheap).
KDF_COST = bundle.DEFAULT_COST
KDF_BOUNDS = bundle.DEFAULT_BOUNDS


def open_customizations(path: Path, *, actor: Actor) -> OpenedPackage:
    """Any customizations.xml, to edit (the core reads it; what Joinery does not show is
    kept); editing a package is building one."""
    actor.require(Permission.BUILD_PACKAGE)
    read = wcd_xml.read_customizations(path)
    return OpenedPackage(read.spec, read.kept, path.parent, str(path))


def load_signing_key(path: Path) -> Ed25519PrivateKey:
    return load_private_key(path)


def new_signing_key(out_dir: Path) -> tuple[Path, Path]:
    """A new Ed25519 key pair in `out_dir`: (private key, public key to pin on devices)."""
    return builder.keygen(out_dir)


def _build(store: Store, build_id: int) -> PackageBuild:
    build = store.package_build(build_id)
    if build is None:
        raise InputError(f"there is no package build {build_id} in the registry")
    if not build.built:
        raise InputError(
            f"{build.name} {build.version} did not finish building ({build.state}): it has no "
            "output to use. Build the package again as a new version."
        )
    return build


def _audit(
    store: Store, who: Actor, action: AuditAction, target: str, details: dict[str, object]
) -> None:
    with store.transaction():
        store.append_audit(who.audit_name, action, target, details)


@contextmanager
def _audited(
    store: Store,
    who: Actor,
    action: AuditAction,
    target: str,
    details: dict[str, object],
    *,
    refusals: type[Exception] = InputError,
) -> Iterator[None]:
    """Audit what the block did, a refusal too: `details` (which the block fills in as it
    finds things) with `ok`, and the refusal's kind when it was one."""
    try:
        yield
    except refusals as error:
        details.update(ok=False, reason=type(error).__name__)
        _audit(store, who, action, target, details)
        raise
    details["ok"] = True
    _audit(store, who, action, target, details)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for piece in iter(lambda: handle.read(1 << 20), b""):
            digest.update(piece)
    return digest.hexdigest()
