"""The shell both wizards live in: a page stack of our own, not an embedded QWizard.

An embedded QWizard hides its page area on every `completeChanged` (Qt's anti-flicker), and
hiding the widget that has focus sends focus to the next widget in the window: a barcode
scanner's second character landed in the sidebar. This shell never hides what has focus; it
enables or disables its buttons, nothing more, while a page is being filled in.

What a person sees: a rail of sections with the current one marked and "Step n of N", one
large question (the page's title) with a line under it, the page's fields, and a row of
buttons that never moves: Start over on the left, Back and the primary Next (or the finish
verb) on the right. Enter goes on whenever the page is complete; on a focused push button
it presses that button. Escape never throws answers away. Alt+Left goes back.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ui.widgets.focus import first_focusable
from ui.widgets.keys import is_plain_enter, pressable_button
from ui.widgets.state import set_state

#: A widget with this property set does its own thing on Enter (the shell does not go on).
HANDLES_ENTER = "handlesEnter"


class Button(enum.Enum):
    BACK = "back"
    NEXT = "next"  # reads as the finish verb ("Enroll", "Build") on the last page
    START_OVER = "start_over"


class WizardPage(QWidget):
    """One page: a question (the title), a line under it (the subtitle) and its fields.

    The shell calls `initializePage()` each time the page is reached going forward,
    `cleanupPage()` when it is left going back, `isComplete()` whenever the page says
    `completeChanged`, and `validatePage()` when the person goes on (False stays here).
    """

    completeChanged = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("wizardPage", True)
        self._title = ""
        self._subtitle = ""
        self._section = ""
        self._shell: WizardShell | None = None
        self._scroller: QScrollArea | None = None

    # -- what the shell shows above the page ---------------------------------------------

    def setTitle(self, text: str) -> None:  # noqa: N802 (QWizardPage's names, kept on purpose)
        self._title = text
        if self._shell is not None:
            self._shell.refresh_heading(self)

    def title(self) -> str:
        return self._title

    def setSubTitle(self, text: str) -> None:  # noqa: N802
        self._subtitle = text
        if self._shell is not None:
            self._shell.refresh_heading(self)

    def subTitle(self) -> str:  # noqa: N802
        return self._subtitle

    def set_section(self, name: str) -> None:
        """The rail's section this page belongs to ("Region", "Network", ...)."""
        self._section = name

    def section(self) -> str:
        return self._section

    def wizard(self) -> WizardShell:
        assert self._shell is not None, "the page is not in a wizard yet"
        return self._shell

    # -- what the shell asks of the page -------------------------------------------------

    def initializePage(self) -> None:  # noqa: N802
        """Fill the fields from the wizard's draft (each time the page is reached)."""

    def cleanupPage(self) -> None:  # noqa: N802
        """The person went back from this page."""

    def isComplete(self) -> bool:  # noqa: N802
        return True

    def validatePage(self) -> bool:  # noqa: N802
        """Keep the answers and go on (True), or stay with a reason shown (False)."""
        return True

    def explain_incomplete(self) -> None:
        """Enter on a page not complete yet: say what is missing, where it is missing (a
        page whose fields already say so need not)."""

    def reveal_focus(self) -> None:
        """Scroll the page so the control with the keyboard is in sight. The page's scroll
        area follows Tab, not `setFocus()`: a bulk build's Open folder, focused as the long
        result showed above it, sat under the page's bottom edge at 1366x768."""
        focus = QApplication.focusWidget()
        if self._scroller is not None and focus is not None and self.isAncestorOf(focus):
            self._scroller.ensureWidgetVisible(focus)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        # The scroll area resizes the page once text shown or hidden has been laid out:
        # only then is the focused control where it will stay.
        super().resizeEvent(event)
        self.reveal_focus()

    def first_field(self) -> QWidget | None:
        """Where the person's hands go on arrival; None: the first field in tab order."""
        return None


class WizardShell(QWidget):
    """Pages in a stack, a rail of sections, a heading and a fixed row of buttons."""

    currentIdChanged = Signal(int)  # noqa: N815 (QWizard's signal name, kept)

    def __init__(self, sections: Sequence[str] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("wizardShell", True)
        self._pages: list[WizardPage] = []
        self._current = -1
        self._finish_text = self.tr("Finish")
        self._sections = list(sections)

        self.rail = QWidget()
        self.rail.setObjectName("wizardRail")
        rail_row = QHBoxLayout(self.rail)
        rail_row.setContentsMargins(0, 0, 0, 0)
        rail_row.setSpacing(4)
        self._rail_labels: dict[str, QLabel] = {}
        for name in self._sections:
            label = QLabel()
            label.setObjectName("railSection")
            label.setToolTip(name)
            # The rail never widens the window (a minimum of its own, not the text's): when
            # the names do not fit, `_fit_rail` shortens them. (An Ignored policy drew none.)
            label.setMinimumWidth(1)
            self._rail_labels[name] = label
            rail_row.addWidget(label)
        rail_row.addStretch(1)
        self.step = QLabel()
        self.step.setObjectName("wizardStep")
        rail_row.addWidget(self.step)
        if not self._sections:
            # Only ever hide here: showing a widget with no parent yet opens it as a window
            # of its own, which takes the focus from the kiosk when a screen is built late.
            self.rail.hide()

        self.heading = QLabel()
        self.heading.setObjectName("pageTitle")
        self.heading.setWordWrap(True)
        self.subheading = QLabel()
        self.subheading.setObjectName("pageSubtitle")
        self.subheading.setWordWrap(True)
        self.stack = QStackedWidget()
        self.stack.setObjectName("wizardPages")
        self.banner = QLabel()
        self.banner.setObjectName("wizardBanner")
        self.banner.setWordWrap(True)
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner.hide()

        self._buttons = {
            Button.START_OVER: QPushButton(self.tr("Start over")),
            Button.BACK: QPushButton(self.tr("Back")),
            Button.NEXT: QPushButton(self.tr("Next")),
        }
        for which, button in self._buttons.items():
            button.setObjectName("wizard_" + which.value)
            button.setAutoDefault(False)
        next_button = self._buttons[Button.NEXT]
        next_button.setProperty("primary", True)
        next_button.setMinimumWidth(140)
        self._buttons[Button.BACK].setToolTip(self.tr("Back to the previous page (Alt+Left)"))
        self._buttons[Button.START_OVER].clicked.connect(self._on_start_over_clicked)
        self._buttons[Button.BACK].clicked.connect(self.back)
        next_button.clicked.connect(self.next)

        buttons = QHBoxLayout()
        buttons.addWidget(self._buttons[Button.START_OVER])
        buttons.addStretch(1)
        buttons.addWidget(self._buttons[Button.BACK])
        buttons.addWidget(next_button)
        rule = QFrame()
        rule.setObjectName("wizardRule")
        rule.setFixedHeight(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.rail)
        layout.addWidget(self.heading)
        layout.addWidget(self.subheading)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.banner)
        layout.addWidget(rule)
        layout.addLayout(buttons)
        QShortcut(
            QKeySequence("Alt+Left"),
            self,
            activated=self.back,
            context=Qt.ShortcutContext.WidgetWithChildrenShortcut,
        )

    # -- pages ---------------------------------------------------------------------------

    def addPage(self, page: WizardPage) -> int:  # noqa: N802
        page._shell = self
        scroller = QScrollArea()
        scroller.setObjectName("pageScroller")
        scroller.setWidgetResizable(True)
        scroller.setFrameShape(QFrame.Shape.NoFrame)
        scroller.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroller.setWidget(page)
        page._scroller = scroller
        self.stack.addWidget(scroller)
        self._pages.append(page)
        page.completeChanged.connect(self._on_page_complete_changed)
        return len(self._pages) - 1

    def page(self, page_id: int) -> WizardPage:
        return self._pages[page_id]

    def pages_count(self) -> int:
        return len(self._pages)

    def currentId(self) -> int:  # noqa: N802
        return self._current

    def currentPage(self) -> WizardPage:  # noqa: N802
        return self._pages[self._current]

    def is_last(self) -> bool:
        return self._current == len(self._pages) - 1

    def button(self, which: Button) -> QPushButton:
        return self._buttons[which]

    def set_finish_text(self, text: str) -> None:
        """What the primary button says on the last page ("Enroll", "Build")."""
        self._finish_text = text
        self._update_buttons()

    # -- moving ----------------------------------------------------------------------------

    def restart(self) -> None:
        """The first page, filled in afresh."""
        self._go(0, initialize=True)

    def next(self) -> bool:
        """Go on if the page is complete and accepts its answers; on the last page this
        is the finish verb, which the page's `validatePage` carries out."""
        page = self.currentPage()
        button = self._buttons[Button.NEXT]
        if not page.isComplete():
            page.explain_incomplete()  # Enter goes nowhere: the page says why
            return False
        if not button.isEnabled() or not page.validatePage():
            return False
        if self.is_last():
            return True
        self._go(self._current + 1, initialize=True)
        return True

    def back(self) -> None:
        if self._current <= 0 or not self._buttons[Button.BACK].isEnabled():
            return
        self.currentPage().cleanupPage()
        self._go(self._current - 1, initialize=False)

    def jump_to(self, page_id: int) -> None:
        """Show a page without going through the ones before it: for the layout checks
        and the screenshots, never for a person (they go on with Next)."""
        self._go(page_id, initialize=True)

    def start_over(self) -> None:
        """What Start over does once confirmed; wizards override it to reset their draft."""
        self.restart()

    def has_answers(self) -> bool:
        """Whether Start over would lose something the person typed (wizards refine it)."""
        return self._current > 0

    def _on_start_over_clicked(self) -> None:
        if not self.has_answers():
            self.start_over()
            return
        from ui.widgets.messages import confirm  # a dialog module; loaded when first needed

        box = confirm(
            self,
            self.tr("Start over?"),
            self.tr("The answers on these pages are thrown away. Start over?"),
            self.start_over,
        )
        box.finished.connect(self._on_dialog_finished)

    def _on_dialog_finished(self, _result: int) -> None:
        """A dialog closed: the keyboard goes back where the person was working."""
        self.activateWindow()
        self.focus_page()

    def _go(self, page_id: int, *, initialize: bool) -> None:
        page = self._pages[page_id]
        self._current = page_id
        # QStackedWidget moves focus from the outgoing page into the incoming one.
        self.stack.setCurrentIndex(page_id)
        if initialize:
            page.initializePage()
        self.refresh_heading(page)
        self._update_rail()
        self._update_buttons()
        self.focus_page()
        self.currentIdChanged.emit(page_id)

    def focus_page(self) -> None:
        """Put the keyboard where the person works on this page."""
        if self._current < 0:
            return
        page = self.currentPage()
        target = page.first_field() or first_focusable(page)
        if target is not None:
            target.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self._buttons[Button.NEXT].setFocus()

    # -- what is shown -------------------------------------------------------------------

    def refresh_heading(self, page: WizardPage) -> None:
        if self._current < 0 or self._pages[self._current] is not page:
            return
        self.heading.setText(page.title())
        self.subheading.setText(page.subTitle())
        self.subheading.setVisible(bool(page.subTitle()))

    def show_banner(self, text: str | None, state: str = "ok") -> None:
        """A message above the buttons that stays while the next page is filled in
        (what was enrolled, what was built); None hides it."""
        self.banner.setVisible(bool(text))
        self.banner.setText(text or "")
        set_state(self.banner, state)

    def _update_rail(self) -> None:
        page = self.currentPage()
        self.step.setText(
            self.tr("Step {n} of {t}").format(n=self._current + 1, t=len(self._pages))
        )
        if not self._sections:
            return
        here = self._sections.index(page.section()) if page.section() in self._sections else -1
        for index, name in enumerate(self._sections):
            state = "current" if index == here else ("done" if index < here else "")
            set_state(self._rail_labels[name], state)
        self._fit_rail()

    def _fit_rail(self) -> None:
        """Every section by name when the names fit; else the current one by name and the
        others by number (their names in tooltips), so no name is cut."""
        labels = list(self._rail_labels.values())
        for number, (name, label) in enumerate(self._rail_labels.items(), start=1):
            label.setText(f"{number}  {name}")
        needed = sum(label.sizeHint().width() for label in labels)
        needed += self.step.sizeHint().width() + 4 * len(labels) + 8
        if needed <= self.rail.width():
            return
        for number, label in enumerate(labels, start=1):
            if label.property("state") != "current":
                label.setText(str(number))

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        if self._current >= 0 and self._sections:
            self._fit_rail()

    def _update_buttons(self) -> None:
        if self._current < 0:
            return
        last = self.is_last()
        next_button = self._buttons[Button.NEXT]
        next_button.setText(self._finish_text if last else self.tr("Next"))
        next_button.setEnabled(self.currentPage().isComplete())
        self._buttons[Button.BACK].setEnabled(self._current > 0)

    def _on_page_complete_changed(self) -> None:
        if self.sender() is self.currentPage():
            self._update_buttons()

    # -- keys ------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if is_plain_enter(event):
            event.accept()
            focus = self.focusWidget()
            if focus is not None and focus.property(HANDLES_ENTER):
                return
            if (button := pressable_button(focus)) is not None:
                button.click()  # Enter on a focused button presses it, as in a dialog
            else:
                self.next()
            return
        if event.key() == Qt.Key.Key_Escape:
            event.accept()  # Escape clears a field; it never throws the answers away
            return
        super().keyPressEvent(event)
