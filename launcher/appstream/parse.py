"""Build the typed records from AppStream API response dictionaries."""

from __future__ import annotations

from typing import Any

from launcher.appstream.errors import AppStreamError, ErrorKind
from launcher.appstream.models import AccessEndpoint, Application, Fleet, FleetCapacity, Stack


def _required(item: dict[str, Any], key: str, description: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value:
        raise AppStreamError(
            f"The endpoint returned {description} without {key}. Check the endpoint URL; a real AppStream endpoint always sends it.",
            ErrorKind.INVALID_RESPONSE,
        )
    return value


def stack_from_api(item: dict[str, Any]) -> Stack:
    endpoints = tuple(
        AccessEndpoint(endpoint_type=entry.get("EndpointType", ""), vpce_id=entry.get("VpceId"))
        for entry in item.get("AccessEndpoints") or ()
    )
    return Stack(
        name=_required(item, "Name", "a stack"),
        display_name=item.get("DisplayName") or "",
        description=item.get("Description") or "",
        arn=item.get("Arn") or "",
        access_endpoints=endpoints,
    )


def fleet_from_api(item: dict[str, Any]) -> Fleet:
    status = item.get("ComputeCapacityStatus")
    capacity = None
    if isinstance(status, dict):
        capacity = FleetCapacity(
            desired=int(status.get("Desired") or 0),
            running=int(status.get("Running") or 0),
            in_use=int(status.get("InUse") or 0),
            available=int(status.get("Available") or 0),
        )
    return Fleet(
        name=_required(item, "Name", "a fleet"),
        state=item.get("State") or "UNKNOWN",
        fleet_type=item.get("FleetType") or "ON_DEMAND",
        stream_view=item.get("StreamView") or "APP",
        display_name=item.get("DisplayName") or "",
        image_name=item.get("ImageName") or "",
        image_arn=item.get("ImageArn") or "",
        instance_type=item.get("InstanceType") or "",
        platform=item.get("Platform") or "",
        capacity=capacity,
    )


def application_from_api(item: dict[str, Any]) -> Application:
    return Application(
        name=_required(item, "Name", "an application"),
        display_name=item.get("DisplayName") or "",
        enabled=item.get("Enabled", True) is not False,
    )
