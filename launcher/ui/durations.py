"""Durations and expiry times as the window shows them, such as "4 min 59 s" and "14:05:12 UTC"."""

from __future__ import annotations

from datetime import datetime, timezone


def format_duration(seconds: int) -> str:
    """Format a non-negative number of seconds with its two largest units: "1 h 5 min", "59 s"."""
    seconds = max(int(seconds), 0)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    return f"{secs} s"


def format_utc_time(moment: datetime, now: datetime) -> str:
    """Format `moment` in UTC: the time alone on the same UTC day as `now`, else with the date."""
    moment_utc = moment.astimezone(timezone.utc)
    if moment_utc.date() == now.astimezone(timezone.utc).date():
        return moment_utc.strftime("%H:%M:%S UTC")
    return moment_utc.strftime("%Y-%m-%d %H:%M:%S UTC")


def seconds_left(expires: datetime, now: datetime) -> int:
    """Return the whole seconds from `now` until `expires`, which is zero or less once it has passed."""
    return int((expires - now).total_seconds())


def expiry_text(expires: datetime, now: datetime) -> str:
    """Describe when a streaming URL expires: "Expires in 4 min 59 s (at 14:05:12 UTC)" or "Expired at …"."""
    remaining = seconds_left(expires, now)
    at = format_utc_time(expires, now)
    if remaining <= 0:
        return f"Expired at {at}"
    return f"Expires in {format_duration(remaining)} (at {at})"
