"""The `credentials` command: add, list, remove and test saved credentials.

Secrets are never taken from a flag, because command lines are visible to other users in the
process list and end up in shell history. `add` reads the secret access key, and an optional
session token on a second line, from a hidden prompt when stdin is a terminal, or from stdin
when it is not.
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import sys

from launcher.cli.parser import EXIT_OK, OUTPUT_FORMATS, UsageError

log = logging.getLogger(__name__)

SECRET_PROMPT = "Secret access key: "
TOKEN_PROMPT = "Session token (optional, press Enter to skip): "


def add_credentials_parser(commands, parser_class, add_global_options) -> argparse.ArgumentParser:
    """Add the `credentials` command and its actions to the subparsers `commands`."""
    credentials = commands.add_parser(
        "credentials",
        help="add, list, remove and test saved credentials",
        description="Manage named credentials. Secrets are stored in the OS keyring; names and other fields "
        "in the settings file. Use a saved entry with --credentials NAME.",
    )
    actions = credentials.add_subparsers(dest="credentials_command", metavar="ACTION", parser_class=parser_class)
    actions.required = True

    add = actions.add_parser(
        "add",
        help="save new credentials",
        description="Save credentials under NAME. The secret access key, and an optional session token on a "
        "second line, are read from a hidden prompt, or from standard input when it is not a terminal.",
    )
    add.add_argument("name", metavar="NAME", help="name of the entry, such as prod-admin")
    add.add_argument("--access-key-id", required=True, help="access key ID, such as AKIAIOSFODNN7EXAMPLE")
    add.add_argument("--region", default=argparse.SUPPRESS, help="default region of the entry, such as us-east-1")
    add.add_argument("--mfa-serial", default="", help="ARN or serial number of the MFA device; each session then asks for a code")
    add.add_argument("--role-arn", default="", help="ARN of a role to assume with these keys")
    add.add_argument("--external-id", default="", help="external ID the role requires (with --role-arn)")
    add.add_argument("--role-session-name", default="", help="session name for the assumed role (default: appstream-launcher)")
    add.add_argument("--replace", action="store_true", help="overwrite saved credentials of the same name")
    _add_verbose(add)

    listing = actions.add_parser("list", help="list saved credentials", description="List saved credentials without their secrets.")
    # The default comes from the top-level --output, so "--output json credentials list" works too.
    listing.add_argument("--output", choices=OUTPUT_FORMATS, default=argparse.SUPPRESS, help="output format (default: text)")
    _add_verbose(listing)

    remove = actions.add_parser(
        "remove", help="remove saved credentials", description="Remove saved credentials and all their keyring entries."
    )
    remove.add_argument("name", metavar="NAME", help="name of the entry")
    _add_verbose(remove)

    test = actions.add_parser(
        "test",
        help="check saved credentials with STS GetCallerIdentity",
        description="Call STS GetCallerIdentity with saved credentials and print the account and ARN.",
    )
    test.add_argument("name", metavar="NAME", help="name of the entry")
    add_global_options(test, in_subcommand=True)
    return credentials


def _add_verbose(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--verbose", action="store_true", default=argparse.SUPPRESS, help="log debug details to stderr (secrets are redacted)"
    )


def read_secrets(stdin=None) -> tuple[str, str | None]:
    """Return (secret access key, session token or None) from a hidden prompt or from stdin."""
    stdin = stdin or sys.stdin
    if stdin.isatty():
        secret = getpass.getpass(SECRET_PROMPT)
        token = getpass.getpass(TOKEN_PROMPT)
    else:
        lines = stdin.read().splitlines()
        secret = lines[0] if lines else ""
        token = lines[1] if len(lines) > 1 else ""
        if any(line.strip() for line in lines[2:]):
            raise UsageError(
                "Standard input has more than two lines. Send the secret access key on the first line "
                "and, optionally, the session token on the second."
            )
    secret, token = secret.strip(), token.strip()
    if not secret:
        raise UsageError(
            "No secret access key was given. Type it at the prompt, or send it on the first line of standard input."
        )
    return secret, token or None


def _repository():
    from launcher.credentials.repository import CredentialsRepository

    return CredentialsRepository()


def _command_add(args) -> int:
    from launcher.credentials.repository import SavedCredentials

    entry = SavedCredentials(
        name=args.name,
        access_key_id=args.access_key_id,
        region=getattr(args, "region", None) or "",
        mfa_serial=args.mfa_serial,
        role_arn=args.role_arn,
        external_id=args.external_id,
        role_session_name=args.role_session_name,
    )
    repository = _repository()
    # Check the fields before the prompt, so a typo does not cost typing the secret.
    from launcher.credentials.repository import validate_entry

    validate_entry(entry)
    if not args.replace and repository.find(entry.name) is not None:
        raise UsageError(f"Saved credentials named {entry.name!r} already exist. Pass --replace to overwrite them.")
    secret, token = read_secrets()
    saved = repository.save(entry, secret_access_key=secret, session_token=token, clear_session_token=token is None, replace=args.replace)
    print(f"Saved credentials {saved.name!r} (access key ID {saved.access_key_id}); the secrets are in the OS keyring.")
    return EXIT_OK


def _entry_record(entry) -> dict:
    return {
        "Name": entry.name,
        "AccessKeyId": entry.access_key_id,
        "Region": entry.region,
        "MfaSerial": entry.mfa_serial,
        "RoleArn": entry.role_arn,
        "ExternalId": entry.external_id,
        "RoleSessionName": entry.role_session_name,
        "HasSessionToken": entry.has_session_token,
    }


def _command_list(args) -> int:
    entries = _repository().list()
    if args.output == "json":
        print(json.dumps([_entry_record(entry) for entry in entries], indent=2))
        return EXIT_OK
    for entry in entries:
        cells = [entry.name, entry.access_key_id, entry.region, entry.mfa_serial, entry.role_arn]
        print("\t".join(cell or "-" for cell in cells))
    return EXIT_OK


def _command_remove(args) -> int:
    _repository().remove(args.name)
    print(f"Removed saved credentials {args.name!r} and their keyring entries.")
    return EXIT_OK


def _command_test(args) -> int:
    from launcher.appstream.clients import Target
    from launcher.cli.commands import validate_endpoint_url
    from launcher.credentials.identity import get_caller_identity
    from launcher.credentials.sessions import FALLBACK_REGION
    from launcher.credentials.sources import KIND_SAVED, CredentialSource, environment_region

    entry = _repository().get(args.name)
    region = getattr(args, "region", None) or environment_region() or entry.region or FALLBACK_REGION
    endpoint_url = getattr(args, "endpoint_url", None)
    target = Target(
        source=CredentialSource(KIND_SAVED, entry.name),
        region=region,
        endpoint_url=validate_endpoint_url(endpoint_url) if endpoint_url else None,
    )
    identity = get_caller_identity(target)
    if args.output == "json":
        print(json.dumps({"Account": identity.account, "Arn": identity.arn, "UserId": identity.user_id}, indent=2))
    else:
        print(f"{identity.account}\t{identity.arn}")
    return EXIT_OK


_ACTIONS = {
    "add": _command_add,
    "list": _command_list,
    "remove": _command_remove,
    "test": _command_test,
}


def run_credentials(args: argparse.Namespace) -> int:
    """Run one `credentials` action; errors propagate to the caller, which prints them."""
    return _ACTIONS[args.credentials_command](args)
