"""Load and validate emulator scenarios: the stacks, fleets, images and applications it serves.

A scenario is a JSON object. Resources use the member names of the AppStream
API (``Name``, ``DisplayName``, ``FleetType`` ...) so that a scenario reads
like DescribeStacks or DescribeFleets output. The extra members are:

* ``Stacks[].Fleets``: names of the fleets associated with the stack.
* ``Fleets[].ComputeCapacity.DesiredInstances`` (image-based fleets) and
  ``Fleets[].MaxConcurrentSessions`` (Elastic fleets), as in CreateFleet.
* ``Fleets[].State``: ``RUNNING`` or ``STOPPED`` at start.
* ``Sessions``: streaming sessions that exist at start.
* ``Roles``: IAM roles with conditions that STS AssumeRole enforces.

Times are ISO 8601 strings (``2024-06-10T08:00:00Z``) or epoch seconds.
The sample data in ``sample_scenario.json`` is the reference example.
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Any, NoReturn

from launcher.emulator.errors import ScenarioError

logger = logging.getLogger(__name__)

DEFAULT_ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "us-east-1"
DEFAULT_USER_NAME = "demo"

# Pattern of stack and fleet names in the AppStream API model.
RESOURCE_NAME_PATTERN = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]{0,100}")
USER_ID_PATTERN = re.compile(r"[\w+=,.@-]*", re.ASCII)
ACCOUNT_ID_PATTERN = re.compile(r"\d{12}")
ROLE_ARN_PATTERN = re.compile(r"arn:aws:iam::(\d{12}):role/(?:[\w+=,.@-]+/)*([\w+=,.@-]{1,64})", re.ASCII)

FLEET_TYPES = ("ALWAYS_ON", "ON_DEMAND", "ELASTIC")
STREAM_VIEWS = ("APP", "DESKTOP")
SCENARIO_FLEET_STATES = ("RUNNING", "STOPPED")
SCENARIO_SESSION_STATES = ("ACTIVE", "PENDING")
AUTHENTICATION_TYPES = ("API", "SAML", "USERPOOL", "AWS_AD")
IMAGE_STATES = ("PENDING", "AVAILABLE", "FAILED", "COPYING", "DELETING", "CREATING", "IMPORTING", "VALIDATING")
VISIBILITY_TYPES = ("PUBLIC", "PRIVATE", "SHARED")
PLATFORMS = (
    "WINDOWS",
    "WINDOWS_SERVER_2016",
    "WINDOWS_SERVER_2019",
    "WINDOWS_SERVER_2022",
    "WINDOWS_SERVER_2025",
    "WINDOWS_11",
    "AMAZON_LINUX2",
    "RHEL8",
    "ROCKY_LINUX8",
    "UBUNTU_PRO_2404",
)

# Member specifications: member name -> kind, where a tuple kind is an enum.
_STR, _INT, _BOOL, _TIME, _LIST, _DICT, _STRLIST = "string", "integer", "boolean", "time", "list", "object", "string list"

_TOP_LEVEL_MEMBERS = {
    "Description": _STR,
    "AccountId": _STR,
    "Region": _STR,
    "UserName": _STR,
    "Images": _LIST,
    "Applications": _LIST,
    "Fleets": _LIST,
    "Stacks": _LIST,
    "ApplicationFleetAssociations": _LIST,
    "Sessions": _LIST,
    "Roles": _LIST,
}
_STACK_MEMBERS = {
    "Name": _STR,
    "Arn": _STR,
    "DisplayName": _STR,
    "Description": _STR,
    "CreatedTime": _TIME,
    "StorageConnectors": _LIST,
    "RedirectURL": _STR,
    "FeedbackURL": _STR,
    "UserSettings": _LIST,
    "ApplicationSettings": _DICT,
    "AccessEndpoints": _LIST,
    "EmbedHostDomains": _STRLIST,
    "StreamingExperienceSettings": _DICT,
    "Fleets": _STRLIST,
}
_FLEET_MEMBERS = {
    "Name": _STR,
    "Arn": _STR,
    "DisplayName": _STR,
    "Description": _STR,
    "ImageName": _STR,
    "InstanceType": _STR,
    "FleetType": FLEET_TYPES,
    "StreamView": STREAM_VIEWS,
    "State": SCENARIO_FLEET_STATES,
    "ComputeCapacity": _DICT,
    "MaxConcurrentSessions": _INT,
    "Platform": PLATFORMS,
    "MaxUserDurationInSeconds": _INT,
    "DisconnectTimeoutInSeconds": _INT,
    "IdleDisconnectTimeoutInSeconds": _INT,
    "EnableDefaultInternetAccess": _BOOL,
    "VpcConfig": _DICT,
    "DomainJoinInfo": _DICT,
    "IamRoleArn": _STR,
    "CreatedTime": _TIME,
    "FleetErrors": _LIST,
    "MaxSessionsPerInstance": _INT,
}
_IMAGE_MEMBERS = {
    "Name": _STR,
    "Arn": _STR,
    "BaseImageArn": _STR,
    "DisplayName": _STR,
    "Description": _STR,
    "State": IMAGE_STATES,
    "Visibility": VISIBILITY_TYPES,
    "ImageBuilderSupported": _BOOL,
    "ImageBuilderName": _STR,
    "Platform": PLATFORMS,
    "Applications": _LIST,
    "CreatedTime": _TIME,
    "PublicBaseImageReleasedDate": _TIME,
    "AppstreamAgentVersion": _STR,
    "SupportedInstanceFamilies": _STRLIST,
}
_APPLICATION_MEMBERS = {
    "Name": _STR,
    "Arn": _STR,
    "DisplayName": _STR,
    "Description": _STR,
    "IconURL": _STR,
    "IconS3Location": _DICT,
    "LaunchPath": _STR,
    "LaunchParameters": _STR,
    "WorkingDirectory": _STR,
    "Enabled": _BOOL,
    "Metadata": _DICT,
    "AppBlockArn": _STR,
    "Platforms": _STRLIST,
    "InstanceFamilies": _STRLIST,
    "CreatedTime": _TIME,
}
_ASSOCIATION_MEMBERS = {"FleetName": _STR, "ApplicationArn": _STR}
_SESSION_MEMBERS = {
    "Id": _STR,
    "UserId": _STR,
    "StackName": _STR,
    "FleetName": _STR,
    "State": SCENARIO_SESSION_STATES,
    "AuthenticationType": AUTHENTICATION_TYPES,
    "StartTime": _TIME,
}
_ROLE_MEMBERS = {"Arn": _STR, "ExternalId": _STR, "MfaRequired": _BOOL, "Description": _STR}


@dataclass
class ImageSpec:
    name: str
    arn: str
    output: dict[str, Any]


@dataclass
class ApplicationSpec:
    name: str
    arn: str
    output: dict[str, Any]


@dataclass
class FleetSpec:
    name: str
    arn: str
    fleet_type: str
    stream_view: str
    state: str
    capacity: int
    image_name: str | None
    max_user_duration_seconds: int
    output: dict[str, Any]


@dataclass
class StackSpec:
    name: str
    arn: str
    fleet_names: list[str]
    output: dict[str, Any]


@dataclass
class SessionSpec:
    session_id: str | None
    user_id: str
    stack_name: str
    fleet_name: str
    state: str
    authentication_type: str
    start_time: float | None


@dataclass
class RoleSpec:
    arn: str
    external_id: str | None
    mfa_required: bool


@dataclass
class Scenario:
    """A validated scenario, in the order the file lists each resource."""

    source: str
    account_id: str = DEFAULT_ACCOUNT_ID
    region: str = DEFAULT_REGION
    user_name: str = DEFAULT_USER_NAME
    images: list[ImageSpec] = field(default_factory=list)
    applications: list[ApplicationSpec] = field(default_factory=list)
    fleets: list[FleetSpec] = field(default_factory=list)
    stacks: list[StackSpec] = field(default_factory=list)
    application_fleet_associations: list[tuple[str, str]] = field(default_factory=list)
    sessions: list[SessionSpec] = field(default_factory=list)
    roles: list[RoleSpec] = field(default_factory=list)

    @property
    def user_arn(self) -> str:
        return f"arn:aws:iam::{self.account_id}:user/{self.user_name}"


def load_scenario(scenario: str | Path | dict[str, Any] | None) -> Scenario:
    """Load a scenario from a file path, a dict, or the packaged sample data when None.

    Raises ScenarioError naming the file, the member and the problem, and
    TypeError for any other type of argument.
    """
    if scenario is None:
        text = resources.files("launcher.emulator").joinpath("sample_scenario.json").read_text(encoding="utf-8")
        return parse_scenario(json.loads(text), source="sample_scenario.json")
    if isinstance(scenario, dict):
        return parse_scenario(scenario, source="scenario dict")

    if not isinstance(scenario, (str, os.PathLike)):
        raise TypeError(f"scenario must be a file path, a dict or None, not {type(scenario).__name__}")
    path = Path(scenario)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ScenarioError(f"Cannot read scenario file {path}: {error.strerror or error}") from error
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ScenarioError(
            f"Scenario file {path} is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}"
        ) from error
    return parse_scenario(data, source=str(path))


def parse_scenario(data: Any, *, source: str) -> Scenario:
    """Validate parsed scenario JSON and build a Scenario from it."""
    checker = _Checker(source)
    checker.check_members(data, _TOP_LEVEL_MEMBERS, required=("Stacks", "Fleets"), path="scenario")

    scenario = Scenario(source=source)
    scenario.account_id = data.get("AccountId", DEFAULT_ACCOUNT_ID)
    if not ACCOUNT_ID_PATTERN.fullmatch(scenario.account_id):
        checker.fail("AccountId", f"must be 12 digits, not {scenario.account_id!r}")
    scenario.region = data.get("Region", DEFAULT_REGION)
    scenario.user_name = data.get("UserName", DEFAULT_USER_NAME)

    scenario.images = [_parse_image(checker, scenario, item, f"Images[{i}]") for i, item in enumerate(data.get("Images", []))]
    scenario.applications = [
        _parse_application(checker, scenario, item, f"Applications[{i}]", arn_kind="application")
        for i, item in enumerate(data.get("Applications", []))
    ]
    image_names = checker.unique_names([image.name for image in scenario.images], "Images")
    checker.unique_names([app.arn for app in scenario.applications], "Applications", what="Arn")

    scenario.fleets = [
        _parse_fleet(checker, scenario, item, f"Fleets[{i}]", image_names) for i, item in enumerate(data["Fleets"])
    ]
    fleets_by_name = {fleet.name: fleet for fleet in scenario.fleets}
    checker.unique_names([fleet.name for fleet in scenario.fleets], "Fleets")

    scenario.stacks = [_parse_stack(checker, scenario, item, f"Stacks[{i}]", fleets_by_name) for i, item in enumerate(data["Stacks"])]
    checker.unique_names([stack.name for stack in scenario.stacks], "Stacks")

    scenario.application_fleet_associations = _parse_associations(checker, scenario, data, fleets_by_name)
    scenario.sessions = _parse_sessions(checker, scenario, data)
    scenario.roles = _parse_roles(checker, data)
    logger.debug(
        "Loaded scenario %s: %d stacks, %d fleets, %d images, %d applications",
        source,
        len(scenario.stacks),
        len(scenario.fleets),
        len(scenario.images),
        len(scenario.applications),
    )
    return scenario


def _parse_image(checker: _Checker, scenario: Scenario, item: Any, path: str) -> ImageSpec:
    checker.check_members(item, _IMAGE_MEMBERS, required=("Name",), path=path)
    name = item["Name"]
    output = checker.copy_output(item, _IMAGE_MEMBERS, exclude=("Applications",))
    output.setdefault("State", "AVAILABLE")
    output.setdefault("Visibility", "PRIVATE")
    output.setdefault("Platform", "WINDOWS_SERVER_2022")
    account = "" if output["Visibility"] == "PUBLIC" else scenario.account_id
    arn = output.setdefault("Arn", f"arn:aws:appstream:{scenario.region}:{account}:image/{name}")
    output["Applications"] = [
        _parse_application(checker, scenario, app, f"{path}.Applications[{i}]", arn_kind=None).output
        for i, app in enumerate(item.get("Applications", []))
    ]
    checker.unique_names([app["Name"] for app in output["Applications"]], f"{path}.Applications")
    return ImageSpec(name=name, arn=arn, output=output)


def _parse_application(
    checker: _Checker, scenario: Scenario, item: Any, path: str, *, arn_kind: str | None
) -> ApplicationSpec:
    """Parse an application; arn_kind None is an application inside an image, which has no ARN by default."""
    checker.check_members(item, _APPLICATION_MEMBERS, required=("Name",), path=path)
    name = item["Name"]
    output = checker.copy_output(item, _APPLICATION_MEMBERS)
    output.setdefault("DisplayName", name)
    output.setdefault("Enabled", True)
    output.setdefault("Metadata", {})
    for key, value in output["Metadata"].items():
        if not isinstance(value, str):
            checker.fail(f"{path}.Metadata.{key}", "must be a string")
    if arn_kind is not None:
        output.setdefault("Arn", f"arn:aws:appstream:{scenario.region}:{scenario.account_id}:{arn_kind}/{name}")
    return ApplicationSpec(name=name, arn=output.get("Arn", ""), output=output)


def _parse_fleet(checker: _Checker, scenario: Scenario, item: Any, path: str, image_names: set[str]) -> FleetSpec:
    checker.check_members(item, _FLEET_MEMBERS, required=("Name", "InstanceType"), path=path)
    name = item["Name"]
    path = f"{path} ({name!r})"
    checker.check_resource_name(name, f"{path}.Name")
    fleet_type = item.get("FleetType", "ON_DEMAND")
    output = checker.copy_output(item, _FLEET_MEMBERS, exclude=("ComputeCapacity", "MaxConcurrentSessions", "State"))
    output["FleetType"] = fleet_type
    output.setdefault("StreamView", "APP")
    output.setdefault("MaxUserDurationInSeconds", 57600)
    output.setdefault("DisconnectTimeoutInSeconds", 900)
    output.setdefault("IdleDisconnectTimeoutInSeconds", 0)
    output.setdefault("EnableDefaultInternetAccess", False)
    arn = output.setdefault("Arn", f"arn:aws:appstream:{scenario.region}:{scenario.account_id}:fleet/{name}")

    if fleet_type == "ELASTIC":
        if "ImageName" in item:
            checker.fail(f"{path}.ImageName", "must be absent because Elastic fleets use applications, not images")
        if "MaxConcurrentSessions" not in item:
            checker.fail(f"{path}.MaxConcurrentSessions", "is missing; Elastic fleets need it")
        capacity = item["MaxConcurrentSessions"]
        output["MaxConcurrentSessions"] = capacity
        output.setdefault("Platform", "WINDOWS_SERVER_2019")
        image_name = None
    else:
        image_name = item.get("ImageName")
        if image_name is None:
            checker.fail(f"{path}.ImageName", f"is missing; {fleet_type} fleets need an image")
        if image_name not in image_names:
            checker.fail(f"{path}.ImageName", f"{image_name!r} is not the Name of any entry in Images")
        image_arn = next(image.arn for image in scenario.images if image.name == image_name)
        output.setdefault("ImageArn", image_arn)
        capacity_spec = item.get("ComputeCapacity")
        if not isinstance(capacity_spec, dict) or not isinstance(capacity_spec.get("DesiredInstances"), int):
            checker.fail(f"{path}.ComputeCapacity", 'must be an object like {"DesiredInstances": 2}')
        capacity = capacity_spec["DesiredInstances"]
    if isinstance(capacity, bool) or capacity < 0:
        checker.fail(f"{path}", f"capacity must be a non-negative integer, not {capacity!r}")

    return FleetSpec(
        name=name,
        arn=arn,
        fleet_type=fleet_type,
        stream_view=output["StreamView"],
        state=item.get("State", "RUNNING"),
        capacity=capacity,
        image_name=image_name,
        max_user_duration_seconds=output["MaxUserDurationInSeconds"],
        output=output,
    )


def _parse_stack(
    checker: _Checker, scenario: Scenario, item: Any, path: str, fleets_by_name: dict[str, FleetSpec]
) -> StackSpec:
    checker.check_members(item, _STACK_MEMBERS, required=("Name",), path=path)
    name = item["Name"]
    path = f"{path} ({name!r})"
    checker.check_resource_name(name, f"{path}.Name")
    fleet_names = list(item.get("Fleets", []))
    for fleet_name in fleet_names:
        if fleet_name not in fleets_by_name:
            checker.fail(f"{path}.Fleets", f"{fleet_name!r} is not the Name of any entry in Fleets")
    checker.unique_names(fleet_names, f"{path}.Fleets", what="fleet name")
    for i, endpoint in enumerate(item.get("AccessEndpoints", [])):
        endpoint_path = f"{path}.AccessEndpoints[{i}]"
        if not isinstance(endpoint, dict) or endpoint.get("EndpointType") != "STREAMING":
            checker.fail(endpoint_path, 'must be an object with "EndpointType": "STREAMING"')
        if not str(endpoint.get("VpceId", "")).startswith("vpce-"):
            checker.fail(f"{endpoint_path}.VpceId", "must be a VPC endpoint ID starting with 'vpce-'")
    output = checker.copy_output(item, _STACK_MEMBERS, exclude=("Fleets",))
    arn = output.setdefault("Arn", f"arn:aws:appstream:{scenario.region}:{scenario.account_id}:stack/{name}")
    return StackSpec(name=name, arn=arn, fleet_names=fleet_names, output=output)


def _parse_associations(
    checker: _Checker, scenario: Scenario, data: dict[str, Any], fleets_by_name: dict[str, FleetSpec]
) -> list[tuple[str, str]]:
    application_arns = {app.arn for app in scenario.applications}
    associations: list[tuple[str, str]] = []
    for i, item in enumerate(data.get("ApplicationFleetAssociations", [])):
        path = f"ApplicationFleetAssociations[{i}]"
        checker.check_members(item, _ASSOCIATION_MEMBERS, required=("FleetName", "ApplicationArn"), path=path)
        fleet = fleets_by_name.get(item["FleetName"])
        if fleet is None:
            checker.fail(f"{path}.FleetName", f"{item['FleetName']!r} is not the Name of any entry in Fleets")
        if fleet.fleet_type != "ELASTIC":
            checker.fail(f"{path}.FleetName", f"{fleet.name!r} is a {fleet.fleet_type} fleet; only ELASTIC fleets take applications")
        if item["ApplicationArn"] not in application_arns:
            checker.fail(f"{path}.ApplicationArn", f"{item['ApplicationArn']!r} is not the Arn of any entry in Applications")
        pair = (item["FleetName"], item["ApplicationArn"])
        if pair in associations:
            checker.fail(path, "duplicates an earlier association")
        associations.append(pair)
    return associations


def _parse_sessions(checker: _Checker, scenario: Scenario, data: dict[str, Any]) -> list[SessionSpec]:
    stacks_by_name = {stack.name: stack for stack in scenario.stacks}
    sessions = []
    for i, item in enumerate(data.get("Sessions", [])):
        path = f"Sessions[{i}]"
        checker.check_members(item, _SESSION_MEMBERS, required=("UserId", "StackName", "FleetName"), path=path)
        stack = stacks_by_name.get(item["StackName"])
        if stack is None:
            checker.fail(f"{path}.StackName", f"{item['StackName']!r} is not the Name of any entry in Stacks")
        if item["FleetName"] not in stack.fleet_names:
            checker.fail(f"{path}.FleetName", f"{item['FleetName']!r} is not associated with stack {stack.name!r}")
        user_id = item["UserId"]
        if not 2 <= len(user_id) <= 128 or not USER_ID_PATTERN.fullmatch(user_id):
            checker.fail(f"{path}.UserId", f"{user_id!r} must be 2-128 characters of letters, digits and +=,.@-_")
        sessions.append(
            SessionSpec(
                session_id=item.get("Id"),
                user_id=user_id,
                stack_name=item["StackName"],
                fleet_name=item["FleetName"],
                state=item.get("State", "ACTIVE"),
                authentication_type=item.get("AuthenticationType", "API"),
                start_time=checker.time_value(item, "StartTime", path),
            )
        )
    return sessions


def _parse_roles(checker: _Checker, data: dict[str, Any]) -> list[RoleSpec]:
    roles = []
    for i, item in enumerate(data.get("Roles", [])):
        path = f"Roles[{i}]"
        checker.check_members(item, _ROLE_MEMBERS, required=("Arn",), path=path)
        if not ROLE_ARN_PATTERN.fullmatch(item["Arn"]):
            checker.fail(f"{path}.Arn", f"{item['Arn']!r} is not an IAM role ARN like arn:aws:iam::123456789012:role/Name")
        roles.append(RoleSpec(arn=item["Arn"], external_id=item.get("ExternalId"), mfa_required=item.get("MfaRequired", False)))
    checker.unique_names([role.arn for role in roles], "Roles", what="Arn")
    return roles


class _Checker:
    """Validation helpers that raise ScenarioError with the source and member path."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, path: str, problem: str) -> NoReturn:
        raise ScenarioError(f"Invalid scenario {self.source}: {path} {problem}")

    def check_members(self, item: Any, members: dict[str, Any], *, required: tuple[str, ...], path: str) -> None:
        if not isinstance(item, dict):
            self.fail(path, f"must be a JSON object, not {type(item).__name__}")
        unknown = sorted(set(item) - set(members))
        if unknown:
            self.fail(path, f"has unknown member(s) {', '.join(unknown)}; allowed: {', '.join(sorted(members))}")
        for name in required:
            if name not in item:
                self.fail(f"{path}.{name}", "is missing")
        for name, value in item.items():
            self.check_kind(value, members[name], f"{path}.{name}")

    def check_kind(self, value: Any, kind: Any, path: str) -> None:
        if isinstance(kind, tuple):
            if value not in kind:
                self.fail(path, f"must be one of {', '.join(kind)}, not {value!r}")
            return
        expected_types = {
            _STR: str,
            _INT: int,
            _BOOL: bool,
            _LIST: list,
            _DICT: dict,
            _STRLIST: list,
            _TIME: (str, int, float),
        }[kind]
        wrong_bool = isinstance(value, bool) and kind in (_INT, _TIME)
        if not isinstance(value, expected_types) or wrong_bool:
            self.fail(path, f"must be a {kind}, not {type(value).__name__}")
        if kind == _STR and not value:
            self.fail(path, "must not be empty")
        if kind == _STRLIST and not all(isinstance(entry, str) for entry in value):
            self.fail(path, "must be a list of strings")
        if kind == _TIME:
            self.parse_time(value, path)

    def check_resource_name(self, name: str, path: str) -> None:
        if not RESOURCE_NAME_PATTERN.fullmatch(name):
            self.fail(path, f"{name!r} must start with a letter or digit and contain only letters, digits, '_', '.' and '-'")

    def unique_names(self, names: list[str], path: str, *, what: str = "Name") -> set[str]:
        seen: set[str] = set()
        for name in names:
            if name in seen:
                self.fail(path, f"contain the {what} {name!r} more than once")
            seen.add(name)
        return seen

    def copy_output(self, item: dict[str, Any], members: dict[str, Any], *, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
        """Copy the members into an API output dict, converting times to epoch seconds."""
        output: dict[str, Any] = {}
        for name, value in item.items():
            if name in exclude:
                continue
            output[name] = self.parse_time(value, name) if members[name] == _TIME else json.loads(json.dumps(value))
        return output

    def time_value(self, item: dict[str, Any], name: str, path: str) -> float | None:
        if name not in item:
            return None
        return self.parse_time(item[name], f"{path}.{name}")

    def parse_time(self, value: Any, path: str) -> float:
        if isinstance(value, (int, float)):
            return float(value)
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            self.fail(path, f"{value!r} is not an ISO 8601 time like 2024-06-10T08:00:00Z")
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=timezone.utc)
        return parsed.timestamp()
