"""The Emulator object, which starts the HTTP server on a loopback address and stores its run-time settings."""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
from pathlib import Path
from typing import Any

from launcher.emulator.appstream_api import AppStreamApi
from launcher.emulator.faults import Faults
from launcher.emulator.scenario import Scenario, load_scenario
from launcher.emulator.server import EmulatorHTTPServer
from launcher.emulator.state import EmulatorState
from launcher.emulator.sts_api import StsApi

logger = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
# Listings return this many items per page unless a request sets MaxResults or Limit.
DEFAULT_PAGE_SIZE = 10
DEFAULT_SESSION_ACTIVATION_SECONDS = 3.0
DEFAULT_FLEET_TRANSITION_SECONDS = 5.0
# An expired session stays in DescribeSessions output for this long, then disappears.
DEFAULT_EXPIRED_SESSION_SECONDS = 3.0


class Emulator:
    """A local AppStream and STS API on 127.0.0.1 for boto3, the AWS CLI and tests.

    Create it with start_emulator(). The attributes latency_ms, page_size,
    session_activation_seconds, fleet_transition_seconds and
    expired_session_seconds can be changed while it runs. See start_emulator()
    for the arguments.
    """

    def __init__(
        self,
        scenario: str | Path | dict[str, Any] | None = None,
        *,
        host: str | None = None,
        port: int = 0,
        sock: socket.socket | None = None,
        page_size: int | None = None,
        latency_ms: int = 0,
        session_activation_seconds: float = DEFAULT_SESSION_ACTIVATION_SECONDS,
        fleet_transition_seconds: float = DEFAULT_FLEET_TRANSITION_SECONDS,
        expired_session_seconds: float = DEFAULT_EXPIRED_SESSION_SECONDS,
    ) -> None:
        if sock is None:
            self.host, self._address_family = _loopback_address(DEFAULT_HOST if host is None else host)
        else:
            self.host, self._address_family = _listening_socket_address(sock, host, port)
        self._requested_port = port
        self._socket = sock
        self.scenario: Scenario = load_scenario(scenario)
        self.page_size = DEFAULT_PAGE_SIZE if page_size is None else page_size
        self.latency_ms = latency_ms
        self.faults = Faults()
        self.expired_access_key_ids: set[str] = set()
        self.invalid_access_key_ids: set[str] = set()
        # Access key ID -> secret access key. Requests signed with one of these key IDs must carry
        # a valid SigV4 signature; other key IDs are accepted without a check.
        self.secret_keys: dict[str, str] = {}
        self.state = EmulatorState(
            self.scenario,
            session_activation_seconds=session_activation_seconds,
            fleet_transition_seconds=fleet_transition_seconds,
            expired_session_seconds=expired_session_seconds,
        )
        self.appstream = AppStreamApi(self.state, page_size=lambda: self.page_size, endpoint_url=lambda: self.endpoint_url)
        self.sts = StsApi(self.scenario)
        self._calls: list[str] = []
        self._calls_lock = threading.Lock()
        self._server: EmulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # Lifecycle.

    def start(self) -> Emulator:
        if self._server is not None:
            return self
        if self._socket is not None and self._socket.fileno() == -1:
            raise RuntimeError(
                "The emulator's socket was closed by stop(). Create a new Emulator with a new listening socket."
            )
        self._server = EmulatorHTTPServer((self.host, self._requested_port), self, self._address_family, self._socket)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"appstream-emulator-{self.port}",
            daemon=True,
        )
        self._thread.start()
        logger.info(
            "Emulator started at %s with scenario %s (%d stacks, %d fleets)",
            self.endpoint_url,
            self.scenario.source,
            len(self.scenario.stacks),
            len(self.scenario.fleets),
        )
        return self

    def stop(self) -> None:
        """Stop serving and close the listening socket and open connections; safe to call twice."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        server.close_open_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
        logger.info("Emulator stopped at port %d", server.server_address[1])

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # Addresses.

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("The emulator is not running; call start() first.")
        return self._server.server_address[1]

    @property
    def endpoint_url(self) -> str:
        host = f"[{self.host}]" if self._address_family == socket.AF_INET6 else self.host
        return f"http://{host}:{self.port}"

    # Run-time settings.

    @property
    def page_size(self) -> int:
        return self._page_size

    @page_size.setter
    def page_size(self, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"page_size must be a positive integer, not {value!r}")
        self._page_size = value

    @property
    def latency_ms(self) -> int:
        return self._latency_ms

    @latency_ms.setter
    def latency_ms(self, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ValueError(f"latency_ms must be 0 or more, not {value!r}")
        self._latency_ms = value

    @property
    def session_activation_seconds(self) -> float:
        return self.state.session_activation_seconds

    @session_activation_seconds.setter
    def session_activation_seconds(self, value: float) -> None:
        self.state.session_activation_seconds = float(value)

    @property
    def fleet_transition_seconds(self) -> float:
        return self.state.fleet_transition_seconds

    @fleet_transition_seconds.setter
    def fleet_transition_seconds(self, value: float) -> None:
        self.state.fleet_transition_seconds = float(value)

    @property
    def expired_session_seconds(self) -> float:
        return self.state.expired_session_seconds

    @expired_session_seconds.setter
    def expired_session_seconds(self, value: float) -> None:
        self.state.expired_session_seconds = float(value)

    # Call log.

    @property
    def calls(self) -> list[str]:
        """Operation names received so far, in order, including retries and failed calls (a copy)."""
        with self._calls_lock:
            return list(self._calls)

    def reset_calls(self) -> None:
        with self._calls_lock:
            self._calls.clear()

    def record_call(self, operation: str) -> None:
        with self._calls_lock:
            self._calls.append(operation)


def start_emulator(
    scenario: str | Path | dict[str, Any] | None = None,
    *,
    host: str | None = None,
    port: int = 0,
    sock: socket.socket | None = None,
    page_size: int | None = None,
    latency_ms: int = 0,
    session_activation_seconds: float = DEFAULT_SESSION_ACTIVATION_SECONDS,
    fleet_transition_seconds: float = DEFAULT_FLEET_TRANSITION_SECONDS,
    expired_session_seconds: float = DEFAULT_EXPIRED_SESSION_SECONDS,
) -> Emulator:
    """Start an emulator in background threads and return it.

    scenario is a path to a scenario JSON file, a dict in the same format, or
    None for the packaged sample data. host is a loopback address (None means
    127.0.0.1) and port 0 picks a free port. sock is a TCP socket that the
    caller has already bound to a loopback address and made listen. The
    emulator then serves on it and closes it in stop(), and host and port
    must be left out. Raises ScenarioError for an invalid scenario,
    ValueError for a host or sock that is not on a loopback address or an
    unusable sock, and OSError when the port is taken.
    """
    emulator = Emulator(
        scenario,
        host=host,
        port=port,
        sock=sock,
        page_size=page_size,
        latency_ms=latency_ms,
        session_activation_seconds=session_activation_seconds,
        fleet_transition_seconds=fleet_transition_seconds,
        expired_session_seconds=expired_session_seconds,
    )
    return emulator.start()


def _loopback_address(host: str) -> tuple[str, int]:
    """Return the address to bind and its family, or raise ValueError for a host off this machine."""
    if host == "localhost":
        return "127.0.0.1", socket.AF_INET
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(
            f"Host {host!r} is not an IP address. Use a loopback address such as 127.0.0.1, ::1 or localhost."
        ) from None
    if not address.is_loopback:
        raise ValueError(
            f"Host {host!r} is not a loopback address. The emulator checks no credentials, "
            "so it listens only on loopback addresses such as 127.0.0.1, ::1 or localhost."
        )
    family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
    return str(address), family


def _listening_socket_address(sock: socket.socket, host: str | None, port: int) -> tuple[str, int]:
    """Return the loopback address and family that `sock` listens on, or raise ValueError for an unusable sock."""
    if host is not None or port != 0:
        raise ValueError(
            "Pass either sock or host and port, not both, because the emulator serves on the address of sock."
        )
    if sock.family not in (socket.AF_INET, socket.AF_INET6) or sock.type != socket.SOCK_STREAM:
        raise ValueError(f"sock must be a TCP socket (AF_INET or AF_INET6, SOCK_STREAM), not {sock!r}")
    address, bound_port = sock.getsockname()[:2]
    if bound_port == 0:
        raise ValueError("sock is not bound. Bind it to a loopback address such as 127.0.0.1 and call listen() first.")
    if hasattr(socket, "SO_ACCEPTCONN") and not sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN):
        raise ValueError(f"sock on port {bound_port} is not listening. Call listen() on it first.")
    return _loopback_address(address)
