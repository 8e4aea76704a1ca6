"""The window's building blocks on their own: task runner, pickers, validity, labels and formatting."""

from __future__ import annotations

import os
import threading
from datetime import datetime, timedelta, timezone

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402

from launcher.appstream.errors import AppStreamError, ErrorKind  # noqa: E402
from launcher.appstream.models import Application, Fleet, FleetCapacity  # noqa: E402
from launcher.ui import tasks  # noqa: E402
from launcher.ui.durations import expiry_text, format_duration, format_utc_time  # noqa: E402
from launcher.ui.items import CATALOG_KEY, CATALOG_LABEL, application_items, fleet_item, fleet_label, fleet_state_note  # noqa: E402
from launcher.ui.picker import PickerItem, PickerState, ResourcePicker  # noqa: E402
from launcher.ui.region_input import region_problem  # noqa: E402
from launcher.ui.tasks import TaskRunner  # noqa: E402
from launcher.ui.validity import ValidityPicker  # noqa: E402

WAIT_MS = 5000


pytestmark = pytest.mark.usefixtures("no_worker_left_running")

@pytest.fixture
def runner(qapp):
    task_runner = TaskRunner()
    yield task_runner
    task_runner.shutdown(WAIT_MS)


# Durations -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0 s"),
        (59, "59 s"),
        (60, "1 min"),
        (299, "4 min 59 s"),
        (3600, "1 h"),
        (3660, "1 h 1 min"),
        (28800, "8 h"),
        (86400, "1 d"),
        (90000, "1 d 1 h"),
        (604800, "7 d"),
        (-5, "0 s"),
    ],
)
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text


def test_expiry_text_counts_down():
    now = datetime(2026, 5, 4, 14, 0, 13, tzinfo=timezone.utc)
    expires = now + timedelta(minutes=4, seconds=59, milliseconds=500)
    assert expiry_text(expires, now) == "Expires in 4 min 59 s (at 14:05:12 UTC)"


def test_expiry_text_after_expiry():
    now = datetime(2026, 5, 4, 14, 10, 0, tzinfo=timezone.utc)
    expires = datetime(2026, 5, 4, 14, 5, 12, tzinfo=timezone.utc)
    assert expiry_text(expires, now) == "Expired at 14:05:12 UTC"


def test_utc_time_shows_date_on_another_day():
    now = datetime(2026, 5, 4, 23, 0, 0, tzinfo=timezone.utc)
    later = now + timedelta(days=7)
    assert format_utc_time(later, now) == "2026-05-11 23:00:00 UTC"


def test_utc_time_converts_other_time_zones():
    berlin = timezone(timedelta(hours=2))
    moment = datetime(2026, 5, 4, 16, 5, 12, tzinfo=berlin)
    assert format_utc_time(moment, moment) == "14:05:12 UTC"


# Task runner ---------------------------------------------------------------------------------


def test_runner_delivers_result_on_gui_thread(qtbot, runner):
    results = []
    gui_thread = threading.get_ident()

    runner.submit("channel", lambda: 42, lambda value: results.append((value, threading.get_ident())))

    qtbot.waitUntil(lambda: len(results) > 0, timeout=WAIT_MS)
    assert results == [(42, gui_thread)]
    assert not runner.is_pending("channel")


def test_runner_delivers_appstream_error(qtbot, runner):
    errors = []

    def fail():
        raise AppStreamError("Access denied: no appstream:DescribeStacks", ErrorKind.ACCESS_DENIED)

    runner.submit("channel", fail, lambda value: pytest.fail("unexpected result"), errors.append)

    qtbot.waitUntil(lambda: len(errors) > 0, timeout=WAIT_MS)
    assert errors[0].kind is ErrorKind.ACCESS_DENIED


def test_runner_wraps_unexpected_exceptions(qtbot, runner):
    errors = []

    def crash():
        raise KeyError("Fleets")

    runner.submit("channel", crash, lambda value: None, errors.append)

    qtbot.waitUntil(lambda: len(errors) > 0, timeout=WAIT_MS)
    assert isinstance(errors[0], AppStreamError)
    assert "KeyError" in errors[0].message


def test_runner_drops_superseded_result(qtbot, runner):
    release_first = threading.Event()
    results = []

    def slow_first():
        release_first.wait(WAIT_MS / 1000)
        return "first"

    runner.submit("fleets", slow_first, results.append)
    runner.submit("fleets", lambda: "second", results.append)
    qtbot.waitUntil(lambda: results == ["second"], timeout=WAIT_MS)
    release_first.set()

    assert runner.wait_for_done(WAIT_MS)
    qtbot.wait(50)
    assert results == ["second"]


def test_runner_keeps_channels_apart(qtbot, runner):
    results = []

    runner.submit("stacks", lambda: "stacks", results.append)
    runner.submit("regions", lambda: "regions", results.append)

    qtbot.waitUntil(lambda: len(results) == 2, timeout=WAIT_MS)
    assert sorted(results) == ["regions", "stacks"]


def test_runner_cancel_drops_result(qtbot, runner):
    release = threading.Event()
    results = []

    def blocked():
        release.wait(WAIT_MS / 1000)
        return "late"

    runner.submit("applications", blocked, results.append)
    assert runner.is_pending("applications")
    runner.cancel("applications")
    assert not runner.is_pending("applications")
    release.set()

    assert runner.wait_for_done(WAIT_MS)
    qtbot.wait(50)
    assert results == []


def test_runner_counts_and_waits_for_workers(runner):
    release = threading.Event()

    runner.submit("channel", lambda: release.wait(WAIT_MS / 1000), lambda value: None)

    assert runner.active_count() == 1
    assert tasks.active_worker_count() >= 1
    assert not runner.wait_for_done(50)
    release.set()
    assert runner.wait_for_done(WAIT_MS)
    assert runner.active_count() == 0


def test_runner_shutdown_drops_results_and_refuses_work(qtbot, qapp):
    runner = TaskRunner()
    release = threading.Event()
    results = []
    runner.submit("channel", lambda: release.wait(WAIT_MS / 1000), results.append)

    assert runner.shutdown(0) is False
    release.set()
    assert runner.wait_for_done(WAIT_MS)
    qtbot.wait(50)

    assert results == []
    with pytest.raises(RuntimeError):
        runner.submit("channel", lambda: None, results.append)


# Picker --------------------------------------------------------------------------------------

ITEMS = [
    PickerItem("finance-reporting", "Finance reporting"),
    PickerItem("finance-audit", "Finance – Audit (finance-audit)"),
    PickerItem("office-hq", "Office – Head office (office-hq)"),
]


@pytest.fixture
def picker(qtbot):
    widget = ResourcePicker("stack", "Stack")
    qtbot.addWidget(widget)
    widget.show()
    return widget


def record_selections(picker: ResourcePicker) -> list[tuple[str | None, bool]]:
    changes: list[tuple[str | None, bool]] = []
    picker.selection_changed.connect(lambda item, by_user: changes.append((item.key if item else None, by_user)))
    return changes


def test_picker_states(picker):
    picker.set_loading("Loading stacks…")
    assert picker.state is PickerState.LOADING
    assert picker.placeholder == "Loading stacks…"
    assert not picker.combo.isEnabled()

    picker.set_empty("No stacks in us-east-1")
    assert picker.state is PickerState.EMPTY
    assert picker.placeholder == "No stacks in us-east-1"

    picker.set_error("Access denied")
    assert picker.state is PickerState.ERROR
    assert picker.message == "Access denied"
    assert picker.retry_button.isVisible()

    picker.set_items(ITEMS, "office-hq")
    assert picker.state is PickerState.READY
    assert picker.combo.isEnabled()
    assert picker.message == ""
    assert not picker.retry_button.isVisible()
    assert picker.selected_key() == "office-hq"


def test_picker_programmatic_changes_are_not_by_user(picker):
    changes = record_selections(picker)

    picker.set_items(ITEMS, "finance-audit")
    picker.set_loading("Loading stacks…")

    assert changes == [("finance-audit", False), (None, False)]


def test_picker_reports_one_change_per_fill(picker):
    picker.set_items(ITEMS, "finance-audit")
    changes = record_selections(picker)

    picker.set_items(ITEMS, "finance-audit")

    assert changes == []


def test_picker_selection_follows_typed_text(qtbot, picker):
    picker.set_items(ITEMS)
    changes = record_selections(picker)
    line_edit = picker.combo.lineEdit()

    qtbot.keyClicks(line_edit, "Finance reporting")
    assert picker.selected_key() == "finance-reporting"
    qtbot.keyClicks(line_edit, "x")
    assert picker.selected_key() is None
    assert picker.unmatched_text() == "Finance reportingx"

    assert changes == [("finance-reporting", True), (None, True)]


def test_picker_enter_completes_unique_match(qtbot, picker):
    picker.set_items(ITEMS)
    line_edit = picker.combo.lineEdit()

    qtbot.keyClicks(line_edit, "head")
    qtbot.keyClick(line_edit, Qt.Key.Key_Return)

    assert picker.selected_key() == "office-hq"
    assert picker.combo.currentText() == "Office – Head office (office-hq)"


def test_picker_enter_keeps_ambiguous_text(qtbot, picker):
    picker.set_items(ITEMS)
    line_edit = picker.combo.lineEdit()

    qtbot.keyClicks(line_edit, "finance")
    qtbot.keyClick(line_edit, Qt.Key.Key_Return)

    assert picker.selected_key() is None
    assert picker.unmatched_text() == "finance"


def test_picker_error_with_fallback_items(picker):
    catalog = PickerItem(CATALOG_KEY, CATALOG_LABEL)

    picker.set_error("DescribeImages failed", [catalog], CATALOG_KEY)

    assert picker.state is PickerState.ERROR
    assert picker.combo.isEnabled()
    assert picker.selected_key() == CATALOG_KEY
    assert picker.message == "DescribeImages failed"


def test_picker_note_is_hidden_by_reload(picker):
    picker.set_items(ITEMS)
    picker.set_note("Fleet is STOPPED")
    assert picker.message == "Fleet is STOPPED"

    picker.set_loading("Loading fleets…")

    assert picker.message == ""


# Validity ------------------------------------------------------------------------------------


@pytest.fixture
def validity(qtbot):
    widget = ValidityPicker()
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_validity_presets(validity):
    labels = [validity.combo.itemText(index) for index in range(validity.combo.count())]
    assert labels == ["1 min", "5 min", "1 h", "8 h", "1 day", "7 days", "Custom…"]
    assert validity.seconds() == 300
    assert not validity.spin.isVisible()


def test_validity_custom_value_restored(validity):
    validity.set_seconds(90)

    assert validity.is_custom()
    assert validity.spin.isVisible()
    assert validity.seconds() == 90


def test_validity_out_of_range_uses_default(validity):
    validity.set_seconds(0)
    assert validity.seconds() == 300
    validity.set_seconds(604801)
    assert validity.seconds() == 300


def test_validity_spin_range(validity):
    assert validity.spin.minimum() == 1
    assert validity.spin.maximum() == 604800


def test_validity_emits_changes(validity):
    seen = []
    validity.changed.connect(seen.append)

    validity.combo.setCurrentIndex(validity.combo.findText("8 h"))
    validity.combo.setCurrentIndex(validity.combo.findText("Custom…"))
    validity.spin.setValue(120)

    assert seen == [28800, 28800, 120]


# Labels and regions --------------------------------------------------------------------------


def make_fleet(state: str, fleet_type: str = "ON_DEMAND") -> Fleet:
    return Fleet(
        name="training-lab",
        state=state,
        fleet_type=fleet_type,
        display_name="Training lab",
        capacity=FleetCapacity(desired=2, running=0, in_use=0, available=0),
    )


def test_fleet_label_marks_stopped_fleet():
    assert fleet_label(make_fleet("STOPPED")).startswith("⚠ Training lab (training-lab) — STOPPED")
    assert not fleet_label(make_fleet("RUNNING")).startswith("⚠")


def test_fleet_state_note():
    assert "STOPPED" in fleet_state_note(make_fleet("STOPPED"))
    assert fleet_state_note(make_fleet("RUNNING")) == ""


def test_fleet_item_tooltip_names_state():
    item = fleet_item(make_fleet("STARTING"))
    assert item.key == "training-lab"
    assert "State: STARTING" in item.tooltip


def test_application_items_start_with_catalog():
    items = application_items([Application("excel", "Excel"), Application("word", "")])

    assert [item.key for item in items] == [CATALOG_KEY, "excel", "word"]
    assert [item.label for item in items] == [CATALOG_LABEL, "Excel", "word"]


def test_application_items_tell_equal_display_names_apart():
    items = application_items([Application("excel", "Excel"), Application("excel-2016", "Excel")])

    assert [item.label for item in items[1:]] == ["Excel", "Excel (excel-2016)"]


@pytest.mark.parametrize("region", ["us-east-1", "us-gov-west-1", "ap-southeast-2", "eu-central-1"])
def test_region_names_accepted(region):
    assert region_problem(region) is None


@pytest.mark.parametrize("text", ["", "us-east", "US-EAST-1", "moon-base", "us east 1"])
def test_region_names_rejected(text):
    assert region_problem(text) is not None
