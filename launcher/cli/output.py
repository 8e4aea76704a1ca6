"""Text and JSON output of the command line."""

from __future__ import annotations

import json
from typing import Any

from launcher.appstream.models import Application, Fleet, Stack, StreamingURL


def stack_record(stack: Stack) -> dict[str, Any]:
    return {
        "Name": stack.name,
        "DisplayName": stack.display_name,
        "Description": stack.description,
        "AccessEndpoints": [{"EndpointType": e.endpoint_type, "VpceId": e.vpce_id} for e in stack.access_endpoints],
    }


def fleet_record(fleet: Fleet) -> dict[str, Any]:
    record: dict[str, Any] = {
        "Name": fleet.name,
        "DisplayName": fleet.display_name,
        "State": fleet.state,
        "FleetType": fleet.fleet_type,
        "StreamView": fleet.stream_view,
        "ImageName": fleet.image_name,
        "InstanceType": fleet.instance_type,
    }
    if fleet.capacity is not None:
        record["ComputeCapacityStatus"] = {
            "Desired": fleet.capacity.desired,
            "Running": fleet.capacity.running,
            "InUse": fleet.capacity.in_use,
            "Available": fleet.capacity.available,
        }
    return record


def application_record(application: Application) -> dict[str, Any]:
    return {"Name": application.name, "DisplayName": application.display_name or application.name}


def _table(rows: list[list[str]]) -> str:
    return "\n".join("\t".join(cell if cell else "-" for cell in row) for row in rows)


def format_stacks(stacks: list[Stack], output: str) -> str:
    if output == "json":
        return json.dumps([stack_record(stack) for stack in stacks], indent=2)
    return _table([[stack.name, stack.display_name] for stack in stacks])


def format_fleets(fleets: list[Fleet], output: str) -> str:
    if output == "json":
        return json.dumps([fleet_record(fleet) for fleet in fleets], indent=2)
    rows = []
    for fleet in fleets:
        available = str(fleet.capacity.available) if fleet.capacity else ""
        rows.append([fleet.name, fleet.state, fleet.fleet_type, fleet.stream_view, available])
    return _table(rows)


def format_applications(applications: list[Application], output: str) -> str:
    if output == "json":
        return json.dumps([application_record(app) for app in applications], indent=2)
    return _table([[app.name, app.display_name or app.name] for app in applications])


def format_streaming_url(result: StreamingURL, output: str) -> str:
    if output == "json":
        return json.dumps(result.to_json(), indent=2)
    return result.url
