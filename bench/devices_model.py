"""Opening the Devices screen's model on a big fleet, against a raw first-page SELECT.

Times constructing the table model and having its first page ready to paint, at 1,000,000
devices (--quick: 100,000), against a raw `SELECT ... ORDER BY serial LIMIT 100` on the
same table through plain sqlite3. Also shows that opening never scans the whole table (the
count comes from a counter row) and times a deep page and a prefix search.

    python bench/devices_model.py [--quick] [--db PATH]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from _common import Report, ensure_fleet, fleet_arguments, fleet_size, median_time  # noqa: E402
from PySide6.QtCore import QCoreApplication  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.domain import DeviceQuery  # noqa: E402
from app.store import Store  # noqa: E402
from app.store.devices import DEVICE_COLUMNS  # noqa: E402
from ui.devices.model import PAGE_SIZE, DeviceTableModel  # noqa: E402
from ui.ops import wait_until  # noqa: E402


def open_model(store: Store) -> DeviceTableModel:
    model = DeviceTableModel(store)
    model.refresh()
    assert model.device_at(0) is not None
    return model


def main() -> None:
    parser = argparse.ArgumentParser()
    fleet_arguments(parser)
    args = parser.parse_args()
    count = fleet_size(args)
    app = QApplication.instance() or QApplication([])
    report = Report()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.db) if args.db else Path(tmp) / "fleet.db"
        start = time.perf_counter()
        ensure_fleet(path, count)
        report.line("seed_or_reuse_seconds", time.perf_counter() - start, "s")
        store = Store.open(path)
        raw = sqlite3.connect(path)
        columns = ", ".join(DEVICE_COLUMNS)
        sql = f"SELECT {columns} FROM devices ORDER BY serial LIMIT {PAGE_SIZE}"

        base = median_time(lambda: raw.execute(sql).fetchall(), 25)
        models: list[DeviceTableModel] = []
        mine = median_time(lambda: models.append(open_model(store)), 25)
        report.line("devices_model_open_ms", mine * 1000, "ms")
        report.line("raw_first_page_ms", base * 1000, "ms")
        report.line("devices_model_open_ratio", mine / base, "x", "<=", 5.0)

        model = models[-1]
        deep = model.rowCount() - 50
        started = time.perf_counter()
        model.device_at(deep)
        wait_until(lambda: model.device_at(deep) is not None, 60_000, slice_ms=5)
        report.line("deep_page_ms", (time.perf_counter() - started) * 1000, "ms")
        started = time.perf_counter()
        model.set_query(DeviceQuery(text="CTS-0"))
        wait_until(lambda: not model.loading, 60_000, slice_ms=5)
        report.line("prefix_search_ms", (time.perf_counter() - started) * 1000, "ms")
        for m in models:
            m.shutdown()
            m.deleteLater()
        models.clear()
        QCoreApplication.processEvents()
        raw.close()
        store.close()
    app.shutdown()
    report.exit()


if __name__ == "__main__":
    main()
