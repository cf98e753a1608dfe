"""The row of tiles at the top of the Fleet screen; a click asks for the list behind one."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QPushButton, QWidget

from app.services import TILES


class TileBarWidget(QWidget):
    """Checkable tiles, keyboard-reachable (Tab, Space); `chosen(key)` on a click."""

    chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tiles: dict[str, QPushButton] = {}
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        for key, words in TILES:
            tile = QPushButton()
            tile.setObjectName("tile")
            tile.setProperty("tile", key)
            tile.setCheckable(True)
            tile.setAccessibleName(self.tr(words))
            tile.clicked.connect(lambda _checked=False, k=key: self.chosen.emit(k))
            self._group.addButton(tile)
            self.tiles[key] = tile
            layout.addWidget(tile, 1)
        self._words = dict(TILES)

    def set_counts(self, counts: dict[str, int], total: int) -> None:
        for key, tile in self.tiles.items():
            count = counts.get(key)
            number = "—" if count is None else f"{count:,}"
            words = self.tr(self._words[key])
            if key == "compliant" and count is not None and total:
                words += f" ({100 * count / total:.1f} %)"
            tile.setText(f"{number}\n{words}")

    def select(self, key: str | None) -> None:
        if key is None:
            self._group.setExclusive(False)
            for tile in self.tiles.values():
                tile.setChecked(False)
            self._group.setExclusive(True)
        else:
            self.tiles[key].setChecked(True)
