"""GUI-thread stalls, filter time per keystroke and peak memory of the window with a large account.

The emulator runs in a child process with a generated scenario (benchmarks/scenarios.py), so
this process holds only the window. A 10 ms QTimer heartbeat records the longest gap between
two ticks while the stacks load, the fleets are prefetched, and a stack, a fleet and its
applications are chosen. Then text is typed into the stack box one key at a time. Prints one
JSON object; ru_maxrss is read at the end.

    python benchmarks/large_account.py --stacks 1000 --fleets 2000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("APPSTREAM_LAUNCHER_CONFIG_DIR", tempfile.mkdtemp(prefix="launcher-bench-"))
os.environ.update(AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_EC2_METADATA_DISABLED="true")

sys.path.insert(0, str(Path(__file__).resolve().parent))

from PySide6.QtCore import QEventLoop, Qt, QTimer  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from launcher.settings import SettingsStore  # noqa: E402
from launcher.ui.app import demo_source  # noqa: E402
from launcher.heap import freeze_long_lived  # noqa: E402
from launcher.ui.main_window import MainWindow  # noqa: E402
from launcher.ui.picker import PickerState  # noqa: E402
from scenarios import large_account  # noqa: E402

HEARTBEAT_INTERVAL_MS = 10
WAIT_TIMEOUT_SECONDS = 120
# Typed into the stack box one key at a time. Each longer prefix matches fewer stacks.
FILTER_TEXT = "department 12 stack 0"


class Heartbeat:
    """A repeating QTimer that records the gaps between its ticks, in milliseconds."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setInterval(HEARTBEAT_INTERVAL_MS)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self._tick)
        self.gaps: list[float] = []
        self._last = 0.0

    def start(self) -> None:
        """Start the timer with no gaps recorded."""
        self.gaps = []
        self._last = time.perf_counter()
        self.timer.start()

    def stop(self) -> None:
        """Stop the timer, counting the time since the last tick as a gap too."""
        self.timer.stop()
        self._tick()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append((now - self._last) * 1000)
        self._last = now


def run_loop_until(app: QApplication, condition: Callable[[], bool]) -> None:
    """Run the event loop until `condition()` is true, checking it every few milliseconds."""
    deadline = time.monotonic() + WAIT_TIMEOUT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not reach the expected state")
        # A nested event loop that QTimer ends keeps the heartbeat's timing as in app.exec().
        loop = QEventLoop()
        QTimer.singleShot(5, loop.quit)
        loop.exec()


def start_emulator_process(scenario_path: Path, latency_ms: int) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "launcher.emulator",
            "--port",
            "0",
            "--scenario",
            str(scenario_path),
            "--latency-ms",
            str(latency_ms),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    endpoint_url = process.stdout.readline().strip()
    if not endpoint_url.startswith("http://127.0.0.1:"):
        process.kill()
        raise RuntimeError(f"the emulator printed {endpoint_url!r} instead of its URL")
    return process, endpoint_url


def gap_summary(gaps: list[float]) -> dict:
    ordered = sorted(gaps)
    return {
        "ticks": len(gaps),
        "max_ms": round(ordered[-1], 1) if ordered else None,
        "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1], 1) if ordered else None,
        "over_50_ms": sum(1 for gap in gaps if gap > 50),
    }


def measure(app: QApplication, endpoint_url: str, stack_count: int) -> dict:
    config = Path(tempfile.mkdtemp(prefix="launcher-bench-"))
    window = MainWindow(sources=[demo_source()], store=SettingsStore(config / "settings.json"), endpoint_url=endpoint_url)
    # As launcher.ui.app.run_window does once the window is built.
    freeze_long_lived("window built")
    window.show()
    heartbeat = Heartbeat()
    heartbeat.start()
    started = time.perf_counter()

    run_loop_until(app, lambda: window.stack_picker.state is PickerState.READY)
    stacks_ms = (time.perf_counter() - started) * 1000
    if len(window.stack_picker.items) != stack_count:
        raise RuntimeError(f"{len(window.stack_picker.items)} stacks listed, expected {stack_count}")
    run_loop_until(app, lambda: window.tasks.active_count() == 0)
    idle_ms = (time.perf_counter() - started) * 1000
    heartbeat.stop()
    load_gaps = list(heartbeat.gaps)

    heartbeat.start()
    stack = window.stack_picker.items[stack_count // 2].key
    window.stack_picker.select_key(stack)
    run_loop_until(app, lambda: window.fleet_picker.state is PickerState.READY)
    window.fleet_picker.select_key(window.fleet_picker.items[-1].key)
    run_loop_until(app, lambda: window.application_picker.state is PickerState.READY)
    run_loop_until(app, lambda: window.tasks.active_count() == 0)
    heartbeat.stop()
    choice_gaps = list(heartbeat.gaps)

    # The filter runs first, because the completer keeps the matches of each prefix it has seen.
    filter_times = filter_model_times(window)
    keystrokes = type_into_stack_box(app, window)
    window.close()
    run_loop_until(app, lambda: window.tasks.active_count() == 0)
    return {
        "stacks_shown_ms": round(stacks_ms, 1),
        "prefetch_done_ms": round(idle_ms, 1),
        "gaps_while_loading": gap_summary(load_gaps),
        "gaps_while_choosing": gap_summary(choice_gaps),
        "keystroke_ms": keystrokes,
        "filter_model_ms": filter_times,
    }


def type_into_stack_box(app: QApplication, window: MainWindow) -> dict:
    """Type FILTER_TEXT into the stack box and time each key until its events are handled."""
    line_edit = window.stack_picker.combo.lineEdit()
    line_edit.setFocus()
    line_edit.clear()
    app.processEvents()
    times = []
    for character in FILTER_TEXT:
        started = time.perf_counter()
        QTest.keyClick(line_edit, character)
        app.processEvents()
        times.append((time.perf_counter() - started) * 1000)
    return {"keys": len(times), "median": round(statistics.median(times), 2), "max": round(max(times), 2)}


def filter_model_times(window: MainWindow) -> dict:
    """Time the completer's filter alone: set each prefix of FILTER_TEXT and count the matches."""
    completer = window.stack_picker.combo.completer()
    times = []
    for length in range(1, len(FILTER_TEXT) + 1):
        started = time.perf_counter()
        completer.setCompletionPrefix(FILTER_TEXT[:length])
        completer.completionCount()
        times.append((time.perf_counter() - started) * 1000)
    return {"prefixes": len(times), "median": round(statistics.median(times), 2), "max": round(max(times), 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stacks", type=int, default=1000, help="number of stacks in the account")
    parser.add_argument("--fleets", type=int, default=2000, help="number of fleets in the account")
    parser.add_argument("--latency-ms", type=int, default=0, help="emulator delay per API call, in milliseconds")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="launcher-bench-") as directory:
        scenario_path = Path(directory) / "large-account.json"
        scenario_path.write_text(json.dumps(large_account(args.stacks, args.fleets)), encoding="utf-8")
        emulator, endpoint_url = start_emulator_process(scenario_path, args.latency_ms)
        try:
            app = QApplication.instance() or QApplication(sys.argv[:1])
            result = measure(app, endpoint_url, args.stacks)
        finally:
            emulator.terminate()
            emulator.wait(10)
    # Linux reports ru_maxrss in KiB.
    result["max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    result.update(stacks=args.stacks, fleets=args.fleets, latency_ms=args.latency_ms)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
