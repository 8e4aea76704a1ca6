"""Fault injection: make the next API calls fail, slow down or return broken responses.

Counted faults are consumed one per HTTP request, so botocore retries use
them up too: ``throttle(10)`` outlasts a client with 3 attempts and
``throttle(1)`` succeeds on the first retry. Faults are kept in the order
they were added, and each request takes the first one whose operation
matches. A ``slow`` fault delays the request and still lets a later fault of
another kind apply to the same request.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

logger = logging.getLogger(__name__)

APPSTREAM_OPERATIONS = frozenset(
    {
        "DescribeStacks",
        "ListAssociatedFleets",
        "ListAssociatedStacks",
        "DescribeFleets",
        "DescribeImages",
        "DescribeApplicationFleetAssociations",
        "DescribeApplications",
        "CreateStreamingURL",
        "DescribeSessions",
        "StartFleet",
        "StopFleet",
        "ExpireSession",
    }
)
STS_OPERATIONS = frozenset({"GetCallerIdentity", "GetSessionToken", "AssumeRole"})
KNOWN_OPERATIONS = APPSTREAM_OPERATIONS | STS_OPERATIONS

THROTTLE = "throttle"
SERVER_ERROR = "server_error"
SLOW = "slow"
MALFORMED = "malformed"
RESET_CONNECTION = "reset_connection"
MISSING_FIELDS = "missing_fields"
CLOCK_SKEW = "clock_skew"

SERVER_ERROR_CODES = {"InternalFailure": 500, "ServiceUnavailable": 503}


@dataclass
class Fault:
    kind: str
    remaining: int
    operation: str | None
    seconds: float = 0.0
    error_code: str = ""


@dataclass
class FaultPlan:
    """Faults applied to one request: an added delay and at most one fault that changes the response."""

    delay_seconds: float = 0.0
    fault: Fault | None = None


class Faults:
    """Fault controls of one emulator; every method is safe to call from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: list[Fault] = []
        self._denied: set[str] = set()

    def throttle(self, n: int = 1, operation: str | None = None) -> None:
        """Fail the next n matching calls with ThrottlingException "Rate exceeded" (HTTP 400)."""
        self._add(Fault(THROTTLE, _count(n), _operation(operation)))

    def http_500(self, n: int = 1, operation: str | None = None, *, error_code: str = "InternalFailure") -> None:
        """Fail the next n matching calls with a server error.

        error_code InternalFailure sends HTTP 500 and ServiceUnavailable
        sends HTTP 503, the status codes AWS uses for them.
        """
        if error_code not in SERVER_ERROR_CODES:
            raise ValueError(f"error_code must be one of {', '.join(SERVER_ERROR_CODES)}, not {error_code!r}")
        self._add(Fault(SERVER_ERROR, _count(n), _operation(operation), error_code=error_code))

    def slow(self, seconds: float, n: int = 1, operation: str | None = None) -> None:
        """Delay the response to the next n matching calls by seconds."""
        if seconds < 0:
            raise ValueError(f"seconds must be 0 or more, not {seconds!r}")
        self._add(Fault(SLOW, _count(n), _operation(operation), seconds=float(seconds)))

    def malformed(self, n: int = 1, operation: str | None = None) -> None:
        """Return HTTP 200 with a body that is neither JSON nor XML to the next n matching calls."""
        self._add(Fault(MALFORMED, _count(n), _operation(operation)))

    def reset_connection(self, n: int = 1, operation: str | None = None) -> None:
        """Send part of the response to the next n matching calls, then reset the TCP connection."""
        self._add(Fault(RESET_CONNECTION, _count(n), _operation(operation)))

    def missing_fields(self, n: int = 1, operation: str | None = None) -> None:
        """Return HTTP 200 without the required output members to the next n matching calls."""
        self._add(Fault(MISSING_FIELDS, _count(n), _operation(operation)))

    def clock_skew(self, n: int = 1, operation: str | None = None) -> None:
        """Fail the next n matching calls with a signature error, as if the signing time were 20 minutes old."""
        self._add(Fault(CLOCK_SKEW, _count(n), _operation(operation)))

    def deny(self, operation: str) -> None:
        """Fail every call of the operation with AccessDeniedException until allow() or clear()."""
        if operation is None:
            raise ValueError("deny() needs an operation name, such as 'DescribeFleets'")
        with self._lock:
            self._denied.add(_operation(operation) or operation)
        logger.info("Fault added: deny %s", operation)

    def allow(self, operation: str) -> None:
        """Undo deny() for one operation."""
        with self._lock:
            self._denied.discard(operation)

    def clear(self) -> None:
        """Remove every pending fault and every denied operation."""
        with self._lock:
            self._queue.clear()
            self._denied.clear()
        logger.info("Faults cleared")

    def pending(self) -> list[Fault]:
        """Return a copy of the counted faults that are still waiting, in order."""
        with self._lock:
            return [Fault(f.kind, f.remaining, f.operation, f.seconds, f.error_code) for f in self._queue]

    def is_denied(self, operation: str) -> bool:
        with self._lock:
            return operation in self._denied

    def take(self, operation: str) -> FaultPlan:
        """Consume the faults that apply to one request of the operation."""
        plan = FaultPlan()
        with self._lock:
            for fault in self._queue:
                if fault.operation not in (None, operation):
                    continue
                if fault.kind == SLOW:
                    if plan.delay_seconds == 0.0:
                        plan.delay_seconds = fault.seconds
                        fault.remaining -= 1
                elif plan.fault is None:
                    plan.fault = fault
                    fault.remaining -= 1
            self._queue = [fault for fault in self._queue if fault.remaining > 0]
        if plan.fault is not None or plan.delay_seconds:
            logger.info(
                "Injecting fault into %s: %s, delay %.2f s",
                operation,
                plan.fault.kind if plan.fault else "none",
                plan.delay_seconds,
            )
        return plan

    def _add(self, fault: Fault) -> None:
        with self._lock:
            self._queue.append(fault)
        logger.info("Fault added: %s x%d for %s", fault.kind, fault.remaining, fault.operation or "any operation")


def _count(n: int) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive integer, not {n!r}")
    return n


def _operation(operation: str | None) -> str | None:
    if operation is not None and operation not in KNOWN_OPERATIONS:
        raise ValueError(f"Unknown operation {operation!r}; expected one of {', '.join(sorted(KNOWN_OPERATIONS))}")
    return operation
