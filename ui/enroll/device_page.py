"""Page 1: which device, which Windows, and can it be Entra joined (with the reason)."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app import eligibility, services
from app.domain import Device, ProvisioningMethod
from app.errors import JoineryError
from ui.enroll.page_base import EnrollPage
from ui.session import signed_in
from ui.widgets.form import set_state
from ui.widgets.profile_chooser import ProfileChooserWidget
from ui.widgets.scan_field import ScanFieldWidget

FIELD_SERIAL = "serial"
SECTION = "Device"
METHODS = (
    (ProvisioningMethod.SELF_SERVICE, "Self-service setup (OOBE)"),
    (ProvisioningMethod.AUTOPILOT, "Windows Autopilot"),
    (ProvisioningMethod.BULK, "Bulk enrollment (provisioning package)"),
)
BUILDS = ("10.0.26200", "10.0.26100", "10.0.22631", "10.0.22621", "10.0.19045")


class DevicePage(EnrollPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("devicePage")
        self.set_section(SECTION)
        self.setTitle(self.tr("Which device are you setting up?"))
        self.setSubTitle(
            self.tr(
                "Scan the barcode on the box or type the serial number. An imported "
                "Autopilot record fills in the rest; check the Windows edition and build."
            )
        )
        self.profile = ProfileChooserWidget()
        self.profile.setObjectName("startProfile")
        self.serial = ScanFieldWidget()
        self.serial.setObjectName("wizardSerial")
        self.serial.setProperty("large", True)
        self.serial.setPlaceholderText(self.tr("Serial number, e.g. PF5KX2QA"))
        self.serial_error = self.error_label(FIELD_SERIAL)
        self.record = QLabel()
        self.record.setObjectName("recordNote")
        self.record.setWordWrap(True)
        self.update_record = QCheckBox(self.tr("Enroll it again (the device was reimaged)"))
        self.update_record.setObjectName("updateRecord")
        self.update_record.hide()
        self.manufacturer = QLineEdit()
        self.manufacturer.setObjectName("manufacturer")
        self.model = QLineEdit()
        self.model.setObjectName("model")
        self.edition = QComboBox()
        self.edition.setObjectName("edition")
        self.edition.setEditable(True)
        self.edition.addItems(eligibility.EDITIONS)
        self.build = QComboBox()
        self.build.setObjectName("build")
        self.build.setEditable(True)
        for build in BUILDS:
            name = eligibility.release_name(int(build.split(".")[2]))
            self.build.addItem(f"{build}  ({name})", build)
        self.method = QComboBox()
        self.method.setObjectName("method")
        for method, words in METHODS:
            self.method.addItem(self.tr(words), method.value)
        self.azure_vm = QCheckBox(self.tr("This is a virtual machine in Azure"))
        self.azure_vm.setObjectName("azureVm")
        self.verdict = QLabel()
        self.verdict.setObjectName("verdict")
        self.verdict.setWordWrap(True)

        form = QFormLayout()
        form.addRow(self.buddy(self.tr("Bench &profile"), self.profile), self.profile)
        pair = QHBoxLayout()
        pair.addWidget(self.manufacturer)
        pair.addWidget(self.buddy(self.tr("M&odel"), self.model))
        pair.addWidget(self.model)
        form.addRow(self.buddy(self.tr("Manu&facturer"), self.manufacturer), pair)
        form.addRow(self.tr("&Windows edition"), self.edition)
        form.addRow(self.tr("Windows &build"), self.build)
        form.addRow(self.tr("Provisioning &method"), self.method)
        form.addRow("", self.azure_vm)
        layout = QVBoxLayout(self)
        layout.addLayout(
            self.stacked(
                self.tr("&Serial number"),
                self.serial,
                self.serial_error,
                self.record,
                self.update_record,
            )
        )
        layout.addSpacing(8)
        layout.addWidget(self.verdict)
        layout.addSpacing(8)
        layout.addLayout(form)
        layout.addStretch(1)

        self.serial.textChanged.connect(self._on_serial_text_changed)
        self.update_record.toggled.connect(self.completeChanged)
        self.profile.currentTextChanged.connect(self._on_profile_current_text_changed)
        for combo in (self.edition, self.build):
            combo.currentTextChanged.connect(self._recheck)
        self.method.currentIndexChanged.connect(self._recheck)
        self.azure_vm.toggled.connect(self._recheck)
        self._found: Device | None = None
        # Manufacturer and model before a found record filled them, and as it filled them:
        # a serial typed on past it (its prefix was another device's serial) puts back
        # what was there, typed or empty.
        self._filled: tuple[tuple[str, str], tuple[str, str]] | None = None
        self._verdict: eligibility.Verdict | None = None

    # -- WizardPage ------------------------------------------------------------------------

    def initializePage(self) -> None:  # noqa: N802
        draft = self.draft
        self.profile.blockSignals(True)
        self.profile.reload(self.enroll_wizard().profile_names())
        self.profile.choose(draft.profile)
        self.profile.blockSignals(False)
        self.serial.setText(draft.serial)
        self.update_record.setChecked(draft.update)
        self.manufacturer.setText(draft.manufacturer)
        self.model.setText(draft.model)
        self._show_answers()

    def first_field(self) -> QWidget:
        return self.serial

    def isComplete(self) -> bool:  # noqa: N802
        if services.serial_problem(self.serial.text().strip()) is not None:
            return False
        if self._already_enrolled() and not self.update_record.isChecked():
            return False
        return self._verdict is not None and self._verdict.eligible

    def explain_incomplete(self) -> None:
        if not self.serial.text().strip():  # every other gap is said as it opens
            self.say(
                self.serial_error,
                self.tr("Scan the barcode on the box or type the serial number first."),
            )
            self.serial.setFocus()

    def validatePage(self) -> bool:  # noqa: N802
        draft = self.draft
        found = self._found  # a serial typed in another case is the record's, as recorded
        draft.serial = found.serial if found is not None else self.serial.text().strip()
        draft.existing = found
        draft.update = self._already_enrolled() and self.update_record.isChecked()
        draft.manufacturer = self.manufacturer.text().strip()
        draft.model = self.model.text().strip()
        draft.profile = self.profile.currentText()
        draft.answers = replace(draft.answers, **self._device_answers())
        return True

    # -- slots -----------------------------------------------------------------------------

    def _on_profile_current_text_changed(self, name: str) -> None:
        wizard = self.enroll_wizard()
        try:
            answers = services.profile(wizard.store, name, actor=signed_in(wizard._actor()))
        except JoineryError as error:
            self.say(self.serial_error, str(error))
            return
        self.draft.profile = name
        self.draft.answers = answers
        self._show_answers()

    def _on_serial_text_changed(self, text: str) -> None:
        serial = text.strip()
        problem = services.serial_problem(serial) if serial else None
        self.say(self.serial_error, problem)
        self.serial.set_state("error" if problem else "")
        self._found = self.enroll_wizard().store.device_by_serial(serial) if serial else None
        self._show_record(self._found)
        self.completeChanged.emit()

    def _recheck(self) -> None:
        values = self._device_answers()
        self.azure_vm.setVisible("server" in str(values["edition"]).lower())
        self._verdict = replace(self.draft.answers, **values).verdict()
        verdict = self._verdict
        text = verdict.reason + (f"\n{verdict.way_out}" if verdict.way_out else "")
        text += "".join(f"\n{warning}" for warning in verdict.warnings)
        self.verdict.setText(text)
        set_state(self.verdict, "ok" if verdict.eligible else "error")
        self.completeChanged.emit()

    # -- helpers ---------------------------------------------------------------------------

    def _device_answers(self) -> dict[str, object]:
        build = self.build.currentData() if self.build.currentIndex() >= 0 else None
        typed = self.build.currentText().split("(")[0].strip()
        return {
            "edition": self.edition.currentText().strip(),
            "build": build if build and typed == build else typed,
            "provisioning_method": self.method.currentData(),
            "azure_vm": self.azure_vm.isChecked() and self.azure_vm.isVisible(),
        }

    def _show_answers(self) -> None:
        answers = self.draft.answers
        self.edition.setCurrentText(answers.edition)
        index = self.build.findData(answers.build)
        if index >= 0:
            self.build.setCurrentIndex(index)
        else:
            self.build.setCurrentText(answers.build)
        self.method.setCurrentIndex(max(0, self.method.findData(answers.provisioning_method)))
        self.azure_vm.setChecked(answers.azure_vm)
        self._recheck()

    def _maker(self) -> tuple[str, str]:
        return self.manufacturer.text(), self.model.text()

    def _already_enrolled(self) -> bool:
        return self._found is not None and self._found.enrolled

    def _show_record(self, device: Device | None) -> None:
        self.update_record.setVisible(self._already_enrolled())
        if self._filled is not None:
            before, filled = self._filled
            if filled == self._maker():  # another device's, not typed for this one
                self.manufacturer.setText(before[0])
                self.model.setText(before[1])
        self._filled = None
        if device is None:
            self.record.setText(
                self.tr("Not in the registry yet: a new device record will be made.")
                if self.serial.text().strip()
                else ""
            )
            return
        before = self._maker()
        self.manufacturer.setText(device.manufacturer or "")
        self.model.setText(device.model or "")
        self._filled = (before, self._maker())
        if self._already_enrolled():
            since = (device.enrolled_at or device.created_at)[:10]
            self.record.setText(
                self.tr(
                    "Already enrolled as {n} since {d}. Tick the box below to enroll it again "
                    "after a reimage; its name stays."
                ).format(n=device.device_name or "—", d=since)
            )
        else:
            self.record.setText(
                self.tr("Autopilot record found: {m} {o}, group tag {t}.").format(
                    m=device.manufacturer or "", o=device.model or "", t=device.group_tag or "none"
                )
            )
