"""The row of tiles at the top of the Fleet screen; a click asks for the list behind one.

The tile whose devices the list shows is highlighted through the stylesheet (`state` is
"active", see resources/styles/04_fleet.qss), and a state's tile carries the state's colour
as a stripe beside its words.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QGridLayout, QPushButton, QWidget

from app.services import TILES
from ui.widgets.form import set_state

ACTIVE = "active"


class TileBarWidget(QWidget):
    """Tiles reachable by keyboard (Tab, Space); `chosen(key)` when one is pressed."""

    chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tiles: dict[str, QPushButton] = {}
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(8)
        self._columns = 0
        for key, words in TILES:
            tile = QPushButton()
            tile.setObjectName("tile")
            tile.setProperty("tile", key)
            tile.setCheckable(True)  # read out as pressed or not by a screen reader
            tile.setAccessibleName(self.tr(words))
            tile.setToolTip(self.tr("List these devices (Space)"))
            tile.clicked.connect(lambda _checked=False, k=key: self.chosen.emit(k))
            self.tiles[key] = tile
        self._words = dict(TILES)
        self._flow(len(self.tiles))

    def set_counts(self, counts: dict[str, int], total: int) -> None:
        for key, tile in self.tiles.items():
            count = counts.get(key)
            number = "—" if count is None else f"{count:,}"
            words = self.tr(self._words[key])
            if key == "compliant" and count is not None and total:
                words += f" ({100 * count / total:.1f} %)"
            tile.setText(f"{number}\n{words}")
        self._reflow()

    def _flow(self, columns: int) -> None:
        """Lay the tiles out `columns` to a row (one row, or two when a row is too narrow)."""
        if columns == self._columns:
            return
        self._columns = columns
        for index, tile in enumerate(self.tiles.values()):
            self._grid.removeWidget(tile)
            self._grid.addWidget(tile, *divmod(index, columns))
        for column in range(len(self.tiles)):
            self._grid.setColumnStretch(column, 1 if column < columns else 0)

    def _reflow(self) -> None:
        """One row when every tile's words fit in it, else two: no tile cuts its words."""
        spacing = self._grid.spacing()
        widest = max(tile.sizeHint().width() for tile in self.tiles.values())
        count = len(self.tiles)
        fits = count * widest + (count - 1) * spacing <= self.width()
        self._flow(count if fits else (count + 1) // 2)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._reflow()

    def select(self, key: str | None) -> None:
        """Highlight the tile whose devices the list shows; None: the list is no tile's."""
        for tile_key, tile in self.tiles.items():
            on = tile_key == key
            tile.setChecked(on)
            if tile.property("state") != (ACTIVE if on else ""):
                set_state(tile, ACTIVE if on else "")
