"""A base for AppStream calls bound to one target, with botocore errors translated.

`launcher.appstream.api.AppStreamAPI` (listings and CreateStreamingURL) and the fleet and
session modules build on this class.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from launcher.appstream.clients import ClientCache, Target, shared_clients
from launcher.appstream.errors import AppStreamError, ErrorKind, translate_error

log = logging.getLogger(__name__)

T = TypeVar("T")

_CREDENTIAL_FAILURES = (
    ErrorKind.CREDENTIALS_EXPIRED,
    ErrorKind.CREDENTIALS_INVALID,
    ErrorKind.CREDENTIALS_MISSING,
    ErrorKind.SSO_LOGIN_REQUIRED,
)


class TargetCalls:
    """AppStream calls for one (credential source, region, endpoint)."""

    def __init__(self, target: Target, clients: ClientCache = shared_clients):
        self.target = target
        self._clients = clients

    def _client(self, service: str = "appstream"):
        return self._clients.client(self.target, service)

    def _call(self, operation: str, function: Callable[[Any], T], **context: str) -> T:
        """Return `function(client)`, raising its failure as an AppStreamError.

        When temporary credentials that needed an MFA code have expired, botocore cannot renew
        them. The cached session is then dropped and the call runs once more, which prompts for a
        new code, so the user sees the MFA prompt rather than an error. The failed attempt sent
        no request, because botocore fails before signing it.
        """
        for attempt in (1, 2):
            try:
                return function(self._client())
            except Exception as error:
                if attempt == 1 and _needs_new_mfa_session(error):
                    log.info("Credentials of %s expired and need a new MFA code; starting a new session", self.target.source.key)
                    self._clients.forget(self.target.source.key)
                    continue
                raise self._fail(error, operation, **context) from error
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def _endpoint(self) -> str | None:
        if self.target.endpoint_url:
            return self.target.endpoint_url
        try:
            return self._client().meta.endpoint_url
        except Exception:  # noqa: BLE001 - only used to word an error message
            return None

    def _fail(self, error: Exception, operation: str, **context: str) -> AppStreamError:
        """Return `error` translated into an AppStreamError, and log it."""
        translated = translate_error(
            error,
            operation=operation,
            region=self.target.region,
            endpoint=self._endpoint(),
            source_label=self.target.source.name or self.target.source.label,
            context=context,
        )
        log.info("%s failed for %s in %s: %s", operation, self.target.source.key, self.target.region, translated.message)
        if translated.kind in _CREDENTIAL_FAILURES:
            # The cached session contains the failed credentials (or, for an MFA profile, temporary
            # credentials botocore cannot refresh), so the next attempt starts a new session,
            # which asks for a new MFA code where one is needed.
            self._clients.forget(self.target.source.key)
        return translated


def _needs_new_mfa_session(error: Exception) -> bool:
    """Return True for botocore's error about temporary credentials that only a new MFA code renews."""
    from botocore.exceptions import RefreshWithMFAUnsupportedError

    return isinstance(error, RefreshWithMFAUnsupportedError)
