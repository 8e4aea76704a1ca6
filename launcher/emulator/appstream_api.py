"""AppStream operations of the emulator: each handler takes the request members and returns the output members.

Handlers raise AwsError for failures. The error codes are the ones botocore's
``appstream`` model lists for each operation. The AppStream API reference
does not say which code each condition gets, so the choice per condition is
documented at the handler.

NOTE: botocore's appstream model lists the smithy-rpc-v2-cbor protocol before JSON 1.1, and
botocore 1.44 still chooses JSON 1.1, the only protocol this emulator serves. A botocore that
chooses CBOR would need a CBOR front end here.
"""

from __future__ import annotations

import logging
from typing import Any, Callable

from launcher.emulator.errors import AwsError, invalid_combination, not_available, not_found, not_permitted
from launcher.emulator.pagination import Paginator
from launcher.emulator.scenario import FleetSpec, StackSpec
from launcher.emulator.state import EmulatorState
from launcher.emulator.validation import validate_input

logger = logging.getLogger(__name__)

DEFAULT_VALIDITY_SECONDS = 60
DESKTOP_APPLICATION_ID = "Desktop"

# Top-level output members of every operation are optional in the model, and
# these nested members are required. The missing_fields fault removes them.
REQUIRED_ITEM_MEMBERS = {
    "Stacks": ("Name",),
    "Fleets": ("Arn", "Name", "InstanceType", "ComputeCapacityStatus", "State"),
    "Images": ("Name",),
    "Sessions": ("Id", "UserId", "StackName", "FleetName", "State"),
    "ApplicationFleetAssociations": ("FleetName", "ApplicationArn"),
    # The Application shape marks no member as required; Name and Arn are
    # removed because callers identify applications by them.
    "Applications": ("Name", "Arn"),
}


class AppStreamApi:
    """The AppStream operations over one EmulatorState."""

    def __init__(self, state: EmulatorState, page_size: Callable[[], int], endpoint_url: Callable[[], str]) -> None:
        self.state = state
        self._page_size = page_size
        self._endpoint_url = endpoint_url
        self._paginator = Paginator()
        self._handlers: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "DescribeStacks": self.describe_stacks,
            "ListAssociatedFleets": self.list_associated_fleets,
            "ListAssociatedStacks": self.list_associated_stacks,
            "DescribeFleets": self.describe_fleets,
            "DescribeImages": self.describe_images,
            "DescribeApplicationFleetAssociations": self.describe_application_fleet_associations,
            "DescribeApplications": self.describe_applications,
            "CreateStreamingURL": self.create_streaming_url,
            "DescribeSessions": self.describe_sessions,
            "StartFleet": self.start_fleet,
            "StopFleet": self.stop_fleet,
            "ExpireSession": self.expire_session,
        }

    def handles(self, operation: str) -> bool:
        return operation in self._handlers

    def call(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        validate_input(operation, params)
        return self._handlers[operation](params)

    def resource_arn(self, operation: str, params: dict[str, Any]) -> str:
        """Return the ARN an IAM policy would check for this request, for AccessDenied messages."""
        stack = self.state.stack(str(params.get("StackName", "")))
        if stack is not None:
            return stack.arn
        fleet = self.state.fleet_spec(str(params.get("FleetName") or params.get("Name") or ""))
        if fleet is not None:
            return fleet.arn
        scenario = self.state.scenario
        return f"arn:aws:appstream:{scenario.region}:{scenario.account_id}:*"

    # Listings.

    def describe_stacks(self, params: dict[str, Any]) -> dict[str, Any]:
        names = params.get("Names")
        if names:
            stacks = [self._require_stack(name) for name in names]
        else:
            stacks = self.state.stacks()
        page, token = self._page(stacks, "DescribeStacks", params, {"Names": names})
        return _with_token({"Stacks": [dict(stack.output, Name=stack.name) for stack in page]}, token)

    def list_associated_fleets(self, params: dict[str, Any]) -> dict[str, Any]:
        # The model lists no errors for this operation, so an unknown stack has no fleets.
        stack = self.state.stack(params["StackName"])
        names = list(stack.fleet_names) if stack else []
        page, token = self._page(names, "ListAssociatedFleets", params, {"StackName": params["StackName"]})
        return _with_token({"Names": page}, token)

    def list_associated_stacks(self, params: dict[str, Any]) -> dict[str, Any]:
        names = self.state.stacks_of_fleet(params["FleetName"])
        page, token = self._page(names, "ListAssociatedStacks", params, {"FleetName": params["FleetName"]})
        return _with_token({"Names": page}, token)

    def describe_fleets(self, params: dict[str, Any]) -> dict[str, Any]:
        names = params.get("Names")
        if names:
            for name in names:
                self._require_fleet(name)
            fleet_names = list(names)
        else:
            fleet_names = self.state.fleet_names()
        page, token = self._page(fleet_names, "DescribeFleets", params, {"Names": names})
        return _with_token({"Fleets": [self.state.fleet_output(name) for name in page]}, token)

    def describe_images(self, params: dict[str, Any]) -> dict[str, Any]:
        names, arns, image_type = params.get("Names"), params.get("Arns"), params.get("Type")
        if names and arns:
            raise invalid_combination("Specify either Names or Arns, not both.")
        images = self.state.images()
        if names:
            by_name = {image.name: image for image in images}
            missing = [name for name in names if name not in by_name]
            if missing:
                raise not_found(f"The image {missing[0]} does not exist.")
            images = [by_name[name] for name in names]
        elif arns:
            by_arn = {image.arn: image for image in images}
            missing = [arn for arn in arns if arn not in by_arn]
            if missing:
                raise not_found(f"The image {missing[0]} does not exist.")
            images = [by_arn[arn] for arn in arns]
        if image_type:
            images = [image for image in images if image.output.get("Visibility") == image_type]
        page, token = self._page(
            images,
            "DescribeImages",
            params,
            {"Names": names, "Arns": arns, "Type": image_type},
            max_results=params.get("MaxResults"),
        )
        return _with_token({"Images": [dict(image.output) for image in page]}, token)

    def describe_application_fleet_associations(self, params: dict[str, Any]) -> dict[str, Any]:
        fleet_name, application_arn = params.get("FleetName"), params.get("ApplicationArn")
        if not fleet_name and not application_arn:
            raise invalid_combination("Specify FleetName, ApplicationArn or both.")
        associations = [
            {"FleetName": fleet, "ApplicationArn": arn}
            for fleet, arn in self.state.application_fleet_associations()
            if (not fleet_name or fleet == fleet_name) and (not application_arn or arn == application_arn)
        ]
        page, token = self._page(
            associations,
            "DescribeApplicationFleetAssociations",
            params,
            {"FleetName": fleet_name, "ApplicationArn": application_arn},
            max_results=params.get("MaxResults"),
        )
        return _with_token({"ApplicationFleetAssociations": page}, token)

    def describe_applications(self, params: dict[str, Any]) -> dict[str, Any]:
        arns = params.get("Arns")
        applications = self.state.applications()
        if arns:
            by_arn = {app.arn: app for app in applications}
            missing = [arn for arn in arns if arn not in by_arn]
            if missing:
                raise not_found(f"The application {missing[0]} does not exist.")
            applications = [by_arn[arn] for arn in arns]
        page, token = self._page(
            applications, "DescribeApplications", params, {"Arns": arns}, max_results=params.get("MaxResults")
        )
        return _with_token({"Applications": [dict(app.output) for app in page]}, token)

    def describe_sessions(self, params: dict[str, Any]) -> dict[str, Any]:
        # AWS returns only API (streaming URL) sessions unless the request sets another AuthenticationType.
        authentication_type = params.get("AuthenticationType", "API")
        sessions = self.state.sessions(params["StackName"], params["FleetName"], params.get("UserId"), authentication_type)
        if params.get("InstanceId"):
            sessions = [session for session in sessions if session["InstanceId"] == params["InstanceId"]]
        filters = {key: params.get(key) for key in ("StackName", "FleetName", "UserId", "AuthenticationType", "InstanceId")}
        page, token = self._page(sessions, "DescribeSessions", params, filters, max_results=params.get("Limit"))
        return _with_token({"Sessions": page}, token)

    # Streaming URLs.

    def create_streaming_url(self, params: dict[str, Any]) -> dict[str, Any]:
        stack = self._require_stack(params["StackName"])
        fleet = self._require_fleet(params["FleetName"])
        if fleet.name not in stack.fleet_names:
            # NOTE: AWS does not document the code for this case. The model's
            # InvalidParameterCombinationException fits a stack and fleet
            # that do not belong together.
            raise invalid_combination(
                f"The fleet {fleet.name} is not associated with the stack {stack.name}. "
                "Associate the fleet with the stack, or choose one of the stack's fleets."
            )
        fleet_state = self.state.fleet_state(fleet.name)
        if fleet_state != "RUNNING":
            raise not_available(
                f"The fleet {fleet.name} is {fleet_state}. Streaming URLs need a RUNNING fleet; "
                "start the fleet and wait until it is RUNNING."
            )
        application_id = params.get("ApplicationId")
        if application_id is not None:
            self._check_application(fleet.name, application_id)

        validity = params.get("Validity", DEFAULT_VALIDITY_SECONDS)
        record = self.state.add_streaming_url(
            stack.name, fleet.name, params["UserId"], application_id, params.get("SessionContext"), validity
        )
        logger.info(
            "Streaming URL created for user %s on stack %s, fleet %s, valid %d s",
            record.user_id,
            stack.name,
            fleet.name,
            validity,
        )
        url = f"{self._endpoint_url()}/authenticate?parameters={record.token}"
        return {"StreamingURL": url, "Expires": record.expires}

    def _check_application(self, fleet_name: str, application_id: str) -> None:
        fleet = self.state.fleet_spec(fleet_name)
        assert fleet is not None
        if application_id == DESKTOP_APPLICATION_ID:
            if fleet.stream_view != "DESKTOP":
                raise not_permitted(
                    f"The fleet {fleet.name} uses the {fleet.stream_view} stream view. "
                    "ApplicationId Desktop needs a fleet with the DESKTOP stream view."
                )
            return
        applications = self._fleet_applications(fleet_name)
        application = next((app for app in applications if app.get("Name") == application_id), None)
        if application is None:
            raise not_found(f"The application {application_id} does not exist on the fleet {fleet.name}.")
        if not application.get("Enabled", True):
            # NOTE: AWS does not document this case; ResourceNotAvailableException
            # is the model's code for a resource that exists but is not available.
            raise not_available(f"The application {application_id} is disabled on the fleet {fleet.name}.")

    def _fleet_applications(self, fleet_name: str) -> list[dict[str, Any]]:
        fleet = self.state.fleet_spec(fleet_name)
        assert fleet is not None
        if fleet.fleet_type == "ELASTIC":
            arns = {arn for name, arn in self.state.application_fleet_associations() if name == fleet_name}
            return [app.output for app in self.state.applications() if app.arn in arns]
        image = self.state.image(fleet.image_name or "")
        return list(image.output.get("Applications", [])) if image else []

    # Fleets and sessions.

    def start_fleet(self, params: dict[str, Any]) -> dict[str, Any]:
        fleet = self._require_fleet(params["Name"])
        before, after = self.state.start_fleet(fleet.name)
        if before == "STOPPING":
            raise AwsError(
                "ConcurrentModificationException",
                f"The fleet {fleet.name} is STOPPING. Wait until it is STOPPED, then start it.",
            )
        # NOTE: starting a RUNNING or STARTING fleet succeeds without a change;
        # the API reference does not say whether AWS returns an error instead.
        logger.info("StartFleet %s: %s -> %s", fleet.name, before, after)
        return {}

    def stop_fleet(self, params: dict[str, Any]) -> dict[str, Any]:
        fleet = self._require_fleet(params["Name"])
        before, after = self.state.stop_fleet(fleet.name)
        if before == "STARTING":
            raise AwsError(
                "ConcurrentModificationException",
                f"The fleet {fleet.name} is STARTING. Wait until it is RUNNING, then stop it.",
            )
        logger.info("StopFleet %s: %s -> %s", fleet.name, before, after)
        return {}

    def expire_session(self, params: dict[str, Any]) -> dict[str, Any]:
        # NOTE: the model lists no errors for ExpireSession; the emulator
        # reports an unknown session ID with ResourceNotFoundException.
        if not self.state.expire_session(params["SessionId"]):
            raise not_found(f"The session {params['SessionId']} does not exist.")
        return {}

    # Helpers.

    def _require_stack(self, name: str) -> StackSpec:
        stack = self.state.stack(name)
        if stack is None:
            raise not_found(f"The stack {name} does not exist.")
        return stack

    def _require_fleet(self, name: str) -> FleetSpec:
        fleet = self.state.fleet_spec(name)
        if fleet is None:
            raise not_found(f"The fleet {name} does not exist.")
        return fleet

    def _page(
        self,
        items: list[Any],
        operation: str,
        params: dict[str, Any],
        filters: dict[str, Any],
        *,
        max_results: int | None = None,
    ) -> tuple[list[Any], str | None]:
        if max_results is not None and max_results < 0:
            raise AwsError("ValidationException", f"MaxResults must be 0 or more, not {max_results}.")
        page_size = max_results if max_results else self._page_size()
        return self._paginator.page(
            items, operation=operation, filters=filters, next_token=params.get("NextToken"), page_size=page_size
        )


def remove_required_members(result: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of an output with the required members removed, for the missing_fields fault.

    Top-level scalar members other than NextToken (StreamingURL, Expires)
    go too, because the model marks no top-level member as required.
    """
    stripped: dict[str, Any] = {}
    for key, value in result.items():
        if key in REQUIRED_ITEM_MEMBERS and isinstance(value, list):
            drop = REQUIRED_ITEM_MEMBERS[key]
            stripped[key] = [_without(item, drop) for item in value]
        elif key == "NextToken" or isinstance(value, list):
            stripped[key] = value
    return stripped


def _without(item: Any, keys: tuple[str, ...]) -> Any:
    if not isinstance(item, dict):
        return item
    return {key: value for key, value in item.items() if key not in keys}


def _with_token(result: dict[str, Any], token: str | None) -> dict[str, Any]:
    if token is not None:
        result["NextToken"] = token
    return result
