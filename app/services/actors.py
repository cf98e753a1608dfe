"""Who acts when nobody signed in: the machine's local administrator."""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable

from app.security.roles import Actor, Role

Progress = Callable[[int, int], None]
CancelCheck = Callable[[], bool]


def local_admin() -> Actor:
    """The machine's local administrator: the OS user running the CLI, with the admin role.

    The CLI checks that this user owns the data (see app.cli_base) and passes this actor
    explicitly; no service falls back to it. The audit trail names them.
    """
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = f"uid-{os.getuid()}" if hasattr(os, "getuid") else "unknown"
    return Actor(name, Role.ADMIN, local_admin=True)
