"""A local AppStream-compatible HTTP API on 127.0.0.1 for development and tests.

boto3 and the AWS CLI work against it with ``endpoint_url``. It serves the
AppStream operations the launcher uses (JSON 1.1 protocol) and three STS
operations (query protocol) on one port, with sample data or a scenario file,
and injects faults on request::

    from launcher.emulator import start_emulator

    with start_emulator(page_size=2) as emu:
        client = boto3.client("appstream", endpoint_url=emu.endpoint_url, ...)
        emu.faults.throttle(1)

The server uses only the standard library.
"""

from launcher.emulator.emulator import (
    DEFAULT_EXPIRED_SESSION_SECONDS,
    DEFAULT_FLEET_TRANSITION_SECONDS,
    DEFAULT_PAGE_SIZE,
    DEFAULT_SESSION_ACTIVATION_SECONDS,
    Emulator,
    start_emulator,
)
from launcher.emulator.errors import ScenarioError
from launcher.emulator.faults import Faults

__all__ = [
    "DEFAULT_EXPIRED_SESSION_SECONDS",
    "DEFAULT_FLEET_TRANSITION_SECONDS",
    "DEFAULT_PAGE_SIZE",
    "DEFAULT_SESSION_ACTIVATION_SECONDS",
    "Emulator",
    "Faults",
    "ScenarioError",
    "start_emulator",
]
