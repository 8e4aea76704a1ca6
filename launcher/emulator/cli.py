"""Command line entry of the emulator: ``appstream-launcher emulator`` or ``python -m launcher.emulator``."""

from __future__ import annotations

import argparse
import errno
import logging
import signal
import sys
import threading
from typing import Any

from launcher.emulator.emulator import DEFAULT_PAGE_SIZE, Emulator, start_emulator
from launcher.emulator.errors import ScenarioError

logger = logging.getLogger(__name__)

# A fixed default port lets the exported endpoint variables survive a restart; --port 0 picks a free one.
DEFAULT_PORT = 8765


def build_parser(prog: str = "appstream-launcher emulator") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description=(
            "Serve a local AppStream and STS API on a loopback address for boto3 and the AWS CLI. "
            "The first line of output is the endpoint URL."
        ),
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="loopback address to listen on: 127.0.0.1 (default), ::1 or localhost; other addresses are rejected",
    )
    parser.add_argument(
        "--port",
        type=_port,
        default=DEFAULT_PORT,
        help=f"TCP port to listen on (default {DEFAULT_PORT}; 0 picks a free port)",
    )
    parser.add_argument(
        "--scenario",
        metavar="FILE",
        help="scenario JSON file to serve in place of the packaged sample data",
    )
    parser.add_argument(
        "--latency-ms",
        type=_non_negative_int,
        default=0,
        metavar="N",
        help="delay added to every API call, in milliseconds (default 0)",
    )
    parser.add_argument(
        "--page-size",
        type=_positive_int,
        default=DEFAULT_PAGE_SIZE,
        metavar="N",
        help=f"items per page of listings without MaxResults or Limit (default {DEFAULT_PAGE_SIZE})",
    )
    parser.add_argument(
        "--session-activation-seconds",
        type=float,
        default=3.0,
        metavar="S",
        help="seconds a new session stays PENDING before it is ACTIVE (default 3)",
    )
    parser.add_argument(
        "--fleet-transition-seconds",
        type=float,
        default=5.0,
        metavar="S",
        help="seconds a fleet stays STARTING or STOPPING (default 5)",
    )
    parser.add_argument("--verbose", action="store_true", help="log each request and state change to standard error")
    return parser


def run(argv: list[str] | None = None) -> int:
    """Start the emulator, print its endpoint URL and serve until Ctrl+C or SIGTERM; return the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_request:
        return int(exit_request.code or 0)

    if args.verbose:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    try:
        emulator = start_emulator(
            args.scenario,
            host=args.host,
            port=args.port,
            page_size=args.page_size,
            latency_ms=args.latency_ms,
            session_activation_seconds=args.session_activation_seconds,
            fleet_transition_seconds=args.fleet_transition_seconds,
        )
    except ScenarioError as error:
        print(f"{parser.prog}: error: {error}", file=sys.stderr)
        return 2
    except ValueError as error:
        print(f"{parser.prog}: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            print(
                f"{parser.prog}: error: port {args.port} on {args.host} is already in use. "
                "Stop the other program, or pass --port 0 to pick a free port.",
                file=sys.stderr,
            )
        else:
            print(f"{parser.prog}: error: cannot listen on {args.host} port {args.port}: {error}", file=sys.stderr)
        return 1

    # Install the SIGTERM handler and the KeyboardInterrupt guard before the URL
    # is printed, because a caller may send the signal as soon as it reads the URL.
    stop_requested = threading.Event()
    previous_handler = _install_sigterm_handler(stop_requested)
    try:
        _print_endpoint(emulator)
        while not stop_requested.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
        if previous_handler is not None:
            signal.signal(signal.SIGTERM, previous_handler)
    print("Emulator stopped.", file=sys.stderr)
    return 0


def _print_endpoint(emulator: Emulator) -> None:
    url = emulator.endpoint_url
    print(url)
    print(f"export AWS_ENDPOINT_URL_APPSTREAM={url}")
    print(f"export AWS_ENDPOINT_URL_STS={url}")
    sys.stdout.flush()
    print(
        f"Serving {len(emulator.scenario.stacks)} stacks from {emulator.scenario.source}. Press Ctrl+C to stop.",
        file=sys.stderr,
    )
    sys.stderr.flush()


def _install_sigterm_handler(stop_requested: threading.Event) -> Any:
    """Make SIGTERM stop the serve loop; return the previous handler, or None off the main thread."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def on_sigterm(signum: int, frame: object) -> None:
        stop_requested.set()

    return signal.signal(signal.SIGTERM, on_sigterm)


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None


def _non_negative_int(text: str) -> int:
    value = _integer(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {value}")
    return value


def _port(text: str) -> int:
    value = _non_negative_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"must be a TCP port from 0 to 65535, not {value}")
    return value


def _positive_int(text: str) -> int:
    value = _integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value
