"""No secret leaks: random credentials and streaming URLs never reach a log, a settings file or a crash report.

The command line runs with --verbose (botocore's debug log prints every request header,
X-Amz-Security-Token included) and the window generates and copies a URL with a debug log file.
Then every output is searched for the secret access key, the session token and the URL's token.
"""

from __future__ import annotations

import io
import logging
import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication  # noqa: E402

from launcher.credentials.sources import KIND_STATIC, CredentialSource, StaticCredentials  # noqa: E402
from launcher.crash import install_exception_hook  # noqa: E402
from launcher.logs import LOG_DIR_ENVIRONMENT_VARIABLE, redact, setup_logging  # noqa: E402
from launcher.settings import SettingsStore, config_dir  # noqa: E402

REPOSITORY = Path(__file__).resolve().parents[1]
BASE64_CHARACTERS = string.ascii_letters + string.digits + "+/"
LOAD_TIMEOUT_MS = 15000
TIMEOUT_SECONDS = 120


def random_text(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


@pytest.fixture
def credentials() -> dict[str, str]:
    """Random credentials in AWS's shapes: a 20-character key ID, a 40-character secret, a long token."""
    return {
        "access_key_id": "ASIA" + random_text(string.ascii_uppercase + string.digits, 16),
        "secret_access_key": random_text(BASE64_CHARACTERS, 40),
        "session_token": "IQoJb3JpZ2luX2Vj" + random_text(BASE64_CHARACTERS, 600) + "==",
    }


def assert_no_secret(text: str, credentials: dict[str, str], where: str, url_token: str | None = None) -> None:
    assert credentials["secret_access_key"] not in text, f"secret access key in {where}"
    assert credentials["session_token"] not in text, f"session token in {where}"
    # A log could split a long token across lines, so a 40-character piece is searched for too.
    assert credentials["session_token"][100:140] not in text, f"part of the session token in {where}"
    if url_token:
        assert url_token not in text, f"streaming URL token in {where}"


def settings_texts() -> dict[str, str]:
    folder = config_dir()
    if not folder.exists():
        return {}
    return {str(path): path.read_text(encoding="utf-8", errors="replace") for path in folder.rglob("*") if path.is_file()}


@pytest.mark.parametrize(
    "secret_form",
    [
        '"SecretAccessKey": "{secret}"',
        "<SecretAccessKey>{secret}</SecretAccessKey>",
        "aws_secret_access_key = {secret}",
        "{{'X-Amz-Security-Token': b'{token}'}}",
        "ReadOnlyCredentials(access_key='AKIA', secret_key='{secret}', token='{token}')",
        'b\'{{"SessionToken":"{token}","SecretAccessKey":"{secret}"}}\'',
        "AWS_SESSION_TOKEN={token} AWS_SECRET_ACCESS_KEY={secret}",
        "<SessionToken>{token}</SessionToken>",
    ],
)
def test_redact_removes_secret_forms(credentials, secret_form):
    text = secret_form.format(secret=credentials["secret_access_key"], token=credentials["session_token"])

    redacted = redact(text)

    assert_no_secret(redacted, credentials, "redacted text")
    assert "<redacted>" in redacted


def test_redact_removes_signature_and_url_token():
    signature = random_text("0123456789abcdef", 64)
    token = random_text(string.ascii_letters + string.digits + "-_", 80)
    text = (
        f"Authorization: AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20260101/us-east-1/appstream/aws4_request, "
        f"SignedHeaders=host;x-amz-date, Signature={signature} "
        f'"StreamingURL":"https://appstream2.us-east-1.aws.amazon.com/authenticate?parameters={token}" '
        f"GET /authenticate?parameters={token} HTTP/1.1"
    )

    redacted = redact(text)

    assert signature not in redacted
    assert token not in redacted
    assert "Credential=AKIAEXAMPLE" in redacted


def test_cli_verbose_leaks_nothing(emulator, credentials, tmp_path):
    environment = dict(
        os.environ,
        AWS_ACCESS_KEY_ID=credentials["access_key_id"],
        AWS_SECRET_ACCESS_KEY=credentials["secret_access_key"],
        AWS_SESSION_TOKEN=credentials["session_token"],
        AWS_REGION="us-east-1",
        AWS_ENDPOINT_URL_APPSTREAM=emulator.endpoint_url,
    )
    environment[LOG_DIR_ENVIRONMENT_VARIABLE] = str(tmp_path / "logs")
    commands = [
        ["url", "--stack", "office-hq", "--fleet", "office-always-on", "--user-id", "leak-test", "--output", "json"],
        ["stacks"],
        ["applications", "--stack", "office-hq", "--fleet", "office-always-on"],
    ]
    runs = [
        subprocess.run(
            [sys.executable, "-m", "launcher", "--verbose", *command],
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            env=environment,
            cwd=REPOSITORY,
        )
        for command in commands
    ]

    for run in runs:
        assert run.returncode == 0, run.stderr
    url_run = runs[0]
    url_token = url_run.stdout.split("parameters=", 1)[1].split('"', 1)[0]
    assert len(url_token) > 10
    assert "X-Amz-Security-Token" in url_run.stderr, "the debug log no longer shows request headers"
    assert "<redacted>" in url_run.stderr
    for run, command in zip(runs, commands, strict=True):
        assert_no_secret(run.stderr, credentials, f"stderr of {command[0]}", url_token)
        assert_no_secret(run.stdout, credentials, f"stdout of {command[0]}")
    # The command line writes no log file.
    assert not (tmp_path / "logs").exists()
    for path, text in settings_texts().items():
        assert_no_secret(text, credentials, path, url_token)


@pytest.mark.qt_no_exception_capture
def test_window_generate_copy_and_crash_leak_nothing(qtbot, emulator, credentials, tmp_path, monkeypatch, restore_logging):
    from launcher.appstream.clients import make_session
    from launcher.ui.main_window import MainWindow
    from launcher.ui.picker import PickerState

    log_dir = tmp_path / "logs"
    monkeypatch.setenv(LOG_DIR_ENVIRONMENT_VARIABLE, str(log_dir))
    stderr = io.StringIO()
    setup_logging(True, stderr, log_file=True)
    reports = []
    hook = install_exception_hook(reports.append)
    keys = StaticCredentials(credentials["access_key_id"], credentials["secret_access_key"], credentials["session_token"])
    source = CredentialSource(KIND_STATIC, "random keys", keys)
    window = MainWindow(sources=[source], store=SettingsStore(config_dir() / "settings.json"), endpoint_url=emulator.endpoint_url)
    qtbot.addWidget(window)
    window.show()
    try:
        qtbot.waitUntil(lambda: window.stack_picker.state is PickerState.READY, timeout=LOAD_TIMEOUT_MS)
        assert window.stack_picker.select_key("office-hq")
        qtbot.waitUntil(lambda: window.application_picker.state is PickerState.READY, timeout=LOAD_TIMEOUT_MS)
        window.user_id_edit.setText("leak-test")
        qtbot.mouseClick(window.generate_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: window.url_edit.text() != "", timeout=LOAD_TIMEOUT_MS)
        url = window.url_edit.text()
        url_token = url.split("parameters=", 1)[1]
        qtbot.mouseClick(window.copy_button, Qt.MouseButton.LeftButton)
        assert QGuiApplication.clipboard().text() == url

        # An exception whose message carries botocore's credentials repr and the URL, raised in a slot.
        frozen = make_session(source).get_credentials().get_frozen_credentials()

        def leaky_slot() -> None:
            raise RuntimeError(f"request failed with {frozen!r} for {url}")

        window.refresh_action.triggered.connect(leaky_slot)
        window.refresh_action.trigger()
        qtbot.waitUntil(lambda: len(reports) == 1, timeout=LOAD_TIMEOUT_MS)
        window.save_settings()
    finally:
        hook.uninstall()
        window.close()
        qtbot.waitUntil(lambda: window.tasks.active_count() == 0, timeout=LOAD_TIMEOUT_MS)
    for handler in logging.getLogger().handlers:
        handler.flush()

    log_text = (log_dir / "appstream-launcher.log").read_text(encoding="utf-8")
    assert "CreateStreamingURL" in log_text
    assert "X-Amz-Security-Token" in log_text, "the debug log no longer shows request headers"
    assert "RuntimeError: request failed" in log_text
    assert_no_secret(log_text, credentials, "the log file", url_token)
    assert_no_secret(stderr.getvalue(), credentials, "stderr", url_token)
    assert_no_secret(reports[0].summary + reports[0].details, credentials, "the crash report", url_token)
    assert "ReadOnlyCredentials(" in reports[0].details
    texts = settings_texts()
    assert texts, "the window saved no settings"
    for path, text in texts.items():
        assert_no_secret(text, credentials, path, url_token)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("endpoint http://admin:hunter2@127.0.0.1:9/path", "hunter2"),
        ("params {'TokenCode': '123456'}", "123456"),
        ("Action=GetSessionToken&TokenCode=654321&Version=2011-06-15", "654321"),
        ("Signature:\n" + "ab" * 32, "ab" * 32),
    ],
)
def test_redact_hides_logged_secret(text, secret):
    assert secret not in redact(text)
