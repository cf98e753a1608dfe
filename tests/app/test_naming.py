"""Device names and %SERIAL% / %RAND:x% templates follow the WCD and Autopilot rules."""

from __future__ import annotations

import random
import re
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app import naming
from app.errors import InputError

# (name, words the reason must contain; None = valid)
NAMES = [
    ("CONTOSO-PC1", None),
    ("A", None),
    ("pc_lab_07", None),
    ("ABCDEFGHIJKLMNO", None),  # exactly 15
    ("ÄÖÜ-PC", None),  # 9 bytes
    ("東京-01", None),  # 9 bytes
    ("1-2", None),
    ("", "empty"),
    ("CONTOSO PC", "CONTOSO PC has a space; Windows device names can't contain spaces"),
    ("CONTOSO\u00a0PC", "space (U+00A0)"),
    ("CONTOSO.PC", "“.”"),
    ("A&B", "“&”"),
    ("A%B", "“%”"),
    ("A\\B", "“\\”"),
    ("A`B", "“`”"),
    ("TAB\tPC", "control character (U+0009)"),
    ("ZW\u200bJ", "invisible"),
    ("PC\ufe0f", "invisible"),
    ("PC😀", "emoji"),
    ("PC☕", "emoji"),
    ("𠀀PC", "emoji or symbols"),  # outside the BMP even though it is a letter
    ("ABCDEFGHIJKLMNOP", "16 characters"),
    ("Ä" * 8, "16 bytes"),
    ("-PC", "starts with a hyphen"),
    ("PC-", "ends with a hyphen"),
    ("123456789012", "all digits"),
    ("１２３", "all digits"),
]


@pytest.mark.parametrize(("name", "reason"), NAMES)
def test_name_truth_table(name: str, reason: str | None) -> None:
    problem = naming.name_problem(name)
    if reason is None:
        assert problem is None
        naming.check(name)
    else:
        assert problem is not None and reason in problem
        with pytest.raises(InputError, match=re.escape(problem)):
            naming.check(name)


def test_every_reserved_character_is_refused() -> None:
    for char in "{|}~[\\]^':;<=>?@!\"#$%`()+/.,*&":
        assert naming.name_problem(f"A{char}B") is not None, char


def test_utf8_byte_counting() -> None:
    assert naming.byte_length("ÄÖÜ-PC") == 9
    assert naming.name_problem("Ä" * 7 + "A") is None  # 15 bytes
    assert naming.name_problem("Ä" * 8) is not None


# (template, words the reason must contain; None = valid)
TEMPLATES = [
    ("CTS-%SERIAL%", None),
    ("Contoso-%RAND:5%", None),
    ("%SERIAL%", None),
    ("A%RAND:14%", None),
    ("PC-%SERIAL%-%RAND:3%", None),
    ("LAB7", None),
    ("", "empty"),
    ("CTS-%RAND%", "needs a digit count"),
    ("CTS-%RAND:%", "needs a digit count"),
    ("CTS-%RAND:0%", "1 to 14"),
    ("CTS-%RAND:15%", "1 to 14"),
    ("CTS-%RAND:03%", "1 to 14"),
    ("CTS-%rand:3%", "capitals"),
    ("CTS-%Serial%", "%SERIAL%, not %Serial%"),
    ("CTS-%NAME%", "not a macro"),
    ("CTS-%SERIAL", "doesn't start a macro"),
    ("100%-%SERIAL%", "doesn't start a macro"),
    ("CTS PC-%SERIAL%", "space"),
    ("CTS.%SERIAL%", "“.”"),
    ("%SERIAL%-%SERIAL%", "more than once"),
    ("-%SERIAL%", "starts or ends with a hyphen"),
    ("CTS-", "starts or ends with a hyphen"),
    ("CONTOSO-LAPTOP-%RAND:2%", "17 bytes"),
    ("CONTOSO-LAPTOP-%SERIAL%", "no room for the serial"),
    ("CONTOSO-%RAND:7%%SERIAL%", "no room for the serial"),
    ("%RAND:6%", "all-digit"),
    ("12%RAND:3%", "all-digit"),
    ("PC😀-%SERIAL%", "emoji"),
]


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        ("CTS-%SERIAL%", None),
        ("LAB-%RAND:4%", None),
        ("CTS_%SERIAL%", "“_”"),
        ("KÖLN-%RAND:3%", "“Ö”"),
    ],
)
def test_autopilot_template_takes_letters_digits_and_hyphens(
    template: str, reason: str | None
) -> None:
    problem = naming.template_problem(template, "autopilot")
    if reason is None:
        assert problem is None
    else:
        assert problem is not None and reason in problem and "letters, digits" in problem
    assert naming.template_problem(template, "bulk") is None  # WCD keeps Windows' own rules


def test_an_explicit_name_follows_the_method_rules() -> None:
    assert naming.name_problem_for("LAB_PC1", "bulk") is None
    assert "hyphens" in (naming.name_problem_for("LAB_PC1", "autopilot") or "")
    assert naming.name_problem_for("LAB-PC1", "autopilot") is None


@pytest.mark.parametrize(("template", "reason"), TEMPLATES)
def test_template_truth_table(template: str, reason: str | None) -> None:
    problem = naming.template_problem(template)
    if reason is None:
        assert problem is None
    else:
        assert problem is not None and reason in problem
        with pytest.raises(InputError):
            naming.expand(template, "ABC123")


def test_reference_example() -> None:
    assert naming.expand("Test-Device-%SERIAL%", "123456") == "Test-Device-456"


def test_serial_is_cut_from_the_front() -> None:
    assert naming.expand("CTS-%SERIAL%", "PF1ABCDEFGHIJKL") == "CTS-BCDEFGHIJKL"
    assert naming.expand("%SERIAL%", "X" + "0123456789ABCDE") == "0123456789ABCDE"
    assert naming.expand("%SERIAL%-PC", "ABCDEFGHIJKLMNOP") == "EFGHIJKLMNOP-PC"


def test_serial_is_cut_by_bytes() -> None:
    assert naming.expand("ÄÖÜ-%SERIAL%", "0123456789") == "ÄÖÜ-23456789"  # 7 + 8 bytes
    assert naming.expand("ABCDEFGHIJKL%SERIAL%", "ÄÖ1") == "ABCDEFGHIJKLÖ1"  # Ä won't fit


def test_unusable_serial_characters_are_dropped_first() -> None:
    vmware = "VMware-56 4d 1e 2f 3a"
    assert naming.expand("%SERIAL%", vmware) == "ware-564d1e2f3a"
    assert naming.expand("VM-%SERIAL%", vmware) == "VM-e-564d1e2f3a"
    assert naming.expand("PC-%SERIAL%", "AB.C/D E") == "PC-ABCDE"


def test_hyphen_left_at_the_edge_by_the_cut_is_dropped() -> None:
    assert naming.expand("ABCDEFGHIJ%SERIAL%", "XY-ABCD-") == "ABCDEFGHIJABCD"
    assert naming.expand("%SERIAL%X", "XYZ-ABCDEFGHIJKLM") == "ABCDEFGHIJKLMX"
    assert naming.expand("%SERIAL%-PC", "AB-CDEFGHIJKLM") == "CDEFGHIJKLM-PC"


def test_empty_or_unusable_serial_is_refused() -> None:
    with pytest.raises(InputError, match="serial number is empty"):
        naming.expand("CTS-%SERIAL%", "  ")
    with pytest.raises(InputError, match="no characters"):
        naming.expand("CTS-%SERIAL%", "#.#")
    assert naming.expand("CTS-%RAND:3%", "", rng=random.Random(1)).startswith("CTS-")


def test_numeric_serial_without_prefix_suggests_one() -> None:
    with pytest.raises(InputError, match=r"all digits.*CTS-%SERIAL%"):
        naming.expand("%SERIAL%", "012345678912")  # a Surface serial
    assert naming.expand("CTS-%SERIAL%", "012345678912") == "CTS-12345678912"


@pytest.mark.parametrize("digits", range(1, 15))
def test_rand_gives_exactly_x_digits(digits: int) -> None:
    prefix = "A" * (naming.MAX_BYTES - digits)
    rng = random.Random(digits)
    for _ in range(20):
        name = naming.expand(f"{prefix}%RAND:{digits}%", "S1", rng=rng)
        assert re.fullmatch(prefix + r"[0-9]{" + str(digits) + "}", name)


def test_rand_uses_system_randomness_by_default() -> None:
    names = {naming.expand("PC-%RAND:8%", "S1") for _ in range(5)}
    assert len(names) > 1


def test_preview_is_concrete_steady_and_never_raises() -> None:
    name, problem = naming.preview("PC-%RAND:4%", "S1")
    assert problem is None and name is not None and re.fullmatch(r"PC-[0-9]{4}", name)
    assert naming.preview("PC-%RAND:4%", "S1") == (name, None)
    assert naming.preview("CTS-%rand:4%", "S1") == (None, naming.template_problem("CTS-%rand:4%"))
    none, reason = naming.preview("%SERIAL%", "123456")
    assert none is None and reason is not None and "all digits" in reason


class Taken:
    """A `taken` callback that records what it was asked."""

    def __init__(self, names: set[str] | None = None, *, everything: bool = False) -> None:
        self.names = {n.casefold() for n in names or set()}
        self.everything = everything
        self.asked: list[str] = []

    def __call__(self, name: str) -> bool:
        self.asked.append(name)
        return self.everything or name.casefold() in self.names


def test_unique_name_returns_a_free_name_at_once() -> None:
    taken = Taken({"CTS-OTHER"})
    assert naming.unique_name("CTS-%SERIAL%", "ABC", taken) == "CTS-ABC"
    assert taken.asked == ["CTS-ABC"]


def test_unique_name_without_rand_gives_up_at_the_first_clash() -> None:
    taken = Taken({"cts-abc"})
    with pytest.raises(InputError, match=r"CTS-ABC is already used.*%RAND:"):
        naming.unique_name("CTS-%SERIAL%", "ABC", taken)
    assert taken.asked == ["CTS-ABC"]


def test_unique_name_retries_with_new_digits() -> None:
    first = naming.expand("PC-%RAND:6%", "S", rng=random.Random(7))
    taken = Taken({first})
    name = naming.unique_name("PC-%RAND:6%", "S", taken, rng=random.Random(7))
    assert name != first and len(taken.asked) == 2 and taken.asked[0] == first


def test_unique_name_gives_up_after_attempts() -> None:
    taken = Taken(everything=True)
    with pytest.raises(InputError, match=r"5 names .* were all used"):
        naming.unique_name("PC-%RAND:2%", "S", taken, rng=random.Random(1), attempts=5)
    assert len(taken.asked) == 5
    with pytest.raises(ValueError, match="at least 1"):
        naming.unique_name("PC-%RAND:2%", "S", taken, attempts=0)


def test_unique_name_checks_the_template_before_asking() -> None:
    taken = Taken()
    with pytest.raises(InputError, match="capitals"):
        naming.unique_name("PC-%rand:2%", "S", taken)
    assert taken.asked == []


FIXED = st.text(alphabet="ABCXYZabcxyz0189-_Ä東", min_size=1, max_size=6)
MACRO = st.one_of(st.just("%SERIAL%"), st.integers(1, 14).map(lambda x: f"%RAND:{x}%"))
TEMPLATES_ANY = st.lists(st.one_of(FIXED, MACRO), min_size=1, max_size=4).map("".join)
VALID_TEMPLATES = TEMPLATES_ANY.filter(lambda t: naming.template_problem(t) is None)
ASCII_SERIALS = st.text(alphabet=string.printable[:95], max_size=30)  # printable ASCII + space


@given(VALID_TEMPLATES, ASCII_SERIALS, st.randoms(use_true_random=False))
def test_expand_gives_a_valid_name_or_input_error(
    template: str, serial: str, rng: random.Random
) -> None:
    try:
        name = naming.expand(template, serial, rng=rng)
    except InputError:
        return
    assert naming.name_problem(name) is None
    assert len(name.encode()) <= naming.MAX_BYTES


@given(VALID_TEMPLATES, st.text(max_size=30))
def test_expand_survives_any_unicode_serial(template: str, serial: str) -> None:
    name, problem = naming.preview(template, serial)
    assert (name is None) != (problem is None)
    if name is not None:
        assert naming.name_problem(name) is None


@given(st.text(alphabet="AB1-%:RANDSERIL5 .", max_size=20))
def test_a_template_with_a_problem_never_expands(template: str) -> None:
    if naming.template_problem(template) is not None:
        with pytest.raises(InputError):
            naming.expand(template, "ABC123")


@given(st.text(max_size=20))
def test_name_problem_agrees_with_check(name: str) -> None:
    problem = naming.name_problem(name)
    if problem is None:
        naming.check(name)
        assert 0 < len(name.encode()) <= naming.MAX_BYTES
    else:
        with pytest.raises(InputError):
            naming.check(name)
