"""Screens that later work builds: each says plainly what it will hold. No fake data."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


@dataclass(frozen=True)
class Plan:
    key: str
    title: str
    summary: str
    points: tuple[str, ...]


PLANS = (
    Plan(
        "fleet",
        "Fleet",
        "A live compliance dashboard with Intune's states and the reasons behind them.",
        (
            "Tiles for compliant, noncompliant, grace period, not evaluated, unknown, stale",
            "Why each device fails, since when, and what Conditional Access does to it",
            "Trends from daily snapshots; the fleet as it was on any past date",
            "A stale-device cleanup plan in Microsoft's order",
        ),
    ),
    Plan(
        "audit",
        "Audit",
        "The tamper-evident trail of every sign-in, import, export, enrollment and build.",
        (
            "Filter and export entries; verify the hash chain",
            "Entries are written in the same transaction as the change they record",
        ),
    ),
)


class PlannedScreen(QWidget):
    def __init__(self, plan: Plan, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"{plan.key}Screen")
        layout = QVBoxLayout(self)
        title = QLabel(self.tr(plan.title))
        title.setObjectName("screenTitle")
        layout.addWidget(title)
        summary = QLabel(self.tr(plan.summary))
        summary.setObjectName("planSummary")
        summary.setWordWrap(True)
        layout.addWidget(summary)
        note = QLabel(self.tr("Not built yet. When it is, this screen will offer:"))
        note.setObjectName("planNote")
        layout.addWidget(note)
        for point in plan.points:
            item = QLabel("•  " + self.tr(point))
            item.setWordWrap(True)
            item.setObjectName("planPoint")
            layout.addWidget(item)
        layout.addStretch(1)
        layout.setAlignment(Qt.AlignmentFlag.AlignTop)
