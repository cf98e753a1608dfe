"""Python's cyclic garbage collector during bulk work: paused, then back as it was."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection while a bulk load allocates; the collector as it was after.

    An import of 100,000 devices allocates millions of short-lived objects, nearly all freed
    by their reference counts, and the collector walked them every few hundred allocations:
    about 4% of the import's time, and a collection after it found nothing to free. Where the
    collector is already off (the kiosk's, which collects on the GUI thread), this changes
    nothing.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
