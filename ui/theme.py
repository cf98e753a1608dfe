"""The stylesheet: small ordered .qss files in resources/styles, filled from one palette."""

from __future__ import annotations

from importlib import resources

from PySide6.QtWidgets import QApplication

PALETTE = {
    "@bg": "#f4f5f7",
    "@surface": "#ffffff",
    "@nav": "#1f2a37",
    "@nav_text": "#d5dbe3",
    "@accent": "#0f6cbd",
    "@accent_dark": "#0c5a9e",
    "@text": "#1b1f24",
    "@muted": "#5b6572",
    "@border": "#d0d5dc",
    "@error": "#b3261e",
    "@error_bg": "#fdecea",
    "@alt_row": "#f7f9fb",
}


def stylesheet() -> str:
    folder = resources.files("resources") / "styles"
    parts = sorted((p for p in folder.iterdir() if p.name.endswith(".qss")), key=lambda p: p.name)
    text = "\n".join(p.read_text(encoding="utf-8") for p in parts)
    for key in sorted(PALETTE, key=len, reverse=True):
        text = text.replace(key, PALETTE[key])
    return text


def apply(app: QApplication) -> None:
    app.setStyle("Fusion")
    app.setStyleSheet(stylesheet())
