"""Print a device's QR label through the system's printers, with a preview first."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QRectF, QSizeF, Qt
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QDialog, QWidget

from app import services
from app.domain import Device
from app.security.roles import Actor

LABEL_MM = QSizeF(62, 29)  # the tape label app.labels renders by default


def label_printer() -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPageSize(QPageSize(LABEL_MM, QPageSize.Unit.Millimeter, "Joinery label"))
    printer.setPageOrientation(QPageLayout.Orientation.Portrait)
    printer.setFullPage(True)
    return printer


def paint_label(printer: QPrinter, device: Device) -> None:
    """Draw the label image (rendered by app.labels at the printer's resolution) on a page."""
    dpi = max(150, min(printer.resolution(), 600))
    image = QImage.fromData(services.label_png(device, dpi=dpi))
    painter = QPainter(printer)
    try:
        page = printer.pageRect(QPrinter.Unit.DevicePixel)
        target = QRectF(0, 0, page.width(), page.height())
        scaled = image.size().scaled(target.size().toSize(), Qt.AspectRatioMode.KeepAspectRatio)
        painter.drawImage(QRectF(0, 0, scaled.width(), scaled.height()), image)
    finally:
        painter.end()


def preview_and_print(parent: QWidget, device: Device) -> QPrintPreviewDialog:
    """The print preview; printing from it goes to the printer the operator picks."""
    printer = label_printer()
    dialog = QPrintPreviewDialog(printer, parent)
    dialog.setWindowTitle(parent.tr("Print label for {s}").format(s=device.serial))
    dialog.paintRequested.connect(lambda target: paint_label(target, device))
    # The dialog keeps only a C++ pointer to the printer: hold the Python object as long.
    _printers[dialog] = printer
    dialog.finished.connect(lambda _result: _printers.pop(dialog, None))
    return dialog


_printers: dict[QPrintPreviewDialog, QPrinter] = {}


def print_label(
    parent: QWidget,
    device: Device,
    *,
    on_printed: Callable[[], None],
    on_cancelled: Callable[[], None] | None = None,
) -> QPrintPreviewDialog:
    """Open the label's print preview; `on_printed` when the operator printed from it,
    `on_cancelled` when it was closed without printing (so the caller can queue it)."""
    dialog = preview_and_print(parent, device)
    dialog.accepted.connect(on_printed)
    if on_cancelled is not None:
        dialog.rejected.connect(on_cancelled)
    dialog.open()
    return dialog


def print_and_record(
    parent: QWidget,
    db_path: str,
    device: Device,
    actor: Actor,
    present: Callable[[QDialog], None] | None = None,
) -> QPrintPreviewDialog:
    """The label's print preview; printing from it is audited on the writer thread."""
    from ui.changes import Change  # the op runner's vocabulary: loaded with it
    from ui.ops import run_op

    dialog = preview_and_print(parent, device)

    def record() -> None:
        run_op(
            db_path,
            lambda store, _p, _c: services.record_label_print(store, device, actor),
            on_done=lambda _result: None,
            changes_made=Change.DEVICES | Change.AUDIT,
            parent=parent,
            what=QCoreApplication.translate("labels", "Recording the printed label"),
        )

    dialog.accepted.connect(record)
    (present or QDialog.open)(dialog)
    return dialog
