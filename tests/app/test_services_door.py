"""The services are the only door, and every use case names who walks through it: no
service has a default actor (once `None` meant the local administrator: a front end that
lost track of its operator acted as an administrator)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterator

import pytest

import app.services
from app import services
from app.errors import InputError
from app.security.roles import PermissionDenied, Role
from app.security.secret import Secret
from app.store import Store


def service_functions() -> Iterator[tuple[str, Callable[..., object]]]:
    """Every public function defined in app/services (the package and its modules)."""
    modules = [app.services] + [
        importlib.import_module(f"app.services.{info.name}")
        for info in pkgutil.iter_modules(app.services.__path__)
    ]
    for module in modules:
        for name, value in vars(module).items():
            public = inspect.isfunction(value) and not name.startswith("_")
            if public and value.__module__ == module.__name__:
                yield f"{module.__name__}.{name}", value


def test_no_service_has_a_default_actor() -> None:
    defaulted = [
        name
        for name, function in service_functions()
        if (actor := inspect.signature(function).parameters.get("actor")) is not None
        and actor.default is not inspect.Parameter.empty
    ]
    assert defaulted == []


#: The ways in: asked or done before anyone is signed in, they are how an actor comes to be.
WAYS_IN = {
    "app.services.operators.first_admin_needed",
    "app.services.operators.create_first_admin",
    "app.services.operators.sign_in",
}


def test_every_service_that_opens_the_data_names_its_actor() -> None:
    """Reads too: a screen of a locked kiosk must have nobody to read for. The functions
    without one touch no kiosk data (a query's shape, a build's countdown, key files)."""
    anonymous = [
        name
        for name, function in service_functions()
        if "store" in (parameters := inspect.signature(function).parameters)
        and "actor" not in parameters
        and name not in WAYS_IN
    ]
    assert anonymous == []


def test_the_use_cases_moved_in_check_who_acts(store: Store) -> None:
    """Sign-in, operators, settings, the audit check and device history were reached past
    the services (by the kiosk, and by the CLI for some); now they are services, each
    checking its permission."""
    assert services.first_admin_needed(store)
    services.create_first_admin(store, "ada", Secret("482915"))
    with pytest.raises(InputError, match="only a signed-in admin"):
        services.create_first_admin(store, "eve", Secret("482915"))
    ada = services.sign_in(store, "ada", Secret("482915"))
    services.create_operator(store, "tom", Role.TECHNICIAN, Secret("246810"), actor=ada)
    tom = services.sign_in(store, "tom", Secret("246810"))
    for refused in (
        lambda: services.list_operators(store, actor=tom),
        lambda: services.reset_pin(store, "ada", Secret("135791"), actor=tom),
        lambda: services.set_operator_disabled(store, "ada", True, actor=tom),
        lambda: services.save_settings(store, {"stale_days": "60"}, actor=tom),
        lambda: services.verify_audit(store, actor=tom),
    ):
        with pytest.raises(PermissionDenied):
            refused()
    assert services.settings_values(store, actor=tom)["stale_days"] == 90
    assert services.save_settings(store, {"stale_days": "60"}, actor=ada) == ["stale_days"]
    assert services.setting_number(store, "stale_days", actor=tom) == 60
    assert services.verify_audit(store, actor=ada).ok
    device = services.enroll_device(store, services.EnrollRequest("PF4XK2QZ"), actor=ada).device
    assert [h.kind for h in services.device_history(store, device.id, actor=tom)] == ["enrolled"]
