"""Stale devices and their cleanup plan, step by step in Microsoft's order."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.services import StaleDevice
from ui.words import when

SHOWN = 500  # the longest inactive first; the rest are in the export


class StaleViewWidget(QWidget):
    """`mark_clicked(device_id)` when the admin confirms a device for cleanup."""

    mark_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel()
        self.summary.setObjectName("planSummary")
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, 4)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table
        self.table.setObjectName("staleTable")
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("Serial number"),
                self.tr("Device name"),
                self.tr("Last activity"),
                self.tr("Days inactive"),
            ]
        )
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        for column in (0, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.steps = QListWidget()
        self.steps.setObjectName("cleanupSteps")
        self.steps.setWordWrap(True)
        self.mark = QPushButton(self.tr("Mark for cleanup…"))
        self.mark.setObjectName("staleMark")
        self.mark.setEnabled(False)
        right = QVBoxLayout()
        right.addWidget(QLabel(self.tr("Cleanup steps, in this order")))
        right.addWidget(self.steps, 1)
        right.addWidget(self.mark)
        body = QHBoxLayout()
        body.addWidget(self.table, 3)
        body.addLayout(right, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(body, 1)
        self.devices: list[StaleDevice] = []
        self.table.currentCellChanged.connect(self._on_table_current_cell_changed)
        self.mark.clicked.connect(self._on_mark_clicked)

    def show_plan(self, days: int, count: int, devices: list[StaleDevice]) -> None:
        self.devices = devices
        self.summary.setText(
            self.tr(
                "{n} device(s) have had no activity for {d} days or more, by Joinery's last "
                "check-in, not Entra's activity timestamp (Entra refreshes that only every 14 "
                "days or so, so never fewer than 21). Nothing is changed here: each plan "
                "disables the device and keeps Autopilot records; decommissioning a device "
                "that leaves for good is a separate action."
            ).format(n=f"{count:,}", d=days)
            + (
                self.tr(" The {s} longest inactive are listed.").format(s=SHOWN)
                if count > SHOWN
                else ""
            )
        )
        self.table.setRowCount(len(devices))
        for row, device in enumerate(devices):
            for column, text in enumerate(
                (
                    device.serial,
                    device.device_name or "—",
                    when(device.last_activity),
                    str(device.days_inactive),
                )
            ):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.steps.clear()
        self.mark.setEnabled(False)
        if devices:
            self.table.setCurrentCell(0, 0)

    def selected(self) -> StaleDevice | None:
        row = self.table.currentRow()
        return self.devices[row] if 0 <= row < len(self.devices) else None

    def _on_table_current_cell_changed(self, row: int, *_: int) -> None:
        self.steps.clear()
        device = self.devices[row] if 0 <= row < len(self.devices) else None
        self.mark.setEnabled(device is not None)
        if device is None:
            return
        for number, step in enumerate(device.steps, start=1):
            after = f" (not before {when(step.not_before)})" if step.not_before else ""
            self.steps.addItem(f"{number}. {step.what}{after}")
        for kept in device.keeps:
            self.steps.addItem(self.tr("Kept: {k}").format(k=kept))

    def _on_mark_clicked(self) -> None:
        device = self.selected()
        if device is not None:
            self.mark_clicked.emit(device.device_id)
