"""The listing cache and background tasks: shared requests, failures, invalidation and limits."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from importlib import resources
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from launcher.appstream.api import AppStreamAPI  # noqa: E402
from launcher.appstream.cache import CachedListings, ListingCache  # noqa: E402
from launcher.appstream.clients import ClientCache, Target  # noqa: E402
from launcher.appstream.errors import AppStreamError, ErrorKind  # noqa: E402
from launcher.credentials.sources import KIND_STATIC, CredentialSource, StaticCredentials  # noqa: E402
from launcher.emulator import start_emulator  # noqa: E402
from launcher.ui import tasks  # noqa: E402
from launcher.ui.tasks import MAX_BACKGROUND_TASKS, TaskRunner  # noqa: E402

REPOSITORY = Path(__file__).resolve().parents[1]
WAIT_SECONDS = 10
TARGET_KEY = ("static:test", "us-east-1", None)


def make_listings(endpoint_url: str) -> CachedListings:
    source = CredentialSource(KIND_STATIC, "cache-test", StaticCredentials("AKIACACHETEST0000000", "secret"))
    api = AppStreamAPI(Target(source, "us-east-1", endpoint_url), ClientCache())
    return CachedListings(api, ListingCache())


def sample_scenario() -> dict:
    text = resources.files("launcher.emulator").joinpath("sample_scenario.json").read_text(encoding="utf-8")
    return json.loads(text)


# ListingCache --------------------------------------------------------------------------------


def test_concurrent_loads_share_one_call():
    cache = ListingCache()
    release = threading.Event()
    calls: list[int] = []
    results: list[object] = []

    def loader():
        calls.append(1)
        release.wait(WAIT_SECONDS)
        return ["stack-a"]

    threads = [threading.Thread(target=lambda: results.append(cache.load((TARGET_KEY, "stacks"), loader))) for _ in range(4)]
    for thread in threads:
        thread.start()
    release.set()
    for thread in threads:
        thread.join(WAIT_SECONDS)

    assert len(calls) == 1
    assert results == [["stack-a"]] * 4
    assert cache.peek((TARGET_KEY, "stacks")) == ["stack-a"]


def test_failure_is_not_cached():
    cache = ListingCache()
    attempts: list[int] = []

    def failing_loader():
        attempts.append(1)
        raise AppStreamError("Access denied", ErrorKind.ACCESS_DENIED)

    for _ in range(2):
        with pytest.raises(AppStreamError):
            cache.load((TARGET_KEY, "stacks"), failing_loader)

    assert len(attempts) == 2
    assert cache.peek((TARGET_KEY, "stacks")) is None
    assert cache.load((TARGET_KEY, "stacks"), lambda: ["ok"]) == ["ok"]


def test_waiting_caller_gets_the_failure():
    cache = ListingCache()
    started = threading.Event()
    release = threading.Event()
    errors: list[AppStreamError] = []

    def failing_loader():
        started.set()
        release.wait(WAIT_SECONDS)
        raise AppStreamError("Throttled", ErrorKind.THROTTLED)

    def call():
        try:
            cache.load((TARGET_KEY, "stacks"), failing_loader)
        except AppStreamError as error:
            errors.append(error)

    first = threading.Thread(target=call)
    first.start()
    started.wait(WAIT_SECONDS)
    second = threading.Thread(target=call)
    second.start()
    release.set()
    first.join(WAIT_SECONDS)
    second.join(WAIT_SECONDS)

    assert [error.kind for error in errors] == [ErrorKind.THROTTLED, ErrorKind.THROTTLED]


def test_invalidate_during_load_drops_result():
    cache = ListingCache()
    started = threading.Event()
    release = threading.Event()

    def slow_loader():
        started.set()
        release.wait(WAIT_SECONDS)
        return ["old"]

    worker = threading.Thread(target=lambda: cache.load((TARGET_KEY, "stacks"), slow_loader))
    worker.start()
    started.wait(WAIT_SECONDS)
    cache.invalidate(TARGET_KEY)
    release.set()
    worker.join(WAIT_SECONDS)

    assert cache.peek((TARGET_KEY, "stacks")) is None
    assert cache.load((TARGET_KEY, "stacks"), lambda: ["new"]) == ["new"]


def test_invalidate_keeps_other_targets():
    cache = ListingCache()
    other_key = ("static:other", "eu-west-1", None)
    cache.load((TARGET_KEY, "stacks"), lambda: ["a"])
    cache.load((other_key, "stacks"), lambda: ["b"])

    cache.invalidate(TARGET_KEY)

    assert cache.peek((TARGET_KEY, "stacks")) is None
    assert cache.peek((other_key, "stacks")) == ["b"]


# CachedListings against the emulator ---------------------------------------------------------


def test_fleets_after_prefetch_need_one_call(emulator):
    listings = make_listings(emulator.endpoint_url)
    assert listings.prefetch_all_fleets() == 9
    emulator.reset_calls()

    fleets = listings.fleets("office-hq")

    assert [fleet.name for fleet in fleets] == ["office-always-on"]
    assert emulator.calls == ["ListAssociatedFleets"]
    assert listings.cached_fleets("office-hq") == fleets


def test_fleets_without_prefetch_describe_missing(emulator):
    listings = make_listings(emulator.endpoint_url)

    fleets = listings.fleets("engineering-cad")

    assert [fleet.name for fleet in fleets] == ["engineering-cad"]
    assert emulator.calls == ["ListAssociatedFleets", "DescribeFleets"]


def test_prefetch_reads_every_page(emulator):
    emulator.page_size = 2
    listings = make_listings(emulator.endpoint_url)

    assert listings.prefetch_all_fleets() == 9
    assert listings.prefetch_all_fleets() == 9

    assert emulator.calls.count("DescribeFleets") == 5
    assert listings.all_fleets_complete()


def test_applications_cached_per_image():
    scenario = sample_scenario()
    stack = next(item for item in scenario["Stacks"] if item["Name"] == "office-hq")
    stack["Fleets"] = ["office-always-on", "office-on-demand"]
    with start_emulator(scenario) as emulator:
        listings = make_listings(emulator.endpoint_url)
        first, second = listings.fleets("office-hq")
        emulator.reset_calls()

        first_apps = listings.applications(first)
        second_apps = listings.applications(second)
        calls = emulator.calls

    assert calls == ["DescribeImages"]
    assert [app.name for app in first_apps] == [app.name for app in second_apps]
    assert listings.cached_applications(second) == second_apps


def test_cached_applications_match_uncached(emulator):
    listings = make_listings(emulator.endpoint_url)
    for stack in ("engineering-cad", "web-browsers", "office-hq"):
        fleet = listings.fleets(stack)[0]
        assert listings.applications(fleet) == listings.api.list_applications(fleet), stack


# Background tasks ----------------------------------------------------------------------------


def test_background_tasks_run_at_most_limit(qtbot, qapp):
    runner = TaskRunner()
    release = threading.Event()
    lock = threading.Lock()
    running = [0]
    peak = [0]
    done: list[int] = []

    def prefetch(number: int) -> int:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        release.wait(WAIT_SECONDS)
        with lock:
            running[0] -= 1
        return number

    for number in range(MAX_BACKGROUND_TASKS + 3):
        runner.submit_background(f"prefetch-{number}", lambda number=number: prefetch(number), done.append)
    qtbot.waitUntil(lambda: running[0] == MAX_BACKGROUND_TASKS, timeout=WAIT_SECONDS * 1000)

    visible: list[str] = []
    runner.submit("stacks", lambda: "visible", visible.append)
    qtbot.waitUntil(lambda: visible == ["visible"], timeout=WAIT_SECONDS * 1000)
    release.set()
    qtbot.waitUntil(lambda: len(done) == MAX_BACKGROUND_TASKS + 3, timeout=WAIT_SECONDS * 1000)

    assert peak[0] == MAX_BACKGROUND_TASKS
    assert sorted(done) == list(range(MAX_BACKGROUND_TASKS + 3))
    assert runner.wait_for_done(WAIT_SECONDS * 1000)


def test_cancelled_background_task_is_skipped(qtbot, qapp):
    runner = TaskRunner()
    release = threading.Event()
    ran: list[str] = []

    for number in range(MAX_BACKGROUND_TASKS):
        runner.submit_background(f"busy-{number}", lambda: release.wait(WAIT_SECONDS))
    runner.submit_background("queued", lambda: ran.append("queued"))
    runner.cancel("queued")
    release.set()

    assert runner.wait_for_done(WAIT_SECONDS * 1000)
    assert ran == []
    assert tasks.active_worker_count() == 0


# Start-up paths ------------------------------------------------------------------------------


def test_command_line_does_not_import_qt(emulator):
    code = (
        "import sys\n"
        "from launcher.main import main\n"
        f"status = main(['--region', 'us-east-1', '--endpoint-url', {emulator.endpoint_url!r}, "
        "'url', '--stack', 'office-hq', '--fleet', 'office-always-on', '--user-id', 'cli-user'])\n"
        "loaded = sorted(name for name in sys.modules if name.split('.')[0] in ('PySide6', 'shiboken6'))\n"
        "print(f'status={status} qt={loaded}')\n"
    )
    environment = dict(os.environ, AWS_ACCESS_KEY_ID="AKIACLITEST000000000", AWS_SECRET_ACCESS_KEY="secret")
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=REPOSITORY, env=environment
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "status=0 qt=[]"


def test_window_modules_do_not_import_keyring_or_emulator():
    code = (
        "import sys\n"
        "import launcher.ui.app, launcher.ui.main_window, launcher.ui.cascade\n"
        "heavy = ('boto3', 'botocore', 'keyring', 's3transfer', 'launcher.emulator')\n"
        "print(','.join(sorted(name for name in heavy if name in sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=REPOSITORY, check=True
    )

    assert result.stdout.strip() == ""
