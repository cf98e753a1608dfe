"""`joinery tenant ...` and `joinery autopilot upload`: the tenant connector, headless."""

from __future__ import annotations

import click

from app import services
from app.cli_base import Context, JoineryCommand, JoineryGroup, emit_json
from app.errors import InputError
from app.tenant.credentials import read_certificate_file, read_secret_file


@click.group("tenant", cls=JoineryGroup)
def tenant() -> None:
    """The Microsoft Entra tenant: Autopilot and Intune through Microsoft Graph."""


@tenant.command("connect")
@click.option("--tenant-id", required=True, help="Directory (tenant) ID, or a verified domain.")
@click.option("--client-id", required=True, help="Application (client) ID of the app registration.")
@click.option(
    "--client-secret-file",
    type=click.Path(dir_okay=False),
    help="A file holding the client secret's value (app-only sign-in).",
)
@click.option(
    "--certificate-file",
    type=click.Path(dir_okay=False),
    help="A PEM with the private key and its certificate (app-only sign-in).",
)
@click.option("--device-code", is_flag=True, help="A person signs in (delegated) with a code.")
@click.option("--authority-host", help="Sign-in host (default https://login.microsoftonline.com).")
@click.option("--graph-url", help="Microsoft Graph root (default https://graph.microsoft.com).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_obj
def tenant_connect(
    obj: Context,
    tenant_id: str,
    client_id: str,
    client_secret_file: str | None,
    certificate_file: str | None,
    device_code: bool,
    authority_host: str | None,
    graph_url: str | None,
    as_json: bool,
) -> None:
    """Check the settings by getting a token, then store them (the secret sealed)."""
    given = [x for x in (client_secret_file, certificate_file, device_code) if x]
    if len(given) != 1:
        raise InputError(
            "give exactly one of --client-secret-file, --certificate-file or --device-code"
        )
    credential = None
    if client_secret_file:
        credential = read_secret_file(client_secret_file)
    elif certificate_file:
        credential = read_certificate_file(certificate_file)
    request = services.ConnectRequest(
        tenant_id, client_id, credential, authority_host, graph_url, device_code
    )
    with obj.store() as store:
        status = services.connect_tenant(
            store, request, actor=obj.actor(store), show=lambda text: click.echo(text, err=True)
        )
    if as_json:
        emit_json(status.as_json())
        return
    who = f" as {status.account}" if status.account else ""
    click.echo(
        f"Connected to tenant {status.tenant_id}{who} ({status.auth}, {status.graph_url}). "
        "The secret and the token cache are sealed in the vault."
    )


@tenant.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_obj
def tenant_status(obj: Context, as_json: bool) -> None:
    """Connected or offline since when, the outbox, parked items and the last sync."""
    with obj.store() as store:
        status = services.tenant_status(store, actor=obj.actor(store))
    if as_json:
        emit_json(status.as_json())
        return
    if not status.configured:
        click.echo("No tenant is connected (joinery tenant connect).")
    elif status.connected:
        click.echo(
            f"Connected to tenant {status.tenant_id}; last sync {status.last_sync or 'never'}."
        )
    else:
        click.echo(
            f"Tenant {status.tenant_id}: offline since {status.offline_since} "
            f"({status.last_error}); last sync {status.last_sync or 'never'}."
        )
    box = status.outbox
    click.echo(f"Outbox: {box['pending']} waiting, {box['parked']} parked, {box['done']} done.")
    for item in status.parked:
        click.echo(f"  parked #{item.id} {item.kind} {item.serial or ''}: {item.reason}")


@tenant.command("sync")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_obj
def tenant_sync(obj: Context, as_json: bool) -> None:
    """Send the outbox, then read Autopilot and Intune (exit 1: the tenant is unreachable)."""
    with obj.store() as store:
        report = services.sync_once(store, obj.actor(store))
    document = report.as_json()
    if as_json:
        emit_json(document)
        return
    click.echo(
        f"Uploaded {document['uploaded']}, {report.drain.importing} still importing, "
        f"{len(report.drain.failed)} failed; read {report.autopilot.listed} Autopilot and "
        f"{report.managed.listed} Intune device(s) "
        f"({report.autopilot.created + report.managed.created} new)."
    )
    for failure in report.drain.failed:
        click.echo(f"  failed: {failure['serial']}: {failure['reason']}", err=True)


@tenant.command("retry")
@click.argument("items", nargs=-1, type=int)
@click.option("--all", "every", is_flag=True, help="Every parked item.")
@click.pass_obj
def tenant_retry(obj: Context, items: tuple[int, ...], every: bool) -> None:
    """Send parked outbox items again at the next sync."""
    if not items and not every:
        raise InputError("name the parked items (see `joinery tenant status`) or give --all")
    with obj.store() as store:
        n = services.retry_parked(store, None if every else list(items), actor=obj.actor(store))
    click.echo(f"{n} item(s) will be sent again at the next sync.")


@tenant.command("drop")
@click.argument("items", nargs=-1, type=int, required=True)
@click.pass_obj
def tenant_drop(obj: Context, items: tuple[int, ...]) -> None:
    """Forget parked outbox items (the change stays in Joinery only)."""
    with obj.store() as store:
        n = services.drop_parked(store, list(items), actor=obj.actor(store))
    click.echo(f"Dropped {n} item(s).")


@click.command("upload", cls=JoineryCommand)
@click.argument("serials", nargs=-1)
@click.option("--all", "every", is_flag=True, help="Every device with a hash the tenant lacks.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_obj
def autopilot_upload(obj: Context, serials: tuple[str, ...], every: bool, as_json: bool) -> None:
    """Queue hardware hashes for the tenant's Autopilot (sent by `joinery tenant sync`)."""
    if bool(serials) == every:
        raise InputError("give the serial numbers to upload, or --all (not both)")
    with obj.store() as store:
        report = services.queue_uploads(
            store, None if every else list(serials), actor=obj.actor(store)
        )
    if as_json:
        emit_json(report.as_json())
        return
    click.echo(f"Queued {len(report.queued)} device(s) for the tenant's Autopilot.")
    for skipped in report.skipped:
        click.echo(f"  not queued: {skipped['serial']}: {skipped['reason']}", err=True)
