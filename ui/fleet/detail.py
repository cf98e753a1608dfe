"""The selected device on the Fleet screen: why it is in its state, since when, what Intune
and Autopilot say of it, and what Conditional Access does to it; its history; actions."""

from __future__ import annotations

import json

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QLabel,
    QListWidget,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.domain import Device, HistoryEntry, TenantFacts
from app.services import DeviceCompliance, setting_words
from ui.tenant.words import autopilot_words, intune_words
from ui.widgets.flow_layout import FlowLayout
from ui.widgets.form import set_state
from ui.widgets.scrolling import scrolling_body
from ui.widgets.value_label import ValueLabel
from ui.words import enrollment, shown, when

IDENTITY = (
    ("serial", "Serial number"),
    ("device_name", "Device name"),
    ("model", "Model"),
    ("group_tag", "Group tag"),
    ("assigned_user", "User"),
    ("os_version", "Windows"),
    ("enrollment_status", "Enrollment"),
    ("last_checkin", "Last check-in"),
)


class FleetDetailWidget(QFrame):
    """Shows one device's compliance; the buttons ask the screen to act on it."""

    reevaluate_clicked = Signal()
    print_clicked = Signal()
    cleanup_clicked = Signal()
    files_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("detailPane")
        self.setMinimumWidth(320)
        self.state = QLabel()
        self.state.setObjectName("detailState")
        self.state.setWordWrap(True)
        self.intune = QLabel()
        self.intune.setObjectName("intuneVerdict")
        self.intune.setWordWrap(True)
        self.autopilot = QLabel()
        self.autopilot.setObjectName("autopilotFacts")
        self.autopilot.setWordWrap(True)
        self.access = QLabel()
        self.access.setObjectName("accessOutcome")
        self.access.setWordWrap(True)
        form = QFormLayout()
        self.values: dict[str, QLabel] = {}
        for key, words in IDENTITY:
            # Every value is read whole: a long address or name wraps, inside a word too.
            value = ValueLabel()
            value.setObjectName(f"fleet_{key}")
            self.values[key] = value
            form.addRow(self.tr(words), value)
        self.reasons = QListWidget()
        self.reasons.setObjectName("reasons")
        self.reasons.setWordWrap(True)
        self.history = QListWidget()
        self.history.setObjectName("complianceHistory")
        self.history.setWordWrap(True)
        self.reevaluate = QPushButton(self.tr("Re-evaluate"))
        self.reevaluate.setObjectName("reevaluate")
        self.print_label = QPushButton(self.tr("Print label…"))
        self.cleanup = QPushButton(self.tr("Mark for cleanup…"))
        self.cleanup.setObjectName("markCleanup")
        self.files = QPushButton(self.tr("Device files…"))
        self.files.setObjectName("fleetDeviceFiles")
        for listing in (self.reasons, self.history):
            listing.setMinimumHeight(72)
        # What the pane says scrolls when the window is short (1024x640); it is never
        # squeezed until its lines overlap. The buttons stay below it, wrapping if narrow.
        layout = QVBoxLayout(self)
        content = scrolling_body(self, layout)
        self._scroller = self.findChild(QScrollArea, "paneScroller")
        self._shown_id: int | None = None  # the device drawn, kept in place when redrawn
        content.addWidget(self.state)
        content.addWidget(self.intune)
        content.addWidget(self.autopilot)
        content.addWidget(self.access)
        content.addLayout(form)
        content.addWidget(QLabel(self.tr("Why (per setting)")))
        content.addWidget(self.reasons, 2)
        content.addWidget(QLabel(self.tr("History")))
        content.addWidget(self.history, 2)
        actions = QWidget()
        flow = FlowLayout(actions)
        for button in (self.reevaluate, self.print_label, self.files, self.cleanup):
            flow.add(button)
        layout.addWidget(actions)
        self.reevaluate.clicked.connect(self.reevaluate_clicked)
        self.print_label.clicked.connect(self.print_clicked)
        self.cleanup.clicked.connect(self.cleanup_clicked)
        self.files.clicked.connect(self.files_clicked)
        self.show_nothing()

    def show_nothing(self, text: str = "") -> None:
        self._from_the_top(None)
        self.state.setText(text or self.tr("Select a device to see why it is in its state."))
        self.show_tenant(None, None)
        self.access.clear()
        for value in self.values.values():
            value.setText("—")
        self.reasons.clear()
        self.history.clear()
        for button in (self.reevaluate, self.print_label, self.cleanup, self.files):
            button.setEnabled(False)

    def show_compliance(
        self,
        found: DeviceCompliance,
        events: list[HistoryEntry],
        facts: TenantFacts | None = None,
    ) -> None:
        device = found.device
        self._from_the_top(device.id)
        self._identity(device)
        state = shown("compliance_state", found.stored.state)
        since = found.stored.noncompliant_since
        extra = ""
        if found.stored.grace_until and found.stored.state == "inGracePeriod":
            extra = self.tr(" until {t}").format(t=when(found.stored.grace_until))
        elif since and found.stored.state == "noncompliant":
            extra = self.tr(" since {t}").format(t=when(since))
        self.state.setText(f"{state}{extra}")
        set_state(self.state, found.stored.state)
        self.show_tenant(device, facts)
        self.access.setText(
            self.tr("Conditional Access (require compliant device): {r}").format(
                r=found.access.reason
            )
        )
        self.reasons.clear()
        failing = [r for r in found.verdict.results if r.status.value != "compliant"]
        for result in failing:
            self.reasons.addItem(
                result.reason or f"{setting_words(result.setting)}: {result.status.value}"
            )
        if not failing:
            self.reasons.addItem(
                self.tr("Every evaluated setting is compliant.")
                if found.facts is not None
                else self.tr("No check-in yet: nothing to evaluate.")
            )
        for note in found.verdict.notes:
            self.reasons.addItem(self.tr("Note: {n}").format(n=note))
        self.history.clear()
        lines = [(c.at, _change(c.from_state, c.to_state, c.why)) for c in found.history]
        if found.facts is not None:  # only the latest check-in's facts are kept
            checkin = found.facts
            lines.append(
                (
                    checkin.reported_at,
                    self.tr("latest check-in ({s}, Windows {v})").format(
                        s=checkin.source.value, v=checkin.os_version or "?"
                    ),
                )
            )
        lines += [(e.at, f"{e.kind}: {e.note or ''}".rstrip(": ")) for e in events]
        for at, text in sorted(lines, reverse=True)[:200]:
            self.history.addItem(f"{when(at)}  {text}")
        for button in (self.reevaluate, self.print_label, self.cleanup):
            button.setEnabled(True)
        self.files.setEnabled(device.enrolled)

    def _from_the_top(self, device_id: int | None) -> None:
        """Another device (or none) is read from its serial and state down; the same one,
        redrawn by a live refresh, stays where the person scrolled it."""
        if device_id != self._shown_id and self._scroller is not None:
            self._scroller.verticalScrollBar().setValue(0)
        self._shown_id = device_id

    def show_tenant(self, device: Device | None, facts: TenantFacts | None) -> None:
        """One "Intune says" line from both sources (the tenant's last sync, Intune's
        export), beside the bench check above; "In Autopilot" below it. Each shows only
        when there is something to say."""
        intune = intune_words(device, facts) if device is not None else None
        self.intune.setVisible(intune is not None)
        if intune is None:
            self.intune.clear()
        else:
            self.intune.setText(
                self.tr(
                    "Intune says: {s}. Intune's verdict is what the dashboard counts and "
                    "Conditional Access uses; the line above is Joinery's bench check."
                ).format(s=intune[0])
            )
            self.intune.setToolTip(intune[1])
        autopilot = autopilot_words(facts) if device is not None else None
        self.autopilot.setVisible(autopilot is not None)
        self.autopilot.setText(
            self.tr("In Autopilot: {a}").format(a=autopilot) if autopilot else ""
        )

    def _identity(self, device: Device) -> None:
        for key, _ in IDENTITY:
            value = getattr(device, key, None)
            text = when(value) if key == "last_checkin" else (value or "—")
            tip = ""
            if key == "enrollment_status":
                text, meaning = enrollment(device)
                tip = text if meaning == text else f"{text}\n{meaning}"
            self.values[key].setText(str(text))
            self.values[key].setToolTip(tip)


def _change(before: str | None, after: str, why: str | None) -> str:
    text = f"{shown('compliance_state', before) if before else 'new'} → "
    text += shown("compliance_state", after)
    return text + (f" ({_why(why)})" if why else "")


def _why(why: str) -> str:
    """'failing: {"rtpEnabled": "nonCompliant"}' reads 'failing: Real-time protection'."""
    kind, _, rest = why.partition(": ")
    try:
        settings = json.loads(rest)
    except ValueError:
        return why
    if not isinstance(settings, dict):
        return why
    return f"{kind}: " + ", ".join(setting_words(str(k)) for k in settings)
