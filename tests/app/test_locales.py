"""The shipped Windows regions and keyboard layouts are well formed and agree."""

from __future__ import annotations

import re

from app import locales
from app.enrollment import Answers


def test_keyboard_ids_are_klids_and_unique() -> None:
    ids = [k.id for k in locales.keyboards()]
    assert len(ids) == len(set(ids)) >= 40
    assert all(re.fullmatch(r"[0-9a-f]{8}", i) for i in ids)
    assert locales.keyboard("00000409") == locales.Keyboard("00000409", "US")


def test_every_region_has_a_known_keyboard_and_locale() -> None:
    regions = locales.regions()
    assert len({r.geoid for r in regions}) == len(regions) >= 30
    for region in regions:
        assert locales.keyboard(region.keyboard) is not None, region
        assert re.fullmatch(r"[a-z]{2}-[A-Z]{2}", region.locale), region
    assert [r.name for r in regions] == sorted(r.name for r in regions)


def test_default_profile_answers_exist_in_the_lists() -> None:
    answers = Answers()
    found = locales.region(answers.region)
    assert found is not None and found.geoid == 244
    assert locales.keyboard(answers.keyboard) is not None
