"""Errors of saved credentials: the OS keyring, the saved entries and MFA codes.

Each is an `AppStreamError`, so the window shows its message and the command line prints it on
one line, with exit status 2 for input the user can fix and 1 otherwise.
"""

from __future__ import annotations

from launcher.appstream.errors import AppStreamError, ErrorKind

KEYRING_HELP = (
    "Unlock the keyring, or install and start a Secret Service such as gnome-keyring or KWallet "
    "(on Windows and macOS the system keyring is used), or use an AWS profile instead."
)


class SecretStoreError(AppStreamError):
    """The OS keyring failed, is locked, or is missing. Other credential sources still work."""

    def __init__(self, message: str):
        super().__init__(message, ErrorKind.CREDENTIALS_MISSING)


class SecretStoreUnavailableError(SecretStoreError):
    """No usable keyring backend: none is installed, or only plaintext ones, which are rejected."""


class SecretStoreLockedError(SecretStoreError):
    """The keyring is locked and was not unlocked (for example, the unlock prompt was dismissed)."""


class SecretStoreDamagedError(SecretStoreError):
    """A chunked secret has a missing chunk or an invalid count; saving or removing the entry repairs it."""


class SavedCredentialsError(AppStreamError):
    """A saved credentials entry is missing, already exists, or is incomplete."""


class InvalidCredentialsInput(AppStreamError):
    """A field of a saved credentials entry is invalid. `field` names it."""

    def __init__(self, field: str, message: str):
        super().__init__(message, ErrorKind.INVALID_INPUT)
        self.field = field


class MfaCodeError(AppStreamError):
    """No MFA code could be obtained: entry cancelled, no terminal, or an invalid code."""

    def __init__(self, message: str, kind: ErrorKind = ErrorKind.CREDENTIALS_MISSING):
        super().__init__(message, kind)
