"""Fault injection and simulated credential failures of the emulator, seen through boto3."""

from __future__ import annotations

import json

import boto3
import botocore.retries.standard
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError, ReadTimeoutError
from botocore.parsers import ResponseParserError

from launcher.emulator import start_emulator

DEMO_USER_ARN = "arn:aws:iam::123456789012:user/demo"


@pytest.fixture
def emu():
    with start_emulator() as emulator:
        yield emulator


@pytest.fixture(autouse=True)
def no_retry_delay(monkeypatch):
    """Make botocore retry at once; the backoff before a throttling retry is up to 1 s otherwise."""
    monkeypatch.setattr(botocore.retries.standard.ExponentialBackoff, "delay_amount", lambda self, context: 0)


def make_client(emu, service: str = "appstream", *, attempts: int = 3, key: str = "AKIDEXAMPLE", **config):
    return boto3.client(
        service,
        region_name="us-east-1",
        endpoint_url=emu.endpoint_url,
        aws_access_key_id=key,
        aws_secret_access_key="secret",
        config=Config(retries={"mode": "standard", "total_max_attempts": attempts}, **config),
    )


def error_code(excinfo: pytest.ExceptionInfo) -> str:
    return excinfo.value.response["Error"]["Code"]


def error_message(excinfo: pytest.ExceptionInfo) -> str:
    return excinfo.value.response["Error"]["Message"]


def http_status(excinfo: pytest.ExceptionInfo) -> int:
    return excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"]


# Throttling.


def test_throttle_once_succeeds_after_retry(emu):
    client = make_client(emu)
    emu.faults.throttle(1)
    response = client.describe_stacks()
    assert response["ResponseMetadata"]["RetryAttempts"] == 1
    assert emu.calls == ["DescribeStacks", "DescribeStacks"]


def test_throttle_outlasting_retries_fails(emu):
    client = make_client(emu, attempts=3)
    emu.faults.throttle(10)
    with pytest.raises(ClientError) as excinfo:
        client.describe_stacks()
    assert error_code(excinfo) == "ThrottlingException"
    assert error_message(excinfo) == "Rate exceeded"
    assert http_status(excinfo) == 400
    assert emu.calls == ["DescribeStacks"] * 3
    assert emu.faults.pending()[0].remaining == 7


def test_throttle_only_named_operation(emu):
    client = make_client(emu, attempts=1)
    emu.faults.throttle(1, operation="DescribeFleets")
    client.describe_stacks()
    with pytest.raises(ClientError) as excinfo:
        client.describe_fleets()
    assert error_code(excinfo) == "ThrottlingException"


def test_faults_consumed_in_order(emu):
    client = make_client(emu, attempts=1)
    emu.faults.throttle(1)
    emu.faults.http_500(1)
    with pytest.raises(ClientError) as first:
        client.describe_stacks()
    with pytest.raises(ClientError) as second:
        client.describe_stacks()
    assert error_code(first) == "ThrottlingException"
    assert error_code(second) == "InternalFailure"
    assert "Stacks" in client.describe_stacks()


# Server errors.


def test_http_500_internal_failure(emu):
    client = make_client(emu, attempts=1)
    emu.faults.http_500(1)
    with pytest.raises(ClientError) as excinfo:
        client.describe_fleets()
    assert error_code(excinfo) == "InternalFailure"
    assert http_status(excinfo) == 500


def test_http_500_service_unavailable(emu):
    client = make_client(emu, attempts=1)
    emu.faults.http_500(1, error_code="ServiceUnavailable")
    with pytest.raises(ClientError) as excinfo:
        client.describe_fleets()
    assert error_code(excinfo) == "ServiceUnavailable"
    assert http_status(excinfo) == 503


def test_http_500_once_succeeds_after_retry(emu):
    client = make_client(emu, attempts=3)
    emu.faults.http_500(1)
    response = client.describe_fleets()
    assert response["ResponseMetadata"]["RetryAttempts"] == 1


def test_http_500_unknown_code_rejected(emu):
    with pytest.raises(ValueError):
        emu.faults.http_500(1, error_code="BadGateway")


# Slow responses and latency.


def test_slow_response_times_out_client(emu):
    client = make_client(emu, attempts=1, read_timeout=0.2)
    emu.faults.slow(1.0, operation="DescribeStacks")
    with pytest.raises(ReadTimeoutError):
        client.describe_stacks()


def test_slow_fault_used_once(emu):
    client = make_client(emu, attempts=1, read_timeout=1.0)
    emu.faults.slow(3.0)
    with pytest.raises(ReadTimeoutError):
        client.describe_stacks()
    assert "Stacks" in client.describe_stacks()


def test_slow_combines_with_next_fault(emu):
    client = make_client(emu, attempts=1)
    emu.faults.slow(0.05)
    emu.faults.throttle(1)
    with pytest.raises(ClientError) as excinfo:
        client.describe_stacks()
    assert error_code(excinfo) == "ThrottlingException"
    assert emu.faults.pending() == []


def test_latency_setting_delays_every_call(emu):
    client = make_client(emu, attempts=1, read_timeout=1.0)
    emu.latency_ms = 3000
    with pytest.raises(ReadTimeoutError):
        client.describe_stacks()
    emu.latency_ms = 0
    assert "Stacks" in client.describe_stacks()


def test_latency_negative_rejected(emu):
    with pytest.raises(ValueError):
        emu.latency_ms = -1


# Broken responses.


def test_malformed_body_not_json(emu):
    client = make_client(emu, attempts=1)
    bodies = []
    client.meta.events.register(
        "before-parse.appstream.*", lambda response_dict, **kwargs: bodies.append(response_dict["body"])
    )
    emu.faults.malformed(1)
    # botocore's JSON parser tolerates a body that is not JSON and returns no output members.
    response = client.describe_stacks()
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert "Stacks" not in response
    with pytest.raises(ValueError):
        json.loads(bodies[0])


def test_malformed_sts_response_fails_parsing(emu):
    client = make_client(emu, "sts", attempts=1)
    emu.faults.malformed(1, operation="GetCallerIdentity")
    with pytest.raises(ResponseParserError):
        client.get_caller_identity()


def test_reset_connection_without_retry_fails(emu):
    client = make_client(emu, attempts=1)
    emu.faults.reset_connection(1)
    with pytest.raises(ConnectionClosedError):
        client.describe_stacks()


def test_reset_connection_succeeds_after_retry(emu):
    client = make_client(emu, attempts=2)
    emu.faults.reset_connection(1)
    response = client.describe_stacks()
    assert response["ResponseMetadata"]["RetryAttempts"] == 1


def test_missing_fields_removes_required_fleet_members(emu):
    client = make_client(emu)
    emu.faults.missing_fields(1, operation="DescribeFleets")
    fleet = client.describe_fleets()["Fleets"][0]
    assert "Name" not in fleet
    assert "State" not in fleet
    assert "Description" in fleet


def test_missing_fields_removes_streaming_url(emu):
    client = make_client(emu)
    emu.faults.missing_fields(1)
    response = client.create_streaming_url(StackName="office-hq", FleetName="office-always-on", UserId="tester")
    assert "StreamingURL" not in response
    assert "Expires" not in response


def test_missing_fields_sts_credentials_empty(emu):
    client = make_client(emu, "sts")
    emu.faults.missing_fields(1, operation="AssumeRole")
    response = client.assume_role(RoleArn="arn:aws:iam::123456789012:role/Viewer", RoleSessionName="tester")
    assert "AccessKeyId" not in (response.get("Credentials") or {})


# Access and signature failures.


def test_deny_operation_access_denied(emu):
    client = make_client(emu)
    emu.faults.deny("DescribeFleets")
    with pytest.raises(ClientError) as excinfo:
        client.describe_fleets()
    assert error_code(excinfo) == "AccessDeniedException"
    assert error_message(excinfo).startswith(
        f"User: {DEMO_USER_ARN} is not authorized to perform: appstream:DescribeFleets on resource: "
    )


def test_deny_names_requested_stack(emu):
    client = make_client(emu)
    emu.faults.deny("CreateStreamingURL")
    with pytest.raises(ClientError) as excinfo:
        client.create_streaming_url(StackName="office-hq", FleetName="office-always-on", UserId="tester")
    assert error_message(excinfo).endswith("on resource: arn:aws:appstream:us-east-1:123456789012:stack/office-hq")


def test_deny_leaves_other_operations(emu):
    client = make_client(emu)
    emu.faults.deny("DescribeFleets")
    assert "Stacks" in client.describe_stacks()


def test_deny_until_cleared(emu):
    client = make_client(emu, attempts=1)
    emu.faults.deny("DescribeStacks")
    for _ in range(2):
        with pytest.raises(ClientError):
            client.describe_stacks()
    emu.faults.clear()
    assert "Stacks" in client.describe_stacks()


def test_deny_assumed_role_principal(emu):
    sts = make_client(emu, "sts")
    credentials = sts.assume_role(RoleArn="arn:aws:iam::123456789012:role/Viewer", RoleSessionName="viewer")[
        "Credentials"
    ]
    client = boto3.client(
        "appstream",
        region_name="us-east-1",
        endpoint_url=emu.endpoint_url,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    emu.faults.deny("DescribeStacks")
    with pytest.raises(ClientError) as excinfo:
        client.describe_stacks()
    assert error_message(excinfo).startswith(
        "User: arn:aws:sts::123456789012:assumed-role/Viewer/viewer is not authorized"
    )


def test_clock_skew_signature_expired(emu):
    client = make_client(emu)
    emu.faults.clock_skew(1)
    with pytest.raises(ClientError) as excinfo:
        client.describe_stacks()
    assert error_code(excinfo) == "InvalidSignatureException"
    assert error_message(excinfo).startswith("Signature expired: ")
    assert "Stacks" in client.describe_stacks()


def test_expired_access_key_expired_token(emu):
    client = make_client(emu, key="AKIDEXPIRED")
    emu.expired_access_key_ids.add("AKIDEXPIRED")
    with pytest.raises(ClientError) as excinfo:
        client.describe_stacks()
    assert error_code(excinfo) == "ExpiredTokenException"
    assert error_message(excinfo) == "The security token included in the request is expired"


def test_invalid_access_key_unrecognized_client(emu):
    client = make_client(emu, key="AKIDINVALID")
    emu.invalid_access_key_ids.add("AKIDINVALID")
    with pytest.raises(ClientError) as excinfo:
        client.describe_stacks()
    assert error_code(excinfo) == "UnrecognizedClientException"
    assert error_message(excinfo) == "The security token included in the request is invalid."


def test_other_access_keys_unaffected(emu):
    emu.expired_access_key_ids.add("AKIDEXPIRED")
    assert "Stacks" in make_client(emu).describe_stacks()


# STS error forms of the same faults.


def test_sts_throttle_code(emu):
    client = make_client(emu, "sts", attempts=1)
    emu.faults.throttle(1, operation="GetCallerIdentity")
    with pytest.raises(ClientError) as excinfo:
        client.get_caller_identity()
    assert error_code(excinfo) == "Throttling"


def test_sts_deny_assume_role(emu):
    client = make_client(emu, "sts")
    emu.faults.deny("AssumeRole")
    role_arn = "arn:aws:iam::123456789012:role/Viewer"
    with pytest.raises(ClientError) as excinfo:
        client.assume_role(RoleArn=role_arn, RoleSessionName="tester")
    assert error_code(excinfo) == "AccessDenied"
    assert error_message(excinfo) == (
        f"User: {DEMO_USER_ARN} is not authorized to perform: sts:AssumeRole on resource: {role_arn}"
    )


def test_sts_expired_key(emu):
    client = make_client(emu, "sts", key="AKIDEXPIRED")
    emu.expired_access_key_ids.add("AKIDEXPIRED")
    with pytest.raises(ClientError) as excinfo:
        client.get_caller_identity()
    assert error_code(excinfo) == "ExpiredToken"


def test_sts_invalid_key(emu):
    client = make_client(emu, "sts", key="AKIDINVALID")
    emu.invalid_access_key_ids.add("AKIDINVALID")
    with pytest.raises(ClientError) as excinfo:
        client.get_caller_identity()
    assert error_code(excinfo) == "InvalidClientTokenId"
    assert http_status(excinfo) == 403


def test_sts_clock_skew(emu):
    client = make_client(emu, "sts")
    emu.faults.clock_skew(1)
    with pytest.raises(ClientError) as excinfo:
        client.get_caller_identity()
    assert error_code(excinfo) == "SignatureDoesNotMatch"
    assert error_message(excinfo).startswith("Signature expired: ")


# Fault controls and the call log.


def test_fault_unknown_operation_rejected(emu):
    with pytest.raises(ValueError) as excinfo:
        emu.faults.throttle(1, operation="DescribeStack")
    assert "DescribeStack" in str(excinfo.value)


@pytest.mark.parametrize("count", [0, -1, 1.5])
def test_fault_count_must_be_positive(emu, count):
    with pytest.raises(ValueError):
        emu.faults.throttle(count)


def test_clear_removes_pending_faults(emu):
    emu.faults.throttle(5)
    emu.faults.deny("DescribeStacks")
    emu.faults.clear()
    assert emu.faults.pending() == []
    assert emu.faults.is_denied("DescribeStacks") is False


def test_calls_record_operations_in_order(emu):
    appstream = make_client(emu)
    sts = make_client(emu, "sts")
    appstream.describe_stacks()
    sts.get_caller_identity()
    appstream.describe_fleets()
    assert emu.calls == ["DescribeStacks", "GetCallerIdentity", "DescribeFleets"]


def test_reset_calls_empties_log(emu):
    make_client(emu).describe_stacks()
    emu.reset_calls()
    assert emu.calls == []


def test_calls_is_a_copy(emu):
    make_client(emu).describe_stacks()
    snapshot = emu.calls
    snapshot.clear()
    assert emu.calls == ["DescribeStacks"]
