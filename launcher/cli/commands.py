"""Run a command-line invocation: resolve the target, call the AppStream layer, print, exit.

Exit status: 0 success, 1 AWS or network failure, 2 invalid usage or input. Errors are one line
on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
import webbrowser
from urllib.parse import urlsplit

from launcher.appstream.errors import AppStreamError, ErrorKind
from launcher.appstream.models import StreamingRequest
from launcher.cli import output
from launcher.cli.parser import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, PROGRAM, UsageError, build_parser
from launcher.credentials.sources import DEFAULT_SOURCE, KIND_PROFILE, CredentialSource, default_region

log = logging.getLogger(__name__)


def validate_endpoint_url(value: str) -> str:
    """Return the endpoint URL if it is an absolute http(s) URL, else raise UsageError naming it."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(
            f"--endpoint-url {value!r} is not a valid URL. Use an absolute http or https URL, such as http://127.0.0.1:8765"
        )
    return value


def resolve_target(args: argparse.Namespace):
    """Return the Target for the global options, following the AWS CLI's order of precedence."""
    from launcher.appstream.clients import Target

    source = CredentialSource(KIND_PROFILE, args.profile) if args.profile else DEFAULT_SOURCE
    region = args.region or default_region(source)
    if not region:
        raise UsageError("No AWS region is set. Pass --region (such as --region us-east-1) or set AWS_REGION")
    endpoint_url = validate_endpoint_url(args.endpoint_url) if args.endpoint_url else None
    return Target(source=source, region=region, endpoint_url=endpoint_url)


def _print(text: str) -> None:
    if text:
        print(text)


def _command_stacks(api, args) -> int:
    _print(output.format_stacks(api.list_stacks(), args.output))
    return EXIT_OK


def _command_fleets(api, args) -> int:
    _print(output.format_fleets(api.list_fleets(args.stack), args.output))
    return EXIT_OK


def _command_applications(api, args) -> int:
    fleets = api.list_fleets(args.stack)
    fleet = next((item for item in fleets if item.name == args.fleet), None)
    if fleet is None:
        names = ", ".join(item.name for item in fleets) or "none"
        raise AppStreamError(
            f"Fleet '{args.fleet}' is not associated with stack '{args.stack}' in {api.target.region}. "
            f"Fleets of that stack: {names}.",
            ErrorKind.NOT_FOUND,
        )
    _print(output.format_applications(api.list_applications(fleet), args.output))
    return EXIT_OK


def _command_url(api, args) -> int:
    request = StreamingRequest(
        stack_name=args.stack,
        fleet_name=args.fleet,
        user_id=args.user_id,
        application_id=args.application,
        validity_seconds=args.validity,
        session_context=args.session_context,
    )
    result = api.create_streaming_url(request)
    _print(output.format_streaming_url(result, args.output))
    if args.open and not webbrowser.open(result.url):
        print(f"{PROGRAM}: warning: no browser could be started; copy the URL above.", file=sys.stderr)
    return EXIT_OK


_COMMANDS = {
    "stacks": _command_stacks,
    "fleets": _command_fleets,
    "applications": _command_applications,
    "url": _command_url,
}


def _fail(message: str, status: int) -> int:
    print(f"{PROGRAM}: error: {message}", file=sys.stderr)
    return status


def run(argv: list[str]) -> int:
    """Run a command given its arguments (without the program name) and return the exit status."""
    try:
        args = build_parser().parse_args(argv)
    except UsageError as error:
        return _fail(str(error), EXIT_USAGE)

    from launcher.logs import setup_logging

    setup_logging(verbose=args.verbose)
    handler = _COMMANDS[args.command]
    try:
        from launcher.appstream.api import AppStreamAPI

        api = AppStreamAPI(resolve_target(args))
        return handler(api, args)
    except UsageError as error:
        return _fail(str(error), EXIT_USAGE)
    except AppStreamError as error:
        return _fail(error.message, EXIT_USAGE if error.is_usage_error else EXIT_FAILURE)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
