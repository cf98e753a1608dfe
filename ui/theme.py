"""The stylesheet: small ordered .qss files in resources/styles, filled from one palette.

Two palettes with the same keys, light (the default) and dark; `JOINERY_THEME` picks one.
Widgets that paint their own colours (the fleet charts) read them with `colour()`.
"""

from __future__ import annotations

import logging
import os
from importlib import resources

from PySide6.QtCore import QCoreApplication, QDir, QEvent
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)

THEME_ENV = "JOINERY_THEME"
DEFAULT = "light"
_PROPERTY = "joineryTheme"  # the applied theme's name, kept on the QApplication

_LIGHT = {
    "@bg": "#f4f5f7",
    "@surface": "#ffffff",
    "@nav": "#1f2a37",
    "@nav_text": "#d5dbe3",
    "@nav_selected": "#2c3a4b",
    "@nav_hover": "#263242",
    "@nav_button_hover": "#34465a",
    "@nav_alert": "#ffb59f",  # a warning on the sidebar (>= 4.5:1 against @nav)
    "@accent": "#0f6cbd",
    "@accent_dark": "#0c5a9e",
    "@on_accent": "#ffffff",
    "@text": "#1b1f24",
    "@muted": "#5b6572",
    "@border": "#d0d5dc",
    "@error": "#b3261e",
    "@warning": "#8a5a00",
    "@error_bg": "#fdecea",
    "@ok": "#1e6b35",
    "@alt_row": "#f7f9fb",
    "@accent_tint": "#e3eefb",
    # Charts: plot area, text, grid lines, plain bars, and a colour per state (each at least
    # 3:1 against @surface, @alt_row and @chart_bg: a swatch must be seen, not only its words).
    "@chart_bg": "#ffffff",
    "@chart_text": "#1b1f24",
    "@chart_grid": "#e3e7ec",
    "@chart_bar": "#0f6cbd",
    "@state_compliant": "#107c10",
    "@state_noncompliant": "#d13438",
    "@state_inGracePeriod": "#b36b00",
    "@state_notEvaluated": "#8a8886",
    "@state_unknown": "#5c7080",
    "@state_error": "#a4262c",
    "@state_conflict": "#8764b8",
    "@state_configManager": "#4f6bed",
}

_DARK = {
    "@bg": "#15181c",
    "@surface": "#1f2328",
    "@nav": "#0e1217",
    "@nav_text": "#c5ccd6",
    "@nav_selected": "#222c38",
    "@nav_hover": "#1a222c",
    "@nav_button_hover": "#283442",
    "@nav_alert": "#f6a192",
    "@accent": "#2b7cd3",
    "@accent_dark": "#1f64b0",
    "@on_accent": "#ffffff",
    "@text": "#e6e9ed",
    "@muted": "#9ba5b2",
    "@border": "#3a414b",
    "@error": "#f28b82",
    "@warning": "#fcc64f",
    "@error_bg": "#3b1e1c",
    "@ok": "#7dd69b",
    "@alt_row": "#252a30",
    "@accent_tint": "#1d3650",
    "@chart_bg": "#1f2328",
    "@chart_text": "#e6e9ed",
    "@chart_grid": "#343b44",
    "@chart_bar": "#4c9be8",
    "@state_compliant": "#54b054",
    "@state_noncompliant": "#f1707b",
    "@state_inGracePeriod": "#fcc64f",
    "@state_notEvaluated": "#a19f9d",
    "@state_unknown": "#8fa0b3",
    "@state_error": "#d4565c",
    "@state_conflict": "#a98fd6",
    "@state_configManager": "#8c9ff2",
}

PALETTES: dict[str, dict[str, str]] = {"light": _LIGHT, "dark": _DARK}


def stylesheet(name: str = DEFAULT) -> str:
    palette = PALETTES[name]
    folder = resources.files("resources") / "styles"
    parts = sorted((p for p in folder.iterdir() if p.name.endswith(".qss")), key=lambda p: p.name)
    text = "\n".join(p.read_text(encoding="utf-8") for p in parts)
    for key in sorted(palette, key=len, reverse=True):
        text = text.replace(key, palette[key])
    return text


def chosen() -> str:
    """The theme `JOINERY_THEME` asks for; an unknown name falls back to light, with a log."""
    name = os.environ.get(THEME_ENV, DEFAULT).strip().lower() or DEFAULT
    if name not in PALETTES:
        log.warning("%s=%r is not a theme (light, dark); using light", THEME_ENV, name)
        return DEFAULT
    return name


def current() -> str:
    """The theme applied to the running application (light before any was applied)."""
    app = QApplication.instance()
    name = app.property(_PROPERTY) if app is not None else None
    return name if isinstance(name, str) and name in PALETTES else DEFAULT


def colour(key: str) -> QColor:
    """One colour of the applied palette, by key with or without the '@' ("chart_bg")."""
    return QColor(PALETTES[current()][key if key.startswith("@") else "@" + key])


def _qpalette(name: str, app: QApplication) -> QPalette:
    if name == "light":
        return app.style().standardPalette()  # the look the kiosk always had
    c = {key.lstrip("@"): QColor(value) for key, value in PALETTES[name].items()}
    roles = {
        QPalette.ColorRole.Window: c["bg"],
        QPalette.ColorRole.WindowText: c["text"],
        QPalette.ColorRole.Base: c["surface"],
        QPalette.ColorRole.AlternateBase: c["alt_row"],
        QPalette.ColorRole.Text: c["text"],
        QPalette.ColorRole.Button: c["surface"],
        QPalette.ColorRole.ButtonText: c["text"],
        QPalette.ColorRole.ToolTipBase: c["surface"],
        QPalette.ColorRole.ToolTipText: c["text"],
        QPalette.ColorRole.PlaceholderText: c["muted"],
        QPalette.ColorRole.Highlight: c["accent"],
        QPalette.ColorRole.HighlightedText: c["on_accent"],
        QPalette.ColorRole.Link: c["chart_bar"],
        QPalette.ColorRole.BrightText: c["error"],
        QPalette.ColorRole.Light: c["border"],
        QPalette.ColorRole.Midlight: c["border"],
        QPalette.ColorRole.Mid: c["border"],
        QPalette.ColorRole.Dark: c["nav"],
        QPalette.ColorRole.Shadow: c["nav"],
    }
    palette = QPalette()
    for role, value in roles.items():
        palette.setColor(role, value)
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, c["muted"])
    return palette


def apply(app: QApplication, name: str | None = None) -> None:
    """Fusion, the palette and the stylesheet of `name` (else `JOINERY_THEME`, else light)."""
    chosen_name = name or chosen()
    if chosen_name not in PALETTES:
        raise ValueError(f"unknown theme {chosen_name!r}; choose one of {sorted(PALETTES)}")
    if app.style().name().lower() != "fusion":
        # Replacing the style object under live widgets crashes Qt when the stylesheet
        # repolishes them next: switch palettes without a new style.
        app.setStyle("Fusion")
    app.setProperty(_PROPERTY, chosen_name)
    # The stylesheet's url(icons:...) images: SVGs shipped in resources/icons.
    QDir.setSearchPaths("icons", [str(resources.files("resources") / "icons")])
    # Widgets already closed but not yet deleted must not be repolished half-destroyed.
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    app.setPalette(_qpalette(chosen_name, app))
    app.setStyleSheet(stylesheet(chosen_name))
