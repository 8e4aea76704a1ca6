"""The command line's argument parser. Flags follow the AWS CLI (--profile, --region, --endpoint-url, --output)."""

from __future__ import annotations

import argparse
import sys

from launcher import __version__

PROGRAM = "appstream-launcher"
EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
OUTPUT_FORMATS = ("text", "json")


class UsageError(Exception):
    """Invalid command line; the message names the value and the fix."""


def printable_line(text: str) -> str:
    """Return `text` as one printable line: newlines, control and format characters and lone surrogates become escapes.

    Error messages can quote argv, which may contain terminal escape sequences, NUL bytes or
    surrogates that no encoding can write.
    """
    return "".join(character if character.isprintable() else repr(character)[1:-1] for character in text)


class Parser(argparse.ArgumentParser):
    """An ArgumentParser that raises UsageError, so the caller prints one line and exits with 2."""

    def error(self, message: str):  # type: ignore[override]
        raise UsageError(printable_line(f"{message}. Run '{self.prog} --help' for usage."))


def _add_global_options(parser: argparse.ArgumentParser, *, in_subcommand: bool) -> None:
    # In subcommands the defaults are suppressed, so a global option given before the subcommand
    # is not overwritten by the subcommand's default (the AWS CLI accepts them in either place).
    default = argparse.SUPPRESS if in_subcommand else None
    group = parser.add_argument_group("global options")
    group.add_argument("--profile", default=default, help="AWS profile from ~/.aws/config (default: AWS_PROFILE or the default chain)")
    group.add_argument("--region", default=default, help="AWS region, such as us-east-1 (default: AWS_REGION or the profile's region)")
    group.add_argument(
        "--endpoint-url",
        default=default,
        help="AppStream and STS endpoint URL, such as the emulator's http://127.0.0.1:8765 (default: AWS_ENDPOINT_URL_APPSTREAM or AWS)",
    )
    group.add_argument(
        "--credentials",
        metavar="NAME",
        default=default,
        help="saved credentials to use (see the credentials command); the secrets come from the OS keyring",
    )
    group.add_argument(
        "--mfa-code",
        metavar="CODE",
        default=default,
        help="6-digit MFA code for credentials or profiles with an MFA device (default: prompt on the terminal)",
    )
    group.add_argument(
        "--verbose", action="store_true", default=argparse.SUPPRESS if in_subcommand else False,
        help="log debug details to stderr (secrets and URL tokens are redacted)",
    )
    group.add_argument(
        "--output",
        choices=OUTPUT_FORMATS,
        default=argparse.SUPPRESS if in_subcommand else "text",
        help="output format of a command (default: text)",
    )


def build_parser() -> Parser:
    parser = Parser(
        prog=PROGRAM,
        description="Generate Amazon WorkSpaces Applications (AppStream 2.0) streaming URLs. "
        "Without a command, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"{PROGRAM} {__version__}")
    parser.add_argument("--demo", action="store_true", help="open the window against the built-in emulator, with no AWS account")
    parser.add_argument(
        "--no-crash-dialog",
        action="store_true",
        help="on an unexpected error, only write the log instead of showing a dialog, for unattended runs "
        "(also APPSTREAM_LAUNCHER_NO_CRASH_DIALOG=1)",
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check imports, data files, the OS keyring, Qt and an emulator round trip without a window, "
        "print PASS or FAIL for each, and exit with 0 only if all pass",
    )
    _add_global_options(parser, in_subcommand=False)

    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    url = commands.add_parser("url", help="create a streaming URL (CreateStreamingURL)", description="Create a streaming URL and print it.")
    url.add_argument("--stack", required=True, help="stack name")
    url.add_argument("--fleet", required=True, help="fleet name")
    url.add_argument("--user-id", required=True, help="user ID, 2 to 32 characters of letters, digits and _+=,.@-")
    url.add_argument("--application", help="application name to launch, or Desktop (default: the application catalog)")
    url.add_argument("--validity", default="60", help="seconds the URL stays valid, 1 to 604800 (default: 60)")
    url.add_argument("--session-context", help="text passed to the session's scripts and applications")
    url.add_argument("--open", action="store_true", help="open the URL in the default browser")

    stacks = commands.add_parser("stacks", help="list stacks", description="List the stacks in the region.")

    fleets = commands.add_parser("fleets", help="list the fleets of a stack", description="List the fleets associated with a stack.")
    fleets.add_argument("--stack", required=True, help="stack name")

    applications = commands.add_parser(
        "applications", help="list the applications of a fleet", description="List the applications a user of the fleet can launch."
    )
    applications.add_argument("--stack", required=True, help="stack name")
    applications.add_argument("--fleet", required=True, help="fleet name")

    commands.add_parser(
        "emulator",
        help="run the local AppStream API emulator",
        description="Run the local AppStream API emulator. Options: --port N --scenario FILE --latency-ms N --page-size N",
        add_help=False,
    )

    from launcher.cli.credentials_commands import add_credentials_parser

    add_credentials_parser(commands, Parser, _add_global_options)

    for subparser in (url, stacks, fleets, applications):
        _add_global_options(subparser, in_subcommand=True)
    return parser


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()
