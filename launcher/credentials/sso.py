"""Whether an AWS SSO (IAM Identity Center) profile has a usable cached login.

The AWS CLI's `aws sso login` writes the token to ~/.aws/sso/cache/<key>.json, where key is the
SHA-1 hex digest of the sso_session name (profiles with `sso_session`) or of the start URL
(profiles with `sso_start_url`), as botocore.utils.SSOTokenLoader computes it. The file contains
`accessToken` and `expiresAt`. For sso_session profiles, botocore renews an expired access token
itself when the file also contains a refresh token and a client registration that has not expired.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import shlex
from dataclasses import dataclass
from pathlib import Path

from launcher.appstream.errors import AppStreamError, ErrorKind
from launcher.credentials.sources import profile_settings, sso_session_settings

log = logging.getLogger(__name__)

STATE_VALID = "valid"
STATE_REFRESHABLE = "refreshable"
STATE_MISSING = "missing"
STATE_EXPIRED = "expired"
STATE_INVALID = "invalid"


def sso_cache_dir() -> Path:
    return Path.home() / ".aws" / "sso" / "cache"


def login_command(profile: str) -> str:
    return f"aws sso login --profile {shlex.quote(profile)}"


@dataclass(frozen=True)
class SsoStatus:
    """The cached SSO login of one profile."""

    profile: str
    start_url: str
    session_name: str | None
    cache_path: Path
    state: str
    expires_at: datetime.datetime | None = None

    @property
    def needs_login(self) -> bool:
        return self.state in (STATE_MISSING, STATE_EXPIRED, STATE_INVALID)

    @property
    def command(self) -> str:
        return login_command(self.profile)

    @property
    def message(self) -> str:
        if self.state == STATE_MISSING:
            problem = "has no cached login"
        elif self.state == STATE_EXPIRED:
            problem = f"login expired at {self.expires_at:%Y-%m-%d %H:%M} UTC" if self.expires_at else "login has expired"
        elif self.state == STATE_INVALID:
            problem = f"cached login in {self.cache_path} cannot be read"
        else:
            until = f" until {self.expires_at:%Y-%m-%d %H:%M} UTC" if self.expires_at else ""
            return f"The AWS SSO login of profile {self.profile} is valid{until}."
        return f"The AWS SSO profile {self.profile} {problem}. Run: {self.command}"


def _parse_time(value: object) -> datetime.datetime | None:
    if not isinstance(value, str):
        return None
    from dateutil import parser

    try:
        parsed = parser.parse(value)
    except (ValueError, OverflowError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return parsed.astimezone(datetime.timezone.utc)


def sso_status(profile: str, now: datetime.datetime | None = None) -> SsoStatus | None:
    """Return the cached login of an SSO profile, or None when the profile does not use SSO."""
    settings = profile_settings(profile)
    session_name = settings.get("sso_session") or None
    if session_name:
        start_url = sso_session_settings(session_name).get("sso_start_url", "")
        key_input = session_name
    elif settings.get("sso_start_url"):
        start_url = settings["sso_start_url"]
        key_input = start_url
    else:
        return None

    now = now or datetime.datetime.now(datetime.timezone.utc)
    path = sso_cache_dir() / f"{hashlib.sha1(key_input.encode('utf-8')).hexdigest()}.json"

    def status(state: str, expires_at: datetime.datetime | None = None) -> SsoStatus:
        return SsoStatus(profile, start_url, session_name, path, state, expires_at)

    try:
        token = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return status(STATE_MISSING)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        log.warning("Cannot read the SSO token cache %s: %s", path, error)
        return status(STATE_INVALID)
    if not isinstance(token, dict) or "accessToken" not in token:
        return status(STATE_INVALID)

    expires_at = _parse_time(token.get("expiresAt"))
    if expires_at is None:
        return status(STATE_INVALID)
    if expires_at > now:
        return status(STATE_VALID, expires_at)
    if session_name and _can_refresh(token, now):
        return status(STATE_REFRESHABLE, expires_at)
    return status(STATE_EXPIRED, expires_at)


def _can_refresh(token: dict, now: datetime.datetime) -> bool:
    if not all(token.get(key) for key in ("refreshToken", "clientId", "clientSecret")):
        return False
    registration_expires = _parse_time(token.get("registrationExpiresAt"))
    return registration_expires is not None and registration_expires > now


def check_sso_login(profile: str) -> SsoStatus | None:
    """Check the cached login of an SSO profile again; raise AppStreamError with the login command when it is needed.

    Returns the status (None for a profile without SSO), so a caller can re-check after the
    user has run the command.
    """
    status = sso_status(profile)
    if status is not None and status.needs_login:
        raise AppStreamError(status.message, ErrorKind.SSO_LOGIN_REQUIRED)
    return status
