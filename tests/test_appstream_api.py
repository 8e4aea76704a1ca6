"""The AppStream layer against the emulator over real HTTP with real boto3 clients."""

from __future__ import annotations

import json
import socket
from datetime import datetime, timedelta, timezone
from importlib import resources

import pytest

from launcher.appstream import clients, listing
from launcher.appstream.api import AppStreamAPI, redact_url
from launcher.appstream.clients import ClientCache, Target
from launcher.appstream.errors import AppStreamError, ErrorKind, ValidationError
from launcher.appstream.models import DESKTOP_APPLICATION_ID, StreamingRequest
from launcher.credentials.sources import DEFAULT_SOURCE, KIND_STATIC, CredentialSource, StaticCredentials
from launcher.emulator import start_emulator

ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
REGION = "us-east-1"


def static_source(access_key_id: str = ACCESS_KEY_ID) -> CredentialSource:
    return CredentialSource(KIND_STATIC, f"test-{access_key_id}", StaticCredentials(access_key_id, "test-secret"))


def make_api(endpoint_url: str, access_key_id: str = ACCESS_KEY_ID) -> AppStreamAPI:
    return AppStreamAPI(Target(static_source(access_key_id), REGION, endpoint_url), ClientCache())


@pytest.fixture
def api(emulator) -> AppStreamAPI:
    return make_api(emulator.endpoint_url)


def request(**overrides) -> StreamingRequest:
    values = {"stack_name": "office-hq", "fleet_name": "office-always-on", "user_id": "test-user", "validity_seconds": 300}
    values.update(overrides)
    return StreamingRequest(**values)


def sample_scenario() -> dict:
    text = resources.files("launcher.emulator").joinpath("sample_scenario.json").read_text(encoding="utf-8")
    return json.loads(text)


def expect_error(call, kind: ErrorKind) -> AppStreamError:
    with pytest.raises(AppStreamError) as raised:
        call()
    assert raised.value.kind is kind, raised.value.message
    return raised.value


# Listing ------------------------------------------------------------------------------------


def test_list_stacks_reads_every_page(api, emulator):
    emulator.page_size = 2
    stacks = api.list_stacks()
    assert len(stacks) == 26
    assert len({stack.name for stack in stacks}) == 26
    assert emulator.calls.count("DescribeStacks") == 13


def test_list_stacks_sorted_by_name(api):
    names = [stack.name for stack in api.list_stacks()]
    assert names == sorted(names, key=str.lower)


def test_list_stacks_reads_access_endpoints(api):
    stack = next(stack for stack in api.list_stacks() if stack.name == "finance-private")
    assert stack.access_endpoints


def test_list_fleets_of_stack(api):
    fleets = api.list_fleets("office-hq")
    assert [fleet.name for fleet in fleets] == ["office-always-on"]


def test_list_fleets_carries_capacity(api):
    fleet = api.list_fleets("office-hq")[0]
    assert fleet.capacity is not None
    assert fleet.capacity.desired >= fleet.capacity.available


def test_list_fleets_carries_state_type_and_view(api):
    fleet = api.list_fleets("engineering-cad")[0]
    assert (fleet.state, fleet.fleet_type, fleet.stream_view) == ("RUNNING", "ALWAYS_ON", "DESKTOP")


def test_list_fleets_marks_stopped_fleet(api):
    fleet = api.list_fleets("training-classroom")[0]
    assert not fleet.is_running


def test_list_fleets_of_stack_without_fleets(api, emulator):
    assert api.list_fleets("sandbox-unassigned") == []
    assert "DescribeFleets" not in emulator.calls


def test_list_fleets_reads_every_page():
    scenario = sample_scenario()
    hq = next(stack for stack in scenario["Stacks"] if stack["Name"] == "office-hq")
    hq["Fleets"] = ["office-always-on", "office-on-demand", "data-science", "training-lab", "elastic-browsers"]
    with start_emulator(scenario, page_size=2) as emulator:
        fleets = make_api(emulator.endpoint_url).list_fleets("office-hq")
        calls = list(emulator.calls)
    assert len(fleets) == 5
    assert calls.count("ListAssociatedFleets") == 3


def test_list_applications_of_image_fleet(api):
    fleet = api.list_fleets("office-hq")[0]
    names = {app.name for app in api.list_applications(fleet)}
    assert names == {"word", "excel", "powerpoint", "outlook", "onenote", "notepad-plus-plus"}


def test_list_applications_app_view_has_no_desktop(api):
    fleet = api.list_fleets("office-hq")[0]
    assert DESKTOP_APPLICATION_ID not in [app.name for app in api.list_applications(fleet)]


def test_list_applications_desktop_view_starts_with_desktop(api):
    fleet = api.list_fleets("engineering-cad")[0]
    assert api.list_applications(fleet)[0].name == DESKTOP_APPLICATION_ID


def test_list_applications_skips_disabled(api):
    fleet = api.list_fleets("engineering-cad")[0]
    assert "legacy-drawing-viewer" not in [app.name for app in api.list_applications(fleet)]


def test_list_applications_shows_display_names(api):
    fleet = api.list_fleets("office-hq")[0]
    word = next(app for app in api.list_applications(fleet) if app.name == "word")
    assert word.label != "word"


def test_list_applications_of_elastic_fleet_reads_every_page(api, emulator, monkeypatch):
    monkeypatch.setattr(listing, "MAX_RESULTS", 2)
    fleet = api.list_fleets("web-browsers")[0]
    names = {app.name for app in api.list_applications(fleet)}
    assert names == {"firefox-esr", "chromium", "notepad-plus-plus", "7zip", "partner-portal-client"}
    assert emulator.calls.count("DescribeApplicationFleetAssociations") == 3


# Streaming URLs -----------------------------------------------------------------------------


def test_create_streaming_url_points_to_endpoint(api, emulator):
    result = api.create_streaming_url(request())
    assert result.url.startswith(f"{emulator.endpoint_url}/authenticate?parameters=")


def test_create_streaming_url_expires_is_aware(api):
    result = api.create_streaming_url(request(validity_seconds=600))
    assert result.expires.tzinfo is not None


def test_create_streaming_url_expires_after_validity(api):
    result = api.create_streaming_url(request(validity_seconds=600))
    remaining = result.expires - datetime.now(timezone.utc)
    assert timedelta(seconds=590) < remaining <= timedelta(seconds=601)


def test_create_streaming_url_is_one_round_trip(api, emulator):
    api.create_streaming_url(request())
    assert emulator.calls == ["CreateStreamingURL"]


def test_create_streaming_url_with_desktop(api):
    result = api.create_streaming_url(request(stack_name="it-admin", fleet_name="it-admin-desktop", application_id="Desktop"))
    assert "parameters=" in result.url


def test_create_streaming_url_repr_hides_url(api):
    result = api.create_streaming_url(request())
    assert result.url not in repr(result)


def test_redact_url_drops_query():
    assert redact_url("https://example.com/authenticate?parameters=secret") == "https://example.com/authenticate?…"


@pytest.mark.parametrize(
    "overrides",
    [
        {"user_id": "x"},
        {"user_id": "bad user"},
        {"validity_seconds": 0},
        {"validity_seconds": 604801},
        {"session_context": ""},
        {"stack_name": ""},
        {"fleet_name": ""},
    ],
)
def test_invalid_request_makes_no_call(api, emulator, overrides):
    with pytest.raises(ValidationError):
        api.create_streaming_url(request(**overrides))
    assert emulator.calls == []


# Error mapping ------------------------------------------------------------------------------


def test_unknown_stack_is_not_found(api):
    error = expect_error(lambda: api.create_streaming_url(request(stack_name="no-such-stack")), ErrorKind.NOT_FOUND)
    assert "no-such-stack" in error.message


def test_unknown_application_is_not_found(api):
    expect_error(lambda: api.create_streaming_url(request(application_id="no-such-app")), ErrorKind.NOT_FOUND)


def test_fleet_of_other_stack_is_invalid_combination(api):
    expect_error(
        lambda: api.create_streaming_url(request(fleet_name="data-science")), ErrorKind.INVALID_COMBINATION
    )


def test_stopped_fleet_is_not_available(api):
    error = expect_error(
        lambda: api.create_streaming_url(request(stack_name="training-classroom", fleet_name="training-lab")),
        ErrorKind.NOT_AVAILABLE,
    )
    assert "STOPPED" in error.message


def test_desktop_on_app_fleet_is_not_permitted(api):
    expect_error(lambda: api.create_streaming_url(request(application_id="Desktop")), ErrorKind.NOT_PERMITTED)


def test_access_denied_names_action(api, emulator):
    emulator.faults.deny("DescribeStacks")
    error = expect_error(api.list_stacks, ErrorKind.ACCESS_DENIED)
    assert "appstream:DescribeStacks" in error.message


def test_expired_credentials(emulator):
    emulator.expired_access_key_ids.add("ASIAEXPIREDEXAMPLE01")
    api = make_api(emulator.endpoint_url, "ASIAEXPIREDEXAMPLE01")
    expect_error(api.list_stacks, ErrorKind.CREDENTIALS_EXPIRED)


def test_invalid_credentials(emulator):
    emulator.invalid_access_key_ids.add("AKIAINVALIDEXAMPLE01")
    api = make_api(emulator.endpoint_url, "AKIAINVALIDEXAMPLE01")
    expect_error(api.list_stacks, ErrorKind.CREDENTIALS_INVALID)


def test_clock_skew(api, emulator):
    emulator.faults.clock_skew(10)
    error = expect_error(api.list_stacks, ErrorKind.CLOCK_SKEW)
    assert "clock" in error.message


def test_throttling_after_retries(api, emulator):
    emulator.faults.throttle(10)
    error = expect_error(api.list_stacks, ErrorKind.THROTTLED)
    assert "DescribeStacks" in error.message


def test_throttling_once_is_retried(api, emulator):
    emulator.faults.throttle(1)
    assert len(api.list_stacks()) == 26


def test_server_error_after_retries(api, emulator):
    emulator.faults.http_500(10)
    expect_error(api.list_stacks, ErrorKind.SERVICE_ERROR)


def test_connection_reset_is_unreachable(api, emulator):
    emulator.faults.reset_connection(10)
    expect_error(api.list_stacks, ErrorKind.UNREACHABLE)


def test_malformed_streaming_response_is_invalid(api, emulator):
    emulator.faults.malformed(10)
    expect_error(lambda: api.create_streaming_url(request()), ErrorKind.INVALID_RESPONSE)


def test_missing_stack_name_is_invalid_response(api, emulator):
    emulator.faults.missing_fields(10, operation="DescribeStacks")
    expect_error(api.list_stacks, ErrorKind.INVALID_RESPONSE)


def test_closed_port_is_unreachable():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    endpoint = f"http://127.0.0.1:{port}"
    error = expect_error(make_api(endpoint).list_stacks, ErrorKind.UNREACHABLE)
    assert endpoint in error.message


def test_slow_response_times_out(emulator, monkeypatch):
    monkeypatch.setattr(clients, "READ_TIMEOUT_SECONDS", 0.5)
    monkeypatch.setattr(clients, "MAX_ATTEMPTS", 1)
    emulator.faults.slow(2.0, n=5)
    expect_error(make_api(emulator.endpoint_url).list_stacks, ErrorKind.TIMEOUT)


def test_missing_credentials(emulator):
    api = AppStreamAPI(Target(DEFAULT_SOURCE, REGION, emulator.endpoint_url), ClientCache())
    expect_error(api.list_stacks, ErrorKind.CREDENTIALS_MISSING)


def test_unknown_profile_is_configuration_error(emulator):
    api = AppStreamAPI(Target(CredentialSource("profile", "nope"), REGION, emulator.endpoint_url), ClientCache())
    error = expect_error(api.list_stacks, ErrorKind.CONFIGURATION)
    assert "nope" in error.message


# Clients -------------------------------------------------------------------------------------


def test_client_cache_shares_client(emulator):
    cache = ClientCache()
    target = Target(static_source(), REGION, emulator.endpoint_url)
    assert cache.client(target) is cache.client(target)


def test_client_cache_separates_regions(emulator):
    cache = ClientCache()
    first = cache.client(Target(static_source(), REGION, emulator.endpoint_url))
    second = cache.client(Target(static_source(), "eu-west-1", emulator.endpoint_url))
    assert first is not second


def test_client_uses_standard_retries(emulator):
    client = ClientCache().client(Target(static_source(), REGION, emulator.endpoint_url))
    assert client.meta.config.retries == {"mode": "standard", "total_max_attempts": clients.MAX_ATTEMPTS}


def test_client_has_explicit_timeouts(emulator):
    client = ClientCache().client(Target(static_source(), REGION, emulator.endpoint_url))
    assert (client.meta.config.connect_timeout, client.meta.config.read_timeout) == (
        clients.CONNECT_TIMEOUT_SECONDS,
        clients.READ_TIMEOUT_SECONDS,
    )


def test_endpoint_from_environment(emulator, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_APPSTREAM", emulator.endpoint_url)
    api = AppStreamAPI(Target(static_source(), REGION), ClientCache())
    assert len(api.list_stacks()) == 26


def test_client_makes_three_attempts(api, emulator):
    emulator.faults.http_500(10)
    expect_error(api.list_stacks, ErrorKind.SERVICE_ERROR)
    assert emulator.calls.count("DescribeStacks") == clients.MAX_ATTEMPTS


def test_credential_failure_drops_cached_client(emulator):
    emulator.expired_access_key_ids.add("ASIAEXPIREDEXAMPLE02")
    cache = ClientCache()
    target = Target(static_source("ASIAEXPIREDEXAMPLE02"), REGION, emulator.endpoint_url)
    first = cache.client(target)
    expect_error(AppStreamAPI(target, cache).list_stacks, ErrorKind.CREDENTIALS_EXPIRED)
    assert cache.client(target) is not first


def test_mfa_refresh_error_asks_again():
    from botocore.exceptions import RefreshWithMFAUnsupportedError

    from launcher.appstream.errors import translate_error

    error = translate_error(RefreshWithMFAUnsupportedError(), operation="DescribeStacks")
    assert error.kind is ErrorKind.CREDENTIALS_EXPIRED
    assert "MFA code" in error.message


class _ExpiredMfaClients(ClientCache):
    """A client cache whose first client fails as botocore does when MFA credentials cannot be renewed."""

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures
        self.forgotten: list[str | None] = []

    def client(self, target, service="appstream"):
        if self.failures:
            self.failures -= 1
            return _RefreshFailingClient()
        return super().client(target, service)

    def forget(self, source_key=None):
        self.forgotten.append(source_key)
        super().forget(source_key)


class _RefreshFailingClient:
    def __getattr__(self, name):
        from botocore.exceptions import RefreshWithMFAUnsupportedError

        def call(*args, **kwargs):
            raise RefreshWithMFAUnsupportedError()

        return call


def test_expired_mfa_session_is_renewed_once(emulator):
    clients = _ExpiredMfaClients(failures=1)
    target = Target(static_source("AKIARENEWEXAMPLE0001"), REGION, emulator.endpoint_url)

    stacks = AppStreamAPI(target, clients).list_stacks()

    assert len(stacks) == 26
    assert clients.forgotten[0] == target.source.key


def test_expired_mfa_session_fails_after_second_attempt(emulator):
    clients = _ExpiredMfaClients(failures=2)
    target = Target(static_source("AKIARENEWEXAMPLE0002"), REGION, emulator.endpoint_url)

    expect_error(AppStreamAPI(target, clients).list_stacks, ErrorKind.CREDENTIALS_EXPIRED)
