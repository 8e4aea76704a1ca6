"""STS operations of the emulator (query protocol): GetCallerIdentity, GetSessionToken and AssumeRole.

Requests are form bodies (``Action=AssumeRole&Version=2011-06-15&...``) and
responses are XML in the 2011-06-15 namespace, the form botocore's ``sts``
model parses. The emulator remembers the temporary credentials it issues,
so GetCallerIdentity with them returns the assumed-role ARN.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import secrets
import string
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from xml.sax.saxutils import escape

from launcher.emulator.errors import AwsError, validation_error
from launcher.emulator.scenario import ROLE_ARN_PATTERN, RoleSpec, Scenario

logger = logging.getLogger(__name__)

STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"
STS_VERSION = "2011-06-15"
_SESSION_NAME_PATTERN = re.compile(r"[\w+=,.@-]*", re.ASCII)
_EXTERNAL_ID_PATTERN = re.compile(r"[\w+=,.@:/-]*", re.ASCII)
_SERIAL_NUMBER_PATTERN = re.compile(r"[\w+=/:,.@-]*", re.ASCII)
_TOKEN_CODE_PATTERN = re.compile(r"\d{6}")
_KEY_ALPHABET = string.ascii_uppercase + "234567"

MFA_INVALID_CODE_MESSAGE = "MultiFactorAuthentication failed with invalid MFA one time pass code. "
MFA_INCOMPLETE_MESSAGE = "MultiFactorAuthentication failed, must provide both MFA serial number and one time pass code."


@dataclass(frozen=True)
class Identity:
    """Signer of a request: the ARN and user ID that GetCallerIdentity returns."""

    arn: str
    user_id: str
    temporary: bool


class StsApi:
    """The STS operations, and the caller identity of every access key ID the emulator issued."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self._roles = {role.arn: role for role in scenario.roles}
        self._issued: dict[str, Identity] = {}
        self._lock = threading.Lock()
        self._user_identity = Identity(
            arn=scenario.user_arn,
            user_id="AIDA" + _stable_id(scenario.user_arn, 17),
            temporary=False,
        )

    def identity(self, access_key_id: str | None) -> Identity:
        """Return the identity behind an access key ID; keys the emulator did not issue belong to the demo user."""
        with self._lock:
            return self._issued.get(access_key_id or "", self._user_identity)

    def call(self, action: str, params: dict[str, str], access_key_id: str | None) -> dict[str, Any]:
        if action == "GetCallerIdentity":
            return self.get_caller_identity(access_key_id)
        if action == "GetSessionToken":
            return self.get_session_token(params, access_key_id)
        if action == "AssumeRole":
            return self.assume_role(params, access_key_id)
        raise AwsError(
            "InvalidAction",
            f"Could not find operation {action} for version {STS_VERSION}",
        )

    def resource_arn(self, action: str, params: dict[str, str], access_key_id: str | None) -> str:
        if action == "AssumeRole":
            return params.get("RoleArn", "*")
        return self.identity(access_key_id).arn

    def get_caller_identity(self, access_key_id: str | None) -> dict[str, Any]:
        identity = self.identity(access_key_id)
        return {"UserId": identity.user_id, "Account": self.scenario.account_id, "Arn": identity.arn}

    def get_session_token(self, params: dict[str, str], access_key_id: str | None) -> dict[str, Any]:
        caller = self.identity(access_key_id)
        if caller.temporary:
            raise _access_denied("Cannot call GetSessionToken with session credentials")
        duration = _duration(params, default=43200, minimum=900, maximum=129600)
        _check_mfa(params)
        session_identity = Identity(arn=caller.arn, user_id=caller.user_id, temporary=True)
        credentials = self._issue(session_identity, duration)
        logger.info("GetSessionToken issued key %s for %s, valid %d s", credentials["AccessKeyId"], caller.arn, duration)
        return {"Credentials": credentials}

    def assume_role(self, params: dict[str, str], access_key_id: str | None) -> dict[str, Any]:
        caller = self.identity(access_key_id)
        role_arn = params.get("RoleArn")
        session_name = params.get("RoleSessionName")
        problems = []
        if role_arn is None:
            problems.append("Value null at 'roleArn' failed to satisfy constraint: Member must not be null")
        if session_name is None:
            problems.append("Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null")
        elif not 2 <= len(session_name) <= 64 or not _SESSION_NAME_PATTERN.fullmatch(session_name):
            problems.append(
                f"Value '{session_name}' at 'roleSessionName' failed to satisfy constraint: "
                r"Member must have length 2 to 64 and satisfy regular expression pattern: [\w+=,.@-]*"
            )
        external_id = params.get("ExternalId")
        if external_id is not None and (not 2 <= len(external_id) <= 1224 or not _EXTERNAL_ID_PATTERN.fullmatch(external_id)):
            problems.append(
                f"Value '{external_id}' at 'externalId' failed to satisfy constraint: "
                r"Member must have length 2 to 1224 and satisfy regular expression pattern: [\w+=,.@:\/-]*"
            )
        if problems:
            raise validation_error(problems)
        match = ROLE_ARN_PATTERN.fullmatch(role_arn or "")
        if match is None:
            raise AwsError("ValidationError", f"{role_arn} is invalid: expected arn:aws:iam::ACCOUNT:role/NAME")
        duration = _duration(params, default=3600, minimum=900, maximum=43200)
        mfa_used = _check_mfa(params)

        role = self._roles.get(role_arn)
        if role is not None:
            self._check_role_conditions(role, caller, external_id, mfa_used)

        role_name = match.group(2)
        role_id = "AROA" + _stable_id(role_arn, 17)
        assumed_arn = f"arn:aws:sts::{match.group(1)}:assumed-role/{role_name}/{session_name}"
        assumed = Identity(arn=assumed_arn, user_id=f"{role_id}:{session_name}", temporary=True)
        credentials = self._issue(assumed, duration)
        logger.info("AssumeRole issued key %s for %s to %s", credentials["AccessKeyId"], caller.arn, assumed_arn)
        return {
            "Credentials": credentials,
            "AssumedRoleUser": {"AssumedRoleId": assumed.user_id, "Arn": assumed_arn},
        }

    def _check_role_conditions(self, role: RoleSpec, caller: Identity, external_id: str | None, mfa_used: bool) -> None:
        if role.external_id is not None and external_id != role.external_id:
            logger.info("AssumeRole %s denied: ExternalId does not match", role.arn)
            raise _not_authorized(caller.arn, "sts:AssumeRole", role.arn)
        if role.mfa_required and not mfa_used:
            logger.info("AssumeRole %s denied: the role requires MFA", role.arn)
            raise _not_authorized(caller.arn, "sts:AssumeRole", role.arn)

    def _issue(self, identity: Identity, duration: int) -> dict[str, Any]:
        access_key_id = "ASIA" + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(16))
        expiration = datetime.now(timezone.utc).timestamp() + duration
        with self._lock:
            self._issued[access_key_id] = identity
        return {
            "AccessKeyId": access_key_id,
            "SecretAccessKey": secrets.token_urlsafe(30)[:40],
            "SessionToken": base64.b64encode(secrets.token_bytes(120)).decode(),
            "Expiration": expiration,
        }


def not_authorized_message(principal_arn: str, action: str, resource: str) -> str:
    return f"User: {principal_arn} is not authorized to perform: {action} on resource: {resource}"


def _not_authorized(principal_arn: str, action: str, resource: str) -> AwsError:
    return _access_denied(not_authorized_message(principal_arn, action, resource))


def _access_denied(message: str) -> AwsError:
    return AwsError("AccessDeniedException", message, query_code="AccessDenied", query_status=403)


def _duration(params: dict[str, str], *, default: int, minimum: int, maximum: int) -> int:
    raw = params.get("DurationSeconds")
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise AwsError("ValidationError", f"DurationSeconds must be an integer, not {raw!r}") from None
    if not minimum <= value <= maximum:
        raise validation_error(
            [
                f"Value '{value}' at 'durationSeconds' failed to satisfy constraint: "
                f"Member must have value between {minimum} and {maximum}"
            ]
        )
    return value


def _check_mfa(params: dict[str, str]) -> bool:
    """Check SerialNumber and TokenCode: any 6-digit code passes. Return whether MFA was used."""
    serial, code = params.get("SerialNumber"), params.get("TokenCode")
    if serial is None and code is None:
        return False
    if serial is None or code is None:
        raise _access_denied(MFA_INCOMPLETE_MESSAGE)
    if not 9 <= len(serial) <= 256 or not _SERIAL_NUMBER_PATTERN.fullmatch(serial):
        raise validation_error(
            [f"Value '{serial}' at 'serialNumber' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=/:,.@-]*"]
        )
    if not _TOKEN_CODE_PATTERN.fullmatch(code):
        raise _access_denied(MFA_INVALID_CODE_MESSAGE)
    return True


def _stable_id(seed: str, length: int) -> str:
    digest = hashlib.sha256(seed.encode()).digest()
    encoded = base64.b32encode(digest).decode()
    return encoded[:length]


def success_xml(action: str, result: dict[str, Any], request_id: str) -> bytes:
    """Serialize an STS result as ``<ActionResponse><ActionResult>...`` XML."""
    body = _xml_members(result)
    text = (
        f'<{action}Response xmlns="{STS_NAMESPACE}">'
        f"<{action}Result>{body}</{action}Result>"
        f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>"
        f"</{action}Response>"
    )
    return text.encode("utf-8")


def error_xml(error: AwsError, request_id: str) -> bytes:
    fault_type = "Receiver" if error.query_status >= 500 else "Sender"
    text = (
        f'<ErrorResponse xmlns="{STS_NAMESPACE}">'
        f"<Error><Type>{fault_type}</Type><Code>{escape(error.query_code)}</Code>"
        f"<Message>{escape(error.message)}</Message></Error>"
        f"<RequestId>{request_id}</RequestId>"
        "</ErrorResponse>"
    )
    return text.encode("utf-8")


def _xml_members(members: dict[str, Any]) -> str:
    parts = []
    for name, value in members.items():
        if isinstance(value, dict):
            inner = _xml_members(value)
        elif name == "Expiration":
            inner = datetime.fromtimestamp(value, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        else:
            inner = escape(str(value))
        parts.append(f"<{name}>{inner}</{name}>")
    return "".join(parts)


def remove_required_sts_members(result: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of an STS result without its required members, for the missing_fields fault.

    Credentials and AssumedRoleUser lose all their members, which the model
    marks as required. Top-level scalars (Account, Arn, UserId) go too,
    because the model marks no top-level member as required.
    """
    return {name: {} for name, value in result.items() if isinstance(value, dict)}
