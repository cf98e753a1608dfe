"""Page 1, Set up device: the name template with a live preview, edition upgrade, shared use."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app import eligibility, naming, services
from app.provisioning.model import DeviceSetup, PackageSpec
from app.security.secret import Secret
from ui.bulk.page_base import CHECK_INFO, CheckedPage, findings_for

FIELD_TEMPLATE = "name_template"
FIELD_PRODUCT_KEY = "product_key"
FIELD_LICENSE = "license_file"
FIELD_REMOVE = "remove_preinstalled"
#: The serial the preview expands the template with.
SAMPLE_SERIAL = "PF5KX2QA"


class DevicePage(CheckedPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("devicePage")
        self.set_section("Set up device")
        self.setTitle(self.tr("Set up device"))
        self.setSubTitle(
            self.tr(
                "A unique name of at most 15 characters: %SERIAL% is the serial number "
                "(shortened from the front to fit), %RAND:x% is x random digits."
            )
        )
        self.template = QLineEdit()
        self.template.setObjectName("nameTemplate")
        self.template.setPlaceholderText(self.tr("e.g. CTS-%SERIAL% or CTS-%RAND:5%"))
        self.template_error = self.error_label(FIELD_TEMPLATE)
        self.preview = QLabel()
        self.preview.setObjectName("namePreview")
        self.product_key = QLineEdit()
        self.product_key.setObjectName("productKey")
        self.product_key.setEchoMode(QLineEdit.EchoMode.PasswordEchoOnEdit)
        self.product_key.setPlaceholderText(self.tr("XXXXX-XXXXX-XXXXX-XXXXX-XXXXX (optional)"))
        self.product_key_error = self.error_label(FIELD_PRODUCT_KEY)
        self.license = QLineEdit()
        self.license.setObjectName("licenseFile")
        self.license.setPlaceholderText(self.tr("Or a license file (.xml) to upgrade the edition"))
        self.license_browse = QPushButton(self.tr("&Browse…"))
        self.license_browse.setObjectName("licenseBrowse")
        self.license_error = self.error_label(FIELD_LICENSE)
        self.shared = QCheckBox(self.tr("Configure devices for &shared use"))
        self.shared.setObjectName("sharedUse")
        self.remove_software = QCheckBox(self.tr("&Remove pre-installed software"))
        self.remove_software.setObjectName("removePreinstalled")
        self.remove_error = self.error_label(FIELD_REMOVE)
        self.edition = QComboBox()
        self.edition.setObjectName("targetEdition")
        self.edition.addItem(self.tr("Not said (any edition)"), None)
        for edition in eligibility.EDITIONS:
            self.edition.addItem(edition, edition)
        self.notes = self.hint("")
        self.notes.setObjectName("deviceNotes")
        self.key_note = self.hint("")

        license_row = QHBoxLayout()
        license_row.addWidget(self.license, 1)
        license_row.addWidget(self.license_browse)
        form = QFormLayout()
        form.addRow(self.tr("Device name &template"), self.template)
        form.addRow("", self.template_error)
        form.addRow(self.tr("Devices will be named"), self.preview)
        form.addRow(self.tr("&Product key"), self.product_key)
        form.addRow("", self.product_key_error)
        form.addRow("", self.key_note)
        form.addRow(self.buddy(self.tr("&License file"), self.license), license_row)
        form.addRow("", self.license_error)
        form.addRow("", self.shared)
        form.addRow(self.tr("Target &edition"), self.edition)
        form.addRow("", self.remove_software)
        form.addRow("", self.remove_error)
        form.addRow("", self.notes)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addStretch(1)
        for edit in (self.template, self.product_key, self.license):
            edit.textChanged.connect(self._on_input_changed)
        self.remove_software.toggled.connect(self._on_input_changed)
        self.edition.currentIndexChanged.connect(self._on_input_changed)
        self.license_browse.clicked.connect(self._on_license_browse_clicked)
        self._kept_key: Secret | None = None

    def initializePage(self) -> None:  # noqa: N802
        device = self.draft.device
        self.template.setText(device.name_template or "")
        self._kept_key = device.product_key
        self.product_key.clear()  # a key is never shown again: typing one replaces it
        self.key_note.setText(
            self.tr("The package's product key is kept (hidden); type one to replace it.")
            if device.product_key
            else ""
        )
        self.key_note.setVisible(device.product_key is not None)
        self.license.setText(device.license_file or "")
        self.shared.setChecked(device.shared_use)
        self.remove_software.setChecked(device.remove_preinstalled)
        wanted = device.target_editions[0] if device.target_editions else None
        self.edition.setCurrentIndex(max(0, self.edition.findData(wanted)))
        self._on_input_changed()

    def first_field(self) -> QWidget:
        return self.template

    def keep(self) -> None:
        self.draft.device = self._device()

    def edited(self) -> bool:
        """Whether the fields hold something the draft does not have yet (typed, not kept)."""
        return self._device() != self.draft.device

    def _device(self) -> DeviceSetup:
        typed = self.product_key.text().strip().upper()
        return replace(
            self.draft.device,
            name_template=self.template.text().strip() or None,
            product_key=Secret(typed) if typed else self._kept_key,
            license_file=self.license.text().strip() or None,
            shared_use=self.shared.isChecked(),
            remove_preinstalled=self.remove_software.isChecked(),
            target_editions=(self.edition.currentData(),) if self.edition.currentData() else (),
        )

    def _on_input_changed(self) -> None:
        device = self._device()
        spec = PackageSpec(info=CHECK_INFO, device=device, account=self.draft.account)
        self._found = findings_for(spec, "device.", base_dir=self.draft.base_dir)
        self.show_findings(
            self._found,
            {
                FIELD_TEMPLATE: (self.template_error, self.template),
                FIELD_PRODUCT_KEY: (self.product_key_error, self.product_key),
                FIELD_LICENSE: (self.license_error, self.license),
                FIELD_REMOVE: (self.remove_error, None),
            },
        )
        notes = [
            reason for name, reason in services.package_warnings(spec) if name.startswith("device.")
        ]
        self.notes.setText("\n".join(notes))
        self.notes.setVisible(bool(notes))
        template = device.name_template
        if template and FIELD_TEMPLATE not in self._found:
            name, _problem = naming.preview(template, SAMPLE_SERIAL)
            random = "%RAND:" in template
            self.preview.setText(
                self.tr("{n}  (serial {s}{r})").format(
                    n=name,
                    s=SAMPLE_SERIAL,
                    r=self.tr("; the digits are drawn on each device") if random else "",
                )
            )
        else:
            self.preview.setText(self.tr("— (Windows picks a name when no template is given)"))
        self.completeChanged.emit()

    def _on_license_browse_clicked(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, self.tr("License file"), "", self.tr("License files (*.xml);;All files (*)")
        )
        if path:
            self.license.setText(path)
