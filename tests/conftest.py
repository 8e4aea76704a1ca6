"""Shared fixtures: an isolated environment for every test and the AppStream emulator."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

_AWS_VARIABLES = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_APPSTREAM",
    "AWS_ENDPOINT_URL_STS",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
)


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path, monkeypatch):
    """Keep every test away from the developer's AWS files, settings and instance metadata."""
    for name in _AWS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    aws_dir = tmp_path / "aws"
    aws_dir.mkdir()
    monkeypatch.setenv("AWS_CONFIG_FILE", str(aws_dir / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(aws_dir / "credentials"))
    # The default chain must never reach for the EC2 instance metadata service.
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("APPSTREAM_LAUNCHER_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("APPSTREAM_LAUNCHER_CACHE_DIR", str(tmp_path / "cache"))
    yield


@pytest.fixture(scope="session")
def shared_emulator():
    """One emulator with the sample data for tests that only read."""
    from launcher.emulator import start_emulator

    with start_emulator() as emulator:
        yield emulator


@pytest.fixture
def emulator(shared_emulator):
    """The shared emulator with faults, latency and the call log reset before and after the test."""
    _reset(shared_emulator)
    yield shared_emulator
    _reset(shared_emulator)


def _reset(emulator) -> None:
    from launcher.emulator import DEFAULT_PAGE_SIZE

    emulator.faults.clear()
    emulator.latency_ms = 0
    emulator.page_size = DEFAULT_PAGE_SIZE
    emulator.expired_access_key_ids.clear()
    emulator.invalid_access_key_ids.clear()
    emulator.secret_keys.clear()
    emulator.reset_calls()


@pytest.fixture
def fresh_emulator():
    """An emulator of its own, for tests that change state (start fleets, create sessions)."""
    from launcher.emulator import start_emulator

    with start_emulator(session_activation_seconds=0.2, fleet_transition_seconds=0.2) as emulator:
        yield emulator


WORKER_SETTLE_TIMEOUT_MS = 15000


@pytest.fixture
def no_worker_left_running(qtbot):
    """Fail a test that leaves a background request running once its windows are closed.

    Window test modules apply it to every test with pytest.mark.usefixtures.
    """
    from launcher.ui import tasks

    yield
    try:
        qtbot.waitUntil(lambda: tasks.active_worker_count() == 0, timeout=WORKER_SETTLE_TIMEOUT_MS)
    except qtbot.TimeoutError:
        pytest.fail(f"{tasks.active_worker_count()} background worker(s) still running after the test")


@pytest.fixture
def window_factory(qtbot):
    """Create shown main windows with the demo source and the test's settings file, closed at teardown.

    Keyword arguments go to MainWindow; `endpoint_url` is required because tests never reach AWS.
    """
    from launcher.settings import SettingsStore, config_dir
    from launcher.ui.app import demo_source
    from launcher.ui.main_window import MainWindow

    windows = []

    def create(*, endpoint_url: str, **options):
        options.setdefault("sources", [demo_source()])
        options.setdefault("store", SettingsStore(config_dir() / "settings.json"))
        window = MainWindow(endpoint_url=endpoint_url, **options)
        qtbot.addWidget(window)
        window.show()
        windows.append(window)
        return window

    yield create
    for window in windows:
        window.close()


@pytest.fixture
def restore_logging():
    """Undo what the logging set-up of main() and run_window installs: root handlers, levels, noisy loggers."""
    import logging

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    noisy_levels = {name: logging.getLogger(name).level for name in ("botocore", "boto3", "urllib3")}
    yield
    for handler in root.handlers:
        if handler not in handlers:
            handler.close()
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, noisy_level in noisy_levels.items():
        logging.getLogger(name).setLevel(noisy_level)


@pytest.fixture
def window_process_environment(tmp_path) -> dict[str, str]:
    """Return the environment of a child process that runs the window offscreen with its own folders."""
    return dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        APPSTREAM_LAUNCHER_CONFIG_DIR=str(tmp_path / "config"),
        APPSTREAM_LAUNCHER_LOG_DIR=str(tmp_path / "logs"),
        APPSTREAM_LAUNCHER_NO_CRASH_DIALOG="1",
    )


@pytest.fixture
def clean_temporary_credentials():
    """Forget the temporary MFA and role credentials that saved-credential sessions cache in memory."""
    from launcher.credentials import sessions

    sessions.forget_temporary_credentials()
    yield
    sessions.forget_temporary_credentials()
