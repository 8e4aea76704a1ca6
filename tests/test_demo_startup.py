"""Demo mode's emulator, which listens at once and loads and starts after the window's first paint."""

from __future__ import annotations

import http.client
import json
import logging
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path
from urllib.parse import urlsplit

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QTimer  # noqa: E402

import launcher.emulator  # noqa: E402
from launcher.emulator import ScenarioError  # noqa: E402
from launcher.settings import SettingsStore, config_dir  # noqa: E402
from launcher.ui import app as ui_app  # noqa: E402
from launcher.ui.app import DemoEmulator, DemoStartup, demo_source, run_window  # noqa: E402
from launcher.ui.main_window import MainWindow  # noqa: E402
from launcher.ui.picker import PickerState  # noqa: E402
from main_windows import find_main_window  # noqa: E402

REPOSITORY = Path(__file__).resolve().parents[1]
SAMPLE_STACK_COUNT = 26
START_TIMEOUT_SECONDS = 15
LOAD_TIMEOUT_MS = 15000
# botocore retries a refused connection up to 3 attempts with backoff, so the failure takes a few seconds.
FAILURE_TIMEOUT_MS = 30000

pytestmark = pytest.mark.usefixtures("no_worker_left_running")


def address_of(demo: DemoEmulator) -> tuple[str, int]:
    parts = urlsplit(demo.endpoint_url)
    return parts.hostname, parts.port


def refuses_connections(demo: DemoEmulator) -> bool:
    try:
        socket.create_connection(address_of(demo), timeout=START_TIMEOUT_SECONDS).close()
    except ConnectionRefusedError:
        return True
    return False


@pytest.fixture
def demo():
    """A DemoEmulator that is not started yet, stopped at teardown."""
    emulator = DemoEmulator()
    yield emulator
    emulator.stop()


@pytest.fixture
def failing_start(monkeypatch):
    """Make launcher.emulator.start_emulator raise a ScenarioError, as a broken sample file would."""

    def fail(*args, **kwargs):
        raise ScenarioError("sample_scenario.json: Stacks is missing")

    monkeypatch.setattr(launcher.emulator, "start_emulator", fail)


def test_demo_emulator_endpoint_is_loopback(demo):
    host, port = address_of(demo)

    assert host == "127.0.0.1"
    assert port > 0


def test_demo_emulator_answers_request_sent_before_start(demo):
    connection = http.client.HTTPConnection(*address_of(demo), timeout=START_TIMEOUT_SECONDS)
    connection.request("GET", "/")

    demo.start()
    response = connection.getresponse()
    body = response.read().decode("utf-8")
    connection.close()

    assert response.status == 200
    assert f"{SAMPLE_STACK_COUNT} stacks" in body


def test_demo_emulator_start_twice_starts_once(demo):
    demo.start()
    demo.start()

    emulator = demo.started.result(timeout=START_TIMEOUT_SECONDS)
    assert emulator.endpoint_url == demo.endpoint_url


def test_demo_emulator_stop_stops_server(demo):
    demo.start()
    demo.started.result(timeout=START_TIMEOUT_SECONDS)

    demo.stop()

    assert refuses_connections(demo)


def test_demo_emulator_stop_before_start_closes_socket(demo):
    demo.stop()

    assert refuses_connections(demo)
    assert not demo.started.done()


def test_demo_emulator_start_failure_sets_exception(demo, failing_start):
    demo.start()

    error = demo.started.exception(timeout=START_TIMEOUT_SECONDS)
    assert isinstance(error, ScenarioError)


def test_demo_emulator_start_failure_closes_socket(demo, failing_start):
    demo.start()
    demo.started.exception(timeout=START_TIMEOUT_SECONDS)

    assert refuses_connections(demo)


def test_demo_emulator_start_failure_is_logged(demo, failing_start, caplog):
    caplog.set_level(logging.ERROR, logger="launcher.ui.app")

    demo.start()
    demo.started.exception(timeout=START_TIMEOUT_SECONDS)

    expected = f"The demo emulator at {demo.endpoint_url} failed to start"
    records = [record for record in caplog.records if record.getMessage() == expected]
    assert len(records) == 1
    assert records[0].exc_info is not None


def test_demo_emulator_constructor_skips_emulator_import():
    code = textwrap.dedent(
        """
        import sys
        from launcher.ui.app import DemoEmulator

        demo = DemoEmulator()
        print("launcher.emulator" in sys.modules)
        demo.stop()
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=REPOSITORY, check=True
    )

    assert result.stdout.strip() == "False"


def test_demo_startup_starts_without_paint(qtbot, demo, monkeypatch):
    monkeypatch.setattr(ui_app, "DEMO_START_LATEST_MS", 50)
    # The window is never shown, so it never paints and only the timer starts the emulator.
    window = MainWindow(
        sources=[demo_source()], store=SettingsStore(config_dir() / "settings.json"), endpoint_url=demo.endpoint_url
    )
    qtbot.addWidget(window)

    DemoStartup(window, demo).start_after_first_paint()

    qtbot.waitUntil(demo.started.done, timeout=LOAD_TIMEOUT_MS)
    qtbot.waitUntil(lambda: window.stack_picker.state is PickerState.READY, timeout=LOAD_TIMEOUT_MS)
    assert len(window.stack_picker.items) == SAMPLE_STACK_COUNT
    window.close()


def test_run_window_demo_imports_after_first_paint(window_process_environment):
    # An import hook records which thread imported the heavy modules. The window closes once its
    # stacks are listed, which shows that requests sent before the emulator started were served.
    script = textwrap.dedent(
        """
        import json
        import sys
        import threading

        from PySide6.QtCore import QEvent, QObject, QTimer
        from PySide6.QtWidgets import QMainWindow

        from launcher.ui import app as ui_app
        from launcher.ui.picker import PickerState

        WATCHED = ("boto3", "botocore", "launcher.emulator")
        main_thread_imports = []
        report = {}


        class ImportRecorder:
            def find_spec(self, name, path=None, target=None):
                if name in WATCHED and threading.current_thread() is threading.main_thread():
                    main_thread_imports.append(name)
                return None


        class FirstPaint(QObject):
            def eventFilter(self, watched, event):
                if event.type() == QEvent.Type.Paint and "loaded_at_paint" not in report:
                    report["loaded_at_paint"] = sorted(name for name in WATCHED if name in sys.modules)
                    report["main_thread_imports"] = list(main_thread_imports)
                return False


        sys.meta_path.insert(0, ImportRecorder())
        # Only the first paint may start the emulator, however slow this machine is.
        ui_app.DEMO_START_LATEST_MS = 600000
        probe = FirstPaint()
        original_show = QMainWindow.show


        def show_and_watch(window):
            window.installEventFilter(probe)
            original_show(window)
            poll = QTimer(window)

            def close_when_loaded():
                if window.stack_picker.state is not PickerState.LOADING:
                    report["stack_state"] = window.stack_picker.state.value
                    report["stacks"] = len(window.stack_picker.items)
                    window.close()

            poll.timeout.connect(close_when_loaded)
            poll.start(20)


        QMainWindow.show = show_and_watch
        qt_app = ui_app.application()
        QTimer.singleShot(30000, qt_app.closeAllWindows)
        code = ui_app.run_window(demo=True, endpoint_url=None, profile=None, region=None, verbose=False)
        print(json.dumps(report), flush=True)
        raise SystemExit(code)
        """
    )
    environment = window_process_environment

    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=90, cwd=REPOSITORY, env=environment
    )

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert "launcher.emulator" not in report["loaded_at_paint"]
    assert report["main_thread_imports"] == []
    assert report["stack_state"] == PickerState.READY.value
    assert report["stacks"] == SAMPLE_STACK_COUNT


def test_run_window_demo_start_failure_shows_message(qapp, failing_start, restore_logging):
    observed: dict[str, object] = {}
    poll = QTimer()
    poll.setInterval(50)

    def close_when_failed() -> None:
        window = find_main_window()
        if window is None or window.stack_picker.state is PickerState.LOADING:
            return
        observed["status"] = window.status_label.text()
        observed["stack_state"] = window.stack_picker.state
        observed["stack_message"] = window.stack_picker.message
        poll.stop()
        window.close()

    poll.timeout.connect(close_when_failed)
    poll.start()
    safety = QTimer()
    safety.setSingleShot(True)
    safety.timeout.connect(qapp.quit)
    safety.start(FAILURE_TIMEOUT_MS)

    code = run_window(demo=True, endpoint_url=None, profile=None, region=None, verbose=False)
    safety.stop()
    poll.stop()

    assert code == 0
    assert str(observed["status"]).startswith(
        "The demo emulator failed to start: sample_scenario.json: Stacks is missing. Demo mode cannot load any data."
    )
    assert observed["stack_state"] is PickerState.ERROR
    # The request fails with a refused or a reset connection, and both messages name the endpoint.
    assert "http://127.0.0.1:" in str(observed["stack_message"])
