"""A self-test of an installed or frozen app: `appstream-launcher --self-test`.

It runs without a window or a display (Qt's offscreen platform unless QT_QPA_PLATFORM is set)
and checks what a PyInstaller build can silently lose: modules, data files, keyring backends,
Qt plugins and botocore's service models. The last check drives the built-in emulator on
127.0.0.1 through the app's own AppStream layer and botocore, so it needs no AWS account or network.

Each check prints one line, `PASS name: detail` or `FAIL name: reason`, and the exit status is
0 only when every check passed. The keyring check reads the backend keyring chose and never
reads or writes an entry, so it also passes with a locked keyring.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from launcher import __version__

# The botocore service models the app needs; build.spec bundles only these. Besides appstream,
# botocore's own credential providers call sts (assume-role profiles), sso and sso-oidc (IAM
# Identity Center profiles) and signin (profiles with login_session, made by "aws login").
REQUIRED_BOTOCORE_SERVICES = ("appstream", "sts", "sso", "sso-oidc", "signin")
# Older botocore versions have no login provider and no signin model (1.44.8 has both).
LOGIN_PROVIDER_SERVICE = "signin"

# The file name of the platform plugin that shows windows on the desktop, per sys.platform.
# The offscreen plugin alone would let this self-test pass while a double-click shows nothing.
NATIVE_PLATFORM_PLUGINS = {
    "linux": ("libqxcb.so", "libqwayland.so"),
    "win32": ("qwindows.dll",),
    "darwin": ("libqcocoa.dylib",),
}
OFFSCREEN_PLATFORM_PLUGINS = ("libqoffscreen.so", "qoffscreen.dll", "libqoffscreen.dylib")

# The emulator accepts any key, so these only have to look like AWS keys to botocore.
SELF_TEST_ACCESS_KEY_ID = "AKIASELFTESTEXAMPLE0"
SELF_TEST_SECRET_ACCESS_KEY = "self-test-secret"
SELF_TEST_REGION = "us-east-1"
SELF_TEST_USER_ID = "self-test-user"


# Set to a number of milliseconds, this makes the window exit on its own once it has run that
# long: with status 0 if a main window is visible then, else 1. scripts/build-linux uses it to
# start the frozen window for a moment without a person to close it.
EXIT_AFTER_MS_VARIABLE = "APPSTREAM_LAUNCHER_EXIT_AFTER_MS"


class CheckFailed(Exception):
    """A problem that a check found. The message is the reason printed after FAIL."""


def check_imports() -> str:
    import botocore  # noqa: F401 - importing is the check
    import keyring  # noqa: F401
    from PySide6 import QtGui, QtSvg, QtWidgets  # noqa: F401

    # The window's modules import every UI module, so a module that the build missed fails here.
    # The About dialog is imported too, and its version look-up (package metadata, then the
    # module's __version__) is the one that a frozen build must support.
    import launcher.ui.app  # noqa: F401
    from launcher.ui.about_dialog import PACKAGES, package_version

    return ", ".join(f"{label} {package_version(distributions, module)}" for label, distributions, module in PACKAGES)


def check_resources() -> str:
    from importlib import resources

    from launcher.emulator.scenario import load_scenario
    from launcher.resource_paths import app_icon_path, resource_path

    icon = app_icon_path()
    svg = resource_path("appstream-launcher.svg")
    sample = resources.files("launcher.emulator").joinpath("sample_scenario.json")
    if not sample.is_file():
        raise CheckFailed(f"the emulator's sample data is missing: {sample}")
    scenario = load_scenario(None)
    return f"{icon.name}, {svg.name} in {icon.parent}; sample_scenario.json with {len(scenario.stacks)} stacks"


def check_keyring() -> str:
    import keyring
    from keyring.backends import fail, null

    from launcher.credentials.secret_store import usable_backend

    backend = keyring.get_keyring()
    if isinstance(backend, (fail.Keyring, null.Keyring)):
        raise CheckFailed(
            f"keyring chose {_class_name(backend)}, so saved credentials cannot be stored. "
            "Start a Secret Service such as gnome-keyring or KWallet, or check that the build bundles keyring's backends"
        )
    chosen = usable_backend(backend)
    detail = f"{_class_name(chosen)} ({chosen.name})"
    if chosen is not backend:
        detail += f", chosen from {_class_name(backend)}"
    return detail


def _class_name(instance) -> str:
    kind = type(instance)
    return f"{kind.__module__}.{kind.__qualname__}"


def check_botocore_data() -> str:
    import botocore.session

    import botocore.credentials

    required = list(REQUIRED_BOTOCORE_SERVICES)
    if not hasattr(botocore.credentials, "LoginProvider"):
        required.remove(LOGIN_PROVIDER_SERVICE)

    session = botocore.session.get_session()
    available = set(session.get_available_services())
    missing = [name for name in required if name not in available]
    if missing:
        raise CheckFailed(f"botocore has no service model for {', '.join(missing)}")
    for name in required:
        session.get_service_model(name)
    session.get_component("endpoint_resolver")
    data_dir = Path(botocore.__file__).resolve().parent / "data"
    return f"models of {', '.join(required)} ({len(available)} services in {data_dir})"


def check_qt_platform() -> str:
    from PySide6.QtCore import QLibraryInfo, qVersion
    from PySide6.QtGui import QIcon
    from PySide6.QtSvg import QSvgRenderer
    from PySide6.QtWidgets import QApplication

    from launcher.resource_paths import app_icon_path, resource_path

    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "appstream-launcher"])

    plugin_dir = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)) / "platforms"
    present = sorted(path.name for path in plugin_dir.glob("*")) if plugin_dir.is_dir() else []
    native = NATIVE_PLATFORM_PLUGINS.get(sys.platform, ())
    if native and not any(name in present for name in native):
        raise CheckFailed(f"no native platform plugin ({' or '.join(native)}) in {plugin_dir}; found: {present or 'none'}")
    if not any(name in present for name in OFFSCREEN_PLATFORM_PLUGINS):
        raise CheckFailed(f"the offscreen platform plugin is missing from {plugin_dir}; found: {present or 'none'}")

    if QIcon(str(app_icon_path())).isNull():
        raise CheckFailed(f"Qt cannot load the application icon {app_icon_path()}")
    svg = resource_path("appstream-launcher.svg")
    if not QSvgRenderer(str(svg)).isValid():
        raise CheckFailed(f"QtSvg cannot render {svg}")

    return f"platform {app.platformName()}, Qt {qVersion()}, platform plugins: {', '.join(map(_plugin_name, present))}"


def _plugin_name(file_name: str) -> str:
    """Return the platform name of a plugin file, such as "xcb" for libqxcb.so."""
    stem = file_name.split(".")[0]
    return stem.removeprefix("lib").removeprefix("q")


def check_emulator_round_trip() -> str:
    from launcher.appstream.api import AppStreamAPI
    from launcher.appstream.clients import ClientCache, Target
    from launcher.appstream.models import StreamingRequest
    from launcher.credentials.sources import KIND_STATIC, CredentialSource, StaticCredentials
    from launcher.emulator import start_emulator

    started = time.monotonic()
    source = CredentialSource(
        KIND_STATIC, "self-test", StaticCredentials(SELF_TEST_ACCESS_KEY_ID, SELF_TEST_SECRET_ACCESS_KEY)
    )
    with start_emulator() as emulator:
        # A cache of its own, so no client of the self-test outlives the emulator in the shared one.
        api = AppStreamAPI(Target(source, SELF_TEST_REGION, emulator.endpoint_url), clients=ClientCache())
        stacks = api.list_stacks()
        if not stacks:
            raise CheckFailed(f"DescribeStacks returned no stacks from the emulator at {emulator.endpoint_url}")
        for stack in stacks:
            running = [fleet for fleet in api.list_fleets(stack.name) if fleet.is_running]
            if running:
                break
        else:
            raise CheckFailed(f"none of the emulator's {len(stacks)} stacks has a running fleet")
        fleet = running[0]
        result = api.create_streaming_url(
            StreamingRequest(stack_name=stack.name, fleet_name=fleet.name, user_id=SELF_TEST_USER_ID, validity_seconds=60)
        )
    if not result.url.startswith("http"):
        raise CheckFailed("CreateStreamingURL returned something that is not a URL")
    elapsed_ms = (time.monotonic() - started) * 1000
    # The streaming URL is a bearer token, so only its expiry is printed.
    return (
        f"{len(stacks)} stacks, streaming URL for {stack.name}/{fleet.name} expiring "
        f"{result.expires.isoformat()} ({elapsed_ms:.0f} ms)"
    )


CHECKS: list[tuple[str, Callable[[], str]]] = [
    ("imports", check_imports),
    ("resources", check_resources),
    ("keyring", check_keyring),
    ("botocore-data", check_botocore_data),
    ("qt-platform", check_qt_platform),
    ("emulator", check_emulator_round_trip),
]


def run_self_test(stream: TextIO | None = None) -> int:
    """Run every check, print one PASS or FAIL line for each to `stream`, and return the exit status."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if stream is None:
        # NOTE: a Windows build without a console has no sys.stdout. The exit status still
        # reports the result, and redirecting the output to a file is untested.
        stream = sys.stdout if sys.stdout is not None else open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115

    frozen = "frozen" if getattr(sys, "frozen", False) else "from source"
    print(f"AppStream Launcher {__version__} self-test ({frozen}, Python {sys.version.split()[0]}, {sys.platform})", file=stream)
    failures = 0
    for name, check in CHECKS:
        try:
            detail = check()
        except Exception as error:  # noqa: BLE001 - every failure becomes a FAIL line
            failures += 1
            print(f"FAIL {name}: {_describe(error)}", file=stream, flush=True)
        else:
            print(f"PASS {name}: {detail}", file=stream, flush=True)

    if failures:
        print(f"Self-test failed: {failures} of {len(CHECKS)} checks failed.", file=stream)
        return 1
    print(f"Self-test passed: all {len(CHECKS)} checks.", file=stream)
    return 0


def _describe(error: Exception) -> str:
    if isinstance(error, CheckFailed):
        return str(error)
    return f"{type(error).__name__}: {error}"


def schedule_window_exit() -> None:
    """Make the window exit after $APPSTREAM_LAUNCHER_EXIT_AFTER_MS ms when that variable is set.

    The timer starts now but fires only once the event loop runs, so it measures time that the
    window spent open. Only a visible QMainWindow counts: a crash dialog alone does not.
    Creates the QApplication through launcher.ui.app.application(), as the window does, but
    before run_window() sets up logging. Raises ValueError when the value is not a positive
    whole number.
    """
    value = os.environ.get(EXIT_AFTER_MS_VARIABLE)
    if not value:
        return
    try:
        delay_ms = int(value)
    except ValueError:
        delay_ms = 0
    if delay_ms <= 0:
        raise ValueError(f"invalid {EXIT_AFTER_MS_VARIABLE}={value!r}: expected a positive number of milliseconds")

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QMainWindow

    from launcher.ui.app import application

    app = application()

    def exit_if_shown() -> None:
        visible_titles = [
            widget.windowTitle()
            for widget in app.topLevelWidgets()
            if isinstance(widget, QMainWindow) and widget.isVisible()
        ]
        if visible_titles:
            print(f"Window shown for {delay_ms} ms: {', '.join(visible_titles)}", file=sys.stderr)
            app.exit(0)
        else:
            print(f"No main window was visible after {delay_ms} ms", file=sys.stderr)
            app.exit(1)

    QTimer.singleShot(delay_ms, app, exit_if_shown)
