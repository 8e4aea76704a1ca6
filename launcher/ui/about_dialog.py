"""The About dialog: the app's version and the details a bug report needs, with a copy button.

It shows the versions of the app, Qt, PySide6, botocore and keyring, the keyring backend
in use, the log file and settings folder, and the Python version and platform. Every value is
selectable, and "Copy details" puts them on the clipboard as plain "Name: value" lines.

Typical use from the main window's Help → About action:

    from launcher.ui.about_dialog import show_about

    show_about(self)
"""

from __future__ import annotations

import importlib
import logging
import platform
import sys
from importlib import metadata

from PySide6.QtCore import Qt, QTimer, qVersion
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from launcher import __version__
from launcher.appstream.errors import AppStreamError
from launcher.logs import log_file_path
from launcher.settings import config_dir
from launcher.ui.tasks import TaskRunner

log = logging.getLogger(__name__)

APP_NAME = "AppStream Launcher"
DESCRIPTION = (
    "Generates streaming URLs for Amazon WorkSpaces Applications (formerly AppStream 2.0) "
    "and opens them in the web browser."
)
CHANNEL_KEYRING_BACKEND = "about-keyring-backend"
KEYRING_BACKEND_LABEL = "Keyring backend"
KEYRING_BACKEND_PENDING = "checking…"
COPY_BUTTON_TEXT = "Copy details"
COPIED_BUTTON_TEXT = "Copied"
# How long the copy button shows "Copied" before its label returns.
COPIED_FEEDBACK_MS = 2000
ICON_SIZE_PX = 64
# Wide enough for typical log and settings paths on one line.
MIN_WIDTH_PX = 560

# (label, distribution names to try in importlib.metadata, module whose __version__ is the fallback).
# A frozen build may ship no package metadata, so the module's __version__ is the fallback.
PACKAGES = (
    ("PySide6", ("PySide6-Essentials", "PySide6"), "PySide6"),
    ("botocore", ("botocore",), "botocore"),
    ("keyring", ("keyring",), "keyring"),
)


def package_version(distributions: tuple[str, ...], module_name: str) -> str:
    """Return the installed version from package metadata, else the module's __version__, else "unknown"."""
    for distribution in distributions:
        try:
            return metadata.version(distribution)
        except metadata.PackageNotFoundError:
            continue
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return "not installed"
    return str(getattr(module, "__version__", "unknown"))


def describe_keyring_backend() -> str:
    """Return the keyring backend that saved credentials use, or why none is usable.

    keyring's backend discovery connects to D-Bus on Linux, so the dialog calls this on a worker.
    """
    import keyring

    from launcher.credentials.errors import SecretStoreUnavailableError
    from launcher.credentials.secret_store import usable_backend

    backend = keyring.get_keyring()
    try:
        chosen = usable_backend(backend)
    except SecretStoreUnavailableError as error:
        return f"none usable: {error.message}"
    kind = type(chosen)
    return f"{chosen.name} ({kind.__module__}.{kind.__qualname__})"


def details(keyring_backend: str) -> dict[str, str]:
    """Return the dialog's rows, label to value, in display order.

    The caller passes the keyring backend's description, because finding it can block.
    """
    rows = {APP_NAME: __version__, "Qt": qVersion()}
    for label, distributions, module in PACKAGES:
        rows[label] = package_version(distributions, module)
    rows[KEYRING_BACKEND_LABEL] = keyring_backend

    log_file = log_file_path()
    rows["Log file"] = str(log_file) if log_file.exists() else f"{log_file} (not created yet)"
    rows["Settings folder"] = str(config_dir())
    rows["Python"] = f"{platform.python_version()} ({platform.python_implementation()})"
    frozen = ", frozen build" if getattr(sys, "frozen", False) else ""
    qt_platform = QGuiApplication.platformName() or "none"
    rows["Platform"] = f"{platform.platform()} (Qt platform {qt_platform}{frozen})"
    return rows


class AboutDialog(QDialog):
    """Dialog with the version and environment details. The keyring backend row fills in once a worker thread has found it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle(f"About {APP_NAME}")
        self.setMinimumWidth(MIN_WIDTH_PX)

        self._rows = details(KEYRING_BACKEND_PENDING)
        self.value_labels: dict[str, QLabel] = {}

        layout = QVBoxLayout(self)
        layout.addLayout(self._build_header())
        layout.addLayout(self._build_details())

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton(COPY_BUTTON_TEXT)
        self.copy_button.setObjectName("copyDetailsButton")
        self.copy_button.setAutoDefault(False)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy_details)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

        self._copied_timer = QTimer(self)
        self._copied_timer.setSingleShot(True)
        self._copied_timer.setInterval(COPIED_FEEDBACK_MS)
        self._copied_timer.timeout.connect(lambda: self.copy_button.setText(COPY_BUTTON_TEXT))

        self.tasks = TaskRunner(self)
        self.tasks.submit(
            CHANNEL_KEYRING_BACKEND, describe_keyring_backend, self._set_keyring_backend, self._keyring_backend_failed
        )
        self.finished.connect(lambda _result: self.tasks.shutdown(0))

    def _build_header(self) -> QHBoxLayout:
        header = QHBoxLayout()
        icon = self._app_icon_label()
        if icon is not None:
            header.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)

        title = QLabel(f"<b style='font-size: 14pt'>{APP_NAME}</b><br>Version {__version__}<br><br>{DESCRIPTION}")
        title.setObjectName("aboutTitle")
        title.setWordWrap(True)
        title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        header.addWidget(title, 1, Qt.AlignmentFlag.AlignTop)
        return header

    def _app_icon_label(self) -> QLabel | None:
        from launcher.resource_paths import app_icon_path

        try:
            pixmap = QIcon(str(app_icon_path())).pixmap(ICON_SIZE_PX, ICON_SIZE_PX)
        except (OSError, ValueError) as error:
            log.debug("No application icon in the About dialog: %s", error)
            return None
        if pixmap.isNull():
            return None
        label = QLabel()
        label.setPixmap(pixmap)
        return label

    def _build_details(self) -> QFormLayout:
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        for label, value in self._rows.items():
            value_label = QLabel(value)
            value_label.setObjectName(f"about{label.title().replace(' ', '')}Value")
            value_label.setTextFormat(Qt.TextFormat.PlainText)
            value_label.setWordWrap(True)
            value_label.setTextInteractionFlags(
                Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
            )
            self.value_labels[label] = value_label
            form.addRow(f"{label}:", value_label)
        return form

    def details_text(self) -> str:
        """Return every row as "Name: value" lines, the keyring backend included, for a bug report."""
        return "".join(f"{label}: {value}\n" for label, value in self._rows.items())

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.details_text())
        self.copy_button.setText(COPIED_BUTTON_TEXT)
        self._copied_timer.start()

    def _set_keyring_backend(self, description: str) -> None:
        self._rows[KEYRING_BACKEND_LABEL] = description
        self.value_labels[KEYRING_BACKEND_LABEL].setText(description)

    def _keyring_backend_failed(self, error: AppStreamError) -> None:
        log.warning("Could not determine the keyring backend: %s", error.message)
        self._set_keyring_backend(f"unknown: {error.message}")


def show_about(parent: QWidget | None = None) -> AboutDialog:
    """Open the About dialog, window-modal over `parent`, and return it. It deletes itself when closed."""
    dialog = AboutDialog(parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
