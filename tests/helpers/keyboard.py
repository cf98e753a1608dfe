"""A keyboard as a person has one: every key goes to whatever widget has focus.

Tests never type into a widget picked by name: a barcode scanner and a keyboard type into
`QApplication.focusWidget()`, so a page that loses focus fails here as it fails at the bench.
Each helper asserts that something has focus before sending, and re-reads the focus for every
key (a key may move it, as Tab does).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

Key = Qt.Key
Mod = Qt.KeyboardModifier


def focused() -> QWidget:
    """The widget that would receive the next key; fails the test when nothing has focus."""
    widget = QApplication.focusWidget()
    assert widget is not None, "no widget has keyboard focus: a key would go nowhere"
    return widget


def focus_name() -> str:
    """The object name of the focused widget, or its class when it has none."""
    widget = focused()
    return widget.objectName() or type(widget).__name__


def press(key: Qt.Key, modifier: Qt.KeyboardModifier = Mod.NoModifier, *, times: int = 1) -> None:
    """Press and release `key` (with `modifier`) in the focused widget, `times` times."""
    for _ in range(times):
        QTest.keyClick(focused(), key, modifier)
        QApplication.processEvents()


def type_text(text: str) -> None:
    """Type `text` one key at a time, each into the widget focused at that moment."""
    for char in text:
        QTest.keyClick(focused(), char)
        QApplication.processEvents()


def scan(text: str) -> None:
    """A keyboard-wedge barcode scanner: the characters, then Enter."""
    type_text(text)
    press(Key.Key_Return)


def enter() -> None:
    press(Key.Key_Return)


def tab(times: int = 1) -> None:
    press(Key.Key_Tab, times=times)


def backtab(times: int = 1) -> None:
    press(Key.Key_Backtab, Mod.ShiftModifier, times=times)


def space() -> None:
    press(Key.Key_Space)


def select_all_and_type(text: str) -> None:
    """Replace the focused field's text: Ctrl+A, then type (an empty `text` deletes)."""
    press(Key.Key_A, Mod.ControlModifier)
    if text:
        type_text(text)
    else:
        press(Key.Key_Delete)


def ctrl(key: Qt.Key) -> None:
    press(key, Mod.ControlModifier)


def alt(key: Qt.Key) -> None:
    press(key, Mod.AltModifier)


def tab_to(name: str, *, limit: int = 40) -> QWidget:
    """Tab until the widget named `name` has focus (as a person tabs through a form)."""
    for _ in range(limit):
        if focused().objectName() == name:
            return focused()
        tab()
    raise AssertionError(f"Tab never reached {name!r} in {limit} presses; stuck at {focus_name()}")


def wait_until(condition: Callable[[], object], timeout_ms: int = 5000) -> None:
    """Let the event loop run until `condition()` holds (a mnemonic presses its button with
    a short animation; a dialog opens on the next turn of the loop)."""
    waited = 0
    while not condition():
        assert waited < timeout_ms, f"still waiting after {timeout_ms} ms"
        QTest.qWait(10)
        waited += 10


def shown_box() -> QMessageBox | None:
    """The message box on screen, if any."""
    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)]
    return next((b for b in boxes if b.isVisible()), None)


def message_box() -> QMessageBox:
    """Wait for a message box to show and take the keyboard (a key goes to it then)."""
    wait_until(lambda: shown_box() is not None)
    box = shown_box()
    assert box is not None
    wait_until(lambda: (focus := QApplication.focusWidget()) is box or box.isAncestorOf(focus))
    return box


def answer_box(key: Qt.Key) -> None:
    """Answer the message box on screen with `key` and wait until it is deleted: a box
    deleted only after the test returned could take the last reference to a screen the
    test made with it (its slot holds the screen), and the screen, deleting the box as its
    child a second time, crashed the run."""
    box = message_box()
    gone = []
    box.destroyed.connect(lambda: gone.append(True))
    press(key)
    wait_until(lambda: bool(gone))


def shared_alt_letters(root: QWidget) -> dict[str, list[str]]:
    """The Alt letters that more than one visible control under `root` answers to, each
    with the texts that claim it: Qt then moves focus between them on each press, and none
    acts (a check box is not ticked, a button not pressed)."""
    from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel, QTabBar

    claims: dict[str, list[str]] = {}

    def claim(text: str) -> None:
        marked = text.replace("&&", "").partition("&")[2]
        if marked:
            claims.setdefault(marked[0].lower(), []).append(text)

    for widget in root.findChildren(QWidget):
        if not widget.isVisibleTo(root):
            continue
        if isinstance(widget, QAbstractButton) or (
            isinstance(widget, QLabel) and widget.buddy() is not None
        ):
            claim(widget.text())
        elif isinstance(widget, QGroupBox):
            claim(widget.title())
        elif isinstance(widget, QTabBar):
            for tab in range(widget.count()):
                claim(widget.tabText(tab))
    return {letter: texts for letter, texts in claims.items() if len(texts) > 1}
