"""The Tenant screen: where the bench stands with Autopilot and Intune (connected, or offline
since when and why; what waits; the last sync), Sync now, and the changes the tenant refused
for good ("parked"), which a lead retries or drops. An admin connects the tenant here.

Every role sees the status; the buttons follow the role (the services check it again).
The sync itself is the background sender's (ui/tenant/sender.py); every write here goes
through `run_op` on the writer thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app import services
from app.security.roles import Actor, Permission
from app.services import DEFAULT_GRAPH_URL, QueueReport, Store, SyncReport, TenantStatus
from ui.changes import Change
from ui.ops import failure_words, run_op
from ui.tenant import words
from ui.tenant.connect_dialog import ConnectDialog
from ui.tenant.sender import TenantSender
from ui.widgets.focus import give_back_keyboard
from ui.widgets.messages import Present, confirm, open_now
from ui.widgets.note_label import NoteLabel
from ui.widgets.state import set_state

AUTH_WORDS = {"secret": "client secret", "certificate": "certificate", "deviceCode": "a person"}


class ParkedList(QListWidget):
    """The parked items; Delete asks to drop the selected ones (as the bulk lists do)."""

    def __init__(self, on_delete: Callable[[], None]) -> None:
        super().__init__()
        self._on_delete = on_delete

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Delete and self.selectedItems():
            self._on_delete()
            return
        super().keyPressEvent(event)


class TenantScreen(QWidget):
    def __init__(
        self,
        store: Store,
        actor: Callable[[], Actor | None],
        sender: TenantSender,
        parent: QWidget | None = None,
        *,
        present: Present = open_now,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("tenantScreen")
        self.store = store
        self._actor = actor
        self._present = present
        self.tenant_sender = sender
        self.busy = False
        self.dialog: ConnectDialog | None = None
        self._parked_ids: list[int] = []
        self._lead = False  # may retry and drop (set for whoever signs in)
        self._build()
        sender.status_changed.connect(self._on_sender_status_changed)
        sender.progress.connect(self._on_sender_progress)
        sender.finished.connect(self._on_sender_finished)
        self.show_status(sender.status)

    # -- layout ----------------------------------------------------------------------------

    def _build(self) -> None:
        title = QLabel(self.tr("Tenant"))
        title.setObjectName("screenTitle")
        self.headline = NoteLabel()
        self.headline.setObjectName("tenantHeadline")
        self.reason = NoteLabel()
        self.reason.setObjectName("tenantReason")
        self.where = NoteLabel()
        self.where.setObjectName("planNote")
        self.counts = QLabel()
        self.counts.setObjectName("tenantCounts")
        self.activity = NoteLabel()
        self.activity.setObjectName("fieldError")
        self.activity.hide()
        self.sync_button = QPushButton(self.tr("&Sync now"))
        self.sync_button.setObjectName("syncNow")
        self.cancel_button = QPushButton(self.tr("Cancel s&ync"))
        self.cancel_button.setObjectName("cancelSync")
        self.upload_button = QPushButton(self.tr("&Queue new hashes"))
        self.upload_button.setObjectName("queueUploads")
        self._upload_tip = self.tr(
            "Queue every device whose hardware hash the tenant's Autopilot does not have "
            "yet; the next sync uploads them (as `joinery autopilot upload --all`)."
        )
        self.upload_button.setToolTip(self._upload_tip)
        self.connect_button = QPushButton(self.tr("&Connect…"))
        self.connect_button.setObjectName("connectTenant")
        status_pane = QFrame()
        status_pane.setObjectName("detailPane")
        pane = QVBoxLayout(status_pane)
        pane.setContentsMargins(16, 10, 16, 12)
        for widget in (self.headline, self.reason, self.where, self.counts, self.activity):
            pane.addWidget(widget)
        actions = QHBoxLayout()
        for button in (
            self.sync_button,
            self.cancel_button,
            self.upload_button,
            self.connect_button,
        ):
            actions.addWidget(button)
        actions.addStretch(1)
        pane.addLayout(actions)
        # Why the buttons above are off, in words (a disabled button takes no focus, so a
        # keyboard never reaches its tooltip).
        self.why_off = NoteLabel()
        self.why_off.setObjectName("planNote")
        self.why_off.hide()
        pane.addWidget(self.why_off)

        parked_title = QLabel(self.tr("Parked: changes the tenant refused"))
        parked_title.setObjectName("sectionTitle")
        self.parked = ParkedList(self.drop_selected)
        self.parked.setObjectName("parkedList")
        self.parked.setWordWrap(True)
        self.parked.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.parked.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.parked.setMinimumHeight(90)
        self.retry_button = QPushButton(self.tr("&Retry"))
        self.retry_button.setObjectName("retryParked")
        self.retry_all_button = QPushButton(self.tr("Retry &all"))
        self.retry_all_button.setObjectName("retryAllParked")
        self.drop_button = QPushButton(self.tr("&Drop…"))
        self.drop_button.setObjectName("dropParked")
        self.message = NoteLabel()
        self.message.setObjectName("fieldError")
        self.message.hide()
        self.parked_note = NoteLabel()
        self.parked_note.setObjectName("planNote")
        parked_actions = QHBoxLayout()
        for button in (self.retry_button, self.retry_all_button, self.drop_button):
            parked_actions.addWidget(button)
        parked_actions.addStretch(1)
        self.help = NoteLabel()
        self.help.setObjectName("planNote")
        self._parked_widgets = (parked_title, self.parked, self.parked_note)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(status_pane)
        layout.addWidget(parked_title)
        layout.addWidget(self.parked, 1)
        layout.addLayout(parked_actions)
        layout.addWidget(self.message)
        layout.addWidget(self.parked_note)
        layout.addWidget(self.help)
        layout.addStretch(0)  # without the list, the rest stays at the top
        self.setTabOrder(self.connect_button, self.parked)

        self.sync_button.clicked.connect(self.sync_now)
        self.cancel_button.clicked.connect(self.tenant_sender.cancel)
        self.upload_button.clicked.connect(self.queue_uploads)
        self.connect_button.clicked.connect(self.open_connect)
        self.retry_button.clicked.connect(self.retry_selected)
        self.retry_all_button.clicked.connect(self.retry_all)
        self.drop_button.clicked.connect(self.drop_selected)
        self.parked.itemSelectionChanged.connect(self._enable)

    # -- what shows ------------------------------------------------------------------------

    def apply_actor(self, actor: Actor) -> None:
        """Offer only what the role allows; the services check again regardless."""
        lead = actor.may(Permission.MANAGE_OUTBOX)
        self._lead = lead
        self.upload_button.setVisible(actor.may(Permission.IMPORT))
        self.connect_button.setVisible(actor.may(Permission.CHANGE_SETTINGS))
        self.parked_note.setText(
            self.tr(
                "Refused for good (a missing permission, a bad value): fix the cause, then "
                "Retry sends it at the next sync. Drop (or Delete) forgets it: the change "
                "stays in Joinery only."
            )
            if lead
            else self.tr("The tenant refused these for good: a lead retries or drops them here.")
        )
        self.help.setText(self._help_words(actor))
        self.show_status(self.tenant_sender.status)

    def _help_words(self, actor: Actor) -> str:
        if actor.may(Permission.CHANGE_SETTINGS):
            return self.tr(
                "Connect… reads the app's client secret or certificate from a file and seals "
                "it in the vault; it is never shown. A person's sign-in waits minutes for them, "
                "so it is done with “joinery tenant connect --device-code”. Registering the "
                "app: docs/tenant.md."
            )
        return self.tr(
            "An admin connects the tenant (here, or with “joinery tenant connect”). While "
            "one is connected, the bench syncs in the background every few minutes."
        )

    def show_status(self, status: TenantStatus) -> None:
        text, reason, state = words.headline(status)
        self.headline.setText(text)
        set_state(self.headline, state)
        self.reason.setText(reason)
        self.reason.setVisible(bool(reason))
        self.where.setText(self._where_words(status))
        self.where.setVisible(status.configured)
        self.counts.setText(words.counts(status))
        self.counts.setVisible(status.configured or any(status.outbox.values()))
        self.connect_button.setText(
            self.tr("Re&connect…") if status.configured else self.tr("&Connect…")
        )
        self._show_why_off(status)
        self._show_parked(status)
        self._show_activity()
        self._enable()

    def _show_why_off(self, status: TenantStatus) -> None:
        """Without a tenant, Sync now and Queue new hashes are off: say so, and who connects."""
        actor = self._actor()
        words = "" if status.configured or actor is None else self._why_off_words(actor)
        self.why_off.setText(words)
        self.why_off.setVisible(bool(words))
        self.sync_button.setToolTip(words)
        self.upload_button.setToolTip(f"{words} {self._upload_tip}".strip())

    def _why_off_words(self, actor: Actor) -> str:
        if actor.may(Permission.CHANGE_SETTINGS):
            return self.tr(
                "Sync now and Queue new hashes wait for a tenant: connect one first with "
                "Connect… (Alt+C)."
            )
        if actor.may(Permission.IMPORT):  # how an admin connects one: the help below
            return self.tr(
                "Sync now and Queue new hashes wait for a tenant: an admin connects one."
            )
        return self.tr("Sync now waits for a tenant: an admin connects one.")

    def _where_words(self, status: TenantStatus) -> str:
        if not status.configured:
            return ""
        how = AUTH_WORDS.get(status.auth or "", status.auth or "")
        if status.account:
            how = f"{status.account}"
        text = self.tr("Tenant {t} · app {c} · signs in with {h}").format(
            t=status.tenant_id, c=status.client_id, h=self.tr(how)
        )
        if status.graph_url and status.graph_url != DEFAULT_GRAPH_URL:
            text += self.tr(" · Graph at {g}").format(g=status.graph_url)
        return text

    def _show_parked(self, status: TenantStatus) -> None:
        shown = status.configured or bool(status.parked)  # a bench with no tenant: no list
        for widget in self._parked_widgets:
            widget.setVisible(shown)
        for button in (self.retry_button, self.retry_all_button, self.drop_button):
            button.setVisible(shown and self._lead)
        ids = [item.id for item in status.parked]
        if ids == self._parked_ids and self.parked.count() == max(len(ids), 1):
            return  # unchanged: the selection and the scroll stay
        chosen = {i.data(Qt.ItemDataRole.UserRole) for i in self.parked.selectedItems()}
        current = self.parked.currentItem()
        current_id = current.data(Qt.ItemDataRole.UserRole) if current else None
        self._parked_ids = ids
        self.parked.clear()
        for item in status.parked:
            row = QListWidgetItem(words.parked_line(item))
            row.setData(Qt.ItemDataRole.UserRole, item.id)
            row.setToolTip(item.reason or "")
            self.parked.addItem(row)
            if item.id in chosen:
                row.setSelected(True)
            if item.id == current_id:
                self.parked.setCurrentItem(row, QItemSelectionModel.SelectionFlag.NoUpdate)
        if not ids:
            empty = QListWidgetItem(self.tr("Nothing is parked."))
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            self.parked.addItem(empty)
        elif not self.parked.selectedItems():
            self.parked.setCurrentRow(0)  # Retry and Drop have something to act on

    def _show_activity(self) -> None:
        sender = self.tenant_sender
        if sender.progress_now is not None:
            done, total = sender.progress_now
            self._say_activity(
                self.tr("Syncing… {d} of {t} step(s)").format(d=done, t=total)
                if total
                else self.tr("Syncing…"),
                "",
            )
        elif sender.problem:
            self._say_activity(sender.problem, "error")
        elif sender.report is not None:
            self._say_activity(self._report_words(sender.report), "ok")
        else:
            self.activity.hide()

    def _report_words(self, report: SyncReport) -> str:
        return self.tr(
            "Last sync from this kiosk: uploaded {u}, {i} still importing, {f} failed; read "
            "{a} Autopilot and {m} Intune device(s)."
        ).format(
            u=len(report.drain.uploaded),
            i=report.drain.importing,
            f=len(report.drain.failed),
            a=f"{report.autopilot.listed:,}",
            m=f"{report.managed.listed:,}",
        )

    def _say_activity(self, text: str, state: str) -> None:
        self.activity.setText(text)
        self.activity.show()
        set_state(self.activity, state)

    def _enable(self) -> None:
        actor = self._actor()
        status = self.tenant_sender.status
        running = self.tenant_sender.running
        self.sync_button.setEnabled(status.configured and not running and actor is not None)
        if not running and self.cancel_button.hasFocus() and self.sync_button.isEnabled():
            self.sync_button.setFocus()  # the sync is over: back where it was started
        self.cancel_button.setVisible(running)
        self.upload_button.setEnabled(status.configured)
        selected = bool(self._selected_ids())
        self.retry_button.setEnabled(selected)
        self.drop_button.setEnabled(selected)
        self.retry_all_button.setEnabled(bool(status.parked))

    def _selected_ids(self) -> list[int]:
        return [
            int(item.data(Qt.ItemDataRole.UserRole))
            for item in self.parked.selectedItems()
            if item.data(Qt.ItemDataRole.UserRole) is not None
        ]

    def _on_sender_status_changed(self, status: TenantStatus) -> None:
        self.show_status(status)

    def _on_sender_progress(self, _done: int, _total: int) -> None:
        self._show_activity()
        self._enable()

    def _on_sender_finished(self, _result: object) -> None:
        self._show_activity()
        self._enable()

    # -- actions ---------------------------------------------------------------------------

    def sync_now(self) -> None:
        if self.tenant_sender.sync_now():
            self._show_activity()
            self._enable()
            self.cancel_button.setFocus()  # where a person who changes their mind goes
        elif not self.tenant_sender.status.configured:
            self._say(self.tr("No tenant is connected: nothing to sync."), error=True)

    def retry_selected(self) -> None:
        ids = self._selected_ids()
        if ids:
            self._retry(ids)

    def retry_all(self) -> None:
        if self.tenant_sender.status.parked:
            self._retry(None)

    def _retry(self, ids: list[int] | None) -> None:
        self.parked.setFocus()  # the button may have nothing left to act on

        def job(store: Store, actor: Actor) -> int:
            return services.retry_parked(store, ids, actor=actor)

        self._write(job, self._on_retry_done)

    def _on_retry_done(self, count: object) -> None:
        self._say(
            self.tr("{n} item(s) will be sent again: syncing in a moment.").format(n=count),
            error=False,
        )
        self.tenant_sender.sync_soon()

    def drop_selected(self) -> None:
        ids = self._selected_ids()
        if not ids or not self.drop_button.isVisible() or self.busy:
            return

        def drop() -> None:
            give_back_keyboard(self.parked)  # back from the question

            def job(store: Store, actor: Actor) -> int:
                return services.drop_parked(store, ids, actor=actor)

            self._write(job, self._on_drop_done)

        confirm(
            self,
            self.tr("Drop parked changes"),
            self.tr(
                "Drop {n} parked change(s)? They are never sent: the tenant keeps what it has, "
                "Joinery keeps its own record. The audit trail notes who dropped them."
            ).format(n=len(ids)),
            drop,
            self._present,
        )

    def _on_drop_done(self, count: object) -> None:
        self._say(self.tr("Dropped {n} item(s).").format(n=count), error=False)

    def queue_uploads(self) -> None:
        def job(store: Store, actor: Actor) -> QueueReport:
            return services.queue_uploads(store, None, actor=actor)

        self._write(job, self._on_queue_done)

    def _on_queue_done(self, report: Any) -> None:
        queued = len(report.queued)
        self._say(
            self.tr("Queued {n} hardware hash(es) for Autopilot: syncing in a moment.").format(
                n=queued
            )
            if queued
            else self.tr(
                "Nothing to queue: every device with a hash is in the tenant's Autopilot, "
                "queued or uploaded already."
            ),
            error=False,
        )
        if queued:
            self.tenant_sender.sync_soon()

    def _write(self, job: Callable[[Store, Actor], object], on_done: Callable[[Any], None]) -> None:
        """A write on the writer thread as the operator signed in now; its refusal is said
        below the list, and the keyboard stays where it was."""
        actor = self._actor()
        if actor is None or self.busy:
            return
        self.busy = True
        self._enable()

        def done(result: object) -> None:
            self.busy = False
            self.tenant_sender.refresh_status()
            self._enable()
            on_done(result)

        def failed(error: BaseException) -> None:
            self.busy = False
            self._enable()
            self._say(
                failure_words(error, "a tenant change", self.tr("Nothing changed.")), error=True
            )

        run_op(
            self.store.path,
            lambda store, _p, _c: job(store, actor),
            owner=self,
            on_done=done,
            on_failed=failed,
            changes_made=Change.TENANT | Change.AUDIT,
        )

    def open_connect(self) -> None:
        actor = self._actor()
        if actor is None or not actor.may(Permission.CHANGE_SETTINGS):
            return
        dialog = ConnectDialog(self.store.path, actor, self.tenant_sender.status, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.connected.connect(self._on_dialog_connected)
        dialog.finished.connect(self._on_dialog_finished)
        self.dialog = dialog
        self._present(dialog)

    def _on_dialog_connected(self, status: TenantStatus) -> None:
        self.tenant_sender.refresh_status()
        self._say(
            self.tr("Connected to tenant {t}; the first sync starts now.").format(
                t=status.tenant_id
            ),
            error=False,
        )
        self.tenant_sender.sync_now()

    def _on_dialog_finished(self, _result: int) -> None:
        self.dialog = None
        give_back_keyboard(self.connect_button)

    def _say(self, text: str, *, error: bool) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))
        set_state(self.message, "error" if error else "ok")
