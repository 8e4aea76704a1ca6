"""Stacks shown before the full list arrives: saved names from the last listing, and pages as they load.

Covers the name file (`launcher.appstream.name_cache`), the picker's provisional items, the task
runner's progress reports and the window, against the emulator over HTTP.
"""

from __future__ import annotations

import json
import os
import threading

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from launcher.appstream.models import Stack  # noqa: E402
from launcher.appstream.name_cache import MAX_TARGETS, NameCache, cache_dir, target_digest  # noqa: E402
from launcher.ui.picker import PickerItem, PickerState, ResourcePicker  # noqa: E402
from launcher.ui.tasks import TaskRunner  # noqa: E402

LOAD_TIMEOUT_MS = 15000
DIGEST = target_digest("default", "us-east-1", "http://127.0.0.1:8765")

pytestmark = pytest.mark.usefixtures("no_worker_left_running")


# The name file ------------------------------------------------------------------------------


def test_name_cache_returns_saved_names():
    cache = NameCache()
    cache.save(DIGEST, [Stack("office-hq", "Office"), Stack("lab")])

    saved = cache.load(DIGEST)

    assert [(stack.name, stack.display_name) for stack in saved.stacks] == [("office-hq", "Office"), ("lab", "")]


def test_name_cache_uses_cache_dir_variable(tmp_path):
    assert NameCache().path.parent == tmp_path / "cache"


def test_name_cache_unknown_target_is_none():
    assert NameCache().load(DIGEST) is None


def test_name_cache_file_has_no_endpoint_url():
    cache = NameCache()
    cache.save(DIGEST, [Stack("office-hq")])

    assert "127.0.0.1" not in cache.path.read_text(encoding="utf-8")


def test_name_cache_corrupt_file_reads_as_empty():
    cache = NameCache()
    cache.path.parent.mkdir(parents=True)
    cache.path.write_text("{ not json", encoding="utf-8")

    assert cache.load(DIGEST) is None


def test_name_cache_corrupt_file_is_replaced_on_save():
    cache = NameCache()
    cache.path.parent.mkdir(parents=True)
    cache.path.write_text("[1, 2]", encoding="utf-8")

    cache.save(DIGEST, [Stack("lab")])

    assert [stack.name for stack in cache.load(DIGEST).stacks] == ["lab"]


def test_name_cache_skips_malformed_rows():
    cache = NameCache()
    cache.path.parent.mkdir(parents=True)
    rows = [["good", ""], ["", "empty name"], [1, 2], "text", ["a", "b", "c"]]
    cache.path.write_text(json.dumps({"version": 1, "targets": {DIGEST: {"saved_at": 1.0, "stacks": rows}}}), encoding="utf-8")

    assert [stack.name for stack in cache.load(DIGEST).stacks] == ["good"]


def test_name_cache_keeps_most_recent_targets():
    cache = NameCache()
    digests = [target_digest("default", f"region-{number}", None) for number in range(MAX_TARGETS + 2)]
    for digest in digests:
        cache.save(digest, [Stack("lab")])

    assert [cache.load(digest) is not None for digest in digests[:3]] == [False, False, True]


def test_name_cache_unwritable_folder_is_ignored(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    cache = NameCache(blocker / "stack-names.json")

    cache.save(DIGEST, [Stack("lab")])

    assert cache.load(DIGEST) is None


def test_saved_names_age_text():
    from launcher.appstream.name_cache import SavedNames

    saved = SavedNames(stacks=[], saved_at=1000.0)

    assert [saved.age_text(now) for now in (1030.0, 1000.0 + 120, 1000.0 + 3600, 1000.0 + 2 * 86400)] == [
        "less than a minute",
        "2 minutes",
        "1 hour",
        "2 days",
    ]


def test_cache_dir_follows_variable(monkeypatch, tmp_path):
    monkeypatch.setenv("APPSTREAM_LAUNCHER_CACHE_DIR", str(tmp_path / "elsewhere"))

    assert cache_dir() == tmp_path / "elsewhere"


# The picker ------------------------------------------------------------------------------------


def items(*names: str) -> list[PickerItem]:
    return [PickerItem(name, name) for name in names]


@pytest.fixture
def picker(qtbot):
    widget = ResourcePicker("test", "Stack")
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_provisional_items_stay_loading(picker):
    picker.set_provisional_items(items("a", "b"), None, "Loading more…")

    assert picker.state is PickerState.LOADING


def test_provisional_items_can_be_chosen(picker):
    picker.set_provisional_items(items("a", "b"), None, "Loading more…")

    assert picker.select_key("b")


def test_provisional_note_is_shown(picker):
    picker.set_provisional_items(items("a"), None, "Loading more…")

    assert picker.message == "Loading more…"


def test_set_items_keeps_provisional_choice(picker):
    picker.set_provisional_items(items("a", "b"), "a", "Loading more…")
    picker.select_key("b")

    picker.set_items(items("a", "b", "c"), "a")

    assert picker.selected_key() == "b"


def test_set_items_keeps_typed_text(picker):
    picker.set_provisional_items(items("alpha", "beta"), None, "Loading more…")
    picker.combo.setEditText("gam")

    picker.set_items(items("alpha", "beta", "gamma"), "alpha")

    assert picker.combo.currentText() == "gam"


def test_set_items_without_provisional_uses_preferred(picker):
    picker.set_items(items("a", "b"), "a")
    picker.select_key("b")

    picker.set_items(items("a", "b"), "a")

    assert picker.selected_key() == "a"


# Task progress -----------------------------------------------------------------------------------


def test_task_progress_arrives_before_result(qtbot):
    runner = TaskRunner()
    events: list[object] = []

    def work(report):
        report(1)
        report(2)
        return "done"

    runner.submit("channel", work, lambda value: events.append(("result", value)), on_progress=events.append)
    qtbot.waitUntil(lambda: len(events) == 3, timeout=LOAD_TIMEOUT_MS)

    assert events == [1, 2, ("result", "done")]


def test_cancelled_task_progress_is_dropped(qtbot):
    runner = TaskRunner()
    events: list[object] = []
    release = threading.Event()

    def work(report):
        release.wait(5)
        report(1)
        return "done"

    runner.submit("channel", work, events.append, on_progress=events.append)
    runner.cancel("channel")
    release.set()
    qtbot.waitUntil(lambda: runner.active_count() == 0, timeout=LOAD_TIMEOUT_MS)
    qtbot.wait(50)

    assert events == []


# The window --------------------------------------------------------------------------------------


@pytest.fixture
def default_chain(monkeypatch):
    """Keys for the default credential chain; the demo source's in-memory keys are never cached."""
    from launcher.credentials.sources import DEFAULT_SOURCE

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIANAMECACHE0000001")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "name-cache-secret")
    return DEFAULT_SOURCE


@pytest.fixture
def make_window(window_factory, default_chain):
    def create(emulator, **options):
        return window_factory(endpoint_url=emulator.endpoint_url, region="us-east-1", sources=[default_chain], **options)

    return create


def digest_for(emulator) -> str:
    return target_digest("default", "us-east-1", emulator.endpoint_url)


@pytest.fixture
def slow_stacks(emulator):
    """The emulator returns each response after 300 ms, with 10 stacks per page (3 pages)."""
    emulator.page_size = 10
    emulator.latency_ms = 300
    return emulator


def sample_stack_names(emulator) -> list[str]:
    return sorted((stack.name for stack in emulator.scenario.stacks), key=str.lower)


def test_window_shows_saved_names_before_first_page(qtbot, make_window, slow_stacks):
    NameCache().save(digest_for(slow_stacks), [Stack("saved-one"), Stack("saved-two")])

    window = make_window(slow_stacks, name_cache=NameCache())

    assert [item.key for item in window.stack_picker.items] == ["saved-one", "saved-two"]
    assert window.stack_picker.state is PickerState.LOADING
    assert "Checking with AppStream" in window.stack_picker.message


def test_window_replaces_saved_names_with_listing(qtbot, make_window, slow_stacks):
    NameCache().save(digest_for(slow_stacks), [Stack("saved-one")])
    window = make_window(slow_stacks, name_cache=NameCache())

    qtbot.waitUntil(lambda: window.stack_picker.state is PickerState.READY, timeout=LOAD_TIMEOUT_MS)

    assert [item.key for item in window.stack_picker.items] == sample_stack_names(slow_stacks)


def test_window_saves_names_after_listing(qtbot, make_window, emulator):
    window = make_window(emulator, name_cache=NameCache())
    qtbot.waitUntil(lambda: window.stack_picker.state is PickerState.READY, timeout=LOAD_TIMEOUT_MS)

    saved = NameCache().load(digest_for(emulator))

    assert [stack.name for stack in saved.stacks] == sample_stack_names(emulator)


def test_window_demo_source_saves_no_names(qtbot, window_factory, emulator):
    from launcher.ui.app import demo_source

    window = window_factory(endpoint_url=emulator.endpoint_url, region="us-east-1", name_cache=NameCache())
    qtbot.waitUntil(lambda: window.stack_picker.state is PickerState.READY, timeout=LOAD_TIMEOUT_MS)

    assert NameCache().load(target_digest(demo_source().key, "us-east-1", emulator.endpoint_url)) is None


def test_window_shows_first_page_before_last(qtbot, make_window, slow_stacks):
    window = make_window(slow_stacks)

    qtbot.waitUntil(lambda: window.stack_picker.is_provisional, timeout=LOAD_TIMEOUT_MS)

    assert len(window.stack_picker.items) == 10
    assert slow_stacks.calls.count("DescribeStacks") < 3


def test_window_refresh_ignores_saved_names(qtbot, make_window, slow_stacks):
    window = make_window(slow_stacks, name_cache=NameCache())
    qtbot.waitUntil(lambda: window.stack_picker.state is PickerState.READY, timeout=LOAD_TIMEOUT_MS)
    NameCache().save(digest_for(slow_stacks), [Stack("saved-one")])

    window.cascade.refresh()

    assert "saved-one" not in [item.key for item in window.stack_picker.items]


def test_window_keeps_stack_chosen_from_saved_names(qtbot, make_window, slow_stacks):
    NameCache().save(digest_for(slow_stacks), [Stack("office-hq"), Stack("saved-two")])
    window = make_window(slow_stacks, name_cache=NameCache())

    window.stack_picker.select_key("office-hq")
    qtbot.waitUntil(lambda: window.stack_picker.state is PickerState.READY, timeout=LOAD_TIMEOUT_MS)

    assert window.stack_picker.selected_key() == "office-hq"


def test_window_typed_text_not_marked_while_loading(qtbot, make_window, slow_stacks):
    from launcher.ui.style import is_invalid

    NameCache().save(digest_for(slow_stacks), [Stack("saved-one")])
    window = make_window(slow_stacks, name_cache=NameCache())

    window.stack_picker.combo.setEditText("fin")

    assert not is_invalid(window.stack_picker.combo)


def test_window_saved_names_placeholder_counts_them(qtbot, make_window, slow_stacks):
    NameCache().save(digest_for(slow_stacks), [Stack("saved-one"), Stack("saved-two")])

    window = make_window(slow_stacks, name_cache=NameCache())

    assert window.stack_picker.placeholder == "Choose a stack (2 from the last listing)"


def test_cancelled_task_error_is_dropped(qtbot):
    from launcher.appstream.errors import AppStreamError

    runner = TaskRunner()
    errors: list[object] = []
    release = threading.Event()

    def work():
        release.wait(5)
        raise AppStreamError("failed after cancel")

    runner.submit("channel", work, lambda value: None, errors.append)
    runner.cancel("channel")
    release.set()
    qtbot.waitUntil(lambda: runner.active_count() == 0, timeout=LOAD_TIMEOUT_MS)
    qtbot.wait(50)

    assert errors == []


def test_window_generate_hint_while_saved_names_load(qtbot, make_window, slow_stacks):
    NameCache().save(digest_for(slow_stacks), [Stack("saved-one"), Stack("saved-two")])

    window = make_window(slow_stacks, name_cache=NameCache())

    assert window.generate_hint_label.text() == "Choose a stack. The stacks are still loading."
