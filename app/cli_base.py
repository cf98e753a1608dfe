"""What every `joinery` command module shares: the error-to-exit-status group, the context
(database path, acting operator), PIN input and the one JSON printer."""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from app import paths, services
from app.errors import InputError, JoineryError, KnownError, from_environment
from app.security import operators
from app.security.roles import Actor
from app.security.secret import Secret
from app.store import Store
from app.textsafe import json_printable, printable

PIN_ENV = "JOINERY_PIN"


class JoineryGroup(click.Group):
    """Turns Joinery's typed errors into a message on stderr and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except JoineryError as exc:
            click.echo(f"joinery: {shown(exc)}", err=True)
            ctx.exit(1)
        except (sqlite3.DatabaseError, OSError) as exc:
            # A damaged database or a full disk is the environment's fault: said plainly,
            # exit 1, never a traceback (every write rolled back or removed its file).
            obj = ctx.find_object(Context)
            known = from_environment(exc, str(obj.db_path) if obj else None)
            if known is None:
                raise
            click.echo(f"joinery: {shown(known)}", err=True)
            ctx.exit(1)


def shown(error: BaseException) -> str:
    """An error's message for a terminal: its lines kept, any control character in them
    (from a file name or a file's content) escaped."""
    return "\n".join(printable(line) for line in str(error).split("\n"))


class Context:
    def __init__(self, db: str | None, operator: str | None) -> None:
        self.explicit_db = db
        self.operator = operator

    @property
    def db_path(self) -> Path:
        return Path(self.explicit_db) if self.explicit_db else paths.default_db_path()

    def actor(self, store: Store) -> Actor:
        """The local administrator by default; with --operator, that signed-in operator."""
        if self.operator is None:
            check_local_admin(self.db_path)
            return services.local_admin()
        pin = pin_input(
            PIN_ENV, f"PIN for {self.operator}", f"--operator {self.operator} needs a PIN"
        )
        return operators.sign_in(store, self.operator, pin)

    @contextmanager
    def store(self) -> Iterator[Store]:
        store = Store.open(self.db_path)
        try:
            yield store
        finally:
            store.close()


def pin_input(env: str, prompt: str, missing: str, *, confirm: bool = False) -> Secret:
    """A PIN from `env`, else asked in a terminal; never waits when stdin is not one."""
    pin = os.environ.get(env)
    if pin is not None:
        return Secret(pin)
    if not sys.stdin.isatty():
        raise InputError(f"{missing}: set {env}, or run the command in a terminal to be asked.")
    return Secret(click.prompt(prompt, hide_input=True, confirmation_prompt=confirm, err=True))


def check_local_admin(db_path: Path) -> None:
    """Only the OS user who owns the data acts as its local administrator."""
    if not hasattr(os, "getuid"):
        return  # Windows: the data directory's ACL already admits only its user
    folder = db_path.resolve().parent
    while not folder.exists():
        folder = folder.parent
    owner = folder.stat().st_uid
    if owner not in (os.getuid(), 0) and os.getuid() != 0:
        raise KnownError(
            f"{folder} belongs to another user, so you are not this kiosk's local "
            "administrator. Run as that user, or act as a kiosk operator with --operator NAME."
        )


def emit_json(document: object) -> None:
    """`--json` output: one document on stdout. Controls from files (terminal escapes, bidi
    overrides) and text UTF-8 cannot carry (a lone surrogate) are written as JSON escapes:
    never obeyed by the terminal, never a crash after a commit."""
    click.echo(json_printable(json.dumps(document, indent=2, ensure_ascii=False)))
