"""Device-ready files: what the wizard recorded, written for the device to apply at OOBE.

`write_device_files` writes one folder per serial (AutopilotConfigurationFile.json,
unattend.xml, the device's provisioning package, README.txt) and one signed manifest.json
for the cart; `verify_device_files` checks a folder on a stick against its manifest. Every
check runs before the first file is written; every write and every check is audited.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app import settings
from app.devicefiles import (
    AUTOPILOT,
    PACKAGE,
    UNATTEND,
    autopilot_json,
    default_files,
    readme,
    unattend,
)
from app.devicefiles import manifest as signed
from app.devicefiles import package as device_package
from app.devicefiles.autopilot_json import Tenant
from app.domain import Device, PackageBuild
from app.enrollment import DEVICE_FILES, Answers
from app.errors import InputError, Problem
from app.fileutil import atomic_write, batched_sync, write_new
from app.provisioning import build as builder
from app.provisioning import signers
from app.provisioning.bundle_format import (
    DerivedKey,
    KdfCost,
    derive_once,
    key_id,
    load_private_key,
    load_public_keys,
)
from app.provisioning.model import PackageSpec
from app.security.audit_actions import AuditAction
from app.security.roles import Actor, Permission
from app.security.secret import Secret
from app.security.vault import Vault
from app.services.actors import CancelCheck, Progress
from app.services.packages import CartBuild, build_and_record, next_versions
from app.store import Store
from app.timeutil import utcnow

log = logging.getLogger(__name__)

TENANT_SETTINGS = ("tenant_id", "tenant_domain", "autopilot_profile_id")
#: The bench's own key pair for device files, among the kiosk's signing keys: a bundle it
#: signs is trusted by this bench's `package unpack` without a --trust-key.
BENCH_KEY_NAME = "device-files"


@dataclass(frozen=True)
class DeviceFolder:
    """One device's folder as written: its files, relative to the folder, in write order."""

    serial: str
    device_name: str
    folder: Path
    files: tuple[str, ...]

    def as_json(self) -> dict[str, object]:
        return {"serial": self.serial, "folder": str(self.folder), "files": list(self.files)}


@dataclass(frozen=True)
class WriteResult:
    """What a write did. `cancelled`: stopped between devices; the ones written are signed."""

    written: tuple[DeviceFolder, ...]
    manifest: Path
    signer_key_id: str
    cancelled: bool = False
    not_written: tuple[str, ...] = ()

    def as_json(self) -> dict[str, object]:
        return {
            "written": [folder.as_json() for folder in self.written],
            "manifest": str(self.manifest),
            "signer_key_id": self.signer_key_id,
            "cancelled": self.cancelled,
            "not_written": list(self.not_written),
        }


@dataclass(frozen=True)
class _Built:
    """A package built for a cart: its registry row and the names of the files it packed."""

    build: PackageBuild
    files: tuple[str, ...]


@dataclass
class _Plan:
    """One device, checked: what it gets and the bytes already rendered."""

    device: Device
    answers: Answers
    files: tuple[str, ...]
    enrollment: str  # the recorded answers as stored (with the sealed key's reference)
    rendered: dict[str, bytes] = field(default_factory=dict)
    wifi_key: Secret | None = None

    @property
    def serial(self) -> str:
        return self.device.serial

    @property
    def name(self) -> str:
        return self.device.device_name or ""


def bench_signing_key() -> tuple[Ed25519PrivateKey, Path]:
    """This bench's Ed25519 key for manifests (made on first use, private to this user):
    (private key, public key file to give whoever verifies)."""
    folder = signers.bench_keys_dir() / BENCH_KEY_NAME
    private = folder / builder.PRIVATE_KEY
    if not private.exists():
        builder.keygen(folder)
    return load_private_key(private), folder / builder.PUBLIC_KEY


def _tenant_from_settings(store: Store) -> Tenant:
    """The tenant from the settings; InputError names the first one not set."""
    values = {key: settings.text(store, key) for key in TENANT_SETTINGS}
    for key, value in values.items():
        if not value:
            raise InputError(
                f"the setting {key} is not set, and AutopilotConfigurationFile.json needs it: "
                f"an admin sets it in Settings (or: joinery settings set {key} VALUE)"
            )
    return Tenant(values["tenant_id"], values["tenant_domain"], values["autopilot_profile_id"])


def default_files_for(store: Store, serials: Iterable[str], *, actor: Actor) -> tuple[str, ...]:
    """The files these devices' bench profiles write by default (for a dialog to preselect);
    serials not enrolled are left out here and refused by the write."""
    actor.require(Permission.VIEW)
    chosen: set[str] = set()
    for serial in serials:
        device = store.device_by_serial(serial.strip())
        text = store.enrollment_json(device.id) if device is not None else None
        if text is not None:
            chosen.update(default_files(Answers.from_json(text)))
    return tuple(name for name in DEVICE_FILES if name in chosen)


def folders_in_the_way(out_dir: Path, serials: Iterable[str]) -> list[str]:
    """Serials whose folder already exists in `out_dir` (a dialog asks before replacing)."""
    return [s.strip() for s in serials if os.path.lexists(out_dir / _folder_name(s))]


def write_device_files(
    store: Store,
    serials: Sequence[str],
    out_dir: Path,
    *,
    only: Iterable[str] | None = None,
    actor: Actor,
    progress: Progress | None = None,
    cancelled: CancelCheck | None = None,
    replace: bool = False,
    password: Secret | None = None,
    cart_key: DerivedKey | None = None,
    tenant: Tenant | None = None,
    signing_key: Ed25519PrivateKey | None = None,
    kdf_cost: KdfCost | None = None,
) -> WriteResult:
    """Write the device files of `serials` into `out_dir`, one folder each, and sign them.

    `only` picks files (autopilot, unattend, package); by default each device's bench
    profile says. An existing device folder is refused unless `replace`. `password`
    encrypts the packages that hold a Wi-Fi key (one key derivation for the whole cart,
    or none when `cart_key` is given); `tenant` overrides the tenant settings (a connected
    tenant). Cancelling stops between devices: those written are kept and signed.
    """
    who = actor
    who.require(Permission.ENROLL)
    step = progress or (lambda _done, _total: None)
    stop = cancelled or (lambda: False)
    root = out_dir.resolve()  # the packages' place in the registry: resolved once a cart
    plans = _plans(store, serials, only)
    store.audit_key(create=True)  # a write that cannot be audited is refused before it starts
    if any(PACKAGE in plan.files for plan in plans):
        who.require(Permission.BUILD_PACKAGE)
    previous = _check_destination(out_dir, plans, replace)
    key = signing_key or bench_signing_key()[0]
    if previous is not None and previous.key_id != key_id(key.public_key()):
        raise InputError(
            f"{out_dir / signed.FILE_NAME} was signed by another key ({previous.key_id}): "
            "write this cart into another folder."
        )
    if any(AUTOPILOT in plan.files for plan in plans):
        tenant = tenant or _tenant_from_settings(store)
    _render(store, plans, tenant, who)
    if any(plan.wifi_key for plan in plans):
        _check_password(password)
        assert password is not None
        cart_key = cart_key or derive_once(password, kdf_cost or KdfCost())
    written: list[DeviceFolder] = []
    entries: list[signed.Entry] = []
    packages: list[dict[str, object]] = []  # each package built, as the audit says it
    failure: BaseException | None = None
    specs = _package_specs(store, plans, who, password)
    _make_folder(out_dir)
    outputs = [_output(spec, root / _folder_name(serial)) for serial, spec in specs.items()]
    # The cart's crash record (CartBuild) outlasts the transaction: a kill before the commit
    # leaves it, and the next sweep removes the packages whose registry rows rolled back.
    # One transaction: the packages' registry rows and the cart's audit entry (naming every
    # serial and build) commit once (each device in a savepoint of its own); the files are
    # flushed together before the manifest, which names them, is signed and written.
    with CartBuild(store, outputs, actor=who) as cart, store.transaction():
        with batched_sync():
            for index, plan in enumerate(plans):
                step(index, len(plans))
                if stop():
                    break
                try:
                    with store.transaction():
                        folder, found, build = _write_folder(
                            out_dir, root, plan, specs.get(plan.serial), who, key, cart_key,
                            replace, cart,
                        )  # fmt: skip
                except BaseException as error:  # noqa: BLE001 - re-raised once the rest is signed
                    failure = error
                    break
                written.append(folder)
                entries += found
                if build is not None:
                    packages.append(_package_details(root, plan.serial, build))
        result = _seal(
            store, out_dir, plans, written, entries, previous, key, who, replace, packages
        )
    if failure is not None:
        raise failure
    step(len(written), len(plans))
    return result


def verify_device_files(
    store: Store,
    folder: Path,
    *,
    trust_keys: Sequence[Path] | None = None,
    actor: Actor,
) -> signed.Verdict:
    """Check a cart folder against its signed manifest; audited, a failure too."""
    who = actor
    who.require(Permission.VIEW)
    keys = load_public_keys(list(trust_keys)) if trust_keys else None
    details: dict[str, object] = {"folder": str(folder)}
    try:
        verdict = signed.verify(folder, keys)
    except InputError as error:
        details.update(ok=False, reason=error.message)
        _audit(store, who, AuditAction.DEVICE_FILES_VERIFY, str(folder), details)
        raise
    details.update(
        ok=True,
        signer=verdict.key_id,
        trusted=verdict.trusted,
        serials=[d.serial for d in verdict.devices],
    )
    _audit(store, who, AuditAction.DEVICE_FILES_VERIFY, str(folder), details)
    return verdict


# -- checking before writing ----------------------------------------------------------------


def _plans(store: Store, serials: Sequence[str], only: Iterable[str] | None) -> list[_Plan]:
    chosen = tuple(only) if only is not None else None
    if chosen is not None and (bad := [n for n in chosen if n not in DEVICE_FILES]):
        raise InputError(f"{bad[0]!r} is not a device file; choose from {', '.join(DEVICE_FILES)}")
    cleaned = [s.strip() for s in serials if s.strip()]
    if not cleaned:
        raise InputError("no serial numbers were given: name at least one device")
    seen: set[str] = set()
    folders: set[str] = set()
    problems: list[Problem] = []
    plans: list[_Plan] = []
    found = store.devices_with_answers(cleaned)
    for serial in cleaned:
        if serial.casefold() in seen:
            problems.append(Problem(serial, None, None, "is in the list twice"))
            continue
        seen.add(serial.casefold())
        device, text = found.get(serial, (None, None))
        if device is None or text is None or not device.device_name:
            problems.append(Problem(serial, None, None, _not_ready(device, text)))
            continue
        folder = _folder_name(serial)
        if folder in folders:
            problems.append(Problem(serial, None, None, f"needs the folder {folder} too"))
            continue
        folders.add(folder)
        answers = Answers.from_json(text)
        files = chosen if chosen is not None else default_files(answers)
        chosen_files = tuple(n for n in DEVICE_FILES if n in files)
        plans.append(_Plan(device, answers, chosen_files, text))
    _refuse(problems, len(cleaned))
    return plans


def _not_ready(device: Device | None, enrollment: str | None) -> str:
    """Why a device has no files to write, and what gives it some."""
    if device is None:
        return "no device has this serial: enroll it first (its answers are the files)"
    if enrollment is None and device.enrolled:
        return (
            "was enrolled without the bench's answers (imported, or from Intune), and the "
            "files are made of them: enroll it again at the bench, as an update"
        )
    return "is not enrolled yet: enroll it first (its answers are the files)"


def _refuse(problems: list[Problem], total: int) -> None:
    if len(problems) == 1:
        raise InputError(f"{problems[0].file} {problems[0].reason}; nothing was written")
    if problems:
        raise InputError(
            f"{len(problems)} of {total} devices cannot have device files yet; nothing was written",
            problems,
        )


def _make_folder(out_dir: Path) -> None:
    """The folder a person gave, made once every check passed: what is wrong with it is
    said in their words (a file on its way, a drive not there), not taken for a bug."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"Cannot make the folder {out_dir}: {exc.strerror or exc}. Choose another folder "
            "or a drive. Nothing was written."
        ) from exc


def _check_destination(out_dir: Path, plans: list[_Plan], replace: bool) -> signed.Manifest | None:
    """Refuse folders in the way (unless replacing) and a manifest that no longer matches:
    re-signing it would vouch for whatever someone changed."""
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"{out_dir} is a file, not a folder: choose a folder or a drive.")
    taken = folders_in_the_way(out_dir, [plan.serial for plan in plans])
    if taken and not replace:
        shown = ", ".join(taken[:5]) + (f" and {len(taken) - 5} more" if len(taken) > 5 else "")
        raise InputError(
            f"{out_dir} already has a folder for {shown}: replace it (the kiosk asks first; "
            "on the command line, --replace) or choose another folder. Nothing was written."
        )
    if not (out_dir / signed.FILE_NAME).exists():
        return None
    replaced = frozenset(_folder_name(plan.serial) for plan in plans) if replace else frozenset()
    signed.verify(out_dir, skip=replaced)  # a folder being replaced need not check out
    return signed.read(out_dir / signed.FILE_NAME)


def _render(store: Store, plans: list[_Plan], tenant: Tenant | None, who: Actor) -> None:
    """Render the small files and fetch the Wi-Fi keys; every problem before any write."""
    problems: list[Problem] = []
    sealed = {id(plan): _sealed_key(store, plan) for plan in plans if _needs_key(plan)}
    vault = Vault.unlock(store) if any(sealed.values()) else None
    try:
        for plan in plans:
            try:
                _render_one(plan, tenant)
                if id(plan) in sealed:
                    plan.wifi_key = _unseal(vault, sealed[id(plan)])
                if PACKAGE in plan.files:  # says now what the package cannot hold
                    device_package.spec(
                        plan.serial, plan.answers, plan.name, "1.0",
                        wifi_key=plan.wifi_key, password=None,
                    )  # fmt: skip
            except InputError as error:
                problems.append(Problem(plan.serial, None, None, error.message))
    finally:
        if vault is not None:
            vault.lock()
    if len(problems) == 1:
        raise InputError(f"{problems[0].file}: {problems[0].reason}. Nothing was written.")
    _refuse(problems, len(plans))


def _needs_key(plan: _Plan) -> bool:
    answers = plan.answers
    return PACKAGE in plan.files and answers.network == "wifi" and answers.wifi_security != "Open"


def _render_one(plan: _Plan, tenant: Tenant | None) -> None:
    if AUTOPILOT in plan.files:
        assert tenant is not None
        comment = f"Joinery: {plan.serial} {plan.name}"
        if plan.device.profile:
            comment += f", profile {plan.device.profile}"
        rendered = autopilot_json.render(plan.answers, tenant, plan.name, comment)
        plan.rendered[autopilot_json.FILE_NAME] = rendered
    if UNATTEND in plan.files:
        plan.rendered[unattend.FILE_NAME] = unattend.render(plan.answers, plan.name)


def _sealed_key(store: Store, plan: _Plan) -> tuple[str, str, str] | None:
    """Where the device's Wi-Fi key is sealed: its own (typed in the wizard) first, else its
    bench profile's; (table, row, token) for the vault, or None when neither has one."""
    token = json.loads(plan.enrollment).get("wifi_key_sealed")
    if isinstance(token, str):
        return ("devices", plan.serial.upper(), token)
    if plan.device.profile:
        canonical = store.profile_canonical_name(plan.device.profile)
        if (sealed := store.profile_wifi_key(canonical)) is not None:
            return ("profiles", canonical, sealed)
    return None


def _unseal(vault: Vault | None, where: tuple[str, str, str] | None) -> Secret | None:
    if vault is None or where is None:
        return None
    table, row, token = where
    return vault.unseal(table, "wifi_key", row, token)


def _check_password(password: Secret | None) -> None:
    if password is None or len(password.reveal()) < device_package.PASSWORD_MIN:
        raise InputError(
            "the packages hold a Wi-Fi key, so they are encrypted: give a password of at least "
            f"{device_package.PASSWORD_MIN} characters (the person building the .ppkg needs "
            "it; on the command line, --password-file). Nothing was written."
        )


# -- writing --------------------------------------------------------------------------------


def _folder_name(serial: str) -> str:
    return device_package.folder_name(serial)


def _write_folder(
    out_dir: Path,
    root: Path,
    plan: _Plan,
    spec: PackageSpec | None,
    who: Actor,
    key: Ed25519PrivateKey,
    cart_key: DerivedKey | None,
    replace: bool,
    cart: CartBuild,
) -> tuple[DeviceFolder, list[signed.Entry], _Built | None]:
    """One device's folder, new (an old one is moved aside and removed only once the new
    one is whole). Its files are plain writes into a folder nobody else has seen yet; they
    are flushed with the cart's, before the manifest that names them. `root` is `out_dir`
    resolved: where the package is registered."""
    folder = out_dir / _folder_name(plan.serial)
    aside = _move_aside(folder) if replace and os.path.lexists(folder) else None
    entries: list[signed.Entry] = []

    def put(name: str, data: bytes) -> None:
        write_new(folder / name, [data])
        entries.append(
            signed.Entry(f"{folder.name}/{name}", len(data), hashlib.sha256(data).hexdigest())
        )

    made = False
    try:
        folder.mkdir(parents=True)
        made = True
        for name, data in plan.rendered.items():
            put(name, data)
        package, encrypted, build = None, False, None
        if spec is not None:
            build = _build_package(cart, root / folder.name, spec, who, key, cart_key)
            package, encrypted = Path(build.build.output).name, build.build.encrypted
            entries += _package_entries(root, build.build)
        put(readme.FILE_NAME, _readme(plan, package, encrypted, who))
    except BaseException:
        _undo_folder(folder, aside, made, root, cart)
        raise
    if aside is not None and aside.is_symlink():
        aside.unlink()  # a link was in the way (rmtree refuses links): the link goes
    elif aside is not None:
        shutil.rmtree(aside, ignore_errors=True)
    names = [*plan.rendered, *([package] if package else []), readme.FILE_NAME]
    return DeviceFolder(plan.serial, plan.name, folder, tuple(names)), entries, build


def _undo_folder(folder: Path, aside: Path | None, made: bool, root: Path, cart: CartBuild) -> None:
    """A device's folder that failed half-way: removed and the one it replaced put back;
    what cannot be removed (a file held open on Windows) goes as the cart ends. A folder
    someone else made meanwhile (`made` false) is not this write's to remove."""
    if made:
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            cart.forget_under(root / folder.name)  # gone: no longer the cart's to remove
            if aside is not None:
                aside.rename(folder)
            return
        cart.failed()
    if aside is not None:  # `verify` names it, beside the device folders
        log.warning("%s could not be put back; the old folder is %s", folder, aside)


def _package_entries(root: Path, build: PackageBuild) -> list[signed.Entry]:
    """A bundle's entry from what the build measured; a project folder's files hashed."""
    output = Path(build.output)
    if build.form == "bundle":
        relative = output.relative_to(root).as_posix()
        return [signed.Entry(relative, output.stat().st_size, build.sha256)]
    files = sorted(p for p in output.rglob("*") if p.is_file())
    found = []
    for path in files:
        entry = signed.hash_file(path)
        relative = path.relative_to(root).as_posix()
        found.append(signed.Entry(relative, entry.size, entry.sha256))
    return found


def _readme(plan: _Plan, package: str | None, encrypted: bool, who: Actor) -> bytes:
    wifi = plan.answers.wifi_ssid if plan.answers.network == "wifi" else None
    return readme.render(
        readme.Folder(
            plan.serial,
            plan.name,
            plan.device.profile,
            AUTOPILOT in plan.files,
            UNATTEND in plan.files,
            package,
            encrypted,
            wifi,
        ),
        plan.answers,
        who.audit_name,
        utcnow().strftime("%Y-%m-%d %H:%M UTC"),
    )


def _move_aside(folder: Path) -> Path:
    aside = folder.with_name(f".{folder.name}.replaced-{uuid.uuid4().hex[:8]}")
    folder.rename(aside)
    return aside


def _package_specs(
    store: Store, plans: list[_Plan], who: Actor, password: Secret | None
) -> dict[str, PackageSpec]:
    """Each package of the cart, by serial, before any is built: the cart's crash record
    names every output first. A package with a key is a signed, encrypted bundle; one
    without is the plain WCD project, readable where icd.exe runs."""
    wanted = [plan for plan in plans if PACKAGE in plan.files]
    names = [device_package.package_name(plan.serial) for plan in wanted]
    versions = next_versions(store, names, actor=who)
    specs = {}
    for plan, name in zip(wanted, names, strict=True):
        specs[plan.serial] = device_package.spec(
            plan.serial,
            plan.answers,
            plan.name,
            versions[name],
            wifi_key=plan.wifi_key,
            password=password,
        )
    return specs


def _output(spec: PackageSpec, folder: Path) -> Path:
    return builder.output_path(spec, folder, signed=spec.has_secrets)


def _build_package(
    cart: CartBuild,
    folder: Path,
    spec: PackageSpec,
    who: Actor,
    key: Ed25519PrivateKey,
    cart_key: DerivedKey | None,
) -> _Built:
    """Build through the package service (registry row; audited in the cart's entry), with
    the names of the files it packed."""
    secret = spec.has_secrets
    files: list[str] = []
    build = build_and_record(
        cart.store,
        spec,
        folder,
        key if secret else None,
        actor=who,
        derived=cart_key if secret else None,
        cart=cart,
        packed=lambda packed: files.extend(f.name for f in packed),
    )
    return _Built(build, tuple(files))


def _seal(
    store: Store,
    out_dir: Path,
    plans: list[_Plan],
    written: list[DeviceFolder],
    new_entries: list[signed.Entry],
    previous: signed.Manifest | None,
    key: Ed25519PrivateKey,
    who: Actor,
    replace: bool,
    packages: list[dict[str, object]],
) -> WriteResult:
    """Sign the manifest over what this write and the earlier ones left, then audit."""
    rewritten = {f.folder.name for f in written}
    devices = [d for d in (previous.devices if previous else ()) if d.folder not in rewritten]
    entries = [
        e for e in (previous.files if previous else ()) if e.path.split("/")[0] not in rewritten
    ]
    devices += [signed.DeviceRecord(d.serial, d.folder.name, d.device_name) for d in written]
    entries += new_entries
    target = out_dir / signed.FILE_NAME
    not_written = tuple(p.serial for p in plans[len(written) :])
    counts = {name: sum(name in p.files for p in plans[: len(written)]) for name in DEVICE_FILES}
    # Audited first: if the entry cannot be written, no signature vouches for the files.
    _audit(
        store,
        who,
        AuditAction.DEVICE_FILES_WRITE,
        f"{len(written)} device(s)",
        {
            "serials": [f.serial for f in written],
            "not_written": list(not_written),
            "folder": str(out_dir),
            "files": counts,
            "replace": replace,
            "wifi_key": "in encrypted bundles" if any(p.wifi_key for p in plans) else None,
            "signer": key_id(key.public_key()),
            # The packages built, each a registry row: this entry is their audit record.
            "packages": packages,
        },
    )
    if written or previous is not None:
        with atomic_write(target, binary=True) as handle:
            handle.write(signed.render(devices, entries, key))
    log.info("device files for %d device(s) written to %s", len(written), out_dir)
    return WriteResult(
        tuple(written), target, key_id(key.public_key()), bool(not_written), not_written
    )


def _package_details(root: Path, serial: str, built: _Built) -> dict[str, object]:
    """What a package build's own audit entry says (`packages._record`): the GUID a device
    reports, the signer, the form, where it is (within the cart) and the files packed."""
    build = built.build
    output = Path(build.output)
    try:
        where = output.relative_to(root).as_posix()
    except ValueError:
        where = str(output)
    return {
        "serial": serial,
        "build": build.id,
        "package_id": build.package_id,
        "name": build.name,
        "version": build.version,
        "form": build.form,
        "output": where,
        "files": list(built.files),
        "sha256": build.sha256,
        "encrypted": build.encrypted,
        "signer_key_id": build.signer_key_id,
        "owner": build.owner,
        "rank": build.rank,
    }


def _audit(
    store: Store, who: Actor, action: AuditAction, target: str, details: dict[str, object]
) -> None:
    with store.transaction():
        store.append_audit(who.audit_name, action, target, details)
