"""Shared fixtures. Qt runs offscreen; no test touches the user's real data directory."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from app.store import Store  # noqa: E402

pytest_plugins = ["tests.helpers.tenant"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("JOINERY_FULL") == "1":
        return
    skip = pytest.mark.skip(reason="long stress run: set JOINERY_FULL=1")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _no_real_keyring() -> Iterator[None]:
    """No test reaches the developer's keyring; tests that want one install their own."""
    import keyring
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def _no_remembered_vault_passphrase() -> Iterator[None]:
    """A vault passphrase given in one test is not remembered in the next."""
    from app.security.vault import forget_passphrases

    yield
    forget_passphrases()


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    monkeypatch.setenv("JOINERY_DATA_DIR", str(data))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.delenv("JOINERY_DB", raising=False)
    monkeypatch.delenv("JOINERY_PIN", raising=False)
    monkeypatch.delenv("JOINERY_VAULT_PASSPHRASE", raising=False)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "joinery.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    opened = Store.open(db_path)
    yield opened
    opened.close()
