"""Unexpected exceptions, unreadable settings, the log file and the clipboard.

The exception hook must log and report an error without secrets, show one dialog, survive a
failing dialog, and keep the window running after an exception inside a Qt slot.
"""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
import textwrap
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication  # noqa: E402
from PySide6.QtWidgets import QApplication, QDialog, QPlainTextEdit  # noqa: E402

from launcher import __version__  # noqa: E402
from launcher.appstream.models import StreamingURL  # noqa: E402
from launcher.crash import NO_CRASH_DIALOG_VARIABLE, build_report, crash_dialog_disabled, install_exception_hook  # noqa: E402
from launcher.logs import LOG_DIR_ENVIRONMENT_VARIABLE, log_file_path, setup_logging  # noqa: E402
from launcher.settings import SettingsStore, config_dir  # noqa: E402
from launcher.ui.crash_dialog import CrashDialog, CrashDialogPresenter  # noqa: E402
from launcher.ui.result_panel import ResultPanel  # noqa: E402

REPOSITORY = Path(__file__).resolve().parents[1]
SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"
STREAMING_TOKEN = "pArAmEtErStOkEn0123456789"
STREAMING_URL = f"https://appstream2.us-east-1.aws.amazon.com/authenticate?parameters={STREAMING_TOKEN}"
LOAD_TIMEOUT_MS = 15000
SUBPROCESS_TIMEOUT_SECONDS = 120


class SecretError(RuntimeError):
    """An error whose message carries a secret key and a streaming URL, as a careless library might."""


def raise_secret_error() -> None:
    raise SecretError(f"aws_secret_access_key={SECRET_ACCESS_KEY} while opening {STREAMING_URL}")


@pytest.fixture
def log_dir(tmp_path, monkeypatch):
    folder = tmp_path / "logs"
    monkeypatch.setenv(LOG_DIR_ENVIRONMENT_VARIABLE, str(folder))
    return folder


@pytest.fixture
def hook():
    """An exception hook with a recording show_dialog, removed after the test."""
    shown = []
    installed = install_exception_hook(shown.append)
    installed.shown = shown
    yield installed
    installed.uninstall()


def capture_exception(function) -> tuple:
    try:
        function()
    except BaseException:  # noqa: BLE001 - the test hands the exception to the hook itself
        return sys.exc_info()
    raise AssertionError("the function did not raise")


# Reports ----------------------------------------------------------------------------------


def test_report_has_versions_and_traceback():
    report = build_report(*capture_exception(raise_secret_error), thread_name="MainThread")

    assert f"AppStream Launcher {__version__}" in report.details
    assert "Python 3." in report.details
    assert "Platform " in report.details
    assert "PySide6 " in report.details
    assert "Qt " in report.details
    assert "Thread MainThread" in report.details
    assert "Traceback (most recent call last)" in report.details
    assert "raise_secret_error" in report.details
    assert "SecretError: " in report.summary


def test_report_is_redacted():
    report = build_report(*capture_exception(raise_secret_error))

    for text in (report.summary, report.details):
        assert SECRET_ACCESS_KEY not in text
        assert STREAMING_TOKEN not in text
        assert "<redacted>" in text


def test_hook_logs_and_shows_report(hook, caplog):
    caplog.set_level(logging.CRITICAL, logger="launcher.crash")

    sys.excepthook(*capture_exception(raise_secret_error))

    assert len(hook.shown) == 1
    assert hook.shown[0] is hook.reports[0]
    records = [record for record in caplog.records if record.name == "launcher.crash"]
    assert len(records) == 1
    assert records[0].levelno == logging.CRITICAL
    assert records[0].exc_info is not None


def test_hook_catches_thread_exceptions(hook):
    worker = threading.Thread(target=raise_secret_error, name="request-worker")
    worker.start()
    worker.join(timeout=10)

    assert len(hook.shown) == 1
    assert "Thread request-worker" in hook.shown[0].details


def test_hook_survives_failing_dialog(capfd):
    calls = []

    def failing_dialog(report) -> None:
        calls.append(report)
        raise RuntimeError("the dialog could not be created")

    installed = install_exception_hook(failing_dialog)
    try:
        first = installed.handle(*capture_exception(raise_secret_error))
        second = installed.handle(*capture_exception(raise_secret_error))
    finally:
        installed.uninstall()

    assert first is None
    assert second is None
    assert len(calls) == 2
    err = capfd.readouterr().err
    assert err.count("Handling an unexpected error failed: RuntimeError: the dialog could not be created") == 2


def test_hook_does_not_loop_on_reentry(capfd):
    calls = []

    def dialog_that_crashes_again(report) -> None:
        calls.append(report)
        # The hook is entered again from inside itself, as when showing the dialog raises into Qt.
        sys.excepthook(*capture_exception(raise_secret_error))

    installed = install_exception_hook(dialog_that_crashes_again)
    try:
        installed.handle(*capture_exception(raise_secret_error))
    finally:
        installed.uninstall()

    assert len(calls) == 1
    err = capfd.readouterr().err
    assert "Another error occurred while handling an unexpected error: SecretError" in err
    assert SECRET_ACCESS_KEY not in err
    assert STREAMING_TOKEN not in err


def test_uninstall_restores_previous_hooks():
    previous_sys, previous_threading = sys.excepthook, threading.excepthook
    installed = install_exception_hook(None)
    assert sys.excepthook == installed.excepthook

    installed.uninstall()

    assert sys.excepthook is previous_sys
    assert threading.excepthook is previous_threading


def test_keyboard_interrupt_goes_to_previous_hook(monkeypatch):
    seen = []
    monkeypatch.setattr(sys, "excepthook", lambda *arguments: seen.append(arguments[0]))
    installed = install_exception_hook(lambda report: pytest.fail("no dialog for Ctrl+C"))
    try:
        sys.excepthook(KeyboardInterrupt, KeyboardInterrupt(), None)
    finally:
        installed.uninstall()

    assert seen == [KeyboardInterrupt]
    assert installed.reports == []


@pytest.mark.parametrize(("value", "disabled"), [("1", True), ("true", True), ("0", False), ("", False)])
def test_dialog_disabled_by_environment(monkeypatch, value, disabled):
    monkeypatch.setenv(NO_CRASH_DIALOG_VARIABLE, value)
    assert crash_dialog_disabled() is disabled
    assert crash_dialog_disabled(flag=True) is True


def test_no_crash_dialog_flag_parses():
    from launcher.cli.parser import build_parser

    assert build_parser().parse_args(["--no-crash-dialog"]).no_crash_dialog is True
    assert build_parser().parse_args(["--demo"]).no_crash_dialog is False


# Dialog -----------------------------------------------------------------------------------


def test_crash_dialog_details_copyable(qtbot):
    report = build_report(*capture_exception(raise_secret_error))
    dialog = CrashDialog(report, "/tmp/appstream-launcher.log")
    qtbot.addWidget(dialog)
    dialog.show()

    assert dialog.objectName() == "crashDialog"
    details = dialog.findChild(QPlainTextEdit, "crashDetailsEdit")
    assert details.isReadOnly()
    assert details.toPlainText() == report.details
    assert report.summary in dialog.summary_label.text()
    assert "/tmp/appstream-launcher.log" in dialog.hint_label.text()

    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)

    assert QGuiApplication.clipboard().text() == report.details


def find_crash_dialogs() -> list[QDialog]:
    return [widget for widget in QApplication.topLevelWidgets() if widget.objectName() == "crashDialog" and widget.isVisible()]


@pytest.mark.qt_no_exception_capture
def test_slot_exception_shows_dialog_and_window_keeps_working(qtbot, emulator):
    from launcher.settings import SettingsStore
    from launcher.ui.app import demo_source
    from launcher.ui.main_window import MainWindow
    from launcher.ui.picker import PickerState

    presenter = CrashDialogPresenter("/tmp/appstream-launcher.log")
    installed = install_exception_hook(presenter.show_report)
    window = MainWindow(sources=[demo_source()], store=SettingsStore(config_dir() / "settings.json"), endpoint_url=emulator.endpoint_url)
    qtbot.addWidget(window)
    window.show()
    try:
        qtbot.waitUntil(lambda: window.stack_picker.state is PickerState.READY, timeout=LOAD_TIMEOUT_MS)
        window.refresh_action.triggered.connect(raise_secret_error)

        window.refresh_action.trigger()
        qtbot.waitUntil(lambda: len(find_crash_dialogs()) == 1, timeout=LOAD_TIMEOUT_MS)

        dialog = find_crash_dialogs()[0]
        assert "SecretError" in dialog.report.summary
        assert SECRET_ACCESS_KEY not in dialog.report.details
        assert len(installed.reports) == 1

        # A second error while the dialog is open is logged without a second dialog.
        window.refresh_action.trigger()
        qtbot.wait(100)
        assert len(find_crash_dialogs()) == 1
        assert len(installed.reports) == 2
        dialog.close()

        # The refresh that the slot belonged to still ran, and generating still works.
        qtbot.waitUntil(lambda: window.stack_picker.state is PickerState.READY, timeout=LOAD_TIMEOUT_MS)
        assert window.stack_picker.select_key("office-hq")
        qtbot.waitUntil(lambda: window.application_picker.state is PickerState.READY, timeout=LOAD_TIMEOUT_MS)
        window.user_id_edit.setText("after-crash")
        qtbot.mouseClick(window.generate_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: window.url_edit.text() != "", timeout=LOAD_TIMEOUT_MS)
    finally:
        installed.uninstall()
        window.close()
        qtbot.waitUntil(lambda: window.tasks.active_count() == 0, timeout=LOAD_TIMEOUT_MS)


RUN_WINDOW_WITH_SLOT_ERROR = textwrap.dedent(
    """
    import sys
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    from launcher.main import main
    from launcher.ui import app as ui_app

    qt_app = ui_app.application()

    def fail_in_slot():
        raise RuntimeError("slot failure aws_secret_access_key=SECRETSECRETSECRETSECRETSECRETSECRET1234")

    def report_and_close():
        dialogs = [w for w in QApplication.topLevelWidgets() if w.objectName() == "crashDialog" and w.isVisible()]
        print(f"crash dialogs: {len(dialogs)}", flush=True)
        qt_app.closeAllWindows()

    QTimer.singleShot(300, fail_in_slot)
    QTimer.singleShot(1500, report_and_close)
    raise SystemExit(main(["--demo", *sys.argv[1:]]))
    """
)


def run_window_process(tmp_path, *arguments: str, environment: dict[str, str] | None = None):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", APPSTREAM_LAUNCHER_CONFIG_DIR=str(tmp_path / "config"))
    env[LOG_DIR_ENVIRONMENT_VARIABLE] = str(tmp_path / "logs")
    env.pop(NO_CRASH_DIALOG_VARIABLE, None)
    env.update(environment or {})
    return subprocess.run(
        [sys.executable, "-c", RUN_WINDOW_WITH_SLOT_ERROR, *arguments],
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT_SECONDS,
        cwd=REPOSITORY,
        env=env,
    )


def test_run_window_shows_dialog_and_logs(tmp_path):
    result = run_window_process(tmp_path)

    assert result.returncode == 0, result.stderr
    assert "crash dialogs: 1" in result.stdout
    log_text = (tmp_path / "logs" / "appstream-launcher.log").read_text(encoding="utf-8")
    assert "RuntimeError: slot failure" in log_text
    assert "Traceback (most recent call last)" in log_text
    assert "SECRETSECRET" not in log_text
    assert "SECRETSECRET" not in result.stderr


@pytest.mark.parametrize(
    ("arguments", "environment"),
    [(("--no-crash-dialog",), {}), ((), {NO_CRASH_DIALOG_VARIABLE: "1"})],
    ids=["flag", "environment"],
)
def test_run_window_without_dialog_only_logs(tmp_path, arguments, environment):
    result = run_window_process(tmp_path, *arguments, environment=environment)

    assert result.returncode == 0, result.stderr
    assert "crash dialogs: 0" in result.stdout
    assert "RuntimeError: slot failure" in result.stderr
    log_text = (tmp_path / "logs" / "appstream-launcher.log").read_text(encoding="utf-8")
    assert "RuntimeError: slot failure" in log_text


# Log file ---------------------------------------------------------------------------------


def test_log_file_path_follows_environment(log_dir):
    assert log_file_path() == log_dir / "appstream-launcher.log"


def test_log_file_path_beside_config_dir(tmp_path, monkeypatch):
    monkeypatch.delenv(LOG_DIR_ENVIRONMENT_VARIABLE, raising=False)
    monkeypatch.setenv("APPSTREAM_LAUNCHER_CONFIG_DIR", str(tmp_path / "portable"))

    assert log_file_path() == tmp_path / "portable" / "logs" / "appstream-launcher.log"


def test_log_file_written_redacted_and_private(log_dir, restore_logging):
    setup_logging(False, log_file=True)
    logging.getLogger("launcher.test").info("Opened %s with SecretAccessKey=%s", STREAMING_URL, SECRET_ACCESS_KEY)
    logging.getLogger("launcher.test").info("odd input \udc80 is escaped")
    logging.getLogger("botocore.test").info("botocore info stays out unless verbose")

    for handler in logging.getLogger().handlers:
        handler.flush()
    path = log_dir / "appstream-launcher.log"
    text = path.read_text(encoding="utf-8")
    assert "Opened https://appstream2.us-east-1.aws.amazon.com/authenticate?<redacted>" in text
    assert SECRET_ACCESS_KEY not in text
    assert STREAMING_TOKEN not in text
    assert "odd input \\udc80 is escaped" in text
    assert "botocore info" not in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_log_file_rotates(log_dir, restore_logging, monkeypatch):
    monkeypatch.setattr("launcher.logs.LOG_FILE_MAX_BYTES", 2000)
    setup_logging(False, log_file=True)

    for index in range(400):
        logging.getLogger("launcher.test").info("line %d of the rotation test", index)

    names = sorted(path.name for path in log_dir.iterdir())
    assert names == ["appstream-launcher.log", "appstream-launcher.log.1", "appstream-launcher.log.2", "appstream-launcher.log.3"]
    assert all((log_dir / name).stat().st_size <= 2100 for name in names)


def test_unwritable_log_dir_falls_back_to_stderr(tmp_path, monkeypatch, restore_logging, capsys):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the log folder should be", encoding="utf-8")
    monkeypatch.setenv(LOG_DIR_ENVIRONMENT_VARIABLE, str(blocker))

    setup_logging(False, log_file=True)
    logging.getLogger("launcher.test").warning("still logged")

    err = capsys.readouterr().err
    assert "Cannot write the log file" in err
    assert "still logged" in err


def test_second_setup_replaces_handlers(log_dir, restore_logging):
    setup_logging(False, log_file=True)
    setup_logging(True, log_file=True)

    marked = [handler for handler in logging.getLogger().handlers if getattr(handler, "_appstream_launcher", False)]
    assert len(marked) == 2
    assert logging.getLogger("botocore").level == logging.DEBUG


# Settings that cannot be read --------------------------------------------------------------


@pytest.fixture
def make_window(qtbot, emulator):
    from launcher.ui.app import demo_source
    from launcher.ui.main_window import MainWindow

    windows = []

    def create(store: SettingsStore | None = None):
        window = MainWindow(
            sources=[demo_source()],
            store=store or SettingsStore(config_dir() / "settings.json"),
            endpoint_url=emulator.endpoint_url,
        )
        qtbot.addWidget(window)
        window.show()
        windows.append(window)
        return window

    yield create
    for window in windows:
        window.close()
        qtbot.waitUntil(lambda window=window: window.tasks.active_count() == 0, timeout=LOAD_TIMEOUT_MS)


def test_settings_folder_in_place_of_file_warns(make_window):
    path = config_dir() / "settings.json"
    path.mkdir(parents=True)

    window = make_window()

    assert window.status_label.property("tone") == "warning"
    assert "cannot be read" in window.status_label.text()
    assert "moved to" in window.status_label.text()
    assert len(list(config_dir().glob("settings.json.corrupt-*"))) == 1


def test_unreadable_settings_file_warns(make_window, monkeypatch):
    path = config_dir() / "settings.json"
    path.parent.mkdir(parents=True)
    path.write_text("{}", encoding="utf-8")
    original_read_text = Path.read_text

    def read_text_denied(self, *args, **kwargs):
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return original_read_text(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", read_text_denied)

    window = make_window()

    assert window.status_label.property("tone") == "warning"
    assert "cannot be read" in window.status_label.text()
    assert "Permission denied" in window.status_label.text()


def test_unreadable_settings_that_cannot_move_warns(make_window, monkeypatch):
    path = config_dir() / "settings.json"
    path.mkdir(parents=True)

    def replace_denied(source, destination):
        raise PermissionError(13, "Permission denied", str(source))

    monkeypatch.setattr("launcher.settings.os.replace", replace_denied)

    window = make_window()

    assert "moving it aside failed" in window.status_label.text()
    assert path.is_dir()


def test_settings_save_failure_warns(make_window, tmp_path):
    blocker = tmp_path / "blocked"
    blocker.write_text("a file where the settings folder should be", encoding="utf-8")
    window = make_window(SettingsStore(blocker / "settings.json"))

    window.save_settings()

    assert window.status_label.property("tone") == "warning"
    assert "could not be saved" in window.status_label.text()


def test_streaming_url_never_in_settings(qtbot, make_window):
    from launcher.ui.picker import PickerState

    window = make_window()
    qtbot.waitUntil(lambda: window.stack_picker.state is PickerState.READY, timeout=LOAD_TIMEOUT_MS)
    assert window.stack_picker.select_key("office-hq")
    qtbot.waitUntil(lambda: window.application_picker.state is PickerState.READY, timeout=LOAD_TIMEOUT_MS)
    window.user_id_edit.setText("settings-user")
    qtbot.mouseClick(window.generate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.url_edit.text() != "", timeout=LOAD_TIMEOUT_MS)
    token = window.url_edit.text().split("parameters=", 1)[1]

    window.save_settings()
    window.close()

    for path in config_dir().iterdir():
        text = path.read_text(encoding="utf-8")
        assert token not in text
        assert "authenticate" not in text


# Clipboard --------------------------------------------------------------------------------


@pytest.fixture
def panel(qtbot):
    result_panel = ResultPanel()
    qtbot.addWidget(result_panel)
    result_panel.show_result(StreamingURL(url=STREAMING_URL, expires=datetime.now(timezone.utc) + timedelta(minutes=5)))
    QGuiApplication.clipboard().clear()
    yield result_panel
    result_panel.stop()


def test_clipboard_cleared_after_delay(qtbot, panel):
    panel.clipboard_clear_seconds = 1
    clipboard = QGuiApplication.clipboard()

    panel.copy_url()
    assert clipboard.text() == STREAMING_URL

    qtbot.waitUntil(lambda: clipboard.text() == "", timeout=5000)


def test_clipboard_kept_when_user_copied_other_text(qtbot, panel):
    panel.clipboard_clear_seconds = 1
    clipboard = QGuiApplication.clipboard()
    panel.copy_url()
    clipboard.setText("something the user copied")

    qtbot.waitUntil(lambda: not panel._clipboard_timer.isActive(), timeout=5000)

    assert clipboard.text() == "something the user copied"


def test_clipboard_never_cleared_by_default(qtbot, panel):
    assert panel.clipboard_clear_seconds == 0
    assert panel.clipboard_clear_combo.currentText() == "Never"

    panel.copy_url()

    assert not panel._clipboard_timer.isActive()
    assert QGuiApplication.clipboard().text() == STREAMING_URL


def test_clipboard_delay_choice_emits_signal(qtbot, panel):
    combo = panel.clipboard_clear_combo
    assert [combo.itemText(index) for index in range(combo.count())] == ["Never", "30 s", "1 min", "5 min"]

    with qtbot.waitSignal(panel.clipboard_clear_changed, timeout=1000) as signal:
        combo.activated.emit(combo.findData(30))

    assert signal.args == [30]
    assert panel.clipboard_clear_seconds == 30


def test_clipboard_never_choice_cancels_pending_clear(qtbot, panel):
    panel.clipboard_clear_seconds = 30
    panel.copy_url()
    assert panel._clipboard_timer.isActive()

    panel.clipboard_clear_combo.activated.emit(panel.clipboard_clear_combo.findData(0))

    assert not panel._clipboard_timer.isActive()
    assert QGuiApplication.clipboard().text() == STREAMING_URL


def test_clipboard_setting_outside_choices_shown(panel):
    with_signal = []
    panel.clipboard_clear_changed.connect(with_signal.append)

    panel.clipboard_clear_seconds = 45

    assert panel.clipboard_clear_combo.currentText() == "45 s"
    assert with_signal == []


def test_clipboard_cleared_when_panel_stops(panel):
    panel.clipboard_clear_seconds = 300
    panel.copy_url()

    panel.stop()

    assert QGuiApplication.clipboard().text() == ""
