"""Where Joinery keeps its data: the platform's user data directory unless told otherwise."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "Joinery"
DB_ENV = "JOINERY_DB"
DATA_DIR_ENV = "JOINERY_DATA_DIR"


def data_dir() -> Path:
    """`JOINERY_DATA_DIR` (tests, portable installs), else the platform's user data dir."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override)
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_db_path() -> Path:
    """`--db` wins over `JOINERY_DB`, which wins over the user data directory."""
    env = os.environ.get(DB_ENV)
    if env:
        return Path(env)
    return data_dir() / "joinery.db"


def demo_db_path() -> Path:
    """The demo fleet lives in a database of its own, so real data is never touched."""
    return data_dir() / "demo.db"
