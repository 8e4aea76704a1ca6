"""Every injected fault ends in one clear message, on the command line and in the window.

Each case makes one AppStream operation fail through the emulator (or a closed port, or a
keyring that raises). The command line must exit with 1 and print one line that names what
failed and what to do. The window must show the same message inline, stay usable, keep the
user's input, and succeed on Retry once the fault is gone.

Run this file as a script to print the table of messages for docs/faults.md:
    python tests/test_reliability_faults.py
"""

from __future__ import annotations

import logging
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPOSITORY = Path(__file__).resolve().parents[1]
FAULTS_DOC = REPOSITORY / "docs" / "faults.md"

REGION = "us-east-1"
ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET_ACCESS_KEY = "fault-test-secret"
SAVED_NAME = "lab"
STACK, FLEET, APPLICATION = "office-hq", "office-always-on", "excel"
USER_ID = "fault-user"
VALIDITY_SECONDS = 900
SESSION_CONTEXT = "lab=1"
URL_ARGS = ("url", "--stack", STACK, "--fleet", FLEET, "--user-id", USER_ID, "--application", APPLICATION)
# Counted faults outlast the 3 attempts of one request, so the request fails.
FAULT_COUNT = 10
# The slow case waits longer than the read timeout that the tests set.
TEST_READ_TIMEOUT_SECONDS = 0.5
SLOW_SECONDS = 3.0
LOAD_TIMEOUT_MS = 15000
# Throttling backs off up to 1 s and 2 s between the 3 attempts; 30 s leaves room on a busy machine.
FAILURE_TIMEOUT_MS = 30000


# Keyring backends -------------------------------------------------------------------------


def _keyring_backend_classes():
    from keyring.backend import KeyringBackend

    class MemoryKeyring(KeyringBackend):
        """An in-memory keyring that the app accepts, standing in for the OS keyring."""

        priority = 1

        def __init__(self, entries: dict[tuple[str, str], str] | None = None):
            super().__init__()
            self.entries = dict(entries or {})

        def get_password(self, service, username):
            return self.entries.get((service, username))

        def set_password(self, service, username, password):
            self.entries[(service, username)] = password

        def delete_password(self, service, username):
            from keyring.errors import PasswordDeleteError

            if self.entries.pop((service, username), None) is None:
                raise PasswordDeleteError(username)

    class RaisingKeyring(KeyringBackend):
        """A keyring whose every call fails, as when the Secret Service drops off D-Bus."""

        priority = 1

        def get_password(self, service, username):
            raise RuntimeError("the keyring daemon closed the D-Bus connection")

        def set_password(self, service, username, password):
            raise RuntimeError("the keyring daemon closed the D-Bus connection")

        def delete_password(self, service, username):
            raise RuntimeError("the keyring daemon closed the D-Bus connection")

    return MemoryKeyring, RaisingKeyring


# Fault cases ------------------------------------------------------------------------------


class FaultHarness:
    """Injects and clears one fault case for one test: the emulator, the endpoint and the keyring."""

    def __init__(self, emulator) -> None:
        self.emulator = emulator
        self.endpoint_url = emulator.endpoint_url
        self.access_key_id = ACCESS_KEY_ID
        self.own_emulator = None
        self._memory_keyring = None

    def use_own_emulator(self) -> None:
        """Serve from an emulator of this test's own, whose port can be closed and opened again."""
        from launcher.emulator import start_emulator

        self.own_emulator = start_emulator()
        self.endpoint_url = self.own_emulator.endpoint_url

    def close_port(self) -> None:
        self.own_emulator.stop()

    def reopen_port(self) -> None:
        from launcher.emulator import start_emulator

        port = int(self.endpoint_url.rsplit(":", 1)[1])
        self.own_emulator = start_emulator(port=port)

    def use_saved_credentials(self) -> None:
        """Select saved credentials whose secret is in a working in-memory keyring."""
        import keyring

        from launcher.settings import Settings, SettingsStore, config_dir

        store = SettingsStore(config_dir() / "settings.json")
        settings = store.load() if store.path.exists() else Settings()
        settings.saved_credentials = {SAVED_NAME: {"access_key_id": self.access_key_id, "region": REGION}}
        store.save(settings)
        memory_keyring, _ = _keyring_backend_classes()
        self._memory_keyring = memory_keyring({("appstream-launcher", f"{SAVED_NAME}/secret_access_key"): SECRET_ACCESS_KEY})
        keyring.set_keyring(self._memory_keyring)

    def break_keyring(self) -> None:
        import keyring

        from launcher.appstream.clients import shared_clients

        _, raising_keyring = _keyring_backend_classes()
        keyring.set_keyring(raising_keyring())
        # The window reads the keyring again only for a source whose clients were dropped, as
        # after the saved credentials were edited.
        shared_clients.forget()

    def repair_keyring(self) -> None:
        import keyring

        keyring.set_keyring(self._memory_keyring)

    def close(self) -> None:
        if self.own_emulator is not None:
            self.own_emulator.stop()


@dataclass(frozen=True)
class FaultCase:
    """One fault: how to set it up, inject and clear it, and what its message must contain.

    `fragments` may contain {operation} and {endpoint}, which are filled in per check.
    """

    name: str
    inject: Callable[[FaultHarness, str], None]
    clear: Callable[[FaultHarness], None]
    fragments: tuple[str, ...]
    prepare: Callable[[FaultHarness], None] = lambda harness: None
    slow: bool = False

    def __str__(self) -> str:
        return self.name


def _clear_emulator(harness: FaultHarness) -> None:
    harness.emulator.faults.clear()
    harness.emulator.expired_access_key_ids.clear()
    harness.emulator.invalid_access_key_ids.clear()


CASES = (
    FaultCase(
        "throttle",
        lambda h, op: h.emulator.faults.throttle(FAULT_COUNT, op),
        _clear_emulator,
        ("throttled {operation}", "Wait a minute and try again"),
    ),
    FaultCase(
        "http_500",
        lambda h, op: h.emulator.faults.http_500(FAULT_COUNT, op),
        _clear_emulator,
        ("failed to handle {operation}", "HTTP 500", "Try again"),
    ),
    FaultCase(
        "http_503",
        lambda h, op: h.emulator.faults.http_500(FAULT_COUNT, op, error_code="ServiceUnavailable"),
        _clear_emulator,
        ("failed to handle {operation}", "HTTP 503", "Try again"),
    ),
    FaultCase(
        "slow",
        lambda h, op: h.emulator.faults.slow(SLOW_SECONDS, 3, op),
        _clear_emulator,
        ("{endpoint} did not respond to {operation} in time", "up to 3 attempts", "Check the network"),
        slow=True,
    ),
    FaultCase(
        "malformed",
        lambda h, op: h.emulator.faults.malformed(FAULT_COUNT, op),
        _clear_emulator,
        ("The endpoint returned", "Check the endpoint URL"),
    ),
    FaultCase(
        "reset_connection",
        lambda h, op: h.emulator.faults.reset_connection(FAULT_COUNT, op),
        _clear_emulator,
        ("The connection to {endpoint} closed before the response to {operation} arrived", "Check the proxy settings"),
    ),
    FaultCase(
        "missing_fields",
        lambda h, op: h.emulator.faults.missing_fields(FAULT_COUNT, op),
        _clear_emulator,
        ("The endpoint returned", "Check the endpoint URL"),
    ),
    FaultCase(
        "deny",
        lambda h, op: h.emulator.faults.deny(op),
        _clear_emulator,
        ("Access denied", "appstream:{operation}", "Add appstream:{operation} to the IAM policy"),
    ),
    FaultCase(
        "clock_skew",
        lambda h, op: h.emulator.faults.clock_skew(FAULT_COUNT, op),
        _clear_emulator,
        ("clock is more than a few minutes off", "Synchronise the system clock"),
    ),
    FaultCase(
        "expired_access_key",
        lambda h, op: h.emulator.expired_access_key_ids.add(h.access_key_id),
        _clear_emulator,
        ("The AWS credentials have expired", "Refresh them"),
    ),
    FaultCase(
        "invalid_access_key",
        lambda h, op: h.emulator.invalid_access_key_ids.add(h.access_key_id),
        _clear_emulator,
        ("AWS did not accept the credentials", "Check the access key ID and the secret access key"),
    ),
    FaultCase(
        "connection_refused",
        lambda h, op: h.close_port(),
        lambda h: h.reopen_port(),
        ("Could not connect to {endpoint}", "Check the network"),
        prepare=lambda h: h.use_own_emulator(),
    ),
    FaultCase(
        "keyring_error",
        lambda h, op: h.break_keyring(),
        lambda h: h.repair_keyring(),
        ("Cannot read from the OS keyring", "Unlock the keyring"),
        prepare=lambda h: h.use_saved_credentials(),
    ),
)
CASE_IDS = [case.name for case in CASES]


def expected_fragments(case: FaultCase, operation: str, endpoint: str) -> list[str]:
    return [fragment.format(operation=operation, endpoint=endpoint) for fragment in case.fragments]


def assert_message(case: FaultCase, message: str, operation: str, endpoint: str) -> None:
    for fragment in expected_fragments(case, operation, endpoint):
        assert fragment in message, f"{case}: {fragment!r} missing from {message!r}"
    assert "Traceback" not in message
    assert "\n" not in message


@pytest.fixture(autouse=True)
def fresh_clients():
    """Drop cached boto3 clients, so a test's timeouts and endpoint apply to new clients."""
    from launcher.appstream.clients import shared_clients

    shared_clients.forget()
    yield
    shared_clients.forget()


@pytest.fixture(autouse=True)
def restore_keyring():
    import keyring

    previous = keyring.get_keyring()
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def harness(emulator, monkeypatch) -> Iterator[FaultHarness]:
    from launcher.appstream import clients

    monkeypatch.setattr(clients, "READ_TIMEOUT_SECONDS", TEST_READ_TIMEOUT_SECONDS)
    fault_harness = FaultHarness(emulator)
    yield fault_harness
    fault_harness.close()


@pytest.fixture
def quiet_logging():
    """Keep the emulator's own warnings off stderr, and undo the command line's logging set-up afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    emulator_logger = logging.getLogger("launcher.emulator")
    emulator_level = emulator_logger.level
    emulator_logger.setLevel(logging.ERROR)
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    emulator_logger.setLevel(emulator_level)


# Command line -----------------------------------------------------------------------------


def cli_arguments(case: FaultCase, harness: FaultHarness, command: tuple[str, ...]) -> list[str]:
    arguments = ["--endpoint-url", harness.endpoint_url, "--region", REGION]
    if case.name == "keyring_error":
        arguments += ["--credentials", SAVED_NAME]
    return [*arguments, *command]


def run_cli(capsys, arguments: list[str]) -> tuple[int, str, str]:
    from launcher.main import main

    status = main(arguments)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.fixture
def cli_keys(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY)


def _cli_marks(case: FaultCase, operation: str) -> list:
    marks = []
    return marks


CLI_COMMANDS = {"DescribeStacks": ("stacks",), "CreateStreamingURL": URL_ARGS}
CLI_PARAMETERS = [
    pytest.param(case, operation, marks=_cli_marks(case, operation), id=f"{case.name}-{operation}")
    for case in CASES
    for operation in CLI_COMMANDS
]


@pytest.mark.parametrize(("case", "operation"), CLI_PARAMETERS)
def test_cli_fault_prints_one_line(case, operation, harness, cli_keys, capsys, quiet_logging):
    case.prepare(harness)
    case.inject(harness, operation)

    status, out, err = run_cli(capsys, cli_arguments(case, harness, CLI_COMMANDS[operation]))

    assert status == 1, err
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("appstream-launcher: error: ")
    assert_message(case, lines[0], operation, harness.endpoint_url)


def test_cli_keyring_error_ends_with_error_line(harness, cli_keys, capsys, quiet_logging):
    case = next(case for case in CASES if case.name == "keyring_error")
    case.prepare(harness)
    case.inject(harness, "DescribeStacks")

    status, out, err = run_cli(capsys, cli_arguments(case, harness, ("stacks",)))

    assert status == 1
    assert out == ""
    assert harness.emulator.calls == []
    last_line = err.splitlines()[-1]
    assert last_line.startswith("appstream-launcher: error: ")
    assert_message(case, last_line, "DescribeStacks", harness.endpoint_url)
    assert "Traceback" not in err


# Window -----------------------------------------------------------------------------------


@pytest.fixture
def make_window(window_factory, harness):
    """Create shown windows for the harness's endpoint: demo keys, or the saved credentials after use_saved_credentials."""
    from launcher.credentials.sources import KIND_SAVED, CredentialSource
    from launcher.ui.app import DEMO_ACCESS_KEY_ID, demo_source

    def create(saved: bool = False):
        source = CredentialSource(KIND_SAVED, SAVED_NAME) if saved else demo_source()
        harness.access_key_id = ACCESS_KEY_ID if saved else DEMO_ACCESS_KEY_ID
        return window_factory(sources=[source], endpoint_url=harness.endpoint_url, region=REGION)

    return create


pytestmark = pytest.mark.usefixtures("no_worker_left_running")


def wait_for_state(qtbot, picker, state, timeout: int = LOAD_TIMEOUT_MS) -> None:
    qtbot.waitUntil(lambda: picker.state is state, timeout=timeout)


def choose(qtbot, window, stack: str, fleet: str | None = None, application: str | None = None) -> None:
    """Select a stack, then a fleet and an application as their lists arrive."""
    from launcher.ui.picker import PickerState

    wait_for_state(qtbot, window.stack_picker, PickerState.READY)
    assert window.stack_picker.select_key(stack), f"stack {stack} not listed"
    wait_for_state(qtbot, window.fleet_picker, PickerState.READY)
    if fleet is not None and window.fleet_picker.selected_key() != fleet:
        assert window.fleet_picker.select_key(fleet), f"fleet {fleet} not listed"
    wait_for_state(qtbot, window.application_picker, PickerState.READY)
    if application is not None:
        assert window.application_picker.select_key(application), f"application {application} not listed"


def fill_form(qtbot, window) -> None:
    choose(qtbot, window, STACK, FLEET, APPLICATION)
    window.user_id_edit.setText(USER_ID)
    window.validity_picker.set_seconds(VALIDITY_SECONDS)
    window.session_context_edit.setText(SESSION_CONTEXT)
    assert window.generate_button.isEnabled(), window.generate_hint_label.text()


def assert_form_kept(window, *, lists: bool = True) -> None:
    if lists:
        assert window.stack_picker.selected_key() == STACK
        assert window.fleet_picker.selected_key() == FLEET
        assert window.application_picker.selected_key() == APPLICATION
    assert window.user_id_edit.text() == USER_ID
    assert window.validity_picker.seconds() == VALIDITY_SECONDS
    assert window.session_context_edit.text() == SESSION_CONTEXT
    assert window.credential_combo.isEnabled()
    assert window.region_combo.isEnabled()
    assert window.user_id_edit.isEnabled()


def generate_and_wait_for_url(qtbot, window) -> str:
    from PySide6.QtCore import Qt

    assert window.generate_button.isEnabled(), window.generate_hint_label.text()
    qtbot.mouseClick(window.generate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.url_edit.text() != "", timeout=FAILURE_TIMEOUT_MS)
    return window.url_edit.text()


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_window_generate_fault_keeps_input(case, qtbot, harness, make_window):
    from PySide6.QtCore import Qt

    case.prepare(harness)
    window = make_window(saved=case.name == "keyring_error")
    fill_form(qtbot, window)
    case.inject(harness, "CreateStreamingURL")

    qtbot.mouseClick(window.generate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.status_label.property("tone") == "error", timeout=FAILURE_TIMEOUT_MS)

    assert_message(case, window.status_label.text(), "CreateStreamingURL", harness.endpoint_url)
    assert window.url_edit.text() == ""
    assert window.generate_button.isEnabled()
    assert_form_kept(window)

    case.clear(harness)
    url = generate_and_wait_for_url(qtbot, window)

    assert f"{harness.endpoint_url}/authenticate?parameters=" in url
    assert window.status_label.property("tone") == "success"
    assert_form_kept(window)


def _window_list_marks(case: FaultCase) -> list:
    return []


@pytest.mark.parametrize("case", [pytest.param(case, marks=_window_list_marks(case), id=case.name) for case in CASES])
def test_window_list_fault_then_retry(case, qtbot, harness, make_window):
    from PySide6.QtCore import Qt

    from launcher.ui.picker import PickerState

    case.prepare(harness)
    window = make_window(saved=case.name == "keyring_error")
    fill_form(qtbot, window)
    case.inject(harness, "DescribeStacks")

    window.refresh_action.trigger()
    qtbot.waitUntil(lambda: window.stack_picker.state is not PickerState.LOADING, timeout=FAILURE_TIMEOUT_MS)

    assert window.stack_picker.state is PickerState.ERROR, window.stack_picker.placeholder
    assert_message(case, window.stack_picker.message, "DescribeStacks", harness.endpoint_url)
    assert window.stack_picker.retry_button.isVisible()
    assert not window.generate_button.isEnabled()
    assert_form_kept(window, lists=False)

    case.clear(harness)
    qtbot.mouseClick(window.stack_picker.retry_button, Qt.MouseButton.LeftButton)
    wait_for_state(qtbot, window.application_picker, PickerState.READY)

    assert_form_kept(window)
    assert generate_and_wait_for_url(qtbot, window)


# Time to give up ----------------------------------------------------------------------------

# Upper bound on botocore's backoff between the 3 attempts of standard retry mode: at most
# 1 s and 2 s for throttling, and less for other errors in botocore 1.43.
MAX_BACKOFF_SECONDS = 3
# Time for the Python interpreter to start and import botocore in a subprocess, on a loaded machine.
PROCESS_START_ALLOWANCE_SECONDS = 15


def worst_case_seconds(connect: float, read: float, attempts: int) -> tuple[float, float]:
    """Return the documented worst cases of one request: (endpoint unreachable, endpoint silent)."""
    unreachable = attempts * connect + MAX_BACKOFF_SECONDS
    silent = attempts * (connect + read) + MAX_BACKOFF_SECONDS
    return unreachable, silent


def test_client_config_matches_docs():
    from launcher.appstream import clients

    config = clients.client_config()
    assert config.connect_timeout == clients.CONNECT_TIMEOUT_SECONDS == 5
    assert config.read_timeout == clients.READ_TIMEOUT_SECONDS == 15
    assert config.retries == {"mode": "standard", "total_max_attempts": clients.MAX_ATTEMPTS}
    assert clients.MAX_ATTEMPTS == 3
    unreachable, silent = worst_case_seconds(5, 15, 3)
    doc = FAULTS_DOC.read_text(encoding="utf-8")
    assert f"{unreachable:g} s" in doc
    assert f"{silent:g} s" in doc


@pytest.fixture
def unresponsive_port() -> Iterator[int]:
    """A loopback port whose listen queue is full, so new connections hang until the connect timeout."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    fillers = []
    for _ in range(8):
        filler = socket.socket()
        filler.setblocking(False)
        try:
            filler.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        fillers.append(filler)
    probe = socket.socket()
    probe.settimeout(0.5)
    try:
        with pytest.raises(TimeoutError):
            probe.connect(("127.0.0.1", port))
    finally:
        probe.close()
    yield port
    for filler in fillers:
        filler.close()
    server.close()


def test_cli_gives_up_on_unreachable_endpoint(unresponsive_port):
    from launcher.appstream import clients

    unreachable_bound, _ = worst_case_seconds(clients.CONNECT_TIMEOUT_SECONDS, clients.READ_TIMEOUT_SECONDS, clients.MAX_ATTEMPTS)
    endpoint = f"http://127.0.0.1:{unresponsive_port}"
    environment = dict(os.environ, AWS_ACCESS_KEY_ID=ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY=SECRET_ACCESS_KEY)

    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "launcher", "--endpoint-url", endpoint, "--region", REGION, "stacks"],
        capture_output=True,
        text=True,
        timeout=unreachable_bound + PROCESS_START_ALLOWANCE_SECONDS + 30,
        env=environment,
        cwd=REPOSITORY,
    )
    elapsed = time.monotonic() - started

    assert result.returncode == 1
    assert result.stderr.startswith(f"appstream-launcher: error: Connecting to {endpoint} timed out"), result.stderr
    assert len(result.stderr.splitlines()) == 1
    # Three attempts of 5 s each must have run, and the whole run stays inside the documented bound.
    assert elapsed >= clients.MAX_ATTEMPTS * clients.CONNECT_TIMEOUT_SECONDS - 0.5
    assert elapsed < unreachable_bound + PROCESS_START_ALLOWANCE_SECONDS, f"gave up after {elapsed:.1f} s"


def test_cli_gives_up_on_silent_endpoint(harness, cli_keys, capsys, quiet_logging):
    from launcher.appstream import clients

    _, silent_bound = worst_case_seconds(0, clients.READ_TIMEOUT_SECONDS, clients.MAX_ATTEMPTS)
    harness.emulator.faults.slow(SLOW_SECONDS, FAULT_COUNT)

    started = time.monotonic()
    status, _, err = run_cli(capsys, ["--endpoint-url", harness.endpoint_url, "--region", REGION, "stacks"])
    elapsed = time.monotonic() - started

    assert status == 1
    assert "did not respond to DescribeStacks in time" in err
    assert harness.emulator.calls.count("DescribeStacks") == clients.MAX_ATTEMPTS
    assert elapsed >= clients.MAX_ATTEMPTS * clients.READ_TIMEOUT_SECONDS
    # Connecting to loopback takes no time, so the bound is the one for a silent endpoint without connect time.
    assert elapsed < silent_bound + 2, f"gave up after {elapsed:.1f} s"


# The table in docs/faults.md ----------------------------------------------------------------

PORT_PATTERN = re.compile(r"http://127\.0\.0\.1:\d+")
SIGNATURE_TIME_PATTERN = re.compile(r"\d{8}T\d{6}Z")


def normalise(message: str) -> str:
    """Replace the parts of a message that change from run to run: ports and signing times."""
    message = PORT_PATTERN.sub("http://127.0.0.1:PORT", message)
    return SIGNATURE_TIME_PATTERN.sub("YYYYMMDDTHHMMSSZ", message)


def timeout_messages() -> dict[str, str]:
    """Return the timeout messages with the real timeouts, made by translate_error from botocore's exceptions.

    Waiting for the real 5 s and 15 s timeouts of every case would take minutes, so these two
    rows come from the error translation alone.
    """
    from botocore.exceptions import ConnectTimeoutError, ReadTimeoutError

    from launcher.appstream.errors import translate_error

    endpoint = "http://127.0.0.1:PORT"
    connect = translate_error(ConnectTimeoutError(endpoint_url=endpoint), operation="CreateStreamingURL", endpoint=endpoint)
    read = translate_error(ReadTimeoutError(endpoint_url=endpoint), operation="CreateStreamingURL", endpoint=endpoint)
    return {"connect_timeout": connect.message, "slow": read.message}


def collect_messages(emulator, capsys=None) -> dict[str, str]:
    """Run the `url` command for every case except the slow one; return each case's error message, normalised."""
    import contextlib
    import io

    import keyring

    from launcher.appstream.clients import shared_clients
    from launcher.main import main

    messages = timeout_messages()
    previous_keyring = keyring.get_keyring()
    for case in CASES:
        if case.slow:
            continue
        harness = FaultHarness(emulator)
        shared_clients.forget()
        try:
            case.prepare(harness)
            case.inject(harness, "CreateStreamingURL")
            stderr = io.StringIO()
            with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
                main(cli_arguments(case, harness, URL_ARGS))
            if capsys is not None:
                capsys.readouterr()
            lines = [line for line in stderr.getvalue().splitlines() if line.startswith("appstream-launcher: error: ")]
            messages[case.name] = normalise(lines[-1].removeprefix("appstream-launcher: error: ")) if lines else ""
        finally:
            _clear_emulator(harness)
            harness.close()
            keyring.set_keyring(previous_keyring)
    shared_clients.forget()
    return messages


def test_faults_doc_lists_real_messages(emulator, cli_keys, monkeypatch, capsys, quiet_logging):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID)
    doc = FAULTS_DOC.read_text(encoding="utf-8")

    messages = collect_messages(emulator, capsys)

    for name, message in messages.items():
        assert message, f"{name} printed no error"
        assert message.replace("|", "\\|") in doc, f"docs/faults.md lacks the {name} message: {message}"


if __name__ == "__main__":
    # Print the rows of the message table in docs/faults.md, with the command line's real output.
    from launcher.emulator import start_emulator

    os.environ.update(
        AWS_ACCESS_KEY_ID=ACCESS_KEY_ID,
        AWS_SECRET_ACCESS_KEY=SECRET_ACCESS_KEY,
        AWS_EC2_METADATA_DISABLED="true",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )
    import tempfile

    os.environ["APPSTREAM_LAUNCHER_CONFIG_DIR"] = tempfile.mkdtemp(prefix="faults-doc-")
    logging.getLogger("launcher.emulator").setLevel(logging.ERROR)
    with start_emulator() as doc_emulator:
        for name, message in collect_messages(doc_emulator).items():
            print(f"| {name} | {message.replace('|', chr(92) + '|')} |")
