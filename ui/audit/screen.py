"""The Audit screen: the trail, newest first, filtered; verify the chain; export to CSV;
Enter on a row shows the whole entry."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QApplication,
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
from app.errors import Cancelled, JoineryError
from app.security.roles import Actor, Permission
from app.services import AuditEntry, AuditQuery, AuditVerdict, Store
from ui import changes
from ui.audit.entry_dialog import AuditEntryDialog
from ui.changes import Change
from ui.ops import failure_words, run_read
from ui.widgets.flow_layout import FlowLayout, labelled
from ui.widgets.focus import give_back_keyboard
from ui.widgets.messages import notify
from ui.widgets.note_label import NoteLabel
from ui.widgets.progress import run_with_progress
from ui.words import when

log = logging.getLogger(__name__)

PAGE = 500
#: A group's item data: the actions of other groups it shows too, when they built packages.
ALSO_ROLE = Qt.ItemDataRole.UserRole + 1
INDENT = "\u2003"  # an em space: an action sits under its group in the list
HEADERS = ("When (UTC)", "Who", "Action", "Target", "Details")
ACTION_COLUMN = HEADERS.index("Action")
#: What When, Who, Action and Target want; Details, the last column, takes the rest.
WIDTHS = (160, 170, 220, 200)
#: Details keeps this much in a narrow window (1024 px): Who, Action and Target give way.
DETAILS_MIN = 160
NARROWEST = 80  # a column given way keeps this much


class AuditTable(QTableWidget):
    """The trail's rows; its columns fit the width it has, Details taking what is left."""

    def __init__(self, headers: list[str], parent: QWidget | None = None) -> None:
        super().__init__(0, len(headers), parent)
        self.setObjectName("auditTable")
        self.setTabKeyNavigation(False)  # Tab leaves the table
        self.setHorizontalHeaderLabels(headers)
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.setAlternatingRowColors(True)
        self.horizontalHeader().setSectionResizeMode(
            len(headers) - 1, QHeaderView.ResizeMode.Stretch
        )

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        """`event` holds the viewport's new size (a scroll area's resizeEvent is its
        viewport's), the room the columns share."""
        super().resizeEvent(event)
        self.fit_columns(event.size().width())

    def fit_columns(self, room: int) -> None:
        """Each column its wanted width while Details keeps DETAILS_MIN of `room`; else
        Who, Action and Target narrow alike (the time stays whole: it is read to the second)."""
        first, *others = WIDTHS
        share = min(1.0, max(0, room - first - DETAILS_MIN) / sum(others))
        self.setColumnWidth(0, first)
        for column, width in enumerate(others, start=1):
            self.setColumnWidth(column, max(NARROWEST, int(width * share)))


class AuditScreen(QWidget):
    def __init__(
        self, store: Store, actor: Callable[[], Actor | None], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("auditScreen")
        self.store = store
        self._actor = actor
        self._oldest: int | None = None
        self._entries: list[AuditEntry] = []  # the table's rows, in order
        self._focus_before: QWidget | None = None  # where the keyboard was at Verify or Export
        self._shown_query: AuditQuery | None = None  # what the rows shown were read for
        title = QLabel(self.tr("Audit"))
        title.setObjectName("screenTitle")
        # Search first, where the keyboard arrives: a serial typed or scanned into the
        # Action list would pick actions by their first letters.
        self.text = QLineEdit()
        self.text.setObjectName("textFilter")
        self.text.setPlaceholderText(self.tr("Text in target or details"))
        self.text.setClearButtonEnabled(True)
        self.action = QComboBox()
        self.action.setObjectName("actionFilter")
        self._offer_actions()
        self.who = QLineEdit()
        self.who.setObjectName("operatorFilter")
        self.who.setPlaceholderText(self.tr("Any operator"))
        self.who.setClearButtonEnabled(True)
        self.verify_button = QPushButton(self.tr("&Verify chain"))
        self.verify_button.setObjectName("verifyChain")
        self.export_button = QPushButton(self.tr("E&xport CSV…"))
        self.export_button.setObjectName("exportAudit")
        self.table = AuditTable([self.tr(h) for h in HEADERS])
        self.more = QPushButton(self.tr("Show older entries"))
        self.status = QLabel()
        self.status.setObjectName("countLabel")
        self.status.setWordWrap(True)
        # What Verify or Export said: kept while the list reloads under it (every write,
        # the export's own entry too, reloads the list and rewrites the count).
        self.notice = NoteLabel()
        self.notice.setObjectName("auditNotice")
        self.notice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notice.hide()
        self._lay_out(title)

        self.action.currentIndexChanged.connect(self.reload)
        # editingFinished covers Enter and leaving the field: one reload, not two.
        self.who.editingFinished.connect(self.reload)
        self.text.editingFinished.connect(self.reload)
        self.more.clicked.connect(self._on_more_clicked)
        self.table.activated.connect(self._on_table_activated)  # Enter, or a double-click
        self.verify_button.clicked.connect(self.verify)
        self.export_button.clicked.connect(self.choose_export)
        # Every write adds an entry; the list is read when shown and after each change.
        changes.follow(self, store.path, Change.ALL, self.reload, load_when_shown=True)

    def _lay_out(self, title: QLabel) -> None:
        """The filters wrap onto a second line in a narrow window (1024 px) rather than
        squeezing the fields to a few characters."""
        filters = QWidget()
        flow = FlowLayout(filters, spacing=10)
        flow.add(labelled(self.tr("&Search"), self.text, width=220), stretch=True)
        flow.add(labelled(self.tr("&Action"), self.action))
        flow.add(labelled(self.tr("&Operator"), self.who, width=160))
        flow.add(self.verify_button)
        flow.add(self.export_button)
        said = QVBoxLayout()
        said.addWidget(self.status)
        said.addWidget(self.notice)
        footer = QHBoxLayout()
        footer.addLayout(said, 1)
        footer.addWidget(self.more, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(footer)

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
        """The newest page again (after any write, by anyone), on the same entry."""
        row, column = self.table.currentRow(), self.table.currentColumn()
        kept = self._entries[row].id if 0 <= row < len(self._entries) else None
        # The same list again keeps the older pages asked for (an entry read among them);
        # another filter starts from its newest page.
        shown = len(self._entries) if self.query() == self._shown_query else 0
        self.table.setRowCount(0)
        self._entries = []
        self._oldest = None
        self._load(max(PAGE, shown))
        found = [r for r, entry in enumerate(self._entries) if entry.id == kept]
        if found:
            self.table.setCurrentCell(found[0], max(column, 0))

    def _on_more_clicked(self) -> None:
        self._load()

    def _load(self, count: int | None = None) -> None:
        """The next `count` entries (a page) after those shown."""
        count = count or PAGE
        actor = self._actor()
        if actor is None:
            return
        try:
            entries = services.audit_entries(
                self.store, self.query(), limit=count, before_id=self._oldest, actor=actor
            )
        except JoineryError as exc:
            self.status.setText(str(exc))
            self.more.setEnabled(False)
            return
        self._append(entries)
        self._shown_query = self.query()
        if entries:
            self._oldest = entries[-1].id
        self.more.setEnabled(len(entries) == count)
        self.status.setText(
            self.tr("{n} entries shown, newest first.").format(n=self.table.rowCount())
        )

    def _append(self, entries: list[AuditEntry]) -> None:
        start = self.table.rowCount()
        self._entries += entries
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

    def _on_table_activated(self, index: QModelIndex) -> None:
        """The whole entry in a dialog; the keyboard comes back to the row after it."""
        dialog = AuditEntryDialog(self._entries[index.row()], self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(self._on_entry_dialog_finished)
        dialog.open()  # modal, without a loop of its own: the screen keeps reloading

    def _on_entry_dialog_finished(self) -> None:
        if not self.table.isVisible():  # closed under the lock: the PIN field keeps it
            return
        give_back_keyboard(self.table)

    def _say(self, text: str) -> None:
        """Keep `text` under the count until the next verify or export."""
        self.notice.setText(text)
        self.notice.setVisible(bool(text))

    def _busy(self, words: str) -> None:
        """Verify and Export read the whole trail (a second or more at 100,000 entries): off
        the GUI thread, the buttons off and the notice saying what is under way."""
        before = QApplication.focusWidget()
        self._focus_before = before if before is not None and self.isAncestorOf(before) else None
        self.verify_button.setEnabled(False)
        self.export_button.setEnabled(False)
        self._say(words)

    def _idle(self) -> None:
        actor = self._actor()
        allowed = actor is not None and actor.may(Permission.VIEW_AUDIT)
        self.verify_button.setEnabled(allowed)
        self.export_button.setEnabled(allowed)
        # The keyboard goes back where it was: a button pressed lost it when it was turned
        # off (Qt moved it on to the table), and the export's progress dialog took it (and
        # offscreen, gave it to nobody). Unless the person has gone elsewhere meanwhile.
        before, self._focus_before = self._focus_before, None
        if before is not None and allowed and QApplication.focusWidget() in (self.table, None):
            give_back_keyboard(before)

    def _failed(self, title: str) -> Callable[[BaseException], None]:
        def failed(error: BaseException) -> None:
            self._idle()
            self._say("")
            notify(self, QMessageBox.Icon.Warning, title, failure_words(error, title))

        return failed

    def verify(self) -> None:
        actor = self._actor()
        if actor is None:  # locked meanwhile: the PIN field has the keyboard
            return
        self._busy(self.tr("Checking the audit trail's chain…"))
        run_read(  # a read: on the reader thread, not queued before the writes
            self.store.path,
            lambda store: services.verify_audit(store, actor=actor),
            on_done=self._verified,
            on_failed=self._failed(self.tr("Audit trail")),
            owner=self,
        )

    def _verified(self, verdict: AuditVerdict) -> None:
        self._idle()
        if verdict.ok:
            text = self.tr("The audit trail is intact: {n} entries. Chain head {h}…").format(
                n=verdict.entries, h=verdict.head[:16]
            )
            self._say(text)
        else:
            text = self.tr("The audit trail was tampered with: {r}.").format(r=verdict.reason)
            self._say(text)
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
        query = self.query()
        self._busy(self.tr("Exporting to {p}…").format(p=path))

        def exported(count: int) -> None:
            self._idle()  # the export's own entry comes with the change announced
            self._say(self.tr("Exported {n} entries to {p}.").format(n=count, p=path))

        def failed(error: BaseException) -> None:
            if isinstance(error, Cancelled):
                self._idle()
                self._say(self.tr("Export cancelled: {p} was not written.").format(p=path))
            else:
                self._failed(self.tr("Export failed"))(error)

        run_with_progress(  # a million entries take a while: progress, and Cancel
            self,
            self.tr("Export audit entries"),
            self.tr("Exporting the audit entries shown to {p}…").format(p=path),
            self.store.path,
            lambda store, progress, cancelled: services.export_audit(
                store, path, query, actor=actor, progress=progress, cancelled=cancelled
            ),
            on_done=exported,
            on_failed=failed,
            changes_made=Change.AUDIT,
            owner=self,
        )

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
            self._entries = []
            self.status.setText(
                self.tr("A technician cannot view the audit trail: ask a lead or an admin.")
            )
