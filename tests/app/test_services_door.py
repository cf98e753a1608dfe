"""The services are the only door, and every use case names who walks through it: no
service has a default actor (once `None` meant the local administrator: a front end that
lost track of its operator acted as an administrator)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterator

import app.services


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


def test_every_service_that_opens_the_data_names_its_actor() -> None:
    """Reads too: a screen of a locked kiosk must have nobody to read for. The functions
    without one touch no kiosk data (a query's shape, a build's countdown, key files)."""
    anonymous = [
        name
        for name, function in service_functions()
        if "store" in (parameters := inspect.signature(function).parameters)
        and "actor" not in parameters
    ]
    assert anonymous == []
