"""Find text a person cannot read whole: a label, button or tab narrower than its words.

Used by the layout tests at the kiosk's three sizes and both palettes, and by the
screenshot tool, which says what it found. A label that elides on purpose (ElidedLabel: the
batch screen's preview, which must not grow and shift under the scanner) is not a finding;
text inside a scroll area is measured against its own width, since the area scrolls.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QLabel,
    QStyle,
    QStyleOptionComboBox,
    QTabBar,
    QWidget,
)

from ui.widgets.elided_label import ElidedLabel

#: Rounding between a size hint and a laid-out size.
_SLACK = 1


def _describe(widget: QWidget, text: str) -> str:
    chain: list[str] = []
    node: QWidget | None = widget
    while node is not None and len(chain) < 4:
        if node.objectName():
            chain.append(node.objectName())
        node = node.parentWidget()
    where = " < ".join(chain) or type(widget).__name__
    return f"{type(widget).__name__} {text[:60]!r} ({where})"


def _label_problem(label: QLabel) -> str | None:
    if isinstance(label, ElidedLabel) or not label.text() or not label.pixmap().isNull():
        return None
    box = label.contentsRect()
    if label.wordWrap():
        needed = label.heightForWidth(label.width())
        if needed > label.height() + _SLACK:
            return f"needs {needed}px of height, has {label.height()}"
        return None
    hint = label.sizeHint()
    if hint.width() > label.width() + _SLACK:
        return f"needs {hint.width()}px, has {label.width()}"
    if hint.height() > label.height() + _SLACK and box.height() > 0:
        return f"needs {hint.height()}px of height, has {label.height()}"
    return None


def _button_problem(button: QAbstractButton) -> str | None:
    if not button.text():
        return None
    hint = button.sizeHint()
    if hint.width() > button.width() + _SLACK:
        return f"needs {hint.width()}px, has {button.width()}"
    if hint.height() > button.height() + 2 * _SLACK + 2:
        return f"needs {hint.height()}px of height, has {button.height()}"
    return None


def _combo_problem(combo: QComboBox) -> str | None:
    """A closed combo box shows its current item: the words must fit beside the arrow."""
    text = combo.currentText()
    if not text or combo.isEditable():
        return None
    option = QStyleOptionComboBox()
    combo.initStyleOption(option)
    field = combo.style().subControlRect(
        QStyle.ComplexControl.CC_ComboBox, option, QStyle.SubControl.SC_ComboBoxEditField, combo
    )
    icon = combo.iconSize().width() + 4 if not combo.itemIcon(combo.currentIndex()).isNull() else 0
    needed = combo.fontMetrics().horizontalAdvance(text) + icon
    if needed > field.width() + _SLACK:
        return f"needs {needed}px for its text, has {field.width()}"
    return None


def _tabs_problem(bar: QTabBar) -> str | None:
    for index in range(bar.count()):
        wanted = bar.tabSizeHint(index).width()
        shown = bar.tabRect(index).width()
        if bar.isTabVisible(index) and wanted > shown + _SLACK:
            return f"tab {bar.tabText(index)!r} needs {wanted}px, has {shown}"
    return None


def clipped_texts(root: QWidget) -> list[str]:
    """Every visible text under `root` that does not fit the space it was given."""
    found: list[str] = []
    for widget in root.findChildren(QWidget):
        if not widget.isVisible() or widget.width() <= 0:
            continue
        if isinstance(widget.parentWidget(), QComboBox):
            continue  # a combo box's own line edit and popup
        problem: str | None = None
        text = ""
        if isinstance(widget, QLabel):
            text, problem = widget.text(), _label_problem(widget)
        elif isinstance(widget, QAbstractButton):
            text, problem = widget.text(), _button_problem(widget)
        elif isinstance(widget, QTabBar):
            problem = _tabs_problem(widget)
        elif isinstance(widget, QComboBox):
            text, problem = widget.currentText(), _combo_problem(widget)
        if problem:
            found.append(f"{_describe(widget, text)}: {problem}")
    return found
