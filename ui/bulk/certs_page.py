"""Page 5, Add certificates: a name and an X.509 file each, checked by the core."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.provisioning.model import Certificate, PackageSpec, file_name
from ui.bulk.list_page import ListEditorPage
from ui.bulk.page_base import CHECK_INFO, findings_for

FIELD_NAME = "name"
FIELD_PATH = "path"


class CertificatesPage(ListEditorPage[Certificate]):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            "certificateList", "removeCertificate", "&Add certificate", "addCertificate"
        )
        self.setObjectName("certificatesPage")
        self.set_section("Add certificates")
        self.setTitle(self.tr("Add certificates"))
        self.setSubTitle(
            self.tr("Root certificates the devices trust (X.509, .cer or .crt, PEM or DER).")
        )
        self.empty_words = self.tr("No certificates yet (optional).")
        self.name = QLineEdit()
        self.name.setObjectName("certificateName")
        self.name.setPlaceholderText(self.tr("From the file name"))
        self.path = QLineEdit()
        self.path.setObjectName("certificatePath")
        self.path.setPlaceholderText(self.tr("Path to the .cer or .crt file"))
        self.browse = QPushButton(self.tr("&Browse…"))
        self.browse.setObjectName("certificateBrowse")
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
        # The form, then its list: Tab walks down from the first field to the list.
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(listed)
        layout.addStretch(1)
        self.watch((self.name, self.path))
        self.browse.clicked.connect(self._on_browse_clicked)

    def first_field(self) -> QWidget:
        return self.path

    # -- ListEditorPage --------------------------------------------------------------------

    def entries(self) -> list[Certificate]:
        return self.draft.certificates

    def describe(self, item: Certificate) -> str:
        return f"{item.name} — {file_name(item.path)}"

    def typing(self) -> bool:
        return bool(self.path.text().strip())

    def form_item(self) -> Certificate | None:
        cert = self._certificate()
        return cert if cert.path else None

    def clear_form(self) -> None:
        self.name.clear()
        self.path.clear()

    def check_form(self) -> None:
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

    def _certificate(self) -> Certificate:
        path = self.path.text().strip()
        stem = file_name(path).rsplit(".", 1)[0] if path else ""
        return Certificate(self.name.text().strip() or stem, path)

    def _on_browse_clicked(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, self.tr("Certificate"), "", self.tr("Certificates (*.cer *.crt *.pem);;All (*)")
        )
        if path:
            self.path.setText(path)
