"""Build a package: the WCD project (customizations.xml, payload, build-ppkg.cmd) and, when
signed, the Joinery bundle that carries it. Also `keygen` for the signing key pair.

A project holding a secret is never written as a plain folder: it leaves Joinery only
inside the encrypted bundle, and its build-ppkg.cmd deletes the unpacked project once
icd.exe has run. Joinery never writes a .ppkg itself: only icd.exe on Windows does.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from xml.etree.ElementTree import Element

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.errors import InputError, Problem
from app.fileutil import atomic_write
from app.provisioning import bundle, rules, wcd_xml
from app.provisioning.bundle_format import CHUNK_SIZE, SUFFIX, DerivedKey, KdfCost, key_id
from app.provisioning.model import BulkToken, PackageSpec, resolve
from app.security.private import make_folder
from app.timeutil import iso, utcnow

log = logging.getLogger(__name__)

PROJECT_XML = "customizations.xml"
SCRIPT = "build-ppkg.cmd"
PRIVATE_KEY = "joinery-signing.key"
PUBLIC_KEY = "joinery-signing.pub"
ICD_DEFAULT = (
    r"%ProgramFiles(x86)%\Windows Kits\10\Assessment and Deployment Kit"
    r"\Imaging and Configuration Designer\x86\ICD.exe"
)


@dataclass(frozen=True)
class PackageRecord:
    """What the package registry stores about one build (no secrets)."""

    id: uuid.UUID
    name: str
    version: str
    owner: str
    rank: int
    created: str
    form: str  # "bundle" or "project"
    encrypted: bool
    signer_key_id: str | None
    sha256: str
    output: Path
    token_expires: date | None
    token_account: str | None

    def as_json(self) -> dict[str, object]:
        document = dict(self.__dict__)
        document.update(id="{" + str(self.id) + "}", output=str(self.output))
        document["token_expires"] = self.token_expires.isoformat() if self.token_expires else None
        return document


def build_package(
    spec: PackageSpec,
    out_dir: Path,
    signing_key: Ed25519PrivateKey | None = None,
    *,
    kept: Element | None = None,
    base_dir: Path | None = None,
    today: date | None = None,
    kdf_cost: KdfCost = bundle.DEFAULT_COST,
    kdf_bounds: bundle.KdfBounds = bundle.DEFAULT_BOUNDS,
    chunk_size: int = CHUNK_SIZE,
    derived: DerivedKey | None = None,
) -> PackageRecord:
    """Write `spec` to `out_dir`: a signed bundle if `signing_key`, else a project folder.

    `kept` is the rest of a re-opened customizations.xml (written back untouched);
    relative payload paths are found in `base_dir`; `derived` is a key already derived
    from the package password (one KDF for a cart). InputError lists every problem.
    """
    secret = spec.has_secrets or bool(kept is not None and wcd_xml.secrets_in(kept))
    _check(spec, secret, signing_key, today, base_dir)
    xml = wcd_xml.render(spec, kept)
    stem = file_stem(spec)
    members = [bundle.Member(PROJECT_XML, xml), bundle.Member(SCRIPT, build_script(spec, secret))]
    members += [
        bundle.Member(f"{wcd_xml.PAYLOAD_DIR}/{name}", resolve(source, base_dir))
        for source, name in spec.payload_files()
    ]
    out_dir.mkdir(parents=True, exist_ok=True)
    if signing_key is None:
        output = _write_project(out_dir / stem, members)
        digest, signer = hashlib.sha256(xml).hexdigest(), None
    else:
        written = bundle.write_bundle(
            out_dir / f"{stem}{SUFFIX}",
            members,
            header_metadata(spec, secret),
            signing_key,
            password=spec.info.password,
            kdf_cost=kdf_cost,
            kdf_bounds=kdf_bounds,
            chunk_size=chunk_size,
            derived=derived,
        )
        output, digest, signer = written.path, written.sha256, written.key_id
    return _record(spec, output, signer, digest, "project" if signing_key is None else "bundle")


def _check(
    spec: PackageSpec,
    secret: bool,
    signing_key: Ed25519PrivateKey | None,
    today: date | None,
    base_dir: Path | None,
) -> None:
    found = rules.problems(spec, today=today, base_dir=base_dir)
    if secret and spec.info.password is None and not any(f == "info.password" for f, _ in found):
        found.append(
            (
                "info.password",
                "Settings kept from the opened file hold secrets, so "
                "the package must be protected with a password.",
            )
        )
    if secret and signing_key is None:
        found.append(
            (
                "info.signing_key",
                "A package holding secrets travels only as a signed, "
                "encrypted bundle: choose a signing key.",
            )
        )
    if found:
        problems = [Problem("package", None, field, reason) for field, reason in found]
        raise InputError(f"The package {spec.info.name!r} cannot be built yet.", problems)


def file_stem(spec: PackageSpec) -> str:
    """ "Bench-Entra-1.2": the name (spaces as hyphens) and version, for files and folders."""
    return re.sub(r"\s+", "-", spec.info.name.strip()) + f"-{spec.info.version}"


def header_metadata(spec: PackageSpec, secret: bool) -> dict[str, object]:
    """The bundle header's package fields: readable by anyone, so never a secret."""
    token = spec.account if isinstance(spec.account, BulkToken) else None
    return {
        "id": spec.info.braced_id,
        "name": spec.info.name,
        "version": spec.info.version,
        "owner": spec.info.owner,
        "rank": spec.info.rank,
        "created": iso(utcnow()),
        "has_secrets": secret,
        "token_expires": token.expires.isoformat() if token and token.expires else None,
        "token_account": spec.info.token_account if token else None,
    }


def _record(
    spec: PackageSpec, output: Path, signer: str | None, digest: str, form: str
) -> PackageRecord:
    token = spec.account if isinstance(spec.account, BulkToken) else None
    return PackageRecord(
        id=spec.info.package_id,
        name=spec.info.name,
        version=spec.info.version,
        owner=spec.info.owner,
        rank=spec.info.rank,
        created=iso(utcnow()),
        form=form,
        encrypted=form == "bundle" and spec.info.password is not None,
        signer_key_id=signer,
        sha256=digest,
        output=output,
        token_expires=token.expires if token else None,
        token_account=spec.info.token_account if token else None,
    )


def _write_project(folder: Path, members: list[bundle.Member]) -> Path:
    if folder.exists():
        raise InputError(f"{folder} already exists: remove it or change the version.")
    folder.mkdir()
    for member in members:
        target = folder.joinpath(*member.name.split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        data = member.source if isinstance(member.source, bytes) else member.source.read_bytes()
        with atomic_write(target, binary=True) as handle:
            handle.write(data)
    log.info("project %s written (%d files)", folder, len(members))
    return folder


def build_script(spec: PackageSpec, secret: bool) -> bytes:
    """build-ppkg.cmd: run icd.exe on this folder; with secrets, delete the folder afterwards.

    Usage on Windows, elevated: build-ppkg.cmd [OUTPUT.ppkg]. The default output sits
    beside the project folder, so deleting the folder keeps the .ppkg. icd.exe's +Encrypted
    prints the package password it generated: note it, it is shown only there.
    """
    encrypted = " +Encrypted" if spec.info.password is not None else ""
    lines = [
        "@echo off",
        f"rem Made by Joinery: package {spec.info.name} {spec.info.version} {spec.info.braced_id}.",
        "rem Compiles this WCD project with icd.exe (Windows ADK). Run from an elevated prompt.",
        "rem Usage: build-ppkg.cmd [OUTPUT.ppkg]",
        "setlocal",
        'set "PROJECT=%~dp0"',
        'set "PPKG=%~1"',
        f'if "%PPKG%"=="" set "PPKG=%~dp0..\\{file_stem(spec)}.ppkg"',
        'set "ICD=%JOINERY_ICD%"',
        f'if "%ICD%"=="" set "ICD={ICD_DEFAULT}"',
        'if not exist "%ICD%" echo icd.exe not found at "%ICD%": install the ADK or set '
        "JOINERY_ICD. 1>&2",
        'if not exist "%ICD%" exit /b 9009',
        'pushd "%PROJECT%"',
        '"%ICD%" /Build-ProvisioningPackage /CustomizationXML:"%PROJECT%customizations.xml" '
        f'/PackagePath:"%PPKG%"{encrypted} +Overwrite',
        'set "RC=%ERRORLEVEL%"',
        "popd",
    ]
    if secret:
        lines += [
            "rem The project holds secrets in plain text: delete it now that icd.exe has run,",
            "rem whether or not it succeeded. (goto) ends this script before its file is gone.",
            'cd /d "%TEMP%"',
            '(goto) 2>nul & rmdir /s /q "%PROJECT%" & exit /b %RC%',
        ]
    else:
        lines.append("exit /b %RC%")
    return ("\r\n".join(lines) + "\r\n").encode("ascii")


def keygen(out_dir: Path) -> tuple[Path, Path]:
    """A new Ed25519 signing key pair as PEM: (private key, 0600; public key to pin)."""
    make_folder(out_dir)  # missing parents too (the data folder) are made private
    private_path, public_path = out_dir / PRIVATE_KEY, out_dir / PUBLIC_KEY
    for path in (private_path, public_path):
        if path.exists():
            raise InputError(f"{path} already exists: keygen never replaces a key.")
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(private)
        handle.flush()
        os.fsync(handle.fileno())
    with atomic_write(public_path, binary=True) as handle:
        handle.write(public)
    log.info("signing key %s written to %s", key_id(key.public_key()), out_dir)
    return private_path, public_path
