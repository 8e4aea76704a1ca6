"""STS operations of the emulator (query protocol), seen through a boto3 sts client."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.exceptions import ClientError

from launcher.emulator import start_emulator

DEMO_USER_ARN = "arn:aws:iam::123456789012:user/demo"
ADMIN_ROLE_ARN = "arn:aws:iam::123456789012:role/AppStreamLauncherAdmin"
PARTNER_ROLE_ARN = "arn:aws:iam::123456789012:role/AppStreamLauncherPartner"
PARTNER_EXTERNAL_ID = "launcher-partner-7f3a"
MFA_SERIAL = "arn:aws:iam::123456789012:mfa/demo"


@pytest.fixture
def emu():
    with start_emulator() as emulator:
        yield emulator


def make_sts(emu, key: str = "AKIDEXAMPLE", secret: str = "secret", token: str | None = None):
    return boto3.client(
        "sts",
        region_name="us-east-1",
        endpoint_url=emu.endpoint_url,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
    )


@pytest.fixture
def sts(emu):
    return make_sts(emu)


def client_for(emu, credentials: dict[str, Any]):
    return make_sts(emu, credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"])


def error_code(excinfo: pytest.ExceptionInfo) -> str:
    return excinfo.value.response["Error"]["Code"]


def error_message(excinfo: pytest.ExceptionInfo) -> str:
    return excinfo.value.response["Error"]["Message"]


# GetCallerIdentity.


def test_get_caller_identity_demo_user(sts):
    identity = sts.get_caller_identity()
    assert identity["Account"] == "123456789012"
    assert identity["Arn"] == DEMO_USER_ARN
    assert identity["UserId"].startswith("AIDA")


def test_get_caller_identity_assumed_role(emu, sts):
    credentials = sts.assume_role(RoleArn="arn:aws:iam::123456789012:role/Viewer", RoleSessionName="alice")[
        "Credentials"
    ]
    identity = client_for(emu, credentials).get_caller_identity()
    assert identity["Arn"] == "arn:aws:sts::123456789012:assumed-role/Viewer/alice"
    assert identity["UserId"].endswith(":alice")


def test_get_caller_identity_session_token_keeps_user(emu, sts):
    credentials = sts.get_session_token()["Credentials"]
    assert client_for(emu, credentials).get_caller_identity()["Arn"] == DEMO_USER_ARN


# GetSessionToken.


def test_get_session_token_returns_credentials(sts):
    before = datetime.now(timezone.utc)
    credentials = sts.get_session_token(DurationSeconds=900)["Credentials"]
    assert credentials["AccessKeyId"].startswith("ASIA")
    assert len(credentials["AccessKeyId"]) == 20
    assert credentials["SecretAccessKey"]
    assert credentials["SessionToken"]
    assert before + timedelta(seconds=890) <= credentials["Expiration"] <= before + timedelta(seconds=910)


def test_get_session_token_with_mfa_code(sts):
    credentials = sts.get_session_token(SerialNumber=MFA_SERIAL, TokenCode="123456")["Credentials"]
    assert credentials["AccessKeyId"].startswith("ASIA")


@pytest.mark.parametrize("code", ["abcdef", "1234567", "12 456"])
def test_get_session_token_invalid_mfa_code(sts, code):
    with pytest.raises(ClientError) as excinfo:
        sts.get_session_token(SerialNumber=MFA_SERIAL, TokenCode=code)
    assert error_code(excinfo) == "AccessDenied"
    assert error_message(excinfo).startswith("MultiFactorAuthentication failed with invalid MFA one time pass code.")


def test_get_session_token_serial_without_code(sts):
    with pytest.raises(ClientError) as excinfo:
        sts.get_session_token(SerialNumber=MFA_SERIAL)
    assert error_code(excinfo) == "AccessDenied"
    assert "must provide both" in error_message(excinfo)


def test_get_session_token_duration_out_of_range(sts):
    with pytest.raises(ClientError) as excinfo:
        sts.get_session_token(DurationSeconds=200000)
    assert error_code(excinfo) == "ValidationError"


def test_get_session_token_rejects_session_credentials(emu, sts):
    credentials = sts.get_session_token()["Credentials"]
    with pytest.raises(ClientError) as excinfo:
        client_for(emu, credentials).get_session_token()
    assert error_code(excinfo) == "AccessDenied"
    assert "session credentials" in error_message(excinfo)


# AssumeRole.


def test_assume_role_returns_credentials_and_user(sts):
    before = datetime.now(timezone.utc)
    response = sts.assume_role(RoleArn="arn:aws:iam::123456789012:role/Viewer", RoleSessionName="bob")
    credentials = response["Credentials"]
    assert credentials["AccessKeyId"].startswith("ASIA")
    assert before + timedelta(seconds=3590) <= credentials["Expiration"] <= before + timedelta(seconds=3610)
    assert response["AssumedRoleUser"]["Arn"] == "arn:aws:sts::123456789012:assumed-role/Viewer/bob"
    assert response["AssumedRoleUser"]["AssumedRoleId"].startswith("AROA")


def test_assume_role_keys_are_unique(sts):
    first = sts.assume_role(RoleArn="arn:aws:iam::123456789012:role/Viewer", RoleSessionName="bob")
    second = sts.assume_role(RoleArn="arn:aws:iam::123456789012:role/Viewer", RoleSessionName="bob")
    assert first["Credentials"]["AccessKeyId"] != second["Credentials"]["AccessKeyId"]


def test_assume_role_external_id_required(sts):
    with pytest.raises(ClientError) as excinfo:
        sts.assume_role(RoleArn=PARTNER_ROLE_ARN, RoleSessionName="partner")
    assert error_code(excinfo) == "AccessDenied"
    assert error_message(excinfo) == (
        f"User: {DEMO_USER_ARN} is not authorized to perform: sts:AssumeRole on resource: {PARTNER_ROLE_ARN}"
    )


def test_assume_role_wrong_external_id(sts):
    with pytest.raises(ClientError) as excinfo:
        sts.assume_role(RoleArn=PARTNER_ROLE_ARN, RoleSessionName="partner", ExternalId="wrong-id")
    assert error_code(excinfo) == "AccessDenied"


def test_assume_role_right_external_id(sts):
    response = sts.assume_role(RoleArn=PARTNER_ROLE_ARN, RoleSessionName="partner", ExternalId=PARTNER_EXTERNAL_ID)
    assert response["AssumedRoleUser"]["Arn"].endswith("assumed-role/AppStreamLauncherPartner/partner")


def test_assume_role_mfa_required(sts):
    with pytest.raises(ClientError) as excinfo:
        sts.assume_role(RoleArn=ADMIN_ROLE_ARN, RoleSessionName="admin")
    assert error_code(excinfo) == "AccessDenied"


def test_assume_role_with_mfa(sts):
    response = sts.assume_role(
        RoleArn=ADMIN_ROLE_ARN, RoleSessionName="admin", SerialNumber=MFA_SERIAL, TokenCode="654321"
    )
    assert response["Credentials"]["AccessKeyId"].startswith("ASIA")


def test_assume_role_invalid_mfa_code(sts):
    with pytest.raises(ClientError) as excinfo:
        sts.assume_role(RoleArn=ADMIN_ROLE_ARN, RoleSessionName="admin", SerialNumber=MFA_SERIAL, TokenCode="12345x")
    assert error_code(excinfo) == "AccessDenied"
    assert error_message(excinfo).startswith("MultiFactorAuthentication failed with invalid MFA one time pass code.")


def test_assume_role_invalid_session_name(sts):
    with pytest.raises(ClientError) as excinfo:
        sts.assume_role(RoleArn="arn:aws:iam::123456789012:role/Viewer", RoleSessionName="bad name")
    assert error_code(excinfo) == "ValidationError"
    assert "roleSessionName" in error_message(excinfo)


def test_assume_role_invalid_role_arn(sts):
    with pytest.raises(ClientError) as excinfo:
        sts.assume_role(RoleArn="arn:aws:s3:::not-a-role-bucket", RoleSessionName="tester")
    assert error_code(excinfo) == "ValidationError"


def test_assume_role_chained(emu, sts):
    credentials = sts.assume_role(RoleArn="arn:aws:iam::123456789012:role/Viewer", RoleSessionName="first")[
        "Credentials"
    ]
    response = client_for(emu, credentials).assume_role(
        RoleArn="arn:aws:iam::123456789012:role/Auditor", RoleSessionName="second"
    )
    assert response["AssumedRoleUser"]["Arn"] == "arn:aws:sts::123456789012:assumed-role/Auditor/second"


# Response bodies against botocore's sts output shapes.


STS_MODEL = botocore.session.get_session().get_service_model("sts")


def xml_problems(element: ElementTree.Element, shape, path: str) -> list[str]:
    """Check an XML element against a botocore structure shape: required members, names and scalar types."""
    namespace = "{https://sts.amazonaws.com/doc/2011-06-15/}"
    children = {child.tag.removeprefix(namespace): child for child in element}
    problems = [f"{path}.{name}: required member missing" for name in shape.required_members if name not in children]
    for name, child in children.items():
        if name not in shape.members:
            problems.append(f"{path}.{name}: not a member of {shape.name}")
            continue
        member = shape.members[name]
        if member.type_name == "structure":
            problems += xml_problems(child, member, f"{path}.{name}")
        elif member.type_name == "timestamp":
            try:
                datetime.strptime(child.text or "", "%Y-%m-%dT%H:%M:%SZ")
            except ValueError:
                problems.append(f"{path}.{name}: {child.text!r} is not an ISO 8601 time")
        elif member.type_name == "string" and not child.text:
            problems.append(f"{path}.{name}: empty string")
    return problems


@pytest.mark.parametrize(
    ("operation", "kwargs"),
    [
        ("GetCallerIdentity", {}),
        ("GetSessionToken", {"DurationSeconds": 3600}),
        ("AssumeRole", {"RoleArn": "arn:aws:iam::123456789012:role/Viewer", "RoleSessionName": "shape"}),
    ],
)
def test_sts_response_matches_output_shape(sts, operation, kwargs):
    bodies: list[bytes] = []
    sts.meta.events.register("before-parse.sts.*", lambda response_dict, **_: bodies.append(response_dict["body"]))
    method = botocore.xform_name(operation)
    getattr(sts, method)(**kwargs)
    output_shape = STS_MODEL.operation_model(operation).output_shape
    root = ElementTree.fromstring(bodies[0])
    namespace = "{https://sts.amazonaws.com/doc/2011-06-15/}"
    result = root.find(f"{namespace}{output_shape.serialization['resultWrapper']}")
    assert root.tag == f"{namespace}{operation}Response"
    assert result is not None
    assert xml_problems(result, output_shape, operation) == []


def test_sts_error_body_shape(sts):
    bodies: list[bytes] = []
    sts.meta.events.register("before-parse.sts.*", lambda response_dict, **_: bodies.append(response_dict["body"]))
    with pytest.raises(ClientError):
        sts.assume_role(RoleArn=ADMIN_ROLE_ARN, RoleSessionName="admin")
    namespace = "{https://sts.amazonaws.com/doc/2011-06-15/}"
    root = ElementTree.fromstring(bodies[0])
    assert root.tag == f"{namespace}ErrorResponse"
    assert root.findtext(f"{namespace}Error/{namespace}Type") == "Sender"
    assert root.findtext(f"{namespace}Error/{namespace}Code") == "AccessDenied"
    assert root.findtext(f"{namespace}RequestId")
