"""The Fleet's time: live, paused, or a past day, and the controls that choose it.

Live, the board follows every write; paused, it holds its picture until Resume; on a past
day it is that day's snapshot (dated in UTC, as snapshots are), where there is nothing to
pause. Past midnight a live board stays live, on the new day; a day the person chose stays
chosen.
"""

from __future__ import annotations

from PySide6.QtCore import QDate, QDateTime, QObject, QSignalBlocker, QTime, Signal
from PySide6.QtWidgets import QDateEdit, QLabel, QPushButton

from app.services import Dashboard
from ui.words import when


def utc_today() -> QDate:
    """Snapshots are dated in UTC, so is the "As of" day."""
    return QDateTime.currentDateTimeUtc().date()


class BoardTime(QObject):
    """The live line, Pause, the "As of" day and Today; the screen lays them out."""

    day_chosen = Signal()  # another day (or today again): read the board for it
    resumed = Signal()  # Resume: draw what changed while paused

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.paused = False
        self._shown: Dashboard | None = None  # the board the live line speaks of
        self._following_today = True  # "As of" is today, and moves on at midnight
        self.live = QLabel()
        self.live.setObjectName("liveIndicator")
        self.pause = QPushButton(self.tr("Pause  (Ctrl+P)"))
        self.pause.setObjectName("pauseLive")
        self.pause.setCheckable(True)
        self.as_of = QDateEdit()
        self.as_of.setObjectName("asOf")
        self.as_of.setCalendarPopup(True)
        self.as_of.setDisplayFormat("yyyy-MM-dd")
        self.as_of.setDate(utc_today())
        self.as_of.setMaximumDate(utc_today())
        self.today = QPushButton(self.tr("Today"))
        self.today.setObjectName("asOfToday")
        self.pause.toggled.connect(self._on_pause_toggled)
        self.as_of.dateChanged.connect(self._on_as_of_changed)
        self.today.clicked.connect(self._go_to_today)

    def past_day(self) -> str | None:
        """The day chosen ("yyyy-MM-dd"), None for today (live); past midnight first moves
        a live board on to the new day."""
        self._roll_over()
        if self.as_of.date() >= utc_today():
            return None
        return self.as_of.date().toString("yyyy-MM-dd")

    def show(self, board: Dashboard) -> None:
        """The live line for `board`, and Pause only where a board is live (showing a past
        day's snapshot ends a pause: also today's, once midnight made it yesterday)."""
        self._shown = board
        live = board.as_of is None
        if not live and self.paused:
            with QSignalBlocker(self.pause):
                self.pause.setChecked(False)
            self._set_paused(False)
        self.pause.setEnabled(live)
        self.pause.setToolTip(
            "" if live else self.tr("A past day is not live: there is nothing to pause.")
        )
        self.live.setText(self._words(board))

    def toggle_pause(self) -> None:
        """Ctrl+P: as the button, where it is on offer."""
        if self.pause.isEnabled():
            self.pause.toggle()

    def _words(self, board: Dashboard) -> str:
        if board.as_of:
            return self.tr("As of {d} · not live").format(d=board.as_of)
        if self.paused:
            return self.tr("❚❚ Paused · showing {t}").format(t=when(board.at, to="clock"))
        return self.tr("● Live · last change {t}").format(
            t=QTime.currentTime().toString("HH:mm:ss")
        )

    def _set_paused(self, paused: bool) -> None:
        self.paused = paused
        self.pause.setText(self.tr("Resume  (Ctrl+P)") if paused else self.tr("Pause  (Ctrl+P)"))

    def _on_pause_toggled(self, paused: bool) -> None:
        self._set_paused(paused)
        if not paused:
            self.resumed.emit()
        elif self._shown is not None:  # the picture held: say since when
            self.live.setText(self._words(self._shown))

    def _on_as_of_changed(self, day: QDate) -> None:
        self._following_today = day >= utc_today()
        self.day_chosen.emit()

    def _go_to_today(self) -> None:
        self._following_today = True
        self._roll_over()  # past midnight the new day is within reach first
        self.as_of.setDate(utc_today())

    def _roll_over(self) -> None:
        today = utc_today()
        if self.as_of.maximumDate() >= today:
            return
        with QSignalBlocker(self.as_of):
            self.as_of.setMaximumDate(today)
            if self._following_today:
                self.as_of.setDate(today)
