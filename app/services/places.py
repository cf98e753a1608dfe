"""Where the kiosk keeps its files, for the front ends: the data folder, the demo database
and the private log (app.paths and app.security.private stay behind the services)."""

from __future__ import annotations

import logging
from pathlib import Path

from app import paths
from app.security import private

__all__ = ["data_dir", "default_db_path", "demo_db_path", "log_handler", "log_path"]

data_dir = paths.data_dir
default_db_path = paths.default_db_path
demo_db_path = paths.demo_db_path


def log_path() -> Path:
    return paths.data_dir() / "joinery.log"


def log_handler(*, max_bytes: int = 2_000_000, backups: int = 3) -> logging.Handler:
    """A rotating handler for the kiosk's log, 0600 in a private folder: the log names
    devices, operators and files, and is nobody else's to read."""
    target = log_path()
    private.make_own_folder(target.parent)
    return private.PrivateRotatingFileHandler(
        target, maxBytes=max_bytes, backupCount=backups, encoding="utf-8"
    )
