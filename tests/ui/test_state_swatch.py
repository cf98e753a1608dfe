"""A state's colour: at least 3:1 against the table and chart backgrounds in both palettes
(WCAG 2.1, 1.4.11 non-text contrast), and the swatch really is drawn in it."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication

from app.domain import ComplianceState
from ui import theme
from ui.widgets.state_swatch import SWATCH_PX, state_colour, state_icon

MIN_CONTRAST = 3.0
BACKGROUNDS = ("@surface", "@alt_row", "@chart_bg")


def luminance(colour: str) -> float:
    """Relative luminance (WCAG 2.1 definition)."""
    channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_formula_matches_known_values() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize("name", sorted(theme.PALETTES))
@pytest.mark.parametrize("state", [s.value for s in ComplianceState])
def test_every_state_colour_stands_out_from_the_table_and_charts(name: str, state: str) -> None:
    palette = theme.PALETTES[name]
    colour = palette[f"@state_{state}"]
    for background in BACKGROUNDS:
        ratio = contrast(colour, palette[background])
        assert ratio >= MIN_CONTRAST, f"{name} {state} {colour} on {background}: {ratio:.2f}"


@pytest.mark.parametrize("name", sorted(theme.PALETTES))
def test_the_swatch_is_drawn_in_the_palettes_colour(name: str, restore_theme: QApplication) -> None:
    theme.apply(restore_theme, name)
    for state in ComplianceState:
        image = state_icon(state.value).pixmap(SWATCH_PX, SWATCH_PX).toImage()
        centre = image.pixelColor(SWATCH_PX // 2, SWATCH_PX // 2)
        assert centre == QColor(theme.PALETTES[name][f"@state_{state.value}"])
        assert centre == state_colour(state.value)
