"""Page 2, Set up network: one wireless network, Open or WPA2-Personal with its key."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.provisioning.model import Network, PackageSpec, WifiSecurity
from app.security.secret import Secret
from ui.bulk.page_base import CHECK_INFO, CheckedPage, findings_for

FIELD_SSID = "ssid"
FIELD_KEY = "key"


class NetworkPage(CheckedPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("networkPage")
        self.set_section("Set up network")
        self.setTitle(self.tr("Set up network"))
        self.setSubTitle(
            self.tr(
                "A wireless network the devices join while they are provisioned. Leave it "
                "off when the devices are wired."
            )
        )
        self.enabled = QCheckBox(self.tr("&Set up a wireless network"))
        self.enabled.setObjectName("networkOn")
        self.ssid = QLineEdit()
        self.ssid.setObjectName("ssid")
        self.ssid.setPlaceholderText(self.tr("Network name (SSID)"))
        self.ssid_error = self.error_label(FIELD_SSID)
        self.security = QComboBox()
        self.security.setObjectName("wifiSecurity")
        for kind in WifiSecurity:
            self.security.addItem(kind.value, kind)
        self.key = QLineEdit()
        self.key.setObjectName("wifiKey")
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setPlaceholderText(self.tr("8 to 63 characters"))
        self.key_error = self.error_label(FIELD_KEY)
        self.key_note = self.hint("")
        self.hidden = QCheckBox(self.tr("The network is &hidden (does not broadcast its name)"))
        self.hidden.setObjectName("hiddenNetwork")

        form = QFormLayout()
        form.addRow(self.tr("Network &name"), self.ssid)
        form.addRow("", self.ssid_error)
        form.addRow(self.tr("Network &type"), self.security)
        form.addRow(self.tr("Security &key"), self.key)
        form.addRow("", self.key_error)
        form.addRow("", self.key_note)
        form.addRow("", self.hidden)
        layout = QVBoxLayout(self)
        layout.addWidget(self.enabled)
        layout.addLayout(form)
        layout.addStretch(1)
        self.enabled.toggled.connect(self._on_input_changed)
        self.ssid.textChanged.connect(self._on_input_changed)
        self.key.textChanged.connect(self._on_input_changed)
        self.security.currentIndexChanged.connect(self._on_input_changed)
        self._kept_key: Secret | None = None

    def initializePage(self) -> None:  # noqa: N802
        network = self.draft.network
        self.enabled.setChecked(network is not None)
        self.ssid.setText(network.ssid if network else "")
        kind = network.security if network else WifiSecurity.WPA2_PERSONAL
        self.security.setCurrentIndex(self.security.findData(kind))
        self.hidden.setChecked(bool(network and network.hidden))
        self._kept_key = network.key if network else None
        self.key.clear()  # never shown again: typing a key replaces the kept one
        self.key_note.setText(
            self.tr("The package's key is kept (hidden); type one to replace it.")
            if self._kept_key
            else ""
        )
        self.key_note.setVisible(self._kept_key is not None)
        self._on_input_changed()

    def first_field(self) -> QWidget:
        return self.enabled

    def keep(self) -> None:
        self.draft.network = self._network()

    def _network(self) -> Network | None:
        if not self.enabled.isChecked():
            return None
        security = WifiSecurity(self.security.currentData())
        typed = self.key.text()
        key = Secret(typed) if typed else self._kept_key
        return Network(
            ssid=self.ssid.text().strip(),
            security=security,
            key=key if security is WifiSecurity.WPA2_PERSONAL else None,
            hidden=self.hidden.isChecked(),
        )

    def _on_input_changed(self) -> None:
        on = self.enabled.isChecked()
        wpa = WifiSecurity(self.security.currentData()) is WifiSecurity.WPA2_PERSONAL
        for widget in (self.ssid, self.security, self.hidden):
            widget.setEnabled(on)
        self.key.setEnabled(on and wpa)
        network = self._network()
        spec = PackageSpec(info=CHECK_INFO, network=network)
        self._found = findings_for(spec, "network.") if network else {}
        self.show_findings(
            self._found,
            {FIELD_SSID: (self.ssid_error, self.ssid), FIELD_KEY: (self.key_error, self.key)},
        )
        self.completeChanged.emit()
