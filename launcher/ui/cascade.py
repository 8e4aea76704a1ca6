"""Loading of the stack, fleet and application dropdowns, each from the choice above it.

Choosing a stack loads its fleets, and choosing a fleet loads its applications, all on worker
threads. A result is shown only if it still matches the current choice:

* every list loads on its own TaskRunner channel, so a newer request supersedes an older one
  and the runner drops the older result;
* each callback also carries the target and parent name it was requested for, and ignores a
  result whose target or parent is no longer selected.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

from PySide6.QtCore import QObject, Signal

from launcher.appstream.api import AppStreamAPI
from launcher.appstream.clients import Target
from launcher.appstream.errors import AppStreamError
from launcher.appstream.models import Application, Fleet, Stack
from launcher.ui.items import CATALOG_KEY, application_items, catalog_item, fleet_item, fleet_state_note, stack_item
from launcher.ui.picker import PickerItem, ResourcePicker
from launcher.ui.style import TONE_INFO, TONE_WARNING
from launcher.ui.tasks import TaskRunner

log = logging.getLogger(__name__)

CHANNEL_STACKS = "stacks"
CHANNEL_FLEETS = "fleets"
CHANNEL_APPLICATIONS = "applications"

NO_APPLICATIONS_NOTE = "This fleet has no enabled applications."


class ResourceCascade(QObject):
    """Fills the stack, fleet and application pickers for the target that `target()` returns.

    `preferred` contains the stack, fleet and application the user chose last (or that the
    settings restored). They are selected again whenever a list that contains them arrives.
    `changed` is emitted after every selection or state change, and `preferred_changed` after
    the user changed a choice.
    """

    changed = Signal()
    preferred_changed = Signal()

    def __init__(
        self,
        runner: TaskRunner,
        target: Callable[[], Target | None],
        stacks: ResourcePicker,
        fleets: ResourcePicker,
        applications: ResourcePicker,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._target = target
        self.stacks = stacks
        self.fleets = fleets
        self.applications = applications
        self.preferred: dict[str, str] = {"stack": "", "fleet": "", "application": CATALOG_KEY}

        stacks.selection_changed.connect(self._on_stack_selected)
        fleets.selection_changed.connect(self._on_fleet_selected)
        applications.selection_changed.connect(self._on_application_selected)
        stacks.retry_requested.connect(self.load_stacks)
        fleets.retry_requested.connect(self.load_fleets)
        applications.retry_requested.connect(self.load_applications)

        stacks.set_idle("Choose a region first")
        fleets.set_idle("Choose a stack first")
        applications.set_idle("Choose a fleet first")

    def set_preferred(self, stack: str, fleet: str, application: str) -> None:
        self.preferred = {"stack": stack, "fleet": fleet, "application": application}

    def keep_current_as_preferred(self) -> None:
        """Make the current selections the preferred ones, so a reload selects them again."""
        for name, picker in (("stack", self.stacks), ("fleet", self.fleets), ("application", self.applications)):
            key = picker.selected_key()
            if key is not None:
                self.preferred[name] = key

    def cancel(self) -> None:
        for channel in (CHANNEL_STACKS, CHANNEL_FLEETS, CHANNEL_APPLICATIONS):
            self._runner.cancel(channel)

    # Stacks ------------------------------------------------------------------------------

    def load_stacks(self) -> None:
        """Reload the stacks of the current target, which reloads the fleets and applications too."""
        self.cancel()
        target = self._target()
        if target is None:
            self.stacks.set_idle("Enter a valid region first")
            self.changed.emit()
            return
        self.stacks.set_loading("Loading stacks…")
        api = AppStreamAPI(target)
        self._runner.submit(
            CHANNEL_STACKS,
            api.list_stacks,
            partial(self._on_stacks_loaded, target),
            partial(self._on_stacks_failed, target),
        )
        self.changed.emit()

    def _is_current(self, target: Target) -> bool:
        current = self._target()
        return current is not None and current.cache_key == target.cache_key

    def _on_stacks_loaded(self, target: Target, stacks: list[Stack]) -> None:
        if not self._is_current(target):
            return
        if not stacks:
            self.stacks.set_empty(f"No stacks in {target.region}")
        else:
            items = [stack_item(stack) for stack in stacks]
            self.stacks.set_items(items, _preferred(items, self.preferred["stack"]), f"Choose a stack ({len(items)})")
        self.changed.emit()

    def _on_stacks_failed(self, target: Target, error: AppStreamError) -> None:
        if not self._is_current(target):
            return
        self.stacks.set_error(error.message)
        self.changed.emit()

    def _on_stack_selected(self, item: PickerItem | None, by_user: bool) -> None:
        # Text that matches no item (the user is still typing) keeps the preferred choice.
        if by_user and item is not None:
            self.preferred["stack"] = item.key
            self.preferred_changed.emit()
        self.load_fleets()

    # Fleets ------------------------------------------------------------------------------

    def load_fleets(self) -> None:
        """Reload the fleets of the selected stack, or show the idle state when none is selected."""
        self._runner.cancel(CHANNEL_FLEETS)
        stack_name = self.stacks.selected_key()
        target = self._target()
        if stack_name is None or target is None:
            self.fleets.set_idle("Choose a stack first")
            self.changed.emit()
            return
        self.fleets.set_loading("Loading fleets…")
        api = AppStreamAPI(target)
        self._runner.submit(
            CHANNEL_FLEETS,
            partial(api.list_fleets, stack_name),
            partial(self._on_fleets_loaded, target, stack_name),
            partial(self._on_fleets_failed, target, stack_name),
        )
        self.changed.emit()

    def _fleets_are_current(self, target: Target, stack_name: str) -> bool:
        return self._is_current(target) and self.stacks.selected_key() == stack_name

    def _on_fleets_loaded(self, target: Target, stack_name: str, fleets: list[Fleet]) -> None:
        if not self._fleets_are_current(target, stack_name):
            log.debug("Ignored the fleets of stack %s: the selection changed", stack_name)
            return
        if not fleets:
            self.fleets.set_empty("This stack has no fleets")
        else:
            items = [fleet_item(fleet) for fleet in fleets]
            self.fleets.set_items(items, _preferred(items, self.preferred["fleet"]), f"Choose a fleet ({len(items)})")
            self._show_fleet_note()
        self.changed.emit()

    def _on_fleets_failed(self, target: Target, stack_name: str, error: AppStreamError) -> None:
        if not self._fleets_are_current(target, stack_name):
            return
        self.fleets.set_error(error.message)
        self.changed.emit()

    def _show_fleet_note(self) -> None:
        fleet = self.fleets.selected_value()
        note = fleet_state_note(fleet) if isinstance(fleet, Fleet) else ""
        self.fleets.set_note(note, TONE_WARNING)

    def _on_fleet_selected(self, item: PickerItem | None, by_user: bool) -> None:
        if by_user and item is not None:
            self.preferred["fleet"] = item.key
            self.preferred_changed.emit()
        self._show_fleet_note()
        self.load_applications()

    # Applications ------------------------------------------------------------------------

    def load_applications(self) -> None:
        """Reload the applications of the selected fleet, or show the idle state when none is selected."""
        self._runner.cancel(CHANNEL_APPLICATIONS)
        fleet = self.fleets.selected_value()
        target = self._target()
        if not isinstance(fleet, Fleet) or target is None:
            self.applications.set_idle("Choose a fleet first")
            self.changed.emit()
            return
        self.applications.set_loading("Loading applications…")
        api = AppStreamAPI(target)
        self._runner.submit(
            CHANNEL_APPLICATIONS,
            partial(api.list_applications, fleet),
            partial(self._on_applications_loaded, target, fleet.name),
            partial(self._on_applications_failed, target, fleet.name),
        )
        self.changed.emit()

    def _applications_are_current(self, target: Target, fleet_name: str) -> bool:
        return self._is_current(target) and self.fleets.selected_key() == fleet_name

    def _on_applications_loaded(self, target: Target, fleet_name: str, applications: list[Application]) -> None:
        if not self._applications_are_current(target, fleet_name):
            log.debug("Ignored the applications of fleet %s: the selection changed", fleet_name)
            return
        items = application_items(applications)
        self.applications.set_items(items, _preferred(items, self.preferred["application"], fallback=CATALOG_KEY))
        if not applications:
            self.applications.set_note(NO_APPLICATIONS_NOTE, TONE_INFO)
        self.changed.emit()

    def _on_applications_failed(self, target: Target, fleet_name: str, error: AppStreamError) -> None:
        if not self._applications_are_current(target, fleet_name):
            return
        # The catalog needs no application list, so it stays selectable.
        self.applications.set_error(error.message, [catalog_item()], CATALOG_KEY)
        self.changed.emit()

    def _on_application_selected(self, item: PickerItem | None, by_user: bool) -> None:
        if by_user and item is not None:
            self.preferred["application"] = item.key
            self.preferred_changed.emit()
        self.changed.emit()


def _preferred(items: list[PickerItem], preferred: str, fallback: str | None = None) -> str | None:
    """Return the key to select: `preferred` if listed, else `fallback`, else the only item's key."""
    keys = [item.key for item in items]
    if preferred in keys:
        return preferred
    if fallback is not None:
        return fallback
    if len(keys) == 1:
        return keys[0]
    return None
