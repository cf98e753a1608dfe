"""Enter in a search box: an exact serial (or label), device name or user, case-blind."""

from __future__ import annotations

from collections import Counter

from app import demo, labels, services
from app.domain import DeviceQuery
from app.store import Store
from tests.helpers.actors import ADMIN


def seeded(store: Store) -> Store:
    demo.seed(store, 300, seed=8)
    return store


def test_serial_name_and_user_are_found_exactly(store: Store) -> None:
    seeded(store)
    device = next(d for d in store.iter_devices(DeviceQuery()) if d.assigned_user)
    assert device.device_name and device.assigned_user
    by_serial = services.find_exact(store, f"  {device.serial.lower()}  ", actor=ADMIN)
    assert (by_serial.field, by_serial.device, by_serial.term) == (
        "serial",
        device,
        device.serial.lower(),
    )
    by_name = services.find_exact(store, device.device_name.lower(), actor=ADMIN)
    assert (by_name.field, by_name.device) == ("device_name", device)
    by_user = services.find_exact(store, device.assigned_user.upper(), actor=ADMIN)
    assert by_user.field == "assigned_user" and by_user.device is not None
    assert by_user.device.assigned_user == device.assigned_user


def test_a_user_with_several_devices_lists_them_all(store: Store) -> None:
    demo.seed(store, 1200, seed=5)  # a fleet in which some users have two devices
    users = Counter(d.assigned_user for d in store.iter_devices(DeviceQuery()) if d.assigned_user)
    upn, count = next((u, n) for u, n in users.most_common() if n > 1)
    found = services.find_exact(store, upn, actor=ADMIN)
    assert found.count == count
    listed = list(store.iter_devices(found.query(DeviceQuery())))
    assert {d.assigned_user for d in listed} == {upn} and len(listed) == count


def test_a_label_names_its_serial(store: Store) -> None:
    seeded(store)
    device = store.devices_page(DeviceQuery(), 5, 1)[0]
    found = services.find_exact(store, labels.payload(device), actor=ADMIN)
    assert found.device == device and found.term == device.serial


def test_a_prefix_is_not_an_exact_match_and_lists_by_prefix(store: Store) -> None:
    seeded(store)
    device = store.devices_page(DeviceQuery(), 3, 1)[0]
    found = services.find_exact(store, device.serial[:-1], actor=ADMIN)
    assert found.device is None and found.count == 0 and found.field is None
    query = found.query(DeviceQuery(sort="model"))
    assert query == DeviceQuery(text=device.serial[:-1], sort="model")
    assert device in list(store.iter_devices(query))


def test_exact_and_prefix_counts_differ(store: Store) -> None:
    seeded(store)
    device = store.devices_page(DeviceQuery(), 0, 1)[0]
    exact = DeviceQuery(text=device.serial, exact=True)
    assert store.count_devices(exact) == 1
    assert store.count_devices(DeviceQuery(text="CTS-")) > 1
    assert store.count_devices(DeviceQuery(text="CTS-", exact=True)) == 0
    assert services.find_exact(store, "   ", actor=ADMIN).term == ""
