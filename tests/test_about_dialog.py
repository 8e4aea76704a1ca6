"""The About dialog with pytest-qt on the offscreen platform and a real gnome-keyring."""

from __future__ import annotations

import os
import sys
from importlib import metadata

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import botocore  # noqa: E402
import keyring  # noqa: E402
import PySide6  # noqa: E402
import shiboken6  # noqa: E402
from keyring.backends import fail  # noqa: E402
from PySide6.QtCore import Qt, qVersion  # noqa: E402
from PySide6.QtGui import QGuiApplication  # noqa: E402
from PySide6.QtWidgets import QWidget  # noqa: E402

from launcher import __version__  # noqa: E402
from launcher.logs import log_file_path  # noqa: E402
from launcher.settings import config_dir  # noqa: E402
from launcher.ui import about_dialog  # noqa: E402
from launcher.ui.about_dialog import (  # noqa: E402
    COPIED_BUTTON_TEXT,
    COPY_BUTTON_TEXT,
    KEYRING_BACKEND_LABEL,
    AboutDialog,
    package_version,
    show_about,
)

pytest_plugins = ["keyring_service"]

WAIT_MS = 15000


@pytest.fixture
def dialog(qtbot):
    widget = AboutDialog()
    qtbot.addWidget(widget)
    widget.show()
    yield widget
    widget.tasks.shutdown(5000)


def wait_for_keyring_backend(qtbot, dialog: AboutDialog) -> str:
    label = dialog.value_labels[KEYRING_BACKEND_LABEL]
    qtbot.waitUntil(lambda: label.text() != about_dialog.KEYRING_BACKEND_PENDING, timeout=WAIT_MS)
    return label.text()


def test_dialog_object_name_and_title(dialog):
    assert dialog.objectName() == "aboutDialog"
    assert dialog.windowTitle() == "About AppStream Launcher"


def test_dialog_shows_versions(dialog):
    values = {label: widget.text() for label, widget in dialog.value_labels.items()}

    assert values["AppStream Launcher"] == __version__
    assert values["Qt"] == qVersion()
    assert values["PySide6"] == PySide6.__version__
    assert values["botocore"] == botocore.__version__
    assert values["keyring"] == metadata.version("keyring")


def test_dialog_omits_boto3(dialog):
    assert "boto3" not in dialog.value_labels


def test_dialog_shows_paths_and_python(dialog):
    values = {label: widget.text() for label, widget in dialog.value_labels.items()}

    assert values["Log file"].startswith(str(log_file_path()))
    assert values["Settings folder"] == str(config_dir())
    assert values["Python"].startswith(".".join(map(str, sys.version_info[:2])))
    assert "Qt platform offscreen" in values["Platform"]


def test_header_shows_version(dialog):
    title = dialog.findChild(QWidget, "aboutTitle")

    assert title is not None
    assert f"Version {__version__}" in title.text()


def test_values_are_selectable(dialog):
    for label, widget in dialog.value_labels.items():
        flags = widget.textInteractionFlags()
        assert flags & Qt.TextInteractionFlag.TextSelectableByMouse, label
        assert flags & Qt.TextInteractionFlag.TextSelectableByKeyboard, label


def test_keyring_backend_secret_service(qtbot, keyring_backend):
    widget = AboutDialog()
    qtbot.addWidget(widget)
    widget.show()

    text = wait_for_keyring_backend(qtbot, widget)

    assert "keyring.backends.SecretService.Keyring" in text
    widget.tasks.shutdown(5000)


def test_keyring_backend_fail_is_reported(qtbot):
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        widget = AboutDialog()
        qtbot.addWidget(widget)
        text = wait_for_keyring_backend(qtbot, widget)
        widget.tasks.shutdown(5000)
    finally:
        keyring.set_keyring(previous)

    assert text.startswith("none usable:")
    assert "no keyring backend is installed" in text


def test_keyring_backend_error_is_shown(qtbot, monkeypatch):
    def broken() -> str:
        raise RuntimeError("D-Bus is gone")

    monkeypatch.setattr(about_dialog, "describe_keyring_backend", broken)
    widget = AboutDialog()
    qtbot.addWidget(widget)

    text = wait_for_keyring_backend(qtbot, widget)
    widget.tasks.shutdown(5000)

    assert text.startswith("unknown:")
    assert "D-Bus is gone" in text


def test_copy_details_fills_clipboard(qtbot, keyring_backend):
    widget = AboutDialog()
    qtbot.addWidget(widget)
    widget.show()
    backend = wait_for_keyring_backend(qtbot, widget)

    qtbot.mouseClick(widget.copy_button, Qt.MouseButton.LeftButton)
    copied = QGuiApplication.clipboard().text()
    widget.tasks.shutdown(5000)

    lines = copied.splitlines()
    assert lines[0] == f"AppStream Launcher: {__version__}"
    assert f"Qt: {qVersion()}" in lines
    assert f"botocore: {botocore.__version__}" in lines
    assert f"{KEYRING_BACKEND_LABEL}: {backend}" in lines
    assert f"Settings folder: {config_dir()}" in lines
    assert len(lines) == len(widget.value_labels)


def test_copy_button_says_copied_then_resets(qtbot, dialog):
    dialog._copied_timer.setInterval(50)

    dialog.copy_details()

    assert dialog.copy_button.text() == COPIED_BUTTON_TEXT
    qtbot.waitUntil(lambda: dialog.copy_button.text() == COPY_BUTTON_TEXT, timeout=WAIT_MS)


def test_show_about_is_window_modal(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()

    widget = show_about(parent)

    assert widget.isVisible()
    assert widget.parent() is parent
    assert widget.windowModality() == Qt.WindowModality.WindowModal
    assert widget.testAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    widget.tasks.shutdown(5000)
    widget.close()
    qtbot.waitUntil(lambda: not shiboken6.isValid(widget), timeout=WAIT_MS)


def test_grab_renders_dialog(dialog, tmp_path):
    path = tmp_path / "about.png"

    assert dialog.grab().save(str(path))
    assert path.stat().st_size > 0
    assert dialog.width() >= about_dialog.MIN_WIDTH_PX


def test_package_version_from_metadata():
    assert package_version(("botocore",), "botocore") == metadata.version("botocore")


def test_package_version_falls_back_to_module(monkeypatch):
    def missing(name: str) -> str:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(about_dialog.metadata, "version", missing)

    assert package_version(("botocore",), "botocore") == botocore.__version__


def test_package_version_module_without_version(monkeypatch):
    def missing(name: str) -> str:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(about_dialog.metadata, "version", missing)

    assert package_version(("keyring",), "keyring") == getattr(keyring, "__version__", "unknown")


def test_package_version_not_installed():
    assert package_version(("no-such-distribution",), "no_such_module_for_about") == "not installed"


def test_pyside6_version_with_essentials_only(monkeypatch):
    real_version = metadata.version

    def essentials_only(name: str) -> str:
        if name == "PySide6":
            raise metadata.PackageNotFoundError(name)
        return real_version(name)

    monkeypatch.setattr(about_dialog.metadata, "version", essentials_only)

    assert package_version(("PySide6-Essentials", "PySide6"), "PySide6") == PySide6.__version__
