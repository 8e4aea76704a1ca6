"""Run the launcher like `python -m launcher ARGS` and print when its window is first painted.

The probe patches QMainWindow.show so that the first window shown gets an event filter. At that
window's first Paint event it prints one JSON line to stdout and ends the process:

    {"first_paint": <time.time()>, "modules": {"boto3": false, ...}, "stacks": 0}

"modules" lists which heavy modules were in sys.modules at that moment, and "stacks" how many
entries the stack box listed (saved names from the last start, when there are any). A worker thread may be
importing one of them already, which is allowed: only the GUI thread's path must not wait for it.
The parent process compares "first_paint" with the time it spawned this process.
"""

from __future__ import annotations

import json
import os
import sys
import time

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QMainWindow

WATCHED_MODULES = ("boto3", "botocore", "keyring", "launcher.emulator")


class FirstPaintProbe(QObject):
    """Event filter that reports the first Paint event of the watched window and ends the process."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Paint:
            painted_at = time.time()
            modules = {name: name in sys.modules for name in WATCHED_MODULES}
            picker = getattr(watched, "stack_picker", None)
            stacks = len(picker.items) if picker is not None else None
            print(json.dumps({"first_paint": painted_at, "modules": modules, "stacks": stacks}), flush=True)
            sys.stderr.flush()
            # The measurement is done; skip the window's orderly shutdown, which waits for requests.
            os._exit(0)
        return False


_original_show = QMainWindow.show
_probe = FirstPaintProbe()


def _show_and_watch(window: QMainWindow) -> None:
    window.installEventFilter(_probe)
    _original_show(window)


QMainWindow.show = _show_and_watch

if __name__ == "__main__":
    from launcher.main import main

    raise SystemExit(main(sys.argv[1:]))
