"""CreateStreamingURL signed and sent with the standard library, for the command line's `url`.

Creating a botocore client (its models, endpoint rules and regular expressions) takes longer
than the rest of a `url` run several times over. When the credentials are plain keys and
nothing in the environment or the profile requires more than botocore's defaults, `url` sends
its one request this way. It uses the same JSON 1.1 request, SigV4 signature, timeouts, retries
and error messages as the botocore client, without importing botocore. In every other case
`plan_direct_call` returns None and the caller uses the botocore client.

NOTE: tests check this path against botocore (signatures, endpoints, error messages) and the
emulator, but it has not been run against the real AppStream service.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import logging
import os
import random
import re
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlsplit

from launcher import __version__
from launcher.appstream import clients, errors
from launcher.appstream.clients import Target
from launcher.appstream.errors import AppStreamError
from launcher.appstream.models import StreamingRequest, StreamingURL
from launcher.appstream.streaming import streaming_url_from_response, streaming_url_parameters
from launcher.appstream.validation import validate_streaming_request
from launcher.credentials import sources
from launcher.credentials.sources import KIND_DEFAULT, KIND_PROFILE, StaticCredentials

log = logging.getLogger(__name__)

OPERATION = "CreateStreamingURL"
SERVICE = "appstream"
TARGET_PREFIX = "PhotonAdminProxyService."
CONTENT_TYPE = "application/x-amz-json-1.1"

# The region pattern of botocore's "aws" partition, whose AppStream endpoints are
# https://appstream2.REGION.amazonaws.com. Regions of other partitions use botocore.
_AWS_PARTITION_REGION = re.compile(r"^(us|eu|ap|sa|ca|me|af|il|mx)\-\w+\-\d+$")
_PROFILE_NAME = re.compile(r"^[A-Za-z0-9_.@+-]+$")

# AWS_* variables that change nothing in how botocore would make this call, or (AWS_CA_BUNDLE)
# that this module applies too. Any other AWS_* variable (endpoint URLs, FIPS, web identity,
# container credentials, ...) sends the call through botocore.
_PLAIN_AWS_VARIABLES = frozenset(
    {
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_PROFILE",
        "AWS_CONFIG_FILE",
        "AWS_SHARED_CREDENTIALS_FILE",
        "AWS_EC2_METADATA_DISABLED",
        "AWS_METADATA_SERVICE_TIMEOUT",
        "AWS_METADATA_SERVICE_NUM_ATTEMPTS",
        "AWS_MAX_ATTEMPTS",
        "AWS_RETRY_MODE",
        "AWS_STS_REGIONAL_ENDPOINTS",
        "AWS_PAGER",
        "AWS_DEFAULT_OUTPUT",
        "AWS_CA_BUNDLE",
    }
)
_PROXY_VARIABLES = frozenset({"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"})
# Profile settings that change nothing in how botocore would make this call with static keys.
_PLAIN_PROFILE_SETTINGS = frozenset(
    {
        "aws_access_key_id",
        "aws_secret_access_key",
        "aws_session_token",
        "aws_security_token",
        "region",
        "output",
        "ca_bundle",
        "max_attempts",
        "retry_mode",
        "cli_pager",
        "cli_timestamp_format",
        "cli_binary_format",
        "cli_history",
        "cli_auto_prompt",
    }
)

# botocore's standard retry mode (botocore/retries/standard.py, 1.44): these error codes and HTTP
# statuses are retried. Throttling (these codes, or HTTP 429) backs off from 1 s, the rest from 50 ms.
_TRANSIENT_CODES = frozenset({"RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete"})
_THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
    }
)
_THROTTLING_STATUS = 429
_RETRIED_STATUSES = frozenset({500, 502, 503, 504})
MAX_BACKOFF_SECONDS = 20
THROTTLING_BASE_SECONDS = 1.0
OTHER_BASE_SECONDS = 0.05
# A server's x-amz-retry-after (milliseconds) may lengthen a delay by at most this much.
RETRY_AFTER_MAX_EXTRA_SECONDS = 5


@dataclass(frozen=True)
class DirectCall:
    """The destination of one request: endpoint URL, region, signing keys and the CA bundle for TLS."""

    endpoint_url: str
    region: str
    keys: StaticCredentials
    ca_bundle: str | None = None


def plan_direct_call(target: Target) -> DirectCall | None:
    """Return how to send CreateStreamingURL without botocore, or None when botocore must send it.

    None whenever botocore could do something this module does not: a role, SSO, a credential
    process, saved credentials in the keyring, a proxy, FIPS, a configured endpoint, or a region
    outside the standard AWS partition (without --endpoint-url).
    """
    if target.use_fips or target.source.kind not in (KIND_DEFAULT, KIND_PROFILE) or not _environment_is_plain():
        return None
    # botocore applies the active profile's settings even when the keys come from the environment.
    profile = target.source.name if target.source.kind == KIND_PROFILE else os.environ.get("AWS_PROFILE") or "default"
    if not _PROFILE_NAME.match(profile):
        return None
    found_in_config, found_in_credentials = sources.profile_files(profile)
    if profile != "default" and found_in_config is None and found_in_credentials is None:
        # botocore reports a profile named by --profile or AWS_PROFILE that does not exist.
        return None
    from_config = found_in_config or {}
    from_credentials = found_in_credentials or {}
    if any(key not in _PLAIN_PROFILE_SETTINGS for key in (*from_config, *from_credentials)):
        return None
    keys = _environment_keys() if target.source.kind == KIND_DEFAULT else None
    if keys is None:
        # botocore takes a profile's keys from the credentials file first, then from the config file.
        keys = _profile_keys(from_credentials if "aws_access_key_id" in from_credentials else from_config)
    endpoint_url = target.endpoint_url or _standard_endpoint(target.region)
    if keys is None or endpoint_url is None:
        return None
    # botocore's order: AWS_CA_BUNDLE, the profile's ca_bundle, then REQUESTS_CA_BUNDLE.
    ca_bundle = os.environ.get("AWS_CA_BUNDLE") or from_config.get("ca_bundle") or os.environ.get("REQUESTS_CA_BUNDLE") or None
    return DirectCall(endpoint_url=endpoint_url, region=target.region, keys=keys, ca_bundle=ca_bundle)


def _environment_is_plain() -> bool:
    for name in os.environ:
        upper = name.upper()
        if upper in _PROXY_VARIABLES or (upper.startswith("AWS_") and upper not in _PLAIN_AWS_VARIABLES):
            return False
    return True


def _environment_keys() -> StaticCredentials | None:
    """Return the keys of AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, the default chain's first choice.

    With one of the two set, botocore reports the incomplete keys, and with neither it reads the profile.
    """
    token = os.environ.get("AWS_SESSION_TOKEN") or os.environ.get("AWS_SECURITY_TOKEN")
    return _complete_keys(os.environ.get("AWS_ACCESS_KEY_ID"), os.environ.get("AWS_SECRET_ACCESS_KEY"), token)


def _profile_keys(settings: dict[str, str]) -> StaticCredentials | None:
    token = settings.get("aws_session_token") or settings.get("aws_security_token")
    return _complete_keys(settings.get("aws_access_key_id"), settings.get("aws_secret_access_key"), token)


def _complete_keys(access_key_id: str | None, secret_access_key: str | None, token: str | None) -> StaticCredentials | None:
    """Return the keys when both the access key ID and the secret are set, else None."""
    if not (access_key_id and secret_access_key):
        return None
    return StaticCredentials(access_key_id, secret_access_key, token or None)


def _standard_endpoint(region: str) -> str | None:
    if not _AWS_PARTITION_REGION.match(region):
        return None
    return f"https://appstream2.{region}.amazonaws.com"


# Signing ----------------------------------------------------------------------------------


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def sign_request(
    keys: StaticCredentials, region: str, host: str, path: str, headers: dict[str, str], body: bytes, now: datetime
) -> dict[str, str]:
    """Return `headers` with X-Amz-Date, the session token and a SigV4 Authorization header added.

    `host` is the Host header's value; every header passed in, and Host, is signed.
    """
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    date = amz_date[:8]
    signed = {**headers, "X-Amz-Date": amz_date}
    if keys.session_token:
        signed["X-Amz-Security-Token"] = keys.session_token
    canonical_headers = {name.lower(): " ".join(value.split()) for name, value in {**signed, "Host": host}.items()}
    names = sorted(canonical_headers)
    signed_header_names = ";".join(names)
    canonical_request = "\n".join(
        [
            "POST",
            path or "/",
            "",
            "".join(f"{name}:{canonical_headers[name]}\n" for name in names),
            signed_header_names,
            hashlib.sha256(body).hexdigest(),
        ]
    )
    scope = f"{date}/{region}/{SERVICE}/aws4_request"
    string_to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical_request.encode("utf-8")).hexdigest()]
    )
    key = _hmac(_hmac(_hmac(_hmac(f"AWS4{keys.secret_access_key}".encode(), date), region), SERVICE), "aws4_request")
    signature = hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    signed["Authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={keys.access_key_id}/{scope}, SignedHeaders={signed_header_names}, Signature={signature}"
    )
    return signed


# Sending ----------------------------------------------------------------------------------


class _Retryable(Exception):
    """An attempt failed in a way botocore's standard mode retries; `error` is the final message if none is left.

    `throttled` selects the longer backoff, and `retry_after` is the server's x-amz-retry-after in seconds.
    """

    def __init__(self, error: AppStreamError, *, throttled: bool = False, retry_after: float | None = None):
        super().__init__(error.message)
        self.error = error
        self.throttled = throttled
        self.retry_after = retry_after


def retry_delay(attempt: int, throttled: bool, retry_after: float | None, random_fraction: float) -> float:
    """Return the wait after failed attempt number `attempt` (1-based), as botocore's standard mode computes it."""
    base = THROTTLING_BASE_SECONDS if throttled else OTHER_BASE_SECONDS
    delay = random_fraction * min(base * 2 ** (attempt - 1), MAX_BACKOFF_SECONDS)
    if retry_after is not None:
        delay = max(delay, min(retry_after, delay + RETRY_AFTER_MAX_EXTRA_SECONDS))
    return delay


def create_streaming_url(
    call: DirectCall,
    request: StreamingRequest,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> StreamingURL:
    """Send CreateStreamingURL with up to `clients.MAX_ATTEMPTS` attempts; raise AppStreamError on failure."""
    request = validate_streaming_request(request)
    context = {"stack": request.stack_name, "fleet": request.fleet_name, "application": request.application_id or ""}
    body = json.dumps(streaming_url_parameters(request)).encode("utf-8")
    attempt = 1
    while True:
        try:
            response = _attempt(call, body, context)
        except _Retryable as failure:
            if attempt >= clients.MAX_ATTEMPTS:
                raise failure.error from None
            delay = retry_delay(attempt, failure.throttled, failure.retry_after, random.random())
            log.debug("%s attempt %d failed (%s); retrying in %.2f s", OPERATION, attempt, failure.error.kind.value, delay)
            sleep(delay)
            attempt += 1
            continue
        return streaming_url_from_response(response)


def _attempt(call: DirectCall, body: bytes, context: dict[str, str]) -> dict:
    """Send one request and return the parsed response body; raise _Retryable or AppStreamError."""
    parts = urlsplit(call.endpoint_url)
    secure = parts.scheme == "https"
    default_port = 443 if secure else 80
    host_header = f"[{parts.hostname}]" if ":" in (parts.hostname or "") else parts.hostname or ""
    if parts.port not in (None, default_port):
        host_header = f"{host_header}:{parts.port}"
    path = parts.path or "/"
    headers = sign_request(
        call.keys,
        call.region,
        host_header,
        path,
        {"Content-Type": CONTENT_TYPE, "X-Amz-Target": TARGET_PREFIX + OPERATION},
        body,
        datetime.now(timezone.utc),
    )
    headers["Host"] = host_header
    headers["User-Agent"] = f"appstream-launcher/{__version__} Python/{sys.version_info[0]}.{sys.version_info[1]}"
    endpoint_text = call.endpoint_url

    connection = _connection(parts.hostname or "", parts.port or default_port, secure, call.ca_bundle)
    try:
        try:
            connection.connect()
        except (TimeoutError, socket.timeout):
            raise _Retryable(errors.connect_timeout_error(endpoint_text)) from None
        except _ssl_errors() as error:
            raise errors.tls_error(endpoint_text, str(error)) from None
        except OSError:
            raise _Retryable(errors.unreachable_error(endpoint_text)) from None
        connection.sock.settimeout(clients.READ_TIMEOUT_SECONDS)
        try:
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            status = response.status
            error_type = response.getheader("x-amzn-ErrorType", "")
            request_id = response.getheader("x-amzn-RequestId", "")
            retry_after = _retry_after_seconds(response.getheader("x-amz-retry-after"))
            payload = response.read()
        except (TimeoutError, socket.timeout):
            raise _Retryable(errors.read_timeout_error(endpoint_text, OPERATION)) from None
        except _ssl_errors() as error:
            raise errors.tls_error(endpoint_text, str(error)) from None
        except (OSError, http.client.HTTPException):
            raise _Retryable(errors.connection_closed_error(endpoint_text, OPERATION)) from None
    finally:
        connection.close()

    log.debug("%s returned HTTP %d (request ID %s)", OPERATION, status, request_id or "none")
    parsed = _json_body(payload)
    if 200 <= status < 300:
        return parsed
    code = error_type.split(":", 1)[0] if error_type else str(parsed.get("__type") or status).rsplit("#", 1)[-1]
    message = parsed.get("message", parsed.get("Message", ""))
    error = errors.service_error(code, str(message or ""), status, operation=OPERATION, region=call.region, context=context)
    throttled = code in _THROTTLING_CODES or status == _THROTTLING_STATUS
    if throttled or code in _TRANSIENT_CODES or status in _RETRIED_STATUSES:
        raise _Retryable(error, throttled=throttled, retry_after=retry_after)
    raise error


def _retry_after_seconds(value: str | None) -> float | None:
    """Return an x-amz-retry-after header (whole milliseconds) in seconds, or None when absent or invalid."""
    if value is None:
        return None
    try:
        milliseconds = int(value)
    except ValueError:
        return None
    return milliseconds / 1000 if milliseconds >= 0 else None


def _json_body(payload: bytes) -> dict:
    """Parse a JSON body as botocore does: an empty or unparsable body reads as an empty object."""
    if not payload:
        return {}
    try:
        parsed = json.loads(payload.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _connection(host: str, port: int, secure: bool, ca_bundle: str | None) -> http.client.HTTPConnection:
    if not secure:
        return http.client.HTTPConnection(host, port, timeout=clients.CONNECT_TIMEOUT_SECONDS)
    import ssl

    return http.client.HTTPSConnection(
        host, port, timeout=clients.CONNECT_TIMEOUT_SECONDS, context=_tls_context(ssl, ca_bundle)
    )


def _tls_context(ssl, ca_bundle: str | None):
    """Verify certificates against the configured CA bundle, else certifi's as botocore does, else the system's."""
    if ca_bundle:
        return ssl.create_default_context(cafile=ca_bundle)
    try:
        import certifi
    except ImportError:
        return ssl.create_default_context()
    return ssl.create_default_context(cafile=certifi.where())


def _ssl_errors() -> tuple[type[BaseException], ...]:
    """Return the TLS exception classes, or none when ssl was never imported (plain HTTP)."""
    ssl = sys.modules.get("ssl")
    return (ssl.SSLError, ssl.CertificateError) if ssl is not None else ()
