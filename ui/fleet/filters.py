"""The Fleet device list's filters: text, state, failing setting, build, policy, group tag,
model, stale. `changed` fires when the admin applies them (Enter, a choice, the box)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLineEdit, QPushButton, QWidget

from app.compliance.words import setting_words
from app.domain import ComplianceState
from app.services import Dashboard
from ui.words import shown

ANY = "(any)"


class FilterBarWidget(QWidget):
    changed = Signal()
    cleared = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit()
        self.search.setObjectName("fleetSearch")
        self.search.setPlaceholderText(self.tr("Serial, name or user (prefix)"))
        self.state = QComboBox()
        self.state.setObjectName("stateFilter")
        self.state.addItem(self.tr(ANY), None)
        for state in ComplianceState:
            self.state.addItem(shown("compliance_state", state.value), state.value)
        self.failing = self._combo("failingFilter", self.tr("Failing setting"))
        self.build = self._combo("buildFilter", self.tr("Windows build"))
        self.policy = self._combo("policyFilter", self.tr("Policy"))
        self.tag = self._edit("tagFilter", self.tr("Group tag"))
        self.model = self._edit("modelFilter", self.tr("Model"))
        self.stale = QCheckBox(self.tr("Stale only"))
        self.clear = QPushButton(self.tr("Clear"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (
            self.search,
            self.state,
            self.failing,
            self.build,
            self.policy,
            self.tag,
            self.model,
            self.stale,
            self.clear,
        ):
            layout.addWidget(widget)
        layout.setStretch(0, 2)
        for edit in (self.search, self.tag, self.model):
            edit.returnPressed.connect(self.changed)
        for combo in self.combos():
            combo.activated.connect(self.changed)
        self.stale.toggled.connect(self.changed)
        self.clear.clicked.connect(self.cleared)

    def _combo(self, name: str, tip: str) -> QComboBox:
        combo = QComboBox()
        combo.setObjectName(name)
        combo.setToolTip(tip)
        combo.addItem(self.tr(ANY), None)
        return combo

    def _edit(self, name: str, words: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setObjectName(name)
        edit.setPlaceholderText(words)
        return edit

    def combos(self) -> tuple[QComboBox, ...]:
        return (self.state, self.failing, self.build, self.policy)

    def offer(self, board: Dashboard) -> None:
        """The choices the fleet has now (the failing settings, builds and policies)."""
        self._fill(self.failing, [(setting_words(k), k) for k, _ in board.failing])
        self._fill(self.build, [(k, k) for k, _ in board.builds])
        self._fill(self.policy, [(p, p) for p in board.policies])

    def choose(self, combo: QComboBox, data: str) -> None:
        combo.setCurrentIndex(max(0, combo.findData(data)))

    def reset(self) -> None:
        for combo in self.combos():
            combo.setCurrentIndex(0)
        for edit in (self.search, self.tag, self.model):
            edit.clear()
        self.stale.blockSignals(True)
        self.stale.setChecked(False)
        self.stale.blockSignals(False)

    def values(self, stale_before: str | None) -> dict[str, Any]:
        """The filters as DeviceQuery fields (empty ones are dropped by drill_down)."""
        return {
            "text": self.search.text().strip(),
            "verdict": self.state.currentData(),  # what the tiles count
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
