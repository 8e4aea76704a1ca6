"""The MFA code dialog, and the window's MFA code provider that shows it from any thread.

launcher.credentials.sessions requests codes through launcher.credentials.mfa, which does not
import Qt. `GuiMfaCodeProvider.install()` routes those requests to this dialog. STS calls run on
worker threads, so the provider hops to the GUI thread with a blocking queued signal, and the
worker waits until the user enters a code or cancels.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QRegularExpression, Qt, QThread, Signal, Slot
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from launcher.credentials.errors import MfaCodeError
from launcher.credentials.mfa import MFA_CODE_PATTERN, MfaCodeProvider, MfaCodeRequest, set_code_provider

log = logging.getLogger(__name__)


class MfaDialog(QDialog):
    """Asks for the 6-digit code of one MFA device. OK is enabled only for exactly six digits."""

    def __init__(self, request: MfaCodeRequest, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("mfaDialog")
        self.setWindowTitle("MFA code")
        self.setModal(True)

        intro = QLabel(f"Enter the 6-digit code from your MFA device to use {request.source_label}.", self)
        intro.setObjectName("mfaIntro")
        intro.setWordWrap(True)
        device = QLabel(f"Device: {request.serial_number}", self)
        device.setObjectName("mfaDevice")
        device.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        device.setWordWrap(True)

        self.code_edit = QLineEdit(self)
        self.code_edit.setObjectName("mfaCodeEdit")
        self.code_edit.setAccessibleName("MFA code")
        self.code_edit.setPlaceholderText("123456")
        self.code_edit.setMaxLength(6)
        self.code_edit.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly)
        self.code_edit.setValidator(QRegularExpressionValidator(QRegularExpression(r"\d{0,6}"), self.code_edit))

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.setObjectName("mfaButtons")
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setEnabled(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.code_edit.textChanged.connect(self._on_text_changed)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(device)
        layout.addWidget(self.code_edit)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(360)

    def _on_text_changed(self, text: str) -> None:
        self.ok_button.setEnabled(MFA_CODE_PATTERN.fullmatch(text) is not None)

    def accept(self) -> None:
        if MFA_CODE_PATTERN.fullmatch(self.code_edit.text()) is None:
            return
        super().accept()

    def code(self) -> str:
        return self.code_edit.text()


class _PendingRequest:
    """One request handed to the GUI thread, with the code or error that the GUI thread writes back."""

    def __init__(self, request: MfaCodeRequest):
        self.request = request
        self.code: str | None = None
        self.error: BaseException | None = None


class GuiMfaCodeProvider(QObject):
    """An MFA code provider (see launcher.credentials.mfa) that shows MfaDialog.

    Create it on the GUI thread. Calling it from a worker blocks that worker until the user
    enters a code or cancels. The GUI thread must keep running its event loop meanwhile: blocking the GUI thread
    on that same worker (for example with QThreadPool.waitForDone) would deadlock.
    """

    _requested = Signal(object)

    def __init__(self, parent_widget: QWidget | None = None):
        super().__init__()
        self._parent_widget = parent_widget
        self._requested.connect(self._ask_on_gui_thread, Qt.ConnectionType.BlockingQueuedConnection)
        self._previous: MfaCodeProvider | None = None

    def install(self) -> None:
        """Make every later MFA prompt of the process use this provider."""
        self._previous = set_code_provider(self)

    def uninstall(self) -> None:
        """Put back the provider that was installed before `install`."""
        set_code_provider(self._previous)

    def __call__(self, request: MfaCodeRequest) -> str:
        if QThread.currentThread() is self.thread():
            return self.ask(request)
        pending = _PendingRequest(request)
        self._requested.emit(pending)
        if pending.error is not None:
            raise pending.error
        if pending.code is None:
            raise MfaCodeError(f"No MFA code was entered for {request.source_label}.")
        return pending.code

    @Slot(object)
    def _ask_on_gui_thread(self, pending: _PendingRequest) -> None:
        try:
            pending.code = self.ask(pending.request)
        except BaseException as error:  # noqa: BLE001 - handed back to the waiting worker, which raises it
            pending.error = error

    def ask(self, request: MfaCodeRequest) -> str:
        """Show the dialog on the GUI thread and return the code, or raise MfaCodeError when it is cancelled."""
        dialog = MfaDialog(request, self._parent_widget)
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted:
                log.info("MFA code entry cancelled for %s", request.source_label)
                raise MfaCodeError(f"MFA code entry was cancelled, so {request.source_label} cannot be used.")
            return dialog.code()
        finally:
            dialog.deleteLater()
