"""Wall time and requests of the stack → fleet → application → Generate flow, at 100 ms per API call.

The window runs in this process on the offscreen platform against an in-process emulator with
`latency_ms`. A plain sequential flow with boto3 (one call after the other, as the window did
before the cache and the prefetches) is the reference. Prints one JSON object.

    python benchmarks/round_trips.py --runs 5 --latency-ms 100
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("APPSTREAM_LAUNCHER_CONFIG_DIR", tempfile.mkdtemp(prefix="launcher-bench-"))
for variable in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_APPSTREAM"):
    os.environ.pop(variable, None)
os.environ.update(AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_EC2_METADATA_DISABLED="true")

from PySide6.QtCore import QEventLoop, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from launcher.appstream.clients import Target, shared_clients  # noqa: E402
from launcher.emulator import start_emulator  # noqa: E402
from launcher.settings import Settings, SettingsStore  # noqa: E402
from launcher.ui.app import DEMO_ACCESS_KEY_ID, DEMO_SECRET_ACCESS_KEY, demo_source  # noqa: E402
from launcher.ui.main_window import MainWindow  # noqa: E402
from launcher.ui.picker import PickerState  # noqa: E402

REGION = "us-east-1"
STACK = "office-hq"
FLEET = "office-always-on"
APPLICATION = "excel"
# office-hq gets these fleets for the fleet-switch measurement; two share an image.
EXTRA_FLEETS = ["office-always-on", "office-on-demand", "data-science", "elastic-browsers"]
WAIT_TIMEOUT_SECONDS = 30
# Fleets listed before the sample ones, so the all-fleets prefetch (10 per page) needs 7 pages and
# a stack chosen as soon as the stacks show is chosen before the prefetch reaches its fleets.
PADDING_FLEETS = 60


def sample_scenario(extra_fleets: bool) -> dict:
    text = resources.files("launcher.emulator").joinpath("sample_scenario.json").read_text(encoding="utf-8")
    scenario = json.loads(text)
    if extra_fleets:
        stack = next(item for item in scenario["Stacks"] if item["Name"] == STACK)
        stack["Fleets"] = list(EXTRA_FLEETS)
    return scenario


def padded_scenario() -> dict:
    """Return the sample data with PADDING_FLEETS fleets of no stack listed before the sample fleets."""
    scenario = sample_scenario(extra_fleets=False)
    template = scenario["Fleets"][0]
    padding = [dict(template, Name=f"aaa-padding-{number:02d}", DisplayName=f"Padding {number}") for number in range(PADDING_FLEETS)]
    scenario["Fleets"] = padding + scenario["Fleets"]
    return scenario


def wait_until(app: QApplication, condition: Callable[[], bool]) -> None:
    """Process Qt events until `condition()` is true; raise TimeoutError after WAIT_TIMEOUT_SECONDS."""
    deadline = time.monotonic() + WAIT_TIMEOUT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not reach the expected state")
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
        time.sleep(0.001)


class Timeline:
    """Milliseconds since `start` at named steps, and the emulator's calls made until then."""

    def __init__(self, emulator) -> None:
        self.emulator = emulator
        emulator.reset_calls()
        self.start = time.perf_counter()
        self.steps: dict[str, float] = {}
        self.calls: dict[str, int] = {}

    def mark(self, step: str) -> None:
        self.steps[step] = (time.perf_counter() - self.start) * 1000
        self.calls[step] = len(self.emulator.calls)


def sequential_flow(emulator) -> Timeline:
    """Run the flow with boto3 calls one after the other, and return its timeline."""
    import boto3

    client = boto3.client(
        "appstream",
        region_name=REGION,
        endpoint_url=emulator.endpoint_url,
        aws_access_key_id=DEMO_ACCESS_KEY_ID,
        aws_secret_access_key=DEMO_SECRET_ACCESS_KEY,
    )
    client.describe_stacks()  # connection and model warm-up, not timed

    timeline = Timeline(emulator)
    token = None
    while True:
        response = client.describe_stacks(**({"NextToken": token} if token else {}))
        token = response.get("NextToken")
        if not token:
            break
    timeline.mark("stacks shown")
    names = client.list_associated_fleets(StackName=STACK)["Names"]
    fleets = client.describe_fleets(Names=names)["Fleets"]
    timeline.mark("fleets shown")
    image = next(fleet for fleet in fleets if fleet["Name"] == FLEET)["ImageName"]
    client.describe_images(Names=[image])
    timeline.mark("applications shown")
    client.create_streaming_url(StackName=STACK, FleetName=FLEET, UserId="bench-user", ApplicationId=APPLICATION)
    timeline.mark("URL shown")
    return timeline


def new_window(app: QApplication, emulator, settings: Settings | None = None) -> MainWindow:
    config = tempfile.mkdtemp(prefix="launcher-bench-")
    store = SettingsStore(Path(config) / "settings.json")
    if settings is not None:
        store.save(settings)
    window = MainWindow(sources=[demo_source()], store=store, endpoint_url=emulator.endpoint_url, region=REGION)
    window.show()
    return window


def close_window(app: QApplication, window: MainWindow) -> None:
    window.close()
    wait_until(app, lambda: window.tasks.active_count() == 0)


def window_flow(app: QApplication, emulator) -> Timeline:
    """Run the flow in the window as a user who picks each entry as soon as it is listed."""
    timeline = Timeline(emulator)
    window = new_window(app, emulator)
    timeline.mark("window constructed")
    wait_until(app, lambda: window.stack_picker.state is PickerState.READY)
    timeline.mark("stacks shown")
    window.stack_picker.select_key(STACK)
    wait_until(app, lambda: window.fleet_picker.state is PickerState.READY)
    timeline.mark("fleets shown")
    window.fleet_picker.select_key(FLEET)
    wait_until(app, lambda: window.application_picker.state is PickerState.READY)
    timeline.mark("applications shown")
    window.application_picker.select_key(APPLICATION)
    window.user_id_edit.setText("bench-user")
    QTest.mouseClick(window.generate_button, Qt.MouseButton.LeftButton)
    wait_until(app, lambda: window.url_edit.text() != "")
    timeline.mark("URL shown")
    close_window(app, window)
    return timeline


def restored_window_flow(app: QApplication, emulator) -> Timeline:
    """Open the window with the stack, fleet and application of the last session restored."""
    timeline = Timeline(emulator)
    window = new_window(app, emulator, Settings(stack=STACK, fleet=FLEET, application=APPLICATION))
    timeline.mark("window constructed")
    wait_until(app, lambda: window.stack_picker.state is PickerState.READY)
    timeline.mark("stacks shown")
    wait_until(app, lambda: window.application_picker.state is PickerState.READY)
    timeline.mark("all lists shown")
    close_window(app, window)
    return timeline


def early_stack_flow(app: QApplication, emulator) -> Timeline:
    """Choose a stack before the all-fleets prefetch has read its fleets, then a fleet at once."""
    from launcher.appstream.models import Fleet

    timeline = Timeline(emulator)
    window = new_window(app, emulator)
    timeline.mark("window constructed")
    wait_until(app, lambda: window.stack_picker.state is PickerState.READY)
    timeline.mark("stacks shown")
    window.stack_picker.select_key(STACK)
    # The names are listed (still loading) as soon as ListAssociatedFleets returns.
    wait_until(app, lambda: bool(window.fleet_picker.items))
    timeline.mark("fleet names shown")
    window.fleet_picker.select_key(FLEET)
    wait_until(app, lambda: all(isinstance(item.value, Fleet) for item in window.fleet_picker.items))
    timeline.mark("fleet states shown")
    wait_until(app, lambda: window.application_picker.state is PickerState.READY)
    timeline.mark("applications shown")
    close_window(app, window)
    return timeline


def fleet_switch_flow(app: QApplication, emulator) -> Timeline:
    """Choose each other fleet of a four-fleet stack once the window is idle."""
    window = new_window(app, emulator)
    wait_until(app, lambda: window.stack_picker.state is PickerState.READY)
    window.stack_picker.select_key(STACK)
    wait_until(app, lambda: window.fleet_picker.state is PickerState.READY)
    wait_until(app, lambda: window.tasks.active_count() == 0)
    timeline = Timeline(emulator)
    for fleet in EXTRA_FLEETS:
        window.fleet_picker.select_key(fleet)
        wait_until(app, lambda: window.application_picker.state is PickerState.READY)
        timeline.mark(f"applications of {fleet} shown")
    close_window(app, window)
    return timeline


def summarize(timelines: list[Timeline], latency_ms: int) -> dict:
    """Return the median time and the call count at each step over the runs."""
    steps = list(timelines[0].steps)
    summary = {}
    for step in steps:
        median_ms = statistics.median(timeline.steps[step] for timeline in timelines)
        summary[step] = {
            "median_ms": round(median_ms, 1),
            "min_ms": round(min(timeline.steps[step] for timeline in timelines), 1),
            "max_ms": round(max(timeline.steps[step] for timeline in timelines), 1),
            "round_trips": round(median_ms / latency_ms, 1),
            "calls": timelines[0].calls[step],
        }
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each flow")
    parser.add_argument("--latency-ms", type=int, default=100, help="emulator delay per API call, in milliseconds")
    args = parser.parse_args(argv)

    app = QApplication.instance() or QApplication(sys.argv[:1])
    results = {"latency_ms": args.latency_ms, "runs": args.runs}
    with start_emulator(sample_scenario(extra_fleets=False), latency_ms=args.latency_ms) as emulator:
        # Both sides get a client created before timing: the flows measure requests, not start-up.
        shared_clients.client(Target(demo_source(), REGION, emulator.endpoint_url)).describe_stacks()
        results["sequential"] = summarize([sequential_flow(emulator) for _ in range(args.runs)], args.latency_ms)
        results["window"] = summarize([window_flow(app, emulator) for _ in range(args.runs)], args.latency_ms)
        results["window_restored"] = summarize(
            [restored_window_flow(app, emulator) for _ in range(args.runs)], args.latency_ms
        )
    with start_emulator(padded_scenario(), latency_ms=args.latency_ms) as emulator:
        shared_clients.client(Target(demo_source(), REGION, emulator.endpoint_url)).describe_stacks()
        results["early_stack"] = summarize([early_stack_flow(app, emulator) for _ in range(args.runs)], args.latency_ms)
    with start_emulator(sample_scenario(extra_fleets=True), latency_ms=args.latency_ms) as emulator:
        shared_clients.client(Target(demo_source(), REGION, emulator.endpoint_url)).describe_stacks()
        results["fleet_switch"] = summarize([fleet_switch_flow(app, emulator) for _ in range(args.runs)], args.latency_ms)
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
