"""Fleet readiness and starting a fleet: StartFleet, then DescribeFleets until it is RUNNING.

The functions take a botocore AppStream client and raise botocore errors. `FleetControl` binds
them to a target and raises AppStreamError. Polling is left to the caller (the window polls on
a timer), so nothing here sleeps.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from typing import Any

from launcher.appstream.errors import AppStreamError, ErrorKind
from launcher.appstream.models import Fleet
from launcher.appstream.parse import fleet_from_api
from launcher.appstream.target_calls import TargetCalls
from launcher.appstream.validation import validate_resource_name

log = logging.getLogger(__name__)

FLEET_STATE_STOPPED = "STOPPED"
FLEET_STATE_STARTING = "STARTING"
FLEET_STATE_STOPPING = "STOPPING"

FLEET_TYPE_NAMES = {"ALWAYS_ON": "Always-On", "ON_DEMAND": "On-Demand", "ELASTIC": "Elastic"}


class ReadinessLevel(enum.Enum):
    """The readiness of a fleet to start a session. The window picks a colour from it."""

    READY = "ready"
    LIMITED = "limited"
    CHANGING = "changing"
    NOT_READY = "not ready"


@dataclass(frozen=True)
class Readiness:
    """One line about a fleet's state and capacity, and whether StartFleet makes sense now."""

    text: str
    level: ReadinessLevel
    can_start: bool = False


@dataclass(frozen=True)
class FleetStatus:
    """A fleet as DescribeFleets returns it now, with the messages of its FleetErrors."""

    fleet: Fleet
    errors: tuple[str, ...] = ()


def fleet_type_name(fleet: Fleet) -> str:
    return FLEET_TYPE_NAMES.get(fleet.fleet_type, fleet.fleet_type)


def _running_readiness(fleet: Fleet) -> Readiness:
    kind = fleet_type_name(fleet)
    if fleet.is_elastic:
        return Readiness(f"Running ({kind}): AppStream starts an instance for each session.", ReadinessLevel.READY)
    capacity = fleet.capacity
    if capacity is None:
        return Readiness(f"Running ({kind}).", ReadinessLevel.READY)
    if capacity.desired == 0:
        return Readiness(
            f"Running ({kind}) with a desired capacity of 0 instances, so no session can start.",
            ReadinessLevel.LIMITED,
        )
    if capacity.available == 0:
        return Readiness(
            f"Running ({kind}), but none of its {capacity.desired} instances is available "
            f"({capacity.in_use} in use). A new session may fail until an instance is free.",
            ReadinessLevel.LIMITED,
        )
    text = f"Running ({kind}): {capacity.available} of {capacity.desired} instances available, {capacity.in_use} in use."
    if fleet.fleet_type == "ON_DEMAND":
        text += " Each session waits while its instance starts."
    return Readiness(text, ReadinessLevel.READY)


def fleet_readiness(fleet: Fleet) -> Readiness:
    """Describe the fleet's state and capacity for the line below the fleet dropdown."""
    if fleet.is_running:
        return _running_readiness(fleet)
    kind = fleet_type_name(fleet)
    if fleet.state == FLEET_STATE_STOPPED:
        return Readiness(
            f"Stopped ({kind}): no instances run, so no session can start.", ReadinessLevel.NOT_READY, can_start=True
        )
    if fleet.state == FLEET_STATE_STARTING:
        return Readiness(f"Starting ({kind}): AppStream is provisioning the instances.", ReadinessLevel.CHANGING)
    if fleet.state == FLEET_STATE_STOPPING:
        return Readiness(f"Stopping ({kind}).", ReadinessLevel.CHANGING)
    return Readiness(f"{fleet.state} ({kind}).", ReadinessLevel.NOT_READY)


def _fleet_errors(item: dict[str, Any]) -> tuple[str, ...]:
    messages = []
    for entry in item.get("FleetErrors") or ():
        if not isinstance(entry, dict):
            continue
        code = entry.get("ErrorCode") or ""
        message = entry.get("ErrorMessage") or ""
        messages.append(f"{code}: {message}" if code and message else code or message)
    return tuple(message for message in messages if message)


def describe_fleet_status(client, fleet_name: str) -> FleetStatus:
    """Return the fleet's current state, capacity and errors (one DescribeFleets call)."""
    response = client.describe_fleets(Names=[fleet_name])
    for item in response.get("Fleets") or ():
        if isinstance(item, dict) and item.get("Name") == fleet_name:
            return FleetStatus(fleet_from_api(item), _fleet_errors(item))
    raise AppStreamError(f"Fleet '{fleet_name}' was not found. It may have been deleted.", ErrorKind.NOT_FOUND)


def start_fleet(client, fleet_name: str) -> None:
    """Call StartFleet once. The fleet is STARTING afterwards and RUNNING when its instances are up."""
    client.start_fleet(Name=fleet_name)


class FleetControl(TargetCalls):
    """StartFleet and DescribeFleets for one target, raising AppStreamError."""

    def fleet_status(self, fleet_name: str) -> FleetStatus:
        validate_resource_name("fleet", fleet_name)
        return self._call("DescribeFleets", lambda client: describe_fleet_status(client, fleet_name), fleet=fleet_name)

    def start_fleet(self, fleet_name: str) -> None:
        validate_resource_name("fleet", fleet_name)
        self._call("StartFleet", lambda client: start_fleet(client, fleet_name), fleet=fleet_name)
        log.info("Started fleet %s in %s for %s", fleet_name, self.target.region, self.target.source.key)
