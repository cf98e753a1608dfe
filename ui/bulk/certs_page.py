"""Page 5, Add certificates: a name and an X.509 file each, checked by the core."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.provisioning.model import Certificate, PackageSpec, file_name
from ui.bulk.page_base import CHECK_INFO, BulkPage, findings_for

FIELD_NAME = "name"
FIELD_PATH = "path"


class CertificatesPage(BulkPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("certificatesPage")
        self.set_section("Add certificates")
        self.setTitle(self.tr("Add certificates"))
        self.setSubTitle(
            self.tr("Root certificates the devices trust (X.509, .cer or .crt, PEM or DER).")
        )
        self.list = QListWidget()
        self.list.setObjectName("certificateList")
        self.list.setMaximumHeight(110)
        self.remove = QPushButton(self.tr("Re&move"))
        self.remove.setObjectName("removeCertificate")
        self.name = QLineEdit()
        self.name.setObjectName("certificateName")
        self.name.setPlaceholderText(self.tr("From the file name"))
        self.path = QLineEdit()
        self.path.setObjectName("certificatePath")
        self.path.setPlaceholderText(self.tr("Path to the .cer or .crt file"))
        self.browse = QPushButton(self.tr("&Browse…"))
        self.browse.setObjectName("certificateBrowse")
        self.add = QPushButton(self.tr("&Add certificate"))
        self.add.setObjectName("addCertificate")
        self.name_error = self.error_label(FIELD_NAME)
        self.path_error = self.error_label(FIELD_PATH)
        listed = QHBoxLayout()
        listed.addWidget(self.list, 1)
        listed.addWidget(self.remove)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path, 1)
        path_row.addWidget(self.browse)
        form = QFormLayout()
        form.addRow(self.buddy(self.tr("Certificate &path"), self.path), path_row)
        form.addRow("", self.path_error)
        form.addRow(self.tr("Certificate &name"), self.name)
        form.addRow("", self.name_error)
        form.addRow("", self.add)
        layout = QVBoxLayout(self)
        layout.addLayout(listed)
        layout.addLayout(form)
        layout.addStretch(1)
        for edit in (self.name, self.path):
            edit.textChanged.connect(self._on_input_changed)
            edit.returnPressed.connect(self._on_add_clicked)
        self.add.clicked.connect(self._on_add_clicked)
        self.remove.clicked.connect(self._on_remove_clicked)
        self.browse.clicked.connect(self._on_browse_clicked)
        self.list.currentRowChanged.connect(self._on_list_changed)
        self._found: dict[str, str] = {}
        self._just_added = False

    def initializePage(self) -> None:  # noqa: N802
        self._refresh_list()
        self.name.clear()
        self.path.clear()
        self._on_input_changed()

    def first_field(self) -> QWidget:
        return self.path

    def isComplete(self) -> bool:  # noqa: N802
        return not self.path.text().strip()

    def validatePage(self) -> bool:  # noqa: N802
        # Enter in the form adds the certificate; the same key press must not also go on.
        return not self.path.text().strip() and not self._just_added

    def _certificate(self) -> Certificate:
        path = self.path.text().strip()
        stem = file_name(path).rsplit(".", 1)[0] if path else ""
        return Certificate(self.name.text().strip() or stem, path)

    def _on_input_changed(self) -> None:
        cert = self._certificate()
        self._found = {}
        if cert.path:
            others = [c for c in self.draft.certificates if c.name.lower() != cert.name.lower()]
            spec = PackageSpec(info=CHECK_INFO, certificates=(cert, *others))
            self._found = findings_for(spec, "certificates[0].", base_dir=self.draft.base_dir)
            if any(c.name.lower() == cert.name.lower() for c in self.draft.certificates):
                self._found.setdefault(FIELD_NAME, self.tr("A certificate has this name."))
        self.show_findings(
            self._found,
            {FIELD_NAME: (self.name_error, None), FIELD_PATH: (self.path_error, self.path)},
        )
        self.add.setEnabled(bool(cert.path) and not self._found)
        self.completeChanged.emit()

    def _on_add_clicked(self) -> None:
        cert = self._certificate()
        self._on_input_changed()
        if not cert.path or self._found:
            return
        self.draft.certificates.append(cert)
        self._just_added = True
        QTimer.singleShot(0, self._on_add_settled)
        self._refresh_list()
        self.name.clear()
        self.path.clear()
        self.path.setFocus()

    def _on_add_settled(self) -> None:
        self._just_added = False

    def _on_remove_clicked(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self.draft.certificates):
            del self.draft.certificates[row]
            self._refresh_list()

    def _on_list_changed(self, row: int) -> None:
        self.remove.setEnabled(row >= 0 and bool(self.draft.certificates))

    def _on_browse_clicked(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, self.tr("Certificate"), "", self.tr("Certificates (*.cer *.crt *.pem);;All (*)")
        )
        if path:
            self.path.setText(path)

    def _refresh_list(self) -> None:
        self.list.clear()
        for cert in self.draft.certificates:
            self.list.addItem(f"{cert.name} — {file_name(cert.path)}")
        self.remove.setEnabled(False)
        if not self.draft.certificates:
            self.list.addItem(self.tr("No certificates yet (optional)."))
            self.list.item(0).setFlags(Qt.ItemFlag.NoItemFlags)
