"""A dialog with the streaming URL as a QR code, for opening it on a tablet or phone.

The QR code is rendered in memory (segno to PNG bytes to QPixmap) and never written to disk,
because it carries the URL's token.
"""

from __future__ import annotations

import io
import logging
from datetime import datetime, timezone

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from launcher.appstream.api import redact_url
from launcher.appstream.models import StreamingURL
from launcher.ui.durations import format_utc_time
from launcher.ui.style import TONE_WARNING, set_tone

log = logging.getLogger(__name__)

# Approximate edge length of the code in pixels. The module size is a whole number of pixels.
QR_TARGET_PIXELS = 320
QR_MIN_SCALE = 2
# The quiet zone that the QR code standard requires around the symbol, in modules.
QR_BORDER_MODULES = 4


class QRCodeError(Exception):
    """The URL cannot be drawn as a QR code (it is too long)."""


def qr_png(text: str, target_pixels: int = QR_TARGET_PIXELS) -> bytes:
    """Return a PNG of `text` as a QR code about `target_pixels` wide, or raise QRCodeError when it does not fit.

    segno picks the smallest version and raises the error correction level as far as the size allows.
    """
    import segno

    try:
        code = segno.make_qr(text, error="l", boost_error=True)
    except segno.DataOverflowError as error:
        raise QRCodeError(
            f"The streaming URL is too long for a QR code ({len(text.encode('utf-8'))} bytes). Copy the URL instead."
        ) from error
    modules, _height = code.symbol_size(scale=1, border=QR_BORDER_MODULES)
    scale = max(QR_MIN_SCALE, target_pixels // modules)
    buffer = io.BytesIO()
    code.save(buffer, kind="png", scale=scale, border=QR_BORDER_MODULES)
    return buffer.getvalue()


class QRCodeDialog(QDialog):
    """Shows one streaming URL as a QR code, with a warning that the code works like a password."""

    def __init__(self, result: StreamingURL, user_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("qrCodeDialog")
        self.setWindowTitle("Streaming URL as a QR code")

        self.image_label = QLabel(self)
        self.image_label.setObjectName("qrImageLabel")
        self.image_label.setAccessibleName("QR code of the streaming URL")
        self.image_label.setAlignment(Qt.AlignmentFlag.AlignCenter)

        now = datetime.now(timezone.utc)
        self.warning_label = QLabel(self)
        self.warning_label.setObjectName("qrWarningLabel")
        self.warning_label.setWordWrap(True)
        self.warning_label.setText(
            f"Anyone who scans this code can start a session as user {user_id} until the URL expires at "
            f"{format_utc_time(result.expires, now)}, like a password. Do not photograph, share or record it."
        )
        set_tone(self.warning_label, TONE_WARNING)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.image_label, 1)
        layout.addWidget(self.warning_label)
        layout.addWidget(buttons)

        self.pixmap: QPixmap | None = None
        try:
            data = qr_png(result.url)
        except QRCodeError as error:
            self.image_label.setText(str(error))
            self.image_label.setWordWrap(True)
            log.warning("No QR code for streaming URL %s: %s", redact_url(result.url), error)
        else:
            pixmap = QPixmap()
            if pixmap.loadFromData(data, "PNG"):
                self.pixmap = pixmap
                self.image_label.setPixmap(pixmap)
            else:
                self.image_label.setText("The QR code could not be drawn. Copy the URL instead.")
                log.warning("Qt could not load the QR code PNG for streaming URL %s", redact_url(result.url))
        self.setMinimumWidth(QR_TARGET_PIXELS + 80)
