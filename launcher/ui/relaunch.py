"""Restoring a recent launch: wait until the lists have selected its choices, or name what is missing.

The window sets the launch's choices as the preferred ones and reloads the lists, and the
lists select them as they arrive. After each change of the lists, `restore_progress` returns
whether the restore is still waiting, done, or failed.
"""

from __future__ import annotations

import enum

from launcher.appstream.recent import RecentLaunch
from launcher.ui.items import CATALOG_KEY
from launcher.ui.picker import PickerState, ResourcePicker


class RestoreStep(enum.Enum):
    WAITING = "waiting"
    DONE = "done"
    FAILED = "failed"


def restore_progress(
    launch: RecentLaunch, stacks: ResourcePicker, fleets: ResourcePicker, applications: ResourcePicker
) -> tuple[RestoreStep, str]:
    """Return the step of restoring `launch` into the three pickers, with a message when it failed."""
    expected = (
        ("stack", stacks, launch.stack, "stacks"),
        ("fleet", fleets, launch.fleet, "fleets"),
        ("application", applications, launch.application or CATALOG_KEY, "applications"),
    )
    for kind, picker, key, plural in expected:
        if picker.selected_key() == key:
            continue
        state = picker.state
        if state in (PickerState.LOADING, PickerState.IDLE):
            return RestoreStep.WAITING, ""
        if state is PickerState.ERROR:
            return RestoreStep.FAILED, f"The {plural} could not be loaded, so the launch was not restored. Press Retry."
        if state is PickerState.EMPTY:
            return RestoreStep.FAILED, f"{picker.placeholder}, so the launch was not restored."
        if key not in [item.key for item in picker.items]:
            name = key or "application catalog"
            return RestoreStep.FAILED, f"The {kind} {name} is no longer listed, so the launch was not restored."
        # The list contains the key but another item is selected: the user chose it meanwhile.
        return RestoreStep.FAILED, f"Another {kind} was chosen, so the launch was not restored."
    return RestoreStep.DONE, ""
