"""The window's fleet start, session table, client and QR code, endpoint options, recent launches and user ID tools.

The window talks to the emulator over HTTP and is driven with pytest-qt on the offscreen
platform. "Opening" a URL means fetching it from the emulator with urllib, which starts a
session there the way a browser would.
"""

from __future__ import annotations

import json
import os
import urllib.request

import pytest
import segno

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QObject, Qt, QUrl, Slot  # noqa: E402
from PySide6.QtGui import QDesktopServices  # noqa: E402
from PySide6.QtWidgets import QAbstractButton, QDialogButtonBox, QLabel, QMessageBox, QWidget  # noqa: E402

from launcher.appstream.endpoints import EndpointOptions, fips_regions  # noqa: E402
from launcher.appstream.native_client import streaming_url_of_link  # noqa: E402
from launcher.appstream.recent import RecentLaunch  # noqa: E402
from launcher.appstream.validation import validate_user_id  # noqa: E402
from launcher.emulator import start_emulator  # noqa: E402
from launcher.settings import config_dir  # noqa: E402
from launcher.ui import tasks  # noqa: E402
from launcher.ui.app import demo_source  # noqa: E402
from launcher.ui.endpoint_dialog import EndpointOptionsDialog  # noqa: E402
from launcher.ui.main_window import MainWindow  # noqa: E402
from launcher.ui.picker import PickerState, ResourcePicker  # noqa: E402
from launcher.ui.qr_dialog import QR_BORDER_MODULES, QRCodeDialog, QRCodeError, qr_png  # noqa: E402

LOAD_TIMEOUT_MS = 15000
# Fast polling for the emulator's 0.2 s transitions; the window's defaults are seconds.
TEST_POLL_MS = 100


pytestmark = pytest.mark.usefixtures("no_worker_left_running")

@pytest.fixture
def make_window(window_factory, emulator):
    """Create shown windows with the demo credentials; the shared emulator unless endpoint_url is given."""

    def create(**options) -> MainWindow:
        options.setdefault("endpoint_url", emulator.endpoint_url)
        window = window_factory(**options)
        window.fleet_readiness.poll_interval_ms = TEST_POLL_MS
        window.sessions_view.fast_interval_ms = TEST_POLL_MS
        return window

    return create


def wait_for_state(qtbot, picker: ResourcePicker, state: PickerState) -> None:
    qtbot.waitUntil(lambda: picker.state is state, timeout=LOAD_TIMEOUT_MS)


def choose(qtbot, window: MainWindow, stack: str, fleet: str | None = None, application: str | None = None) -> None:
    wait_for_state(qtbot, window.stack_picker, PickerState.READY)
    assert window.stack_picker.select_key(stack), f"stack {stack} not listed"
    wait_for_state(qtbot, window.fleet_picker, PickerState.READY)
    if fleet is not None and window.fleet_picker.selected_key() != fleet:
        assert window.fleet_picker.select_key(fleet), f"fleet {fleet} not listed"
    wait_for_state(qtbot, window.application_picker, PickerState.READY)
    if application is not None:
        assert window.application_picker.select_key(application), f"application {application} not listed"


def generate_and_wait(qtbot, window: MainWindow) -> str:
    assert window.generate_button.isEnabled(), window.generate_hint_label.text()
    previous = window.url_edit.text()
    qtbot.mouseClick(window.generate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.url_edit.text() not in ("", previous), timeout=LOAD_TIMEOUT_MS)
    return window.url_edit.text()


def click(qtbot, button: QAbstractButton) -> None:
    assert button.isVisible(), f"{button.objectName()} is hidden"
    assert button.isEnabled(), f"{button.objectName()} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def answer_message_box(qtbot, parent: QWidget, name: str, button_text: str) -> str:
    """Wait for the message box `name`, press its button `button_text` and return its informative text."""

    def visible_box() -> QMessageBox | None:
        box = parent.findChild(QMessageBox, name)
        return box if box is not None and box.isVisible() else None

    qtbot.waitUntil(lambda: visible_box() is not None)
    box = visible_box()
    assert box is not None
    texts = {button.text().replace("&", ""): button for button in box.findChildren(QAbstractButton)}
    assert button_text in texts, f"no {button_text!r} button in {sorted(texts)}"
    informative = box.informativeText()
    qtbot.mouseClick(texts[button_text], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: visible_box() is None)
    return informative


class FetchingUrlHandler(QObject):
    """Stands in for the browser: fetches each http URL that QDesktopServices.openUrl receives."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    @Slot(QUrl)
    def open_url(self, url: QUrl) -> None:
        text = url.toEncoded().data().decode()
        self.urls.append(text)
        with urllib.request.urlopen(text, timeout=10) as response:
            response.read()


class RecordingUrlHandler(QObject):
    """Records the URLs of one scheme that QDesktopServices.openUrl receives."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    @Slot(QUrl)
    def open_url(self, url: QUrl) -> None:
        self.urls.append(url.toEncoded().data().decode())


@pytest.fixture
def browser():
    handler = FetchingUrlHandler()
    QDesktopServices.setUrlHandler("http", handler, "open_url")
    yield handler
    QDesktopServices.unsetUrlHandler("http")


@pytest.fixture
def appstream_client():
    handler = RecordingUrlHandler()
    QDesktopServices.setUrlHandler("amazonappstream", handler, "open_url")
    yield handler
    QDesktopServices.unsetUrlHandler("amazonappstream")


# Fleet readiness and Start fleet --------------------------------------------------------------


def test_running_fleet_shows_capacity(qtbot, make_window):
    window = make_window()

    choose(qtbot, window, "office-hq", "office-always-on")

    label = window.findChild(QLabel, "fleetReadinessLabel")
    assert label is window.readiness_label
    assert label.isVisible()
    assert label.text().startswith("Running (Always-On):")
    assert "of 4 instances available" in label.text()
    assert label.property("tone") == "success"
    assert not window.start_fleet_button.isVisible()


def test_start_stopped_fleet_until_running(qtbot, make_window, fresh_emulator):
    window = make_window(endpoint_url=fresh_emulator.endpoint_url)
    choose(qtbot, window, "training-classroom", "training-lab")
    window.user_id_edit.setText("trainee")
    assert window.readiness_label.text().startswith("Stopped (On-Demand)")
    assert window.findChild(QAbstractButton, "startFleetButton") is window.start_fleet_button

    click(qtbot, window.start_fleet_button)
    informative = answer_message_box(qtbot, window, "startFleetConfirm", "Start fleet")

    assert "charges" in informative
    qtbot.waitUntil(lambda: "RUNNING after" in window.status_label.text(), timeout=LOAD_TIMEOUT_MS)
    assert fresh_emulator.calls.count("StartFleet") == 1
    assert fresh_emulator.calls.count("DescribeFleets") >= 2
    # The fleet list reloads, so the dropdown, the note and Generate see the RUNNING fleet.
    qtbot.waitUntil(lambda: window.fleet_picker.selected_item() is not None
                    and "RUNNING" in window.fleet_picker.selected_item().label, timeout=LOAD_TIMEOUT_MS)
    wait_for_state(qtbot, window.application_picker, PickerState.READY)
    assert window.readiness_label.text().startswith("Running (On-Demand)")
    assert not window.start_fleet_button.isVisible()
    assert not window.fleet_readiness.progress.isVisible()
    assert window.fleet_picker.message == ""

    url = generate_and_wait(qtbot, window)
    assert url.startswith(fresh_emulator.endpoint_url)
    assert window.findChild(QMessageBox, "fleetStateConfirm") is None


def test_start_fleet_cancelled_in_confirmation(qtbot, make_window, fresh_emulator):
    window = make_window(endpoint_url=fresh_emulator.endpoint_url)
    choose(qtbot, window, "training-classroom", "training-lab")

    click(qtbot, window.start_fleet_button)
    answer_message_box(qtbot, window, "startFleetConfirm", "Cancel")

    assert "StartFleet" not in fresh_emulator.calls
    assert window.start_fleet_button.isVisible()


def test_stop_waiting_for_fleet_start(qtbot, make_window):
    # A fleet that stays STARTING for a minute, so the wait is still running when it is cancelled.
    with start_emulator(fleet_transition_seconds=60) as slow_emulator:
        window = make_window(endpoint_url=slow_emulator.endpoint_url)
        choose(qtbot, window, "training-classroom", "training-lab")

        click(qtbot, window.start_fleet_button)
        answer_message_box(qtbot, window, "startFleetConfirm", "Start fleet")
        qtbot.waitUntil(lambda: slow_emulator.calls.count("DescribeFleets") >= 3, timeout=LOAD_TIMEOUT_MS)
        assert window.fleet_readiness.progress.isVisible()
        assert "STARTING" in window.readiness_label.text()

        click(qtbot, window.fleet_readiness.cancel_button)

        assert not window.fleet_readiness.is_waiting
        assert "keeps starting" in window.status_label.text()
        qtbot.waitUntil(lambda: window.tasks.active_count() == 0, timeout=LOAD_TIMEOUT_MS)
        polls = slow_emulator.calls.count("DescribeFleets")
        qtbot.wait(5 * TEST_POLL_MS)
        assert slow_emulator.calls.count("DescribeFleets") == polls
        assert not window.fleet_readiness.cancel_button.isVisible()
        window.close()


def test_start_fleet_denied(qtbot, make_window, emulator):
    window = make_window()
    choose(qtbot, window, "training-classroom", "training-lab")
    emulator.faults.deny("StartFleet")

    click(qtbot, window.start_fleet_button)
    answer_message_box(qtbot, window, "startFleetConfirm", "Start fleet")

    qtbot.waitUntil(lambda: window.status_label.property("tone") == "error", timeout=LOAD_TIMEOUT_MS)
    assert "appstream:StartFleet" in window.status_label.text()
    assert window.start_fleet_button.isVisible()
    assert not window.fleet_readiness.is_waiting


def test_choosing_another_fleet_ends_the_wait(qtbot, make_window):
    with start_emulator(fleet_transition_seconds=60) as slow_emulator:
        window = make_window(endpoint_url=slow_emulator.endpoint_url)
        choose(qtbot, window, "training-classroom", "training-lab")
        click(qtbot, window.start_fleet_button)
        answer_message_box(qtbot, window, "startFleetConfirm", "Start fleet")
        qtbot.waitUntil(lambda: window.fleet_readiness.progress.isVisible() and "StartFleet" in slow_emulator.calls,
                        timeout=LOAD_TIMEOUT_MS)
        qtbot.waitUntil(lambda: not window.tasks.is_pending("fleet-start"), timeout=LOAD_TIMEOUT_MS)

        choose(qtbot, window, "office-hq")

        assert not window.fleet_readiness.is_waiting
        assert "another fleet is selected" in window.status_label.text()
        assert window.readiness_label.text().startswith("Running")
        window.close()


def test_access_endpoint_warning(qtbot, make_window):
    window = make_window()
    label = window.findChild(QLabel, "accessEndpointLabel")

    choose(qtbot, window, "finance-private")
    assert label.isVisible()
    assert "vpce-0a1b2c3d4e5f67890" in label.text()
    assert "not from the internet" in label.text()

    choose(qtbot, window, "finance-reporting")
    assert not label.isVisible()


# Sessions -----------------------------------------------------------------------------------


def session_states(window: MainWindow) -> list[str]:
    table = window.sessions_view.table
    return [table.item(row, 1).text() for row in range(table.rowCount())]


def test_opened_url_shows_session_until_active(qtbot, make_window, fresh_emulator, browser):
    window = make_window(endpoint_url=fresh_emulator.endpoint_url)
    window.sessions_view.slow_interval_ms = 60000
    choose(qtbot, window, "office-hq", "office-always-on", "excel")
    window.user_id_edit.setText("watched-user")
    url = generate_and_wait(qtbot, window)

    click(qtbot, window.open_button)

    assert browser.urls == [url]
    table = window.findChild(QWidget, "sessionsView")
    assert table is window.sessions_view.table
    assert [table.horizontalHeaderItem(column).text() for column in range(table.columnCount())] == [
        "Session ID",
        "State",
        "Connection",
        "Started",
        "Instance",
    ]
    qtbot.waitUntil(lambda: session_states(window) == ["ACTIVE"], timeout=LOAD_TIMEOUT_MS)
    session = window.sessions_view.sessions[0]
    assert session.user_id == "watched-user"
    assert table.item(0, 0).text() == session.session_id
    assert table.item(0, 2).text() == "CONNECTED"
    assert table.item(0, 4).text().startswith("i-")
    assert "ACTIVE" in window.session_summary_label.text()
    assert window.tabs.tabText(1) == "Sessions (1)"
    # Once the session is ACTIVE the table refreshes at the slow interval only.
    assert "every 60 s" in window.sessions_view.state_label.text()
    calls = fresh_emulator.calls.count("DescribeSessions")
    qtbot.wait(5 * TEST_POLL_MS)
    assert fresh_emulator.calls.count("DescribeSessions") == calls

    window.tabs.setCurrentWidget(window.sessions_view)
    click(qtbot, window.sessions_view.refresh_button)
    qtbot.waitUntil(lambda: fresh_emulator.calls.count("DescribeSessions") == calls + 1, timeout=LOAD_TIMEOUT_MS)


def test_expire_session_after_confirmation(qtbot, make_window, fresh_emulator, browser):
    window = make_window(endpoint_url=fresh_emulator.endpoint_url)
    choose(qtbot, window, "office-hq", "office-always-on")
    window.user_id_edit.setText("expiring-user")
    generate_and_wait(qtbot, window)
    click(qtbot, window.open_button)
    qtbot.waitUntil(lambda: session_states(window) == ["ACTIVE"], timeout=LOAD_TIMEOUT_MS)
    window.tabs.setCurrentWidget(window.sessions_view)
    expire_button = window.findChild(QAbstractButton, "expireSessionButton")
    window.sessions_view.table.selectRow(0)

    click(qtbot, expire_button)
    answer_message_box(qtbot, window, "expireSessionConfirm", "Cancel")
    assert "ExpireSession" not in fresh_emulator.calls

    click(qtbot, expire_button)
    answer_message_box(qtbot, window, "expireSessionConfirm", "Expire session")

    qtbot.waitUntil(lambda: session_states(window) == ["EXPIRED"], timeout=LOAD_TIMEOUT_MS)
    assert fresh_emulator.calls.count("ExpireSession") == 1
    assert "expired" in window.status_label.text()
    assert not expire_button.isEnabled()
    assert window.tabs.tabText(1) == "Sessions"
    assert "automatic refresh stopped" in window.sessions_view.state_label.text()


def test_open_after_generate_watches_sessions(qtbot, make_window, fresh_emulator, browser):
    window = make_window(endpoint_url=fresh_emulator.endpoint_url)
    choose(qtbot, window, "data-science", "data-science", "jupyterlab")
    window.user_id_edit.setText("auto-opened")
    window.open_after_check.setChecked(True)

    generate_and_wait(qtbot, window)

    assert len(browser.urls) == 1
    qtbot.waitUntil(lambda: session_states(window) == ["ACTIVE"], timeout=LOAD_TIMEOUT_MS)
    assert window.sessions_view.scope.user_id == "auto-opened"
    assert window.sessions_view.scope.stack_name == "data-science"


def test_sessions_denied_stops_refreshing(qtbot, make_window, emulator, browser):
    window = make_window()
    choose(qtbot, window, "office-hq")
    window.user_id_edit.setText("denied-sessions")
    generate_and_wait(qtbot, window)
    emulator.faults.deny("DescribeSessions")

    click(qtbot, window.open_button)

    qtbot.waitUntil(lambda: window.sessions_view.state_label.property("tone") == "error", timeout=LOAD_TIMEOUT_MS)
    assert "appstream:DescribeSessions" in window.sessions_view.state_label.text()
    assert not window.sessions_view.is_polling()


# The AppStream client and the QR code -----------------------------------------------------------


def test_open_in_client_uses_amazonappstream_link(qtbot, make_window, appstream_client):
    window = make_window()
    choose(qtbot, window, "office-hq")
    window.user_id_edit.setText("client-user")
    assert not window.open_in_client_button.isEnabled()
    url = generate_and_wait(qtbot, window)

    click(qtbot, window.findChild(QAbstractButton, "openInClientButton"))

    assert len(appstream_client.urls) == 1
    assert streaming_url_of_link(appstream_client.urls[0]) == url
    assert "AppStream client" in window.status_label.text()
    assert window.sessions_view.scope is not None


def test_open_in_client_falls_back_to_browser(qtbot, make_window, browser):
    window = make_window()
    choose(qtbot, window, "office-hq")
    window.user_id_edit.setText("no-client-user")
    url = generate_and_wait(qtbot, window)

    # No handler is registered for amazonappstream:, so openUrl fails on the offscreen platform.
    click(qtbot, window.open_in_client_button)

    assert browser.urls == [url]
    assert window.status_label.property("tone") == "warning"
    assert "sent to the web browser instead" in window.status_label.text()


def test_client_and_qr_buttons_disabled_after_expiry(qtbot, make_window):
    window = make_window()
    choose(qtbot, window, "office-hq")
    window.user_id_edit.setText("short-lived")
    window.validity_picker.set_seconds(2)
    generate_and_wait(qtbot, window)
    assert window.qr_button.isEnabled()
    assert window.open_in_client_button.isEnabled()

    qtbot.waitUntil(lambda: not window.open_button.isEnabled(), timeout=5000)

    assert not window.open_in_client_button.isEnabled()
    assert not window.qr_button.isEnabled()


def dark_modules(image, modules: int) -> list[list[bool]]:
    """Read a QR code image back as rows of dark (True) and light modules, skipping the 4-module border."""
    scale = image.width() // (modules + 2 * QR_BORDER_MODULES)
    rows = []
    for row in range(modules):
        y = (row + QR_BORDER_MODULES) * scale + scale // 2
        rows.append(
            [image.pixelColor((column + QR_BORDER_MODULES) * scale + scale // 2, y).lightness() < 128 for column in range(modules)]
        )
    return rows


def test_qr_code_dialog_shows_code_and_warning(qtbot, make_window):
    window = make_window()
    choose(qtbot, window, "office-hq")
    window.user_id_edit.setText("tablet-user")
    url = generate_and_wait(qtbot, window)

    click(qtbot, window.findChild(QAbstractButton, "qrButton"))

    qtbot.waitUntil(lambda: window.findChild(QRCodeDialog) is not None and window.findChild(QRCodeDialog).isVisible())
    dialog = window.findChild(QRCodeDialog)
    assert dialog.objectName() == "qrCodeDialog"
    assert dialog.pixmap is not None and not dialog.pixmap.isNull()
    assert dialog.pixmap.width() >= 200
    assert dialog.pixmap.width() == dialog.pixmap.height()
    # The image is the QR code of exactly this URL, module by module.
    expected = segno.make_qr(url, error="l", boost_error=True)
    assert dark_modules(dialog.pixmap.toImage(), len(expected.matrix)) == [[bool(bit) for bit in row] for row in expected.matrix]
    warning = dialog.findChild(QLabel, "qrWarningLabel").text()
    assert "tablet-user" in warning
    assert "password" in warning
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Close).click()
    qtbot.waitUntil(lambda: window.findChild(QRCodeDialog) is None)


def test_qr_png_rejects_too_long_text():
    with pytest.raises(QRCodeError) as raised:
        qr_png("x" * 3000)
    assert "too long" in str(raised.value)


def test_qr_png_is_png():
    data = qr_png("http://127.0.0.1:8765/authenticate?parameters=token")
    assert data.startswith(b"\x89PNG\r\n\x1a\n")


# Endpoint options -----------------------------------------------------------------------------


def open_endpoint_dialog(qtbot, window: MainWindow) -> EndpointOptionsDialog:
    window.endpoint_options_action.trigger()
    qtbot.waitUntil(lambda: window.findChild(EndpointOptionsDialog) is not None)
    dialog = window.findChild(EndpointOptionsDialog)
    qtbot.waitUntil(dialog.isVisible)
    return dialog


def test_endpoint_options_saved_per_source(qtbot, make_window, emulator, browser):
    window = make_window()
    choose(qtbot, window, "office-hq")
    window.user_id_edit.setText("domain-user")
    port = emulator.endpoint_url.rsplit(":", 1)[1]

    dialog = open_endpoint_dialog(qtbot, window)
    qtbot.waitUntil(lambda: "AppStream FIPS endpoints" in dialog.fips_note_label.text()
                    or "endpoint URL is set" in dialog.fips_note_label.text(), timeout=LOAD_TIMEOUT_MS)
    assert "endpoint URL is set" in dialog.fips_note_label.text()
    ok_button = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    dialog.domain_edit.setText("https://bad")
    assert not ok_button.isEnabled()
    assert dialog.domain_message_label.isVisible()
    dialog.domain_edit.setText(f"localhost:{port}")
    dialog.fips_check.setChecked(True)
    click(qtbot, ok_button)
    qtbot.waitUntil(lambda: window.findChild(EndpointOptionsDialog) is None)

    assert window.target().use_fips
    assert "FIPS endpoints on" in window.status_label.text()
    wait_for_state(qtbot, window.application_picker, PickerState.READY)
    assert window.stack_picker.selected_key() == "office-hq"

    url = generate_and_wait(qtbot, window)
    assert url.startswith(f"http://localhost:{port}/authenticate?parameters=")
    click(qtbot, window.open_button)
    assert browser.urls == [url]

    window.save_settings()
    stored = json.loads((config_dir() / "settings.json").read_text(encoding="utf-8"))
    assert stored["endpoint_options"] == {
        demo_source().key: {"use_fips": True, "streaming_domain": f"localhost:{port}"}
    }

    window.close()
    second = make_window()
    assert second.target().use_fips
    assert second.endpoint_options().streaming_domain == f"localhost:{port}"


def test_endpoint_dialog_cancel_keeps_options(qtbot, make_window):
    window = make_window()
    dialog = open_endpoint_dialog(qtbot, window)
    dialog.fips_check.setChecked(True)

    dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel).click()

    qtbot.waitUntil(lambda: window.findChild(EndpointOptionsDialog) is None)
    assert not window.target().use_fips


def test_fips_note_warns_for_region_without_fips(qtbot):
    # Built without a window, because a window without an endpoint URL would send requests to AWS.
    dialog = EndpointOptionsDialog(
        "Profile: alpha", EndpointOptions(), region="eu-west-1", fips_regions=None, endpoint_url=None
    )
    qtbot.addWidget(dialog)
    assert "still loading" in dialog.fips_note_label.text()

    dialog.set_fips_regions(fips_regions())

    assert "no AppStream FIPS endpoint in eu-west-1" in dialog.fips_note_label.text()
    assert "us-gov-west-1" in dialog.fips_note_label.text()
    assert dialog.fips_note_label.property("tone") == "warning"
    dialog.set_fips_regions(frozenset({"eu-west-1"}))
    assert dialog.fips_note_label.property("tone") == "plain"


# Recent launches ------------------------------------------------------------------------------


def test_recent_launches_listed_newest_first(qtbot, make_window):
    window = make_window()
    choose(qtbot, window, "office-hq", "office-always-on", "excel")
    window.user_id_edit.setText("first-user")
    generate_and_wait(qtbot, window)
    choose(qtbot, window, "data-science", "data-science", "rstudio")
    window.user_id_edit.setText("second-user")
    generate_and_wait(qtbot, window)

    texts = [action.text() for action in window.recent_menu.launch_actions]

    assert len(texts) == 2
    assert texts[0].startswith("&1 second-user — data-science / data-science / rstudio (us-east-1, 5 min)")
    assert texts[1].startswith("&2 first-user — office-hq")
    window.save_settings()
    stored = (config_dir() / "settings.json").read_text(encoding="utf-8")
    assert "authenticate" not in stored
    assert "parameters=" not in stored
    assert [entry["user_id"] for entry in json.loads(stored)["recent_launches"]] == ["second-user", "first-user"]


def test_recent_launch_restores_and_generates(qtbot, make_window, emulator):
    window = make_window()
    choose(qtbot, window, "office-hq", "office-always-on", "excel")
    window.user_id_edit.setText("relaunch-user")
    window.validity_picker.set_seconds(3600)
    generate_and_wait(qtbot, window)
    choose(qtbot, window, "engineering-cad")
    window.user_id_edit.setText("someone-else")
    window.validity_picker.set_seconds(60)
    window.recent_menu.generate_action.setChecked(True)
    emulator.reset_calls()

    window.recent_menu.launch_actions[0].trigger()

    qtbot.waitUntil(lambda: emulator.calls.count("CreateStreamingURL") == 1, timeout=LOAD_TIMEOUT_MS)
    qtbot.waitUntil(lambda: "Streaming URL generated" in window.status_label.text(), timeout=LOAD_TIMEOUT_MS)
    assert window.stack_picker.selected_key() == "office-hq"
    assert window.fleet_picker.selected_key() == "office-always-on"
    assert window.application_picker.selected_key() == "excel"
    assert window.user_id_edit.text() == "relaunch-user"
    assert window.validity_picker.seconds() == 3600
    assert "relaunch-user" in window.status_label.text()

    window.close()
    second = make_window()
    assert second.recent_menu.generate_action.isChecked()
    assert len(second.recent_menu.launch_actions) == 1


def test_recent_launch_restores_without_generating(qtbot, make_window, emulator):
    window = make_window()
    wait_for_state(qtbot, window.stack_picker, PickerState.READY)
    launch = RecentLaunch(demo_source().key, "us-east-1", "it-admin", "it-admin-desktop", "", "admin-user", 300)
    emulator.reset_calls()

    window.restore_launch(launch, generate=False)

    qtbot.waitUntil(lambda: window.status_label.text().startswith("Restored"), timeout=LOAD_TIMEOUT_MS)
    assert window.stack_picker.selected_key() == "it-admin"
    assert window.application_picker.selected_key() == ""
    assert window.user_id_edit.text() == "admin-user"
    assert window.generate_button.isEnabled()
    assert "CreateStreamingURL" not in emulator.calls


def test_recent_launch_with_missing_stack(qtbot, make_window):
    window = make_window()
    wait_for_state(qtbot, window.stack_picker, PickerState.READY)
    launch = RecentLaunch(demo_source().key, "us-east-1", "deleted-stack", "some-fleet", "", "ghost-user", 300)

    window.restore_launch(launch, generate=True)

    qtbot.waitUntil(lambda: "deleted-stack is no longer listed" in window.status_label.text(), timeout=LOAD_TIMEOUT_MS)
    assert window.status_label.property("tone") == "warning"
    assert window.url_edit.text() == ""


def test_recent_launch_of_unknown_source(qtbot, make_window):
    window = make_window()
    launch = RecentLaunch("profile:gone", "us-east-1", "office-hq", "office-always-on", "", "someone", 300)

    window.restore_launch(launch)

    assert "profile:gone" in window.status_label.text()
    assert "no longer available" in window.status_label.text()


def test_clear_recent_launches(qtbot, make_window):
    window = make_window()
    choose(qtbot, window, "office-hq")
    window.user_id_edit.setText("cleared-user")
    generate_and_wait(qtbot, window)
    assert window.recent_menu.clear_action.isEnabled()

    window.recent_menu.clear_action.trigger()

    assert window.recent_menu.launch_actions == []
    assert window.recent_menu.empty_action.isVisible()
    window.save_settings()
    assert json.loads((config_dir() / "settings.json").read_text(encoding="utf-8"))["recent_launches"] == []


# User ID tools --------------------------------------------------------------------------------


def test_derive_user_id_from_name(qtbot, make_window):
    window = make_window()
    window.user_id_edit.setText("José Müller <jose.muller@example.com>")
    assert window.user_id_edit.property("invalid") is True

    click(qtbot, window.findChild(QAbstractButton, "deriveUserIdButton"))

    assert window.user_id_edit.text() == "jose.muller@example.com"
    assert window.user_id_edit.property("invalid") is False
    window.user_id_edit.undo()
    assert window.user_id_edit.text() == "José Müller <jose.muller@example.com>"


def test_derive_user_id_without_latin_letters(qtbot, make_window):
    window = make_window()
    window.user_id_edit.setText("Иван")

    click(qtbot, window.derive_user_id_button)

    assert window.user_id_edit.text() == "Иван"
    assert window.status_label.property("tone") == "error"
    assert "No user ID can be made" in window.status_label.text()


def test_new_user_id_is_fresh(qtbot, make_window):
    window = make_window()
    button = window.findChild(QAbstractButton, "newUserIdButton")

    click(qtbot, button)
    first = window.user_id_edit.text()
    click(qtbot, button)
    second = window.user_id_edit.text()

    assert first != second
    for user_id in (first, second):
        assert user_id.startswith("test-")
        assert validate_user_id(user_id) == user_id


# Keyboard access and lifetime -----------------------------------------------------------------


def mnemonic(text: str) -> str | None:
    index = text.replace("&&", "").find("&")
    return text.replace("&&", "")[index + 1].lower() if index >= 0 else None


def test_launch_tab_mnemonics_are_unique(qtbot, make_window, emulator):
    window = make_window()
    choose(qtbot, window, "training-classroom", "training-lab")
    page = window.tabs.widget(0)
    letters: list[str] = []
    for label in page.findChildren(QLabel):
        if label.buddy() is not None and label.isVisibleTo(window) and mnemonic(label.text()):
            letters.append(mnemonic(label.text()))
    for button in page.findChildren(QAbstractButton):
        if button.isVisibleTo(window) and mnemonic(button.text()):
            letters.append(mnemonic(button.text()))
    for action in window.menuBar().actions():
        letters.append(mnemonic(action.text()))

    assert window.start_fleet_button.isVisible()
    assert window.derive_user_id_button.isVisible()
    assert len(letters) == len(set(letters)), f"mnemonics used twice: {sorted(letters)}"


def test_close_while_waiting_and_watching(qtbot, make_window, fresh_emulator, browser):
    window = make_window(endpoint_url=fresh_emulator.endpoint_url)
    window.fleet_readiness.poll_interval_ms = 60000
    choose(qtbot, window, "office-hq")
    window.user_id_edit.setText("closing-user")
    generate_and_wait(qtbot, window)
    click(qtbot, window.open_button)
    qtbot.waitUntil(window.sessions_view.is_polling, timeout=LOAD_TIMEOUT_MS)

    window.close()

    assert not window.sessions_view.is_polling()
    qtbot.waitUntil(lambda: window.tasks.active_count() == 0, timeout=LOAD_TIMEOUT_MS)
    calls = len(fresh_emulator.calls)
    qtbot.wait(5 * TEST_POLL_MS)
    assert len(fresh_emulator.calls) == calls
