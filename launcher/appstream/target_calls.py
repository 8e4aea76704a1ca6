"""A base for AppStream calls bound to one target, with botocore errors translated.

`launcher.appstream.api.AppStreamAPI` does the same for the listing and CreateStreamingURL
calls. The fleet and session modules build on this class so that they need no change there.
"""

from __future__ import annotations

import logging

from launcher.appstream.clients import ClientCache, Target, shared_clients
from launcher.appstream.errors import AppStreamError, translate_error

log = logging.getLogger(__name__)


class TargetCalls:
    """AppStream calls for one (credential source, region, endpoint)."""

    def __init__(self, target: Target, clients: ClientCache = shared_clients):
        self.target = target
        self._clients = clients

    def _client(self, service: str = "appstream"):
        return self._clients.client(self.target, service)

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
        return translated
