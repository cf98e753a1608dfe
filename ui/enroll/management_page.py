"""Page 8: who manages the device: Intune, Configuration Manager, or both per workload."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.enrollment import WORKLOADS
from ui.enroll.page_base import EnrollPage

AUTHORITIES = (
    ("intune", "Microsoft &Intune"),
    ("configurationManager", "&Configuration Manager"),
    ("coManaged", "Co-&management (each workload to one of them)"),
)
SCOPES = (
    ("all", "All users"),
    ("some", "Some users (the MDM groups)"),
    ("none", "None"),
)
SCOPE_MEANING = {
    "all": "{u} is in scope: MDM enrollment happens with the join; if it fails, the join is "
    "rolled back.",
    "some": "{u} is enrolled only if they are in one of the MDM user scope's groups; otherwise "
    "the device joins unmanaged.",
    "none": "Automatic MDM enrollment is off: the device joins Entra but is not managed.",
}
SECTION = "Services"
NO_POLICY = "(none: the tenant's default for devices without a policy)"


class ManagementPage(EnrollPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("managementPage")
        self.set_section(SECTION)
        self.setTitle(self.tr("Who manages this device?"))
        self.setSubTitle(self.tr("MDM enrollment happens during the join."))
        self.authority: dict[str, QRadioButton] = {}
        group = QButtonGroup(self)
        top = QVBoxLayout()
        for key, words in AUTHORITIES:
            button = QRadioButton(self.tr(words))
            button.setObjectName("authority_" + key)
            button.toggled.connect(self._on_authority_toggled)
            group.addButton(button)
            self.authority[key] = button
            top.addWidget(button)
        self.workloads_box = QGroupBox(self.tr("Co-management workloads"))
        grid = QGridLayout(self.workloads_box)
        self.workloads: dict[str, QComboBox] = {}
        for index, workload in enumerate(WORKLOADS):
            combo = QComboBox()
            combo.setObjectName("workload_" + workload.replace(" ", "_"))
            combo.addItem(self.tr("Configuration Manager"), "configurationManager")
            combo.addItem(self.tr("Intune"), "intune")
            self.workloads[workload] = combo
            row, column = divmod(index, 2)
            grid.addWidget(QLabel(self.tr(workload[0].upper() + workload[1:])), row, column * 2)
            grid.addWidget(combo, row, column * 2 + 1)
        self.scope = QComboBox()
        self.scope.setObjectName("mdmScope")
        for key, words in SCOPES:
            self.scope.addItem(self.tr(words), key)
        self.scope_meaning = self.hint("")
        self.policy = QComboBox()
        self.policy.setObjectName("compliancePolicy")
        form = QFormLayout()
        form.addRow(self.tr("MDM user &scope"), self.scope)
        form.addRow("", self.scope_meaning)
        form.addRow(self.tr("Compliance &policy"), self.policy)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.workloads_box)
        layout.addLayout(form)
        layout.addStretch(1)
        self.scope.currentIndexChanged.connect(self._on_scope_changed)

    def initializePage(self) -> None:  # noqa: N802
        answers = self.draft.answers
        self.authority.get(answers.management, self.authority["intune"]).setChecked(True)
        for workload, combo in self.workloads.items():
            combo.setCurrentIndex(
                max(0, combo.findData(answers.workloads.get(workload, "configurationManager")))
            )
        self.scope.setCurrentIndex(max(0, self.scope.findData(answers.mdm_user_scope)))
        self.policy.clear()
        self.policy.addItem(self.tr(NO_POLICY), None)
        for name in self.enroll_wizard().policy_names():
            self.policy.addItem(name, name)
        if answers.compliance_policy:
            if self.policy.findData(answers.compliance_policy) < 0:
                self.policy.addItem(answers.compliance_policy, answers.compliance_policy)
            self.policy.setCurrentIndex(self.policy.findData(answers.compliance_policy))
        self._on_authority_toggled()
        self._on_scope_changed()

    def first_field(self) -> QWidget:
        return next(b for b in self.authority.values() if b.isChecked())

    def validatePage(self) -> bool:  # noqa: N802
        management = next(k for k, b in self.authority.items() if b.isChecked())
        workloads = (
            {w: str(c.currentData()) for w, c in self.workloads.items()}
            if management == "coManaged"
            else {}
        )
        self.draft.answers = replace(
            self.draft.answers,
            management=management,
            workloads=workloads,
            mdm_user_scope=str(self.scope.currentData()),
            compliance_policy=self.policy.currentData(),
        )
        return True

    def _on_authority_toggled(self) -> None:
        self.workloads_box.setEnabled(self.authority["coManaged"].isChecked())

    def _on_scope_changed(self) -> None:
        user = self.draft.user or self.tr("The user")
        if self.draft.answers.no_user:
            user = self.tr("With no user, the device")
        self.scope_meaning.setText(
            self.tr(SCOPE_MEANING[str(self.scope.currentData())]).format(u=user)
        )
