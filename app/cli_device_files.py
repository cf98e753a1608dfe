"""`joinery device-files ...`: the files a device applies at its OOBE, and their check.

    joinery device-files SERIAL... -o DIR [--only autopilot|unattend|package] [--json]
    joinery device-files verify DIR [--trust-key PUB] [--json]

`device-files SERIAL...` is short for `device-files write SERIAL...` (a serial that is
literally "verify" is written with the long form). Register with `cli.add_command`.
"""

from __future__ import annotations

from pathlib import Path

import click

from app import services
from app.cli_base import Context, JoineryGroup, emit_json
from app.cli_package import read_password_file
from app.enrollment import DEVICE_FILES
from app.textsafe import printable

_JSON = click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
_TRUST = click.option(
    "--trust-key",
    "trust_keys",
    multiple=True,
    type=click.Path(dir_okay=False, exists=True),
    help="A trusted signer's public key (PEM); repeat for several.",
)


class _WriteByDefault(JoineryGroup):
    """A group whose first argument, when it names no subcommand, is a serial to write."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["write", *args]
        return super().parse_args(ctx, args)


@click.group("device-files", cls=_WriteByDefault)
def device_files() -> None:
    """Device-ready files: AutopilotConfigurationFile.json, unattend.xml, the device's
    provisioning package and a signed manifest, one folder per serial."""


@device_files.command("write")
@click.argument("serials", nargs=-1, required=True)
@click.option(
    "-o", "--output", "out", required=True, type=click.Path(file_okay=False), help="Folder."
)
@click.option(
    "--only",
    multiple=True,
    type=click.Choice(DEVICE_FILES),
    help="Write only these files (repeat for several); default: each bench profile's.",
)
@click.option("--replace", is_flag=True, help="Replace device folders already in the folder.")
@click.option(
    "--password-file",
    type=click.Path(dir_okay=False, exists=True),
    help="Password (20+ characters) that encrypts packages holding a Wi-Fi key.",
)
@_JSON
@click.pass_obj
def write_command(
    obj: Context,
    serials: tuple[str, ...],
    out: str,
    only: tuple[str, ...],
    replace: bool,
    password_file: str | None,
    as_json: bool,
) -> None:
    """Write the device files of each SERIAL into a folder of its own under the folder -o,
    with one signed manifest.json for them all."""
    password = read_password_file(password_file)
    with obj.store() as store:
        result = services.write_device_files(
            store,
            serials,
            Path(out),
            only=only or None,
            actor=obj.actor(store),
            replace=replace,
            password=password,
        )
    if as_json:
        emit_json(result.as_json())
        return
    click.echo(f"Wrote the device files of {len(result.written)} device(s) into {out}:")
    for folder in result.written:
        click.echo(f"  {folder.serial:<16} {', '.join(folder.files)}")
    click.echo(f"Signed manifest: {result.manifest} (signer {result.signer_key_id}).")
    click.echo(
        f"Check them before use: joinery device-files verify {out} "
        f"--trust-key {services.bench_signing_key()[1]}"
    )


@device_files.command("verify")
@click.argument("folder", type=click.Path(file_okay=False, exists=True))
@_TRUST
@_JSON
@click.pass_obj
def verify_command(obj: Context, folder: str, trust_keys: tuple[str, ...], as_json: bool) -> None:
    """Check every file under FOLDER's device folders against its signed manifest.json;
    exit 1 naming the first that does not match (changed, missing, or added to a device
    folder). What else FOLDER holds is named as not checked."""
    with obj.store() as store:
        verdict = services.verify_device_files(
            store,
            Path(folder),
            trust_keys=[Path(k) for k in trust_keys] or None,
            actor=obj.actor(store),
        )
    if as_json:
        emit_json(verdict.as_json())
        return
    signer = (
        "a trusted signer"
        if verdict.trusted
        else "not compared with a trusted key (give --trust-key)"
    )
    click.echo(
        f"{verdict.path}: signature valid, signer {verdict.key_id}, {signer}; "
        f"{verdict.files} file(s) of {len(verdict.devices)} device(s) match."
    )
    if verdict.unlisted:
        shown = ", ".join(printable(name) for name in verdict.unlisted)
        click.echo(
            f"Not in the manifest, so not checked: {shown}. They are not from this write: "
            "use only the device folders it lists.",
            err=True,
        )
