"""The `joinery` console script: the core CLI plus the `kiosk` command, which needs Qt.

`app/` never imports Qt, so the one command that opens a window is added here.
"""

from __future__ import annotations

from pathlib import Path

import click

from app import services
from app.cli import cli
from app.cli_base import Context, check_local_admin


@cli.command()
@click.option(
    "--demo", is_flag=True, help="Open a demo fleet in a database of its own (seeded on first use)."
)
@click.option(
    "--screenshot",
    "screenshot_dir",
    type=click.Path(file_okay=False),
    help="Render every screen to PNG files in this folder, then exit.",
)
@click.pass_obj
def kiosk(obj: Context, demo: bool, screenshot_dir: str | None) -> None:
    """Open the kiosk window."""
    from ui.launch import run_kiosk  # Qt loads only for the command that needs it

    db_path = services.demo_db_path() if demo else obj.db_path
    if screenshot_dir and not demo:
        check_local_admin(db_path)  # screenshots render data without a sign-in
    code = run_kiosk(
        db_path, demo=demo, screenshot_dir=Path(screenshot_dir) if screenshot_dir else None
    )
    if screenshot_dir:
        click.echo(f"Screenshots written to {screenshot_dir}")
    raise SystemExit(code)


def main() -> None:
    cli(prog_name="joinery")
