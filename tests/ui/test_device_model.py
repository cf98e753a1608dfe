"""The device list's model after `shutdown`: what its loader thread still sends is dropped."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication
from pytestqt.qtbot import QtBot

from app import demo
from app.domain import DeviceQuery
from app.store import Store
from ui.devices.model import DeviceTableModel


def test_answers_on_their_way_at_shutdown_are_dropped(qtbot: QtBot, db_path: Path) -> None:
    with Store.open(db_path) as seeding:
        demo.seed(seeding, 300, seed=3)
    store = Store.open(db_path)
    model = DeviceTableModel(store)
    ready: list[int] = []
    model.ready.connect(lambda: ready.append(model.rowCount()))
    model.set_query(DeviceQuery(text="PF", group_tag="Sales"))  # counted on the loader thread
    asked = model._generation  # noqa: SLF001 - the answer's tag, as the loader sends it
    model.shutdown()
    store.close()  # the screen closes its connection right after
    model._on_loader_counted(asked, 7, [])  # noqa: SLF001 - an answer queued before shutdown
    model._on_loader_failed(asked, "interrupted")  # noqa: SLF001
    QCoreApplication.processEvents()
    assert ready == []
    assert model.rowCount() == 0
