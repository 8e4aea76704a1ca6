"""Run a command-line invocation: resolve the target, call the AppStream layer, print, exit.

Exit status: 0 success, 1 AWS or network failure, 2 invalid usage or input. Errors are one line
on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import webbrowser
from urllib.parse import urlsplit

from launcher.appstream.errors import AppStreamError, ErrorKind
from launcher.appstream.models import StreamingRequest
from launcher.appstream.validation import validate_resource_name
from launcher.cli import output
from launcher.cli.parser import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, PROGRAM, UsageError, build_parser, printable_line
from launcher.credentials.sources import (
    DEFAULT_SOURCE,
    KIND_PROFILE,
    KIND_SAVED,
    CredentialSource,
    default_region,
    environment_region,
    list_profiles,
)

log = logging.getLogger(__name__)


def validate_endpoint_url(value: str) -> str:
    """Return the endpoint URL if it is an absolute http(s) URL, else raise UsageError naming it."""
    try:
        parts = urlsplit(value)
        # Reading the port raises ValueError for a port that is not a number from 0 to 65535.
        valid = parts.scheme in ("http", "https") and bool(parts.hostname) and (parts.port is None or parts.port > 0)
    except ValueError:
        valid = False
    if not valid:
        raise UsageError(
            f"--endpoint-url {value!r} is not a valid URL. Use an absolute http or https URL, such as http://127.0.0.1:8765"
        )
    return value


def resolve_target(args: argparse.Namespace):
    """Return the Target for the global options, following the AWS CLI's order of precedence."""
    from launcher.appstream.clients import Target

    saved_name = getattr(args, "credentials", None)
    if saved_name and args.profile:
        raise UsageError("--credentials and --profile both select credentials. Pass only one of them.")
    if saved_name:
        source = CredentialSource(KIND_SAVED, saved_name)
        # Looked up first, so an unknown name is a usage error (status 2) whatever the region.
        saved_region = _saved_region(saved_name)
        region = args.region or environment_region() or saved_region or default_region(DEFAULT_SOURCE)
    else:
        source = CredentialSource(KIND_PROFILE, args.profile) if args.profile else DEFAULT_SOURCE
        if args.profile and args.profile not in list_profiles():
            # Checked before the region, which a missing profile cannot provide either.
            raise UsageError(
                f"The config profile ({args.profile}) could not be found. Check the name with 'aws configure list-profiles'."
            )
        region = args.region or default_region(source)
    if not region:
        raise UsageError("No AWS region is set. Pass --region (such as --region us-east-1) or set AWS_REGION")
    from launcher.appstream.regions import region_problem

    problem = region_problem(region)
    if problem:
        raise UsageError(problem)
    endpoint_url = validate_endpoint_url(args.endpoint_url) if args.endpoint_url is not None else None
    return Target(source=source, region=region, endpoint_url=endpoint_url)


def _saved_region(name: str) -> str:
    """Return the default region of saved credentials; raise UsageError when no entry has that name."""
    from launcher.credentials.repository import CredentialsRepository

    repository = CredentialsRepository()
    entry = repository.find(name)
    if entry is None:
        known = ", ".join(repository.names()) or "none"
        raise UsageError(f"--credentials {name!r}: no saved credentials have that name. Saved credentials: {known}.")
    return entry.region


def _install_mfa_code_provider(args: argparse.Namespace) -> None:
    """Answer MFA prompts with --mfa-code when given, else with a hidden prompt on the terminal."""
    from launcher.credentials.mfa import fixed_code_provider, set_code_provider, terminal_code_provider

    code = getattr(args, "mfa_code", None)
    set_code_provider(fixed_code_provider(code) if code else terminal_code_provider)


def _check_sso_login(target) -> None:
    """Fail before any request when an SSO profile has no valid cached login, naming the login command.

    Only --profile is checked: the default chain may find environment keys before any profile.
    """
    from launcher.credentials.sso import check_sso_login

    if target.source.kind == KIND_PROFILE:
        check_sso_login(target.source.name)


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
    # Both names are checked before the first request, so a malformed fleet name exits with 2.
    validate_resource_name("stack", args.stack)
    validate_resource_name("fleet", args.fleet)
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
    result = api.create_streaming_url(request, allow_direct=True)
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
    print(f"{PROGRAM}: error: {printable_line(message)}", file=sys.stderr)
    return status


def run(argv: list[str]) -> int:
    """Run a command given its arguments (without the program name) and return the exit status."""
    try:
        args = build_parser().parse_args(argv)
    except UsageError as error:
        return _fail(str(error), EXIT_USAGE)

    if getattr(args, "demo", False):
        return _fail(
            f"--demo opens the window and takes no command. For commands against the emulator, run "
            f"'{PROGRAM} emulator' and pass the --endpoint-url it prints.",
            EXIT_USAGE,
        )

    from launcher.logs import setup_logging

    setup_logging(verbose=args.verbose)
    try:
        _install_mfa_code_provider(args)
        if args.command == "credentials":
            from launcher.cli.credentials_commands import run_credentials

            return run_credentials(args)

        from launcher.appstream.api import AppStreamAPI

        handler = _COMMANDS[args.command]
        target = resolve_target(args)
        _check_sso_login(target)
        return handler(AppStreamAPI(target), args)
    except UsageError as error:
        return _fail(str(error), EXIT_USAGE)
    except AppStreamError as error:
        return _fail(error.message, EXIT_USAGE if error.is_usage_error else EXIT_FAILURE)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    except BrokenPipeError:
        # The reader of standard output went away (as in "| head"); Python would report the
        # pipe again when it flushes stdout at exit, so stdout now points to the null device.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except Exception as error:  # noqa: BLE001 - the command line prints one line, never a traceback
        from launcher.logs import redact

        log.debug("Unexpected error in command %s", args.command, exc_info=True)
        return _fail(
            redact(f"unexpected error: {type(error).__name__}: {error}. Run the command again with --verbose to log the details."),
            EXIT_FAILURE,
        )
