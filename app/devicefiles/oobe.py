"""What the wizard's answers decide about the device's OOBE pages, shared by every file.

Which pages can be answered ahead (region, keyboard, privacy) and with what values. The
language ids are Microsoft's LCIDs ([MS-LCID]) of the regions Joinery offers; the UI
languages are Windows language packs (docs/device-files.md says which mappings are assumed).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from app import locales
from app.enrollment import Answers
from app.errors import InputError

#: [MS-LCID] language ids of the locales in resources/windows/regions.json.
LCID = {
    "bg-BG": "0402", "cs-CZ": "0405", "da-DK": "0406", "de-AT": "0c07", "de-CH": "0807",
    "de-DE": "0407", "el-GR": "0408", "en-AU": "0c09", "en-CA": "1009", "en-GB": "0809",
    "en-IE": "1809", "en-IN": "4009", "en-NZ": "1409", "en-SG": "4809", "en-US": "0409",
    "en-ZA": "1c09", "es-AR": "2c0a", "es-CL": "340a", "es-CO": "240a", "es-ES": "0c0a",
    "es-MX": "080a", "et-EE": "0425", "fi-FI": "040b", "fr-FR": "040c", "hu-HU": "040e",
    "id-ID": "0421", "is-IS": "040f", "it-IT": "0410", "ja-JP": "0411", "lv-LV": "0426",
    "nb-NO": "0414", "nl-BE": "0813", "nl-NL": "0413", "pl-PL": "0415", "pt-BR": "0416",
    "pt-PT": "0816", "sv-SE": "041d", "zh-CN": "0804",
}  # fmt: skip
#: Windows language packs (Microsoft: Available language packs for Windows).
LANGUAGE_PACKS = frozenset(
    {
        "ar-SA", "bg-BG", "cs-CZ", "da-DK", "de-DE", "el-GR", "en-GB", "en-US", "es-ES", "es-MX",
        "et-EE", "fi-FI", "fr-CA", "fr-FR", "he-IL", "hr-HR", "hu-HU", "it-IT", "ja-JP", "ko-KR",
        "lt-LT", "lv-LV", "nb-NO", "nl-NL", "pl-PL", "pt-BR", "pt-PT", "ro-RO", "ru-RU", "sk-SK",
        "sl-SI", "sr-Latn-RS", "sv-SE", "th-TH", "tr-TR", "uk-UA", "zh-CN", "zh-TW",
    }
)  # fmt: skip
#: A region whose own locale has no language pack shows the nearest one (assumed choices).
_UI_FALLBACK = {
    "de": "de-DE", "nl": "nl-NL", "fr": "fr-FR", "pt": "pt-PT", "zh": "zh-CN",
    "es": "es-MX", "en": "en-GB", "is": "en-GB", "id": "en-US",
}  # fmt: skip
_UI_EXACT_FALLBACK = {"en-CA": "en-US"}  # Canada: US spelling


class Privacy(StrEnum):
    """The six privacy answers taken together: the OOBE page can be skipped only when every
    answer is the same, because Windows then applies one value to all of them."""

    ALL_ON = "all on"
    ALL_OFF = "all off"
    MIXED = "mixed"


@dataclass(frozen=True)
class Region:
    """The region page's answer with what the files need of it."""

    name: str
    locale: str  # en-US: SystemLocale, UserLocale, CloudAssignedLanguage
    ui_language: str  # a language pack: UILanguage
    keyboard: str  # the region's usual layout (KLID)


def region(answers: Answers) -> Region:
    found = _regions().get(answers.region.casefold())
    if found is None or found.locale not in LCID:
        raise InputError(
            f"the region {answers.region!r} is not one Joinery knows how to write for Windows: "
            "choose a region from the wizard's list and enroll again"
        )
    return Region(found.name, found.locale, ui_language(found.locale), found.keyboard)


@cache
def _regions() -> dict[str, locales.Region]:
    return {r.name.casefold(): r for r in locales.regions()}


@cache
def _keyboards() -> frozenset[str]:
    return frozenset(k.id.lower() for k in locales.keyboards())


def ui_language(locale: str) -> str:
    if locale in LANGUAGE_PACKS:
        return locale
    return _UI_EXACT_FALLBACK.get(locale) or _UI_FALLBACK.get(locale.split("-")[0], "en-US")


def input_locales(answers: Answers) -> list[str]:
    """InputLocale pairs, language:keyboard (0409:00000409), first keyboard first.

    The region's usual layout is paired with the region's language (nl-NL with the US
    International layout: 0413:00020409), any other layout with its own language (its KLID's
    last four digits), as Microsoft's Default Input Profiles pair them.
    """
    place = region(answers)
    pairs = []
    for klid in (answers.keyboard, answers.second_keyboard):
        if not klid:
            continue
        klid = klid.lower()
        if klid not in _keyboards():
            raise InputError(f"the keyboard layout {klid} is not one Joinery knows")
        language = LCID[place.locale] if klid == place.keyboard.lower() else klid[-4:]
        pair = f"{language}:{klid}"
        if pair not in pairs:
            pairs.append(pair)
    return pairs


def privacy(answers: Answers) -> Privacy:
    values = set(answers.privacy.values()) or {False}
    if values == {True}:
        return Privacy.ALL_ON
    if values == {False}:
        return Privacy.ALL_OFF
    return Privacy.MIXED


def keyboard_page_skipped(answers: Answers) -> bool:
    """Autopilot may skip the keyboard page: it then takes the layout of the language it is
    given, which needs Ethernet (Microsoft: "Automatically configure keyboard"), one layout,
    and that layout being the region's usual one."""
    return (
        answers.network == "wired"
        and not answers.second_keyboard
        and answers.keyboard.lower() == region(answers).keyboard.lower()
    )
