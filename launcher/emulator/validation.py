"""Input validation of AppStream requests with the constraints of the AppStream API model.

The constraints are copied from botocore's ``appstream`` service model
(2016-12-01, botocore 1.44) so that the server needs only the standard
library. Messages follow the form AWS services use:
``1 validation error detected: Value 'x' at 'userId' failed to satisfy
constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from launcher.emulator.errors import AwsError, validation_error

_NAME_PATTERN = r"^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,100}$"
_ARN_PATTERN = (
    r"^arn:aws(?:\-cn|\-iso\-b|\-iso|\-us\-gov)?:[A-Za-z0-9][A-Za-z0-9_/.-]{0,62}:[A-Za-z0-9_/.-]{0,63}"
    r":[A-Za-z0-9_/.-]{0,63}:[A-Za-z0-9][A-Za-z0-9:_/+=,@.\\-]{0,1023}$"
)
_USER_ID_PATTERN = r"[\w+=,.@-]*"


@dataclass(frozen=True)
class Member:
    kind: str
    required: bool = False
    min: int | None = None
    max: int | None = None
    pattern: str | None = None
    enum: tuple[str, ...] | None = None
    item: Member | None = None


_STRING = Member("string")
_TOKEN = Member("string", min=1)
_NAME_LIST = Member("list", item=Member("string", min=1))
_ARN_LIST = Member("list", item=Member("string", pattern=_ARN_PATTERN))

OPERATION_INPUTS: dict[str, dict[str, Member]] = {
    "DescribeStacks": {"Names": _NAME_LIST, "NextToken": _TOKEN},
    "ListAssociatedFleets": {"StackName": Member("string", required=True), "NextToken": _STRING},
    "ListAssociatedStacks": {"FleetName": Member("string", required=True), "NextToken": _STRING},
    "DescribeFleets": {"Names": _NAME_LIST, "NextToken": _TOKEN},
    "DescribeImages": {
        "Names": _NAME_LIST,
        "Arns": _ARN_LIST,
        "Type": Member("string", enum=("PUBLIC", "PRIVATE", "SHARED")),
        "NextToken": _TOKEN,
        "MaxResults": Member("integer", min=0, max=25),
    },
    "DescribeApplicationFleetAssociations": {
        "FleetName": Member("string", pattern=_NAME_PATTERN),
        "ApplicationArn": Member("string", pattern=_ARN_PATTERN),
        "MaxResults": Member("integer"),
        "NextToken": _TOKEN,
    },
    "DescribeApplications": {"Arns": _ARN_LIST, "NextToken": _TOKEN, "MaxResults": Member("integer")},
    "CreateStreamingURL": {
        "StackName": Member("string", required=True, min=1),
        "FleetName": Member("string", required=True, min=1),
        "UserId": Member("string", required=True, min=2, max=32, pattern=_USER_ID_PATTERN),
        "ApplicationId": Member("string", min=1),
        # The model gives Validity no range; the API reference documents 1 to 604800 seconds.
        "Validity": Member("integer", min=1, max=604800),
        "SessionContext": Member("string", min=1),
    },
    "DescribeSessions": {
        "StackName": Member("string", required=True, pattern=_NAME_PATTERN),
        "FleetName": Member("string", required=True, pattern=_NAME_PATTERN),
        "UserId": Member("string", min=2, max=128),
        "NextToken": _TOKEN,
        "Limit": Member("integer"),
        "AuthenticationType": Member("string", enum=("API", "SAML", "USERPOOL", "AWS_AD")),
        "InstanceId": Member("string", min=1),
    },
    "StartFleet": {"Name": Member("string", required=True, min=1)},
    "StopFleet": {"Name": Member("string", required=True, min=1)},
    "ExpireSession": {"SessionId": Member("string", required=True, min=1)},
}


def validate_input(operation: str, params: dict[str, Any]) -> None:
    """Raise SerializationException for wrong JSON types and ValidationException for broken constraints."""
    members = OPERATION_INPUTS[operation]
    problems: list[str] = []
    for name, member in members.items():
        value = params.get(name)
        location = name[0].lower() + name[1:]
        if value is None:
            if member.required:
                problems.append(f"Value null at '{location}' failed to satisfy constraint: Member must not be null")
            continue
        _check_type(value, member, name)
        problems.extend(_constraint_problems(value, member, location))
        if member.kind == "list" and member.item is not None:
            for index, item in enumerate(value, start=1):
                _check_type(item, member.item, f"{name} item")
                problems.extend(_constraint_problems(item, member.item, f"{location}.{index}.member"))
    if problems:
        raise validation_error(problems)


def _check_type(value: Any, member: Member, name: str) -> None:
    expected = {"string": str, "integer": int, "list": list}[member.kind]
    if not isinstance(value, expected) or isinstance(value, bool):
        raise AwsError(
            "SerializationException",
            f"Expected a JSON {member.kind} for {name}, got {type(value).__name__}",
        )


def _constraint_problems(value: Any, member: Member, location: str) -> list[str]:
    problems = []
    prefix = f"Value '{_render(value)}' at '{location}' failed to satisfy constraint: Member must"
    if member.kind == "string":
        if member.min is not None and len(value) < member.min:
            problems.append(f"{prefix} have length greater than or equal to {member.min}")
        if member.max is not None and len(value) > member.max:
            problems.append(f"{prefix} have length less than or equal to {member.max}")
        if member.pattern is not None and not re.fullmatch(member.pattern, value, re.ASCII):
            problems.append(f"{prefix} satisfy regular expression pattern: {member.pattern}")
        if member.enum is not None and value not in member.enum:
            problems.append(f"{prefix} satisfy enum value set: [{', '.join(member.enum)}]")
    elif member.kind == "integer":
        if member.min is not None and value < member.min:
            problems.append(f"{prefix} have value greater than or equal to {member.min}")
        if member.max is not None and value > member.max:
            problems.append(f"{prefix} have value less than or equal to {member.max}")
    return problems


def _render(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(str(item) for item in value) + "]"
    return str(value)
