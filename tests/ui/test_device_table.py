"""The device table paints its cells and grid itself (one pass, no Python call per cell from
Qt): the pixels must be the ones QTableView's own paint gives through the same cell painter,
in every state a person can put the table in. Each case paints two tables over one model,
ours and one that paints Qt's way, and compares the images pixel for pixel."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, QPoint, QRect, Qt
from PySide6.QtGui import QColor, QImage, QPaintEvent, QPixmap, QRegion
from PySide6.QtWidgets import QAbstractItemView, QApplication, QTableView
from pytestqt.qtbot import QtBot

from app.store import Store
from ui import theme
from ui.devices.model import DeviceTableModel
from ui.devices.table import DeviceTableView

WIDTHS = {"serial": 140, "device_name": 150, "model": 160, "compliance_state": 150}


class QtPaintedTable(DeviceTableView):
    """The same table, painted by QTableView itself (cell by cell, through the delegate)."""

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        QTableView.paintEvent(self, event)


@pytest.fixture
def model(qtbot: QtBot, seeded_db: Path) -> Iterator[DeviceTableModel]:
    store = Store.open(seeded_db)
    table_model = DeviceTableModel(store)
    table_model.refresh()
    yield table_model
    table_model.shutdown()
    store.close()


Setup = Callable[[DeviceTableView], None]


def tables(qtbot: QtBot, model: DeviceTableModel, **options: object) -> list[DeviceTableView]:
    made = []
    for kind in (DeviceTableView, QtPaintedTable):
        table = kind(model, name="devicesTable", widths=WIDTHS, **options)  # type: ignore[arg-type]
        qtbot.addWidget(table)
        table.resize(760, 420)
        table.show()
        qtbot.waitExposed(table)
        made.append(table)
    return made


def painted(table: DeviceTableView, region: QRegion | None = None) -> QImage:
    """The viewport as painted (all of it, or only `region` over a fixed colour)."""
    viewport = table.viewport()
    if region is None:
        return viewport.grab().toImage()
    pixmap = QPixmap(viewport.size())
    pixmap.fill(QColor("#ff00ff"))
    viewport.render(pixmap, QPoint(), region)
    return pixmap.toImage()


def select(table: DeviceTableView, row: int, column: int = 0) -> None:
    index = table.model().index(row, column)
    flags = QItemSelectionModel.SelectionFlag
    table.selectionModel().setCurrentIndex(index, flags.ClearAndSelect | flags.Rows)


def scroll(table: DeviceTableView, rows: int, columns: int) -> None:
    """Scrolled down `rows` and right `columns` (the table scrolls by item), and there."""
    table.verticalScrollBar().setValue(rows)
    table.horizontalScrollBar().setValue(columns)
    assert table.rowAt(0) == rows and table.columnAt(1) == table.horizontalHeader().logicalIndexAt(
        1
    )
    assert table.horizontalHeader().offset() > 0


def same(ours: QImage, qts: QImage) -> bool:
    if ours == qts:
        return True
    differing = [
        (x, y)
        for y in range(ours.height())
        for x in range(ours.width())
        if ours.pixel(x, y) != qts.pixel(x, y)
    ]
    print(f"{len(differing)} pixels differ; first {differing[:10]}")
    return False


CASES: dict[str, Setup] = {
    "top": lambda t: None,
    "selected, focused": lambda t: select(t, 3, 2),
    "focused, another row selected": lambda t: (
        select(t, 6, 3),
        select(t, 2, 1),
        t.clearSelection(),
    ),
    "selected, not focused": lambda t: select(t, 4),
    "scrolled both ways": lambda t: (select(t, 60), scroll(t, 57, 2)),
    "disabled": lambda t: (select(t, 2), t.setEnabled(False)),
    "right to left": lambda t: (t.setLayoutDirection(Qt.LayoutDirection.RightToLeft), select(t, 1)),
    "right to left, scrolled": lambda t: (
        t.setLayoutDirection(Qt.LayoutDirection.RightToLeft),
        scroll(t, 10, 1),
    ),
    "no grid, no stripes": lambda t: (t.setShowGrid(False), t.setAlternatingRowColors(False)),
    "a row hidden (painted by Qt)": lambda t: (t.setRowHidden(3, True), select(t, 5)),
    "cells selected (painted by Qt)": lambda t: (
        t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems),
        t.selectionModel().select(
            t.model().index(2, 1), QItemSelectionModel.SelectionFlag.ClearAndSelect
        ),
    ),
    "a column hidden and one resized": lambda t: (
        t.setColumnHidden(2, True),
        t.setColumnWidth(1, 37),
        select(t, 0, 1),
    ),
}


def focus(qtbot: QtBot, table: DeviceTableView) -> None:
    """The keyboard in `table` (its window active, as a person's click makes it)."""
    table.activateWindow()
    table.setFocus()
    qtbot.waitUntil(table.hasFocus)


@pytest.mark.parametrize("case", CASES)
def test_the_table_paints_the_pixels_qt_paints(
    qtbot: QtBot, model: DeviceTableModel, case: str
) -> None:
    images = []
    for table in tables(qtbot, model):
        CASES[case](table)
        if "focused" in case.split(", "):
            focus(qtbot, table)
        images.append(painted(table))
    assert same(*images), case


def test_the_fleets_columns_and_the_dark_theme(qtbot: QtBot, model: DeviceTableModel) -> None:
    """The Fleet's table: a column moved second, others hidden; in the dark palette."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    hidden = ("model", "group_tag", "os_version")
    made = tables(qtbot, model, hidden=hidden, second="compliance_state")
    theme.apply(app, "dark")
    try:
        images = []
        for table in made:
            select(table, 5)
            focus(qtbot, table)
            images.append(painted(table))
        assert same(*images)
    finally:
        theme.apply(app, "light")


def test_a_paint_of_two_rows_paints_them_alone(qtbot: QtBot, model: DeviceTableModel) -> None:
    """A selection moved from one row to another repaints the two rows (a region of two
    rectangles): the rows between are neither painted nor even drawn off screen."""
    images = []
    made = tables(qtbot, model)
    cells = count_cells(made[0])
    for table in made:
        pitch = table.verticalHeader().defaultSectionSize()
        width = table.viewport().width()
        region = QRegion(QRect(0, pitch * 2, width, pitch)) | QRegion(
            QRect(0, pitch * 9, width, pitch)
        )
        select(table, 9)
        images.append(painted(table, region))
    assert same(*images)
    columns = sum(not made[0].isColumnHidden(c) for c in range(model.columnCount()))
    assert 0 < len(cells) <= 2 * columns


def count_cells(table: DeviceTableView) -> list[tuple[int, int]]:
    """The cells `table` paints from now on, (row, column) each."""
    cells: list[tuple[int, int]] = []
    original = table._cells.paint_cell

    def count(*args: object) -> None:
        cells.append((args[2], args[3]))  # type: ignore[arg-type]
        original(*args)  # type: ignore[arg-type]

    table._cells.paint_cell = count  # type: ignore[method-assign]
    return cells


def test_every_cell_is_painted_in_one_pass(qtbot: QtBot, model: DeviceTableModel) -> None:
    """Qt calls no Python per cell (the delegate's `paint` is never asked); each visible
    cell is painted once."""
    ours = tables(qtbot, model)[0]
    cells = count_cells(ours)
    asked: list[object] = []
    ours._cells.paint = lambda *args: asked.append(args)  # type: ignore[method-assign]
    painted(ours)
    viewport = ours.viewport().rect()
    visible = {
        (row, column)
        for row in range(model.rowCount())
        for column in range(model.columnCount())
        if not ours.isColumnHidden(column)
        and ours.visualRect(model.index(row, column)).intersects(viewport)
    }
    assert not asked
    assert sorted(cells) == sorted(visible) and len(visible) > 50
