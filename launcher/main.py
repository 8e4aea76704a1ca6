"""The one entry point: no command opens the window, a command runs the command line."""

from __future__ import annotations

import sys

from launcher.cli.parser import EXIT_USAGE, PROGRAM, UsageError, build_parser

WINDOW_FLAGS = ("--demo", "--profile", "--region", "--endpoint-url", "--verbose")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)

    if argv and argv[0] == "emulator":
        from launcher.emulator.cli import run as run_emulator

        return run_emulator(argv[1:])

    try:
        args = build_parser().parse_args(argv)
    except UsageError as error:
        print(f"{PROGRAM}: error: {error}", file=sys.stderr)
        return EXIT_USAGE

    if args.command is not None:
        from launcher.cli.commands import run

        return run(argv)

    from launcher.ui.app import run_window

    return run_window(
        demo=args.demo,
        endpoint_url=args.endpoint_url,
        profile=args.profile,
        region=args.region,
        verbose=args.verbose,
        credentials=args.credentials,
    )


if __name__ == "__main__":
    raise SystemExit(main())
