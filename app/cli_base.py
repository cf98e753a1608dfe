"""What every `joinery` command module shares: the error-to-exit-status group, the context
(database path, acting operator), PIN input and the one JSON printer."""

from __future__ import annotations

import importlib
import json
import os
import sqlite3
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from app import paths, services
from app.errors import InputError, JoineryError, KnownError, from_environment
from app.security import private
from app.security.roles import Actor
from app.security.secret import Secret
from app.store import Store
from app.textsafe import json_printable, printable

PIN_ENV = "JOINERY_PIN"


class JoineryCommand(click.Command):
    """A command whose `--json` holds on refusal too: one document on stdout, then exit 1.

    The document is `{"error": message, ...}` with the error's details (the rejected rows,
    the problems); the message goes to stderr as well, as without `--json`.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        wants_json = _wants_json(args)  # before parsing: the parser consumes `args`
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            if wants_json:  # still exit 2 with the usage message on stderr
                emit_json({"error": exc.format_message(), "usage": True})
            raise

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (JoineryError, sqlite3.DatabaseError, OSError) as exc:
            _exit_if_known(ctx, exc)
            raise


def _exit_if_known(ctx: click.Context, exc: BaseException) -> None:
    """Joinery's own error, or the environment's: said on stderr (and as the document of a
    command's `--json`), then exit status 1. A bug is left to raise."""
    known = _known(ctx, exc)
    if known is None:
        return
    hint = _command_line_hint(known)
    if ctx.params.get("as_json"):
        emit_json({"error": known.message + hint, **known.details()})
    click.echo(f"joinery: {shown(known)}{hint}", err=True)
    ctx.exit(1)


def _known(ctx: click.Context, exc: BaseException) -> JoineryError | None:
    """Joinery's own error, or what a damaged database or a full disk means (the
    environment's fault: said plainly, never a traceback); None for a bug."""
    if isinstance(exc, JoineryError):
        return exc
    obj = ctx.find_object(Context)
    try:
        database = str(obj.db_path) if obj is not None else None
    except JoineryError:
        database = None
    return from_environment(exc, database)


def shown(error: BaseException) -> str:
    """An error's message for a terminal: its lines kept, any control character in them
    (from a file name or a file's content) escaped."""
    return "\n".join(printable(line) for line in str(error).split("\n"))


def _wants_json(args: list[str]) -> bool:
    """`--json` among a command's own arguments (not after `--`)."""
    before = args[: args.index("--")] if "--" in args else args
    return "--json" in before


class JoineryGroup(click.Group):
    """Turns Joinery's typed errors into a message on stderr and exit status 1.

    `lazy` names subcommands defined in modules of their own, {name: "module:attribute"},
    imported only when that command runs or help lists them: `joinery kiosk` does not load
    the package builder or the tenant client.
    """

    command_class = JoineryCommand
    group_class = type  # subgroups are JoineryGroups too

    def __init__(self, *args: Any, lazy: Mapping[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        where = self.lazy.get(cmd_name)
        if where is None:
            return super().get_command(ctx, cmd_name)
        module, attribute = where.split(":")
        command = getattr(importlib.import_module(module), attribute)
        assert isinstance(command, click.Command), where
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (JoineryError, sqlite3.DatabaseError, OSError) as exc:
            _exit_if_known(ctx, exc)
            raise


def _command_line_hint(exc: JoineryError) -> str:
    """What only the command line can do about an error (the kiosk asks instead)."""
    from app.security.vault import PASSPHRASE_ENV, PassphraseNeeded  # the vault, when it spoke

    if isinstance(exc, PassphraseNeeded):
        return f" On the command line, give the passphrase in {PASSPHRASE_ENV}."
    return ""


class Context:
    def __init__(self, db: str | None, operator: str | None, db_source: str = "--db") -> None:
        self.explicit_db = db
        self.operator = operator
        self.db_source = db_source  # how the path was given: "--db" or "JOINERY_DB"
        self._signed_in: Actor | None = None  # --operator's, once its PIN was checked

    @property
    def db_path(self) -> Path:
        """The database; a path given with --db or JOINERY_DB must be in an existing folder
        (a typo would otherwise start an empty kiosk in a new folder)."""
        if not self.explicit_db:
            return paths.default_db_path()
        path = Path(self.explicit_db)
        folder = path.parent
        if not folder.is_dir():
            what = "is not a folder" if folder.exists() else "does not exist"
            raise InputError(
                f"{self.db_source} {path}: the folder {folder} {what}, so there is no "
                f"database there. Check the path, or create the folder first; nothing was "
                f"created."
            )
        return path

    def actor(self, store: Store) -> Actor:
        """The local administrator by default; with --operator, that signed-in operator
        (signed in once per command, however many services the command calls)."""
        if self.operator is None:
            check_local_admin(self.db_path)
            return services.local_admin()
        if self._signed_in is None:
            pin = pin_input(
                PIN_ENV, f"PIN for {self.operator}", f"--operator {self.operator} needs a PIN"
            )
            self._signed_in = services.sign_in(store, self.operator, pin)
        return self._signed_in

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
    try:
        typed = click.prompt(prompt, hide_input=True, confirmation_prompt=confirm, err=True)
    except UnicodeDecodeError:
        # The error would quote the bytes typed, which are the PIN.
        raise InputError(
            "The PIN typed is not valid text for this terminal: type it again."
        ) from None
    return Secret(typed)


def check_local_admin(db_path: Path) -> None:
    """Only the OS user who owns the data acts as its local administrator: the database and
    its folder must be theirs (root's data is root's alone), and nobody else may write the
    folder (or they could put a database of their own in its place)."""
    if not private.POSIX:
        return  # Windows: the data directory's ACL already admits only its user
    folder = db_path.resolve().parent
    while not folder.exists():
        folder = folder.parent
    me = os.getuid()
    for path in (folder, db_path.resolve()):
        if not path.exists():
            continue
        st = path.stat()
        if st.st_uid != me:
            raise KnownError(
                f"{path} belongs to another user, so you are not this kiosk's local "
                "administrator. Run as that user, or act as a kiosk operator with "
                "--operator NAME."
            )
        if path == folder and private.others_may_write(st):
            raise KnownError(
                f"Other users may write to {folder}, so any of them could have replaced the "
                "database: nobody acts as its local administrator until the folder is yours "
                f"alone (chmod go-w {folder}). Or act as a kiosk operator with --operator NAME."
            )


def emit_json(document: object) -> None:
    """`--json` output: one document on stdout. Controls from files (terminal escapes, bidi
    overrides) and text UTF-8 cannot carry (a lone surrogate) are written as JSON escapes:
    never obeyed by the terminal, never a crash after a commit."""
    click.echo(json_printable(json.dumps(document, indent=2, ensure_ascii=False)))


def echo_rejected(rows: list[dict[str, object]], *, more: int = 0) -> None:
    """Each rejected row on stderr: where (file and line, or the row) and why, and how many
    more were only counted. Reasons quote the files (a collector's own error text), so both
    are shown with controls escaped."""
    for row in rows:
        where = f"{row['file']}, line {row['line']}" if row["file"] else f"row {row['line']}"
        click.echo(f"  rejected: {printable(where)}: {printable(row['reason'])}", err=True)
    if more:
        click.echo(f"  ... and {more:,} more rejected row(s), not listed", err=True)
