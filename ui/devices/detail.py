"""The selected device: its identity, what the tenant says of it, its hardware-hash lineage
and its history."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QLabel,
    QListWidget,
    QVBoxLayout,
    QWidget,
)

from app.domain import Device, HistoryEntry, TenantFacts
from app.services import LineageEntry
from ui.tenant.words import autopilot_words, intune_words
from ui.widgets.scrolling import scrolling_body
from ui.widgets.value_label import ValueLabel
from ui.words import enrollment, join_type, shown, when

_FIELDS = (
    ("serial", "Serial number"),
    ("device_name", "Device name"),
    ("manufacturer", "Manufacturer"),
    ("model", "Model"),
    ("group_tag", "Group tag"),
    ("assigned_user", "Assigned user"),
    ("os_edition", "Edition"),
    ("os_version", "OS version"),
    ("join_type", "Join type"),
    ("provisioning_method", "Provisioning"),
    ("management_authority", "Management"),
    ("enrollment_status", "Enrollment"),
    ("compliance_state", "Compliance"),
    ("last_checkin", "Last check-in"),
)


def _wrapping() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    return label


class DeviceDetailWidget(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("detailPane")
        self.setMinimumWidth(290)
        layout = scrolling_body(self, QVBoxLayout(self))
        self.title = QLabel(self.tr("No device selected"))
        self.title.setObjectName("paneTitle")
        self.title.setWordWrap(True)
        layout.addWidget(self.title)
        self.hint = QLabel(
            self.tr(
                "Select a device in the list, or scan or type its serial number, name or user "
                "into the search box and press Enter. Its identity, hardware-hash lineage and "
                "history show here."
            )
        )
        self.hint.setObjectName("planSummary")
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        self._form = QFormLayout()
        self._form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self._values: dict[str, QLabel] = {}
        for key, label in _FIELDS:
            # Every value is read whole: a long address or name wraps, inside a word too.
            self._values[key] = ValueLabel()
            self._form.addRow(self.tr(label), self._values[key])
        # What the tenant says: rows shown only when it has something to say.
        self.autopilot = _wrapping()
        self.autopilot.setObjectName("autopilotFacts")
        self.intune = _wrapping()
        self.intune.setObjectName("intuneFacts")
        for label, value in (
            (self.tr("In Autopilot"), self.autopilot),
            (self.tr("Intune says"), self.intune),
        ):
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self._form.addRow(label, value)
            self._form.setRowVisible(value, False)
        layout.addLayout(self._form)
        lineage_title = QLabel(self.tr("Hardware hash lineage"))
        lineage_title.setObjectName("sectionTitle")
        layout.addWidget(lineage_title)
        self.lineage = QListWidget()
        self.lineage.setMaximumHeight(60)
        self.lineage.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.lineage.setWordWrap(True)
        layout.addWidget(self.lineage)
        history_title = QLabel(self.tr("History"))
        history_title.setObjectName("sectionTitle")
        layout.addWidget(history_title)
        self.history = QListWidget()
        self.history.setWordWrap(True)
        self.history.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout.addWidget(self.history, 1)
        self._sections = (lineage_title, self.lineage, history_title, self.history)
        layout.addStretch(0)
        self.show_device(None, [], [])

    def _set_details_visible(self, visible: bool) -> None:
        self.hint.setVisible(not visible)
        for row in range(self._form.rowCount()):
            self._form.setRowVisible(row, visible)
        for widget in self._sections:
            widget.setVisible(visible)

    def show_tenant(self, device: Device | None, facts: TenantFacts | None) -> None:
        """ "In Autopilot" and "Intune says" (services.device_tenant_facts); a row shows only
        when there is something to say."""
        autopilot = autopilot_words(facts) if device is not None else None
        intune = intune_words(device, facts) if device is not None else None
        self.autopilot.setText(autopilot or "")
        self.autopilot.setToolTip(autopilot or "")
        self.intune.setText(intune[0] if intune else "")
        self.intune.setToolTip(intune[1] if intune else "")
        self._form.setRowVisible(self.autopilot, autopilot is not None)
        self._form.setRowVisible(self.intune, intune is not None)

    def show_device(
        self, device: Device | None, lineage: list[LineageEntry], history: list[HistoryEntry]
    ) -> None:
        self.lineage.clear()
        self.history.clear()
        self._set_details_visible(device is not None)
        self.show_tenant(device, None)  # the screen adds what the tenant says, if anything
        if device is None:
            self.title.setText(self.tr("No device selected"))
            return
        self.title.setText(device.device_name or device.serial)
        for key, value in self._values.items():
            text = getattr(device, key)
            words = when(text) if key == "last_checkin" else (shown(key, text) or "—")
            tip = words
            if key == "enrollment_status":
                words, meaning = enrollment(device)
                tip = words if meaning == words else f"{words}\n{meaning}"
            elif key == "join_type":
                words = tip = join_type(device)
            value.setText(words)
            value.setToolTip(tip)
        if not lineage:
            self.lineage.addItem(self.tr("No hardware hash recorded"))
        for entry in lineage:
            current = self.tr(" (current)") if entry.lineage == device.lineage else ""
            seen = when(entry.first_seen, empty="")
            self.lineage.addItem(f"#{entry.lineage}{current}  {seen}  {entry.source or ''}")
            self.lineage.item(self.lineage.count() - 1).setToolTip(
                self.tr("hash {h}…").format(h=entry.hardware_hash[:16])
            )
        for item in history:
            changes = ", ".join(
                f"{key}: {shown(key, old) or '—'} → {shown(key, new) or '—'}"
                for key, (old, new) in item.changes.items()
            )
            text = f"{when(item.at, empty='')}  {item.kind} by {item.actor}"
            if changes:
                text += f"\n    {changes}"
            if item.note:
                text += f"\n    {item.note}"
            self.history.addItem(text)
