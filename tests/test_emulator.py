"""AppStream operations of the emulator, exercised with real boto3 clients over HTTP."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import botocore.session
import pytest
from botocore import UNSIGNED
from botocore.exceptions import ClientError

from launcher.emulator import DEFAULT_PAGE_SIZE, start_emulator
from emulator_clients import appstream_client

SAMPLE_STACK_COUNT = 26
SAMPLE_FLEET_COUNT = 9


def wait_for(condition: Callable[[], Any], timeout: float = 5.0, interval: float = 0.05) -> Any:
    """Poll condition until it returns a true value, or fail after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout} s")
        time.sleep(interval)


def error_code(excinfo: pytest.ExceptionInfo) -> str:
    return excinfo.value.response["Error"]["Code"]


def error_message(excinfo: pytest.ExceptionInfo) -> str:
    return excinfo.value.response["Error"]["Message"]


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


@pytest.fixture
def emu():
    with start_emulator(session_activation_seconds=0.2, fleet_transition_seconds=0.2, expired_session_seconds=0.3) as emulator:
        yield emulator


@pytest.fixture
def client(emu):
    return appstream_client(emu)


def session_states(client, stack: str, fleet: str, user: str) -> list[str]:
    sessions = client.describe_sessions(StackName=stack, FleetName=fleet, UserId=user)["Sessions"]
    return [session["State"] for session in sessions]


# DescribeStacks and pagination.


def test_describe_stacks_first_page_has_default_page_size(client):
    response = client.describe_stacks()
    assert len(response["Stacks"]) == DEFAULT_PAGE_SIZE
    assert "NextToken" in response


def test_describe_stacks_paginator_returns_every_stack_once(client):
    pages = list(client.get_paginator("describe_stacks").paginate())
    names = [stack["Name"] for page in pages for stack in page["Stacks"]]
    assert len(pages) == 3
    assert len(names) == SAMPLE_STACK_COUNT
    assert len(set(names)) == SAMPLE_STACK_COUNT


def test_describe_stacks_paginates_with_page_size_two(emu, client):
    emu.page_size = 2
    pages = list(client.get_paginator("describe_stacks").paginate())
    names = [stack["Name"] for page in pages for stack in page["Stacks"]]
    assert len(pages) == SAMPLE_STACK_COUNT // 2
    assert all(len(page["Stacks"]) == 2 for page in pages)
    assert sorted(names) == sorted(set(names))
    assert len(names) == SAMPLE_STACK_COUNT


def test_describe_stacks_by_names(client):
    stacks = client.describe_stacks(Names=["finance-private", "sandbox-unassigned"])["Stacks"]
    assert [stack["Name"] for stack in stacks] == ["finance-private", "sandbox-unassigned"]


def test_describe_stacks_unknown_name_not_found(client):
    with pytest.raises(client.exceptions.ResourceNotFoundException) as excinfo:
        client.describe_stacks(Names=["office-hq", "no-such-stack"])
    assert "no-such-stack" in error_message(excinfo)


def test_describe_stacks_foreign_next_token_rejected(client):
    token = client.describe_stacks()["NextToken"]
    with pytest.raises(ClientError) as excinfo:
        client.describe_fleets(NextToken=token)
    assert error_code(excinfo) == "ValidationException"


def test_describe_stacks_garbage_next_token_rejected(client):
    with pytest.raises(ClientError) as excinfo:
        client.describe_stacks(NextToken="not-a-token")
    assert error_code(excinfo) == "ValidationException"


def test_describe_stacks_access_endpoints_present(client):
    stack = client.describe_stacks(Names=["finance-private"])["Stacks"][0]
    assert stack["AccessEndpoints"] == [{"EndpointType": "STREAMING", "VpceId": "vpce-0a1b2c3d4e5f67890"}]


def test_describe_stacks_arn_and_created_time(client):
    stack = client.describe_stacks(Names=["office-hq"])["Stacks"][0]
    assert stack["Arn"] == "arn:aws:appstream:us-east-1:123456789012:stack/office-hq"
    assert stack["CreatedTime"] == datetime(2024, 6, 20, 9, 0, tzinfo=timezone.utc)


# Fleet and stack associations.


def test_list_associated_fleets_of_stack(client):
    assert client.list_associated_fleets(StackName="office-hq")["Names"] == ["office-always-on"]


def test_list_associated_fleets_stack_without_fleets(client):
    assert client.list_associated_fleets(StackName="sandbox-unassigned")["Names"] == []


def test_list_associated_stacks_paginates(emu, client):
    emu.page_size = 2
    pages = list(client.get_paginator("list_associated_stacks").paginate(FleetName="office-on-demand"))
    names = [name for page in pages for name in page["Names"]]
    assert len(pages) == 3
    assert names == ["office-branch-east", "office-branch-west", "office-contractors", "sales-crm", "hr-onboarding"]


def test_list_associated_stacks_fleet_in_several_stacks(client):
    names = client.list_associated_stacks(FleetName="office-always-on")["Names"]
    assert set(names) == {"office-hq", "marketing-content", "legal-documents", "support-tier1"}


# DescribeFleets.


def test_describe_fleets_returns_all_fleets(client):
    fleets = [fleet for page in client.get_paginator("describe_fleets").paginate() for fleet in page["Fleets"]]
    assert len(fleets) == SAMPLE_FLEET_COUNT


def test_describe_fleets_sample_covers_types_and_views(client):
    fleets = client.describe_fleets()["Fleets"]
    kinds = {(fleet["FleetType"], fleet["StreamView"]) for fleet in fleets}
    assert ("ALWAYS_ON", "APP") in kinds
    assert ("ON_DEMAND", "APP") in kinds
    assert ("ALWAYS_ON", "DESKTOP") in kinds
    assert ("ON_DEMAND", "DESKTOP") in kinds
    assert ("ELASTIC", "APP") in kinds
    assert "STOPPED" in {fleet["State"] for fleet in fleets}


def test_describe_fleets_by_names(client):
    fleets = client.describe_fleets(Names=["training-lab"])["Fleets"]
    assert fleets[0]["State"] == "STOPPED"
    assert fleets[0]["ComputeCapacityStatus"] == {"Desired": 10, "Running": 0, "InUse": 0, "Available": 0}


def test_describe_fleets_unknown_name_not_found(client):
    with pytest.raises(client.exceptions.ResourceNotFoundException) as excinfo:
        client.describe_fleets(Names=["no-such-fleet"])
    assert "no-such-fleet" in error_message(excinfo)


def test_describe_fleets_capacity_consistent(client):
    for fleet in client.describe_fleets()["Fleets"]:
        capacity = fleet["ComputeCapacityStatus"]
        assert capacity["Available"] == capacity["Running"] - capacity["InUse"], fleet["Name"]
        if fleet["State"] != "RUNNING":
            assert capacity["Running"] == 0, fleet["Name"]


def test_describe_fleets_in_use_counts_sample_sessions(client):
    fleet = client.describe_fleets(Names=["office-always-on"])["Fleets"][0]
    assert fleet["ComputeCapacityStatus"] == {"Desired": 4, "Running": 4, "InUse": 2, "Available": 2}


# DescribeImages.


def test_describe_images_by_names(client):
    images = client.describe_images(Names=["engineering-cad-2024-05"])["Images"]
    applications = {app["Name"]: app for app in images[0]["Applications"]}
    assert applications["freecad"]["Enabled"] is True
    assert applications["legacy-drawing-viewer"]["Enabled"] is False


def test_describe_images_by_arns(client):
    arn = "arn:aws:appstream:us-east-1:123456789012:image/office-suite-2024-06"
    images = client.describe_images(Arns=[arn])["Images"]
    assert [image["Arn"] for image in images] == [arn]


def test_describe_images_names_and_arns_rejected(client):
    with pytest.raises(client.exceptions.InvalidParameterCombinationException):
        client.describe_images(
            Names=["office-suite-2024-06"], Arns=["arn:aws:appstream:us-east-1:123456789012:image/office-suite-2024-06"]
        )


def test_describe_images_unknown_name_not_found(client):
    with pytest.raises(client.exceptions.ResourceNotFoundException) as excinfo:
        client.describe_images(Names=["no-such-image"])
    assert "no-such-image" in error_message(excinfo)


def test_describe_images_type_filter(client):
    images = client.describe_images(Type="PUBLIC")["Images"]
    assert [image["Name"] for image in images] == ["AppStream-WinServer2022-03-11-2024"]


def test_describe_images_max_results_paginates(client):
    pages = list(client.get_paginator("describe_images").paginate(PaginationConfig={"PageSize": 3}))
    names = [image["Name"] for page in pages for image in page["Images"]]
    assert len(pages) == 3
    assert len(names) == len(set(names)) == 8


def test_describe_images_fleet_with_many_applications(client):
    image = client.describe_images(Names=["data-science-2024-04"])["Images"][0]
    assert len(image["Applications"]) >= 15


# Elastic fleet applications.


def test_describe_application_fleet_associations_by_fleet(client):
    associations = client.describe_application_fleet_associations(FleetName="elastic-browsers")[
        "ApplicationFleetAssociations"
    ]
    assert len(associations) == 5
    assert {item["FleetName"] for item in associations} == {"elastic-browsers"}


def test_describe_application_fleet_associations_by_application(client):
    arn = "arn:aws:appstream:us-east-1:123456789012:application/chromium"
    associations = client.describe_application_fleet_associations(ApplicationArn=arn)["ApplicationFleetAssociations"]
    assert associations == [{"FleetName": "elastic-browsers", "ApplicationArn": arn}]


def test_describe_application_fleet_associations_paginates_by_hand(client):
    names, token, pages = [], None, 0
    while True:
        kwargs = {"FleetName": "elastic-browsers", "MaxResults": 2}
        if token:
            kwargs["NextToken"] = token
        response = client.describe_application_fleet_associations(**kwargs)
        pages += 1
        names += [item["ApplicationArn"] for item in response["ApplicationFleetAssociations"]]
        token = response.get("NextToken")
        if not token:
            break
    assert pages == 3
    assert len(names) == len(set(names)) == 5


def test_describe_application_fleet_associations_needs_a_filter(client):
    with pytest.raises(client.exceptions.InvalidParameterCombinationException):
        client.describe_application_fleet_associations()


def test_describe_applications_paginates_by_hand(emu, client):
    emu.page_size = 2
    arns, token, pages = [], None, 0
    while True:
        response = client.describe_applications(**({"NextToken": token} if token else {}))
        pages += 1
        arns += [app["Arn"] for app in response["Applications"]]
        token = response.get("NextToken")
        if not token:
            break
    assert pages == 3
    assert len(arns) == len(set(arns)) == 6


def test_describe_applications_by_arns(client):
    arn = "arn:aws:appstream:us-east-1:123456789012:application/firefox-esr"
    applications = client.describe_applications(Arns=[arn])["Applications"]
    assert applications[0]["DisplayName"] == "Firefox ESR"


def test_describe_applications_unknown_arn_not_found(client):
    arn = "arn:aws:appstream:us-east-1:123456789012:application/no-such-app"
    with pytest.raises(client.exceptions.ResourceNotFoundException) as excinfo:
        client.describe_applications(Arns=[arn])
    assert arn in error_message(excinfo)


# CreateStreamingURL.


def test_create_streaming_url_points_to_emulator(emu, client):
    response = client.create_streaming_url(StackName="office-hq", FleetName="office-always-on", UserId="tester")
    assert response["StreamingURL"].startswith(f"{emu.endpoint_url}/authenticate?parameters=")


def test_create_streaming_url_default_validity_sixty_seconds(client):
    before = datetime.now(timezone.utc)
    response = client.create_streaming_url(StackName="office-hq", FleetName="office-always-on", UserId="tester")
    after = datetime.now(timezone.utc)
    assert before + timedelta(seconds=59) <= response["Expires"] <= after + timedelta(seconds=61)


def test_create_streaming_url_custom_validity(client):
    before = datetime.now(timezone.utc)
    response = client.create_streaming_url(
        StackName="office-hq", FleetName="office-always-on", UserId="tester", Validity=3600
    )
    assert response["Expires"] >= before + timedelta(seconds=3599)


def test_create_streaming_url_tokens_differ(client):
    first = client.create_streaming_url(StackName="office-hq", FleetName="office-always-on", UserId="tester")
    second = client.create_streaming_url(StackName="office-hq", FleetName="office-always-on", UserId="tester")
    assert first["StreamingURL"] != second["StreamingURL"]


def test_create_streaming_url_unknown_stack(client):
    with pytest.raises(client.exceptions.ResourceNotFoundException) as excinfo:
        client.create_streaming_url(StackName="no-such-stack", FleetName="office-always-on", UserId="tester")
    assert "no-such-stack" in error_message(excinfo)


def test_create_streaming_url_unknown_fleet(client):
    with pytest.raises(client.exceptions.ResourceNotFoundException) as excinfo:
        client.create_streaming_url(StackName="office-hq", FleetName="no-such-fleet", UserId="tester")
    assert "no-such-fleet" in error_message(excinfo)


def test_create_streaming_url_unknown_application(client):
    with pytest.raises(client.exceptions.ResourceNotFoundException) as excinfo:
        client.create_streaming_url(
            StackName="office-hq", FleetName="office-always-on", UserId="tester", ApplicationId="no-such-app"
        )
    assert "no-such-app" in error_message(excinfo)


def test_create_streaming_url_fleet_not_associated(client):
    with pytest.raises(client.exceptions.InvalidParameterCombinationException) as excinfo:
        client.create_streaming_url(StackName="office-hq", FleetName="data-science", UserId="tester")
    assert "data-science" in error_message(excinfo)


def test_create_streaming_url_stack_without_fleets(client):
    with pytest.raises(client.exceptions.InvalidParameterCombinationException):
        client.create_streaming_url(StackName="sandbox-unassigned", FleetName="office-always-on", UserId="tester")


def test_create_streaming_url_stopped_fleet_not_available(client):
    with pytest.raises(client.exceptions.ResourceNotAvailableException) as excinfo:
        client.create_streaming_url(StackName="training-classroom", FleetName="training-lab", UserId="tester")
    assert "training-lab" in error_message(excinfo)
    assert "STOPPED" in error_message(excinfo)


def test_create_streaming_url_desktop_on_app_fleet(client):
    with pytest.raises(client.exceptions.OperationNotPermittedException) as excinfo:
        client.create_streaming_url(
            StackName="office-hq", FleetName="office-always-on", UserId="tester", ApplicationId="Desktop"
        )
    assert "APP" in error_message(excinfo)


def test_create_streaming_url_desktop_on_desktop_fleet(client):
    response = client.create_streaming_url(
        StackName="it-admin", FleetName="it-admin-desktop", UserId="tester", ApplicationId="Desktop"
    )
    assert "StreamingURL" in response


def test_create_streaming_url_disabled_application_not_available(client):
    with pytest.raises(client.exceptions.ResourceNotAvailableException) as excinfo:
        client.create_streaming_url(
            StackName="engineering-cad",
            FleetName="engineering-cad",
            UserId="tester",
            ApplicationId="legacy-drawing-viewer",
        )
    assert "legacy-drawing-viewer" in error_message(excinfo)


def test_create_streaming_url_elastic_application(client):
    response = client.create_streaming_url(
        StackName="web-browsers", FleetName="elastic-browsers", UserId="tester", ApplicationId="chromium"
    )
    assert "StreamingURL" in response


def test_create_streaming_url_elastic_unassociated_application(client):
    with pytest.raises(client.exceptions.ResourceNotFoundException) as excinfo:
        client.create_streaming_url(
            StackName="web-browsers", FleetName="elastic-browsers", UserId="tester", ApplicationId="vlc"
        )
    assert "vlc" in error_message(excinfo)


@pytest.mark.parametrize("validity", [0, -5, 604801])
def test_create_streaming_url_validity_out_of_range(client, validity):
    with pytest.raises(ClientError) as excinfo:
        client.create_streaming_url(
            StackName="office-hq", FleetName="office-always-on", UserId="tester", Validity=validity
        )
    assert error_code(excinfo) == "ValidationException"
    assert "validity" in error_message(excinfo)


@pytest.mark.parametrize("validity", [1, 604800])
def test_create_streaming_url_validity_limits_accepted(client, validity):
    response = client.create_streaming_url(
        StackName="office-hq", FleetName="office-always-on", UserId="tester", Validity=validity
    )
    assert "StreamingURL" in response


@pytest.mark.parametrize("user_id", ["bad user", "name!", "x" * 33, "a"])
def test_create_streaming_url_invalid_user_id(emu, user_id):
    # Client-side validation is off so that the emulator receives user IDs botocore would reject itself.
    client = appstream_client(emu, parameter_validation=False)
    with pytest.raises(ClientError) as excinfo:
        client.create_streaming_url(StackName="office-hq", FleetName="office-always-on", UserId=user_id)
    assert error_code(excinfo) == "ValidationException"
    assert "userId" in error_message(excinfo)


def test_create_streaming_url_valid_user_id_characters(client):
    response = client.create_streaming_url(
        StackName="office-hq", FleetName="office-always-on", UserId="first.last+tag=x,y@example-corp.com"[:32]
    )
    assert "StreamingURL" in response


def test_create_streaming_url_missing_user_id(emu):
    client = appstream_client(emu, parameter_validation=False)
    with pytest.raises(ClientError) as excinfo:
        client.create_streaming_url(StackName="office-hq", FleetName="office-always-on")
    assert error_code(excinfo) == "ValidationException"
    assert "must not be null" in error_message(excinfo)


# The page behind a streaming URL.


def test_authenticate_page_shows_session_details(client):
    url = client.create_streaming_url(
        StackName="finance-reporting", FleetName="finance-reporting", UserId="page.tester", ApplicationId="excel"
    )["StreamingURL"]
    status, page = fetch(url)
    assert status == 200
    assert "finance-reporting" in page
    assert "page.tester" in page
    assert "excel" in page
    assert "emulator" in page
    assert "UTC" in page


def test_authenticate_page_shows_desktop(client):
    url = client.create_streaming_url(
        StackName="it-admin", FleetName="it-admin-desktop", UserId="admin.tester", ApplicationId="Desktop"
    )["StreamingURL"]
    status, page = fetch(url)
    assert status == 200
    assert "Desktop" in page


def test_authenticate_page_expired_after_validity(client):
    response = client.create_streaming_url(
        StackName="office-hq", FleetName="office-always-on", UserId="late.user", Validity=1
    )
    # Opening the URL before it expires would start a session, so wait for the expiry first.
    wait_for(lambda: datetime.now(timezone.utc) > response["Expires"] + timedelta(milliseconds=50))
    status, page = fetch(response["StreamingURL"])
    assert status == 403
    assert "expired" in page
    assert session_states(client, "office-hq", "office-always-on", "late.user") == []


def test_authenticate_page_unknown_token(emu):
    status, page = fetch(f"{emu.endpoint_url}/authenticate?parameters=unknown")
    assert status == 404
    assert "not valid" in page


def test_index_page_names_endpoint(emu):
    status, page = fetch(f"{emu.endpoint_url}/")
    assert status == 200
    assert emu.endpoint_url in page


# Sessions.


def open_session(client, stack: str, fleet: str, user: str, **kwargs: Any) -> None:
    url = client.create_streaming_url(StackName=stack, FleetName=fleet, UserId=user, **kwargs)["StreamingURL"]
    status, _ = fetch(url)
    assert status == 200


def test_session_pending_then_active(emu, client):
    emu.session_activation_seconds = 1.5
    open_session(client, "office-hq", "office-always-on", "session.user")
    assert session_states(client, "office-hq", "office-always-on", "session.user") == ["PENDING"]
    wait_for(lambda: session_states(client, "office-hq", "office-always-on", "session.user") == ["ACTIVE"])


def test_session_authentication_type_api(client):
    open_session(client, "office-hq", "office-always-on", "session.user")
    session = client.describe_sessions(StackName="office-hq", FleetName="office-always-on", UserId="session.user")[
        "Sessions"
    ][0]
    assert session["AuthenticationType"] == "API"
    assert session["StackName"] == "office-hq"
    assert session["FleetName"] == "office-always-on"


def test_session_reused_for_second_url(client):
    open_session(client, "office-hq", "office-always-on", "session.user")
    open_session(client, "office-hq", "office-always-on", "session.user")
    assert len(session_states(client, "office-hq", "office-always-on", "session.user")) == 1


def test_session_counts_as_in_use(client):
    open_session(client, "it-admin", "it-admin-desktop", "session.user", ApplicationId="Desktop")
    capacity = client.describe_fleets(Names=["it-admin-desktop"])["Fleets"][0]["ComputeCapacityStatus"]
    assert capacity["InUse"] == 1
    assert capacity["Available"] == capacity["Running"] - 1


def test_describe_sessions_authentication_type_filter(client):
    api_users = [s["UserId"] for s in client.describe_sessions(StackName="office-hq", FleetName="office-always-on")["Sessions"]]
    saml_users = [
        s["UserId"]
        for s in client.describe_sessions(StackName="office-hq", FleetName="office-always-on", AuthenticationType="SAML")[
            "Sessions"
        ]
    ]
    assert api_users == ["alice@example.com"]
    assert saml_users == ["bob@example.com"]


def test_describe_sessions_paginates_with_limit(client):
    for index in range(5):
        open_session(client, "support-tier1", "office-always-on", f"user{index}")
    pages = list(
        client.get_paginator("describe_sessions").paginate(
            StackName="support-tier1", FleetName="office-always-on", PaginationConfig={"PageSize": 2}
        )
    )
    ids = [session["Id"] for page in pages for session in page["Sessions"]]
    assert len(pages) == 3
    assert len(ids) == len(set(ids)) == 5


def test_expire_session_expired_then_gone(emu, client):
    emu.expired_session_seconds = 1.5
    open_session(client, "office-hq", "office-always-on", "leaving.user")
    session_id = client.describe_sessions(StackName="office-hq", FleetName="office-always-on", UserId="leaving.user")[
        "Sessions"
    ][0]["Id"]
    client.expire_session(SessionId=session_id)
    assert session_states(client, "office-hq", "office-always-on", "leaving.user") == ["EXPIRED"]
    wait_for(lambda: session_states(client, "office-hq", "office-always-on", "leaving.user") == [])


def test_expire_session_unknown_id_not_found(client):
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.expire_session(SessionId="00000000-0000-0000-0000-000000000000")


# Fleet state changes.


def fleet_state(client, name: str) -> str:
    return client.describe_fleets(Names=[name])["Fleets"][0]["State"]


def test_start_fleet_starting_then_running(emu, client):
    emu.fleet_transition_seconds = 1.5
    client.start_fleet(Name="training-lab")
    assert fleet_state(client, "training-lab") == "STARTING"
    wait_for(lambda: fleet_state(client, "training-lab") == "RUNNING")
    capacity = client.describe_fleets(Names=["training-lab"])["Fleets"][0]["ComputeCapacityStatus"]
    assert capacity == {"Desired": 10, "Running": 10, "InUse": 0, "Available": 10}


def test_start_fleet_then_streaming_url_works(client):
    client.start_fleet(Name="training-lab")
    wait_for(lambda: fleet_state(client, "training-lab") == "RUNNING")
    response = client.create_streaming_url(StackName="training-classroom", FleetName="training-lab", UserId="student")
    assert "StreamingURL" in response


def test_stop_fleet_stopping_then_stopped(emu, client):
    emu.fleet_transition_seconds = 1.5
    client.stop_fleet(Name="office-always-on")
    assert fleet_state(client, "office-always-on") == "STOPPING"
    wait_for(lambda: fleet_state(client, "office-always-on") == "STOPPED")


def test_stop_fleet_ends_sessions(emu, client):
    emu.expired_session_seconds = 30
    open_session(client, "office-hq", "office-always-on", "session.user")
    client.stop_fleet(Name="office-always-on")
    assert session_states(client, "office-hq", "office-always-on", "session.user") == ["EXPIRED"]


def test_start_fleet_while_stopping_conflicts(emu, client):
    emu.fleet_transition_seconds = 30
    client.stop_fleet(Name="office-on-demand")
    with pytest.raises(client.exceptions.ConcurrentModificationException) as excinfo:
        client.start_fleet(Name="office-on-demand")
    assert "STOPPING" in error_message(excinfo)


def test_start_fleet_unknown_not_found(client):
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.start_fleet(Name="no-such-fleet")


def test_stop_fleet_unknown_not_found(client):
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.stop_fleet(Name="no-such-fleet")


def test_authenticate_page_fleet_stopped_after_url(emu, client):
    emu.fleet_transition_seconds = 30
    url = client.create_streaming_url(StackName="office-hq", FleetName="office-always-on", UserId="tester")[
        "StreamingURL"
    ]
    client.stop_fleet(Name="office-always-on")
    status, page = fetch(url)
    assert status == 503
    assert "STOPPING" in page


# Request handling.


def test_concurrent_paginations_each_complete(emu):
    emu.page_size = 2
    results: list[list[str]] = []
    errors: list[BaseException] = []

    def list_all_stacks() -> None:
        try:
            client = appstream_client(emu)
            pages = client.get_paginator("describe_stacks").paginate()
            results.append([stack["Name"] for page in pages for stack in page["Stacks"]])
        except BaseException as error:  # noqa: BLE001 (reported by the assert below)
            errors.append(error)

    threads = [threading.Thread(target=list_all_stacks) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert len(results) == 6
    assert all(len(set(names)) == SAMPLE_STACK_COUNT for names in results)


def test_unsigned_request_missing_authentication_token(emu):
    client = appstream_client(emu, signature_version=UNSIGNED)
    with pytest.raises(ClientError) as excinfo:
        client.describe_stacks()
    assert error_code(excinfo) == "MissingAuthenticationTokenException"
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def raw_post(emu, target: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(
        f"{emu.endpoint_url}/",
        data=body,
        method="POST",
        headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": target, **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def signed_headers(amz_date: datetime) -> dict[str, str]:
    stamp = amz_date.strftime("%Y%m%dT%H%M%SZ")
    return {
        "X-Amz-Date": stamp,
        "Authorization": (
            f"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/{stamp[:8]}/us-east-1/appstream/aws4_request, "
            "SignedHeaders=host;x-amz-date;x-amz-target, Signature=0000"
        ),
    }


def test_request_signed_twenty_minutes_ago_rejected(emu):
    headers = signed_headers(datetime.now(timezone.utc) - timedelta(minutes=20))
    status, response_headers, body = raw_post(emu, "PhotonAdminProxyService.DescribeStacks", b"{}", headers)
    error = json.loads(body)
    assert status == 400
    assert error["__type"] == "InvalidSignatureException"
    assert error["message"].startswith("Signature expired:")
    assert response_headers["x-amzn-ErrorType"] == "InvalidSignatureException"


def test_request_signed_in_future_rejected(emu):
    headers = signed_headers(datetime.now(timezone.utc) + timedelta(minutes=20))
    status, _, body = raw_post(emu, "PhotonAdminProxyService.DescribeStacks", b"{}", headers)
    assert status == 400
    assert json.loads(body)["message"].startswith("Signature not yet current:")


def test_request_signed_ten_minutes_ago_accepted(emu):
    headers = signed_headers(datetime.now(timezone.utc) - timedelta(minutes=10))
    status, _, body = raw_post(emu, "PhotonAdminProxyService.DescribeStacks", b"{}", headers)
    assert status == 200
    assert len(json.loads(body)["Stacks"]) == DEFAULT_PAGE_SIZE


def test_unknown_operation_rejected(emu):
    headers = signed_headers(datetime.now(timezone.utc))
    status, _, body = raw_post(emu, "PhotonAdminProxyService.CreateFleet", b"{}", headers)
    assert status == 400
    assert json.loads(body)["__type"] == "UnknownOperationException"


def test_body_not_json_rejected(emu):
    headers = signed_headers(datetime.now(timezone.utc))
    status, _, body = raw_post(emu, "PhotonAdminProxyService.DescribeStacks", b"{not json", headers)
    assert status == 400
    assert json.loads(body)["__type"] == "SerializationException"


def test_wrong_member_type_rejected(emu):
    headers = signed_headers(datetime.now(timezone.utc))
    status, _, body = raw_post(emu, "PhotonAdminProxyService.DescribeStacks", b'{"Names": "office-hq"}', headers)
    assert status == 400
    assert json.loads(body)["__type"] == "SerializationException"


# Output shapes: every response body must match botocore's appstream model.


APPSTREAM_MODEL = botocore.session.get_session().get_service_model("appstream")


def shape_problems(value: Any, shape, path: str) -> list[str]:
    """Check a parsed JSON value against a botocore shape: required members, member names and types."""
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            return [f"{path}: expected object, got {type(value).__name__}"]
        problems = [f"{path}.{name}: required member missing" for name in shape.required_members if name not in value]
        for name, member_value in value.items():
            if name not in shape.members:
                problems.append(f"{path}.{name}: not a member of {shape.name}")
            else:
                problems += shape_problems(member_value, shape.members[name], f"{path}.{name}")
        return problems
    if kind == "list":
        if not isinstance(value, list):
            return [f"{path}: expected list, got {type(value).__name__}"]
        return [problem for i, item in enumerate(value) for problem in shape_problems(item, shape.member, f"{path}[{i}]")]
    if kind == "map":
        if not isinstance(value, dict):
            return [f"{path}: expected object, got {type(value).__name__}"]
        return [problem for key, item in value.items() for problem in shape_problems(item, shape.value, f"{path}.{key}")]
    if kind == "string":
        if not isinstance(value, str):
            return [f"{path}: expected string, got {type(value).__name__}"]
        if shape.enum and value not in shape.enum:
            return [f"{path}: {value!r} is not in the enum of {shape.name}"]
        return []
    if kind in ("integer", "long"):
        ok = isinstance(value, int) and not isinstance(value, bool)
        return [] if ok else [f"{path}: expected integer, got {type(value).__name__}"]
    if kind == "boolean":
        return [] if isinstance(value, bool) else [f"{path}: expected boolean, got {type(value).__name__}"]
    if kind == "timestamp":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return [] if ok else [f"{path}: expected epoch seconds, got {type(value).__name__}"]
    return [f"{path}: shape type {kind} not handled by this checker"]


@pytest.fixture
def recorded_bodies(client):
    """Record the raw body of every response the client receives, keyed by operation name."""
    bodies: list[tuple[str, int, bytes]] = []

    def record(operation_model, response_dict, **kwargs):
        bodies.append((operation_model.name, response_dict["status_code"], response_dict["body"]))

    client.meta.events.register("before-parse.appstream.*", record)
    return bodies


def call_every_operation(client) -> None:
    for page in client.get_paginator("describe_stacks").paginate():
        pass
    client.list_associated_fleets(StackName="office-hq")
    client.list_associated_stacks(FleetName="office-on-demand")
    client.describe_fleets()
    client.describe_images()
    client.describe_images(Names=["engineering-cad-2024-05"])
    client.describe_application_fleet_associations(FleetName="elastic-browsers")
    client.describe_applications()
    url = client.create_streaming_url(StackName="office-hq", FleetName="office-always-on", UserId="shape.user")
    fetch(url["StreamingURL"])
    sessions = client.describe_sessions(StackName="office-hq", FleetName="office-always-on")["Sessions"]
    client.expire_session(SessionId=sessions[0]["Id"])
    client.start_fleet(Name="training-lab")
    client.stop_fleet(Name="finance-reporting")
    client.describe_fleets(Names=["training-lab", "finance-reporting"])


def test_every_response_matches_output_shape(client, recorded_bodies):
    call_every_operation(client)
    operations = {name for name, _, _ in recorded_bodies}
    assert len(operations) == 12
    for operation, status, body in recorded_bodies:
        assert status == 200, operation
        output_shape = APPSTREAM_MODEL.operation_model(operation).output_shape
        problems = shape_problems(json.loads(body), output_shape, operation)
        assert problems == [], problems


def test_error_body_has_aws_error_shape(client, recorded_bodies):
    with pytest.raises(ClientError):
        client.describe_stacks(Names=["no-such-stack"])
    _, status, body = recorded_bodies[-1]
    error = json.loads(body)
    assert status == 400
    assert set(error) == {"__type", "message"}
    assert error["__type"] == "ResourceNotFoundException"
