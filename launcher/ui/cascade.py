"""Loading of the stack, fleet and application dropdowns, each from the choice above it.

Choosing a stack loads its fleets, and choosing a fleet loads its applications, all on worker
threads. A result is shown only if it still matches the current choice:

* every list loads on its own TaskRunner channel, so a newer request supersedes an older one
  and the runner drops the older result;
* each callback also carries the target and parent name it was requested for, and ignores a
  result whose target or parent is no longer selected.

Lists are kept in a `ListingCache` for the life of the cascade, per target (credential source,
region and endpoint), so a list loaded once is shown again without a request. Loading the
stacks of the target whose stacks are already shown (Refresh, F5, Retry) drops that target's
lists and reads them again. Background prefetches fill the cache ahead of the user:

* every fleet of the target (DescribeFleets, all pages) and the fleet names of the preferred
  stack, as soon as the stacks start loading, so a stack's fleets need only
  ListAssociatedFleets, or nothing for the preferred stack;
* the applications of the preferred fleet once its details are known, and the applications of
  every fleet of a stack once its fleets are shown, so choosing a fleet usually needs no request.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from functools import partial

from PySide6.QtCore import QObject, Signal

from launcher.appstream.api import AppStreamAPI
from launcher.appstream.cache import CachedListings, ListingCache
from launcher.appstream.clients import Target
from launcher.appstream.errors import AppStreamError
from launcher.appstream.listing import application_source
from launcher.appstream.models import Application, Fleet, Stack
from launcher.appstream.name_cache import NameCache, target_digest
from launcher.credentials.sources import KIND_STATIC
from launcher.ui.items import (
    CATALOG_KEY,
    application_items,
    catalog_item,
    fleet_item,
    fleet_state_note,
    pending_fleet_item,
    stack_item,
)
from launcher.ui.picker import PickerItem, ResourcePicker
from launcher.ui.style import TONE_INFO, TONE_WARNING
from launcher.ui.tasks import TaskRunner

log = logging.getLogger(__name__)

CHANNEL_STACKS = "stacks"
CHANNEL_FLEETS = "fleets"
CHANNEL_FLEET_DETAILS = "fleet-details"
CHANNEL_APPLICATIONS = "applications"
CHANNEL_PREFETCH_FLEETS = "prefetch-fleets"
CHANNEL_PREFETCH_FLEET_NAMES = "prefetch-fleet-names"
CHANNEL_PREFETCH_APPLICATIONS = "prefetch-applications"

NO_APPLICATIONS_NOTE = "This fleet has no enabled applications."
FLEET_STATES_NOTE = "Loading the fleets' states…"
REFRESH_TOOLTIP = "Reload the stack, fleet and application lists from AppStream (F5)"
# While the stacks load, the stacks of the pages read so far are shown at most this often.
PAGE_SHOW_INTERVAL_SECONDS = 1.0
# The application lists of at most this many fleets of a stack are prefetched.
MAX_PREFETCHED_FLEETS = 20


class ResourceCascade(QObject):
    """Fills the stack, fleet and application pickers for the target that `target()` returns.

    `preferred` contains the stack, fleet and application the user chose last (or that the
    settings restored). They are selected again whenever a list that contains them arrives.
    `changed` is emitted after every selection or state change, and `preferred_changed` after
    the user changed a choice. `cache` is shared with other cascades when given.
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
        cache: ListingCache | None = None,
        name_cache: NameCache | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._target = target
        self.stacks = stacks
        self.fleets = fleets
        self.applications = applications
        self.cache = cache if cache is not None else ListingCache()
        self.name_cache = name_cache
        # Where the stacks shown while the list loads come from: "saved" names, "pages" so far, or None.
        self._provisional: str | None = None
        self.preferred: dict[str, str] = {"stack": "", "fleet": "", "application": CATALOG_KEY}
        # Cache key of the target whose stacks are shown or loading; None before the first load.
        self._stacks_target_key: tuple | None = None
        self._prefetch_channels: set[str] = set()

        stacks.selection_changed.connect(self._on_stack_selected)
        fleets.selection_changed.connect(self._on_fleet_selected)
        applications.selection_changed.connect(self._on_application_selected)
        stacks.retry_requested.connect(self.load_stacks)
        fleets.retry_requested.connect(self.load_fleets)
        applications.retry_requested.connect(self.load_applications)
        stacks.show_refresh_button(REFRESH_TOOLTIP, "Refresh lists")
        stacks.refresh_requested.connect(self.refresh)

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
        for channel in (CHANNEL_STACKS, CHANNEL_FLEETS, CHANNEL_FLEET_DETAILS, CHANNEL_APPLICATIONS):
            self._runner.cancel(channel)

    def refresh(self) -> None:
        """Read every list of the current target from AppStream again, keeping the current selections."""
        self.keep_current_as_preferred()
        target = self._target()
        if target is not None:
            self._stacks_target_key = target.cache_key
        self.load_stacks()

    def _listings(self, target: Target) -> CachedListings:
        return CachedListings(AppStreamAPI(target), self.cache)

    # Stacks ------------------------------------------------------------------------------

    def load_stacks(self) -> None:
        """Show the stacks of the current target, which reloads the fleets and applications too.

        Stacks already loaded for the target are shown at once. Called again for the target
        whose stacks are shown or loading (Refresh, Retry), it drops the target's cached lists
        and reads them from AppStream.
        """
        self.cancel()
        target = self._target()
        if target is None:
            self._stacks_target_key = None
            self._cancel_prefetches()
            self.stacks.set_idle("Enter a valid region first")
            self.changed.emit()
            return
        reloading = target.cache_key == self._stacks_target_key
        if reloading:
            self.cache.invalidate(target.cache_key)
            log.info("Reloading the lists of %s in %s", target.source.key, target.region)
        else:
            self._cancel_prefetches()
        self._stacks_target_key = target.cache_key
        self._provisional = None

        listings = self._listings(target)
        cached = listings.cached_stacks()
        # Emptying the box first clears the selection, so the fleet and application lists of
        # the previous target go too, also when the new list selects a stack of the same name.
        self.stacks.set_loading("Loading stacks…")
        if cached is None:
            self._runner.submit(
                CHANNEL_STACKS,
                partial(_load_stack_items, listings),
                partial(self._on_stacks_loaded, target),
                partial(self._on_stacks_failed, target),
                on_progress=partial(self._on_stack_page, target),
            )
        # The prefetches start before cached stacks are shown, so the fleet list that showing
        # them requests joins the preferred stack's prefetch instead of sending its own.
        self._prefetch_for_target(target, listings)
        if cached is None:
            # Refresh and Retry show only what AppStream returns, never the saved names.
            if not reloading:
                self._show_saved_names(target)
            self.changed.emit()
        else:
            log.debug("Showing %d cached stacks of %s in %s", len(cached), target.source.key, target.region)
            self._show_stacks(target, stack_items(cached))

    def _is_current(self, target: Target) -> bool:
        current = self._target()
        return current is not None and current.cache_key == target.cache_key

    def _show_saved_names(self, target: Target) -> None:
        """Show the stack names saved when the target was last listed, until the real list arrives."""
        if self.name_cache is None or target.source.kind == KIND_STATIC:
            return
        saved = self.name_cache.load(_names_digest(target))
        if saved is None or not saved.stacks:
            return
        items = stack_items(sorted(saved.stacks, key=lambda stack: stack.name.lower()))
        self._provisional = "saved"
        note = f"Stack names from {saved.age_text()} ago. Checking with AppStream…"
        self.stacks.set_provisional_items(
            items, _preferred(items, self.preferred["stack"]), note, f"Choose a stack ({len(items)} from the last listing)"
        )
        log.debug("Showing %d saved stack names of %s in %s", len(items), target.source.key, target.region)

    def _on_stack_page(self, target: Target, items: list[PickerItem]) -> None:
        """Show the stacks of the pages read so far (reported at most every PAGE_SHOW_INTERVAL_SECONDS)."""
        if not self._is_current(target) or self._provisional == "saved":
            return
        self._provisional = "pages"
        self.stacks.set_provisional_items(
            items,
            _preferred(items, self.preferred["stack"]),
            f"Loading more stacks… {len(items)} so far",
            f"Choose a stack ({len(items)} so far)",
        )
        self.changed.emit()

    def _on_stacks_loaded(self, target: Target, items: list[PickerItem]) -> None:
        if not self._is_current(target):
            return
        self._provisional = None
        self._show_stacks(target, items)
        if self.name_cache is not None and target.source.kind != KIND_STATIC:
            self.name_cache.save(_names_digest(target), [item.value for item in items if isinstance(item.value, Stack)])

    def _show_stacks(self, target: Target, items: list[PickerItem]) -> None:
        if not items:
            self.stacks.set_empty(f"No stacks in {target.region}")
        else:
            self.stacks.set_items(items, _preferred(items, self.preferred["stack"]), f"Choose a stack ({len(items)})")
        self.changed.emit()

    def _on_stacks_failed(self, target: Target, error: AppStreamError) -> None:
        if not self._is_current(target):
            return
        self._provisional = None
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
        """Show the fleets of the selected stack, or the idle state when none is selected.

        The fleet names (ListAssociatedFleets) are shown as soon as they arrive. Fleets whose
        state the all-fleets prefetch has not read yet are listed by name until DescribeFleets
        or the prefetch returns them, so the list shows after one round trip.
        """
        self._runner.cancel(CHANNEL_FLEETS)
        self._runner.cancel(CHANNEL_FLEET_DETAILS)
        stack_name = self.stacks.selected_key()
        target = self._target()
        if stack_name is None or target is None:
            self.fleets.set_idle("Choose a stack first")
            self.changed.emit()
            return
        listings = self._listings(target)
        cached = listings.cached_fleets(stack_name)
        if cached is not None:
            self._show_fleets(listings, cached)
            return
        self.fleets.set_loading("Loading fleets…")
        names = listings.cached_fleet_names(stack_name)
        if names is None:
            self._runner.submit(
                CHANNEL_FLEETS,
                partial(listings.fleet_names, stack_name),
                partial(self._on_fleet_names_loaded, target, stack_name, time.monotonic()),
                partial(self._on_fleets_failed, target, stack_name),
            )
        else:
            self._show_fleet_names(target, stack_name, names, time.monotonic())
        self._prefetch_preferred_applications(listings)
        self.changed.emit()

    def _fleets_are_current(self, target: Target, stack_name: str) -> bool:
        return self._is_current(target) and self.stacks.selected_key() == stack_name

    def _on_fleet_names_loaded(self, target: Target, stack_name: str, requested_at: float, names: list[str]) -> None:
        if not self._fleets_are_current(target, stack_name):
            log.debug("Ignored the fleet names of stack %s: the selection changed", stack_name)
            return
        self._show_fleet_names(target, stack_name, names, requested_at)
        self.changed.emit()

    def _show_fleet_names(self, target: Target, stack_name: str, names: list[str], requested_at: float) -> None:
        """Show the stack's fleets by name, with the states already known, and load the missing states.

        `requested_at` is when the names were requested, so the state request waits only for an
        all-fleets prefetch page that was already in flight then.
        """
        listings = self._listings(target)
        complete = listings.cached_fleets(stack_name)
        if complete is not None:
            self._show_fleets(listings, complete)
            return
        known = listings.known_fleets(names)
        items = [fleet_item(known[name]) if name in known else pending_fleet_item(name) for name in names]
        # Provisional, so the full list that follows keeps a fleet chosen meanwhile, or typed text.
        self.fleets.set_provisional_items(
            items, _preferred(items, self.preferred["fleet"]), FLEET_STATES_NOTE, f"Choose a fleet ({len(items)})"
        )
        self._show_fleet_note()
        self._runner.submit(
            CHANNEL_FLEET_DETAILS,
            partial(listings.fleets, stack_name, requested_at),
            partial(self._on_fleets_loaded, target, stack_name),
            partial(self._on_fleets_failed, target, stack_name),
        )

    def _on_fleets_loaded(self, target: Target, stack_name: str, fleets: list[Fleet]) -> None:
        if not self._fleets_are_current(target, stack_name):
            log.debug("Ignored the fleets of stack %s: the selection changed", stack_name)
            return
        self._show_fleets(self._listings(target), fleets)

    def _show_fleets(self, listings: CachedListings, fleets: list[Fleet]) -> None:
        if not fleets:
            self.fleets.set_empty("This stack has no fleets")
        else:
            items = [fleet_item(fleet) for fleet in fleets]
            self.fleets.set_items(items, _preferred(items, self.preferred["fleet"]), f"Choose a fleet ({len(items)})")
            self._show_fleet_note()
            self._prefetch_applications(listings, fleets)
        self.changed.emit()

    def _on_fleets_failed(self, target: Target, stack_name: str, error: AppStreamError) -> None:
        if not self._fleets_are_current(target, stack_name):
            return
        self.fleets.set_error(error.message)
        self.changed.emit()

    def _show_fleet_note(self) -> None:
        fleet = self.fleets.selected_value()
        if isinstance(fleet, Fleet):
            self.fleets.set_note(fleet_state_note(fleet), TONE_WARNING)
        elif self.fleets.selected_key() is not None:
            self.fleets.set_note("Loading the fleet's state…", TONE_INFO)
        elif self.fleets.is_provisional:
            self.fleets.set_note(FLEET_STATES_NOTE, TONE_INFO)
        else:
            self.fleets.set_note("", TONE_WARNING)

    def _on_fleet_selected(self, item: PickerItem | None, by_user: bool) -> None:
        if by_user and item is not None:
            self.preferred["fleet"] = item.key
            self.preferred_changed.emit()
        self._show_fleet_note()
        self.load_applications()

    # Applications ------------------------------------------------------------------------

    def load_applications(self) -> None:
        """Show the applications of the selected fleet, or the idle state when none is selected."""
        self._runner.cancel(CHANNEL_APPLICATIONS)
        fleet = self.fleets.selected_value()
        target = self._target()
        if not isinstance(fleet, Fleet) or target is None:
            if self.fleets.selected_key() is not None and target is not None:
                # A fleet chosen from the names shown first: its image is known once its state is.
                self.applications.set_loading("Loading the fleet's details…")
            else:
                self.applications.set_idle("Choose a fleet first")
            self.changed.emit()
            return
        listings = self._listings(target)
        cached = listings.cached_applications(fleet)
        if cached is not None:
            self._show_applications(cached)
            return
        self.applications.set_loading("Loading applications…")
        self._runner.submit(
            CHANNEL_APPLICATIONS,
            partial(listings.applications, fleet),
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
        self._show_applications(applications)

    def _show_applications(self, applications: list[Application]) -> None:
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

    # Prefetching -------------------------------------------------------------------------

    def _prefetch(self, channel: str, function: Callable[[], object], on_result: Callable[[object], None] | None = None) -> None:
        self._prefetch_channels.add(channel)
        self._runner.submit_background(channel, function, on_result, partial(_log_prefetch_failure, channel))

    def _cancel_prefetches(self) -> None:
        """Skip the prefetches of the previous target that have not started yet."""
        for channel in self._prefetch_channels:
            self._runner.cancel(channel)
        self._prefetch_channels.clear()

    def _prefetch_for_target(self, target: Target, listings: CachedListings) -> None:
        """Start reading every fleet and the preferred stack's fleet names, next to the stack listing."""
        if not listings.all_fleets_complete():
            self._prefetch(
                CHANNEL_PREFETCH_FLEETS, listings.prefetch_all_fleets, partial(self._on_all_fleets_prefetched, target)
            )
        stack_name = self.preferred["stack"]
        if stack_name and listings.cached_fleet_names(stack_name) is None:
            self._prefetch(CHANNEL_PREFETCH_FLEET_NAMES, partial(listings.fleet_names, stack_name))
        self._prefetch_preferred_applications(listings)

    def _on_all_fleets_prefetched(self, target: Target, _count: object) -> None:
        if self._is_current(target):
            self._prefetch_preferred_applications(self._listings(target))

    def _prefetch_preferred_applications(self, listings: CachedListings) -> None:
        fleet = listings.cached_fleet(self.preferred["fleet"]) if self.preferred["fleet"] else None
        if fleet is not None:
            self._prefetch_applications(listings, [fleet])

    def _prefetch_applications(self, listings: CachedListings, fleets: Sequence[Fleet]) -> None:
        """Prefetch the applications of each fleet whose image (or Elastic fleet) is not loaded or loading."""
        started: set[tuple[str, str]] = set()
        for fleet in fleets[:MAX_PREFETCHED_FLEETS]:
            source = application_source(fleet)
            if source in started or listings.applications_loaded_or_pending(fleet):
                continue
            started.add(source)
            self._prefetch(f"{CHANNEL_PREFETCH_APPLICATIONS}:{source[0]}:{source[1]}", partial(listings.applications, fleet))


def stack_items(stacks: Sequence[Stack]) -> list[PickerItem]:
    return [stack_item(stack) for stack in stacks]


def _load_stack_items(listings: CachedListings, report: Callable[[list[PickerItem]], None]) -> list[PickerItem]:
    """Load the stacks and build their dropdown entries, on a worker so the GUI thread only inserts them.

    After each page but the last, `report` receives the entries of every stack read so far, sorted.
    """
    read: list[Stack] = []
    last_report = [float("-inf")]

    def on_page(page: list[Stack]) -> None:
        read.extend(page)
        # Entries are built only for the reports the window shows: the first page, then at most one
        # every PAGE_SHOW_INTERVAL_SECONDS, so an account with many pages costs no extra work per page.
        now = time.monotonic()
        if now - last_report[0] >= PAGE_SHOW_INTERVAL_SECONDS:
            last_report[0] = now
            report(stack_items(sorted(read, key=lambda stack: stack.name.lower())))

    return stack_items(listings.stacks(on_page))


def _names_digest(target: Target) -> str:
    return target_digest(target.source.key, target.region, target.endpoint_url)


def _log_prefetch_failure(channel: str, error: AppStreamError) -> None:
    # The list that needs the data requests it again and shows the error, so a log line is enough.
    log.info("Prefetch %s failed: %s", channel, error.message)


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
