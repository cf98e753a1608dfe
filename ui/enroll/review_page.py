"""Page 10: everything on one page; Enroll writes it all in one transaction, the label follows."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app import locales, naming
from app.enrollment import SIGN_IN_NAMES, Answers
from ui.enroll.draft import Draft
from ui.enroll.page_base import EnrollPage
from ui.widgets.wizard_shell import HANDLES_ENTER

SECTION = "Review"
ROWS = (
    ("device", "Device"),
    ("windows", "Windows"),
    ("region", "Region and keyboard"),
    ("network", "Network"),
    ("name", "Device name"),
    ("user", "User"),
    ("sign_in", "Sign-in"),
    ("management", "Management"),
    ("privacy", "Privacy"),
)


def summary(draft: Draft) -> dict[str, str]:
    """One line per answer, as the technician reads it back before committing."""
    a: Answers = draft.answers
    keyboard = locales.keyboard(a.keyboard)
    second = locales.keyboard(a.second_keyboard) if a.second_keyboard else None
    on = [k for k, v in a.privacy.items() if v]
    workloads = ""
    if a.management == "coManaged":
        intune = [w for w, who in a.workloads.items() if who == "intune"]
        workloads = f" (Intune: {', '.join(intune) or 'no workloads yet'})"
    return {
        "device": f"{draft.serial} · {draft.manufacturer} {draft.model}".strip(" ·"),
        "windows": f"{a.edition} {a.build} · {a.verdict().windows}",
        "region": f"{a.region} · {keyboard.name if keyboard else a.keyboard}"
        + (f" + {second.name}" if second else ""),
        "network": "Wired"
        if a.network == "wired"
        else f"Wi-Fi {a.wifi_ssid} ({a.wifi_security})"
        + (", key sealed in the vault" if draft.wifi_key else ""),
        "name": (draft.device_name or _from_template(draft))
        + (f" · group tag {a.group_tag}" if a.group_tag else ""),
        "user": "No user (self-deploying or pre-provisioned)" if a.no_user else draft.user or "",
        "sign_in": ", ".join(SIGN_IN_NAMES.get(way, way) for way in a.sign_in)
        + (f" · PIN ≥ {a.hello_pin_minimum}" if "windows hello for business" in a.sign_in else "")
        + (" · self-service reset" if a.self_service_reset else ""),
        "management": {"intune": "Intune", "configurationManager": "Configuration Manager"}.get(
            a.management, "Co-management"
        )
        + workloads
        + f" · MDM user scope {a.mdm_user_scope} · policy {a.compliance_policy or 'none'}",
        "privacy": ", ".join(on) + " on" if on else "All off",
    }


def _from_template(draft: Draft) -> str:
    name, problem = naming.preview(draft.answers.name_template, draft.serial)
    if name is None:
        return problem or ""
    if "%RAND:" in draft.answers.name_template.upper():
        return f"like {name} (from {draft.answers.name_template}; digits drawn when it enrolls)"
    return f"{name} (from {draft.answers.name_template})"


class ReviewPage(EnrollPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reviewPage")
        self.set_section(SECTION)
        self.setTitle(self.tr("Review and enroll"))
        self.setSubTitle(
            self.tr(
                "Enter enrolls: the device record, its history and the audit entry are "
                "written at once, then the label."
            )
        )
        form, self.values = self.value_rows(ROWS, "review_")
        self.queue = QRadioButton(self.tr("&Queue the label for the label printer"))
        self.queue.setObjectName("queueLabel")
        self.print_now = QRadioButton(self.tr("P&rint the label now (with preview)"))
        self.print_now.setObjectName("printLabel")
        group = QButtonGroup(self)
        group.addButton(self.queue)
        group.addButton(self.print_now)
        self.queue.setChecked(True)
        self.write_files = QCheckBox(
            self.tr("&Write the files the device applies at its setup (USB stick or share)")
        )
        self.write_files.setObjectName("writeDeviceFiles")
        self.profile_name = QLineEdit()
        self.profile_name.setObjectName("saveProfileName")
        self.profile_name.setPlaceholderText(self.tr("Bench profile name"))
        self.profile_name.setProperty(HANDLES_ENTER, True)  # Enter saves, it does not enroll
        self.save_profile = QPushButton(self.tr("Save answers as profile"))
        self.save_profile.setObjectName("saveProfile")
        self.message = self.error_label("commit")
        save_row = QHBoxLayout()
        save_row.addWidget(self.profile_name)
        save_row.addWidget(self.save_profile)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        labels = QHBoxLayout()
        labels.addWidget(self.queue)
        labels.addWidget(self.print_now)
        labels.addStretch(1)
        layout.addLayout(labels)
        layout.addWidget(self.write_files)
        layout.addLayout(save_row)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.save_profile.clicked.connect(self._on_save_profile_clicked)
        self.profile_name.returnPressed.connect(self._on_save_profile_clicked)

    def initializePage(self) -> None:  # noqa: N802
        for key, text in summary(self.draft).items():
            self.values[key].setText(text)
        self.say(self.message, None)
        # A bench profile says which files its devices get; none chosen: not asked for.
        self.write_files.setChecked(bool(self.draft.answers.device_files))
        wizard = self.enroll_wizard()
        self.save_profile.setEnabled(wizard.may_manage_profiles())
        self.profile_name.setEnabled(wizard.may_manage_profiles())

    def first_field(self) -> QWidget:
        return self.print_now if self.print_now.isChecked() else self.queue

    def validatePage(self) -> bool:  # noqa: N802
        wizard = self.enroll_wizard()
        if wizard.busy:
            return False
        wizard.commit(print_label=self.print_now.isChecked())
        return False  # the wizard finishes itself when the commit has landed

    def show_failure(self, text: str) -> None:
        self.say(self.message, text)

    def _on_save_profile_clicked(self) -> None:
        name = self.profile_name.text().strip()
        if not name:
            self.say(self.message, self.tr("Type a name for the bench profile first."))
            return
        self.save_profile.setEnabled(False)

        def done(problem: str | None) -> None:
            self.save_profile.setEnabled(True)
            self.say(
                self.message,
                problem or self.tr("Saved as bench profile {n}.").format(n=name),
                ok=problem is None,
            )

        self.enroll_wizard().save_profile(name, done)
