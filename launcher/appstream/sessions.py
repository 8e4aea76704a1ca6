"""The streaming sessions of one user: DescribeSessions and ExpireSession.

Sessions that a streaming URL starts have the authentication type API, so the listing requests
only those. The functions take a botocore AppStream client and raise botocore errors.
`SessionsAPI` binds them to a target and raises AppStreamError.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from launcher.appstream.errors import AppStreamError, ErrorKind
from launcher.appstream.target_calls import TargetCalls
from launcher.appstream.validation import validate_resource_name, validate_user_id

log = logging.getLogger(__name__)

AUTHENTICATION_TYPE_API = "API"
SESSION_STATE_PENDING = "PENDING"
SESSION_STATE_ACTIVE = "ACTIVE"
SESSION_STATE_EXPIRED = "EXPIRED"
# DescribeSessions returns at most 50 sessions per page (its Limit member).
SESSIONS_PAGE_LIMIT = 50
# Guards against an endpoint that keeps returning NextToken.
MAX_PAGES = 100


@dataclass(frozen=True)
class Session:
    """One streaming session as DescribeSessions returns it."""

    session_id: str
    user_id: str
    stack_name: str
    fleet_name: str
    state: str
    connection_state: str = ""
    start_time: datetime | None = None
    max_expiration_time: datetime | None = None
    instance_id: str = ""
    authentication_type: str = ""

    @property
    def is_active(self) -> bool:
        return self.state == SESSION_STATE_ACTIVE

    @property
    def is_live(self) -> bool:
        """True while the session is PENDING or ACTIVE, so it can still be used or expired."""
        return self.state in (SESSION_STATE_PENDING, SESSION_STATE_ACTIVE)


def _as_datetime(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, tz=timezone.utc)
    return None


def session_from_api(item: dict[str, Any]) -> Session:
    session_id = item.get("Id")
    if not isinstance(session_id, str) or not session_id:
        raise AppStreamError(
            "The endpoint returned a session without Id. Check the endpoint URL; a real AppStream endpoint always sends it.",
            ErrorKind.INVALID_RESPONSE,
        )
    return Session(
        session_id=session_id,
        user_id=item.get("UserId") or "",
        stack_name=item.get("StackName") or "",
        fleet_name=item.get("FleetName") or "",
        state=item.get("State") or "UNKNOWN",
        connection_state=item.get("ConnectionState") or "",
        start_time=_as_datetime(item.get("StartTime")),
        max_expiration_time=_as_datetime(item.get("MaxExpirationTime")),
        instance_id=item.get("InstanceId") or "",
        authentication_type=item.get("AuthenticationType") or "",
    )


def _newest_first(session: Session) -> tuple[float, str]:
    started = session.start_time.timestamp() if session.start_time else 0.0
    return (-started, session.session_id)


def list_sessions(client, stack_name: str, fleet_name: str, user_id: str) -> list[Session]:
    """Return the user's API sessions on the stack and fleet (DescribeSessions, all pages), newest first."""
    sessions: list[Session] = []
    token = None
    for _ in range(MAX_PAGES):
        request: dict[str, Any] = {
            "StackName": stack_name,
            "FleetName": fleet_name,
            "UserId": user_id,
            "AuthenticationType": AUTHENTICATION_TYPE_API,
            "Limit": SESSIONS_PAGE_LIMIT,
        }
        if token:
            request["NextToken"] = token
        response = client.describe_sessions(**request)
        sessions.extend(session_from_api(item) for item in response.get("Sessions") or () if isinstance(item, dict))
        next_token = response.get("NextToken")
        if not next_token:
            return sorted(sessions, key=_newest_first)
        if next_token == token:
            raise AppStreamError("The endpoint returned the same NextToken twice; the listing stopped.", ErrorKind.INVALID_RESPONSE)
        token = next_token
    raise AppStreamError(f"The session listing passed {MAX_PAGES} pages and stopped.", ErrorKind.INVALID_RESPONSE)


def expire_session(client, session_id: str) -> None:
    """Call ExpireSession: AppStream ends the session and disconnects its user."""
    client.expire_session(SessionId=session_id)


class SessionsAPI(TargetCalls):
    """DescribeSessions and ExpireSession for one target, raising AppStreamError."""

    def list_sessions(self, stack_name: str, fleet_name: str, user_id: str) -> list[Session]:
        validate_resource_name("stack", stack_name)
        validate_resource_name("fleet", fleet_name)
        validate_user_id(user_id)
        return self._call(
            "DescribeSessions",
            lambda client: list_sessions(client, stack_name, fleet_name, user_id),
            stack=stack_name,
            fleet=fleet_name,
            user=user_id,
        )

    def expire_session(self, session: Session) -> None:
        self._call("ExpireSession", lambda client: expire_session(client, session.session_id), session=session.session_id)
        log.info("Expired session %s of user %s on %s/%s", session.session_id, session.user_id, session.stack_name, session.fleet_name)
