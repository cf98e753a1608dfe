"""The Fleet dashboard's numbers agree with the lists behind them (P14), from counters."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app import demo, services
from app.domain import DeviceQuery
from app.errors import InputError
from app.services.demo import seed_compliance_history
from app.store import Store
from tests.helpers.actors import ADMIN

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    path = tmp_path_factory.mktemp("fleet") / "fleet.db"
    with Store.open(path) as store:
        demo.seed(store, 400, seed=3)
        seed_compliance_history(store, days=6, now=NOW, actor=ADMIN)
    opened = Store.open(path)
    yield opened
    opened.close()


def listed(store: Store, query: DeviceQuery) -> int:
    return sum(1 for _ in store.iter_devices(query))


def test_every_tile_agrees_with_its_list(fleet: Store) -> None:
    board = services.dashboard(fleet, now=NOW, actor=ADMIN)
    assert [key for key, _ in services.TILES] == list(board.tiles)
    for key, count in board.tiles.items():
        assert count == listed(fleet, board.queries[key]), key
    assert board.tiles["total"] == 400
    assert board.tiles["problem"] == board.states["error"] + board.states["conflict"]
    assert sum(board.states.values()) == board.tiles["total"]
    assert board.tiles["stale"] > 0  # the demo's quiet tail


def test_failing_settings_and_builds_drill_down_exactly(fleet: Store) -> None:
    board = services.dashboard(fleet, now=NOW, actor=ADMIN)
    assert board.failing, "the demo fleet has failing settings"
    for setting, count in board.failing:
        query = DeviceQuery(failing=setting)
        assert fleet.count_devices(query) == count == listed(fleet, query)
    with_version = sum(1 for d in fleet.iter_devices(DeviceQuery()) if d.os_version)
    assert sum(n for _, n in board.builds) == with_version  # every build is listed
    for build, count in board.builds:
        query = DeviceQuery(build=build)
        assert fleet.count_devices(query) == count == listed(fleet, query)


def test_combined_filters_count_rows_and_agree(fleet: Store) -> None:
    board = services.dashboard(fleet, now=NOW, actor=ADMIN)
    build = board.builds[0][0]
    narrowed = services.drill_down(board.queries["noncompliant"], build=build, text="")
    assert narrowed.verdict == "noncompliant" and narrowed.build == build
    assert fleet.count_devices(narrowed) == listed(fleet, narrowed)
    tagged = DeviceQuery(group_tags=("Sales", "Finance"), stale_before=board.stale_before)
    assert fleet.count_devices(tagged) == listed(fleet, tagged)
    device = next(fleet.iter_devices(DeviceQuery(model="Surface Laptop 5")), None)
    if device is not None:
        query = DeviceQuery(model="Surface Laptop 5")
        assert fleet.count_devices(query) == listed(fleet, query)


def test_trend_enrolled_and_the_past(fleet: Store) -> None:
    board = services.dashboard(fleet, now=NOW, days=30, actor=ADMIN)
    assert len(board.enrolled) == 30 and board.enrolled[-1][0] == "2026-11-29"
    assert [d for d, _ in board.trend] == sorted(d for d, _ in board.trend)
    assert len(board.trend) == 7  # six days back and today
    past = services.dashboard_at(fleet, board.trend[0][0], actor=ADMIN)
    assert past.as_of == board.trend[0][0]
    assert past.states == {**dict.fromkeys(board.states, 0), **board.trend[0][1]}
    with pytest.raises(InputError, match="no snapshot"):
        services.dashboard_at(fleet, "2001-01-01", actor=ADMIN)
    with pytest.raises(InputError, match="not a date"):
        services.dashboard_at(fleet, "yesterday", actor=ADMIN)


def test_daily_snapshot_is_taken_once_a_day(tmp_path: Path) -> None:
    with Store.open(tmp_path / "d.db") as store:
        demo.seed(store, 20, seed=1)
        assert services.daily_snapshot(store, now=NOW, actor=ADMIN) is not None
        assert services.daily_snapshot(store, now=NOW, actor=ADMIN) is None
        assert store.snapshot_at("2026-11-29") is not None


def test_counters_follow_writes(tmp_path: Path) -> None:
    with Store.open(tmp_path / "c.db") as store:
        demo.seed(store, 50, seed=2)
        build = services.dashboard(store, now=NOW, actor=ADMIN).builds[0][0]
        before = store.count_devices(DeviceQuery(build=build))
        device = next(store.iter_devices(DeviceQuery(build=build)))
        with store.transaction():
            store.update_devices([device.id], [{"os_version": "10.0.99999.1"}])
        assert store.count_devices(DeviceQuery(build=build)) == before - 1
        assert store.count_devices(DeviceQuery(build="10.0.99999")) == 1
        assert listed(store, DeviceQuery(build="10.0.99999")) == 1
