"""The main window against the AppStream emulator over HTTP, driven as a user would with pytest-qt."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from importlib import resources
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QObject, Qt, QTimer, QUrl, Slot  # noqa: E402
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication, QKeySequence  # noqa: E402
from PySide6.QtWidgets import QAbstractButton, QDialog, QLabel, QMessageBox, QWidget  # noqa: E402

from launcher.credentials.sources import list_sources  # noqa: E402
from launcher.emulator import start_emulator  # noqa: E402
from launcher.settings import Settings, SettingsStore, config_dir  # noqa: E402
from launcher.ui import tasks  # noqa: E402
from launcher.ui.app import DEMO_SETTINGS_FILE_NAME, demo_source, run_window  # noqa: E402
from launcher.ui.items import CATALOG_KEY, CATALOG_LABEL  # noqa: E402
from launcher.ui.main_window import MainWindow  # noqa: E402
from launcher.ui.picker import PickerState, ResourcePicker  # noqa: E402
from main_windows import find_main_window  # noqa: E402

REPOSITORY = Path(__file__).resolve().parents[1]
SAMPLE_STACK_COUNT = 26
LOAD_TIMEOUT_MS = 15000
# botocore retries a server error up to 3 attempts with backoff, so failures take a few seconds.
FAILURE_TIMEOUT_MS = 30000


pytestmark = pytest.mark.usefixtures("no_worker_left_running")

@pytest.fixture
def make_window(window_factory, emulator):
    """Create shown windows that talk to the shared emulator with the demo credentials."""

    def create(**options) -> MainWindow:
        options.setdefault("endpoint_url", emulator.endpoint_url)
        return window_factory(**options)

    return create


def wait_for_state(qtbot, picker: ResourcePicker, state: PickerState, timeout: int = LOAD_TIMEOUT_MS) -> None:
    qtbot.waitUntil(lambda: picker.state is state, timeout=timeout)


def choose(qtbot, window: MainWindow, stack: str, fleet: str | None = None, application: str | None = None) -> None:
    """Select a stack, then a fleet and an application as their lists arrive."""
    wait_for_state(qtbot, window.stack_picker, PickerState.READY)
    assert window.stack_picker.select_key(stack), f"stack {stack} not listed"
    wait_for_state(qtbot, window.fleet_picker, PickerState.READY)
    if fleet is not None and window.fleet_picker.selected_key() != fleet:
        assert window.fleet_picker.select_key(fleet), f"fleet {fleet} not listed"
    wait_for_state(qtbot, window.application_picker, PickerState.READY)
    if application is not None:
        assert window.application_picker.select_key(application), f"application {application} not listed"


def type_into(qtbot, widget: QWidget, text: str) -> None:
    widget.clear()
    qtbot.keyClicks(widget, text)


def generate_and_wait(qtbot, window: MainWindow) -> str:
    assert window.generate_button.isEnabled(), window.generate_hint_label.text()
    qtbot.mouseClick(window.generate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.url_edit.text() != "", timeout=LOAD_TIMEOUT_MS)
    return window.url_edit.text()


class UrlRecorder(QObject):
    """Receives the URLs that QDesktopServices.openUrl hands to the desktop."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open_url(self, url: QUrl) -> None:
        self.urls.append(url)


@pytest.fixture
def url_recorder():
    recorder = UrlRecorder()
    QDesktopServices.setUrlHandler("http", recorder, "open_url")
    yield recorder
    QDesktopServices.unsetUrlHandler("http")


# Generating ------------------------------------------------------------------------------


def test_generate_copy_and_open(qtbot, make_window, emulator, url_recorder):
    window = make_window()
    wait_for_state(qtbot, window.stack_picker, PickerState.READY)
    assert len(window.stack_picker.items) == SAMPLE_STACK_COUNT

    choose(qtbot, window, "office-hq", "office-always-on", "excel")
    type_into(qtbot, window.user_id_edit, "test-user")
    url = generate_and_wait(qtbot, window)

    assert url.startswith(f"{emulator.endpoint_url}/authenticate?parameters=")
    assert "CreateStreamingURL" in emulator.calls
    assert window.status_label.property("tone") == "success"
    assert "test-user" in window.status_label.text()

    first_text = window.expiry_label.text()
    assert first_text.startswith("Expires in 4 min"), first_text
    assert "UTC)" in first_text
    qtbot.waitUntil(lambda: window.expiry_label.text() != first_text, timeout=3000)

    qtbot.mouseClick(window.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == url

    qtbot.mouseClick(window.open_button, Qt.MouseButton.LeftButton)
    assert len(url_recorder.urls) == 1
    assert url_recorder.urls[0].toEncoded().data().decode() == url


def test_expiry_label_reaches_expired(qtbot, make_window):
    window = make_window()
    choose(qtbot, window, "office-hq")
    type_into(qtbot, window.user_id_edit, "short-lived")
    window.validity_picker.set_seconds(2)

    generate_and_wait(qtbot, window)
    assert window.open_button.isEnabled()

    qtbot.waitUntil(lambda: window.expiry_label.text().startswith("Expired"), timeout=5000)
    assert not window.open_button.isEnabled()
    assert window.copy_button.isEnabled()


def test_ctrl_return_generates(qtbot, make_window, emulator):
    window = make_window()
    choose(qtbot, window, "office-hq")
    type_into(qtbot, window.user_id_edit, "keyboard-user")
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)

    qtbot.keyClick(window.user_id_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)

    qtbot.waitUntil(lambda: window.url_edit.text() != "", timeout=LOAD_TIMEOUT_MS)
    assert emulator.calls.count("CreateStreamingURL") == 1


def test_open_after_generate_checkbox(qtbot, make_window, url_recorder):
    window = make_window()
    choose(qtbot, window, "office-hq")
    type_into(qtbot, window.user_id_edit, "auto-open")
    window.open_after_check.setChecked(True)

    url = generate_and_wait(qtbot, window)

    assert [recorded.toEncoded().data().decode() for recorded in url_recorder.urls] == [url]


def test_generate_failure_keeps_inputs(qtbot, make_window, emulator):
    window = make_window()
    choose(qtbot, window, "data-science", "data-science", "jupyterlab")
    type_into(qtbot, window.user_id_edit, "denied-user")
    emulator.faults.deny("CreateStreamingURL")

    qtbot.mouseClick(window.generate_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: window.status_label.property("tone") == "error", timeout=LOAD_TIMEOUT_MS)
    assert "Access denied" in window.status_label.text()
    assert "CreateStreamingURL" in window.status_label.text()
    assert window.url_edit.text() == ""
    assert window.stack_picker.selected_key() == "data-science"
    assert window.fleet_picker.selected_key() == "data-science"
    assert window.application_picker.selected_key() == "jupyterlab"
    assert window.user_id_edit.text() == "denied-user"
    assert window.generate_button.isEnabled()


# Lists ---------------------------------------------------------------------------------


def test_application_list_shows_catalog_and_desktop(qtbot, make_window):
    window = make_window()

    choose(qtbot, window, "engineering-cad")
    desktop_keys = [item.key for item in window.application_picker.items]
    assert desktop_keys[0] == CATALOG_KEY
    assert window.application_picker.items[0].label == CATALOG_LABEL
    assert desktop_keys[1] == "Desktop"
    # The disabled application of the image is not offered.
    assert "legacy-drawing-viewer" not in desktop_keys
    assert window.application_picker.selected_key() == CATALOG_KEY
    assert window.build_request().application_id is None

    choose(qtbot, window, "office-hq")
    app_keys = [item.key for item in window.application_picker.items]
    assert "Desktop" not in app_keys
    assert "excel" in app_keys


def test_elastic_fleet_lists_associated_applications(qtbot, make_window):
    window = make_window()

    choose(qtbot, window, "web-browsers", "elastic-browsers")

    keys = {item.key for item in window.application_picker.items}
    assert {"firefox-esr", "chromium", "7zip"} <= keys
    labels = {item.label for item in window.application_picker.items}
    assert "Firefox ESR" in labels


def test_fleet_without_applications_shows_note(qtbot, make_window):
    scenario = json.loads(resources.files("launcher.emulator").joinpath("sample_scenario.json").read_text("utf-8"))
    fleet = next(item for item in scenario["Fleets"] if item["Name"] == "finance-reporting")
    # The sample's base image lists no applications.
    fleet["ImageName"] = "AppStream-WinServer2022-03-11-2024"
    with start_emulator(scenario) as empty_image_emulator:
        window = make_window(endpoint_url=empty_image_emulator.endpoint_url)
        type_into(qtbot, window.user_id_edit, "catalog-only")

        choose(qtbot, window, "finance-reporting")

        assert [item.key for item in window.application_picker.items] == [CATALOG_KEY]
        assert window.application_picker.message == "This fleet has no enabled applications."
        assert window.generate_button.isEnabled()
        window.close()
        qtbot.waitUntil(lambda: window.tasks.active_count() == 0, timeout=LOAD_TIMEOUT_MS)


def test_stale_fleet_result_is_dropped(qtbot, make_window, emulator, monkeypatch):
    window = make_window()
    wait_for_state(qtbot, window.stack_picker, PickerState.READY)
    fleet_lists_shown: list[list[str]] = []
    original_set_items = window.fleet_picker.set_items

    def record_set_items(items, *args, **kwargs):
        fleet_lists_shown.append([item.key for item in items])
        return original_set_items(items, *args, **kwargs)

    monkeypatch.setattr(window.fleet_picker, "set_items", record_set_items)
    emulator.latency_ms = 300
    emulator.reset_calls()

    window.stack_picker.select_key("office-hq")
    qtbot.waitUntil(lambda: "ListAssociatedFleets" in emulator.calls, timeout=LOAD_TIMEOUT_MS)
    window.stack_picker.select_key("engineering-cad")

    wait_for_state(qtbot, window.fleet_picker, PickerState.READY)
    qtbot.waitUntil(lambda: window.tasks.active_count() == 0, timeout=LOAD_TIMEOUT_MS)
    qtbot.wait(100)

    assert emulator.calls.count("ListAssociatedFleets") == 2
    assert fleet_lists_shown == [["engineering-cad"]]
    assert [item.key for item in window.fleet_picker.items] == ["engineering-cad"]
    wait_for_state(qtbot, window.application_picker, PickerState.READY)
    assert "Desktop" in [item.key for item in window.application_picker.items]


def test_stale_stack_result_is_dropped_after_region_change(qtbot, make_window, emulator, monkeypatch):
    emulator.latency_ms = 300
    window = make_window()
    stack_lists_shown: list[str] = []
    original_set_items = window.stack_picker.set_items

    def record_set_items(items, *args, **kwargs):
        stack_lists_shown.append(window.current_region())
        return original_set_items(items, *args, **kwargs)

    monkeypatch.setattr(window.stack_picker, "set_items", record_set_items)
    qtbot.waitUntil(lambda: "DescribeStacks" in emulator.calls, timeout=LOAD_TIMEOUT_MS)

    type_into(qtbot, window.region_combo.lineEdit(), "eu-west-1")

    wait_for_state(qtbot, window.stack_picker, PickerState.READY)
    qtbot.waitUntil(lambda: window.tasks.active_count() == 0, timeout=LOAD_TIMEOUT_MS)
    qtbot.wait(100)
    assert stack_lists_shown == ["eu-west-1"]


def test_stack_without_fleets_shows_empty_state(qtbot, make_window):
    window = make_window()
    wait_for_state(qtbot, window.stack_picker, PickerState.READY)
    type_into(qtbot, window.user_id_edit, "someone")

    window.stack_picker.select_key("sandbox-unassigned")

    wait_for_state(qtbot, window.fleet_picker, PickerState.EMPTY)
    assert window.fleet_picker.placeholder == "This stack has no fleets"
    assert not window.fleet_picker.combo.isEnabled()
    assert window.application_picker.state is PickerState.IDLE
    assert not window.generate_button.isEnabled()
    assert "This stack has no fleets" in window.generate_hint_label.text()


def test_stack_list_error_and_retry(qtbot, make_window, emulator):
    emulator.faults.deny("DescribeStacks")
    window = make_window()

    wait_for_state(qtbot, window.stack_picker, PickerState.ERROR)
    assert "Access denied" in window.stack_picker.message
    assert "DescribeStacks" in window.stack_picker.message
    assert window.stack_picker.retry_button.isVisible()
    assert not window.generate_button.isEnabled()

    emulator.faults.clear()
    qtbot.mouseClick(window.stack_picker.retry_button, Qt.MouseButton.LeftButton)

    wait_for_state(qtbot, window.stack_picker, PickerState.READY)
    assert len(window.stack_picker.items) == SAMPLE_STACK_COUNT
    assert not window.stack_picker.retry_button.isVisible()
    assert window.stack_picker.message == ""


def test_fleet_list_server_error_and_retry(qtbot, make_window, emulator):
    window = make_window()
    wait_for_state(qtbot, window.stack_picker, PickerState.READY)
    emulator.faults.http_500(10, "ListAssociatedFleets")

    window.stack_picker.select_key("finance-reporting")

    wait_for_state(qtbot, window.fleet_picker, PickerState.ERROR, timeout=FAILURE_TIMEOUT_MS)
    assert "ListAssociatedFleets" in window.fleet_picker.message
    assert "HTTP 500" in window.fleet_picker.message
    assert window.fleet_picker.retry_button.isVisible()

    emulator.faults.clear()
    qtbot.mouseClick(window.fleet_picker.retry_button, Qt.MouseButton.LeftButton)

    wait_for_state(qtbot, window.fleet_picker, PickerState.READY)
    assert window.fleet_picker.selected_key() == "finance-reporting"


def test_application_list_error_keeps_catalog(qtbot, make_window, emulator):
    window = make_window()
    wait_for_state(qtbot, window.stack_picker, PickerState.READY)
    type_into(qtbot, window.user_id_edit, "catalog-user")
    emulator.faults.deny("DescribeImages")

    window.stack_picker.select_key("it-admin")

    wait_for_state(qtbot, window.application_picker, PickerState.ERROR)
    assert "DescribeImages" in window.application_picker.message
    assert window.application_picker.selected_key() == CATALOG_KEY
    assert window.generate_button.isEnabled()

    emulator.faults.clear()
    qtbot.mouseClick(window.application_picker.retry_button, Qt.MouseButton.LeftButton)

    wait_for_state(qtbot, window.application_picker, PickerState.READY)
    assert "powershell" in [item.key for item in window.application_picker.items]


def test_refresh_reloads_and_keeps_selection(qtbot, make_window, emulator):
    window = make_window()
    choose(qtbot, window, "data-science", "data-science", "rstudio")
    emulator.reset_calls()

    assert QKeySequence("F5") in window.refresh_action.shortcuts()
    window.refresh_action.trigger()

    wait_for_state(qtbot, window.application_picker, PickerState.READY)
    assert "DescribeStacks" in emulator.calls
    assert "DescribeImages" in emulator.calls
    assert window.stack_picker.selected_key() == "data-science"
    assert window.fleet_picker.selected_key() == "data-science"
    assert window.application_picker.selected_key() == "rstudio"


def test_stack_combo_filters_as_you_type(qtbot, make_window):
    window = make_window()
    wait_for_state(qtbot, window.stack_picker, PickerState.READY)
    line_edit = window.stack_picker.combo.lineEdit()
    completer = window.stack_picker.combo.completer()
    assert completer.filterMode() == Qt.MatchFlag.MatchContains

    type_into(qtbot, line_edit, "finance")

    assert completer.completionCount() == 3
    assert window.stack_picker.selected_item() is None
    assert window.stack_picker.combo.property("invalid") is True
    assert "No stack is named 'finance'" in window.generate_hint_label.text()

    qtbot.keyClicks(line_edit, "-au")
    qtbot.keyClick(line_edit, Qt.Key.Key_Return)

    assert window.stack_picker.selected_key() == "finance-audit"
    assert window.stack_picker.combo.property("invalid") is False
    wait_for_state(qtbot, window.fleet_picker, PickerState.READY)


# Fleet state -----------------------------------------------------------------------------


def find_confirmation(window: MainWindow) -> QMessageBox | None:
    box = window.findChild(QMessageBox, "fleetStateConfirm")
    return box if box is not None and box.isVisible() else None


def click_confirmation_button(qtbot, window: MainWindow, text: str) -> None:
    qtbot.waitUntil(lambda: find_confirmation(window) is not None)
    box = find_confirmation(window)
    assert box is not None
    buttons = [button for button in box.findChildren(QAbstractButton) if button.text().replace("&", "") == text]
    assert buttons, f"no {text!r} button in {[b.text() for b in box.findChildren(QAbstractButton)]}"
    qtbot.mouseClick(buttons[0], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: find_confirmation(window) is None)


def test_stopped_fleet_warns_and_confirms(qtbot, make_window, emulator):
    window = make_window()
    choose(qtbot, window, "training-classroom", "training-lab")
    type_into(qtbot, window.user_id_edit, "trainee")

    label = window.fleet_picker.selected_item().label
    assert label.startswith("⚠")
    assert "STOPPED" in label
    assert "STOPPED" in window.fleet_picker.message
    assert "RUNNING" in window.fleet_picker.message

    emulator.reset_calls()
    qtbot.mouseClick(window.generate_button, Qt.MouseButton.LeftButton)
    click_confirmation_button(qtbot, window, "Cancel")
    assert "CreateStreamingURL" not in emulator.calls
    assert "Not generated" in window.status_label.text()

    qtbot.mouseClick(window.generate_button, Qt.MouseButton.LeftButton)
    click_confirmation_button(qtbot, window, "Generate anyway")
    qtbot.waitUntil(lambda: window.status_label.property("tone") == "error", timeout=LOAD_TIMEOUT_MS)
    assert "CreateStreamingURL" in emulator.calls
    assert "RUNNING" in window.status_label.text()
    assert window.url_edit.text() == ""


def test_running_fleet_generates_without_confirmation(qtbot, make_window):
    window = make_window()
    choose(qtbot, window, "office-hq")
    type_into(qtbot, window.user_id_edit, "no-questions")

    generate_and_wait(qtbot, window)

    assert find_confirmation(window) is None


# Input checks ----------------------------------------------------------------------------


def test_invalid_user_id_disables_generate(qtbot, make_window):
    window = make_window()
    choose(qtbot, window, "office-hq")

    type_into(qtbot, window.user_id_edit, "bad user!")

    assert not window.generate_button.isEnabled()
    assert window.user_id_edit.property("invalid") is True
    assert "rejects" in window.user_id_edit.toolTip()
    message = window.user_id_message_label
    assert message.isVisible()
    assert "contains characters AppStream rejects" in message.text()
    assert window.generate_hint_label.text() == "Correct the fields marked in red to generate."

    type_into(qtbot, window.user_id_edit, "good-user")

    assert window.generate_button.isEnabled()
    assert window.user_id_edit.property("invalid") is False
    assert not message.isVisible()


def test_untouched_empty_user_id_is_not_marked(qtbot, make_window):
    window = make_window()
    choose(qtbot, window, "office-hq")

    assert not window.generate_button.isEnabled()
    assert not window.user_id_edit.property("invalid")
    assert "User ID is missing" in window.generate_hint_label.text()


def test_blank_session_context_is_invalid(qtbot, make_window):
    window = make_window()
    choose(qtbot, window, "office-hq")
    type_into(qtbot, window.user_id_edit, "context-user")

    type_into(qtbot, window.session_context_edit, "   ")
    assert not window.generate_button.isEnabled()
    assert window.session_context_edit.property("invalid") is True
    assert "Session context is empty" in window.session_context_message_label.text()

    type_into(qtbot, window.session_context_edit, "course=42")
    assert window.generate_button.isEnabled()
    assert window.build_request().session_context == "course=42"

    window.session_context_edit.clear()
    assert window.build_request().session_context is None


def test_custom_validity_in_seconds(qtbot, make_window):
    window = make_window()
    picker = window.validity_picker
    assert not picker.spin.isVisible()

    picker.combo.setCurrentIndex(picker.combo.findText("1 h"))
    assert window.build_request().validity_seconds == 3600

    picker.combo.setCurrentIndex(picker.combo.findText("Custom…"))
    assert picker.spin.isVisible()
    assert picker.spin.value() == 3600
    picker.spin.setValue(90)

    assert window.build_request().validity_seconds == 90
    assert picker.duration_label.text() == "= 1 min 30 s"


def test_invalid_region_blocks_until_valid(qtbot, make_window, emulator):
    window = make_window()
    wait_for_state(qtbot, window.stack_picker, PickerState.READY)
    line_edit = window.region_combo.lineEdit()

    type_into(qtbot, line_edit, "moon-base")
    assert window.region_combo.property("invalid") is True
    assert window.region_message_label.isVisible()
    assert "not a region name" in window.region_message_label.text()
    assert window.current_region() == "us-east-1"

    emulator.reset_calls()
    type_into(qtbot, line_edit, "eu-west-1")

    assert window.current_region() == "eu-west-1"
    assert window.region_combo.property("invalid") is False
    wait_for_state(qtbot, window.stack_picker, PickerState.READY)
    assert "DescribeStacks" in emulator.calls


# Credential sources and settings ---------------------------------------------------------


def write_aws_profiles(monkeypatch) -> None:
    """Give the default chain keys and add profiles alpha (eu-central-1) and beta (no region)."""
    Path(os.environ["AWS_CONFIG_FILE"]).write_text(
        "[profile alpha]\nregion = eu-central-1\n\n[profile beta]\n", encoding="utf-8"
    )
    Path(os.environ["AWS_SHARED_CREDENTIALS_FILE"]).write_text(
        "[alpha]\naws_access_key_id = AKIAALPHA0000000000\naws_secret_access_key = alpha-secret\n\n"
        "[beta]\naws_access_key_id = AKIABETA00000000000\naws_secret_access_key = beta-secret\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIADEFAULT00000000")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "default-secret")


def test_source_switch_uses_profile_region(qtbot, make_window, monkeypatch):
    write_aws_profiles(monkeypatch)
    window = make_window(sources=list_sources())
    combo = window.credential_combo
    assert [combo.itemText(index) for index in range(combo.count())] == [
        "Default AWS credential chain",
        "Profile: alpha",
        "Profile: beta",
    ]
    assert window.current_region() == "us-east-1"
    wait_for_state(qtbot, window.stack_picker, PickerState.READY)

    combo.setCurrentIndex(combo.findData("profile:alpha"))

    assert window.current_region() == "eu-central-1"
    assert window.region_combo.currentText() == "eu-central-1"
    wait_for_state(qtbot, window.stack_picker, PickerState.READY)

    type_into(qtbot, window.region_combo.lineEdit(), "eu-west-1")
    assert window.current_region() == "eu-west-1"
    combo.setCurrentIndex(combo.findData("default"))
    assert window.current_region() == "us-east-1"
    combo.setCurrentIndex(combo.findData("profile:alpha"))
    assert window.current_region() == "eu-west-1"
    wait_for_state(qtbot, window.stack_picker, PickerState.READY)


def test_settings_restored_in_second_window(qtbot, make_window, monkeypatch):
    write_aws_profiles(monkeypatch)
    first = make_window(sources=list_sources())
    first.credential_combo.setCurrentIndex(first.credential_combo.findData("profile:beta"))
    choose(qtbot, first, "data-science", "data-science", "jupyterlab")
    type_into(qtbot, first.user_id_edit, "restored-user")
    first.validity_picker.combo.setCurrentIndex(first.validity_picker.combo.findText("1 h"))
    first.open_after_check.setChecked(False)
    first.open_after_check.setChecked(True)
    first.open_after_check.setChecked(False)
    generate_and_wait(qtbot, first)
    first.close()

    stored = (config_dir() / "settings.json").read_text(encoding="utf-8")
    assert "authenticate" not in stored
    assert "parameters=" not in stored
    assert json.loads(stored)["source_regions"] == {"profile:beta": "us-east-1"}

    second = make_window(sources=list_sources())
    assert second.credential_combo.currentData() == "profile:beta"
    assert second.user_id_edit.text() == "restored-user"
    assert second.validity_picker.seconds() == 3600
    assert not second.open_after_check.isChecked()
    wait_for_state(qtbot, second.application_picker, PickerState.READY)
    assert second.stack_picker.selected_key() == "data-science"
    assert second.fleet_picker.selected_key() == "data-science"
    assert second.application_picker.selected_key() == "jupyterlab"
    assert second.generate_button.isEnabled()


def test_open_after_setting_restored(qtbot, make_window):
    first = make_window()
    first.open_after_check.setChecked(True)
    first.close()

    second = make_window()

    assert second.open_after_check.isChecked()


def test_saving_keeps_fields_written_elsewhere(qtbot, make_window):
    window = make_window()
    type_into(qtbot, window.user_id_edit, "window-user")
    store = SettingsStore(config_dir() / "settings.json")
    written_elsewhere = store.load()
    written_elsewhere.saved_credentials = {"ops": {"access_key_id": "AKIAOPS0000000000000"}}
    store.save(written_elsewhere)

    window.save_settings()

    stored = store.load()
    assert stored.user_id == "window-user"
    assert stored.saved_credentials == {"ops": {"access_key_id": "AKIAOPS0000000000000"}}


def test_clipboard_clear_delay_is_saved(qtbot, make_window):
    window = make_window()
    window.result_panel.clipboard_clear_seconds = 30
    window.result_panel.clipboard_clear_changed.emit(30)

    window.save_settings()

    assert SettingsStore(config_dir() / "settings.json").load().clipboard_clear_seconds == 30


def test_help_about_opens_about_dialog(qtbot, make_window):
    window = make_window()
    window.findChild(QAction, "aboutAction").trigger()
    dialog = window.findChild(QDialog, "aboutDialog")
    assert dialog is not None
    assert dialog.isVisible()
    dialog.tasks.shutdown(5000)
    dialog.close()


def test_corrupt_settings_file_warns(qtbot, make_window):
    path = config_dir() / "settings.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{not json", encoding="utf-8")

    window = make_window()

    assert window.status_label.property("tone") == "warning"
    assert "not valid JSON" in window.status_label.text()


# Keyboard access and lifetime ------------------------------------------------------------

LABELLED_CONTROLS = (
    "credentialCombo",
    "regionCombo",
    "stackCombo",
    "fleetCombo",
    "applicationCombo",
    "userIdEdit",
    "validityCombo",
    "validitySpin",
    "sessionContextEdit",
    "urlEdit",
)
BUTTONS = ("openAfterCheck", "generateButton", "copyButton", "openButton")


def mnemonic(text: str) -> str | None:
    index = text.replace("&&", "").find("&")
    return text.replace("&&", "")[index + 1].lower() if index >= 0 else None


def test_controls_have_names_and_mnemonics(qtbot, make_window):
    window = make_window()
    buddies = {label.buddy(): label for label in window.findChildren(QLabel) if label.buddy() is not None}
    letters: list[str] = []

    for name in LABELLED_CONTROLS:
        control = window.findChild(QWidget, name)
        assert control is not None, name
        assert control.accessibleName(), f"{name} has no accessible name"
        assert control in buddies, f"{name} has no label"
        letter = mnemonic(buddies[control].text())
        assert letter, f"the label of {name} has no mnemonic"
        letters.append(letter)
    for name in BUTTONS:
        control = window.findChild(QAbstractButton, name)
        assert control is not None, name
        assert control.accessibleName(), f"{name} has no accessible name"
        letter = mnemonic(control.text())
        assert letter, f"{name} has no mnemonic"
        letters.append(letter)
    for action in window.menuBar().actions():
        letters.append(mnemonic(action.text()))

    assert len(letters) == len(set(letters)), f"mnemonics used twice: {sorted(letters)}"


def test_tab_order_follows_the_form(qtbot, make_window):
    window = make_window()
    order = []
    widget = window.credential_combo
    for _ in range(30):
        order.append(widget.objectName())
        widget = widget.nextInFocusChain()
        if widget is window.credential_combo:
            break
    expected = ["credentialCombo", "regionCombo", "stackCombo", "fleetCombo", "applicationCombo", "userIdEdit"]
    positions = [order.index(name) for name in expected]
    assert positions == sorted(positions)
    assert order.index("generateButton") < order.index("urlEdit") < order.index("copyButton")


def test_close_does_not_wait_for_requests(qtbot, make_window, emulator):
    emulator.faults.slow(2.0, 1, "DescribeStacks")
    window = make_window()
    qtbot.waitUntil(lambda: "DescribeStacks" in emulator.calls, timeout=LOAD_TIMEOUT_MS)

    started = time.monotonic()
    window.close()
    elapsed = time.monotonic() - started

    assert elapsed < 0.5
    qtbot.waitUntil(lambda: window.tasks.active_count() == 0, timeout=LOAD_TIMEOUT_MS)
    qtbot.wait(100)
    assert window.stack_picker.state is PickerState.LOADING


def test_ui_modules_do_not_import_boto3():
    code = (
        "import sys\n"
        "import launcher.ui.app, launcher.ui.main_window\n"
        "loaded = sorted(name for name in ('boto3', 'botocore') if name in sys.modules)\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=REPOSITORY, check=True
    )
    assert result.stdout.strip() == ""


def run_window_until_loaded(qapp, **options) -> tuple[int, dict[str, object]]:
    """Run run_window, record what its window shows once no request is running, then close it."""
    observed: dict[str, object] = {}
    poll = QTimer()
    poll.setInterval(50)

    def close_when_loaded() -> None:
        window = find_main_window()
        if window is None or window.stack_picker.state is PickerState.LOADING or window.tasks.active_count():
            return
        combo = window.credential_combo
        observed["title"] = window.windowTitle()
        observed["sources"] = [combo.itemText(index) for index in range(combo.count())]
        observed["source"] = combo.currentText()
        observed["region"] = window.current_region()
        observed["stack_state"] = window.stack_picker.state
        observed["stacks"] = len(window.stack_picker.items)
        observed["status"] = window.status_label.text()
        poll.stop()
        window.close()

    poll.timeout.connect(close_when_loaded)
    poll.start()
    safety = QTimer()
    safety.setSingleShot(True)
    safety.timeout.connect(qapp.quit)
    safety.start(LOAD_TIMEOUT_MS)

    code = run_window(**options)

    safety.stop()
    poll.stop()
    return code, observed


def test_run_window_demo_mode(qapp, restore_logging):
    code, observed = run_window_until_loaded(
        qapp, demo=True, endpoint_url=None, profile=None, region=None, verbose=False
    )

    assert code == 0
    assert observed["title"] == "AppStream Launcher — Demo (local emulator)"
    assert observed["sources"] == ["Demo (local emulator)"]
    assert observed["region"] == "us-east-1"
    assert observed["stacks"] == SAMPLE_STACK_COUNT
    assert (config_dir() / DEMO_SETTINGS_FILE_NAME).is_file()
    assert not (config_dir() / "settings.json").exists()


def test_run_window_lists_profiles_and_saved(qapp, emulator, monkeypatch, restore_logging):
    write_aws_profiles(monkeypatch)
    SettingsStore(config_dir() / "settings.json").save(
        Settings(saved_credentials={"lab-admin": {"access_key_id": "AKIALAB000000000000"}})
    )

    code, observed = run_window_until_loaded(
        qapp, demo=False, endpoint_url=emulator.endpoint_url, profile="ghost", region="eu-west-1", verbose=False
    )

    assert code == 0
    assert observed["title"] == f"AppStream Launcher — {emulator.endpoint_url}"
    assert observed["sources"] == [
        "Default AWS credential chain",
        "Profile: alpha",
        "Profile: beta",
        "Saved: lab-admin",
        "Profile: ghost",
    ]
    assert observed["source"] == "Profile: ghost"
    assert observed["region"] == "eu-west-1"
    # The profile does not exist, so listing the stacks fails with a message naming it.
    assert observed["stack_state"] is PickerState.ERROR
    stored = json.loads((config_dir() / "settings.json").read_text(encoding="utf-8"))
    assert stored["credential_source"] == "profile:ghost"
    assert "lab-admin" in stored["saved_credentials"]


def test_run_window_reports_corrupt_settings(qapp, emulator, restore_logging):
    path = config_dir() / "settings.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("[1, 2", encoding="utf-8")

    code, observed = run_window_until_loaded(
        qapp, demo=False, endpoint_url=emulator.endpoint_url, profile=None, region=None, verbose=False
    )

    assert code == 0
    assert "not valid JSON" in str(observed["status"])


def test_run_window_exits_without_waiting_for_requests(tmp_path):
    script = textwrap.dedent(
        """
        import launcher.emulator
        from PySide6.QtCore import QTimer
        from launcher.ui import app as ui_app

        original_start = launcher.emulator.start_emulator

        def slow_emulator(*args, **kwargs):
            emulator = original_start(*args, **kwargs)
            emulator.faults.slow(30.0, 1, "DescribeStacks")
            return emulator

        launcher.emulator.start_emulator = slow_emulator
        qt_app = ui_app.application()
        QTimer.singleShot(1000, qt_app.closeAllWindows)
        raise SystemExit(ui_app.run_window(demo=True, endpoint_url=None, profile=None, region=None, verbose=False))
        """
    )
    environment = dict(os.environ, QT_QPA_PLATFORM="offscreen", APPSTREAM_LAUNCHER_CONFIG_DIR=str(tmp_path))
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=REPOSITORY, env=environment
    )
    elapsed = time.monotonic() - started

    assert result.returncode == 0, result.stderr
    # The slowed DescribeStacks would hold a worker for 30 s; the exit waits about 1 s.
    assert elapsed < 15, f"exit took {elapsed:.1f} s"


def test_changed_choice_marks_url_stale(qtbot, make_window):
    window = make_window()
    choose(qtbot, window, "office-hq", "office-always-on")
    type_into(qtbot, window.user_id_edit, "first-user")
    generate_and_wait(qtbot, window)

    type_into(qtbot, window.user_id_edit, "x")

    assert "generated for stack office-hq" in window.status_label.text()
    assert window.status_label.property("tone") == "warning"
