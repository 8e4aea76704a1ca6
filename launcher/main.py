"""The one entry point: no command opens the window, a command runs the command line."""

from __future__ import annotations

import sys

from launcher.cli.parser import EXIT_USAGE, PROGRAM, UsageError, build_parser

WINDOW_FLAGS = ("--demo", "--profile", "--region", "--endpoint-url", "--verbose")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)

    # "emulator" has its own parser; --verbose may also come before it, as for the other commands.
    leading = argv[: argv.index("emulator")] if "emulator" in argv else None
    if leading is not None and all(option == "--verbose" for option in leading):
        from launcher.emulator.cli import run as run_emulator

        return run_emulator(leading[:1] + argv[len(leading) + 1 :])

    try:
        args = build_parser().parse_args(argv)
    except UsageError as error:
        print(f"{PROGRAM}: error: {error}", file=sys.stderr)
        return EXIT_USAGE

    if args.self_test:
        if args.command is not None:
            print(f"{PROGRAM}: error: --self-test takes no command, got '{args.command}'. Run {PROGRAM} --self-test alone.", file=sys.stderr)
            return EXIT_USAGE
        from launcher.self_test import run_self_test

        return run_self_test()

    if args.command is not None:
        from launcher.cli.commands import run

        return run(argv)

    if args.endpoint_url is not None:
        from launcher.cli.commands import validate_endpoint_url

        try:
            validate_endpoint_url(args.endpoint_url)
        except UsageError as error:
            print(f"{PROGRAM}: error: {error}", file=sys.stderr)
            return EXIT_USAGE

    from launcher.self_test import schedule_window_exit
    from launcher.ui.app import run_window

    try:
        schedule_window_exit()
    except ValueError as error:
        print(f"{PROGRAM}: error: {error}", file=sys.stderr)
        return EXIT_USAGE

    return run_window(
        demo=args.demo,
        endpoint_url=args.endpoint_url,
        profile=args.profile,
        region=args.region,
        verbose=args.verbose,
        credentials=args.credentials,
        no_crash_dialog=args.no_crash_dialog,
    )


if __name__ == "__main__":
    raise SystemExit(main())
