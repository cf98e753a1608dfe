"""The Audit screen: the trail, newest first, filtered; verify the chain; export to CSV."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app import services
from app.errors import JoineryError
from app.security.roles import Actor, Permission
from app.services import AuditEntry, AuditQuery, Store
from ui import changes
from ui.changes import Change
from ui.session import signed_in
from ui.widgets.messages import notify
from ui.words import when

log = logging.getLogger(__name__)

PAGE = 500
#: A group's item data: the actions of other groups it shows too, when they built packages.
ALSO_ROLE = Qt.ItemDataRole.UserRole + 1
INDENT = "\u2003"  # an em space: an action sits under its group in the list
HEADERS = ("When (UTC)", "Who", "Action", "Target", "Details")
ACTION_COLUMN = HEADERS.index("Action")


class AuditScreen(QWidget):
    def __init__(
        self, store: Store, actor: Callable[[], Actor | None], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("auditScreen")
        self.store = store
        self._actor = actor
        self._oldest: int | None = None
        title = QLabel(self.tr("Audit"))
        title.setObjectName("screenTitle")
        self.action = QComboBox()
        self.action.setObjectName("actionFilter")
        self._offer_actions()
        self.who = QLineEdit()
        self.who.setObjectName("operatorFilter")
        self.who.setPlaceholderText(self.tr("Any operator"))
        self.who.setClearButtonEnabled(True)
        self.text = QLineEdit()
        self.text.setObjectName("textFilter")
        self.text.setPlaceholderText(self.tr("Text in target or details"))
        self.text.setClearButtonEnabled(True)
        self.verify_button = QPushButton(self.tr("&Verify chain"))
        self.export_button = QPushButton(self.tr("E&xport CSV…"))
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setTabKeyNavigation(False)  # Tab leaves the table
        self.table.setObjectName("auditTable")
        self.table.setHorizontalHeaderLabels([self.tr(h) for h in HEADERS])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        for column, width in enumerate((160, 170, 220, 200)):
            self.table.setColumnWidth(column, width)
        header.setSectionResizeMode(len(HEADERS) - 1, QHeaderView.ResizeMode.Stretch)
        self.more = QPushButton(self.tr("Show older entries"))
        self.status = QLabel()
        self.status.setObjectName("countLabel")
        self.status.setWordWrap(True)

        bar = QHBoxLayout()
        for words, field in (
            (self.tr("&Action"), self.action),
            (self.tr("&Operator"), self.who),
            (self.tr("&Search"), self.text),
        ):
            label = QLabel(words)
            label.setBuddy(field)
            bar.addWidget(label)
            bar.addWidget(field, 1 if field is self.text else 0)
        bar.addWidget(self.verify_button)
        bar.addWidget(self.export_button)
        footer = QHBoxLayout()
        footer.addWidget(self.status, 1)
        footer.addWidget(self.more)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addLayout(footer)

        self.action.currentIndexChanged.connect(self.reload)
        # editingFinished covers Enter and leaving the field: one reload, not two.
        self.who.editingFinished.connect(self.reload)
        self.text.editingFinished.connect(self.reload)
        self.more.clicked.connect(self._on_more_clicked)
        self.verify_button.clicked.connect(self.verify)
        self.export_button.clicked.connect(self.choose_export)
        # Every write adds an entry; the list is read when shown and after each change.
        changes.follow(self, store.path, Change.ALL, self.reload, load_when_shown=True)

    def _offer_actions(self) -> None:
        """Every declared action, under its group; a group's own entry selects all of it."""
        combo = self.action
        combo.addItem(self.tr("All actions"), ())
        for group, actions in services.audit_action_groups():
            codes = tuple(str(a) for a in actions)
            combo.addItem(self.tr(group), codes)
            # Another group's entries that built packages (a cart's device files) too.
            also = tuple(str(a) for a in services.audit_action_also(group))
            combo.setItemData(combo.count() - 1, also, ALSO_ROLE)
            bold = combo.font()
            bold.setBold(True)
            combo.setItemData(combo.count() - 1, bold, Qt.ItemDataRole.FontRole)
            if len(actions) == 1:
                combo.setItemData(combo.count() - 1, codes[0], Qt.ItemDataRole.ToolTipRole)
                continue
            for action in actions:
                combo.addItem(INDENT + self.tr(action.words), (str(action),))
                combo.setItemData(combo.count() - 1, str(action), Qt.ItemDataRole.ToolTipRole)
        combo.setMaxVisibleItems(
            20
        )  # a list that scrolls (05_audit.qss), not one taller than 768 px

    def offered_actions(self) -> set[str]:
        """Every action code the filter can select on its own (for tests and checks)."""
        offered: set[str] = set()
        for index in range(self.action.count()):
            codes = self.action.itemData(index)
            if len(codes) == 1:
                offered.add(codes[0])
        return offered

    def query(self) -> AuditQuery:
        codes = self.action.currentData() or ()
        return AuditQuery(
            actions=tuple(codes),
            building=tuple(self.action.currentData(ALSO_ROLE) or ()),
            actor=self.who.text().strip() or None,
            text=self.text.text().strip(),
        )

    def reload(self) -> None:
        self.table.setRowCount(0)
        self._oldest = None
        self._load()

    def _on_more_clicked(self) -> None:
        self._load()

    def _load(self) -> None:
        actor = self._actor()
        if actor is None:
            return
        try:
            entries = services.audit_entries(
                self.store, self.query(), limit=PAGE, before_id=self._oldest, actor=actor
            )
        except JoineryError as exc:
            self.status.setText(str(exc))
            self.more.setEnabled(False)
            return
        self._append(entries)
        if entries:
            self._oldest = entries[-1].id
        self.more.setEnabled(len(entries) == PAGE)
        self.status.setText(
            self.tr("{n} entries shown, newest first.").format(n=self.table.rowCount())
        )

    def _append(self, entries: list[AuditEntry]) -> None:
        start = self.table.rowCount()
        self.table.setRowCount(start + len(entries))
        for offset, entry in enumerate(entries):
            details = json.dumps(entry.details, ensure_ascii=False, sort_keys=True)
            values = (
                when(entry.at),
                entry.actor,
                self.tr(services.audit_action_words(entry.action)),
                entry.target or "",
                "" if details == "{}" else details,
            )
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setToolTip(entry.action if column == ACTION_COLUMN else value)
                self.table.setItem(start + offset, column, item)

    def verify(self) -> None:
        try:
            verdict = services.verify_audit(self.store, actor=signed_in(self._actor()))
        except JoineryError as exc:
            notify(self, QMessageBox.Icon.Warning, self.tr("Audit trail"), str(exc))
            return
        if verdict.ok:
            text = self.tr("The audit trail is intact: {n} entries. Chain head {h}…").format(
                n=verdict.entries, h=verdict.head[:16]
            )
            self.status.setText(text)
            self.status.setProperty("state", "")
        else:
            text = self.tr("The audit trail was tampered with: {r}.").format(r=verdict.reason)
            self.status.setText(text)
            notify(self, QMessageBox.Icon.Critical, self.tr("Audit trail"), text)

    def ask_export_path(self) -> str:
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Export audit entries"), "joinery-audit.csv", "CSV (*.csv)"
        )
        return path

    def choose_export(self) -> None:
        path = self.ask_export_path()
        actor = self._actor()
        if not path or actor is None:
            return
        try:
            count = services.export_audit(self.store, path, self.query(), actor=actor)
        except JoineryError as exc:
            notify(self, QMessageBox.Icon.Warning, self.tr("Export failed"), str(exc))
            return
        self.status.setText(self.tr("Exported {n} entries to {p}.").format(n=count, p=path))
        self.reload()

    def apply_actor(self, actor: Actor) -> None:
        allowed = actor.may(Permission.VIEW_AUDIT)
        for widget in (
            self.action,
            self.who,
            self.text,
            self.verify_button,
            self.export_button,
            self.table,
            self.more,
        ):
            widget.setEnabled(allowed)
        if not allowed:
            self.table.setRowCount(0)
            self.status.setText(
                self.tr("A technician cannot view the audit trail: ask a lead or an admin.")
            )
