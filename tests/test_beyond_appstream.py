"""The Qt-free modules behind fleet start, sessions, endpoint options, recent launches, user IDs and client links.

AppStream calls go to the emulator over real HTTP with real boto3 clients.
"""

from __future__ import annotations

import base64
import string
import urllib.request
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from launcher.appstream.clients import ClientCache, Target
from launcher.appstream.endpoints import (
    EndpointOptions,
    apply_streaming_domain,
    fips_regions,
    options_for_source,
    rewrite_url_host,
    store_options,
    validate_streaming_domain,
)
from launcher.appstream.errors import AppStreamError, ErrorKind, ValidationError
from launcher.appstream.fleet_control import FleetControl, ReadinessLevel, fleet_readiness
from launcher.appstream.models import Fleet, FleetCapacity, StreamingRequest, StreamingURL
from launcher.appstream.native_client import client_link, streaming_url_of_link
from launcher.appstream.recent import MAX_RECENT_LAUNCHES, RecentLaunch, load_recent_launches, remember_launch
from launcher.appstream.api import AppStreamAPI
from launcher.appstream.sessions import SessionsAPI, session_from_api
from launcher.appstream.user_ids import derive_user_id, new_test_user_id, transliterate
from launcher.appstream.validation import validate_user_id
from launcher.credentials.sources import KIND_STATIC, CredentialSource, StaticCredentials
from launcher.settings import Settings, SettingsStore

REGION = "us-east-1"


def static_source() -> CredentialSource:
    return CredentialSource(KIND_STATIC, "beyond-test", StaticCredentials("AKIAIOSFODNN7EXAMPLE", "test-secret"))


def target_for(endpoint_url: str | None, use_fips: bool = False) -> Target:
    return Target(static_source(), REGION, endpoint_url, use_fips=use_fips)


def expect_error(call, kind: ErrorKind) -> AppStreamError:
    with pytest.raises(AppStreamError) as raised:
        call()
    assert raised.value.kind is kind, raised.value.message
    return raised.value


# Fleet readiness and StartFleet ------------------------------------------------------------


def fleet(state: str, fleet_type: str = "ALWAYS_ON", desired: int = 4, in_use: int = 1) -> Fleet:
    capacity = FleetCapacity(desired=desired, running=desired, in_use=in_use, available=desired - in_use)
    return Fleet(name="f1", state=state, fleet_type=fleet_type, capacity=capacity)


def test_readiness_of_running_fleet():
    readiness = fleet_readiness(fleet("RUNNING"))
    assert readiness.level is ReadinessLevel.READY
    assert readiness.text == "Running (Always-On): 3 of 4 instances available, 1 in use."
    assert not readiness.can_start


def test_readiness_of_full_fleet_is_limited():
    readiness = fleet_readiness(fleet("RUNNING", in_use=4))
    assert readiness.level is ReadinessLevel.LIMITED
    assert "none of its 4 instances is available" in readiness.text


def test_readiness_of_on_demand_and_elastic():
    assert "waits while its instance starts" in fleet_readiness(fleet("RUNNING", "ON_DEMAND")).text
    elastic = Fleet(name="e1", state="RUNNING", fleet_type="ELASTIC")
    assert fleet_readiness(elastic).text.startswith("Running (Elastic)")


def test_readiness_of_stopped_fleet_offers_start():
    readiness = fleet_readiness(fleet("STOPPED"))
    assert readiness.can_start
    assert readiness.level is ReadinessLevel.NOT_READY
    assert readiness.text.startswith("Stopped (Always-On)")


def test_readiness_of_starting_fleet():
    readiness = fleet_readiness(fleet("STARTING"))
    assert readiness.level is ReadinessLevel.CHANGING
    assert not readiness.can_start


def test_start_fleet_reaches_running(fresh_emulator):
    control = FleetControl(target_for(fresh_emulator.endpoint_url), ClientCache())
    assert control.fleet_status("training-lab").fleet.state == "STOPPED"

    control.start_fleet("training-lab")

    assert control.fleet_status("training-lab").fleet.state == "STARTING"
    deadline = datetime.now(timezone.utc) + timedelta(seconds=10)
    status = control.fleet_status("training-lab")
    while not status.fleet.is_running and datetime.now(timezone.utc) < deadline:
        status = control.fleet_status("training-lab")
    assert status.fleet.is_running
    assert status.errors == ()
    assert fresh_emulator.calls.count("StartFleet") == 1


def test_start_fleet_denied_names_action(emulator):
    emulator.faults.deny("StartFleet")
    control = FleetControl(target_for(emulator.endpoint_url), ClientCache())

    error = expect_error(lambda: control.start_fleet("training-lab"), ErrorKind.ACCESS_DENIED)

    assert "appstream:StartFleet" in error.message


def test_fleet_status_of_unknown_fleet(emulator):
    control = FleetControl(target_for(emulator.endpoint_url), ClientCache())

    expect_error(lambda: control.fleet_status("no-such-fleet"), ErrorKind.NOT_FOUND)


def test_fleet_status_rejects_bad_name():
    control = FleetControl(target_for("http://127.0.0.1:9"), ClientCache())

    with pytest.raises(ValidationError):
        control.fleet_status("bad name")


# Sessions ----------------------------------------------------------------------------------


def open_streaming_url(endpoint_url: str, user_id: str) -> None:
    """Generate a URL for the user on office-hq and fetch it, which starts a session on the emulator."""
    api = AppStreamAPI(target_for(endpoint_url), ClientCache())
    result = api.create_streaming_url(
        StreamingRequest(stack_name="office-hq", fleet_name="office-always-on", user_id=user_id, validity_seconds=60)
    )
    with urllib.request.urlopen(result.url, timeout=10) as response:
        response.read()


def test_sessions_listed_and_expired(fresh_emulator):
    open_streaming_url(fresh_emulator.endpoint_url, "session-user")
    api = SessionsAPI(target_for(fresh_emulator.endpoint_url), ClientCache())

    sessions = api.list_sessions("office-hq", "office-always-on", "session-user")

    assert len(sessions) == 1
    session = sessions[0]
    assert session.user_id == "session-user"
    assert session.state in ("PENDING", "ACTIVE")
    assert session.instance_id.startswith("i-")
    assert session.start_time is not None and session.start_time.tzinfo is not None
    assert session.is_live

    api.expire_session(session)

    after = api.list_sessions("office-hq", "office-always-on", "session-user")
    assert [item.state for item in after] == ["EXPIRED"]
    assert not after[0].is_live


def test_sessions_filter_by_user_and_api_type(emulator):
    api = SessionsAPI(target_for(emulator.endpoint_url), ClientCache())

    # The sample has alice (API) and bob (SAML) on office-hq; only API sessions of the user count.
    assert [item.user_id for item in api.list_sessions("office-hq", "office-always-on", "alice@example.com")] == [
        "alice@example.com"
    ]
    assert api.list_sessions("office-hq", "office-always-on", "bob@example.com") == []


def test_sessions_read_every_page(fresh_emulator, monkeypatch):
    monkeypatch.setattr("launcher.appstream.sessions.SESSIONS_PAGE_LIMIT", 1)
    api = SessionsAPI(target_for(fresh_emulator.endpoint_url), ClientCache())
    open_streaming_url(fresh_emulator.endpoint_url, "paged-user")
    api.expire_session(api.list_sessions("office-hq", "office-always-on", "paged-user")[0])
    # A new URL after the first session expired starts a second session.
    open_streaming_url(fresh_emulator.endpoint_url, "paged-user")
    fresh_emulator.reset_calls()

    sessions = api.list_sessions("office-hq", "office-always-on", "paged-user")

    assert sorted(session.state for session in sessions) == ["EXPIRED", "PENDING"]
    assert sessions[0].state == "PENDING"
    assert fresh_emulator.calls.count("DescribeSessions") == 2


def test_describe_sessions_denied(emulator):
    emulator.faults.deny("DescribeSessions")
    api = SessionsAPI(target_for(emulator.endpoint_url), ClientCache())

    error = expect_error(lambda: api.list_sessions("office-hq", "office-always-on", "someone"), ErrorKind.ACCESS_DENIED)

    assert "appstream:DescribeSessions" in error.message


def test_expire_unknown_session(emulator):
    api = SessionsAPI(target_for(emulator.endpoint_url), ClientCache())
    ghost = session_from_api({"Id": "00000000-0000-0000-0000-000000000000", "State": "ACTIVE"})

    expect_error(lambda: api.expire_session(ghost), ErrorKind.NOT_FOUND)


def test_session_without_id_is_invalid_response():
    with pytest.raises(AppStreamError) as raised:
        session_from_api({"State": "ACTIVE"})
    assert raised.value.kind is ErrorKind.INVALID_RESPONSE


# Endpoint options --------------------------------------------------------------------------


def test_fips_regions_from_botocore_data():
    regions = fips_regions()
    assert {"us-east-1", "us-west-2", "us-gov-west-1"} <= regions
    assert "eu-west-1" not in regions


def test_fips_target_resolves_fips_endpoint():
    cache = ClientCache()

    plain = cache.client(target_for(None))
    fips = cache.client(target_for(None, use_fips=True))

    # Both resolve locally from botocore's endpoint rules; no request is sent.
    assert plain.meta.endpoint_url == "https://appstream2.us-east-1.amazonaws.com"
    assert fips.meta.endpoint_url == "https://appstream2-fips.us-east-1.amazonaws.com"
    assert target_for(None).cache_key != target_for(None, use_fips=True).cache_key


def test_fips_with_endpoint_url_uses_endpoint(emulator):
    client = ClientCache().client(target_for(emulator.endpoint_url, use_fips=True))

    assert client.meta.endpoint_url == emulator.endpoint_url
    assert client.meta.config.use_fips_endpoint is True
    assert client.describe_stacks()["Stacks"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ""),
        ("  Streaming.Example.COM ", "streaming.example.com"),
        ("localhost:8443", "localhost:8443"),
        ("a-b.c1.example", "a-b.c1.example"),
    ],
)
def test_streaming_domain_accepted(text, expected):
    assert validate_streaming_domain(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("https://streaming.example.com", "without https://"),
        ("streaming.example.com/path", "without https://"),
        ("bad_host.example.com", "not a valid host name"),
        ("-start.example.com", "not a valid host name"),
        ("example.com:0", "out of range"),
        ("example.com:70000", "out of range"),
        ("a" * 64 + ".com", "not a valid host name"),
    ],
)
def test_streaming_domain_rejected(text, message):
    with pytest.raises(ValidationError) as raised:
        validate_streaming_domain(text)
    assert message in raised.value.message


def test_rewrite_keeps_token_bytes():
    url = "https://appstream2.us-east-1.aws.amazon.com/authenticate?parameters=a%2Bb%3D%3D&signature=x~y"

    rewritten = rewrite_url_host(url, "streaming.example.com")

    assert rewritten == "https://streaming.example.com/authenticate?parameters=a%2Bb%3D%3D&signature=x~y"
    assert rewrite_url_host(url, "") == url


def test_apply_streaming_domain_keeps_expiry():
    expires = datetime(2030, 1, 1, tzinfo=timezone.utc)
    result = StreamingURL(url="http://127.0.0.1:8765/authenticate?parameters=t", expires=expires)

    rewritten = apply_streaming_domain(result, "localhost:8765")

    assert rewritten.url == "http://localhost:8765/authenticate?parameters=t"
    assert rewritten.expires == expires
    assert apply_streaming_domain(result, "") is result


def test_endpoint_options_stored_per_source(tmp_path):
    stored = store_options({}, "profile:alpha", EndpointOptions(use_fips=True, streaming_domain="s.example.com"))
    stored = store_options(stored, "default", EndpointOptions())
    store = SettingsStore(tmp_path / "settings.json")
    store.save(Settings(endpoint_options=stored))

    loaded = store.load().endpoint_options

    assert loaded == {"profile:alpha": {"use_fips": True, "streaming_domain": "s.example.com"}}
    assert options_for_source(loaded, "profile:alpha") == EndpointOptions(True, "s.example.com")
    assert options_for_source(loaded, "default") == EndpointOptions()


def test_endpoint_options_ignore_invalid_members():
    options = EndpointOptions.from_dict({"use_fips": "yes", "streaming_domain": "https://bad"})

    assert options == EndpointOptions()
    assert EndpointOptions.from_dict("not a dict") == EndpointOptions()


# Recent launches ---------------------------------------------------------------------------


def launch(number: int = 1, **overrides) -> RecentLaunch:
    values = {
        "source": "default",
        "region": "us-east-1",
        "stack": "office-hq",
        "fleet": "office-always-on",
        "application": "excel",
        "user_id": f"user-{number}",
        "validity_seconds": 300,
    }
    values.update(overrides)
    return RecentLaunch(**values)


def test_remember_moves_repeat_to_front():
    launches = remember_launch([], launch(1))
    launches = remember_launch(launches, launch(2))

    launches = remember_launch(launches, launch(1))

    assert [item.user_id for item in launches] == ["user-1", "user-2"]


def test_remember_keeps_at_most_ten():
    launches: list[RecentLaunch] = []
    for number in range(MAX_RECENT_LAUNCHES + 3):
        launches = remember_launch(launches, launch(number))

    assert len(launches) == MAX_RECENT_LAUNCHES
    assert launches[0].user_id == f"user-{MAX_RECENT_LAUNCHES + 2}"


def test_different_validity_is_another_launch():
    launches = remember_launch([launch(1)], launch(1, validity_seconds=60))

    assert len(launches) == 2


def test_recent_launch_round_trip_has_no_url():
    entry = launch(1, application="").to_dict()

    assert set(entry) == {"source", "region", "stack", "fleet", "application", "user_id", "validity_seconds"}
    assert RecentLaunch.from_dict(entry) == launch(1, application="")


def test_load_recent_skips_invalid_entries():
    entries = [
        launch(1).to_dict(),
        {**launch(2).to_dict(), "user_id": "bad user!"},
        {**launch(3).to_dict(), "validity_seconds": True},
        {**launch(4).to_dict(), "stack": ""},
        "not a dict",
        {**launch(5).to_dict(), "StreamingURL": "http://127.0.0.1/authenticate?parameters=secret"},
        launch(1).to_dict(),
    ]

    loaded = load_recent_launches(entries)

    assert [item.user_id for item in loaded] == ["user-1", "user-5"]
    assert "StreamingURL" not in loaded[1].to_dict()


# User IDs ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("José María García", "jose.maria.garcia"),
        ("José Müller <jose.muller@example.com>", "jose.muller@example.com"),
        ("Ærøskøbing Ødegård", "aeroskobing.odegard"),
        ("O'Brien, Seán", "obrien.sean"),
        ("Straße", "strasse"),
        ("ＡＢＣ", "abc"),
        ("x", "x-user"),
        ("test-user", "test-user"),
        ("Anna-Lena.Schmidt@Example.de", "Anna-Lena.Schmidt@Example.de"),
        ("Anna-Lena Schmidt@Example.de", "anna-lenaschmidt@example.de"),
        ("firstname.lastname.longer@subdomain.example.com", "firstname.lastname.longer"),
    ],
)
def test_derive_user_id_examples(text, expected):
    assert derive_user_id(text) == expected


@pytest.mark.parametrize("text", ["Иван Петров", "", "   ", "'''", "!!!"])
def test_derive_user_id_rejects_unusable_text(text):
    with pytest.raises(ValidationError) as raised:
        derive_user_id(text)
    assert raised.value.field == "user_id"


def has_usable_character(text: str) -> bool:
    return any(char.isascii() and char.isalnum() for char in transliterate(text))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_derived_id_always_validates(text):
    try:
        user_id = derive_user_id(text)
    except ValidationError:
        assert not has_usable_character(text)
        return
    assert validate_user_id(user_id) == user_id
    assert derive_user_id(user_id) == user_id


@settings(max_examples=200, deadline=None)
@given(st.emails())
def test_derived_id_from_email_validates(address):
    user_id = derive_user_id(address)

    assert validate_user_id(user_id) == user_id


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=string.ascii_letters + "àéîõüçñÅØß ", min_size=1, max_size=60).filter(str.strip))
def test_derived_id_from_latin_name_validates(name):
    if not any(char.isalpha() for char in name):
        return
    user_id = derive_user_id(name)

    assert validate_user_id(user_id) == user_id
    assert user_id.isascii()


def test_new_test_user_ids_are_fresh_and_valid():
    user_ids = {new_test_user_id() for _ in range(50)}

    assert len(user_ids) == 50
    for user_id in user_ids:
        assert validate_user_id(user_id) == user_id
        assert user_id.startswith("test-")
        assert len(user_id) == len("test-") + 8


# Native client links -----------------------------------------------------------------------


def test_client_link_is_base64_of_url():
    url = "https://appstream2.us-east-1.aws.amazon.com/authenticate?parameters=abc%2Bdef&signature=x"

    link = client_link(url)

    assert link.startswith("amazonappstream:")
    assert base64.b64decode(link.removeprefix("amazonappstream:")).decode("utf-8") == url
    assert streaming_url_of_link(link) == url


def test_client_link_encodes_utf8():
    url = "https://streaming.example.com/authenticate?user=jörg"

    assert streaming_url_of_link(client_link(url)) == url


def test_streaming_url_of_other_link_rejected():
    with pytest.raises(ValueError):
        streaming_url_of_link("https://example.com")
    with pytest.raises(ValueError):
        streaming_url_of_link("amazonappstream:not base64!")
