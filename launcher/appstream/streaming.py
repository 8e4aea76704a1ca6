"""CreateStreamingURL: validate the request, call the API, return the URL and its expiry."""

from __future__ import annotations

from datetime import datetime, timezone

from launcher.appstream.errors import AppStreamError, ErrorKind
from launcher.appstream.models import StreamingRequest, StreamingURL
from launcher.appstream.validation import validate_streaming_request


def streaming_url_parameters(request: StreamingRequest) -> dict:
    """Return the CreateStreamingURL parameters for a validated request."""
    params = {
        "StackName": request.stack_name,
        "FleetName": request.fleet_name,
        "UserId": request.user_id,
        "Validity": request.validity_seconds,
    }
    if request.application_id:
        params["ApplicationId"] = request.application_id
    if request.session_context is not None:
        params["SessionContext"] = request.session_context
    return params


def _as_aware(expires: object) -> datetime:
    if isinstance(expires, datetime):
        return expires if expires.tzinfo else expires.replace(tzinfo=timezone.utc)
    if isinstance(expires, (int, float)) and not isinstance(expires, bool):
        # In local time, as botocore returns timestamps.
        return datetime.fromtimestamp(expires, tz=timezone.utc).astimezone()
    raise AppStreamError("The endpoint returned a streaming URL without a valid Expires time.", ErrorKind.INVALID_RESPONSE)


def create_streaming_url(client, request: StreamingRequest) -> StreamingURL:
    """Validate the request, then call CreateStreamingURL once. Raises ValidationError or botocore errors."""
    request = validate_streaming_request(request)
    return streaming_url_from_response(client.create_streaming_url(**streaming_url_parameters(request)))


def streaming_url_from_response(response: dict) -> StreamingURL:
    """Return the URL and expiry of a CreateStreamingURL response; raise AppStreamError when either is missing."""
    url = response.get("StreamingURL")
    if not isinstance(url, str) or not url:
        raise AppStreamError("The endpoint returned no StreamingURL. Check the endpoint URL.", ErrorKind.INVALID_RESPONSE)
    return StreamingURL(url=url, expires=_as_aware(response.get("Expires")))
