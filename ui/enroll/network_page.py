"""Page 3: wired, or a Wi-Fi profile whose key goes to the vault, never to the record."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app import services
from app.enrollment import WIFI_SECURITY
from app.security.secret import Secret
from ui.enroll.page_base import EnrollPage

SECTION = "Network"


class NetworkPage(EnrollPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("networkPage")
        self.set_section(SECTION)
        self.setTitle(self.tr("Let's connect you to a network"))
        self.setSubTitle(
            self.tr(
                "Microsoft Entra join needs the internet: the device talks to Entra and "
                "Intune while it joins."
            )
        )
        self.wired = QRadioButton(self.tr("&Wired (Ethernet)"))
        self.wired.setObjectName("wired")
        self.wifi = QRadioButton(self.tr("W&i-Fi"))
        self.wifi.setObjectName("wifi")
        group = QButtonGroup(self)
        group.addButton(self.wired)
        group.addButton(self.wifi)
        self.ssid = QLineEdit()
        self.ssid.setObjectName("ssid")
        self.ssid.setPlaceholderText(self.tr("Network name (SSID)"))
        self.security = QComboBox()
        self.security.setObjectName("wifiSecurity")
        self.security.addItems(WIFI_SECURITY)
        self.key = QLineEdit()
        self.key.setObjectName("wifiKey")
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setPlaceholderText(self.tr("8 to 63 characters; kept in the vault"))
        self.ssid_error = self.error_label("wifi_ssid")
        self.key_error = self.error_label("wifi_key")
        self.key_note = self.hint("")

        # The Wi-Fi fields as one box: disabled with their labels when the device is wired.
        self.wifi_box = QWidget()
        self.wifi_box.setObjectName("wifiFields")
        fields = QVBoxLayout(self.wifi_box)
        fields.setContentsMargins(24, 0, 0, 0)
        fields.addLayout(self.stacked(self.tr("Network &name"), self.ssid, self.ssid_error))
        fields.addLayout(self.stacked(self.tr("&Security"), self.security))
        fields.addLayout(
            self.stacked(self.tr("Security &key"), self.key, self.key_error, self.key_note)
        )
        layout = QVBoxLayout(self)
        layout.addWidget(self.wired)
        layout.addWidget(self.wifi)
        layout.addWidget(self.wifi_box)
        layout.addStretch(1)
        for signal in (self.wired.toggled, self.ssid.textChanged, self.key.textChanged):
            signal.connect(self._on_input_changed)
        self.security.currentTextChanged.connect(self._on_input_changed)
        self._profile_key = False
        self._asking = False  # the vault's passphrase is being asked for

    def initializePage(self) -> None:  # noqa: N802
        answers = self.draft.answers
        (self.wifi if answers.network == "wifi" else self.wired).setChecked(True)
        self.ssid.setText(answers.wifi_ssid or "")
        self.security.setCurrentText(answers.wifi_security or "WPA2-Personal")
        self.key.clear()
        wizard = self.enroll_wizard()
        self._profile_key = answers.network == "wifi" and wizard.profile_has_wifi_key(
            self.draft.profile
        )
        self.key_note.setText(
            self.tr("The bench profile's key is in the vault; leave the field empty to use it.")
            if self._profile_key
            else ""
        )
        self._on_input_changed()

    def first_field(self) -> QWidget:
        return self.wifi if self.wifi.isChecked() else self.wired

    def isComplete(self) -> bool:  # noqa: N802
        return self._problems() == (None, None)

    def validatePage(self) -> bool:  # noqa: N802
        wifi = self.wifi.isChecked()
        self.draft.answers = replace(
            self.draft.answers,
            network="wifi" if wifi else "wired",
            wifi_ssid=self.ssid.text().strip() if wifi else None,
            wifi_security=self.security.currentText() if wifi else None,
        )
        needs_key = wifi and self.security.currentText() != "Open"
        self.draft.wifi_key = Secret(self.key.text()) if needs_key and self.key.text() else None
        if self.draft.wifi_key is None:
            return True
        # The key is sealed in the vault when the device enrolls: if the vault needs an
        # admin's passphrase, ask now (page 5), not after the review page.
        self._asking = False
        if self.enroll_wizard().open_vault_then(
            self.tr("The Wi-Fi key you typed is kept in the secrets vault."), self._on_vault_open
        ):
            return True
        self._asking = True
        return False

    def _on_vault_open(self) -> None:
        if self._asking:
            self._asking = False
            self.wizard().next()

    def _problems(self) -> tuple[str | None, str | None]:
        """The SSID's and the key's reasons, by the one Wi-Fi rule (app.wifi) that the
        bulk wizard, the CLI and the enrollment service use too."""
        if not self.wifi.isChecked():
            return None, None
        ssid_problem = services.wifi_ssid_problem(self.ssid.text().strip())
        key, security = self.key.text(), self.security.currentText()
        key_problem = None
        if security != "Open" and not key and not self._profile_key:
            key_problem = self.tr("Type the network's security key (8 to 63 characters).")
        elif key or security == "Open":
            key_problem = services.wifi_key_problem(security, key)
        return ssid_problem, key_problem

    def _on_input_changed(self) -> None:
        wifi = self.wifi.isChecked()
        self.wifi_box.setEnabled(wifi)
        self.key.setEnabled(wifi and self.security.currentText() != "Open")
        ssid_problem, key_problem = self._problems()
        typed = bool(self.ssid.text() or self.key.text())
        self.say(self.ssid_error, ssid_problem if typed else None)
        self.say(self.key_error, key_problem if typed else None)
        self.completeChanged.emit()
