"""The dialog shown after an unexpected error: a summary, the report to copy, and where the log is."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from launcher.crash import CrashReport

log = logging.getLogger(__name__)

# After this many dialogs in one run, further errors are only logged, so a fault that repeats
# on every timer tick does not bury the desktop in dialogs.
MAX_DIALOGS_PER_RUN = 3


class CrashDialog(QDialog):
    """Shows one crash report: the summary, the full report (read-only) and a Copy button."""

    def __init__(self, report: CrashReport, log_path: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("crashDialog")
        self.setWindowTitle("Unexpected error")
        self.report = report

        icon = QLabel(self)
        icon.setPixmap(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical).pixmap(32, 32))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.summary_label = QLabel(self)
        self.summary_label.setObjectName("crashSummaryLabel")
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextFormat(Qt.TextFormat.PlainText)
        self.summary_label.setText(f"AppStream Launcher hit an unexpected error and kept running:\n{report.summary}")
        self.summary_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        hint = "Copy the report below into a bug report. Secrets and streaming URL tokens are removed from it."
        if log_path:
            hint += f" The log file is {log_path}."
        self.hint_label = QLabel(hint, self)
        self.hint_label.setObjectName("crashHintLabel")
        self.hint_label.setWordWrap(True)
        self.hint_label.setTextFormat(Qt.TextFormat.PlainText)

        self.details_edit = QPlainTextEdit(self)
        self.details_edit.setObjectName("crashDetailsEdit")
        self.details_edit.setAccessibleName("Error report")
        self.details_edit.setReadOnly(True)
        self.details_edit.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.details_edit.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.details_edit.setPlainText(report.details)

        self.copy_button = QPushButton("&Copy report", self)
        self.copy_button.setObjectName("crashCopyButton")
        self.copy_button.setAccessibleName("Copy the error report to the clipboard")
        self.copy_button.clicked.connect(self.copy_details)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)

        header = QHBoxLayout()
        header.addWidget(icon)
        header.addWidget(self.summary_label, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.hint_label)
        layout.addWidget(self.details_edit, 1)
        layout.addWidget(buttons)
        self.resize(640, 420)

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.report.details)
        self.copy_button.setText("&Copied")


class CrashDialogPresenter(QObject):
    """Shows crash dialogs on the GUI thread for reports raised on any thread.

    `show_report` may be called from any thread: the signal is queued to the thread this object
    lives on. The slot catches its own errors, because an exception there would come back to
    the exception hook and could open dialog after dialog.
    """

    report_raised = Signal(object)

    def __init__(self, log_path: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.log_path = log_path
        self.dialogs_shown = 0
        self.dialog: CrashDialog | None = None
        self.report_raised.connect(self._show, Qt.ConnectionType.QueuedConnection)

    def show_report(self, report: CrashReport) -> None:
        self.report_raised.emit(report)

    @Slot(object)
    def _show(self, report: CrashReport) -> None:
        try:
            if self.dialogs_shown >= MAX_DIALOGS_PER_RUN:
                log.warning("Not showing another crash dialog: %d were shown in this run already", self.dialogs_shown)
                return
            if self.dialog is not None and self.dialog.isVisible():
                log.info("A crash dialog is already open, so the new error is only logged")
                return
            parent = QApplication.activeWindow()
            dialog = CrashDialog(report, self.log_path, parent)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.destroyed.connect(self._forget_dialog)
            self.dialog = dialog
            self.dialogs_shown += 1
            dialog.open()
        except Exception:  # noqa: BLE001 - see the class docstring
            log.exception("Could not show the crash dialog")

    @Slot()
    def _forget_dialog(self) -> None:
        self.dialog = None
