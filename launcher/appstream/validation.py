"""Checks on CreateStreamingURL input, run before any network call.

botocore checks only minimum lengths on the client side. These rules follow the limits in the
AppStream API reference: a user ID has 2–32 characters of `[\\w+=,.@-]`, where \\w means ASCII word
characters as in the API's Java pattern. Validity is 1–604800 seconds, and a session context is
non-empty.
"""

from __future__ import annotations

import re

from launcher.appstream.errors import ValidationError
from launcher.appstream.models import StreamingRequest

USER_ID_MIN_LENGTH = 2
USER_ID_MAX_LENGTH = 32
USER_ID_PATTERN = re.compile(r"[\w+=,.@-]*", re.ASCII)
VALIDITY_MIN_SECONDS = 1
VALIDITY_MAX_SECONDS = 604800
# Stack and fleet names as the API reference defines them for CreateStack and CreateFleet.
RESOURCE_NAME_PATTERN = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]{0,100}", re.ASCII)
SESSION_CONTEXT_MAX_LENGTH = 1000


def _shorten(value: str, limit: int = 40) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def validate_user_id(value: object) -> str:
    """Return the user ID, without surrounding spaces, if AppStream accepts it, else raise ValidationError naming the fix.

    Spaces around a pasted ID are removed, because AppStream accepts no spaces in a user ID.
    """
    if isinstance(value, str):
        value = value.strip()
    if not isinstance(value, str) or value == "":
        raise ValidationError("user_id", "User ID is missing. Enter 2 to 32 characters, such as 'test-user'.")
    length = len(value)
    if length < USER_ID_MIN_LENGTH:
        raise ValidationError(
            "user_id",
            f"User ID {value!r} is too short ({length} character). Use {USER_ID_MIN_LENGTH} to {USER_ID_MAX_LENGTH} characters.",
        )
    if length > USER_ID_MAX_LENGTH:
        raise ValidationError(
            "user_id",
            f"User ID {_shorten(value)!r} is too long ({length} characters). Use at most {USER_ID_MAX_LENGTH} characters.",
        )
    if not USER_ID_PATTERN.fullmatch(value):
        bad = sorted({ch for ch in value if not USER_ID_PATTERN.fullmatch(ch)})
        shown = " ".join(repr(ch) for ch in bad)
        raise ValidationError(
            "user_id",
            f"User ID {value!r} contains characters AppStream rejects: {shown}. "
            "Use only letters A-Z and a-z, digits, and _ + = , . @ -",
        )
    return value


def validate_validity(value: object) -> int:
    """Return the validity in seconds as an int from 1 to 604800, else raise ValidationError."""
    if isinstance(value, bool):
        raise ValidationError("validity", f"Validity {value!r} is not a number of seconds. Use 1 to {VALIDITY_MAX_SECONDS}.")
    if isinstance(value, str):
        text = value.strip()
        # More than 7 digits is out of range anyway, and int() rejects over 4300 digits.
        if not text.isascii() or not text.isdigit() or len(text) > 7:
            raise ValidationError(
                "validity",
                f"Validity {_shorten(value)!r} is not a whole number of seconds from 1 to {VALIDITY_MAX_SECONDS} (7 days).",
            )
        value = int(text)
    if not isinstance(value, int):
        raise ValidationError(
            "validity", f"Validity {value!r} is not a whole number of seconds. Use 1 to {VALIDITY_MAX_SECONDS} (7 days)."
        )
    if not VALIDITY_MIN_SECONDS <= value <= VALIDITY_MAX_SECONDS:
        raise ValidationError(
            "validity",
            f"Validity {value} seconds is out of range. Use {VALIDITY_MIN_SECONDS} to {VALIDITY_MAX_SECONDS} seconds (7 days).",
        )
    return value


def validate_session_context(value: object) -> str | None:
    """Return the session context, or None when it is not given; reject an empty or blank one."""
    if value is None:
        return None
    if not isinstance(value, str) or value.strip() == "":
        raise ValidationError(
            "session_context", "Session context is empty. Enter the text your session scripts expect, or leave it out."
        )
    if len(value) > SESSION_CONTEXT_MAX_LENGTH:
        raise ValidationError(
            "session_context",
            f"Session context is too long ({len(value)} characters). Use at most {SESSION_CONTEXT_MAX_LENGTH}.",
        )
    return value


def validate_resource_name(kind: str, value: object) -> str:
    """Return a stack or fleet name if it is well formed; `kind` is "stack" or "fleet"."""
    if not isinstance(value, str) or value == "":
        raise ValidationError(kind, f"The {kind} name is missing. Choose a {kind} (on the command line, pass --{kind} NAME).")
    if not RESOURCE_NAME_PATTERN.fullmatch(value):
        raise ValidationError(
            kind,
            f"{kind.capitalize()} name {_shorten(value)!r} is invalid. Names start with a letter or digit and contain "
            "only letters, digits, '_', '.' and '-' (at most 101 characters).",
        )
    return value


def validate_application_id(value: object) -> str | None:
    """Return the application name, or None to open the application catalog."""
    if value is None:
        return None
    if not isinstance(value, str) or value.strip() == "" or value != value.strip():
        raise ValidationError(
            "application",
            f"Application {value!r} is invalid. Choose an application of the fleet, or none for the application catalog "
            "(on the command line, leave out --application).",
        )
    return value


def check_streaming_request(request: StreamingRequest) -> dict[str, str]:
    """Return a message for every invalid field of the request, keyed by field; empty when valid."""
    checks = (
        ("stack", lambda: validate_resource_name("stack", request.stack_name)),
        ("fleet", lambda: validate_resource_name("fleet", request.fleet_name)),
        ("application", lambda: validate_application_id(request.application_id)),
        ("user_id", lambda: validate_user_id(request.user_id)),
        ("validity", lambda: validate_validity(request.validity_seconds)),
        ("session_context", lambda: validate_session_context(request.session_context)),
    )
    problems: dict[str, str] = {}
    for field, check in checks:
        try:
            check()
        except ValidationError as error:
            problems[field] = error.message
    return problems


def validate_streaming_request(request: StreamingRequest) -> StreamingRequest:
    """Return the request with validity as an int, or raise the first ValidationError."""
    validate_resource_name("stack", request.stack_name)
    validate_resource_name("fleet", request.fleet_name)
    validate_application_id(request.application_id)
    user_id = validate_user_id(request.user_id)
    validity = validate_validity(request.validity_seconds)
    validate_session_context(request.session_context)
    if validity == request.validity_seconds and user_id == request.user_id:
        return request
    return StreamingRequest(
        stack_name=request.stack_name,
        fleet_name=request.fleet_name,
        user_id=user_id,
        application_id=request.application_id,
        validity_seconds=validity,
        session_context=request.session_context,
    )
