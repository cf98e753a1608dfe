"""Labels (reliability T-OP-5): every code decodes, says only allowlisted fields, fits its label."""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import zxingcpp
from defusedxml import ElementTree
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from app import labels
from app.domain import Device
from app.errors import Cancelled, InputError, KnownError
from app.labels import TAPE_62MM, A4_3x10, LabelPayload, LETTER_3x10, parse_payload, payload

CANARY = "CANARY-7f3e9d1c"
SVG = "{http://www.w3.org/2000/svg}"
VMWARE = ("VMware-56 4d 3b 9f 8a 4e 2c 1d-7e 3f 5a 1b 2c 3d 4e 5f " * 3).strip()[:128]
SIZES = [layout.label for layout in (A4_3x10, LETTER_3x10, TAPE_62MM)]


def make_device(**changes: object) -> Device:
    base = Device(
        id=42,
        serial="PF3ABCDE",
        manufacturer="LENOVO",
        model="ThinkPad T14",
        product_id="00330-80000-00000-AA123",
        group_tag="Sales-EU",
        assigned_user="ana@contoso.com",
        device_name="CTS-PF3ABCDE",
        join_type="entraJoined",
        provisioning_method="autopilot",
        ownership="company",
        os_edition="Enterprise",
        os_version="10.0.22631",
        management_authority="intune",
        enrollment_status="registered",
        compliance_state="notEvaluated",
        last_checkin=None,
        lineage=0,
        has_hash=True,
        created_at="2025-01-01T00:00:00Z",
        updated_at="2025-01-01T00:00:00Z",
    )
    return dataclasses.replace(base, **changes)


DEVICES = {
    "normal": make_device(),
    "vmware-128": make_device(id=1234567, serial=VMWARE, device_name="ABCDEFGHIJKLMNO"),
    "unicode-tag": make_device(id=7, group_tag="Café-Zürich", device_name="Zürich-01"),
    "bare": make_device(id=8, serial="5CG1234XYZ", device_name=None, group_tag=None),
    "long-everything": make_device(
        id=2**40, serial=VMWARE, device_name="N" * 15, group_tag="T" * 512
    ),
}


@dataclasses.dataclass(frozen=True)
class SecretDevice(Device):
    """A device carrying something that must never reach a label."""

    token: str = CANARY


def decode(image: Image.Image) -> list[zxingcpp.Barcode]:
    return zxingcpp.read_barcodes(image.convert("L"), formats=zxingcpp.BarcodeFormat.QRCode)


def decode_png(data: bytes) -> zxingcpp.Barcode:
    found = decode(Image.open(io.BytesIO(data)))
    assert len(found) == 1
    return found[0]


# --- payload -----------------------------------------------------------------------------


def test_payload_is_the_documented_format() -> None:
    device = make_device(group_tag="Café-Zürich", serial="AB:12%")
    assert payload(device) == "JNY1:42:AB%3A12%25:CTS-PF3ABCDE:Caf%C3%A9-Z%C3%BCrich"
    assert payload(make_device(device_name=None, group_tag=None)) == "JNY1:42:PF3ABCDE::"


def test_payload_cuts_name_and_tag_but_never_the_serial_or_inside_an_escape() -> None:
    parsed = parse_payload(payload(DEVICES["long-everything"]))
    assert parsed == LabelPayload(2**40, VMWARE, "N" * 15, "T" * 64)
    accented = parse_payload(payload(make_device(group_tag="é" * 64, device_name="ü" * 20)))
    assert accented is not None
    assert accented.group_tag == "é" * 10  # 6 encoded characters each, 64 at most
    assert accented.device_name == "ü" * 7


def test_payload_needs_a_serial() -> None:
    with pytest.raises(InputError, match="serial"):
        payload(make_device(serial=""))


def test_payload_stays_far_below_qr_capacity_at_level_m() -> None:
    text = payload(
        make_device(id=2**63 - 1, serial=VMWARE, device_name="N" * 15, group_tag="T" * 512)
    )
    assert len(text) <= 300  # a version 40 code holds 2,331 bytes at level M
    found = decode_png(labels.render_png(DEVICES["long-everything"], size=LETTER_3x10.label))
    assert found.ec_level == "M"
    assert int(found.extra["Version"]) <= 12


optional_text = st.one_of(st.none(), st.text(min_size=1))


@given(
    record_id=st.integers(0, 2**63 - 1),
    serial=st.text(min_size=1, max_size=128),
    name=optional_text,
    tag=optional_text,
)
def test_payload_round_trips(
    record_id: int, serial: str, name: str | None, tag: str | None
) -> None:
    label = LabelPayload(record_id, serial, name, tag)
    text = label.encode()
    assert re.fullmatch(r"[\x20-\x7e]+", text)  # plain ASCII: keyboard-wedge scanners type it
    assert text.count(":") == 4
    assert parse_payload(text) == label
    assert parse_payload(text + "\r\n") == label


@given(st.text(max_size=300) | st.text(max_size=300).map(lambda s: "JNY1:" + s))
def test_parse_payload_never_raises(text: str) -> None:
    result = parse_payload(text)
    assert result is None or result.serial


@pytest.mark.parametrize(
    "junk",
    [
        None,
        42,
        b"JNY1:1:A::",
        "",
        "PF3ABCDE",
        "VMware-56 4d 3b 9f 8a 4e 2c 1d-7e 3f 5a 1b 2c 3d 4e 5f",
        "JNY2:1:A::",
        "jny1:1:A::",
        "JNY1:1:A:",
        "JNY1:1:A:B:C:D",
        "JNY1::A::",
        "JNY1:x:A::",
        "JNY1:-1:A::",
        "JNY1:+1:A::",
        "JNY1:١:A::",  # an Arabic-Indic digit one
        f"JNY1:{2**63}:A::",
        "JNY1:1:::",
        "JNY1:1:A%ZZ::",
        "JNY1:1:A%C3::",  # half a UTF-8 sequence
        "JNY1:1:A%C::",
        "JNY1:1:A\tB::",
        "JNY1:1:Zürich::",  # raw non-ASCII: not written by us
        "JNY1:1:" + "A" * 5000 + "::",
    ],
)
def test_parse_payload_refuses_what_is_not_a_joinery_label(junk: object) -> None:
    assert parse_payload(junk) is None


def test_truncated_payloads_are_refused() -> None:
    text = payload(DEVICES["unicode-tag"])
    last_colon = text.rindex(":")
    for end in range(len(text)):
        cut = text[:end]
        if end <= last_colon or re.search(r"%.?$", cut):
            assert parse_payload(cut) is None, cut


# --- rendering -------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES, ids=["70x29.7", "66.7x25.4", "62x29"])
@pytest.mark.parametrize("case", sorted(DEVICES))
def test_every_png_decodes_to_its_payload(case: str, size: labels.LabelSize) -> None:
    device = DEVICES[case]
    found = decode_png(labels.render_png(device, size=size))
    assert found.text == payload(device)
    assert found.ec_level == "M"
    assert parse_payload(found.text) == LabelPayload.of(device)


@pytest.mark.parametrize("dpi", [203, 300, 600])
def test_png_size_and_module_follow_the_dpi(dpi: int) -> None:
    data = labels.render_png(DEVICES["vmware-128"], dpi=dpi, size=TAPE_62MM.label)
    image = Image.open(io.BytesIO(data))
    assert image.size == (round(62 * dpi / 25.4), round(29 * dpi / 25.4))
    assert image.info["dpi"] == pytest.approx((dpi, dpi), abs=0.01)
    found = decode(image)[0]
    modules = 17 + 4 * int(found.extra["Version"])
    span = found.position.top_right.x - found.position.top_left.x
    assert span / modules * 25.4 / dpi >= labels.MIN_MODULE_MM


def test_png_keeps_a_quiet_zone_of_four_modules() -> None:
    image = Image.open(io.BytesIO(labels.render_png(DEVICES["normal"]))).convert("L")
    found = decode(image)[0]
    module = (found.position.top_right.x - found.position.top_left.x) / (
        17 + 4 * int(found.extra["Version"])
    )
    left, top = found.position.top_left.x, found.position.top_left.y
    bottom = found.position.bottom_left.y
    zone = image.crop((round(left - 4 * module), top, left - 1, bottom))
    assert zone.getextrema() == (255, 255)
    assert left >= 4 * module - 1


def test_png_with_the_fallback_font_still_decodes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(labels, "_BOLD_FONTS", ("no-such-font.ttf",))
    monkeypatch.setattr(labels, "_REGULAR_FONTS", ("no-such-font.ttf",))
    labels._base_font.cache_clear()
    labels._font.cache_clear()
    try:
        device = DEVICES["unicode-tag"]
        assert decode_png(labels.render_png(device)).text == payload(device)
    finally:
        labels._base_font.cache_clear()
        labels._font.cache_clear()


def test_rendering_refuses_a_bad_dpi_or_a_label_too_small_for_the_code() -> None:
    with pytest.raises(InputError, match="dpi"):
        labels.render_png(DEVICES["normal"], dpi=20)
    with pytest.raises(InputError, match="does not fit"):
        labels.render_png(DEVICES["vmware-128"], size=labels.LabelSize(30, 12))


def svg_root(data: bytes) -> ElementTree.Element:
    return ElementTree.fromstring(data)


@pytest.mark.parametrize("case", sorted(DEVICES))
def test_svg_is_standalone_and_shows_the_name(case: str) -> None:
    device = DEVICES[case]
    data = labels.render_svg(device)
    assert data.startswith(b"<?xml")
    root = svg_root(data)
    assert root.tag == f"{SVG}svg"
    assert (root.get("width"), root.get("height")) == ("62mm", "29mm")
    texts = [element.text or "" for element in root.iter(f"{SVG}text")]
    assert texts[0] == (device.device_name or device.serial)
    assert any(text.startswith(f"Record {device.id}") for text in texts)
    assert root.find(f"{SVG}path") is not None


def test_svg_escapes_markup_and_drops_control_characters() -> None:
    device = make_device(device_name="<b>&amp;", group_tag="A\x01B\x7f]]>")
    texts = [e.text for e in svg_root(labels.render_svg(device)).iter(f"{SVG}text")]
    assert texts[0] == "<b>&amp;"
    assert "A?B?]]>" in texts


def test_no_canary_reaches_any_output() -> None:
    planted = {
        field.name: CANARY
        for field in dataclasses.fields(Device)
        if field.type in ("str | None", "str")
        and field.name not in ("serial", "device_name", "group_tag")
    }
    device = SecretDevice(**{**dataclasses.asdict(make_device()), **planted})
    text = payload(device)
    png = labels.render_png(device)
    image = Image.open(io.BytesIO(png))
    outputs = {
        "payload": text.encode(),
        "decoded": decode(image)[0].text.encode(),
        "png": png,
        "png metadata": repr(image.info).encode(),
        "svg": labels.render_svg(device),
        "pdf": labels.render_pdf([device], layout=TAPE_62MM),
    }
    assert {name for name, data in outputs.items() if CANARY.encode() in data} == set()
    assert parse_payload(text) == LabelPayload(42, "PF3ABCDE", "CTS-PF3ABCDE", "Sales-EU")


# --- sheets and PDF ----------------------------------------------------------------------


def many_devices(count: int) -> list[Device]:
    special = list(DEVICES.values())
    return [
        special[i] if i < len(special) else make_device(id=1000 + i, serial=f"SN{i:06d}")
        for i in range(count)
    ]


@pytest.mark.parametrize(
    ("layout", "count", "pages"), [(A4_3x10, 31, 2), (LETTER_3x10, 12, 1), (TAPE_62MM, 3, 3)]
)
def test_every_label_on_a_sheet_decodes(layout: labels.LabelLayout, count: int, pages: int) -> None:
    devices = many_devices(count)
    seen: list[tuple[int, int]] = []
    images = labels.render_sheet_images(devices, layout, progress=lambda *p: seen.append(p))
    assert len(images) == pages
    assert seen == [(n, pages) for n in range(1, pages + 1)]
    assert {image.size for image in images} == {layout.page_px(300)}
    cells = layout.cells_px(300)
    for index in range(pages * layout.per_page):
        page = images[index // layout.per_page]
        found = decode(page.crop(cells[index % layout.per_page]))
        expected = [payload(devices[index])] if index < count else []
        assert [barcode.text for barcode in found] == expected, index


def test_sheet_rendering_can_be_cancelled() -> None:
    with pytest.raises(Cancelled):
        labels.render_sheet_images(many_devices(31), A4_3x10, cancelled=lambda: True)


@pytest.mark.parametrize(("count", "pages"), [(1, 1), (30, 1), (31, 2)])
def test_pdf_has_one_page_per_sheet(count: int, pages: int) -> None:
    data = labels.render_pdf(many_devices(count), layout=A4_3x10)
    assert data.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b", data)) == pages


def test_pdf_needs_devices() -> None:
    with pytest.raises(InputError, match="no devices"):
        labels.render_pdf([])


def test_layouts_match_their_label_stock() -> None:
    a4 = A4_3x10.cells_px(300)
    assert len(a4) == 30
    assert a4[-1][2:] == A4_3x10.page_px(300)  # edge to edge
    letter = LETTER_3x10.cells_px(300)
    assert letter[0][:2] == (56, 150)  # 0.1875 in, 0.5 in
    assert LETTER_3x10.page_px(300)[0] - letter[2][2] == letter[0][0]  # centred
    assert TAPE_62MM.cells_px(300) == [(0, 0, *TAPE_62MM.page_px(300))]
    with pytest.raises(InputError, match="does not fit"):
        labels.LabelLayout("too-big", 100, 100, labels.LabelSize(60, 30), 2, 1)


# --- files -------------------------------------------------------------------------------


@pytest.fixture
def folder(tmp_path: Path) -> Iterator[Path]:
    target = tmp_path / "labels"
    target.mkdir()
    yield target
    leftovers = [p.name for p in target.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


@pytest.mark.parametrize(
    ("name", "magic"), [("a.png", b"\x89PNG"), ("b.SVG", b"<?xml"), ("c.pdf", b"%PDF")]
)
def test_write_label_picks_the_format_by_suffix(folder: Path, name: str, magic: bytes) -> None:
    path = labels.write_label(DEVICES["normal"], folder / name)
    assert path.read_bytes().startswith(magic)


def test_write_label_replaces_an_old_file(folder: Path) -> None:
    target = folder / "label.png"
    target.write_bytes(b"old")
    labels.write_label(DEVICES["normal"], str(target))
    assert decode_png(target.read_bytes()).text == payload(DEVICES["normal"])


@pytest.mark.parametrize("name", ["label.jpg", "label", "label.png.txt"])
def test_write_label_refuses_other_suffixes(folder: Path, name: str) -> None:
    with pytest.raises(InputError, match=r"\.png, \.svg, \.pdf"):
        labels.write_label(DEVICES["normal"], folder / name)
    assert list(folder.iterdir()) == []


def test_write_label_to_a_missing_folder_is_a_known_error(tmp_path: Path) -> None:
    with pytest.raises(KnownError, match="could not save"):
        labels.write_label(DEVICES["normal"], tmp_path / "missing" / "label.png")
