"""Fast selection changes and closing with requests in flight.

Many quick changes of credential source, stack and fleet while every request takes 50 to
100 ms must end with the dropdowns showing the last choice and no worker left running.
Closing the window with slow requests in flight must not wait for them.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402

from launcher.appstream.api import AppStreamAPI  # noqa: E402
from launcher.appstream.clients import Target  # noqa: E402
from launcher.credentials.sources import KIND_STATIC, CredentialSource, StaticCredentials  # noqa: E402
from launcher.settings import SettingsStore, config_dir  # noqa: E402
from launcher.ui import tasks  # noqa: E402
from launcher.ui.app import EXIT_WAIT_MS, demo_source  # noqa: E402
from launcher.ui.main_window import MainWindow  # noqa: E402
from launcher.ui.picker import PickerState  # noqa: E402

REPOSITORY = Path(__file__).resolve().parents[1]
REGION = "us-east-1"
CHANGES = 50
SETTLE_TIMEOUT_MS = 30000
# Closing must not wait for a 2 s request, and 1.5 s leaves room for a busy machine.
CLOSE_BOUND_SECONDS = 1.5
SLOW_LATENCY_MS = 2000


pytestmark = pytest.mark.usefixtures("no_worker_left_running")

@pytest.fixture
def sources() -> list[CredentialSource]:
    """Two credential sources that the emulator both accepts, so switching reloads every list."""
    other = CredentialSource(KIND_STATIC, "Second account", StaticCredentials("AKIASECONDEXAMPLE000", "second-secret"))
    return [demo_source(), other]


@pytest.fixture
def make_window(qtbot, emulator, sources):
    windows: list[MainWindow] = []

    def create() -> MainWindow:
        window = MainWindow(
            sources=sources, store=SettingsStore(config_dir() / "settings.json"), endpoint_url=emulator.endpoint_url, region=REGION
        )
        qtbot.addWidget(window)
        window.show()
        windows.append(window)
        return window

    yield create
    for window in windows:
        window.close()


def pickers_settled(window: MainWindow) -> bool:
    states = [picker.state for picker in (window.stack_picker, window.fleet_picker, window.application_picker)]
    return PickerState.LOADING not in states and window.tasks.active_count() == 0


def test_fast_selection_changes_end_on_last_choice(qtbot, make_window, emulator, sources):
    window = make_window()
    qtbot.waitUntil(lambda: window.stack_picker.state is PickerState.READY, timeout=SETTLE_TIMEOUT_MS)
    stack_keys = [item.key for item in window.stack_picker.items]
    randomness = random.Random(20261204)
    last_stack = None
    last_fleet: tuple[str, str] | None = None
    changes_made = 0

    for _ in range(CHANGES):
        emulator.latency_ms = randomness.randint(50, 100)
        action = randomness.choice(["stack", "stack", "fleet", "source"])
        if action == "source":
            window.credential_combo.setCurrentIndex(randomness.randrange(len(sources)))
            changes_made += 1
        elif action == "fleet" and window.fleet_picker.state is PickerState.READY:
            fleet = randomness.choice(window.fleet_picker.items).key
            window.fleet_picker.select_key(fleet)
            last_fleet = (window.stack_picker.selected_key(), fleet)
            changes_made += 1
        elif window.stack_picker.state is PickerState.READY:
            last_stack = randomness.choice(stack_keys)
            window.stack_picker.select_key(last_stack)
            changes_made += 1
        # Let some queued results arrive between changes, as a quick user would.
        qtbot.wait(randomness.randint(0, 40))
    final_source = window.credential_combo.currentIndex()
    # Changes are skipped while the list they need is loading, but most must still happen.
    assert changes_made >= CHANGES * 0.6, f"only {changes_made} of {CHANGES} changes were made"

    qtbot.waitUntil(lambda: pickers_settled(window), timeout=SETTLE_TIMEOUT_MS)
    qtbot.waitUntil(lambda: tasks.active_worker_count() == 0, timeout=SETTLE_TIMEOUT_MS)
    emulator.latency_ms = 0

    assert window.credential_combo.currentIndex() == final_source
    assert window.stack_picker.state is PickerState.READY
    if last_stack is not None:
        assert window.stack_picker.selected_key() == last_stack
    stack = window.stack_picker.selected_key()
    api = AppStreamAPI(Target(sources[final_source], REGION, emulator.endpoint_url))
    expected_fleets = [fleet.name for fleet in api.list_fleets(stack)]
    shown_fleets = [item.key for item in window.fleet_picker.items]
    assert shown_fleets == expected_fleets, f"fleets of {stack}"
    if expected_fleets:
        fleet = window.fleet_picker.selected_key()
        if last_fleet is not None and last_fleet[0] == stack and last_fleet[1] in expected_fleets:
            assert fleet == last_fleet[1]
        fleet_record = next(item.value for item in window.fleet_picker.items if item.key == fleet)
        expected_applications = {application.name for application in api.list_applications(fleet_record)}
        shown_applications = {item.key for item in window.application_picker.items}
        assert expected_applications <= shown_applications, f"applications of {fleet}"
    for channel in ("stacks", "fleets", "applications"):
        assert not window.tasks.is_pending(channel)


def test_close_with_requests_in_flight_returns_quickly(qtbot, make_window, emulator):
    window = make_window()
    qtbot.waitUntil(lambda: window.stack_picker.state is PickerState.READY, timeout=SETTLE_TIMEOUT_MS)
    assert window.stack_picker.select_key("office-hq")
    qtbot.waitUntil(lambda: window.application_picker.state is PickerState.READY, timeout=SETTLE_TIMEOUT_MS)
    window.user_id_edit.setText("closing-user")
    emulator.latency_ms = SLOW_LATENCY_MS
    emulator.reset_calls()

    qtbot.mouseClick(window.generate_button, Qt.MouseButton.LeftButton)
    window.refresh_action.trigger()
    qtbot.waitUntil(lambda: {"CreateStreamingURL", "DescribeStacks"} <= set(emulator.calls), timeout=SETTLE_TIMEOUT_MS)
    assert window.tasks.active_count() >= 2

    started = time.monotonic()
    window.close()
    elapsed = time.monotonic() - started

    assert elapsed < CLOSE_BOUND_SECONDS, f"closing took {elapsed:.2f} s"
    assert window.tasks.active_count() > 0, "the requests finished before the close; the test proves nothing"
    qtbot.waitUntil(lambda: window.tasks.active_count() == 0, timeout=SETTLE_TIMEOUT_MS)
    qtbot.wait(100)
    # The results that arrived after the close were dropped.
    assert window.url_edit.text() == ""
    assert window.stack_picker.state is PickerState.LOADING


def test_run_window_exits_soon_after_close(tmp_path, window_process_environment):
    script = textwrap.dedent(
        f"""
        import time
        import launcher.emulator
        from PySide6.QtCore import QTimer
        from launcher.ui import app as ui_app

        original_start = launcher.emulator.start_emulator

        def slow_emulator(*args, **kwargs):
            emulator = original_start(*args, **kwargs)
            emulator.latency_ms = {SLOW_LATENCY_MS}
            return emulator

        launcher.emulator.start_emulator = slow_emulator
        qt_app = ui_app.application()

        def close_with_requests_in_flight():
            print(f"closing at {{time.monotonic():.3f}}", flush=True)
            qt_app.closeAllWindows()

        QTimer.singleShot(800, close_with_requests_in_flight)
        raise SystemExit(ui_app.run_window(demo=True, endpoint_url=None, profile=None, region=None, verbose=False))
        """
    )
    environment = window_process_environment

    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=REPOSITORY, env=environment
    )
    exited = time.monotonic()

    assert result.returncode == 0, result.stderr
    closed = float(result.stdout.split("closing at ", 1)[1].split()[0])
    # run_window waits EXIT_WAIT_MS for the requests, then exits without them.
    assert exited - closed < EXIT_WAIT_MS / 1000 + CLOSE_BOUND_SECONDS, f"exit took {exited - closed:.2f} s after the close"
    log_text = (tmp_path / "logs" / "appstream-launcher.log").read_text(encoding="utf-8")
    assert "Exiting without waiting for requests that are still running" in log_text
