"""The `joinery` command line (click). Headless twin of the kiosk: same services, same rules.

Exit status: 0 success, 1 the input was rejected (stderr says why), 2 usage error.
"""

from __future__ import annotations

import itertools
import json
import logging
import sys
from pathlib import Path

import click
from click.core import ParameterSource

from app import paths, services
from app.cli_base import PIN_ENV, Context, JoineryGroup, echo_rejected, emit_json, pin_input
from app.compliance.words import state_words
from app.domain import ComplianceState, DeviceQuery
from app.security.roles import Role
from app.security.secret import Secret
from app.textsafe import printable

log = logging.getLogger(__name__)

STATES = [s.value for s in ComplianceState]


#: Command groups defined in modules of their own: imported when named (JoineryGroup).
LAZY_COMMANDS = {
    "policy": "app.cli_compliance:policy",
    "fleet": "app.cli_compliance:fleet",
    "stale": "app.cli_compliance:stale",
    "package": "app.cli_package:package",
    "device-files": "app.cli_device_files:device_files",
    "tenant": "app.cli_tenant:tenant",
}


@click.group(
    cls=JoineryGroup,
    lazy=LAZY_COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option(
    "--db",
    type=click.Path(dir_okay=False),
    envvar=paths.DB_ENV,
    help="Database file (default: joinery.db in the user data directory; env JOINERY_DB).",
)
@click.option(
    "--operator",
    metavar="NAME",
    help=f"Act as this kiosk operator, with their role (PIN from {PIN_ENV} or a prompt).",
)
@click.option("-v", "--verbose", is_flag=True, help="Log what happens on stderr.")
@click.pass_context
def cli(ctx: click.Context, db: str | None, operator: str | None, verbose: bool) -> None:
    """Joinery: prepare Windows devices for Microsoft Entra join at the imaging bench."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.INFO if verbose else logging.WARNING)
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, handlers=[handler])
    source = ctx.get_parameter_source("db")
    ctx.obj = Context(
        db, operator, paths.DB_ENV if source == ParameterSource.ENVIRONMENT else "--db"
    )


# -- autopilot ------------------------------------------------------------------------------


@cli.group(lazy={"upload": "app.cli_tenant:autopilot_upload"})
def autopilot() -> None:
    """Windows Autopilot hardware-hash CSV files."""


@autopilot.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows; report the rest.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_obj
def autopilot_import(
    obj: Context, files: tuple[str, ...], skip_invalid: bool, as_json: bool
) -> None:
    """Import hardware-hash CSV files (as Get-WindowsAutopilotInfo writes them), atomically."""
    with obj.store() as store:
        report = services.import_autopilot(
            store, files, skip_invalid=skip_invalid, actor=obj.actor(store)
        )
    if as_json:
        emit_json(report.as_json())
        return
    click.echo(
        f"Imported {report.imported} new, updated {report.updated}, recorded "
        f"{report.reimaged} reimage(s), {report.unchanged} unchanged, "
        f"{report.rejected_count} rejected."
    )
    for row in report.warnings:  # as `ingest` shows its notes
        click.echo(f"  note: {printable(row['file'])}: {printable(row['reason'])}", err=True)
    echo_rejected(report.rejected, more=report.more_rejected)


@autopilot.command("export")
@click.argument("outdir", type=click.Path(file_okay=False))
@click.option("--group-tag", help="Only devices with this group tag.")
@click.option("--overwrite", is_flag=True, help="Replace autopilot-NNN.csv files in OUTDIR.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_obj
def autopilot_export(
    obj: Context, outdir: str, group_tag: str | None, overwrite: bool, as_json: bool
) -> None:
    """Write Intune-ready CSV files: ANSI, CRLF, no quotes, 500 devices per file."""
    with obj.store() as store:
        report = services.export_autopilot(
            store, outdir, group_tag=group_tag, overwrite=overwrite, actor=obj.actor(store)
        )
    if as_json:
        emit_json(report.as_json())
        return
    click.echo(f"Wrote {report.devices} device(s) to {len(report.files)} file(s) in {outdir}:")
    for name in report.files:
        click.echo(f"  {name}")
    if report.skipped:
        click.echo(
            f"Left out {len(report.skipped)} device(s) with no hardware hash (collect it on the "
            "device with Get-JoineryReport.ps1 or Get-WindowsAutopilotInfo, then import it):"
        )
        for serial in report.skipped[:_SHOWN]:
            click.echo(f"  {serial}")
        if len(report.skipped) > _SHOWN:
            click.echo(f"  ... and {len(report.skipped) - _SHOWN} more (--json lists them all)")


_SHOWN = 20  # serials listed in the text output; --json lists every one


# -- enroll ---------------------------------------------------------------------------------


@cli.command()
@click.argument("serial")
@click.option("--profile", help="Bench profile whose answers to use (default: Default).")
@click.option("--name", help="Device name (default: from the profile's naming template).")
@click.option("--user", help="The user's organizational UPN.")
@click.option("--edition", help="Windows edition, e.g. 'Windows 11 Pro'.")
@click.option("--build", help="Windows build or release, e.g. 10.0.26100 or 24H2.")
@click.option("--group-tag", help="Group tag (overrides the profile's).")
@click.option(
    "--method",
    type=click.Choice(["selfService", "bulk", "autopilot"]),
    help="Provisioning method (minimum builds differ).",
)
@click.option("--update", is_flag=True, help="Enroll again a device that is already enrolled.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_obj
def enroll(
    obj: Context,
    serial: str,
    profile: str | None,
    name: str | None,
    user: str | None,
    edition: str | None,
    build: str | None,
    group_tag: str | None,
    method: str | None,
    update: bool,
    as_json: bool,
) -> None:
    """Enroll one device: the wizard's checks and commit, headless."""
    overrides = (
        ("edition", edition),
        ("build", build),
        ("group_tag", group_tag),
        ("provisioning_method", method),
    )
    request = services.EnrollRequest(
        serial, profile, name, user, update, tuple((k, v) for k, v in overrides if v is not None)
    )
    with obj.store() as store:
        result = services.enroll_device(store, request, actor=obj.actor(store))
    if as_json:
        emit_json(result.as_json())
        return
    verb = "Enrolled" if result.created else "Enrolled (updated record of)"
    click.echo(
        f"{verb} {result.device.serial} as {result.device.device_name}: prepared at the "
        f"bench, until a check-in confirms its join. {result.verdict.reason}"
    )
    for note in result.warnings:
        click.echo(f"joinery: note: {note}", err=True)
    for warning in result.verdict.warnings:
        click.echo(f"joinery: warning: {warning}", err=True)


@cli.command()
@click.argument("serial")
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    type=click.Path(dir_okay=False),
    help="FILE.png, FILE.svg or FILE.pdf",
)
@click.pass_obj
def label(obj: Context, serial: str, output: str) -> None:
    """Write a device's QR label (no secrets: serial, name, record id, group tag)."""
    with obj.store() as store:
        path = services.write_label(store, serial, output, actor=obj.actor(store))
    click.echo(f"Label for {serial} written to {path}.")


# -- devices --------------------------------------------------------------------------------


@cli.group()
def devices() -> None:
    """The device registry."""


@devices.command("list")
@click.option("--state", type=click.Choice(STATES), help="Only devices in this compliance state.")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many devices.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document (a list).")
@click.pass_obj
def devices_list(obj: Context, state: str | None, limit: int | None, as_json: bool) -> None:
    """List devices by serial: all matching devices unless --limit."""
    query = DeviceQuery(state=state)
    with obj.store() as store:
        listed = services.list_devices(store, query, limit, actor=obj.actor(store))
        first = next(listed, None)  # a failing read fails here, before anything is printed
        found = listed if first is None else itertools.chain([first], listed)
        if as_json:
            # Streamed element by element: a million devices never sit in memory at once.
            click.echo("[", nl=False)
            for index, device in enumerate(found):
                click.echo(("," if index else "") + "\n  " + json.dumps(device.__dict__), nl=False)
            click.echo("\n]")
            return
        for device in found:
            click.echo(
                f"{device.serial:<16} {device.device_name or '-':<16} {device.model or '-':<26} "
                f"{state_words(device.compliance_state):<16} {device.last_checkin or '-'}"
            )


# -- operators and settings -------------------------------------------------------------------

NEW_PIN_ENV = "JOINERY_NEW_PIN"


def _new_pin(name: str) -> Secret:
    return pin_input(NEW_PIN_ENV, f"New PIN for {name}", f"no PIN for {name}", confirm=True)


@cli.group("operator")
def operator_group() -> None:
    """Kiosk operators (admins only)."""


@operator_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.pass_obj
def operator_add(obj: Context, name: str, role: str) -> None:
    """Add an operator (PIN from JOINERY_NEW_PIN or asked twice)."""
    with obj.store() as store:
        actor = obj.actor(store)
        services.create_operator(store, name, Role(role), _new_pin(name), actor=actor)
    click.echo(f"Added {name} as {role}.")


@operator_group.command("reset-pin")
@click.argument("name")
@click.pass_obj
def operator_reset_pin(obj: Context, name: str) -> None:
    """Give an operator a new PIN; clears their back-off and re-enables them."""
    with obj.store() as store:
        services.reset_pin(store, name, _new_pin(name), actor=obj.actor(store))
    click.echo(f"New PIN set for {name}.")


@operator_group.command("disable")
@click.argument("name")
@click.pass_obj
def operator_disable(obj: Context, name: str) -> None:
    """Stop an operator from signing in (enable, or a new PIN, lets them back)."""
    with obj.store() as store:
        services.set_operator_disabled(store, name, True, actor=obj.actor(store))
    click.echo(f"Disabled {name}.")


@operator_group.command("enable")
@click.argument("name")
@click.pass_obj
def operator_enable(obj: Context, name: str) -> None:
    """Let a disabled operator sign in again (their failed attempts start from zero)."""
    with obj.store() as store:
        services.set_operator_disabled(store, name, False, actor=obj.actor(store))
    click.echo(f"Enabled {name}.")


@operator_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_obj
def operator_list(obj: Context, as_json: bool) -> None:
    """Operators, their roles and whether they are locked out."""
    with obj.store() as store:
        rows = [
            {
                "name": r.name,
                "role": r.role.value,
                "failures": r.failures,
                "locked_until": r.locked_until,
                "disabled": r.disabled,
            }
            for r in services.list_operators(store, actor=obj.actor(store))
        ]
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        state = (
            "disabled"
            if row["disabled"]
            else (f"locked until {row['locked_until']}" if row["locked_until"] else "active")
        )
        click.echo(f"{row['name']:<24} {row['role']:<11} {state}")


@cli.group("settings")
def settings_group() -> None:
    """Kiosk settings."""


@settings_group.command("show")
@click.pass_obj
def settings_show(obj: Context) -> None:
    """Every setting, its value and what it means."""
    with obj.store() as store:
        values = services.settings_values(store, actor=obj.actor(store))
        for key, setting in services.SETTINGS.items():
            shown = setting.show(values[key])
            click.echo(f"{key} = {shown}    # {setting.description}")


@settings_group.command("set")
@click.argument("key")
@click.argument("value")
@click.pass_obj
def settings_set(obj: Context, key: str, value: str) -> None:
    """Change a setting (admins only; audited)."""
    with obj.store() as store:
        services.save_settings(store, {key: value}, actor=obj.actor(store))
    click.echo(f"{key} = {value}")


# -- audit ----------------------------------------------------------------------------------


@cli.group()
def audit() -> None:
    """The tamper-evident audit trail."""


@audit.command("verify")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_obj
def audit_verify(obj: Context, as_json: bool) -> None:
    """Check the hash chain: any edited, deleted, inserted or reordered entry is named."""
    with obj.store() as store:
        verdict = services.verify_audit(store, actor=obj.actor(store))
    if as_json:
        document = verdict.as_json()
        if not verdict.ok:
            document["error"] = f"the audit trail was tampered with: {verdict.reason}"
        emit_json(document)
    elif verdict.ok:
        click.echo(
            f"The audit trail is intact: {verdict.entries} entries"
            + (f" ({verdict.unchained} from before the chain)" if verdict.unchained else "")
            + f". Head: {verdict.head or '-'}"
        )
        for note in verdict.notes:
            click.echo(f"Note: {note}.")
        click.echo("File the head somewhere else (a ticket, a printout) to anchor the trail.")
    if not verdict.ok:
        click.echo(f"joinery: the audit trail was tampered with: {verdict.reason}.", err=True)
        raise SystemExit(1)


# -- demo -----------------------------------------------------------------------------------


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option(
    "--skip-invalid", is_flag=True, help="Record the good check-ins, report the bad ones."
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_obj
def ingest(obj: Context, paths: tuple[str, ...], skip_invalid: bool, as_json: bool) -> None:
    """Record check-ins: collector reports, a folder of them (a USB stick), or an Intune export."""
    with obj.store() as store:
        report = services.ingest_files(
            store, paths, skip_invalid=skip_invalid, actor=obj.actor(store)
        )
    if as_json:
        emit_json(report.as_json())
        return
    click.echo(
        f"Read {report.read} check-in(s) from {len(report.files)} file(s); recorded "
        f"{report.recorded}, {report.changed} device(s) changed state, "
        f"{len(report.rejected)} rejected."
    )
    # Reasons quote the files (a collector's own error text): shown with controls escaped.
    for row in report.warnings:
        click.echo(f"  note: {printable(row['file'])}: {printable(row['reason'])}", err=True)
    echo_rejected(report.rejected)


@cli.group("demo", lazy={"simulate": "app.cli_compliance:simulate"})
def demo_group() -> None:
    """A believable demo fleet, for trying Joinery out and for benchmarks."""


@demo_group.command("seed")
@click.option(
    "--devices",
    "count",
    type=click.IntRange(min=1, max=5_000_000),
    default=5000,
    show_default=True,
    help="How many devices to add.",
)
@click.option(
    "--seed",
    "seed_value",
    type=int,
    default=7,
    show_default=True,
    help="Random seed: the same seed gives the same fleet.",
)
@click.pass_obj
def demo_seed(obj: Context, count: int, seed_value: int) -> None:
    """Add a demo fleet (real vendors, models, serial patterns, Windows builds)."""
    with (
        obj.store() as store,
        click.progressbar(length=count, label="Seeding", file=sys.stderr) as bar,
    ):
        done = [0]

        def advance(added: int, _total: int) -> None:
            bar.update(added - done[0])
            done[0] = added

        added = services.seed_demo(
            store, count, seed=seed_value, progress=advance, actor=obj.actor(store)
        )
        total = store.count_devices()
    click.echo(f"Added {added} demo devices to {obj.db_path} ({total} in all).")


@demo_group.command("autopilot-csv")
@click.argument("outdir", type=click.Path(file_okay=False))
@click.option(
    "--devices", "count", type=click.IntRange(min=1, max=100_000), default=300, show_default=True
)
@click.option(
    "--encoding",
    type=click.Choice(["utf-16", "utf-8", "ansi"]),
    default="utf-16",
    show_default=True,
    help="utf-16: Windows PowerShell 5.1; utf-8: PowerShell 7.",
)
@click.option(
    "--per-file",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Devices per file (1: one file per device, as captured at the bench).",
)
@click.option("--group-tag", help="Write a Group Tag column with this value.")
@click.option("--seed", "seed_value", type=int, default=11, show_default=True)
def demo_autopilot_csv(
    outdir: str, count: int, encoding: str, per_file: int, group_tag: str | None, seed_value: int
) -> None:
    """Write hardware-hash CSV files like Get-WindowsAutopilotInfo on COUNT new devices."""
    from app import demo  # the demo fleet's generator: loaded for this command only

    target = Path(outdir)
    target.mkdir(parents=True, exist_ok=True)
    rows = demo.autopilot_rows(count, seed=seed_value, group_tag=group_tag)
    written = 0
    for start in range(0, len(rows), per_file):
        chunk = rows[start : start + per_file]
        name = (
            f"{chunk[0].serial}.csv" if per_file == 1 else f"hwid-{start // per_file + 1:03d}.csv"
        )
        (target / name).write_bytes(demo.capture_csv(chunk, encoding=encoding))
        written += 1
    click.echo(f"Wrote {count} device(s) in {written} file(s) to {target}.")


def main() -> None:
    cli(prog_name="joinery")
