"""CreateStreamingURL without botocore (`launcher.appstream.direct`), checked against botocore itself.

botocore is the reference: the signature must equal botocore's SigV4 signature, the default
endpoint botocore's resolved endpoint, and every failure the message the botocore path gives.
The emulator verifies signatures for the keys in `secret_keys`, over real HTTP.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime, timezone
from pathlib import Path

import pytest

from launcher.appstream import direct
from launcher.appstream.api import AppStreamAPI
from launcher.appstream.clients import Target, shared_clients
from launcher.appstream.errors import AppStreamError, ErrorKind
from launcher.appstream.models import StreamingRequest
from launcher.credentials.sources import DEFAULT_SOURCE, KIND_PROFILE, KIND_SAVED, CredentialSource, StaticCredentials

REGION = "us-east-1"
ACCESS_KEY_ID = "AKIADIRECTTEST000001"
SECRET_ACCESS_KEY = "direct-test-secret"
REQUEST = StreamingRequest(stack_name="office-hq", fleet_name="office-always-on", user_id="direct-user", validity_seconds=300)
SIGNING_TIME = datetime(2026, 12, 4, 12, 30, 45, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def fresh_clients():
    shared_clients.forget()
    yield
    shared_clients.forget()


@pytest.fixture
def env_keys(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY)


@pytest.fixture
def quiet_emulator():
    emulator_logger = logging.getLogger("launcher.emulator")
    level = emulator_logger.level
    emulator_logger.setLevel(logging.ERROR)
    yield
    emulator_logger.setLevel(level)


def write_aws_file(variable: str, text: str) -> None:
    Path(os.environ[variable]).write_text(text, encoding="utf-8")


def emulator_target(emulator, source: CredentialSource = DEFAULT_SOURCE) -> Target:
    return Target(source=source, region=REGION, endpoint_url=emulator.endpoint_url)


# Signing ----------------------------------------------------------------------------------


def botocore_signed_headers(keys: StaticCredentials, url: str, headers: dict[str, str], body: bytes) -> dict[str, str]:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(method="POST", url=url, data=body, headers=dict(headers))
    SigV4Auth(Credentials(keys.access_key_id, keys.secret_access_key, keys.session_token), "appstream", REGION).add_auth(request)
    return dict(request.headers.items())


@pytest.mark.parametrize(
    ("token", "url", "host"),
    [
        (None, "http://127.0.0.1:8765/", "127.0.0.1:8765"),
        ("session-token-value", "http://127.0.0.1:8765/", "127.0.0.1:8765"),
        (None, "https://appstream2.us-east-1.amazonaws.com/", "appstream2.us-east-1.amazonaws.com"),
    ],
    ids=["keys", "session-token", "aws-endpoint"],
)
def test_sign_request_matches_botocore(token, url, host):
    keys = StaticCredentials(ACCESS_KEY_ID, SECRET_ACCESS_KEY, token)
    headers = {"Content-Type": direct.CONTENT_TYPE, "X-Amz-Target": "PhotonAdminProxyService.CreateStreamingURL"}
    body = json.dumps({"StackName": "office-hq", "UserId": "u1"}).encode()

    reference = botocore_signed_headers(keys, url, headers, body)
    signed_at = datetime.strptime(reference["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)

    ours = direct.sign_request(keys, REGION, host, "/", headers, body, signed_at)

    assert ours["Authorization"] == reference["Authorization"]


def test_sign_request_adds_session_token_header():
    keys = StaticCredentials(ACCESS_KEY_ID, SECRET_ACCESS_KEY, "session-token-value")

    headers = direct.sign_request(keys, REGION, "example.com", "/", {}, b"", SIGNING_TIME)

    assert headers["X-Amz-Security-Token"] == "session-token-value"


# Endpoints --------------------------------------------------------------------------------


def aws_partition_regions() -> list[str]:
    import botocore

    partitions = json.loads((Path(botocore.__file__).parent / "data" / "partitions.json").read_text())
    aws = next(partition for partition in partitions["partitions"] if partition["id"] == "aws")
    return sorted(region for region in aws["regions"] if not region.endswith("-global")) + ["eu-future-1", "ap-future-9"]


@pytest.mark.parametrize("region", aws_partition_regions())
def test_standard_endpoint_matches_botocore(region):
    import botocore.session

    client = botocore.session.get_session().create_client(
        "appstream", region_name=region, aws_access_key_id="a", aws_secret_access_key="b"
    )

    assert direct._standard_endpoint(region) == client.meta.endpoint_url


@pytest.mark.parametrize("region", ["cn-north-1", "us-gov-west-1", "us-iso-east-1", "eusc-de-east-1", "eu-isoe-west-1"])
def test_standard_endpoint_leaves_other_partitions_to_botocore(region):
    assert direct._standard_endpoint(region) is None


# Choosing the direct path -----------------------------------------------------------------


def plan(source: CredentialSource = DEFAULT_SOURCE, endpoint_url: str | None = "http://127.0.0.1:8765", **options):
    return direct.plan_direct_call(Target(source=source, region=options.pop("region", REGION), endpoint_url=endpoint_url, **options))


def test_plan_uses_environment_keys(env_keys):
    assert plan().keys == StaticCredentials(ACCESS_KEY_ID, SECRET_ACCESS_KEY)


def test_plan_includes_environment_session_token(env_keys, monkeypatch):
    monkeypatch.setenv("AWS_SESSION_TOKEN", "token-1")

    assert plan().keys.session_token == "token-1"


def test_plan_defaults_to_standard_endpoint(env_keys):
    assert plan(endpoint_url=None).endpoint_url == "https://appstream2.us-east-1.amazonaws.com"


def test_plan_reads_profile_keys_from_credentials_file():
    write_aws_file("AWS_SHARED_CREDENTIALS_FILE", "[lab]\naws_access_key_id = AKIALAB\naws_secret_access_key = lab-secret\n")

    assert plan(CredentialSource(KIND_PROFILE, "lab")).keys == StaticCredentials("AKIALAB", "lab-secret")


def test_plan_reads_profile_keys_from_config_file():
    write_aws_file("AWS_CONFIG_FILE", "[profile lab]\naws_access_key_id = AKIACFG\naws_secret_access_key = cfg-secret\nregion = eu-west-1\n")

    assert plan(CredentialSource(KIND_PROFILE, "lab")).keys == StaticCredentials("AKIACFG", "cfg-secret")


def test_plan_prefers_credentials_file_over_config_file():
    write_aws_file("AWS_CONFIG_FILE", "[profile lab]\naws_access_key_id = AKIACFG\naws_secret_access_key = cfg-secret\n")
    write_aws_file("AWS_SHARED_CREDENTIALS_FILE", "[lab]\naws_access_key_id = AKIALAB\naws_secret_access_key = lab-secret\n")

    assert plan(CredentialSource(KIND_PROFILE, "lab")).keys.access_key_id == "AKIALAB"


def test_plan_named_profile_ignores_environment_keys(env_keys):
    write_aws_file("AWS_SHARED_CREDENTIALS_FILE", "[lab]\naws_access_key_id = AKIALAB\naws_secret_access_key = lab-secret\n")

    assert plan(CredentialSource(KIND_PROFILE, "lab")).keys.access_key_id == "AKIALAB"


def test_plan_environment_keys_beat_aws_profile(env_keys, monkeypatch):
    write_aws_file("AWS_SHARED_CREDENTIALS_FILE", "[lab]\naws_access_key_id = AKIALAB\naws_secret_access_key = lab-secret\n")
    monkeypatch.setenv("AWS_PROFILE", "lab")

    assert plan().keys.access_key_id == ACCESS_KEY_ID


def test_plan_takes_ca_bundle_from_environment(env_keys, monkeypatch):
    monkeypatch.setenv("AWS_CA_BUNDLE", "/etc/ssl/bundle.pem")

    assert plan().ca_bundle == "/etc/ssl/bundle.pem"


@pytest.mark.parametrize(
    "variable",
    ["AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_APPSTREAM", "AWS_USE_FIPS_ENDPOINT", "HTTPS_PROXY", "https_proxy", "AWS_ROLE_ARN"],
)
def test_plan_leaves_configured_environment_to_botocore(variable, env_keys, monkeypatch):
    monkeypatch.setenv(variable, "x")

    assert plan() is None


@pytest.mark.parametrize(
    "profile_text",
    [
        "[default]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = base\n",
        "[default]\nsso_session = corp\nsso_account_id = 123456789012\n",
        "[default]\ncredential_process = /usr/bin/get-keys\n",
        "[default]\nendpoint_url = http://127.0.0.1:9999\n",
        "[default]\nuse_fips_endpoint = true\n",
        "[default]\nservices = local\n",
    ],
    ids=["role", "sso", "process", "endpoint-url", "fips", "services"],
)
def test_plan_leaves_profile_features_to_botocore(profile_text, env_keys):
    write_aws_file("AWS_CONFIG_FILE", profile_text)

    assert plan() is None


def test_plan_leaves_incomplete_environment_keys_to_botocore(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID)

    assert plan() is None


def test_plan_leaves_missing_keys_to_botocore():
    assert plan() is None


def test_plan_leaves_saved_credentials_to_botocore(env_keys):
    assert plan(CredentialSource(KIND_SAVED, "lab")) is None


def test_plan_leaves_fips_to_botocore(env_keys):
    assert plan(use_fips=True) is None


def test_plan_leaves_other_partitions_to_botocore(env_keys):
    assert plan(endpoint_url=None, region="cn-north-1") is None


# Against the emulator ---------------------------------------------------------------------


def test_direct_call_passes_signature_check(emulator, env_keys):
    emulator.secret_keys[ACCESS_KEY_ID] = SECRET_ACCESS_KEY

    result = direct.create_streaming_url(direct.plan_direct_call(emulator_target(emulator)), REQUEST)

    assert result.url.startswith(f"{emulator.endpoint_url}/authenticate?parameters=")


def test_direct_call_with_session_token_passes_signature_check(emulator, env_keys, monkeypatch):
    monkeypatch.setenv("AWS_SESSION_TOKEN", "token-1")
    emulator.secret_keys[ACCESS_KEY_ID] = SECRET_ACCESS_KEY

    result = direct.create_streaming_url(direct.plan_direct_call(emulator_target(emulator)), REQUEST)

    assert result.url.startswith(emulator.endpoint_url)


def test_botocore_passes_emulator_signature_check(emulator, env_keys):
    emulator.secret_keys[ACCESS_KEY_ID] = SECRET_ACCESS_KEY

    result = AppStreamAPI(emulator_target(emulator)).create_streaming_url(REQUEST)

    assert result.url.startswith(emulator.endpoint_url)


@pytest.mark.parametrize("allow_direct", [True, False], ids=["direct", "botocore"])
def test_wrong_secret_fails_signature_check(allow_direct, emulator, env_keys, quiet_emulator):
    emulator.secret_keys[ACCESS_KEY_ID] = "the-real-secret"

    with pytest.raises(AppStreamError) as raised:
        AppStreamAPI(emulator_target(emulator)).create_streaming_url(REQUEST, allow_direct=allow_direct)

    assert raised.value.kind is ErrorKind.CREDENTIALS_INVALID


def test_direct_call_sends_one_request(emulator, env_keys):
    direct.create_streaming_url(direct.plan_direct_call(emulator_target(emulator)), REQUEST)

    assert emulator.calls == ["CreateStreamingURL"]


def test_direct_result_equals_botocore_result_apart_from_url(emulator, env_keys):
    api = AppStreamAPI(emulator_target(emulator))

    ours = api.create_streaming_url(REQUEST, allow_direct=True)
    reference = api.create_streaming_url(REQUEST)

    assert abs((ours.expires - reference.expires).total_seconds()) < 5


def test_direct_result_expiry_uses_botocore_time_zone(emulator, env_keys):
    api = AppStreamAPI(emulator_target(emulator))

    ours = api.create_streaming_url(REQUEST, allow_direct=True)
    reference = api.create_streaming_url(REQUEST)

    assert ours.expires.utcoffset() == reference.expires.utcoffset()


def test_direct_call_retries_server_errors(emulator, env_keys, quiet_emulator):
    emulator.faults.http_500(2, "CreateStreamingURL")

    direct.create_streaming_url(direct.plan_direct_call(emulator_target(emulator)), REQUEST, sleep=lambda seconds: None)

    assert emulator.calls.count("CreateStreamingURL") == 3


def test_direct_call_stops_after_three_attempts(emulator, env_keys, quiet_emulator):
    emulator.faults.throttle(5, "CreateStreamingURL")

    with pytest.raises(AppStreamError):
        direct.create_streaming_url(direct.plan_direct_call(emulator_target(emulator)), REQUEST, sleep=lambda seconds: None)

    assert emulator.calls.count("CreateStreamingURL") == 3


def test_direct_call_does_not_retry_client_errors(emulator, env_keys, quiet_emulator):
    emulator.faults.deny("CreateStreamingURL")

    with pytest.raises(AppStreamError):
        direct.create_streaming_url(direct.plan_direct_call(emulator_target(emulator)), REQUEST, sleep=lambda seconds: None)

    assert emulator.calls.count("CreateStreamingURL") == 1


def test_direct_call_server_error_backoff_is_short(emulator, env_keys, quiet_emulator):
    emulator.faults.http_500(2, "CreateStreamingURL")
    delays: list[float] = []

    direct.create_streaming_url(direct.plan_direct_call(emulator_target(emulator)), REQUEST, sleep=delays.append)

    # Standard mode waits a random time below 50 ms, then below 100 ms, after errors other than throttling.
    assert [delay < limit for delay, limit in zip(delays, (0.05, 0.1))] == [True, True]


def test_direct_call_throttling_backoff_is_long(emulator, env_keys, quiet_emulator, monkeypatch):
    monkeypatch.setattr(direct.random, "random", lambda: 0.5)
    emulator.faults.throttle(2, "CreateStreamingURL")
    delays: list[float] = []

    direct.create_streaming_url(direct.plan_direct_call(emulator_target(emulator)), REQUEST, sleep=delays.append)

    assert delays == [0.5, 1.0]


@pytest.mark.parametrize(
    ("attempt", "throttled", "retry_after", "expected"),
    [
        (1, False, None, 0.025),
        (2, False, None, 0.05),
        (1, True, None, 0.5),
        (3, True, None, 2.0),
        (10, True, None, 10.0),
        (1, True, 3.0, 3.0),
        (1, True, 9.0, 5.5),
        (1, True, 0.1, 0.5),
    ],
)
def test_retry_delay_follows_botocore_standard_mode(attempt, throttled, retry_after, expected):
    assert direct.retry_delay(attempt, throttled, retry_after, 0.5) == pytest.approx(expected)


FAULTS = {
    "throttle": lambda emulator: emulator.faults.throttle(10, "CreateStreamingURL"),
    "http_500": lambda emulator: emulator.faults.http_500(10, "CreateStreamingURL"),
    "http_503": lambda emulator: emulator.faults.http_500(10, "CreateStreamingURL", error_code="ServiceUnavailable"),
    "malformed": lambda emulator: emulator.faults.malformed(10, "CreateStreamingURL"),
    "reset_connection": lambda emulator: emulator.faults.reset_connection(10, "CreateStreamingURL"),
    "missing_fields": lambda emulator: emulator.faults.missing_fields(10, "CreateStreamingURL"),
    "deny": lambda emulator: emulator.faults.deny("CreateStreamingURL"),
    "clock_skew": lambda emulator: emulator.faults.clock_skew(10, "CreateStreamingURL"),
    "expired_key": lambda emulator: emulator.expired_access_key_ids.add(ACCESS_KEY_ID),
    "invalid_key": lambda emulator: emulator.invalid_access_key_ids.add(ACCESS_KEY_ID),
    "fleet_not_associated": None,
}


def failure(emulator, allow_direct: bool, request: StreamingRequest) -> AppStreamError:
    with pytest.raises(AppStreamError) as raised:
        AppStreamAPI(emulator_target(emulator)).create_streaming_url(request, allow_direct=allow_direct)
    return raised.value


@pytest.mark.parametrize("fault", FAULTS)
def test_direct_failure_matches_botocore_failure(fault, emulator, env_keys, quiet_emulator):
    inject = FAULTS[fault]
    request = REQUEST
    if inject is None:
        request = StreamingRequest(stack_name="office-hq", fleet_name="no-such-fleet", user_id="direct-user")
    else:
        inject(emulator)

    ours = failure(emulator, True, request)
    reference = failure(emulator, False, request)

    assert (ours.kind, _without_times(ours.message)) == (reference.kind, _without_times(reference.message))


def _without_times(message: str) -> str:
    import re

    return re.sub(r"\d{8}T\d{6}Z", "TIME", message)


def test_direct_connection_refused_matches_botocore(env_keys, unused_port):
    target = Target(source=DEFAULT_SOURCE, region=REGION, endpoint_url=f"http://127.0.0.1:{unused_port}")

    with pytest.raises(AppStreamError) as ours:
        direct.create_streaming_url(direct.plan_direct_call(target), REQUEST, sleep=lambda seconds: None)
    with pytest.raises(AppStreamError) as reference:
        AppStreamAPI(target).create_streaming_url(REQUEST)

    assert ours.value.message == reference.value.message


@pytest.fixture
def unused_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# The command line -------------------------------------------------------------------------


def test_cli_url_goes_direct(emulator, env_keys, capsys, caplog):
    from launcher.main import main

    with caplog.at_level(logging.DEBUG, logger="launcher.appstream.api"):
        status = main(["--endpoint-url", emulator.endpoint_url, "--region", REGION, "url", "--stack", "office-hq",
                       "--fleet", "office-always-on", "--user-id", "direct-user"])  # fmt: skip

    assert status == 0
    assert any("without botocore" in record.getMessage() for record in caplog.records)


def test_cli_url_skips_botocore_import(emulator):
    import subprocess
    import sys

    code = (
        "import sys; from launcher.main import main; status = main(sys.argv[1:]); "
        "print('botocore' in sys.modules, file=sys.stderr); raise SystemExit(status)"
    )
    environment = dict(os.environ, AWS_ACCESS_KEY_ID=ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY=SECRET_ACCESS_KEY)
    result = subprocess.run(
        [sys.executable, "-c", code, "--endpoint-url", emulator.endpoint_url, "--region", REGION, "url",
         "--stack", "office-hq", "--fleet", "office-always-on", "--user-id", "direct-user"],  # fmt: skip
        capture_output=True,
        text=True,
        timeout=60,
        env=environment,
    )

    assert result.stderr.strip().splitlines()[-1] == "False", result.stderr


def test_streaming_url_json_expiry_is_utc():
    from datetime import timedelta

    from launcher.appstream.models import StreamingURL

    local = datetime(2026, 12, 4, 20, 30, tzinfo=timezone(timedelta(hours=2)))

    assert StreamingURL(url="u", expires=local).to_json()["Expires"] == "2026-12-04T18:30:00+00:00"


def test_plan_takes_requests_ca_bundle_last(env_keys, monkeypatch):
    monkeypatch.delenv("AWS_CA_BUNDLE", raising=False)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/requests.pem")

    assert plan().ca_bundle == "/etc/ssl/requests.pem"


def test_plan_profile_section_name_must_match_exactly():
    write_aws_file("AWS_SHARED_CREDENTIALS_FILE", "[ lab ]\naws_access_key_id = AKIALAB\naws_secret_access_key = lab-secret\n")

    assert plan(CredentialSource(KIND_PROFILE, "lab")) is None


def test_plan_leaves_missing_aws_profile_to_botocore(env_keys, monkeypatch):
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile")

    assert plan() is None


def test_cli_url_missing_aws_profile_fails(emulator, env_keys, monkeypatch, capsys):
    from launcher.main import main

    monkeypatch.setenv("AWS_PROFILE", "no-such-profile")

    status = main(["--endpoint-url", emulator.endpoint_url, "--region", REGION, "url", "--stack", "office-hq",
                   "--fleet", "office-always-on", "--user-id", "direct-user"])  # fmt: skip

    assert status == 2
    assert "no-such-profile" in capsys.readouterr().err
