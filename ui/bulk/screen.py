"""The Bulk provisioning screen: the wizard, and opening any customizations.xml into it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app import services
from app.errors import JoineryError
from app.security.roles import Actor
from app.services import OpenedPackage, Store
from ui.bulk.wizard import BulkWizard
from ui.session import signed_in


class BulkScreen(QWidget):
    """Emits `built(PackageBuild)` when the wizard has built and recorded a package."""

    built = Signal(object)

    def __init__(
        self, store: Store, actor: Callable[[], Actor | None], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("bulkScreen")
        title = QLabel(self.tr("Bulk provisioning"))
        title.setObjectName("screenTitle")
        self.open_xml = QPushButton(self.tr("Open customizations.&xml…"))
        self.open_xml.setObjectName("openCustomizations")
        self.message = QLabel()
        self.message.setObjectName("fieldError")
        self.message.setWordWrap(True)
        self.message.hide()
        self._actor = actor
        self.wizard = BulkWizard(store, actor)
        # A package offered to the wizard while it holds answers, until the person answers.
        self._offered: OpenedPackage | None = None
        head = QHBoxLayout()
        head.addWidget(title)
        head.addStretch(1)
        head.addWidget(self.open_xml)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(head)
        layout.addWidget(self.message)
        layout.addWidget(self.wizard, 1)
        self.open_xml.clicked.connect(self._on_open_xml_clicked)
        self.wizard.built.connect(self.built)

    def _on_open_xml_clicked(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, self.tr("Open customizations.xml"), "", self.tr("WCD project (*.xml)")
        )
        if path:
            self.open_file(Path(path))

    def open_file(self, path: Path) -> bool:
        """Read a customizations.xml (any WCD project) into the wizard; False if refused."""
        try:
            opened = services.open_customizations(path, actor=signed_in(self._actor()))
        except JoineryError as error:
            self.show_message(str(error))
            return False
        self.load(opened)
        return True

    def load(self, opened: OpenedPackage) -> None:
        """Fill the wizard from `opened`; answers already on its pages are thrown away only
        once the person says so (an open from the Packages screen replaced them unasked)."""
        self.message.hide()
        if self.wizard.busy:  # a build is writing what the pages hold
            opened.discard()
            self.show_message(
                self.tr("A package is being built: open {n} once the build has finished.").format(
                    n=opened.spec.info.name or opened.source
                )
            )
            return
        if not self.wizard.has_answers():
            self.wizard.load(opened)
            return
        from ui.widgets.messages import confirm  # a dialog module; loaded when first needed

        if self._offered is not None:  # an earlier offer still asking: this one replaces it
            self._offered.discard()
        self._offered = opened
        name = opened.spec.info.name or opened.source
        box = confirm(
            self,
            self.tr("Open {name}?").format(name=name),
            self.tr(
                "The answers on the wizard's pages are thrown away, and {name} fills them. Open it?"
            ).format(name=name),
            self._on_offer_taken,
        )
        box.finished.connect(self._on_offer_answered)

    def _on_offer_taken(self) -> None:
        offered, self._offered = self._offered, None  # taken: answered with it in the wizard
        if offered is not None:
            self.wizard.load(offered)

    def _on_offer_answered(self, _result: int) -> None:
        """The box closed (after Yes has run, if it was Yes): one still offered was refused."""
        if self._offered is not None:
            self._offered.discard()  # kept out: an unpacked bundle's secrets are deleted now
            self._offered = None
        self.wizard.focus_page()

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setProperty("state", "error")
        self.message.show()

    def focus_current(self) -> None:
        self.wizard.focus_page()
