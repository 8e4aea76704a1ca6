"""Error types that the emulator raises and turns into AWS error responses."""

from __future__ import annotations


class AwsError(Exception):
    """An AWS API error: the code (``__type``), message and HTTP status to send.

    ``code`` is the AppStream (JSON protocol) error name. ``query_code`` is
    the name that the STS query protocol uses for the same failure, because
    the two protocols name some errors differently (for example
    ``ThrottlingException`` and ``Throttling``).
    """

    def __init__(
        self,
        code: str,
        message: str,
        status: int = 400,
        *,
        query_code: str | None = None,
        query_status: int | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.query_code = query_code or code
        self.query_status = query_status or status

    @property
    def is_server_fault(self) -> bool:
        return self.status >= 500


class ScenarioError(ValueError):
    """A scenario file or dict that is not valid; the message names the problem."""


def validation_error(problems: list[str]) -> AwsError:
    """Build a ValidationException in the "N validation errors detected" form AWS uses."""
    count = len(problems)
    noun = "error" if count == 1 else "errors"
    message = f"{count} validation {noun} detected: " + "; ".join(problems)
    return AwsError("ValidationException", message, query_code="ValidationError")


def not_found(message: str) -> AwsError:
    return AwsError("ResourceNotFoundException", message)


def invalid_combination(message: str) -> AwsError:
    return AwsError("InvalidParameterCombinationException", message)


def not_permitted(message: str) -> AwsError:
    return AwsError("OperationNotPermittedException", message)


def not_available(message: str) -> AwsError:
    return AwsError("ResourceNotAvailableException", message)
