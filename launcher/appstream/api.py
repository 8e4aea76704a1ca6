"""The AppStream operations the launcher needs, bound to one target, with errors translated.

This is what the window, the command line and the tests call. Every method raises
`AppStreamError` (or its subclass `ValidationError`) and nothing else for expected failures.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timezone
from urllib.parse import urlsplit

from launcher.appstream import listing, streaming
from launcher.appstream.models import Application, Fleet, Stack, StreamingRequest, StreamingURL
from launcher.appstream.target_calls import TargetCalls
from launcher.appstream.validation import validate_resource_name, validate_streaming_request

log = logging.getLogger(__name__)


def redact_url(url: str) -> str:
    """Return the URL without its query string, which carries the streaming token."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}" + ("?…" if parts.query else "")


class AppStreamAPI(TargetCalls):
    """The listing and CreateStreamingURL calls for one (credential source, region, endpoint)."""

    def list_stacks(self, on_page: Callable[[list[Stack]], None] | None = None) -> list[Stack]:
        """Return every stack, sorted by name, passing each page but the last to `on_page` as it arrives."""
        return self._call("DescribeStacks", lambda client: listing.list_stacks(client, on_page))

    def list_fleets(self, stack_name: str) -> list[Fleet]:
        validate_resource_name("stack", stack_name)
        return self._call("ListAssociatedFleets", lambda client: listing.list_fleets(client, stack_name), stack=stack_name)

    def list_fleet_names(self, stack_name: str) -> list[str]:
        """Return the names of the stack's fleets (ListAssociatedFleets, all pages), sorted."""
        validate_resource_name("stack", stack_name)
        return self._call("ListAssociatedFleets", lambda client: listing.list_fleet_names(client, stack_name), stack=stack_name)

    def describe_fleets(self, fleet_names: list[str]) -> list[Fleet]:
        """Return the named fleets with state and capacity (DescribeFleets), in the order given."""
        for name in fleet_names:
            validate_resource_name("fleet", name)
        return self._call(
            "DescribeFleets", lambda client: listing.describe_fleets(client, fleet_names), fleet=", ".join(fleet_names)
        )

    def list_all_fleets(self, on_page: Callable[[list[Fleet]], None] | None = None) -> list[Fleet]:
        """Return every fleet of the region (DescribeFleets, all pages), passing each page to `on_page` as it arrives."""
        return self._call("DescribeFleets", lambda client: listing.describe_all_fleets(client, on_page))

    def describe_fleet(self, fleet_name: str) -> Fleet | None:
        validate_resource_name("fleet", fleet_name)
        fleets = self._call("DescribeFleets", lambda client: listing.describe_fleets(client, [fleet_name]), fleet=fleet_name)
        return fleets[0] if fleets else None

    def list_applications(self, fleet: Fleet) -> list[Application]:
        operation = "DescribeApplicationFleetAssociations" if fleet.is_elastic else "DescribeImages"
        return self._call(operation, lambda client: listing.list_applications(client, fleet), fleet=fleet.name)

    def fetch_applications(self, fleet: Fleet) -> list[Application]:
        """Return every application of the fleet's image or Elastic associations, disabled ones included.

        `listing.launchable_applications` turns the result into what `list_applications` returns.
        """
        operation = "DescribeApplicationFleetAssociations" if fleet.is_elastic else "DescribeImages"
        return self._call(operation, lambda client: listing.fetch_applications(client, fleet), fleet=fleet.name)

    def create_streaming_url(self, request: StreamingRequest, *, allow_direct: bool = False) -> StreamingURL:
        """Call CreateStreamingURL.

        With `allow_direct`, a target whose credentials are plain keys is served without botocore
        (see `launcher.appstream.direct`), which saves a one-shot command most of its run time.
        """
        request = validate_streaming_request(request)
        call = None
        if allow_direct:
            from launcher.appstream import direct

            call = direct.plan_direct_call(self.target)
        if call is not None:
            log.debug("Sending CreateStreamingURL without botocore to %s", call.endpoint_url)
            result = direct.create_streaming_url(call, request)
        else:
            result = self._call(
                "CreateStreamingURL",
                lambda client: streaming.create_streaming_url(client, request),
                stack=request.stack_name,
                fleet=request.fleet_name,
                application=request.application_id or "",
            )
        log.info(
            "Created streaming URL %s for user %s on %s/%s, expires %s",
            redact_url(result.url),
            request.user_id,
            request.stack_name,
            request.fleet_name,
            result.expires.astimezone(timezone.utc).isoformat(),
        )
        return result
