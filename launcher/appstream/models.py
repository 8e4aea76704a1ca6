"""Typed records for the AppStream objects the launcher shows and sends."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

DESKTOP_APPLICATION_ID = "Desktop"

FLEET_TYPE_ELASTIC = "ELASTIC"
STREAM_VIEW_DESKTOP = "DESKTOP"
FLEET_STATE_RUNNING = "RUNNING"


@dataclass(frozen=True)
class AccessEndpoint:
    """An interface VPC endpoint that a stack is restricted to."""

    endpoint_type: str
    vpce_id: str | None = None


@dataclass(frozen=True)
class Stack:
    name: str
    display_name: str = ""
    description: str = ""
    arn: str = ""
    access_endpoints: tuple[AccessEndpoint, ...] = ()

    @property
    def label(self) -> str:
        """Text for a dropdown: the display name, with the name when they differ."""
        if self.display_name and self.display_name != self.name:
            return f"{self.display_name} ({self.name})"
        return self.name


@dataclass(frozen=True)
class FleetCapacity:
    """Instance counts from a fleet's ComputeCapacityStatus."""

    desired: int = 0
    running: int = 0
    in_use: int = 0
    available: int = 0


@dataclass(frozen=True)
class Fleet:
    name: str
    state: str
    fleet_type: str
    stream_view: str = "APP"
    display_name: str = ""
    image_name: str = ""
    image_arn: str = ""
    instance_type: str = ""
    platform: str = ""
    capacity: FleetCapacity | None = None

    @property
    def is_elastic(self) -> bool:
        return self.fleet_type == FLEET_TYPE_ELASTIC

    @property
    def is_running(self) -> bool:
        return self.state == FLEET_STATE_RUNNING

    @property
    def readiness(self) -> str:
        """Short state and capacity text, such as "RUNNING, 3 available of 5"."""
        if self.is_elastic or self.capacity is None:
            return self.state
        return f"{self.state}, {self.capacity.available} available of {self.capacity.desired}"

    @property
    def label(self) -> str:
        name = self.display_name if self.display_name and self.display_name != self.name else ""
        shown = f"{name} ({self.name})" if name else self.name
        return f"{shown} — {self.readiness}"


@dataclass(frozen=True)
class Application:
    name: str
    display_name: str = ""
    enabled: bool = True

    @property
    def is_desktop(self) -> bool:
        return self.name == DESKTOP_APPLICATION_ID

    @property
    def label(self) -> str:
        return self.display_name or self.name


DESKTOP_APPLICATION = Application(name=DESKTOP_APPLICATION_ID, display_name="Desktop")


@dataclass(frozen=True)
class StreamingRequest:
    """The parameters of one CreateStreamingURL call."""

    stack_name: str
    fleet_name: str
    user_id: str
    application_id: str | None = None
    validity_seconds: int = 60
    session_context: str | None = None


@dataclass(frozen=True)
class StreamingURL:
    """A generated streaming URL. The URL is a bearer token, so repr hides it."""

    url: str = field(repr=False)
    expires: datetime

    def to_json(self) -> dict[str, str]:
        """Return the JSON form, with Expires in ISO 8601 in UTC whatever the local time zone."""
        return {"StreamingURL": self.url, "Expires": self.expires.astimezone(timezone.utc).isoformat()}
