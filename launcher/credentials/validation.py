"""Checks on the fields of saved credentials, run before anything is written.

Limits follow the IAM and STS API references: access key ID 16–128 word characters, MFA serial
number 9–256 characters of `[\\w+=/:,.@-]`, role ARN up to 2048 characters, external ID 2–1224
characters of `[\\w+=,.@:/-]`, role session name 2–64 characters of `[\\w+=,.@-]`.
"""

from __future__ import annotations

import re

from launcher.credentials.errors import InvalidCredentialsInput

NAME_MAX_LENGTH = 64
# Letters, digits, spaces and a few marks; "/" and "#" are excluded because keyring entry names use them.
NAME_PATTERN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9 _.@+=,-]*[A-Za-z0-9_.@+=,-])?", re.ASCII)
ACCESS_KEY_ID_PATTERN = re.compile(r"\w{16,128}", re.ASCII)
MFA_SERIAL_PATTERN = re.compile(r"[\w+=/:,.@-]{9,256}", re.ASCII)
ROLE_ARN_PATTERN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,2000}", re.ASCII)
EXTERNAL_ID_PATTERN = re.compile(r"[\w+=,.@:/-]{2,1224}", re.ASCII)
ROLE_SESSION_NAME_PATTERN = re.compile(r"[\w+=,.@-]{2,64}", re.ASCII)
# Session tokens of AWS are a few KB. The limit only stops pasted garbage from filling the keyring.
SESSION_TOKEN_MAX_LENGTH = 32768
SECRET_ACCESS_KEY_MAX_LENGTH = 1024


def _has_space_or_control(value: str) -> bool:
    return any(character.isspace() or not character.isprintable() for character in value)


def validate_name(value: str) -> str:
    if not value:
        raise InvalidCredentialsInput("name", "The name is missing. Enter a name such as 'prod-admin'.")
    if len(value) > NAME_MAX_LENGTH:
        raise InvalidCredentialsInput("name", f"The name {value[:20]!r}… is too long. Use at most {NAME_MAX_LENGTH} characters.")
    if not NAME_PATTERN.fullmatch(value):
        raise InvalidCredentialsInput(
            "name",
            f"The name {value!r} is invalid. Use letters, digits, spaces and _ . @ + = , - "
            "(not / or #), with no space at the start or end.",
        )
    return value


def validate_access_key_id(value: str) -> str:
    if not value:
        raise InvalidCredentialsInput("access_key_id", "The access key ID is missing. It looks like AKIAIOSFODNN7EXAMPLE.")
    if not ACCESS_KEY_ID_PATTERN.fullmatch(value):
        raise InvalidCredentialsInput(
            "access_key_id",
            f"The access key ID {value[:24]!r} is invalid. Use 16 to 128 letters and digits, such as AKIAIOSFODNN7EXAMPLE.",
        )
    return value


def validate_secret_access_key(value: str) -> str:
    """Check the secret access key without ever putting it into the message."""
    if not value:
        raise InvalidCredentialsInput("secret_access_key", "The secret access key is missing.")
    if len(value) > SECRET_ACCESS_KEY_MAX_LENGTH or _has_space_or_control(value):
        raise InvalidCredentialsInput(
            "secret_access_key",
            "The secret access key is invalid: it contains spaces or control characters, or is too long. Paste it again.",
        )
    return value


def validate_session_token(value: str) -> str:
    """Check a session token without ever putting it into the message."""
    if len(value) > SESSION_TOKEN_MAX_LENGTH or _has_space_or_control(value):
        raise InvalidCredentialsInput(
            "session_token",
            f"The session token is invalid: it contains spaces or control characters, or is longer than "
            f"{SESSION_TOKEN_MAX_LENGTH} characters. Paste it again.",
        )
    return value


def validate_region(value: str) -> str:
    from launcher.appstream.regions import REGION_PATTERN

    if value and not REGION_PATTERN.fullmatch(value):
        raise InvalidCredentialsInput("region", f"The region {value!r} is invalid. Use a region code such as us-east-1.")
    return value


def validate_mfa_serial(value: str) -> str:
    if value and not MFA_SERIAL_PATTERN.fullmatch(value):
        raise InvalidCredentialsInput(
            "mfa_serial",
            f"The MFA device {value!r} is invalid. Use the device ARN, such as arn:aws:iam::123456789012:mfa/alice, "
            "or the serial number of a hardware device (9 to 256 characters).",
        )
    return value


def validate_role_arn(value: str) -> str:
    if value and not ROLE_ARN_PATTERN.fullmatch(value):
        raise InvalidCredentialsInput(
            "role_arn", f"The role ARN {value!r} is invalid. It looks like arn:aws:iam::123456789012:role/NAME."
        )
    return value


def validate_external_id(value: str) -> str:
    if value and not EXTERNAL_ID_PATTERN.fullmatch(value):
        raise InvalidCredentialsInput(
            "external_id", "The external ID is invalid. Use 2 to 1224 letters, digits and _ + = , . @ : / -"
        )
    return value


def validate_role_session_name(value: str) -> str:
    if value and not ROLE_SESSION_NAME_PATTERN.fullmatch(value):
        raise InvalidCredentialsInput(
            "role_session_name",
            f"The role session name {value!r} is invalid. Use 2 to 64 letters, digits and _ + = , . @ -",
        )
    return value
