"""`joinery package ...`: build, sign, inspect, verify and unpack provisioning packages.

PROJECT (for `build`) is a customizations.xml, or a folder holding one; payload files named
in it are found as given, beside it, or in its payload/ folder. Register with
`cli.add_command(package)`. Exit status: 0 success, 1 rejected input, 2 usage error.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import date
from pathlib import Path
from typing import Any

import click

from app import services
from app.cli_base import Context, JoineryGroup, emit_json
from app.errors import InputError
from app.provisioning import build as builder
from app.provisioning import bundle, rules, signers, wcd_xml
from app.provisioning.bundle_format import BundleUntrusted, load_private_key
from app.provisioning.model import BulkToken, PackageSpec
from app.security.secret import Secret
from app.textsafe import printable

log = logging.getLogger(__name__)


def _joinery() -> Context | None:
    """The `joinery` context (a database to record and audit in) when the group runs under
    it; None when the group runs on its own."""
    return click.get_current_context().find_object(Context)


def read_password_file(path: str | None) -> Secret | None:
    """The password in `path` (one line; the line break is not part of it), or None."""
    if path is None:
        return None
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"Cannot read the password file {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        # Not the decoder's message: it would quote a byte of the password and its place.
        raise InputError(f"The password file {path} is not UTF-8 text.") from None
    password = text.rstrip("\r\n")
    if not password:
        raise InputError(f"The password file {path} is empty.")
    return Secret(password)


_PASSWORD = click.option(
    "--password-file",
    type=click.Path(dir_okay=False, exists=True),
    help="File holding the password.",
)
_JSON = click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
_TRUST = click.option(
    "--trust-key",
    "trust_keys",
    multiple=True,
    type=click.Path(dir_okay=False, exists=True),
    help="A trusted signer's public key (PEM); repeat for several. The bench's own keys "
    "are trusted without it.",
)


@click.group("package", cls=JoineryGroup)
def package() -> None:
    """Provisioning packages: the WCD project and Joinery's signed, encrypted bundle."""


@package.command("build")
@click.argument("project", type=click.Path(exists=True))
@click.option("-o", "--output", "out", required=True, type=click.Path(file_okay=False))
@_PASSWORD
@click.option(
    "--sign-key",
    type=click.Path(dir_okay=False, exists=True),
    help="Ed25519 private key (PEM): writes a signed bundle instead of a folder.",
)
@click.option(
    "--token-issued",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Day the bulk token was obtained (customizations.xml does not say).",
)
@click.option(
    "--token-expires",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Day the bulk token expires (at most 180 days after it was obtained).",
)
@_JSON
def build_command(
    project: str,
    out: str,
    password_file: str | None,
    sign_key: str | None,
    token_issued: Any,
    token_expires: Any,
    as_json: bool,
) -> None:
    """Build PROJECT into OUT: a signed bundle with --sign-key, else a plain project folder.

    A package holding secrets needs --sign-key and --password-file (20+ characters).
    """
    xml_path = Path(project)
    if xml_path.is_dir():
        xml_path = xml_path / builder.PROJECT_XML
    opened = wcd_xml.read_customizations(xml_path)
    spec = _with_answers(
        opened.spec,
        read_password_file(password_file),
        token_issued and token_issued.date(),
        token_expires and token_expires.date(),
    )
    key = load_private_key(Path(sign_key)) if sign_key else None
    for field, text in rules.warnings(spec):
        click.echo(f"joinery: note ({field}): {text}", err=True)
    root = _joinery()
    files: list[builder.PackedFile] = []
    if root is None:  # the group on its own (no database): build, record nothing
        record = builder.build_package(
            spec, Path(out), key, kept=opened.kept, base_dir=xml_path.parent
        )
        files += record.files
        document = record.as_json()
    else:  # under `joinery`: the build goes into the package registry, audited
        with root.store() as store:
            built = services.build_and_record(
                store,
                spec,
                Path(out),
                key,
                kept=opened.kept,
                base_dir=xml_path.parent,
                actor=root.actor(store),
                packed=files.extend,
            )
        document = {
            **dataclasses.asdict(built),
            "id": "{" + built.package_id + "}",
            "registry_id": built.id,
            "files": [f.as_json() for f in files],
        }
    if as_json:
        emit_json(document)
        return
    click.echo(f"Built {document['form']} {printable(document['output'])}")
    click.echo(
        f"  {document['name']} {document['version']}  {document['id']}  sha256 {document['sha256']}"
    )
    # Every file packed, and where it came from: nothing travels that the operator did not see.
    click.echo(f"  packed {len(files)} files:")
    for packed in files:
        click.echo(f"    {printable(packed.name)}  <-  {printable(packed.source)}")
    if document.get("token_account"):
        click.echo(
            f"  Bulk token expires {document['token_expires']}; revoke it early by deleting "
            f"the Entra user {document['token_account']}."
        )


def _with_answers(
    spec: PackageSpec, password: Secret | None, issued: date | None, expires: date | None
) -> PackageSpec:
    info = dataclasses.replace(spec.info, password=password)
    account = spec.account
    if isinstance(account, BulkToken):
        account = dataclasses.replace(
            account, issued=issued or account.issued, expires=expires or account.expires
        )
    return dataclasses.replace(spec, info=info, account=account)


@package.command("keygen")
@click.option("-o", "--output", "out", required=True, type=click.Path(file_okay=False))
def keygen_command(out: str) -> None:
    """Write an Ed25519 signing key pair (PEM) into a folder; pin the .pub where you verify."""
    private, public = builder.keygen(Path(out))
    click.echo(f"Private key (keep it safe, readable by you only): {private}")
    click.echo(f"Public key (give it to whoever verifies): {public}")


@package.command("inspect")
@click.argument("file", type=click.Path(dir_okay=False, exists=True))
@_TRUST
@_JSON
def inspect_command(file: str, trust_keys: tuple[str, ...], as_json: bool) -> None:
    """Show a bundle's metadata (never its secrets); the signature is checked too.

    Exits 1 when the signer is not trusted (the bench's own keys or --trust-key), after
    showing what the bundle says it is.
    """
    keys = signers.trusted_keys([Path(k) for k in trust_keys])
    verdict = bundle.inspect_bundle(Path(file), keys)
    _report(verdict, as_json)
    if not verdict.trusted:
        raise BundleUntrusted(_untrusted(verdict))


@package.command("verify")
@click.argument("file", type=click.Path(dir_okay=False, exists=True))
@_PASSWORD
@_TRUST
@_JSON
def verify_command(
    file: str, password_file: str | None, trust_keys: tuple[str, ...], as_json: bool
) -> None:
    """Check signature (first), signer, and with the password every member's SHA-256."""
    password = read_password_file(password_file)
    root = _joinery()
    if root is None:  # the group on its own (no database): check, record nothing
        keys = services.signer_keys([Path(k) for k in trust_keys], Path(file))
        verdict = bundle.verify_bundle(Path(file), keys, password)
    else:  # under `joinery`: every verify is audited, a failed one too
        with root.store() as store:
            verdict = services.verify_package(
                store,
                Path(file),
                password=password,
                trust_keys=[Path(k) for k in trust_keys] or None,
                actor=root.actor(store),
            )
    _report(verdict, as_json)


def _report(verdict: bundle.Verdict, as_json: bool) -> None:
    """What a bundle says it is. Every string from the file goes through `printable`: a
    header field holding terminal escapes must not rewrite the lines above it."""
    if as_json:
        emit_json(verdict.as_json())
        return
    header = verdict.header
    fields = {key: printable(value) for key, value in header.package.items()}
    click.echo(f"{printable(verdict.path)}: signature valid, signer {header.key_id}")
    trusted = {
        True: "trusted",
        False: "NOT TRUSTED (not the bench's key, nor one given with --trust-key)",
        None: "NOT CHECKED (no trusted key: give --trust-key)",
    }[verdict.trusted]
    click.echo(f"  signer: {trusted}")
    click.echo(
        f"  package: {fields.get('name')} {fields.get('version')} "
        f"{fields.get('id')} owner {fields.get('owner')} "
        f"rank {fields.get('rank')}"
    )
    click.echo(f"  encrypted: {'yes' if header.encryption else 'no'}; sha256 {verdict.sha256}")
    if fields.get("token_expires") not in (None, "None"):
        click.echo(
            f"  bulk token expires {fields['token_expires']} ({fields.get('token_account')})"
        )
    if verdict.members is None:
        click.echo("  members: not read (encrypted; give --password-file to check them)")
    else:
        click.echo(f"  members: {len(verdict.members)} checked")
        for entry in verdict.members:
            click.echo(f"    {entry.size:>12}  {printable(entry.name)}")


def _untrusted(verdict: bundle.Verdict) -> str:
    return (
        f"{printable(verdict.path)} is signed by key {verdict.header.key_id}, which is not "
        "trusted here: it is not one of this bench's keys and was not given with --trust-key. "
        "Do not use it unless you know who made it."
    )


@package.command("from-xml")
@click.argument("xml", type=click.Path(dir_okay=False, exists=True))
@_JSON
def from_xml_command(xml: str, as_json: bool) -> None:
    """Report PackageConfig and every setting of a customizations.xml (secrets masked)."""
    opened = wcd_xml.read_customizations(Path(xml))
    document = opened.as_json()
    if as_json:
        emit_json(document)
        return
    config = opened.config
    # Every string comes from the file: shown with control characters escaped.
    shown = printable
    click.echo(
        f"{shown(xml)}: {shown(config.name)} {shown(config.version)} {shown(config.id)} "
        f"owner {shown(config.owner)} rank {shown(config.rank)}"
    )
    for setting in opened.common:
        click.echo(f"  {shown(setting.path)} = {shown(setting.as_json()['value'])}")
    for target in opened.targets:
        states = " or ".join(" and ".join(f"{n}={v}" for n, v in s) for s in target.states)
        click.echo(f"  target {shown(target.id)}: {shown(states)}")
    for variant in opened.variants:
        click.echo(f"  variant for {shown(', '.join(variant.targets))}:")
        for setting in variant.settings:
            click.echo(f"    {shown(setting.path)} = {shown(setting.as_json()['value'])}")
    kept = len(opened.kept_settings) + sum(len(v.settings) for v in opened.variants)
    click.echo(
        f"  Joinery shows {len(opened.common) - len(opened.kept_settings)} of these "
        f"settings and keeps {kept} others untouched."
    )


@package.command("unpack")
@click.argument("bundle_file", metavar="BUNDLE", type=click.Path(dir_okay=False, exists=True))
@click.option("-o", "--output", "out", required=True, type=click.Path(file_okay=False))
@_PASSWORD
@_TRUST
@click.option(
    "--trust-any-signer",
    "any_signer",
    is_flag=True,
    help="Unpack even when the signer is not trusted (a warning says so). Its build-ppkg.cmd "
    "runs elevated: use only for a bundle whose origin you know.",
)
def unpack_command(
    bundle_file: str,
    out: str,
    password_file: str | None,
    trust_keys: tuple[str, ...],
    any_signer: bool,
) -> None:
    """Verify BUNDLE and write its WCD project into a new private folder, for icd.exe.

    The signer must be trusted: one of the bench's own keys, or a key given with
    --trust-key.
    """
    password = read_password_file(password_file)
    pinned = [Path(k) for k in trust_keys]
    root = _joinery()
    if root is None:  # the group on its own (no database): unpack, record nothing
        keys = services.signer_keys(pinned, Path(bundle_file), any_signer=any_signer)
        verdict = bundle.unpack_bundle(
            Path(bundle_file), Path(out), password, keys, any_signer=any_signer
        )
    else:  # under `joinery`: secrets are about to be on a disk in the clear; audited
        with root.store() as store:
            verdict = services.unpack_package(
                store,
                Path(bundle_file),
                Path(out),
                password=password,
                trust_keys=pinned,
                any_signer=any_signer,
                actor=root.actor(store),
            )
    click.echo(f"Unpacked {len(verdict.members or ())} files into {printable(out)}.")
    if verdict.trusted:
        click.echo(
            f"Run {printable(Path(out) / builder.SCRIPT)} from an elevated prompt on the "
            "Windows build machine; it deletes the folder when the project holds secrets."
        )
        return
    click.echo(
        f"joinery: warning: --trust-any-signer: the signer ({verdict.header.key_id}) was NOT "
        "checked. Anyone could have made this bundle. Read customizations.xml and "
        f"{builder.SCRIPT} before running anything from {printable(out)}, and never run it "
        "elevated unless you know who made it.",
        err=True,
    )
