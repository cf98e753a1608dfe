"""Page 4: the device name, from a template with a live preview, by Windows' rules."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import QLabel, QLineEdit, QVBoxLayout, QWidget

from app import naming, services
from ui.enroll.page_base import EnrollPage

FIELD_NAME = "device_name"
SECTION = "Account"


class NamePage(EnrollPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("namePage")
        self.set_section(SECTION)
        self.setTitle(self.tr("Let's name your device"))
        self.setSubTitle(
            self.tr(
                "At most 15 characters: letters, digits and hyphens, not all digits. "
                "%SERIAL% is the serial number (shortened from the front to fit), "
                "%RAND:x% is x random digits."
            )
        )
        self.template = QLineEdit()
        self.template.setObjectName("nameTemplate")
        self.template_error = self.error_label("name_template")
        self.name = QLineEdit()
        self.name.setObjectName("deviceName")
        self.name.setMaxLength(15)
        self.name_error = self.error_label(FIELD_NAME)
        self.preview = QLabel()
        self.preview.setObjectName("namePreview")
        self.group_tag = QLineEdit()
        self.group_tag.setObjectName("groupTag")
        self.group_tag.setPlaceholderText(self.tr("Optional, e.g. Sales"))
        self.group_tag_error = self.error_label("group_tag")

        layout = QVBoxLayout(self)
        layout.addLayout(
            self.stacked(self.tr("Name &template"), self.template, self.template_error)
        )
        layout.addWidget(self.preview)
        layout.addSpacing(8)
        layout.addLayout(self.stacked(self.tr("Or type a &name"), self.name, self.name_error))
        layout.addLayout(self.stacked(self.tr("&Group tag"), self.group_tag, self.group_tag_error))
        layout.addStretch(1)
        for edit in (self.template, self.name, self.group_tag):
            edit.textChanged.connect(self._on_input_changed)
        self._problem: str | None = None

    def initializePage(self) -> None:  # noqa: N802
        draft = self.draft
        self.template.setText(draft.answers.name_template)
        self.group_tag.setText(draft.answers.group_tag or "")
        keep = draft.existing is not None and draft.existing.enrolled
        self.name.setText(draft.device_name or (draft.existing.device_name or "" if keep else ""))
        self.name.setReadOnly(keep)
        self._on_input_changed()

    def first_field(self) -> QWidget:
        return self.name if self.name.isReadOnly() else self.template

    def isComplete(self) -> bool:  # noqa: N802
        return self._problem is None

    def validatePage(self) -> bool:  # noqa: N802
        typed = self.name.text().strip()
        self.draft.device_name = typed or None
        self.draft.answers = replace(
            self.draft.answers,
            name_template=self.template.text().strip(),
            group_tag=self.group_tag.text().strip() or None,
        )
        return True

    def _on_input_changed(self) -> None:
        template = self.template.text().strip()
        typed = self.name.text().strip()
        serial = self.draft.serial
        template_problem = naming.template_problem(template) if not typed else None
        name, expand_problem = naming.preview(template, serial)
        name_problem = None
        if typed:
            name_problem = naming.name_problem(typed) or self._taken(typed)
            name = typed
        elif not (template_problem or expand_problem or name is None) and (
            "%RAND:" not in template.upper()
        ):
            name_problem = self._taken(name)
        tag = self.group_tag.text().strip()
        tag_problem = services.group_tag_problem(tag) if tag else None
        self.say(self.template_error, template_problem or (None if typed else expand_problem))
        self.say(self.name_error, name_problem)
        self.say(self.group_tag_error, tag_problem)
        self.preview.setText(self.tr("This device will be {n}").format(n=name or "—"))
        self._problem = (
            template_problem or (None if typed else expand_problem) or name_problem or tag_problem
        )
        self.completeChanged.emit()

    def _taken(self, name: str) -> str | None:
        existing = self.draft.existing
        store = self.enroll_wizard().store
        if store.device_name_taken(name, except_id=existing.id if existing else None):
            return self.tr(
                "{n} is already used by another device: type another name, or add "
                "random digits to the template (e.g. CTS-%RAND:5%)."
            ).format(n=name)
        return None
