"""Device labels: a QR code with a small, secret-free payload, and the name and serial in text.

Payload, format version 1 (the prefix is the version; a new format gets a new prefix)::

    JNY1:<record id>:<serial>:<device name>:<group tag>

- ``record id`` is `Device.id` in ASCII decimal. The other three fields are text in which
  ``:``, ``%`` and every character outside printable ASCII are written as UTF-8 ``%XX``
  escapes, so the payload is plain ASCII that keyboard-wedge scanners type faithfully.
- The device name is cut to fit 45 encoded characters and the group tag to fit 64, between
  characters, never inside an escape; the printed text shows both whole. A missing name or
  tag is an empty field. The serial is never cut (the store holds at most 128 characters).
- Nothing else is in it: no user, hardware hash, product ID or token.

Codes use error correction level M, a quiet zone of 4 modules and modules of at least
0.33 mm. The longest payload of printable ASCII (19-digit id, 128-character serial, full name
and tag budgets) is 264 characters: QR version 12 at level M (287 bytes), an eighth of what the
largest code holds (2,331). Only serials with many escapes can outgrow a label; rendering then
raises InputError rather than print modules too small to scan.
"""

from __future__ import annotations

import html
import io
import logging
import math
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote_to_bytes

import qrcode
from PIL import Image, ImageDraw, ImageFont
from qrcode.image.svg import SvgPathImage

from app.autopilot import MAX_SERIAL
from app.domain import Device
from app.errors import Cancelled, InputError, KnownError
from app.fileutil import atomic_write

log = logging.getLogger(__name__)

PREFIX = "JNY1"
MAX_NAME_ENCODED = 45
MAX_TAG_ENCODED = 64
MIN_MODULE_MM = 0.33  # below this, handheld scanners miss codes (peers P9)
QUIET_ZONE = 4  # modules of white around the code, as ISO/IEC 18004 asks
FORMATS = (".png", ".svg", ".pdf")

_SAFE = "".join(chr(c) for c in range(0x20, 0x7F) if chr(c) not in ":%")
_FIELD = re.compile(r"(?:[\x20-\x24\x26-\x39\x3b-\x7e]|%[0-9A-Fa-f]{2})*")
_RECORD_ID = re.compile(r"[0-9]{1,19}")
_MAX_SCAN = 4096  # longer input is not a label; don't spend time on it
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_BOLD_FONTS = ("DejaVuSans-Bold.ttf", "arialbd.ttf", "segoeuib.ttf", "LiberationSans-Bold.ttf")
_REGULAR_FONTS = ("DejaVuSans.ttf", "arial.ttf", "segoeui.ttf", "LiberationSans-Regular.ttf")
_SVG_FONTS = "DejaVu Sans, Arial, Helvetica, sans-serif"
_SVG_DPI = 300  # the SVG is laid out like a 300 dpi PNG, then written in millimetres

Box = tuple[int, int, int, int]  # left, top, right, bottom in pixels


@dataclass(frozen=True)
class LabelPayload:
    """What a Joinery label's code says: the allowlisted fields and nothing else."""

    record_id: int
    serial: str
    device_name: str | None = None
    group_tag: str | None = None

    @classmethod
    def of(cls, device: Device) -> LabelPayload:
        """The allowlisted fields of `device`, name and tag cut to their payload budgets."""
        return cls(
            record_id=device.id,
            serial=device.serial,
            device_name=_clip(device.device_name, MAX_NAME_ENCODED),
            group_tag=_clip(device.group_tag, MAX_TAG_ENCODED),
        )

    def encode(self) -> str:
        """The ``JNY1:...`` text; InputError if there is no serial or the id is out of range."""
        if not 0 < len(self.serial) <= MAX_SERIAL:
            raise InputError(f"a label needs a serial number of 1 to {MAX_SERIAL} characters")
        if not 0 <= self.record_id < 2**63:
            raise InputError(f"record id {self.record_id} cannot be put on a label")
        fields = (self.serial, self.device_name or "", self.group_tag or "")
        return ":".join((PREFIX, str(self.record_id), *map(_quote, fields)))


def payload(device: Device) -> str:
    """The QR payload for `device` (format in the module docstring)."""
    return LabelPayload.of(device).encode()


def parse_payload(text: object) -> LabelPayload | None:
    """The fields of a scanned Joinery label, or None for anything else; never raises.

    None lets the caller treat the input as something else, such as a plain serial.
    """
    if not isinstance(text, str) or len(text) > _MAX_SCAN:
        return None
    parts = text.rstrip("\r\n").split(":")
    if len(parts) != 5 or parts[0] != PREFIX or not _RECORD_ID.fullmatch(parts[1]):
        return None
    record_id = int(parts[1])
    serial, name, tag = (_unquote(part) for part in parts[2:])
    if record_id >= 2**63 or not serial or name is None or tag is None:
        return None
    return LabelPayload(record_id, serial, name or None, tag or None)


def _quote(text: str) -> str:
    return quote(text, safe=_SAFE, errors="replace")


def _unquote(field: str) -> str | None:
    if not _FIELD.fullmatch(field):
        return None
    try:
        return unquote_to_bytes(field).decode("utf-8")
    except UnicodeDecodeError:
        return None


def _clip(text: str | None, budget: int) -> str | None:
    kept: list[str] = []
    used = 0
    for char in text or "":
        used += len(_quote(char))
        if used > budget:
            break
        kept.append(char)
    return "".join(kept) or None


@dataclass(frozen=True)
class LabelSize:
    """One label in millimetres; `padding_mm` keeps the text and the code off its edges."""

    width_mm: float
    height_mm: float
    padding_mm: float = 1.0


@dataclass(frozen=True)
class LabelLayout:
    """A page of `columns` × `rows` labels, row by row; all lengths in millimetres.

    Labels may reach into `printer_margin_mm` (edge-to-edge sheets) but their content stays
    out of it, because most printers cannot print there.
    """

    name: str
    page_width_mm: float
    page_height_mm: float
    label: LabelSize
    columns: int
    rows: int
    margin_left_mm: float = 0.0
    margin_top_mm: float = 0.0
    gap_x_mm: float = 0.0
    gap_y_mm: float = 0.0
    printer_margin_mm: float = 0.0

    def __post_init__(self) -> None:
        right = self.margin_left_mm + self.columns * (self.label.width_mm + self.gap_x_mm)
        bottom = self.margin_top_mm + self.rows * (self.label.height_mm + self.gap_y_mm)
        too_big = right - self.gap_x_mm > self.page_width_mm + 0.01 or (
            bottom - self.gap_y_mm > self.page_height_mm + 0.01
        )
        if self.columns < 1 or self.rows < 1 or too_big:
            raise InputError(f"label layout {self.name!r} does not fit its page")

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def page_px(self, dpi: int) -> tuple[int, int]:
        return _px(self.page_width_mm, dpi), _px(self.page_height_mm, dpi)

    def cells_px(self, dpi: int) -> list[Box]:
        """Each label's box on the page at `dpi`, row by row."""
        width, height = self.label.width_mm, self.label.height_mm
        boxes = []
        for row in range(self.rows):
            top = self.margin_top_mm + row * (height + self.gap_y_mm)
            for column in range(self.columns):
                left = self.margin_left_mm + column * (width + self.gap_x_mm)
                boxes.append(
                    (_px(left, dpi), _px(top, dpi), _px(left + width, dpi), _px(top + height, dpi))
                )
        return boxes


LABEL_62X29 = LabelSize(62, 29)
A4_3x10 = LabelLayout("A4_3x10", 210, 297, LabelSize(70, 29.7), 3, 10, printer_margin_mm=5)
LETTER_3x10 = LabelLayout(  # Avery 5160: 2.625 × 1 in, 0.5 in top, 0.1875 in left margin
    "LETTER_3x10", 215.9, 279.4, LabelSize(66.675, 25.4), 3, 10,
    margin_left_mm=4.7625, margin_top_mm=12.7, gap_x_mm=3.175, printer_margin_mm=5,
)  # fmt: skip
TAPE_62MM = LabelLayout("TAPE_62MM", 62, 29, LABEL_62X29, 1, 1, printer_margin_mm=1.5)
LAYOUTS = {layout.name: layout for layout in (A4_3x10, LETTER_3x10, TAPE_62MM)}


@dataclass(frozen=True)
class _Line:
    text: str
    bold: bool
    size: int  # font size in pixels
    x: int
    baseline: int


@dataclass(frozen=True)
class _Plan:
    """Where the code and the text of one label go, in page pixels."""

    code: Any  # qrcode.QRCode, already made
    x: int
    y: int
    module: int
    lines: tuple[_Line, ...]


def _px(mm: float, dpi: int) -> int:
    return round(mm * dpi / 25.4)


def _check_dpi(dpi: int) -> None:
    if not 72 <= dpi <= 1200:
        raise InputError(f"labels are rendered at 72 to 1200 dpi, not {dpi}")


def _make_code(text: str) -> Any:
    code = qrcode.QRCode(error_correction=qrcode.ERROR_CORRECT_M, border=QUIET_ZONE, box_size=10)
    code.add_data(text)
    code.make(fit=True)
    return code


def _place_code(n: int, cell: Box, content: Box, smallest: int) -> tuple[int, int, int] | None:
    """Module size and top-left of an n-module code (quiet zone included) whose dark part
    lies in `content` and whole in `cell`, at most 40% of the cell wide; None if none fits."""
    cl, ct, cr, cb = cell
    hl, ht, hr, hb = content
    q = QUIET_ZONE
    largest = min((cb - ct) // n, (hb - ht) // (n - 2 * q), (cr - cl) * 2 // (5 * n))
    for module in range(largest, smallest - 1, -1):
        x_lo, x_hi = max(cl, hl - q * module), min(cr - n * module, hr - (n - q) * module)
        y_lo, y_hi = max(ct, ht - q * module), min(cb - n * module, hb - (n - q) * module)
        if x_lo <= x_hi and y_lo <= y_hi:
            return module, x_lo, (y_lo + y_hi) // 2
    return None


def _plan(device: Device, cell: Box, content: Box, dpi: int, size: LabelSize) -> _Plan:
    code = _make_code(payload(device))
    n = len(code.get_matrix())
    placed = _place_code(n, cell, content, math.ceil(MIN_MODULE_MM * dpi / 25.4))
    if placed is None:
        raise InputError(
            f"the code for serial {device.serial!r} needs {n} modules of at least "
            f"{MIN_MODULE_MM} mm and does not fit a {size.width_mm} × {size.height_mm} mm label"
        )
    module, x, y = placed
    text_box = (x + n * module + _px(0.5, dpi), content[1], content[2], content[3])
    return _Plan(code, x, y, module, _text_lines(device, text_box, dpi))


def _text_lines(device: Device, box: Box, dpi: int) -> tuple[_Line, ...]:
    """The name large and bold, then serial, group tag and record id, shrunk to fit `box`."""
    left, top, right, bottom = box
    width, height = right - left, bottom - top
    name, serial = _display(device.device_name), _display(device.serial)
    title = name or serial
    details = [f"S/N {serial}"] if name else []
    details += [_display(device.group_tag)] if device.group_tag else []
    details.append(f"Record {device.id}")
    point = dpi / 72
    least_title, least_detail = round(8 * point), round(6 * point)
    title_size = max(least_title, min(round(height * 0.3), round(16 * point)))
    while title_size > least_title and _font(True, title_size).getlength(title) > width:
        title_size = max(least_title, int(title_size * 0.94))
    detail_size = max(
        least_detail, min(round(height * 0.14), round(10 * point), title_size * 3 // 4)
    )
    for scale in (1.0, 0.9, 0.8, 0.7, 0.6, 0.5):
        t, d = (
            max(least_title, round(title_size * scale)),
            max(least_detail, round(detail_size * scale)),
        )
        rows = [(_wrap(title, _font(True, t), width, 1), True, t)]
        rows += [(_wrap(text, _font(False, d), width, 2), False, d) for text in details]
        total = sum(round(size * 1.2) * len(wrapped) for wrapped, _, size in rows)
        if total <= height:
            break
    lines: list[_Line] = []
    y = top + max(0, (height - total) // 2)
    for wrapped, bold, size in rows:
        for text in wrapped:
            if y + size > bottom:
                return tuple(lines)  # what does not fit at the smallest size is left off
            lines.append(_Line(text, bold, size, left, y + round(size * 0.95)))
            y += round(size * 1.2)
    return tuple(lines)


def _display(text: str | None) -> str:
    return _UNPRINTABLE.sub("?", text or "")


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int, max_lines: int) -> list[str]:
    """`text` in at most `max_lines` lines of `width` pixels, breaking at spaces if it can;
    the last line ends in an ellipsis if text is left over."""
    lines: list[str] = []
    rest = text
    while rest:
        cut = _fit(rest, font, width, "")
        if cut < len(rest) and len(lines) == max_lines - 1:
            lines.append(rest[: _fit(rest, font, width, "…")].rstrip() + "…")
            break
        space = rest.rfind(" ", 1, cut + 1)
        if cut < len(rest) and space > 0:
            cut = space
        lines.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return lines


def _fit(text: str, font: ImageFont.FreeTypeFont, width: int, tail: str) -> int:
    """The longest prefix of `text` that fits `width` with `tail` after it (at least 1)."""
    lo, hi = 1, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if font.getlength(text[:mid] + tail) <= width:
            lo = mid
        else:
            hi = mid - 1
    return lo


@lru_cache(maxsize=2)
def _base_font(bold: bool) -> ImageFont.FreeTypeFont:
    for name in _BOLD_FONTS if bold else _REGULAR_FONTS:
        try:
            return ImageFont.truetype(name, 12)
        except OSError:
            continue
    font = ImageFont.load_default(12)
    if isinstance(font, ImageFont.FreeTypeFont):
        return font
    raise KnownError("this Pillow was built without FreeType, which label text needs")


@lru_cache(maxsize=256)
def _font(bold: bool, size: int) -> ImageFont.FreeTypeFont:
    return _base_font(bold).font_variant(size=size)


def _draw(page: Image.Image, plan: _Plan) -> None:
    matrix = plan.code.get_matrix()
    n = len(matrix)
    code = Image.new("L", (n, n))
    code.putdata([0 if dark else 255 for row in matrix for dark in row])
    page.paste(
        code.resize((n * plan.module, n * plan.module), Image.Resampling.NEAREST), (plan.x, plan.y)
    )
    draw = ImageDraw.Draw(page)
    for line in plan.lines:
        draw.text(
            (line.x, line.baseline),
            line.text,
            font=_font(line.bold, line.size),
            fill=0,
            anchor="ls",
        )


def _label_plan(device: Device, size: LabelSize, dpi: int) -> tuple[tuple[int, int], _Plan]:
    width, height, pad = (
        _px(size.width_mm, dpi),
        _px(size.height_mm, dpi),
        _px(size.padding_mm, dpi),
    )
    plan = _plan(device, (0, 0, width, height), (pad, pad, width - pad, height - pad), dpi, size)
    return (width, height), plan


def render_png(device: Device, *, dpi: int = 300, size: LabelSize = LABEL_62X29) -> bytes:
    """One label as a greyscale PNG of `size` at `dpi`, with the dpi recorded in the file."""
    _check_dpi(dpi)
    pixels, plan = _label_plan(device, size, dpi)
    image = Image.new("L", pixels, 255)
    _draw(image, plan)
    out = io.BytesIO()
    image.save(out, "PNG", dpi=(dpi, dpi), optimize=True)
    return out.getvalue()


def render_svg(device: Device, *, size: LabelSize = LABEL_62X29) -> bytes:
    """One label as a standalone SVG in millimetres, its text as <text> elements."""
    _, plan = _label_plan(device, size, _SVG_DPI)

    def mm(px: float) -> str:
        return f"{px * 25.4 / _SVG_DPI:.3f}".rstrip("0").rstrip(".")

    path = plan.code.make_image(image_factory=SvgPathImage).path.get("d")
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{size.width_mm}mm" '
        f'height="{size.height_mm}mm" viewBox="0 0 {size.width_mm} {size.height_mm}">',
        '<rect width="100%" height="100%" fill="#ffffff"/>',
        f'<path transform="translate({mm(plan.x)} {mm(plan.y)}) scale({mm(plan.module)})" '
        f'fill="#000000" shape-rendering="crispEdges" d="{path}"/>',
    ]
    for line in plan.lines:
        weight = ' font-weight="bold"' if line.bold else ""
        parts.append(
            f'<text x="{mm(line.x)}" y="{mm(line.baseline)}" font-family="{_SVG_FONTS}" '
            f'font-size="{mm(line.size)}"{weight}>{html.escape(line.text)}</text>'
        )
    parts.append("</svg>\n")
    return "\n".join(parts).encode("utf-8")


def render_sheet_images(
    devices: Sequence[Device],
    layout: LabelLayout,
    *,
    dpi: int = 300,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> list[Image.Image]:
    """One black-and-white page per `layout.per_page` devices, labels filled row by row."""
    _check_dpi(dpi)
    total = math.ceil(len(devices) / layout.per_page)
    width, height = layout.page_px(dpi)
    edge = _px(layout.printer_margin_mm, dpi)
    pad = _px(layout.label.padding_mm, dpi)
    cells = layout.cells_px(dpi)
    pages = []
    for number in range(total):
        if cancelled is not None and cancelled():
            raise Cancelled("label printing was cancelled")
        page = Image.new("L", (width, height), 255)
        chunk = devices[number * layout.per_page : (number + 1) * layout.per_page]
        for device, (left, top, right, bottom) in zip(chunk, cells, strict=False):
            content = (
                max(left + pad, edge),
                max(top + pad, edge),
                min(right - pad, width - edge),
                min(bottom - pad, height - edge),
            )
            _draw(page, _plan(device, (left, top, right, bottom), content, dpi, layout.label))
        # Bilevel pages are what label printers print, and Pillow stores them losslessly.
        pages.append(page.convert("1", dither=Image.Dither.NONE))
        if progress is not None:
            progress(number + 1, total)
    return pages


def render_pdf(
    devices: Sequence[Device],
    *,
    layout: LabelLayout = A4_3x10,
    dpi: int = 300,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> bytes:
    """Labels for `devices` as a PDF of raster pages the size of `layout`'s page."""
    pages = render_sheet_images(devices, layout, dpi=dpi, progress=progress, cancelled=cancelled)
    if not pages:
        raise InputError("there are no devices to print labels for")
    out = io.BytesIO()
    pages[0].save(out, "PDF", resolution=dpi, save_all=True, append_images=pages[1:])
    return out.getvalue()


def write_label(
    device: Device,
    path: str | os.PathLike[str],
    *,
    layout: LabelLayout = TAPE_62MM,
    dpi: int = 300,
) -> Path:
    """Save one label as PNG, SVG or PDF (chosen by the suffix), whole or not at all."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix == ".png":
        data = render_png(device, dpi=dpi, size=layout.label)
    elif suffix == ".svg":
        data = render_svg(device, size=layout.label)
    elif suffix == ".pdf":
        data = render_pdf([device], layout=layout, dpi=dpi)
    else:
        allowed = ", ".join(FORMATS)
        raise InputError(
            f"{target.name}: labels are saved as {allowed}, not {suffix or 'no suffix'}"
        )
    try:
        with atomic_write(target, binary=True) as handle:
            handle.write(data)
    except OSError as exc:
        raise KnownError(f"could not save the label to {target}: {exc.strerror or exc}") from exc
    log.info("saved a %s label for record %s", suffix[1:], device.id)
    return target
