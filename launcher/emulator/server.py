"""HTTP layer of the emulator: request parsing, signature checks, fault injection and AWS response formats.

One port serves both APIs. A request with an ``X-Amz-Target`` header is an
AppStream call (JSON 1.1 protocol); a form body with ``Action`` is an STS
call (query protocol). GET requests serve the streaming URL pages.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import struct
import time
import uuid
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from launcher.emulator import faults as fault_kinds
from launcher.emulator.appstream_api import remove_required_members
from launcher.emulator.errors import AwsError
from launcher.emulator.pages import index_page, not_found_page, session_page
from launcher.emulator.signature import signature_problem
from launcher.emulator.sts_api import (
    error_xml,
    not_authorized_message,
    remove_required_sts_members,
    success_xml,
)

if TYPE_CHECKING:
    from launcher.emulator.emulator import Emulator

logger = logging.getLogger(__name__)

APPSTREAM_TARGET_PREFIX = "PhotonAdminProxyService."
JSON_CONTENT_TYPE = "application/x-amz-json-1.1"
XML_CONTENT_TYPE = "text/xml"
# AWS rejects a request whose signing time is more than 15 minutes from its own clock.
MAX_CLOCK_SKEW = timedelta(minutes=15)
CLOCK_SKEW_FAULT_OFFSET = timedelta(minutes=20)
AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"

_CREDENTIAL_PATTERN = re.compile(r"Credential=([^/,\s]+)/")
_TOKEN_IN_QUERY = re.compile(r"(parameters=)[^&\s'\"]*")
_MALFORMED_BODY = b"<<{ This body is neither JSON nor XML: it comes from the emulator's malformed fault."
_PARTIAL_BODY = b'{"Partial": "the emulator resets the connection here'


class ApiRequest:
    """One parsed API request: protocol ("json" or "query"), operation name and members."""

    def __init__(self, protocol: str, operation: str, params: dict[str, Any], request_id: str) -> None:
        self.protocol = protocol
        self.operation = operation
        self.params = params
        self.request_id = request_id
        self.access_key_id: str | None = None


class EmulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, address: tuple[str, int], emulator: Emulator, address_family: int, sock: socket.socket | None = None
    ) -> None:
        """Bind `address` and listen, or, when `sock` is given, serve on that already listening socket."""
        self.address_family = address_family
        self.emulator = emulator
        self.open_connections: set[socket.socket] = set()
        super().__init__(address, RequestHandler, bind_and_activate=sock is None)
        if sock is not None:
            self._use_listening_socket(sock)

    def _use_listening_socket(self, sock: socket.socket) -> None:
        """Replace the unbound socket that TCPServer made with `sock`, setting what server_bind() would set."""
        self.socket.close()
        self.socket = sock
        self.server_address = sock.getsockname()
        host, port = self.server_address[:2]
        self.server_name = socket.getfqdn(host)
        self.server_port = port

    def close_open_connections(self) -> None:
        """Shut down keep-alive connections so their handler threads end."""
        for connection in list(self.open_connections):
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "AppStreamLauncherEmulator"
    # Idle keep-alive connections close after this many seconds.
    timeout = 120
    server: EmulatorHTTPServer

    def version_string(self) -> str:
        return self.server_version

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes. Without TCP_NODELAY, Nagle's
        # algorithm delays the body until the client's delayed ACK (about 40 ms on Linux).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.open_connections.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.open_connections.discard(self.connection)

    def do_POST(self) -> None:  # noqa: N802 (name fixed by BaseHTTPRequestHandler)
        try:
            handle_api_request(self, self.server.emulator)
        except OSError as error:
            # The client went away (for example after its read timeout) or the emulator is stopping.
            logger.info("Connection lost during POST from %s: %s", self.client_address[0], error)
            self.close_connection = True

    def do_GET(self) -> None:  # noqa: N802 (name fixed by BaseHTTPRequestHandler)
        try:
            handle_page_request(self, self.server.emulator)
        except OSError as error:
            logger.info("Connection lost during GET from %s: %s", self.client_address[0], error)
            self.close_connection = True

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # The query string of /authenticate contains the streaming URL token, so only the path is logged.
        logger.debug("%s %s -> %s", self.command, urlsplit(self.path).path, code)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (signature fixed by the base class)
        # Messages about malformed requests can quote the request line, which may hold a streaming URL token.
        message = _TOKEN_IN_QUERY.sub(r"\1<redacted>", format % args)
        logger.info("HTTP %s: %s", self.client_address[0], message)

    def send_body(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


def handle_page_request(handler: RequestHandler, emulator: Emulator) -> None:
    parts = urlsplit(handler.path)
    if parts.path == "/authenticate":
        token = parse_qs(parts.query).get("parameters", [""])[0]
        visit = emulator.state.visit_streaming_url(token)
        stack = emulator.state.stack(visit.url.stack_name) if visit.url else None
        display_name = stack.output.get("DisplayName") if stack else None
        status, body = session_page(visit, display_name)
        logger.info("Streaming URL page /authenticate: %s", visit.status)
        handler.send_body(status, body, "text/html; charset=utf-8")
    elif parts.path == "/":
        body = index_page(emulator.endpoint_url, len(emulator.state.stacks()), len(emulator.state.fleet_names()))
        handler.send_body(200, body, "text/html; charset=utf-8")
    else:
        handler.send_body(404, not_found_page(parts.path), "text/html; charset=utf-8")


def handle_api_request(handler: RequestHandler, emulator: Emulator) -> None:
    request_id = str(uuid.uuid4())
    try:
        length = int(handler.headers.get("Content-Length") or 0)
    except ValueError:
        length = -1
    if length < 0:
        logger.info("Rejected request with invalid Content-Length %r", handler.headers.get("Content-Length"))
        handler.close_connection = True
        error = AwsError("SerializationException", "The Content-Length header is not a valid length.")
        _send_error(handler, ApiRequest("json", "", {}, request_id), error)
        return
    raw_body = handler.rfile.read(length) if length else b""

    try:
        request = parse_api_request(handler, raw_body, request_id)
    except AwsError as error:
        logger.info("Rejected request before dispatch: %s", error)
        is_form = handler.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded")
        protocol = "query" if is_form and "X-Amz-Target" not in handler.headers else "json"
        _send_error(handler, ApiRequest(protocol, "", {}, request_id), error)
        return

    emulator.record_call(request.operation)
    if emulator.latency_ms > 0:
        time.sleep(emulator.latency_ms / 1000.0)

    try:
        check_signature(handler, request, emulator, raw_body)
        plan = emulator.faults.take(request.operation)
        if plan.delay_seconds:
            time.sleep(plan.delay_seconds)
        fault = plan.fault
        if fault is not None and fault.kind == fault_kinds.RESET_CONNECTION:
            _reset_connection(handler)
            return
        if fault is not None and fault.kind == fault_kinds.MALFORMED:
            handler.send_body(200, _MALFORMED_BODY, _content_type(request), _id_headers(request))
            return
        _raise_for_fault(fault, request, handler)
        if emulator.faults.is_denied(request.operation):
            raise _access_denied(request, emulator)
        result = _call_operation(request, emulator)
        if fault is not None and fault.kind == fault_kinds.MISSING_FIELDS:
            result = remove_required_members(result) if request.protocol == "json" else remove_required_sts_members(result)
    except AwsError as error:
        _log_error(request, error)
        _send_error(handler, request, error)
        return
    except Exception:
        logger.exception("Emulator bug while handling %s", request.operation)
        _send_error(handler, request, AwsError("InternalFailure", "The emulator failed on this request.", 500))
        return

    _send_result(handler, request, result)


def parse_api_request(handler: RequestHandler, raw_body: bytes, request_id: str) -> ApiRequest:
    target = handler.headers.get("X-Amz-Target")
    if target is not None:
        if not target.startswith(APPSTREAM_TARGET_PREFIX):
            raise AwsError("UnknownOperationException", f"The X-Amz-Target {target} is not an AppStream operation.")
        operation = target[len(APPSTREAM_TARGET_PREFIX) :]
        try:
            params = json.loads(raw_body or b"{}")
        except ValueError:
            params = None
        if not isinstance(params, dict):
            raise AwsError("SerializationException", "The request body is not a JSON object.")
        return ApiRequest("json", operation, params, request_id)

    content_type = handler.headers.get("Content-Type", "")
    if content_type.startswith("application/x-www-form-urlencoded"):
        form = parse_qs(raw_body.decode("utf-8", errors="replace"), keep_blank_values=True)
        params = {name: values[0] for name, values in form.items()}
        action = params.pop("Action", "")
        params.pop("Version", None)
        if not action:
            raise AwsError("MissingAction", "The form body has no Action parameter.", query_code="MissingAction")
        return ApiRequest("query", action, params, request_id)

    raise AwsError(
        "UnknownOperationException",
        "The request has neither an X-Amz-Target header (AppStream) nor a form body with Action (STS).",
    )


def check_signature(handler: RequestHandler, request: ApiRequest, emulator: Emulator, body: bytes) -> None:
    """Check that a SigV4 Authorization header is present and fresh.

    The signature itself is verified only for key IDs in `emulator.secret_keys`.
    """
    authorization = handler.headers.get("Authorization")
    if not authorization:
        raise AwsError(
            "MissingAuthenticationTokenException",
            "Missing Authentication Token",
            403,
            query_code="MissingAuthenticationToken",
        )
    match = _CREDENTIAL_PATTERN.search(authorization)
    if match is None:
        raise AwsError(
            "IncompleteSignatureException",
            "Authorization header requires 'Credential' parameter.",
            query_code="IncompleteSignature",
        )
    request.access_key_id = match.group(1)

    amz_date = handler.headers.get("X-Amz-Date")
    if amz_date is None:
        raise AwsError(
            "IncompleteSignatureException",
            "The request has an Authorization header but no X-Amz-Date header; sign it with SigV4.",
            query_code="IncompleteSignature",
        )
    try:
        signed_at = datetime.strptime(amz_date, AMZ_DATE_FORMAT).replace(tzinfo=timezone.utc)
    except ValueError:
        raise AwsError(
            "IncompleteSignatureException",
            f"X-Amz-Date {amz_date} is not in the form {AMZ_DATE_FORMAT}.",
            query_code="IncompleteSignature",
        ) from None
    _check_clock_skew(signed_at, datetime.now(timezone.utc))

    secret = emulator.secret_keys.get(request.access_key_id)
    if secret is not None:
        parts = urlsplit(handler.path)
        problem = signature_problem(authorization, handler.command, parts.path, parts.query, handler.headers.get, body, secret)
        if problem is not None:
            raise _signature_error(problem)
    if request.access_key_id in emulator.invalid_access_key_ids:
        raise AwsError(
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
            query_code="InvalidClientTokenId",
            query_status=403,
        )
    if request.access_key_id in emulator.expired_access_key_ids:
        raise AwsError(
            "ExpiredTokenException",
            "The security token included in the request is expired",
            query_code="ExpiredToken",
        )


def _check_clock_skew(signed_at: datetime, now: datetime) -> None:
    if signed_at < now - MAX_CLOCK_SKEW:
        raise _signature_error(
            f"Signature expired: {_amz(signed_at)} is now earlier than "
            f"{_amz(now - MAX_CLOCK_SKEW)} ({_amz(now)} - 15 min.)"
        )
    if signed_at > now + MAX_CLOCK_SKEW:
        raise _signature_error(
            f"Signature not yet current: {_amz(signed_at)} is still later than "
            f"{_amz(now + MAX_CLOCK_SKEW)} ({_amz(now)} + 15 min.)"
        )


def _signature_error(message: str) -> AwsError:
    return AwsError("InvalidSignatureException", message, query_code="SignatureDoesNotMatch", query_status=403)


def _amz(moment: datetime) -> str:
    return moment.strftime(AMZ_DATE_FORMAT)


def _raise_for_fault(fault: fault_kinds.Fault | None, request: ApiRequest, handler: RequestHandler) -> None:
    if fault is None:
        return
    if fault.kind == fault_kinds.THROTTLE:
        raise AwsError("ThrottlingException", "Rate exceeded", query_code="Throttling")
    if fault.kind == fault_kinds.SERVER_ERROR:
        status = fault_kinds.SERVER_ERROR_CODES[fault.error_code]
        message = "Internal failure" if status == 500 else "Service unavailable"
        raise AwsError(fault.error_code, message, status)
    if fault.kind == fault_kinds.CLOCK_SKEW:
        # Fail as if the server clock were 20 minutes ahead of the signing time.
        signed_at = datetime.strptime(handler.headers["X-Amz-Date"], AMZ_DATE_FORMAT).replace(tzinfo=timezone.utc)
        _check_clock_skew(signed_at, signed_at + CLOCK_SKEW_FAULT_OFFSET)


def _access_denied(request: ApiRequest, emulator: Emulator) -> AwsError:
    principal = emulator.sts.identity(request.access_key_id).arn
    if request.protocol == "json":
        action = f"appstream:{request.operation}"
        resource = emulator.appstream.resource_arn(request.operation, request.params)
    else:
        action = f"sts:{request.operation}"
        resource = emulator.sts.resource_arn(request.operation, request.params, request.access_key_id)
    message = not_authorized_message(principal, action, resource)
    return AwsError("AccessDeniedException", message, query_code="AccessDenied", query_status=403)


def _call_operation(request: ApiRequest, emulator: Emulator) -> dict[str, Any]:
    if request.protocol == "query":
        return emulator.sts.call(request.operation, request.params, request.access_key_id)
    if not emulator.appstream.handles(request.operation):
        raise AwsError("UnknownOperationException", f"The emulator does not implement the operation {request.operation}.")
    return emulator.appstream.call(request.operation, request.params)


def _send_result(handler: RequestHandler, request: ApiRequest, result: dict[str, Any]) -> None:
    if request.protocol == "json":
        body = json.dumps(result).encode("utf-8")
    else:
        body = success_xml(request.operation, result, request.request_id)
    handler.send_body(200, body, _content_type(request), _id_headers(request))
    logger.debug("%s -> 200", request.operation)


def _send_error(handler: RequestHandler, request: ApiRequest, error: AwsError) -> None:
    headers = _id_headers(request)
    if request.protocol == "json":
        headers["x-amzn-ErrorType"] = error.code
        body = json.dumps({"__type": error.code, "message": error.message}).encode("utf-8")
        handler.send_body(error.status, body, JSON_CONTENT_TYPE, headers)
    else:
        handler.send_body(error.query_status, error_xml(error, request.request_id), XML_CONTENT_TYPE, headers)


def _reset_connection(handler: RequestHandler) -> None:
    """Send the status line, headers and part of the body, then abort the TCP connection with RST."""
    handler.wfile.write(
        b"HTTP/1.1 200 OK\r\n"
        b"Content-Type: " + JSON_CONTENT_TYPE.encode() + b"\r\n"
        b"Content-Length: 4096\r\n\r\n" + _PARTIAL_BODY
    )
    handler.wfile.flush()
    # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
    # The real close happens when the handler closes its socket files, before
    # socketserver's shutdown_request() could send a FIN.
    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.connection.close()
    handler.close_connection = True


def _log_error(request: ApiRequest, error: AwsError) -> None:
    level = logging.WARNING if error.is_server_fault else logging.INFO
    logger.log(level, "%s -> %d %s: %s", request.operation, error.status, error.code, error.message)


def _content_type(request: ApiRequest) -> str:
    return JSON_CONTENT_TYPE if request.protocol == "json" else XML_CONTENT_TYPE


def _id_headers(request: ApiRequest) -> dict[str, str]:
    return {"x-amzn-RequestId": request.request_id}
