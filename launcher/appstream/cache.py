"""Session cache of AppStream listings, so that lists already loaded are shown without a request.

`ListingCache` stores stacks, the fleet names of each stack, fleet details and application
lists per target (credential source, region and endpoint) for as long as the window lives.
It never stores streaming URLs or credentials. `CachedListings` binds one target's
`AppStreamAPI` to the cache and is what the window's workers call.

Concurrent requests for the same list share one request: the first caller sends it, and the
others wait for its result. A failure is never cached, so the next call sends the request
again. `invalidate` (Refresh) drops a target's lists, and a request that was already in flight
then finishes without storing its result.

All methods are thread-safe. The ones that send requests block, so call them off the GUI
thread. The `cached_*` methods send no request and wait for none (they hold the cache lock for
a dictionary lookup only), so the GUI thread may call them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, TypeVar

from launcher.appstream import listing
from launcher.appstream.api import AppStreamAPI
from launcher.appstream.models import Application, Fleet, Stack

log = logging.getLogger(__name__)

T = TypeVar("T")

# How long a fleet listing waits, beyond the time its own ListAssociatedFleets call took, for
# the page of the all-fleets prefetch that was already in flight when that call started.
PREFETCH_PAGE_GRACE_SECONDS = 0.25

_STACKS = "stacks"
_FLEET_NAMES = "fleet-names"
_APPLICATIONS = "applications"
_ALL_FLEETS = "all-fleets"


@dataclass
class _FleetDetails:
    """Fleet records of one target, from the all-fleets prefetch and from DescribeFleets by name."""

    fleets: dict[str, Fleet] = field(default_factory=dict)
    # True once the all-fleets prefetch read its last page.
    complete: bool = False
    # Pages the all-fleets prefetch has read, and when its current page request started
    # (time.monotonic()), or None while no prefetch runs.
    pages_read: int = 0
    page_started: float | None = None


class ListingCache:
    """Listings of every target the window has shown, with one shared request per list."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._values: dict[tuple, Any] = {}
        self._pending: dict[tuple, Future] = {}
        self._generations: dict[Hashable, int] = {}
        self._fleet_details: dict[Hashable, _FleetDetails] = {}

    # Generic values ----------------------------------------------------------------------

    def peek(self, key: tuple) -> Any | None:
        """Return the stored value of `key`, or None when it is not loaded, without waiting for a load."""
        with self._condition:
            return self._values.get(key)

    def is_loaded_or_pending(self, key: tuple) -> bool:
        with self._condition:
            return key in self._values or key in self._pending

    def load(self, key: tuple, loader: Callable[[], T]) -> T:
        """Return the value of `key`, calling `loader` unless it is stored or already being loaded.

        `key[0]` is the target's cache key. When another thread is loading the same key, this
        waits for that load and returns its result or raises its exception.
        """
        target_key = key[0]
        with self._condition:
            if key in self._values:
                return self._values[key]
            future = self._pending.get(key)
            owner = future is None
            if owner:
                future = Future()
                self._pending[key] = future
                generation = self._generations.get(target_key, 0)
        if not owner:
            return future.result()

        try:
            value = loader()
        except BaseException as error:
            with self._condition:
                if self._pending.get(key) is future:
                    del self._pending[key]
            future.set_exception(error)
            raise
        with self._condition:
            if self._pending.get(key) is future:
                del self._pending[key]
            if self._generations.get(target_key, 0) == generation:
                self._values[key] = value
        future.set_result(value)
        return value

    def invalidate(self, target_key: Hashable) -> None:
        """Drop every list of a target. Loads in flight finish without storing their results."""
        with self._condition:
            self._generations[target_key] = self._generations.get(target_key, 0) + 1
            for store in (self._values, self._pending):
                for key in [key for key in store if key[0] == target_key]:
                    del store[key]
            self._fleet_details.pop(target_key, None)
            self._condition.notify_all()
        log.debug("Dropped the cached lists of %s", target_key)

    # Fleet details -----------------------------------------------------------------------

    def generation(self, target_key: Hashable) -> int:
        with self._condition:
            return self._generations.get(target_key, 0)

    def add_fleets(self, target_key: Hashable, generation: int, fleets: Iterable[Fleet], *, page_read: bool = False) -> None:
        """Store fleet records, unless the target was invalidated after `generation` was read."""
        with self._condition:
            if self._generations.get(target_key, 0) != generation:
                return
            details = self._fleet_details.setdefault(target_key, _FleetDetails())
            for fleet in fleets:
                details.fleets[fleet.name] = fleet
            if page_read:
                details.pages_read += 1
                details.page_started = time.monotonic()
            self._condition.notify_all()

    def mark_fleet_prefetch(self, target_key: Hashable, generation: int, *, running: bool, complete: bool = False) -> None:
        """Record that the all-fleets prefetch of a target started (`running`) or stopped."""
        with self._condition:
            if self._generations.get(target_key, 0) != generation:
                return
            details = self._fleet_details.setdefault(target_key, _FleetDetails())
            details.page_started = time.monotonic() if running else None
            details.complete = details.complete or complete
            self._condition.notify_all()

    def known_fleets(self, target_key: Hashable, names: Iterable[str]) -> dict[str, Fleet]:
        """Return the stored records of those named fleets that are known, without waiting for a load."""
        with self._condition:
            details = self._fleet_details.get(target_key)
            if details is None:
                return {}
            return {name: details.fleets[name] for name in names if name in details.fleets}

    def all_fleets_complete(self, target_key: Hashable) -> bool:
        with self._condition:
            details = self._fleet_details.get(target_key)
            return details is not None and details.complete

    def wait_for_fleets(self, target_key: Hashable, names: list[str], requested_at: float, timeout: float) -> dict[str, Fleet]:
        """Wait up to `timeout` seconds for the named fleets while a prefetch page is in flight.

        Waiting only makes sense for a page whose request started before `requested_at` (the
        start of the caller's own request), because that page should arrive about as soon as
        the caller's response did. Returns the records known when the wait ends.
        """
        deadline = time.monotonic() + timeout
        with self._condition:
            while True:
                details = self._fleet_details.get(target_key)
                if details is None:
                    return {}
                known = {name: details.fleets[name] for name in names if name in details.fleets}
                waiting_for_page = details.page_started is not None and details.page_started <= requested_at
                remaining = deadline - time.monotonic()
                if len(known) == len(names) or not waiting_for_page or remaining <= 0:
                    return known
                self._condition.wait(remaining)


class CachedListings:
    """The listings of one target, read through a ListingCache. Methods that send requests raise AppStreamError."""

    def __init__(self, api: AppStreamAPI, cache: ListingCache) -> None:
        self.api = api
        self.cache = cache
        self.target_key = api.target.cache_key

    # No requests and no waiting, for the GUI thread ---------------------------------------

    def cached_stacks(self) -> list[Stack] | None:
        return self.cache.peek((self.target_key, _STACKS))

    def cached_fleet_names(self, stack_name: str) -> list[str] | None:
        return self.cache.peek((self.target_key, _FLEET_NAMES, stack_name))

    def cached_fleets(self, stack_name: str) -> list[Fleet] | None:
        """Return the stack's fleets when its fleet names and every fleet's details are stored."""
        names = self.cached_fleet_names(stack_name)
        if names is None:
            return None
        known = self.cache.known_fleets(self.target_key, names)
        if len(known) < len(names):
            return None
        return [known[name] for name in names]

    def known_fleets(self, names: Iterable[str]) -> dict[str, Fleet]:
        """Return the stored records of those named fleets that are known, without a request."""
        return self.cache.known_fleets(self.target_key, names)

    def cached_fleet(self, fleet_name: str) -> Fleet | None:
        return self.cache.known_fleets(self.target_key, [fleet_name]).get(fleet_name)

    def cached_applications(self, fleet: Fleet) -> list[Application] | None:
        found = self.cache.peek(self._applications_key(fleet))
        return None if found is None else listing.launchable_applications(fleet, found)

    def applications_loaded_or_pending(self, fleet: Fleet) -> bool:
        return self.cache.is_loaded_or_pending(self._applications_key(fleet))

    def all_fleets_complete(self) -> bool:
        return self.cache.all_fleets_complete(self.target_key)

    # Requests, for worker threads ---------------------------------------------------------

    def stacks(self, on_page: Callable[[list[Stack]], None] | None = None) -> list[Stack]:
        """Return every stack, sorted by name (one DescribeStacks call per page on a cache miss).

        On a cache miss, `on_page` receives each page but the last as it arrives.
        """
        return list(self.cache.load((self.target_key, _STACKS), lambda: self.api.list_stacks(on_page)))

    def fleet_names(self, stack_name: str) -> list[str]:
        loader = lambda: self.api.list_fleet_names(stack_name)  # noqa: E731
        return list(self.cache.load((self.target_key, _FLEET_NAMES, stack_name), loader))

    def fleets(self, stack_name: str, requested_at: float | None = None) -> list[Fleet]:
        """Return the stack's fleets with state and capacity.

        The names come from ListAssociatedFleets. Details the all-fleets prefetch has stored
        are used as they are, and only the fleets it has not read yet are described.
        `requested_at` is the `time.monotonic()` at which the caller requested the names, when
        that was before this call.
        """
        if requested_at is None:
            requested_at = time.monotonic()
        names = self.fleet_names(stack_name)
        if not names:
            return []
        generation = self.cache.generation(self.target_key)
        known = self.cache.known_fleets(self.target_key, names)
        if len(known) < len(names):
            grace = time.monotonic() - requested_at + PREFETCH_PAGE_GRACE_SECONDS
            known = self.cache.wait_for_fleets(self.target_key, names, requested_at, grace)
        missing = [name for name in names if name not in known]
        if missing:
            described = self.api.describe_fleets(missing)
            self.cache.add_fleets(self.target_key, generation, described)
            known.update((fleet.name, fleet) for fleet in described)
        return [known[name] for name in names if name in known]

    def prefetch_all_fleets(self) -> int:
        """Read every fleet of the target into the cache (DescribeFleets, all pages) and return the count.

        After a completed prefetch this sends no request. While another one runs, it waits for that one.
        """
        return len(self.cache.load((self.target_key, _ALL_FLEETS), self._read_all_fleets))

    def _read_all_fleets(self) -> list[Fleet]:
        generation = self.cache.generation(self.target_key)
        self.cache.mark_fleet_prefetch(self.target_key, generation, running=True)
        try:
            fleets = self.api.list_all_fleets(
                lambda page: self.cache.add_fleets(self.target_key, generation, page, page_read=True)
            )
        except BaseException:
            self.cache.mark_fleet_prefetch(self.target_key, generation, running=False)
            raise
        self.cache.mark_fleet_prefetch(self.target_key, generation, running=False, complete=True)
        log.debug("Prefetched %d fleets of %s", len(fleets), self.target_key)
        return fleets

    def applications(self, fleet: Fleet) -> list[Application]:
        """Return the applications a user of the fleet can launch (see `listing.list_applications`)."""
        found = self.cache.load(self._applications_key(fleet), lambda: self.api.fetch_applications(fleet))
        return listing.launchable_applications(fleet, found)

    def _applications_key(self, fleet: Fleet) -> tuple:
        return (self.target_key, _APPLICATIONS, listing.application_source(fleet))
