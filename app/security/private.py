"""Files and folders only their user may read: the data folder, the database, logs, keys.

POSIX: folders 0700, files 0600, and checks that a file or folder is the running user's and
that nobody else may write it (or, for secrets, read it). Windows has no mode bits that mean
this: `restrict_windows_acl` (below, kept apart) gives a path an ACL for the user and SYSTEM.
"""

from __future__ import annotations

import io
import logging
import logging.handlers
import os
import stat
import sys
from pathlib import Path

log = logging.getLogger(__name__)

FOLDER_MODE = 0o700
FILE_MODE = 0o600
POSIX = hasattr(os, "getuid")


def make_folder(path: Path) -> None:
    """Create `path` and any missing parents as private folders (an existing one is left as
    it is: a folder the user chose for --db may be theirs to share)."""
    missing = []
    for folder in (path, *path.parents):
        if folder.exists():
            break
        missing.append(folder)
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=FOLDER_MODE)
        except FileExistsError:
            continue  # another process made it first
        _restrict(folder, folder=True)


def make_own_folder(path: Path) -> None:
    """Joinery's own folder (the data folder, keys): private, tightened if it already exists."""
    make_folder(path)
    if POSIX and _mine(path) and stat.S_IMODE(path.stat().st_mode) & 0o077:
        log.warning("%s was open to other users; it is now private to you (0700)", path)
        path.chmod(FOLDER_MODE)


def create_file(path: Path) -> None:
    """Create an empty private file at `path` unless it exists (then it is left alone)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        return
    _restrict(path, folder=False)


def tighten(path: Path) -> bool:
    """Make an existing file of ours 0600 if others may read or write it; True if it was."""
    if not POSIX or not path.exists() or not _mine(path):
        return False
    if stat.S_IMODE(path.stat().st_mode) & 0o077 == 0:
        return False
    path.chmod(FILE_MODE)
    return True


def others_may_read(path: Path) -> bool:
    return POSIX and bool(stat.S_IMODE(path.stat().st_mode) & 0o044)


def others_may_write(st: os.stat_result) -> bool:
    """Someone other than the owner may write: the world, or a group with other members."""
    if not POSIX:
        return False
    mode = stat.S_IMODE(st.st_mode)
    return bool(mode & stat.S_IWOTH) or bool(mode & stat.S_IWGRP and not _own_group(st.st_gid))


def _mine(path: Path) -> bool:
    return path.stat().st_uid == os.getuid()


def _own_group(gid: int) -> bool:
    """The user's private group (same name, nobody else in it), as Debian and Fedora make."""
    import grp
    import pwd

    try:
        group, user = grp.getgrgid(gid), pwd.getpwuid(os.getuid())
    except KeyError:
        return False
    return gid == user.pw_gid and group.gr_name == user.pw_name and not group.gr_mem


def _restrict(path: Path, *, folder: bool) -> None:
    if POSIX:
        path.chmod(FOLDER_MODE if folder else FILE_MODE)  # the umask may have widened it
    elif sys.platform == "win32":
        restrict_windows_acl(path, folder=folder)


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log whose every file (the current one and each rollover) is 0600."""

    def _open(self) -> io.TextIOWrapper:
        create_file(Path(self.baseFilename))
        tighten(Path(self.baseFilename))
        return super()._open()


# -- Windows --------------------------------------------------------------------------------
#
# On Windows a new file inherits the ACL of its folder. Under %LOCALAPPDATA% that is already
# the user, SYSTEM and Administrators; a data folder chosen elsewhere (JOINERY_DATA_DIR, --db
# on D:\) may inherit "Users: read". `restrict_windows_acl` removes the inherited entries and
# grants full control to the user running Joinery and to SYSTEM only, on the folder and (by
# inheritance, "(OI)(CI)") on everything created in it later. It runs icacls, Windows' own
# ACL tool (learn.microsoft.com/windows-server/administration/windows-commands/icacls):
#   icacls PATH /inheritance:r /grant:r DOMAIN\user:(OI)(CI)F /grant:r *S-1-5-18:(OI)(CI)F /q
# (*S-1-5-18 is SYSTEM by SID, so it works on every display language). Not testable on the
# POSIX machines the suite runs on; the release checklist in docs/security.md checks it by
# hand with `icacls %LOCALAPPDATA%\Joinery`.


def windows_acl_command(path: Path, user: str, *, folder: bool) -> list[str]:
    """The icacls command that leaves `path` to `user` and SYSTEM alone."""
    inherit = "(OI)(CI)" if folder else ""  # inheritance flags apply to folders only
    return [
        "icacls",
        str(path),
        "/inheritance:r",
        "/grant:r",
        f"{user}:{inherit}F",
        "/grant:r",
        f"*S-1-5-18:{inherit}F",
        "/q",
    ]


def restrict_windows_acl(path: Path, *, folder: bool) -> None:
    """Give `path` an ACL for the running user and SYSTEM only (Windows; see above)."""
    domain, user = os.environ.get("USERDOMAIN", ""), os.environ.get("USERNAME", "")
    if not user:
        log.warning("cannot restrict %s to its user: USERNAME is not set", path)
        return
    who = f"{domain}\\{user}" if domain else user
    import subprocess  # Windows only: not loaded on every start elsewhere

    done = subprocess.run(  # noqa: S603 (a fixed program, our own arguments)
        windows_acl_command(path, who, folder=folder), capture_output=True, check=False
    )
    if done.returncode != 0:
        log.warning(
            "icacls could not restrict %s to %s (exit %d): check its ACL by hand",
            path,
            who,
            done.returncode,
        )
