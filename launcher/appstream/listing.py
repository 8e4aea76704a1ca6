"""List stacks, the fleets of a stack and the applications of a fleet.

Each function takes a botocore AppStream client and returns typed records. Errors propagate as
botocore exceptions; `launcher.appstream.api` translates them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from launcher.appstream.errors import AppStreamError, ErrorKind
from launcher.appstream.models import DESKTOP_APPLICATION, STREAM_VIEW_DESKTOP, Application, Fleet, Stack
from launcher.appstream.parse import application_from_api, fleet_from_api, stack_from_api

log = logging.getLogger(__name__)

# DescribeApplicationFleetAssociations and DescribeApplications take MaxResults; 50 keeps pages small.
MAX_RESULTS = 50
# Names per DescribeFleets call: the API reference sets no maximum, so batches keep each request modest.
DESCRIBE_FLEETS_BATCH = 50
# Guards against an endpoint that returns the same NextToken forever.
MAX_PAGES = 1000


def _page_responses(call, **params: Any) -> Iterator[dict[str, Any]]:
    """Yield every response of a NextToken-paged operation that botocore has no paginator for."""
    token = None
    for _ in range(MAX_PAGES):
        request = dict(params)
        if token:
            request["NextToken"] = token
        response = call(**request)
        yield response
        next_token = response.get("NextToken")
        if not next_token:
            return
        if next_token == token:
            raise AppStreamError("The endpoint returned the same NextToken twice; the listing stopped.", ErrorKind.INVALID_RESPONSE)
        token = next_token
    raise AppStreamError(f"The listing passed {MAX_PAGES} pages and stopped.", ErrorKind.INVALID_RESPONSE)


def _pages(call, result_key: str, **params: Any) -> Iterator[Any]:
    """Yield every item of a NextToken-paged operation that botocore has no paginator for."""
    for response in _page_responses(call, **params):
        yield from _page_items(response, result_key)


def _page_items(response: dict[str, Any], result_key: str) -> list[Any]:
    """Return the list member of one page; raise AppStreamError when the page lacks it."""
    # AppStream sends the list member even when it is empty, so a page without it is a broken
    # response, not an empty listing.
    if result_key not in response:
        raise AppStreamError(
            f"The endpoint returned a page without {result_key}. Check the endpoint URL; "
            "try again if it is a temporary fault.",
            ErrorKind.INVALID_RESPONSE,
        )
    return list(response.get(result_key) or ())


def list_stacks(client, on_page: Callable[[list[Stack]], None] | None = None) -> list[Stack]:
    """Return every stack (DescribeStacks, all pages), sorted by name.

    `on_page` is called with the stacks of each page but the last as it arrives, so a caller
    can show them while the later pages load.
    """
    stacks: list[Stack] = []
    for response in _page_responses(client.describe_stacks):
        page = [stack_from_api(item) for item in _page_items(response, "Stacks")]
        stacks.extend(page)
        if on_page is not None and response.get("NextToken"):
            on_page(page)
    return sorted(stacks, key=lambda stack: stack.name.lower())


def list_fleet_names(client, stack_name: str) -> list[str]:
    """Return the names of the fleets associated with a stack (ListAssociatedFleets, all pages)."""
    return sorted(set(_pages(client.list_associated_fleets, "Names", StackName=stack_name)), key=str.lower)


def describe_fleets(client, names: list[str]) -> list[Fleet]:
    """Return the named fleets (DescribeFleets), in the order of `names`."""
    found: dict[str, Fleet] = {}
    for start in range(0, len(names), DESCRIBE_FLEETS_BATCH):
        batch = names[start : start + DESCRIBE_FLEETS_BATCH]
        for item in _pages(client.describe_fleets, "Fleets", Names=batch):
            fleet = fleet_from_api(item)
            found[fleet.name] = fleet
    return [found[name] for name in names if name in found]


def list_fleets(client, stack_name: str) -> list[Fleet]:
    """Return the fleets of a stack with their state and capacity."""
    names = list_fleet_names(client, stack_name)
    if not names:
        return []
    return describe_fleets(client, names)


def describe_all_fleets(client, on_page: Callable[[list[Fleet]], None] | None = None) -> list[Fleet]:
    """Return every fleet of the account and region (DescribeFleets without names, all pages).

    `on_page` is called with the fleets of each page as it arrives, so a caller can use the
    first pages while the later ones load.
    """
    fleets: list[Fleet] = []
    for response in _page_responses(client.describe_fleets):
        page = [fleet_from_api(item) for item in response.get("Fleets") or ()]
        fleets.extend(page)
        if on_page is not None:
            on_page(page)
    return fleets


def application_source(fleet: Fleet) -> tuple[str, str]:
    """Return where the applications of a fleet come from, as a hashable cache key.

    Image-based fleets that run the same image share their key, so the image is described once.
    """
    if fleet.is_elastic:
        return ("elastic-fleet", fleet.name)
    if fleet.image_arn:
        return ("image-arn", fleet.image_arn)
    if fleet.image_name:
        return ("image-name", fleet.image_name)
    return ("fleet-without-image", fleet.name)


def _image_applications(client, fleet: Fleet) -> list[Application]:
    if fleet.image_arn:
        response = client.describe_images(Arns=[fleet.image_arn])
    elif fleet.image_name:
        response = client.describe_images(Names=[fleet.image_name])
    else:
        raise AppStreamError(
            f"Fleet '{fleet.name}' has no image, so its applications cannot be listed.", ErrorKind.INVALID_RESPONSE
        )
    if "Images" not in response:
        raise AppStreamError(
            f"The endpoint returned a DescribeImages response without Images for fleet '{fleet.name}'. "
            "Check the endpoint URL; try again if it is a temporary fault.",
            ErrorKind.INVALID_RESPONSE,
        )
    images = response["Images"] or []
    if not images:
        image = fleet.image_arn or fleet.image_name
        raise AppStreamError(
            f"Image '{image}' of fleet '{fleet.name}' was not found. The image may have been deleted or not shared with this account.",
            ErrorKind.NOT_FOUND,
        )
    return [application_from_api(item) for item in images[0].get("Applications") or ()]


def _elastic_applications(client, fleet: Fleet) -> list[Application]:
    associations = _pages(
        client.describe_application_fleet_associations,
        "ApplicationFleetAssociations",
        FleetName=fleet.name,
        MaxResults=MAX_RESULTS,
    )
    arns = sorted({item["ApplicationArn"] for item in associations if item.get("ApplicationArn")})
    applications: list[Application] = []
    for start in range(0, len(arns), MAX_RESULTS):
        batch = arns[start : start + MAX_RESULTS]
        items = _pages(client.describe_applications, "Applications", Arns=batch, MaxResults=MAX_RESULTS)
        applications.extend(application_from_api(item) for item in items)
    return applications


def fetch_applications(client, fleet: Fleet) -> list[Application]:
    """Return every application of the fleet's source, disabled ones included, in API order.

    The source is the fleet's image (DescribeImages) or, for an Elastic fleet, its application
    associations (DescribeApplicationFleetAssociations, then DescribeApplications).
    """
    return _elastic_applications(client, fleet) if fleet.is_elastic else _image_applications(client, fleet)


def launchable_applications(fleet: Fleet, found: Iterable[Application]) -> list[Application]:
    """Return the enabled applications of `found`, sorted by label, with Desktop first for a DESKTOP fleet."""
    enabled = sorted((app for app in found if app.enabled), key=lambda app: app.label.lower())
    if fleet.stream_view == STREAM_VIEW_DESKTOP:
        return [DESKTOP_APPLICATION, *enabled]
    return enabled


def list_applications(client, fleet: Fleet) -> list[Application]:
    """Return the enabled applications a user of the fleet can launch.

    Image-based fleets take them from the fleet's image; Elastic fleets from their application
    associations. A Desktop entry comes first exactly when the fleet's StreamView is DESKTOP.
    """
    return launchable_applications(fleet, fetch_applications(client, fleet))
