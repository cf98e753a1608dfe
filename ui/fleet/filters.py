"""The Fleet device list's filters: text, state, failing setting, build, policy, group tag,
model, stale. `changed` fires when the admin applies them (Enter, a choice, the box).

Every filter has a visible label whose Alt shortcut focuses it. A tile's filter is shown
here too (its state in State, Stale in the box), so what the list shows is always written in
this row, and clearing it here clears the tile.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLineEdit,
    QPushButton,
    QWidget,
)

from app.domain import ComplianceState
from app.services import Dashboard, setting_words, states_words
from ui.widgets.flow_layout import FlowLayout, labelled
from ui.widgets.state_swatch import state_icon
from ui.words import shown

ANY = "(any)"
COMBO_CHARS = 10  # a combo is this wide whatever its longest choice; the popup shows all
STATE_CHARS = 15  # "In grace period" whole
#: Several states in one choice, as the "Error or conflict" tile has them.
STATE_GROUPS = ((ComplianceState.ERROR.value, ComplianceState.CONFLICT.value),)


class FilterBarWidget(QWidget):
    changed = Signal()
    cleared = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit()
        self.search.setObjectName("fleetSearch")
        self.search.setPlaceholderText(self.tr("Serial, name or user"))
        self.search.setClearButtonEnabled(True)
        self.state = self._combo("stateFilter", STATE_CHARS)
        for state in ComplianceState:
            self.state.addItem(state_icon(state.value), shown("compliance_state", state), (state,))
        for states in STATE_GROUPS:
            self.state.addItem(state_icon(states[0]), self.tr(states_words(states)), states)
        self.failing = self._combo("failingFilter")
        self.build = self._combo("buildFilter")
        self.policy = self._combo("policyFilter")
        self.tag = self._edit("tagFilter")
        self.model = self._edit("modelFilter")
        self.stale = QCheckBox(self.tr("Stale onl&y"))
        self.stale.setObjectName("staleFilter")
        self.clear = QPushButton(self.tr("C&lear filters"))
        self.clear.setObjectName("clearFilters")
        self.clear.setToolTip(self.tr("Show every device: no tile, no filter (Alt+L)"))
        self._lay_out()
        for edit in (self.search, self.tag, self.model):
            edit.returnPressed.connect(self.changed)
        for combo in self.combos():
            combo.activated.connect(self.changed)
        self.stale.toggled.connect(self.changed)
        self.clear.clicked.connect(self.cleared)

    def _lay_out(self) -> None:
        """Each field after its label, in the order a person narrows the list (what to
        find, in which state, then the rest), wrapping onto more lines when the screen
        is narrow: one line of all nine does not fit 1366 px beside the detail pane."""
        flow = FlowLayout(self, spacing=10)
        flow.add(labelled(self.tr("Se&arch"), self.search, width=220), stretch=True)
        flow.add(labelled(self.tr("&State"), self.state))
        flow.add(self.stale)
        flow.add(self.clear)
        flow.add(labelled(self.tr("&Failing setting"), self.failing))
        flow.add(labelled(self.tr("Windows &build"), self.build))
        flow.add(labelled(self.tr("&Policy"), self.policy))
        flow.add(labelled(self.tr("Group &tag"), self.tag, width=110), stretch=True)
        flow.add(labelled(self.tr("&Model"), self.model, width=110), stretch=True)

    def _combo(self, name: str, chars: int = COMBO_CHARS) -> QComboBox:
        combo = QComboBox()
        combo.setObjectName(name)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(chars)
        combo.addItem(self.tr(ANY), None)
        return combo

    def _edit(self, name: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setObjectName(name)
        edit.setPlaceholderText(self.tr(ANY))
        edit.setClearButtonEnabled(True)
        return edit

    def combos(self) -> tuple[QComboBox, ...]:
        return (self.state, self.failing, self.build, self.policy)

    def offer(self, board: Dashboard) -> None:
        """The choices the fleet has now (the failing settings, builds and policies)."""
        self._fill(self.failing, [(setting_words(k), k) for k, _ in board.failing])
        self._fill(self.build, [(k, k) for k, _ in board.builds])
        self._fill(self.policy, [(p, p) for p in board.policies])

    def choose(self, combo: QComboBox, data: Any) -> None:
        """Select the item holding `data` ("(any)" when none does)."""
        found = [i for i in range(combo.count()) if combo.itemData(i) == data]
        combo.setCurrentIndex(found[0] if found else 0)

    def show_states(self, states: tuple[str, ...], *, stale: bool) -> None:
        """Show a tile's filter in this row (without applying it: the caller does)."""
        self.choose(self.state, tuple(states) if states else None)
        self.stale.blockSignals(True)
        self.stale.setChecked(stale)
        self.stale.blockSignals(False)

    def reset(self) -> None:
        for combo in self.combos():
            combo.setCurrentIndex(0)
        for edit in (self.search, self.tag, self.model):
            edit.clear()
        self.show_states((), stale=False)

    def states(self) -> tuple[str, ...]:
        return tuple(self.state.currentData() or ())

    def values(self, stale_before: str | None) -> dict[str, Any]:
        """The filters as DeviceQuery fields (empty ones are dropped by drill_down)."""
        states = self.states()
        return {
            "text": self.search.text().strip(),
            "verdict": states[0] if len(states) == 1 else None,  # what the tiles count
            "verdicts": states if len(states) > 1 else (),
            "failing": self.failing.currentData(),
            "build": self.build.currentData(),
            "group_tag": self.tag.text().strip(),
            "model": self.model.text().strip(),
            "stale_before": stale_before if self.stale.isChecked() else None,
        }

    @staticmethod
    def _fill(combo: QComboBox, items: list[tuple[str, str]]) -> None:
        current = combo.currentData()
        wanted = [(ANY, None), *items]
        if [combo.itemData(i) for i in range(combo.count())] == [d for _, d in wanted]:
            return
        combo.blockSignals(True)
        combo.clear()
        for text, data in wanted:
            combo.addItem(text, data)
        combo.setCurrentIndex(max(0, combo.findData(current)))
        combo.blockSignals(False)
