"""The last resort for unexpected exceptions: log them, build a report without secrets, tell the user.

`install_exception_hook` replaces `sys.excepthook` and `threading.excepthook`. PySide6 passes
exceptions raised inside Qt slots and virtual methods to `sys.excepthook` and then keeps the
event loop running, so one hook covers the GUI thread, worker threads and the interpreter's
top level. Nothing here imports Qt: the window passes a `show_dialog` callable that does.
"""

from __future__ import annotations

import logging
import os
import platform
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType

from launcher import __version__
from launcher.logs import redact

log = logging.getLogger(__name__)

# Set to 1 (or true, yes, on) for unattended runs, where a dialog would wait for a click forever.
NO_CRASH_DIALOG_VARIABLE = "APPSTREAM_LAUNCHER_NO_CRASH_DIALOG"
_TRUE_WORDS = ("1", "true", "yes", "on")
# The summary is one line of a dialog, so a long exception message is cut.
SUMMARY_MAX_LENGTH = 300


@dataclass(frozen=True)
class CrashReport:
    """Crash report that the dialog shows and the user copies. Every field has been through `redact`."""

    summary: str
    details: str


def crash_dialog_disabled(flag: bool = False) -> bool:
    """Return True when `flag` is set or the APPSTREAM_LAUNCHER_NO_CRASH_DIALOG variable is true."""
    return flag or os.environ.get(NO_CRASH_DIALOG_VARIABLE, "").strip().lower() in _TRUE_WORDS


def _qt_versions() -> str | None:
    """Return the Qt and PySide6 versions when PySide6 is already loaded, else None (it is not imported here)."""
    pyside = sys.modules.get("PySide6")
    core = sys.modules.get("PySide6.QtCore")
    if pyside is None or core is None:
        return None
    return f"Qt {core.qVersion()}, PySide6 {getattr(pyside, '__version__', 'unknown')}"


def build_report(
    exc_type: type[BaseException],
    exc_value: BaseException | None,
    exc_traceback: TracebackType | None,
    thread_name: str | None = None,
) -> CrashReport:
    """Return the report of one exception: versions, platform, the error and its traceback, redacted."""
    error_text = "".join(traceback.format_exception_only(exc_type, exc_value)).strip()
    summary = redact(error_text.splitlines()[-1] if error_text else exc_type.__name__)
    if len(summary) > SUMMARY_MAX_LENGTH:
        summary = summary[: SUMMARY_MAX_LENGTH - 1] + "…"

    lines = [
        f"AppStream Launcher {__version__}",
        f"Python {platform.python_version()} ({platform.python_implementation()})",
        f"Platform {platform.platform()}",
    ]
    qt = _qt_versions()
    if qt:
        lines.append(qt)
    if thread_name:
        lines.append(f"Thread {thread_name}")
    lines.append("")
    lines.append("".join(traceback.format_exception(exc_type, exc_value, exc_traceback)).rstrip())
    return CrashReport(summary=summary, details=redact("\n".join(lines)))


class ExceptionHook:
    """Handles unexpected exceptions: one log record with the traceback, one report, one dialog call.

    An exception raised while a crash is being handled on the same thread is written to stderr
    in one line and not handled again, so a failing dialog cannot loop. KeyboardInterrupt and
    SystemExit go to the previous hooks unchanged.
    """

    def __init__(self, show_dialog: Callable[[CrashReport], None] | None) -> None:
        self.show_dialog = show_dialog
        self.reports: list[CrashReport] = []
        self._local = threading.local()
        self._previous_excepthook = sys.excepthook
        self._previous_threading_hook = threading.excepthook

    def install(self) -> ExceptionHook:
        sys.excepthook = self.excepthook
        threading.excepthook = self.threading_excepthook
        return self

    def uninstall(self) -> None:
        """Restore the hooks that were installed before, if this hook is still the installed one."""
        if sys.excepthook == self.excepthook:
            sys.excepthook = self._previous_excepthook
        if threading.excepthook == self.threading_excepthook:
            threading.excepthook = self._previous_threading_hook

    def excepthook(self, exc_type, exc_value, exc_traceback) -> None:
        if issubclass(exc_type, (KeyboardInterrupt, SystemExit)):
            self._previous_excepthook(exc_type, exc_value, exc_traceback)
            return
        self.handle(exc_type, exc_value, exc_traceback, threading.current_thread().name)

    def threading_excepthook(self, arguments) -> None:
        if arguments.exc_type is SystemExit:
            self._previous_threading_hook(arguments)
            return
        thread_name = arguments.thread.name if arguments.thread is not None else None
        self.handle(arguments.exc_type, arguments.exc_value, arguments.exc_traceback, thread_name)

    def handle(self, exc_type, exc_value, exc_traceback, thread_name: str | None = None) -> CrashReport | None:
        """Log the exception, build its report, pass the report to show_dialog and return it."""
        if getattr(self._local, "handling", False):
            _write_stderr(f"Another error occurred while handling an unexpected error: {exc_type.__name__}: {exc_value}")
            return None
        self._local.handling = True
        try:
            log.critical(
                "Unexpected error in thread %s", thread_name or "unknown", exc_info=(exc_type, exc_value, exc_traceback)
            )
            report = build_report(exc_type, exc_value, exc_traceback, thread_name)
            self.reports.append(report)
            if self.show_dialog is not None:
                self.show_dialog(report)
            return report
        except Exception as error:  # noqa: BLE001 - the handler of last resort must not raise
            _write_stderr(f"Handling an unexpected error failed: {type(error).__name__}: {error}")
            return None
        finally:
            self._local.handling = False


def _write_stderr(text: str) -> None:
    """Write one redacted line to the process's original stderr, ignoring a stderr that is gone."""
    stream = sys.__stderr__ or sys.stderr
    try:
        stream.write(redact(text).replace("\n", " ") + "\n")
        stream.flush()
    except (OSError, ValueError, AttributeError):
        pass


def install_exception_hook(show_dialog: Callable[[CrashReport], None] | None) -> ExceptionHook:
    """Install an ExceptionHook for sys.excepthook and threading.excepthook and return it.

    `show_dialog(report)` is called on the thread that raised, so a GUI must move the report to
    its own thread. Pass None for unattended runs: the error is then only logged.
    """
    return ExceptionHook(show_dialog).install()
