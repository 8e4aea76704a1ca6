"""Requests the window sends, counted with the emulator's call log: cache hits, prefetches, Refresh.

These tests check request counts and order only, never timings. benchmarks/run.py measures time.
"""

from __future__ import annotations

import json
import os
from importlib import resources

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402

from launcher.credentials.sources import KIND_STATIC, CredentialSource, StaticCredentials  # noqa: E402
from launcher.emulator import start_emulator  # noqa: E402
from launcher.settings import Settings, SettingsStore, config_dir  # noqa: E402
from launcher.ui.app import demo_source  # noqa: E402
from launcher.ui.main_window import MainWindow  # noqa: E402
from launcher.ui.picker import PickerState  # noqa: E402

LOAD_TIMEOUT_MS = 15000
# office-hq gets four fleets: two share the office image, one runs another image, one is Elastic.
MULTI_FLEET_STACK = "office-hq"
MULTI_FLEET_NAMES = ["office-always-on", "office-on-demand", "data-science", "elastic-browsers"]


def sample_scenario() -> dict:
    text = resources.files("launcher.emulator").joinpath("sample_scenario.json").read_text(encoding="utf-8")
    return json.loads(text)


pytestmark = pytest.mark.usefixtures("no_worker_left_running")

@pytest.fixture
def multi_fleet_emulator():
    scenario = sample_scenario()
    stack = next(item for item in scenario["Stacks"] if item["Name"] == MULTI_FLEET_STACK)
    stack["Fleets"] = list(MULTI_FLEET_NAMES)
    with start_emulator(scenario) as emulator:
        yield emulator


@pytest.fixture
def make_window(qtbot):
    windows: list[MainWindow] = []

    def create(endpoint_url: str, **options) -> MainWindow:
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


def wait_until_idle(qtbot, window: MainWindow) -> None:
    """Wait until no request of the window, prefetches included, is running."""
    qtbot.waitUntil(lambda: window.tasks.active_count() == 0, timeout=LOAD_TIMEOUT_MS)


def wait_for_state(qtbot, picker, state: PickerState) -> None:
    qtbot.waitUntil(lambda: picker.state is state, timeout=LOAD_TIMEOUT_MS)


def record_calls_when_filled(picker, emulator, monkeypatch) -> list[list[str]]:
    """Record the emulator's call log each time the picker receives items."""
    snapshots: list[list[str]] = []
    original_set_items = picker.set_items

    def set_items(items, *args, **kwargs):
        snapshots.append(emulator.calls)
        return original_set_items(items, *args, **kwargs)

    monkeypatch.setattr(picker, "set_items", set_items)
    return snapshots


def load_stack(qtbot, window: MainWindow, stack: str) -> None:
    """Select a stack after every prefetch finished, then its first fleet, and wait until all is loaded."""
    wait_for_state(qtbot, window.stack_picker, PickerState.READY)
    wait_until_idle(qtbot, window)
    assert window.stack_picker.select_key(stack), stack
    wait_for_state(qtbot, window.fleet_picker, PickerState.READY)
    if window.fleet_picker.selected_key() is None:
        assert window.fleet_picker.select_key(window.fleet_picker.items[0].key)
    wait_for_state(qtbot, window.application_picker, PickerState.READY)
    wait_until_idle(qtbot, window)


# Stacks, fleets and applications -------------------------------------------------------------


def test_stacks_shown_after_one_call_per_page(qtbot, make_window, emulator, monkeypatch):
    emulator.page_size = 10
    window = make_window(emulator.endpoint_url)
    snapshots = record_calls_when_filled(window.stack_picker, emulator, monkeypatch)

    wait_for_state(qtbot, window.stack_picker, PickerState.READY)

    assert len(snapshots) == 1
    assert snapshots[0].count("DescribeStacks") == 3
    assert len(window.stack_picker.items) == 26


def test_stack_choice_sends_only_list_associated_fleets(qtbot, make_window, multi_fleet_emulator, monkeypatch):
    window = make_window(multi_fleet_emulator.endpoint_url)
    wait_for_state(qtbot, window.stack_picker, PickerState.READY)
    wait_until_idle(qtbot, window)
    snapshots = record_calls_when_filled(window.fleet_picker, multi_fleet_emulator, monkeypatch)
    multi_fleet_emulator.reset_calls()

    window.stack_picker.select_key(MULTI_FLEET_STACK)
    wait_for_state(qtbot, window.fleet_picker, PickerState.READY)

    assert snapshots == [["ListAssociatedFleets"]]
    assert [item.key for item in window.fleet_picker.items] == sorted(MULTI_FLEET_NAMES)


def choose_stack_before_fleet_prefetch(qtbot, window: MainWindow, emulator) -> None:
    """Choose the multi-fleet stack while the all-fleets prefetch is still waiting for its first page."""
    wait_for_state(qtbot, window.stack_picker, PickerState.READY)
    window.stack_picker.select_key(MULTI_FLEET_STACK)
    # The names show as soon as ListAssociatedFleets returns, while the states still load.
    qtbot.waitUntil(lambda: bool(window.fleet_picker.items), timeout=LOAD_TIMEOUT_MS)


def fleet_values(window: MainWindow) -> list[object]:
    return [item.value for item in window.fleet_picker.items]


def test_fleet_names_shown_before_states(qtbot, make_window, multi_fleet_emulator):
    multi_fleet_emulator.faults.slow(1.5, 2, "DescribeFleets")
    window = make_window(multi_fleet_emulator.endpoint_url)

    choose_stack_before_fleet_prefetch(qtbot, window, multi_fleet_emulator)

    assert [item.key for item in window.fleet_picker.items] == sorted(MULTI_FLEET_NAMES)
    assert fleet_values(window) == [None] * len(MULTI_FLEET_NAMES)
    assert multi_fleet_emulator.calls.count("ListAssociatedFleets") == 1


def test_fleet_states_follow_the_names(qtbot, make_window, multi_fleet_emulator):
    from launcher.appstream.models import Fleet

    multi_fleet_emulator.faults.slow(1.5, 2, "DescribeFleets")
    window = make_window(multi_fleet_emulator.endpoint_url)
    choose_stack_before_fleet_prefetch(qtbot, window, multi_fleet_emulator)

    qtbot.waitUntil(lambda: all(isinstance(value, Fleet) for value in fleet_values(window)), timeout=LOAD_TIMEOUT_MS)

    assert [item.key for item in window.fleet_picker.items] == sorted(MULTI_FLEET_NAMES)


def test_fleet_chosen_by_name_keeps_choice(qtbot, make_window, multi_fleet_emulator):
    multi_fleet_emulator.faults.slow(1.5, 2, "DescribeFleets")
    window = make_window(multi_fleet_emulator.endpoint_url)
    choose_stack_before_fleet_prefetch(qtbot, window, multi_fleet_emulator)

    window.fleet_picker.select_key("data-science")
    loading_text = window.application_picker.combo.lineEdit().placeholderText()
    wait_for_state(qtbot, window.application_picker, PickerState.READY)
    wait_until_idle(qtbot, window)

    assert loading_text == "Loading the fleet's details…"
    assert window.fleet_picker.selected_key() == "data-science"


def test_fleet_choice_after_prefetch_sends_nothing(qtbot, make_window, multi_fleet_emulator):
    window = make_window(multi_fleet_emulator.endpoint_url)
    load_stack(qtbot, window, MULTI_FLEET_STACK)
    multi_fleet_emulator.reset_calls()

    for fleet in MULTI_FLEET_NAMES:
        assert window.fleet_picker.select_key(fleet)
        # Prefetched applications are shown at once, without a worker round trip.
        assert window.application_picker.state is PickerState.READY, fleet

    assert multi_fleet_emulator.calls == []
    keys = [item.key for item in window.application_picker.items]
    assert "chromium" in keys


def test_fleets_sharing_an_image_describe_it_once(qtbot, make_window, multi_fleet_emulator):
    window = make_window(multi_fleet_emulator.endpoint_url)
    wait_for_state(qtbot, window.stack_picker, PickerState.READY)
    wait_until_idle(qtbot, window)
    multi_fleet_emulator.reset_calls()

    window.stack_picker.select_key(MULTI_FLEET_STACK)
    wait_for_state(qtbot, window.fleet_picker, PickerState.READY)
    wait_until_idle(qtbot, window)

    calls = multi_fleet_emulator.calls
    # The office image (two fleets) and the data-science image.
    assert calls.count("DescribeImages") == 2
    assert calls.count("DescribeApplicationFleetAssociations") == 1
    assert calls.count("DescribeApplications") == 1
    assert "DescribeFleets" not in calls


def test_generate_sends_one_request(qtbot, make_window, emulator):
    window = make_window(emulator.endpoint_url)
    load_stack(qtbot, window, "office-hq")
    window.user_id_edit.setText("round-trip-user")
    emulator.reset_calls()

    qtbot.mouseClick(window.generate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.url_edit.text() != "", timeout=LOAD_TIMEOUT_MS)

    assert emulator.calls == ["CreateStreamingURL"]


def test_restored_choice_loads_next_to_stacks(qtbot, make_window, emulator, monkeypatch):
    SettingsStore(config_dir() / "settings.json").save(Settings(stack="data-science", fleet="data-science"))
    # Many small pages make the stack listing the longest request chain by far.
    emulator.page_size = 2
    emulator.latency_ms = 20
    window = make_window(emulator.endpoint_url)
    snapshots = record_calls_when_filled(window.stack_picker, emulator, monkeypatch)

    wait_for_state(qtbot, window.application_picker, PickerState.READY)
    wait_until_idle(qtbot, window)

    assert len(snapshots) == 1
    before_stacks_shown = snapshots[0]
    assert before_stacks_shown.count("DescribeStacks") == 13
    # The restored stack's fleet names and the restored fleet's applications loaded meanwhile.
    assert "ListAssociatedFleets" in before_stacks_shown
    assert "DescribeImages" in before_stacks_shown
    assert emulator.calls[len(before_stacks_shown) :] == []
    assert window.fleet_picker.selected_key() == "data-science"


# Cache and Refresh ---------------------------------------------------------------------------


def test_region_switch_back_uses_cache(qtbot, make_window, emulator, monkeypatch):
    window = make_window(emulator.endpoint_url)
    load_stack(qtbot, window, "office-hq")
    line_edit = window.region_combo.lineEdit()
    line_edit.clear()
    qtbot.keyClicks(line_edit, "eu-west-1")
    wait_for_state(qtbot, window.stack_picker, PickerState.READY)
    assert window.stack_picker.select_key("office-hq")
    wait_for_state(qtbot, window.application_picker, PickerState.READY)
    wait_until_idle(qtbot, window)
    fleet_fills = record_calls_when_filled(window.fleet_picker, emulator, monkeypatch)
    emulator.reset_calls()

    line_edit.clear()
    qtbot.keyClicks(line_edit, "us-east-1")

    assert window.current_region() == "us-east-1"
    assert window.stack_picker.state is PickerState.READY
    assert window.stack_picker.selected_key() == "office-hq"
    # The fleets of eu-west-1 are replaced by the cached fleets of us-east-1, not kept.
    assert fleet_fills == [[]]
    assert window.application_picker.state is PickerState.READY
    wait_until_idle(qtbot, window)
    assert emulator.calls == []


def test_source_switch_back_uses_cache(qtbot, make_window, emulator):
    other = CredentialSource(KIND_STATIC, "Other keys", StaticCredentials("AKIAOTHER00000000000", "other-secret"))
    window = make_window(emulator.endpoint_url, sources=[demo_source(), other])
    combo = window.credential_combo
    load_stack(qtbot, window, "office-hq")
    combo.setCurrentIndex(1)
    wait_for_state(qtbot, window.stack_picker, PickerState.READY)
    wait_until_idle(qtbot, window)
    emulator.reset_calls()

    combo.setCurrentIndex(0)
    combo.setCurrentIndex(1)
    combo.setCurrentIndex(0)

    assert window.stack_picker.state is PickerState.READY
    wait_until_idle(qtbot, window)
    assert "DescribeStacks" not in emulator.calls
    assert emulator.calls == []


def test_refresh_button_reloads_every_list(qtbot, make_window, emulator):
    window = make_window(emulator.endpoint_url)
    load_stack(qtbot, window, "data-science")
    assert window.application_picker.select_key("rstudio")
    button = window.stack_picker.refresh_button
    assert button.isVisible()
    assert button.accessibleName() == "Refresh lists"
    emulator.reset_calls()

    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    wait_for_state(qtbot, window.application_picker, PickerState.READY)
    wait_until_idle(qtbot, window)

    calls = emulator.calls
    for operation in ("DescribeStacks", "DescribeFleets", "ListAssociatedFleets", "DescribeImages"):
        assert operation in calls, operation
    assert window.stack_picker.selected_key() == "data-science"
    assert window.fleet_picker.selected_key() == "data-science"
    assert window.application_picker.selected_key() == "rstudio"


def test_refresh_action_bypasses_cache(qtbot, make_window, emulator):
    window = make_window(emulator.endpoint_url)
    load_stack(qtbot, window, "office-hq")
    emulator.reset_calls()

    window.refresh_action.trigger()
    wait_for_state(qtbot, window.application_picker, PickerState.READY)
    wait_until_idle(qtbot, window)

    calls = emulator.calls
    assert "DescribeStacks" in calls
    assert "ListAssociatedFleets" in calls
    assert "DescribeImages" in calls


def test_failed_list_is_not_cached(qtbot, make_window, emulator):
    window = make_window(emulator.endpoint_url)
    wait_for_state(qtbot, window.stack_picker, PickerState.READY)
    wait_until_idle(qtbot, window)
    emulator.faults.deny("ListAssociatedFleets")

    window.stack_picker.select_key("linux-dev")
    wait_for_state(qtbot, window.fleet_picker, PickerState.ERROR)
    emulator.faults.clear()
    wait_until_idle(qtbot, window)
    emulator.reset_calls()

    window.stack_picker.select_key("office-hq")
    wait_for_state(qtbot, window.fleet_picker, PickerState.READY)
    window.stack_picker.select_key("linux-dev")
    wait_for_state(qtbot, window.fleet_picker, PickerState.READY)

    assert emulator.calls.count("ListAssociatedFleets") == 2
    assert window.fleet_picker.selected_key() == "linux-dev-tools"
