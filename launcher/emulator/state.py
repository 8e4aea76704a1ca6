"""Thread-safe run-time state of the emulator: fleet states, sessions and streaming URLs.

Timed transitions are not driven by timers. Each record stores when its
transition completes, and every read first applies the transitions that are
due (``_advance``), so the state is the same whichever thread looks at it.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable

from launcher.emulator.scenario import ApplicationSpec, FleetSpec, ImageSpec, Scenario, StackSpec

logger = logging.getLogger(__name__)

ACTIVE_SESSION_STATES = ("PENDING", "ACTIVE")


@dataclass
class FleetRecord:
    spec: FleetSpec
    state: str
    target_state: str | None = None
    transition_done_at: float | None = None

    @property
    def name(self) -> str:
        return self.spec.name


@dataclass
class SessionRecord:
    session_id: str
    user_id: str
    stack_name: str
    fleet_name: str
    authentication_type: str
    start_time: float
    activate_at: float
    max_expiration_time: float
    instance_id: str
    eni_id: str
    eni_private_ip: str
    expired_at: float | None = None

    def state_at(self, now: float) -> str:
        if self.expired_at is not None and now >= self.expired_at:
            return "EXPIRED"
        if now >= self.activate_at:
            return "ACTIVE"
        return "PENDING"

    def to_output(self, now: float) -> dict[str, Any]:
        state = self.state_at(now)
        return {
            "Id": self.session_id,
            "UserId": self.user_id,
            "StackName": self.stack_name,
            "FleetName": self.fleet_name,
            "State": state,
            "ConnectionState": "CONNECTED" if state == "ACTIVE" else "NOT_CONNECTED",
            "StartTime": self.start_time,
            "MaxExpirationTime": self.max_expiration_time,
            "AuthenticationType": self.authentication_type,
            "NetworkAccessConfiguration": {"EniPrivateIpAddress": self.eni_private_ip, "EniId": self.eni_id},
            "InstanceId": self.instance_id,
        }


@dataclass
class StreamingUrlRecord:
    token: str
    stack_name: str
    fleet_name: str
    user_id: str
    application_id: str | None
    session_context: str | None
    created: float
    expires: float
    session_id: str | None = None


@dataclass
class UrlVisit:
    """The outcome of opening a streaming URL: ``status`` is ok, expired, unknown or fleet_unavailable."""

    status: str
    url: StreamingUrlRecord | None = None
    session: dict[str, Any] | None = None
    fleet_state: str | None = None


class EmulatorState:
    """The stacks, fleets, images and applications of a scenario plus the sessions made at run time."""

    def __init__(
        self,
        scenario: Scenario,
        *,
        session_activation_seconds: float,
        fleet_transition_seconds: float,
        expired_session_seconds: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.scenario = scenario
        self.session_activation_seconds = session_activation_seconds
        self.fleet_transition_seconds = fleet_transition_seconds
        self.expired_session_seconds = expired_session_seconds
        self._clock = clock
        self._lock = threading.RLock()
        self._stacks = {stack.name: stack for stack in scenario.stacks}
        self._fleets = {fleet.name: FleetRecord(spec=fleet, state=fleet.state) for fleet in scenario.fleets}
        self._images = list(scenario.images)
        self._applications = list(scenario.applications)
        self._sessions: dict[str, SessionRecord] = {}
        self._urls: dict[str, StreamingUrlRecord] = {}
        now = clock()
        for spec in scenario.sessions:
            start = spec.start_time if spec.start_time is not None else now - 600.0
            activate_at = start if spec.state == "ACTIVE" else now + session_activation_seconds
            self._add_session(
                spec.user_id,
                spec.stack_name,
                spec.fleet_name,
                authentication_type=spec.authentication_type,
                start=start,
                activate_at=activate_at,
                session_id=spec.session_id,
            )

    def now(self) -> float:
        return self._clock()

    # Read access. Every method applies due transitions first.

    def stacks(self) -> list[StackSpec]:
        return list(self._stacks.values())

    def stack(self, name: str) -> StackSpec | None:
        return self._stacks.get(name)

    def images(self) -> list[ImageSpec]:
        return list(self._images)

    def applications(self) -> list[ApplicationSpec]:
        return list(self._applications)

    def application_fleet_associations(self) -> list[tuple[str, str]]:
        return list(self.scenario.application_fleet_associations)

    def fleet_names(self) -> list[str]:
        return list(self._fleets)

    def fleet_spec(self, name: str) -> FleetSpec | None:
        record = self._fleets.get(name)
        return record.spec if record else None

    def fleet_state(self, name: str) -> str | None:
        with self._lock:
            self._advance()
            record = self._fleets.get(name)
            return record.state if record else None

    def stacks_of_fleet(self, fleet_name: str) -> list[str]:
        return [stack.name for stack in self._stacks.values() if fleet_name in stack.fleet_names]

    def image(self, name: str) -> ImageSpec | None:
        return next((image for image in self._images if image.name == name), None)

    def fleet_output(self, name: str) -> dict[str, Any]:
        """Build the Fleet shape of DescribeFleets, with state and capacity as of now."""
        with self._lock:
            self._advance()
            record = self._fleets[name]
            output = dict(record.spec.output)
            output["Name"] = record.name
            output["State"] = record.state
            output["ComputeCapacityStatus"] = self._capacity(record)
            return output

    def _capacity(self, record: FleetRecord) -> dict[str, int]:
        now = self.now()
        sessions = sum(
            1
            for session in self._sessions.values()
            if session.fleet_name == record.name and session.state_at(now) in ACTIVE_SESSION_STATES
        )
        desired = record.spec.capacity
        if record.state != "RUNNING":
            return {"Desired": desired, "Running": 0, "InUse": 0, "Available": 0}
        # NOTE: for Elastic fleets the capacity counts sessions, with Desired and
        # Running equal to MaxConcurrentSessions. The API reference does not
        # document how AWS reports Elastic fleet capacity.
        in_use = min(sessions, desired)
        return {"Desired": desired, "Running": desired, "InUse": in_use, "Available": desired - in_use}

    def sessions(self, stack_name: str, fleet_name: str, user_id: str | None, authentication_type: str) -> list[dict[str, Any]]:
        with self._lock:
            self._advance()
            now = self.now()
            return [
                session.to_output(now)
                for session in self._sessions.values()
                if session.stack_name == stack_name
                and session.fleet_name == fleet_name
                and session.authentication_type == authentication_type
                and (user_id is None or session.user_id == user_id)
            ]

    # Changes.

    def start_fleet(self, name: str) -> tuple[str, str]:
        """Start a STOPPED fleet; return its state before and after the call."""
        with self._lock:
            self._advance()
            record = self._fleets[name]
            before = record.state
            if before == "STOPPED":
                self._begin_transition(record, "STARTING", "RUNNING")
            return before, record.state

    def stop_fleet(self, name: str) -> tuple[str, str]:
        """Stop a RUNNING fleet and end its sessions; return its state before and after the call."""
        with self._lock:
            self._advance()
            record = self._fleets[name]
            before = record.state
            if before == "RUNNING":
                self._begin_transition(record, "STOPPING", "STOPPED")
                now = self.now()
                for session in self._sessions.values():
                    if session.fleet_name == name and session.expired_at is None:
                        session.expired_at = now
            return before, record.state

    def _begin_transition(self, record: FleetRecord, interim: str, target: str) -> None:
        record.state = interim
        record.target_state = target
        record.transition_done_at = self.now() + self.fleet_transition_seconds
        logger.info("Fleet %s is %s, %s in %.1f s", record.name, interim, target, self.fleet_transition_seconds)

    def expire_session(self, session_id: str) -> bool:
        """Mark a session EXPIRED; return False when no such session exists."""
        with self._lock:
            self._advance()
            session = self._sessions.get(session_id)
            if session is None:
                return False
            if session.expired_at is None or session.expired_at > self.now():
                session.expired_at = self.now()
                logger.info("Session %s of user %s expired on request", session_id, session.user_id)
            return True

    def add_streaming_url(
        self,
        stack_name: str,
        fleet_name: str,
        user_id: str,
        application_id: str | None,
        session_context: str | None,
        validity_seconds: int,
    ) -> StreamingUrlRecord:
        with self._lock:
            now = self.now()
            record = StreamingUrlRecord(
                token=secrets.token_urlsafe(32),
                stack_name=stack_name,
                fleet_name=fleet_name,
                user_id=user_id,
                application_id=application_id,
                session_context=session_context,
                created=now,
                expires=now + validity_seconds,
            )
            self._urls[record.token] = record
            return record

    def visit_streaming_url(self, token: str) -> UrlVisit:
        """Open a streaming URL: start a session for its user, or reuse the user's current one.

        A URL opens until it expires, the same as an AWS streaming URL, and
        opening it again while its session runs shows that session.
        """
        with self._lock:
            self._advance()
            now = self.now()
            url = self._urls.get(token)
            if url is None:
                return UrlVisit(status="unknown")
            if now > url.expires:
                return UrlVisit(status="expired", url=url)
            current = self._sessions.get(url.session_id) if url.session_id else None
            if current is not None and current.state_at(now) in ACTIVE_SESSION_STATES:
                return UrlVisit(status="ok", url=url, session=current.to_output(now))
            fleet_state = self._fleets[url.fleet_name].state
            if fleet_state != "RUNNING":
                return UrlVisit(status="fleet_unavailable", url=url, fleet_state=fleet_state)

            session = next(
                (
                    existing
                    for existing in self._sessions.values()
                    if existing.user_id == url.user_id
                    and existing.stack_name == url.stack_name
                    and existing.fleet_name == url.fleet_name
                    and existing.authentication_type == "API"
                    and existing.state_at(now) in ACTIVE_SESSION_STATES
                ),
                None,
            )
            if session is None:
                session = self._add_session(
                    url.user_id,
                    url.stack_name,
                    url.fleet_name,
                    authentication_type="API",
                    start=now,
                    activate_at=now + self.session_activation_seconds,
                )
                logger.info(
                    "Session %s started for user %s on stack %s, fleet %s",
                    session.session_id,
                    url.user_id,
                    url.stack_name,
                    url.fleet_name,
                )
            url.session_id = session.session_id
            return UrlVisit(status="ok", url=url, session=session.to_output(now))

    def _add_session(
        self,
        user_id: str,
        stack_name: str,
        fleet_name: str,
        *,
        authentication_type: str,
        start: float,
        activate_at: float,
        session_id: str | None = None,
    ) -> SessionRecord:
        fleet = self._fleets[fleet_name].spec
        session = SessionRecord(
            session_id=session_id or str(uuid.uuid4()),
            user_id=user_id,
            stack_name=stack_name,
            fleet_name=fleet_name,
            authentication_type=authentication_type,
            start_time=start,
            activate_at=activate_at,
            max_expiration_time=start + fleet.max_user_duration_seconds,
            instance_id="i-" + secrets.token_hex(9)[:17],
            eni_id="eni-" + secrets.token_hex(9)[:17],
            eni_private_ip=f"10.0.{secrets.randbelow(254) + 1}.{secrets.randbelow(254) + 1}",
        )
        self._sessions[session.session_id] = session
        return session

    def _advance(self) -> None:
        """Apply due fleet transitions, end sessions past their maximum duration, drop old expired ones."""
        now = self.now()
        for record in self._fleets.values():
            if record.transition_done_at is not None and now >= record.transition_done_at:
                record.state = record.target_state or record.state
                record.target_state = None
                record.transition_done_at = None
                logger.info("Fleet %s is now %s", record.name, record.state)
        for session_id, session in list(self._sessions.items()):
            if session.expired_at is None and now >= session.max_expiration_time:
                session.expired_at = session.max_expiration_time
            if session.expired_at is not None and now >= session.expired_at + self.expired_session_seconds:
                del self._sessions[session_id]
