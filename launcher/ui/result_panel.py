"""The result area: the generated streaming URL, its expiry countdown, Copy and Open."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from PySide6.QtCore import QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QComboBox, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from launcher.appstream.api import redact_url
from launcher.appstream.models import StreamingURL
from launcher.ui.durations import expiry_text, seconds_left
from launcher.ui.style import TONE_ERROR, TONE_INFO, TONE_PLAIN, TONE_SUCCESS, TONE_WARNING, set_tone

log = logging.getLogger(__name__)

# The countdown shows whole seconds, and ticking twice a second keeps it from skipping one.
COUNTDOWN_INTERVAL_MS = 500
# Choices of the "Clear clipboard after" box: (seconds, label). 0 keeps the URL in the clipboard.
CLIPBOARD_CLEAR_CHOICES = ((0, "Never"), (30, "30 s"), (60, "1 min"), (300, "5 min"))


def clipboard_clear_label(seconds: int) -> str:
    """Return the label of a clipboard delay, such as "1 min" or "45 s"."""
    for value, label in CLIPBOARD_CLEAR_CHOICES:
        if value == seconds:
            return label
    if seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"


def to_qurl(url: str) -> QUrl:
    """Convert a streaming URL to QUrl without re-encoding its query, which carries the token."""
    if url.isascii():
        return QUrl.fromEncoded(url.encode("ascii"), QUrl.ParsingMode.StrictMode)
    return QUrl(url)


class ResultPanel(QGroupBox):
    """Shows one streaming URL. `status_message(text, tone)` reports what Copy and Open did.

    A URL that Copy put on the clipboard is cleared from it after `clipboard_clear_seconds`
    (0 keeps it), unless the clipboard contains something else by then. The user picks the delay
    in the "Clear clipboard after" box, which emits `clipboard_clear_changed(seconds)`.
    """

    status_message = Signal(str, str)
    clipboard_clear_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Streaming URL", parent)
        self.setObjectName("resultPanel")
        self._result: StreamingURL | None = None
        self._clipboard_clear_seconds = 0

        self.url_label = QLabel("UR&L:", self)
        self.url_edit = QLineEdit(self)
        self.url_edit.setObjectName("urlEdit")
        self.url_edit.setAccessibleName("Streaming URL")
        self.url_edit.setReadOnly(True)
        self.url_edit.setPlaceholderText("Generate a streaming URL to show it here")
        self.url_label.setBuddy(self.url_edit)

        self.expiry_label = QLabel(self)
        self.expiry_label.setObjectName("expiryLabel")
        self.expiry_label.setAccessibleName("Expiry of the streaming URL")

        self.copy_button = QPushButton("Co&py", self)
        self.copy_button.setObjectName("copyButton")
        self.copy_button.setAccessibleName("Copy the streaming URL to the clipboard")
        self.open_button = QPushButton("&Open in browser", self)
        self.open_button.setObjectName("openButton")
        self.open_button.setAccessibleName("Open the streaming URL in the default web browser")

        self.clipboard_clear_label = QLabel("Clear clipboard af&ter:", self)
        self.clipboard_clear_combo = QComboBox(self)
        self.clipboard_clear_combo.setObjectName("clipboardClearCombo")
        self.clipboard_clear_combo.setAccessibleName("Clear the copied streaming URL from the clipboard after")
        self.clipboard_clear_combo.setToolTip("How long a copied streaming URL stays in the clipboard")
        for seconds, label in CLIPBOARD_CLEAR_CHOICES:
            self.clipboard_clear_combo.addItem(label, seconds)
        self.clipboard_clear_label.setBuddy(self.clipboard_clear_combo)

        buttons = QHBoxLayout()
        buttons.addWidget(self.expiry_label, 1)
        buttons.addWidget(self.clipboard_clear_label)
        buttons.addWidget(self.clipboard_clear_combo)
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.open_button)

        layout = QGridLayout(self)
        layout.addWidget(self.url_label, 0, 0)
        layout.addWidget(self.url_edit, 0, 1)
        layout.addLayout(buttons, 1, 1)
        layout.setColumnStretch(1, 1)

        self._timer = QTimer(self)
        self._timer.setInterval(COUNTDOWN_INTERVAL_MS)
        self._timer.timeout.connect(self._update_expiry)
        self._clipboard_url = ""
        self._clipboard_timer = QTimer(self)
        self._clipboard_timer.setSingleShot(True)
        self._clipboard_timer.timeout.connect(self._clear_clipboard)

        self.copy_button.clicked.connect(self.copy_url)
        self.open_button.clicked.connect(self.open_url)
        self.clipboard_clear_combo.activated.connect(self._on_clipboard_clear_chosen)
        self.clear()

    @property
    def result(self) -> StreamingURL | None:
        return self._result

    @property
    def clipboard_clear_seconds(self) -> int:
        """Seconds after which a copied URL is cleared from the clipboard; 0 keeps it."""
        return self._clipboard_clear_seconds

    @clipboard_clear_seconds.setter
    def clipboard_clear_seconds(self, seconds: int) -> None:
        """Set the delay and show it in the box, without emitting clipboard_clear_changed."""
        seconds = max(int(seconds), 0)
        self._clipboard_clear_seconds = seconds
        index = self.clipboard_clear_combo.findData(seconds)
        if index < 0:
            # A value from the settings file that is not one of the choices stays selectable.
            self.clipboard_clear_combo.addItem(clipboard_clear_label(seconds), seconds)
            index = self.clipboard_clear_combo.count() - 1
        self.clipboard_clear_combo.setCurrentIndex(index)

    def _on_clipboard_clear_chosen(self, index: int) -> None:
        seconds = self.clipboard_clear_combo.itemData(index)
        if not isinstance(seconds, int) or seconds == self._clipboard_clear_seconds:
            return
        self._clipboard_clear_seconds = seconds
        if seconds == 0:
            self._clipboard_timer.stop()
            self._clipboard_url = ""
        elif self._clipboard_timer.isActive():
            # A URL copied earlier is cleared on the new schedule, counted from now.
            self._clipboard_timer.start(seconds * 1000)
        log.info("Copied streaming URLs are cleared from the clipboard after %s", clipboard_clear_label(seconds))
        self.clipboard_clear_changed.emit(seconds)

    def is_expired(self) -> bool:
        return self._result is None or seconds_left(self._result.expires, datetime.now(timezone.utc)) <= 0

    def clear(self) -> None:
        self._result = None
        self._timer.stop()
        self.url_edit.clear()
        self.expiry_label.setText("")
        set_tone(self.expiry_label, TONE_PLAIN)
        self.copy_button.setEnabled(False)
        self.open_button.setEnabled(False)

    def show_result(self, result: StreamingURL) -> None:
        self._result = result
        self.url_edit.setText(result.url)
        self.url_edit.setCursorPosition(0)
        self.copy_button.setEnabled(True)
        self._update_expiry()
        self._timer.start()

    def stop(self) -> None:
        """Stop the countdown, and clear a copied URL now if its clearing is still pending (the app is closing)."""
        self._timer.stop()
        if self._clipboard_timer.isActive():
            self._clipboard_timer.stop()
            self._clear_clipboard()

    def copy_url(self) -> None:
        if self._result is None:
            return
        url = self._result.url
        QGuiApplication.clipboard().setText(url)
        log.info("Copied streaming URL %s to the clipboard", redact_url(url))
        if self._clipboard_clear_seconds > 0:
            self._clipboard_url = url
            self._clipboard_timer.start(self._clipboard_clear_seconds * 1000)
            self.status_message.emit(
                "Streaming URL copied to the clipboard. It is cleared from the clipboard in "
                f"{clipboard_clear_label(self._clipboard_clear_seconds)}.",
                TONE_SUCCESS,
            )
        else:
            self.status_message.emit("Streaming URL copied to the clipboard.", TONE_SUCCESS)

    def open_url(self) -> bool:
        """Hand the URL to the desktop's default web browser; return False if that failed."""
        if self._result is None:
            return False
        if self.is_expired():
            self.status_message.emit("This streaming URL has expired. Generate a new one.", TONE_WARNING)
            return False
        url = self._result.url
        log.info("Opening streaming URL %s in the default browser", redact_url(url))
        if not QDesktopServices.openUrl(to_qurl(url)):
            log.warning("The desktop did not open streaming URL %s", redact_url(url))
            self.status_message.emit(
                "No web browser could be started for the streaming URL. Copy the URL and paste it into a browser.",
                TONE_ERROR,
            )
            return False
        # The desktop accepted the URL; whether the browser then started is not reported back.
        self.status_message.emit(
            "Streaming URL sent to the default web browser. If no browser window appears, copy the URL instead.", TONE_INFO
        )
        return True

    def _clear_clipboard(self) -> None:
        url, self._clipboard_url = self._clipboard_url, ""
        clipboard = QGuiApplication.clipboard()
        # Leave the clipboard alone if the user has copied something else since.
        if url and clipboard.text() == url:
            clipboard.clear()
            log.info("Cleared streaming URL %s from the clipboard", redact_url(url))
        elif url:
            log.info("Did not clear the clipboard: it no longer contains streaming URL %s", redact_url(url))

    def _update_expiry(self) -> None:
        if self._result is None:
            return
        now = datetime.now(timezone.utc)
        text = expiry_text(self._result.expires, now)
        if self.expiry_label.text() != text:
            self.expiry_label.setText(text)
        expired = seconds_left(self._result.expires, now) <= 0
        self.open_button.setEnabled(not expired)
        set_tone(self.expiry_label, TONE_WARNING if expired else TONE_PLAIN)
        if expired:
            self._timer.stop()
