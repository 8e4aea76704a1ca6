"""One error type for every AppStream failure, with a message for people.

botocore raises many exception classes and error codes; `translate_error` turns each into an
`AppStreamError` whose message names what failed and what to do next.
"""

from __future__ import annotations

import enum
import re


class ErrorKind(enum.Enum):
    INVALID_INPUT = "invalid input"
    NOT_FOUND = "not found"
    NOT_AVAILABLE = "not available"
    NOT_PERMITTED = "not permitted"
    INVALID_COMBINATION = "invalid parameter combination"
    ACCESS_DENIED = "access denied"
    CREDENTIALS_MISSING = "credentials missing"
    CREDENTIALS_EXPIRED = "credentials expired"
    CREDENTIALS_INVALID = "credentials invalid"
    SSO_LOGIN_REQUIRED = "SSO login required"
    CLOCK_SKEW = "clock skew"
    THROTTLED = "throttled"
    UNREACHABLE = "endpoint unreachable"
    TIMEOUT = "timed out"
    SERVICE_ERROR = "service error"
    INVALID_RESPONSE = "invalid response"
    CONFIGURATION = "configuration"
    OTHER = "other"


class AppStreamError(Exception):
    """A failed AppStream request or invalid input, with a message that names what to do."""

    def __init__(self, message: str, kind: ErrorKind = ErrorKind.OTHER, *, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.code = code

    @property
    def is_usage_error(self) -> bool:
        """True for input the user can fix locally (the CLI exits with status 2)."""
        return self.kind in (ErrorKind.INVALID_INPUT, ErrorKind.CONFIGURATION)


class ValidationError(AppStreamError):
    """Input rejected before any network call. `field` names the input that is wrong."""

    def __init__(self, field: str, message: str):
        super().__init__(message, ErrorKind.INVALID_INPUT)
        self.field = field


_CODES_NOT_FOUND = {"ResourceNotFoundException", "EntitlementNotFoundException"}
_CODES_ACCESS_DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedException"}
_CODES_EXPIRED = {"ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"}
_CODES_INVALID_CREDENTIALS = {
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
    "InvalidSignatureException",
    "MissingAuthenticationTokenException",
    "InvalidAccessKeyId",
}
_CODES_SKEW = {"RequestTimeTooSkewed", "RequestInTheFuture"}
_CODES_THROTTLED = {
    "ThrottlingException",
    "Throttling",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "RequestThrottledException",
    "SlowDown",
}
_CODES_VALIDATION = {"ValidationException", "InvalidParameterValue", "InvalidParameterException", "SerializationException"}
_SKEW_MESSAGE = re.compile(r"signature expired|clock skew|time.*skew", re.IGNORECASE)


def _attempts_text(timeout_seconds: float) -> str:
    """Return the retry budget of a timed-out request, such as "up to 3 attempts of 15 s each".

    botocore's retry quota can allow fewer attempts after many failures in one process, hence "up to".
    """
    from launcher.appstream import clients

    return f"up to {clients.MAX_ATTEMPTS} attempts of {timeout_seconds:g} s each"


def _describe_target(context: dict[str, str]) -> str:
    parts = [f"{key} '{value}'" for key, value in context.items() if value]
    return ", ".join(parts)


def translate_error(
    error: Exception,
    *,
    operation: str,
    region: str | None = None,
    endpoint: str | None = None,
    source_label: str | None = None,
    context: dict[str, str] | None = None,
) -> AppStreamError:
    """Turn a botocore or network exception raised by `operation` into an AppStreamError."""
    if isinstance(error, AppStreamError):
        return error

    from botocore import exceptions as bce
    from botocore.parsers import ResponseParserError

    context = context or {}
    target = _describe_target(context)
    where = f" in region {region}" if region else ""
    endpoint_text = endpoint or "the AppStream endpoint"

    if isinstance(error, bce.ClientError):
        return _translate_client_error(error, operation, where, target)
    if isinstance(error, (bce.SSOTokenLoadError, bce.UnauthorizedSSOTokenError, bce.TokenRetrievalError)):
        profile = source_label or "NAME"
        return AppStreamError(
            f"The AWS SSO session for {profile} is missing or expired. Run: aws sso login --profile {profile}",
            ErrorKind.SSO_LOGIN_REQUIRED,
        )
    if isinstance(error, bce.RefreshWithMFAUnsupportedError):
        return AppStreamError(
            "The temporary credentials of this profile expired, and renewing them needs a new MFA code. "
            "Try again to enter one.",
            ErrorKind.CREDENTIALS_EXPIRED,
        )
    if isinstance(error, bce.NoCredentialsError):
        source_text = f" for {source_label}" if source_label else ""
        return AppStreamError(
            f"No AWS credentials were found{source_text}. Configure a profile with 'aws configure', "
            "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or pick another credential source.",
            ErrorKind.CREDENTIALS_MISSING,
        )
    if isinstance(error, bce.PartialCredentialsError):
        return AppStreamError(
            f"The AWS credentials are incomplete: {error}. Set both the access key ID and the secret access key.",
            ErrorKind.CREDENTIALS_INVALID,
        )
    if isinstance(error, bce.ProfileNotFound):
        return AppStreamError(
            f"{error}. Check the name with 'aws configure list-profiles'.", ErrorKind.CONFIGURATION
        )
    if isinstance(error, bce.NoRegionError):
        return AppStreamError(
            "No AWS region is set. Pick a region, pass --region, or set AWS_REGION.", ErrorKind.CONFIGURATION
        )
    if isinstance(error, bce.InvalidRegionError):
        return AppStreamError(
            f"Region {region!r} is not a valid region name. Pick a region such as us-east-1, or pass --region.",
            ErrorKind.CONFIGURATION,
        )
    if isinstance(error, bce.ConnectTimeoutError):
        return connect_timeout_error(endpoint_text)
    if isinstance(error, bce.ReadTimeoutError):
        return read_timeout_error(endpoint_text, operation)
    if isinstance(error, bce.ConnectionClosedError):
        return connection_closed_error(endpoint_text, operation)
    if isinstance(error, (bce.EndpointConnectionError, bce.ProxyConnectionError)):
        return unreachable_error(endpoint_text)
    if isinstance(error, bce.SSLError):
        return tls_error(endpoint_text, str(error))
    if isinstance(error, bce.HTTPClientError):
        return AppStreamError(
            f"The connection to {endpoint_text} failed during {operation}: {error}. Try again.",
            ErrorKind.UNREACHABLE,
        )
    if isinstance(error, ResponseParserError):
        return AppStreamError(
            f"{endpoint_text} returned a response to {operation} that is not valid AppStream data. "
            "Check the endpoint URL; try again if it is a temporary fault.",
            ErrorKind.INVALID_RESPONSE,
        )
    if isinstance(error, bce.ParamValidationError):
        return AppStreamError(f"Invalid parameters for {operation}: {error}", ErrorKind.INVALID_INPUT)
    if isinstance(error, bce.BotoCoreError):
        return AppStreamError(f"{operation} failed: {error}", ErrorKind.OTHER)
    return AppStreamError(f"{operation} failed: {type(error).__name__}: {error}", ErrorKind.OTHER)


def connect_timeout_error(endpoint_text: str) -> AppStreamError:
    from launcher.appstream import clients

    return AppStreamError(
        f"Connecting to {endpoint_text} timed out ({_attempts_text(clients.CONNECT_TIMEOUT_SECONDS)}). "
        "Check the network, the proxy settings and the region.",
        ErrorKind.TIMEOUT,
    )


def read_timeout_error(endpoint_text: str, operation: str) -> AppStreamError:
    from launcher.appstream import clients

    return AppStreamError(
        f"{endpoint_text} did not respond to {operation} in time ({_attempts_text(clients.READ_TIMEOUT_SECONDS)}). "
        "Check the network and the proxy settings, then try again.",
        ErrorKind.TIMEOUT,
    )


def connection_closed_error(endpoint_text: str, operation: str) -> AppStreamError:
    from launcher.appstream import clients

    return AppStreamError(
        f"The connection to {endpoint_text} closed before the response to {operation} arrived "
        f"(up to {clients.MAX_ATTEMPTS} attempts). Check the proxy settings and the endpoint URL, then try again.",
        ErrorKind.UNREACHABLE,
    )


def unreachable_error(endpoint_text: str) -> AppStreamError:
    return AppStreamError(
        f"Could not connect to {endpoint_text}. Check the network, the proxy settings, the region and the endpoint URL.",
        ErrorKind.UNREACHABLE,
    )


def tls_error(endpoint_text: str, detail: str) -> AppStreamError:
    return AppStreamError(
        f"The TLS connection to {endpoint_text} failed: {detail}. Check the proxy and its certificate (AWS_CA_BUNDLE).",
        ErrorKind.UNREACHABLE,
    )


def service_error(
    code: str, aws_message: str, status: int, *, operation: str, region: str | None = None, context: dict[str, str] | None = None
) -> AppStreamError:
    """Return the AppStreamError for an error response: AWS error code, AWS message and HTTP status."""
    where = f" in region {region}" if region else ""
    return _translate_error_response(code or "UnknownError", aws_message.strip(), status, operation, where, _describe_target(context or {}))


def _translate_client_error(error, operation: str, where: str, target: str) -> AppStreamError:
    details = error.response.get("Error", {})
    code = details.get("Code", "") or "UnknownError"
    aws_message = (details.get("Message") or "").strip()
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    return _translate_error_response(code, aws_message, status, operation, where, target)


def _translate_error_response(code: str, aws_message: str, status: int, operation: str, where: str, target: str) -> AppStreamError:
    aws_detail = f" AWS message: {aws_message}" if aws_message else ""
    subject = f" ({target})" if target else ""

    if code in _CODES_NOT_FOUND:
        message = f"Not found{where}{subject}.{aws_detail} Check the name and that the right region is selected."
        return AppStreamError(message, ErrorKind.NOT_FOUND, code=code)
    if code == "ResourceNotAvailableException":
        message = f"Not available{subject}.{aws_detail}"
        if "RUNNING" not in aws_message:
            message += " Start the fleet and wait until its state is RUNNING."
        return AppStreamError(message, ErrorKind.NOT_AVAILABLE, code=code)
    if code == "OperationNotPermittedException":
        return AppStreamError(f"Operation not permitted{subject}.{aws_detail}", ErrorKind.NOT_PERMITTED, code=code)
    if code == "InvalidParameterCombinationException":
        return AppStreamError(
            f"Invalid combination of parameters{subject}.{aws_detail}", ErrorKind.INVALID_COMBINATION, code=code
        )
    if code in _CODES_ACCESS_DENIED:
        service = "sts" if operation in ("GetCallerIdentity", "GetSessionToken", "AssumeRole") else "appstream"
        message = (
            f"Access denied: the credentials are not allowed to call {service}:{operation}{where}. "
            f"Add {service}:{operation} to the IAM policy of the user or role.{aws_detail}"
        )
        return AppStreamError(message, ErrorKind.ACCESS_DENIED, code=code)
    if code in _CODES_SKEW or (code == "InvalidSignatureException" and _SKEW_MESSAGE.search(aws_message)):
        message = (
            "AWS rejected the request because this computer's clock is more than a few minutes off. "
            f"Synchronise the system clock and try again.{aws_detail}"
        )
        return AppStreamError(message, ErrorKind.CLOCK_SKEW, code=code)
    if code in _CODES_EXPIRED:
        message = (
            "The AWS credentials have expired. Refresh them (for SSO profiles run 'aws sso login'), "
            f"then try again.{aws_detail}"
        )
        return AppStreamError(message, ErrorKind.CREDENTIALS_EXPIRED, code=code)
    if code in _CODES_INVALID_CREDENTIALS:
        message = f"AWS did not accept the credentials.{aws_detail} Check the access key ID and the secret access key."
        return AppStreamError(message, ErrorKind.CREDENTIALS_INVALID, code=code)
    if code in _CODES_THROTTLED:
        message = f"AWS throttled {operation} and the retries ran out. Wait a minute and try again."
        return AppStreamError(message, ErrorKind.THROTTLED, code=code)
    if code in _CODES_VALIDATION:
        return AppStreamError(f"AWS rejected a parameter of {operation}.{aws_detail}", ErrorKind.INVALID_INPUT, code=code)
    if status >= 500 or code in ("InternalFailure", "InternalServerError", "ServiceUnavailable"):
        message = f"The AppStream service failed to handle {operation} (HTTP {status}, {code}). Try again in a moment."
        return AppStreamError(message, ErrorKind.SERVICE_ERROR, code=code)
    return AppStreamError(f"{operation} failed with {code}.{aws_detail}", ErrorKind.OTHER, code=code)
