"""MFA codes for STS calls: one pluggable code provider for the window and the command line.

The window installs a provider that shows a dialog (launcher.ui.mfa_dialog), the command line
one that prompts on the terminal or uses --mfa-code. Providers are called on the thread that
needs the code, usually a worker thread, and block until they return the code or raise
MfaCodeError.
"""

from __future__ import annotations

import getpass
import logging
import re
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass

from launcher.appstream.errors import ErrorKind
from launcher.credentials.errors import MfaCodeError

log = logging.getLogger(__name__)

# STS TokenCode: "The value provided by the MFA device ... is a six-digit number."
MFA_CODE_PATTERN = re.compile(r"\d{6}", re.ASCII)


@dataclass(frozen=True)
class MfaCodeRequest:
    """A request for one MFA code: the source label, such as "saved credentials 'prod'", and the MFA device."""

    source_label: str
    serial_number: str


MfaCodeProvider = Callable[[MfaCodeRequest], str]

_lock = threading.Lock()
_provider: MfaCodeProvider | None = None


def validate_mfa_code(code: str) -> str:
    """Return the code without surrounding spaces if it is six digits, else raise MfaCodeError."""
    code = code.strip()
    if not MFA_CODE_PATTERN.fullmatch(code):
        raise MfaCodeError(
            "The MFA code is invalid. Enter the 6 digits your MFA device shows now, such as 123456.",
            ErrorKind.INVALID_INPUT,
        )
    return code


def set_code_provider(provider: MfaCodeProvider | None) -> MfaCodeProvider | None:
    """Install the provider that every later MFA prompt uses; return the previous one."""
    global _provider
    with _lock:
        previous, _provider = _provider, provider
    return previous


def get_code_provider() -> MfaCodeProvider | None:
    with _lock:
        return _provider


def request_code(request: MfaCodeRequest) -> str:
    """Ask the installed provider for a code and validate it."""
    provider = get_code_provider()
    if provider is None:
        raise MfaCodeError(
            f"An MFA code for device {request.serial_number} is needed to use {request.source_label}, "
            "and this program has no way to ask for it."
        )
    log.debug("Requesting an MFA code for %s (device %s)", request.source_label, request.serial_number)
    return validate_mfa_code(provider(request))


def fixed_code_provider(code: str) -> MfaCodeProvider:
    """Return a provider that always returns `code` (the command line's --mfa-code)."""
    code = validate_mfa_code(code)

    def provide(request: MfaCodeRequest) -> str:
        return code

    return provide


def terminal_code_provider(request: MfaCodeRequest) -> str:
    """Prompt for the code with hidden input when stdin is a terminal, else raise MfaCodeError naming --mfa-code."""
    if not sys.stdin.isatty():
        raise MfaCodeError(
            f"An MFA code for device {request.serial_number} is needed to use {request.source_label}, "
            "and standard input is not a terminal. Pass the code with --mfa-code CODE."
        )
    try:
        return getpass.getpass(f"MFA code for {request.serial_number} ({request.source_label}): ")
    except EOFError:
        raise MfaCodeError("No MFA code was entered. Pass the code with --mfa-code CODE.") from None
