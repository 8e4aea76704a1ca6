"""Recent launches: the choices behind the last generated streaming URLs, for a quick relaunch.

An entry contains the credential source key, region, stack, fleet, application, user ID and
validity, and never a URL: `to_dict` writes those seven members only, and `from_dict` reads
nothing else.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from launcher.appstream.errors import ValidationError
from launcher.appstream.validation import (
    validate_application_id,
    validate_resource_name,
    validate_user_id,
    validate_validity,
)

log = logging.getLogger(__name__)

MAX_RECENT_LAUNCHES = 10


@dataclass(frozen=True)
class RecentLaunch:
    """One launch. `application` is "" for the application catalog (no ApplicationId)."""

    source: str
    region: str
    stack: str
    fleet: str
    application: str
    user_id: str
    validity_seconds: int

    @classmethod
    def from_dict(cls, data: object) -> RecentLaunch | None:
        """Build an entry from the settings file, or return None when a member is missing or invalid."""
        if not isinstance(data, dict):
            return None
        try:
            launch = cls(
                source=_text(data, "source"),
                region=_text(data, "region"),
                stack=validate_resource_name("stack", data.get("stack")),
                fleet=validate_resource_name("fleet", data.get("fleet")),
                application=validate_application_id(data.get("application") or None) or "",
                user_id=validate_user_id(data.get("user_id")),
                validity_seconds=validate_validity(data.get("validity_seconds")),
            )
        except (ValidationError, ValueError) as error:
            log.warning("Ignoring a recent launch in the settings file: %s", getattr(error, "message", error))
            return None
        return launch

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "region": self.region,
            "stack": self.stack,
            "fleet": self.fleet,
            "application": self.application,
            "user_id": self.user_id,
            "validity_seconds": self.validity_seconds,
        }


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{key} is missing")
    return value


def load_recent_launches(entries: Iterable[object]) -> list[RecentLaunch]:
    """Return the valid entries of Settings.recent_launches, newest first, without duplicates."""
    launches: list[RecentLaunch] = []
    for entry in entries:
        launch = RecentLaunch.from_dict(entry)
        if launch is not None and launch not in launches:
            launches.append(launch)
    return launches[:MAX_RECENT_LAUNCHES]


def remember_launch(launches: list[RecentLaunch], launch: RecentLaunch, limit: int = MAX_RECENT_LAUNCHES) -> list[RecentLaunch]:
    """Return the list with `launch` first, an equal older entry removed, and at most `limit` entries."""
    return [launch, *(entry for entry in launches if entry != launch)][:limit]
