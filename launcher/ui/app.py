"""Start the window: the QApplication, the credential sources, demo mode and a clean exit.

Nothing here imports boto3 or botocore, so the window shows before they load. The AppStream
layer imports them on the worker threads that make the first requests. In demo mode the
emulator package loads on a background thread too (see DemoEmulator).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import sys
import threading
from concurrent.futures import Future
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer, Signal, Slot
from PySide6.QtWidgets import QApplication

from launcher import __version__
from launcher.heap import freeze_long_lived
from launcher.appstream.name_cache import NameCache
from launcher.credentials.repository import CredentialsRepository, set_active_repository
from launcher.credentials.secret_store import SecretStore
from launcher.credentials.sources import KIND_PROFILE, KIND_SAVED, KIND_STATIC, CredentialSource, StaticCredentials, list_sources
from launcher.crash import crash_dialog_disabled, install_exception_hook
from launcher.logs import log_file_path, setup_logging
from launcher.settings import SettingsStore, config_dir
from launcher.ui.crash_dialog import CrashDialogPresenter
from launcher.ui.mfa_dialog import GuiMfaCodeProvider
from launcher.ui.main_window import APP_TITLE, MainWindow, load_app_icon
from launcher.ui.style import TONE_ERROR, TONE_WARNING

if TYPE_CHECKING:
    from launcher.emulator import Emulator

log = logging.getLogger(__name__)

DEMO_SOURCE_NAME = "Demo (local emulator)"
# The emulator accepts any key; these only have to look like AWS keys to botocore.
DEMO_ACCESS_KEY_ID = "AKIADEMOEXAMPLE00000"
DEMO_SECRET_ACCESS_KEY = "demo-secret"
DEMO_SETTINGS_FILE_NAME = "settings-demo.json"
DEMO_REGION = "us-east-1"
# Saved credentials made in demo mode go to their own keyring service, apart from real ones.
DEMO_KEYRING_SERVICE = "appstream-launcher-demo"
# How long the exit waits for requests still in flight before it stops waiting for them.
EXIT_WAIT_MS = 1000
DEMO_HOST = "127.0.0.1"
# How long the exit waits for the demo emulator's background start to finish before it closes the socket.
DEMO_START_WAIT_SECONDS = 5.0
# The demo emulator starts after the window's first paint, or this long after show() if no paint
# has come by then (a window that starts minimized, for one).
DEMO_START_LATEST_MS = 500


def demo_source() -> CredentialSource:
    return CredentialSource(KIND_STATIC, DEMO_SOURCE_NAME, StaticCredentials(DEMO_ACCESS_KEY_ID, DEMO_SECRET_ACCESS_KEY))


def demo_settings_store() -> SettingsStore:
    """Return the settings file of demo mode, kept apart from the real one."""
    return SettingsStore(config_dir() / DEMO_SETTINGS_FILE_NAME)


class DemoEmulator:
    """The emulator of demo mode, which loads and starts on a background thread.

    Importing launcher.emulator takes tens of milliseconds, which would delay the window's first
    paint. So the constructor only opens the listening socket, which fixes endpoint_url at once,
    and start() imports the emulator on a background thread that serves on that socket. Requests
    that connect before the server runs wait in the socket's listen backlog. `started` is a
    Future of the running Emulator, or of the exception that stopped it from starting. In that
    case the socket is closed, so requests fail at once with a connection error.
    """

    def __init__(self) -> None:
        # CPython's listen() without a backlog queues up to min(SOMAXCONN, 128) connections, more
        # than the worker threads of launcher.ui.tasks open at once, so no early connection is dropped.
        self._listener = socket.create_server((DEMO_HOST, 0))
        self.endpoint_url = f"http://{DEMO_HOST}:{self._listener.getsockname()[1]}"
        self.started: Future[Emulator] = Future()
        self._thread = threading.Thread(target=self._start, name="demo-emulator-start", daemon=True)
        self._start_requested = False

    def start(self) -> None:
        """Start the background thread that imports and starts the emulator. Later calls do nothing."""
        if self._start_requested:
            return
        self._start_requested = True
        self._thread.start()

    def _start(self) -> None:
        try:
            # Looked up at call time so that tests can replace launcher.emulator.start_emulator.
            import launcher.emulator

            emulator = launcher.emulator.start_emulator(sock=self._listener)
        except Exception as error:  # noqa: BLE001 - any failure is reported to the window through `started`
            log.exception("The demo emulator at %s failed to start", self.endpoint_url)
            self._listener.close()
            self.started.set_exception(error)
            return
        self.started.set_result(emulator)

    def stop(self) -> None:
        """Stop the emulator, first waiting up to DEMO_START_WAIT_SECONDS for a start in progress."""
        if not self._start_requested:
            self._listener.close()
            return
        self._thread.join(DEMO_START_WAIT_SECONDS)
        if self._thread.is_alive():
            log.warning(
                "Starting the demo emulator at %s timed out after %g s. Closing its socket",
                self.endpoint_url,
                DEMO_START_WAIT_SECONDS,
            )
            self._listener.close()
            return
        if self.started.exception() is None:
            self.started.result().stop()


class DemoStartup(QObject):
    """Starts the demo emulator just after the window's first paint and shows a failed start.

    Started earlier, the emulator's import competes with the window for the GIL and delays the
    first paint. Starting later hardly delays the stack list, because its first request also
    waits for botocore to load on a worker thread. A failed start is shown in the status line.
    """

    failed = Signal(str)

    def __init__(self, window: MainWindow, demo: DemoEmulator) -> None:
        super().__init__(window)
        self._window = window
        self._demo = demo
        # The slot belongs to this object, which lives on the GUI thread, so an emit from the
        # emulator's start thread is queued to the GUI thread.
        self.failed.connect(self._show_failure)
        demo.started.add_done_callback(self._report)
        self._latest_start = QTimer(self)
        self._latest_start.setSingleShot(True)
        self._latest_start.timeout.connect(self._start)

    def start_after_first_paint(self) -> None:
        """Start the emulator once the window, which the caller shows next, has painted for the first time."""
        self._window.installEventFilter(self)
        self._latest_start.start(DEMO_START_LATEST_MS)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Paint:
            self._window.removeEventFilter(self)
            # The filter receives the paint event before Qt paints, so a zero timer starts the emulator after it.
            QTimer.singleShot(0, self._start)
        return False

    def _start(self) -> None:
        self._latest_start.stop()
        self._window.removeEventFilter(self)
        self._demo.start()

    def _report(self, started: Future) -> None:
        error = started.exception()
        if error is None:
            return
        detail = str(error) or type(error).__name__
        self.failed.emit(
            f"The demo emulator failed to start: {detail}. Demo mode cannot load any data. "
            f"See the log file {log_file_path()} for details, and restart the launcher to try again."
        )

    @Slot(str)
    def _show_failure(self, message: str) -> None:
        self._window.set_status(message, TONE_ERROR)


def application() -> QApplication:
    """Return the running QApplication, creating and naming it on first use."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
    app.setApplicationName(APP_TITLE)
    app.setApplicationVersion(__version__)
    try:
        from launcher.resource_paths import APP_ID

        app.setDesktopFileName(APP_ID)
    except ImportError:
        pass
    icon = load_app_icon()
    if icon is not None:
        app.setWindowIcon(icon)
    return app


def _profile_sources(profile: str | None, store: SettingsStore) -> tuple[list[CredentialSource], str | None]:
    """Return the default chain, the AWS profiles and the saved credentials, and the key to select."""
    saved = store.load().saved_credentials
    sources = list_sources(sorted((name for name, entry in saved.items() if isinstance(entry, dict)), key=str.lower))
    if not profile:
        return sources, None
    chosen = CredentialSource(KIND_PROFILE, profile)
    if chosen not in sources:
        # An unknown profile still gets an entry: the first request reports what is wrong with it.
        sources.append(chosen)
    return sources, chosen.key


def missing_display() -> str | None:
    """Return why no window can open on Linux (no X11 or Wayland display), or None."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return None
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    return (
        "no display to open the window on: DISPLAY and WAYLAND_DISPLAY are not set. Start it in a desktop "
        "session, use the command line (appstream-launcher --help), or set QT_QPA_PLATFORM=offscreen."
    )


@contextlib.contextmanager
def quit_on_interrupt(app: QApplication):
    """Close the window on Ctrl+C in the terminal, as a terminal user expects.

    Python runs signal handlers only between bytecodes, so a timer wakes the interpreter while
    Qt's event loop waits. Outside the main thread (some tests) nothing changes.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, lambda _number, _frame: app.closeAllWindows())
    timer = QTimer()
    timer.timeout.connect(lambda: None)
    timer.start(200)
    try:
        yield
    finally:
        timer.stop()
        signal.signal(signal.SIGINT, previous)


def run_window(
    *,
    demo: bool,
    endpoint_url: str | None,
    profile: str | None,
    region: str | None,
    verbose: bool,
    credentials: str | None = None,
    no_crash_dialog: bool = False,
) -> int:
    """Show the launcher window until it is closed and return the exit code.

    In demo mode an in-process emulator, started on a background thread (DemoEmulator), serves
    every request, with a static demo credential source, a separate settings file and a separate
    keyring service. `credentials` selects saved credentials by name at start. If requests are
    still running EXIT_WAIT_MS after the window closed, the process ends at once with
    os._exit(code), because pool threads that are still inside a network call cannot be
    abandoned safely at interpreter shutdown.

    The log goes to stderr and to the rotating log file. An unexpected exception, also one
    raised inside a Qt slot, is logged and shown in a crash dialog while the window keeps
    running. `no_crash_dialog` or APPSTREAM_LAUNCHER_NO_CRASH_DIALOG=1 leaves out the dialog.
    """
    display_problem = missing_display()
    if display_problem:
        print(f"appstream-launcher: error: {display_problem}", file=sys.stderr)
        return 2

    setup_logging(verbose, log_file=True)
    app = application()
    presenter = None
    if not crash_dialog_disabled(no_crash_dialog):
        presenter = CrashDialogPresenter(str(log_file_path()), app)
    exception_hook = install_exception_hook(presenter.show_report if presenter is not None else None)
    log.info("AppStream Launcher %s started; log file %s", __version__, log_file_path())

    demo_emulator = None
    if demo:
        demo_emulator = DemoEmulator()
        log.info("Demo mode: the emulator will listen at %s", demo_emulator.endpoint_url)
        store = demo_settings_store()
        set_active_repository(CredentialsRepository(store, SecretStore(service=DEMO_KEYRING_SERVICE)))
        saved_names = sorted(store.load().saved_credentials, key=str.lower)
        sources = [demo_source(), *(CredentialSource(KIND_SAVED, name) for name in saved_names)]
        source_key = CredentialSource(KIND_SAVED, credentials).key if credentials else None
        endpoint_url = demo_emulator.endpoint_url
        region = region or DEMO_REGION
        title = f"{APP_TITLE} — {DEMO_SOURCE_NAME}"
    else:
        store = SettingsStore()
        sources, source_key = _profile_sources(profile, store)
        if credentials:
            saved = CredentialSource(KIND_SAVED, credentials)
            if saved not in sources:
                sources.append(saved)
            source_key = saved.key
        title = f"{APP_TITLE} — {endpoint_url}" if endpoint_url else APP_TITLE

    # Listing the saved credentials loaded the settings file first, so a warning about a corrupt
    # file came from that load and is shown here.
    first_load_warning = store.warning
    all_done = True
    try:
        # Demo mode's endpoint gets a new port every run, so saved stack names could never match.
        name_cache = None if demo else NameCache()
        window = MainWindow(
            sources=sources,
            store=store,
            endpoint_url=endpoint_url,
            source_key=source_key,
            region=region,
            title=title,
            name_cache=name_cache,
        )
        # PySide6, the launcher's modules and the window now built stay for the life of the process.
        freeze_long_lived("window built")
        if first_load_warning and not store.warning:
            window.set_status(first_load_warning, TONE_WARNING)
        GuiMfaCodeProvider(window).install()
        if demo_emulator is not None:
            DemoStartup(window, demo_emulator).start_after_first_paint()
        window.show()
        with quit_on_interrupt(app):
            code = app.exec()
        all_done = window.shutdown(EXIT_WAIT_MS)
    finally:
        if demo_emulator is not None:
            demo_emulator.stop()
            set_active_repository(None)
        exception_hook.uninstall()

    if not all_done:
        log.info("Exiting without waiting for requests that are still running")
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code
