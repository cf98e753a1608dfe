"""`joinery policy`, `fleet`, `stale` and `demo simulate`: compliance on the command line.

Errors are Joinery's typed errors, turned into exit status 1 by app.cli_base's group.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from app import services
from app.cli_base import Context, JoineryGroup, emit_json
from app.compliance.policy import TEMPLATES
from app.compliance.words import state_words
from app.errors import InputError
from app.fileutil import atomic_write
from app.security.roles import Actor
from app.services.simulate import simulate_checkins
from app.store import Store

# -- policy -----------------------------------------------------------------------------------


@click.group("policy", cls=JoineryGroup)
def policy() -> None:
    """Compliance policies (Graph windows10CompliancePolicy JSON)."""


@policy.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_obj
def policy_import(obj: Context, file: str, as_json: bool) -> None:
    """Import a policy as Intune exports it; one of the same name is replaced."""
    try:
        text = Path(file).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{file}: cannot read the policy ({exc})") from exc
    with obj.store() as store:
        result = services.import_policy(store, text, Path(file).name, actor=obj.actor(store))
    _report_import(result, as_json)


@policy.command("template")
@click.argument("name", type=click.Choice(TEMPLATES))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_obj
def policy_template(obj: Context, name: str, as_json: bool) -> None:
    """Import a shipped template (baseline or strict)."""
    with obj.store() as store:
        result = services.import_template(store, name, actor=obj.actor(store))
    _report_import(result, as_json)


def _report_import(result: services.ImportedPolicy, as_json: bool) -> None:
    if as_json:
        emit_json(result.as_json())
        return
    verb = "Imported" if result.created else "Replaced"
    click.echo(
        f"{verb} {result.policy.display_name}: {len(result.policy.settings)} setting(s) required."
    )
    if result.not_evaluated:
        click.echo(f"Not evaluated (kept for Intune): {', '.join(result.not_evaluated)}")


@policy.command("export")
@click.argument("name")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
@click.option(
    "--beta",
    is_flag=True,
    help="Write for Graph /beta, with the settings v1.0 does not have (default: v1.0).",
)
@click.pass_obj
def policy_export(obj: Context, name: str, output: str, beta: bool) -> None:
    """Write a policy as Graph JSON, ready for POST /deviceManagement/deviceCompliancePolicies
    (v1.0 by default; --beta for https://graph.microsoft.com/beta)."""
    with obj.store() as store:
        exported = services.export_policy(store, name, beta=beta, actor=obj.actor(store))
    with atomic_write(Path(output)) as handle:
        handle.write(exported.text)
    click.echo(f"Wrote {name} to {output} (Graph {exported.api}).")
    if exported.left_out:
        click.echo(
            f"joinery: note: Graph v1.0 has no {', '.join(exported.left_out)}; they were left "
            "out. Export with --beta and POST to /beta to keep them.",
            err=True,
        )


@policy.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_obj
def policy_list(obj: Context, as_json: bool) -> None:
    """Stored policies, their grace periods and assignments."""
    with obj.store() as store:
        found = services.policies(store, actor=obj.actor(store))
    rows = [
        {
            "name": p.display_name,
            "settings": sorted(p.settings),
            "grace_period_days": p.grace_hours / 24,
            "all_devices": p.assignment.all_devices,
            "group_tags": list(p.assignment.group_tags),
        }
        for p in found
    ]
    if as_json:
        emit_json(rows)
        return
    for p in found:
        tags = ", ".join(p.assignment.group_tags) or "nobody"
        target = "all devices" if p.assignment.all_devices else tags
        click.echo(f"{p.display_name:<24} grace {p.grace_hours / 24:g} d   assigned to {target}")


@policy.command("assign")
@click.argument("name")
@click.option("--all", "all_devices", is_flag=True, help="Assign to every device.")
@click.option("--group-tag", "group_tags", multiple=True, help="Devices with this group tag.")
@click.option("--no-reevaluate", is_flag=True, help="Leave states until the next check-in.")
@click.pass_obj
def policy_assign(
    obj: Context, name: str, all_devices: bool, group_tags: tuple[str, ...], no_reevaluate: bool
) -> None:
    """Assign a policy (replacing its assignment), then re-evaluate the fleet."""
    with obj.store() as store:
        actor = obj.actor(store)
        services.assign(store, name, all_devices=all_devices, group_tags=group_tags, actor=actor)
        if not no_reevaluate:
            changed = _reevaluate(store, actor)
            click.echo(f"Assigned {name}; {changed} device(s) changed state.")
            return
    click.echo(f"Assigned {name}.")


def _reevaluate(store: Store, actor: Actor) -> int:
    with click.progressbar(length=1, label="Re-evaluating", file=sys.stderr) as bar:

        def advance(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        return services.reevaluate(store, actor=actor, progress=advance)


# -- fleet ------------------------------------------------------------------------------------


@click.group("fleet", cls=JoineryGroup)
def fleet() -> None:
    """Fleet compliance: summary, re-evaluation, daily snapshots."""


@fleet.command("summary")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_obj
def fleet_summary(obj: Context, as_json: bool) -> None:
    """Counts by compliance state (Intune's verdict where Intune gave one, else Joinery's bench
    check), stale devices, and devices failing each setting."""
    with obj.store() as store:
        summary = services.fleet_summary(store, actor=obj.actor(store))
    if as_json:
        emit_json(summary)
        return
    click.echo(
        f"{summary['total']} device(s); {summary['intune_verdicts']} with Intune's own verdict"
    )
    click.echo(f"  {'state':<16} {'counted':>8} {'Intune':>8} {'bench':>8}")
    for state, n in summary["states"].items():
        intune, bench = summary["intune_states"][state], summary["bench_states"][state]
        click.echo(f"  {state_words(state):<16} {n:>8} {intune:>8} {bench:>8}")
    click.echo(f"  stale (> {summary['stale_days']} days) {summary['stale']}")
    for setting, n in summary["failing_settings"].items():
        click.echo(f"  failing {setting}: {n}")


@fleet.command("reevaluate")
@click.pass_obj
def fleet_reevaluate(obj: Context) -> None:
    """Re-evaluate every device now (after a policy or setting change)."""
    with obj.store() as store:
        changed = _reevaluate(store, obj.actor(store))
    click.echo(f"{changed} device(s) changed state.")


@fleet.command("snapshot")
@click.pass_obj
def fleet_snapshot(obj: Context) -> None:
    """Record today's summary, for `fleet at` and trends."""
    with obj.store() as store:
        summary = services.take_snapshot(store, actor=obj.actor(store))
    click.echo(f"Snapshot of {summary['total']} device(s) taken at {summary['at']}.")


@fleet.command("at")
@click.argument("date")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_obj
def fleet_at(obj: Context, date: str, as_json: bool) -> None:
    """The fleet as it was on DATE (YYYY-MM-DD), from the latest snapshot up to it."""
    with obj.store() as store:
        found = services.fleet_at(store, date, actor=obj.actor(store))
    if found is None:
        raise InputError(f"there is no snapshot on or before {date}")
    if as_json:
        emit_json(found)
        return
    click.echo(f"{found['date']}: {found['total']} device(s), {found['stale']} stale")
    for state, n in found["states"].items():
        click.echo(f"  {state_words(state):<16} {n}")


# -- stale ------------------------------------------------------------------------------------


@click.group("stale", cls=JoineryGroup)
def stale() -> None:
    """Stale devices and a safe cleanup plan."""


@stale.command("plan")
@click.option("--days", type=int, help="Inactive for more than this many days (at least 21).")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many devices.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_obj
def stale_plan(obj: Context, days: int | None, limit: int | None, as_json: bool) -> None:
    """List stale devices (by Joinery's last check-in) with the default cleanup: disable the
    Entra object, keep Autopilot records. Changes nothing."""
    with obj.store() as store:
        plan = services.stale_plan(store, days=days, limit=limit, actor=obj.actor(store))
        if as_json:
            # Streamed device by device: a large fleet's plan never sits in memory at once.
            click.echo(
                f'{{"days": {plan.days}, "cutoff": "{plan.cutoff}", "count": {plan.count}, '
                f'"activity_signal": "{plan.signal}", "devices": [',
                nl=False,
            )
            for index, item in enumerate(plan.devices):
                click.echo(("," if index else "") + "\n  " + json.dumps(item.as_json()), nl=False)
            click.echo("\n]}")
            return
        click.echo(f"{plan.count} device(s) inactive since before {plan.cutoff}")
        click.echo(f"  (activity: {plan.signal_words})")
        for item in plan.devices:
            click.echo(f"{item.serial:<16} {item.days_inactive:>5} days")
            for number, step in enumerate(item.steps, start=1):
                when = f" (not before {step.not_before})" if step.not_before else ""
                click.echo(f"    {number}. {step.what}{when}")
            for kept in item.keeps:
                click.echo(f"    kept: {kept}")


@stale.command("decommission")
@click.argument("serial")
@click.option("--confirm", required=True, help="The serial number again, to confirm.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_obj
def stale_decommission(obj: Context, serial: str, confirm: str, as_json: bool) -> None:
    """Record that a device leaves the organization for good, and print Microsoft's
    deregistration steps (Intune, then Autopilot; Entra follows). Audited."""
    with obj.store() as store:
        device = store.device_by_serial(serial)
        if device is None:
            raise InputError(f"there is no device with serial {serial!r}")
        done = services.decommission(store, device.id, confirm=confirm, actor=obj.actor(store))
    if as_json:
        emit_json(
            {
                "serial": done.device.serial,
                "enrollment_status": done.device.enrollment_status,
                "steps": [{"step": s.step.value, "what": s.what} for s in done.steps],
            }
        )
        return
    click.echo(f"{done.device.serial} is recorded as decommissioned. Now, in this order:")
    for number, step in enumerate(done.steps, start=1):
        click.echo(f"  {number}. {step.what}")


# -- demo simulate ----------------------------------------------------------------------------


@click.command("simulate")
@click.option("--rate", type=click.FloatRange(min=0.1, max=10_000), default=20.0, show_default=True)
@click.option("--seconds", type=click.FloatRange(min=1), default=10.0, show_default=True)
@click.option("--seed", "seed_value", type=int, default=7, show_default=True)
@click.pass_obj
def simulate(obj: Context, rate: float, seconds: float, seed_value: int) -> None:
    """Write live check-ins: about RATE a second for SECONDS (devices drift as in real life)."""
    with obj.store() as store:
        drift = simulate_checkins(
            store, rate=rate, seconds=seconds, seed=seed_value, actor=obj.actor(store)
        )
    click.echo(
        f"Wrote {drift.checkins} check-in(s): {drift.repairs} BitLocker off after a repair, "
        f"{drift.updates} Windows update(s), {len(drift.silenced)} device(s) went silent."
    )
