"""Opaque NextToken pagination shared by every listing operation.

A token carries the operation, a fingerprint of the request's filters and
the offset of the next item, signed with a key of this emulator run. The
server keeps no per-listing state, and a token only works for the same
operation and filters on the same emulator run.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from typing import Any, Sequence, TypeVar

from launcher.emulator.errors import AwsError

T = TypeVar("T")

_SIGNATURE_BYTES = 12


class Paginator:
    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)

    def page(
        self,
        items: Sequence[T],
        *,
        operation: str,
        filters: dict[str, Any],
        next_token: str | None,
        page_size: int,
    ) -> tuple[list[T], str | None]:
        """Return one page of items and the token of the next page, or None on the last page."""
        fingerprint = _fingerprint(filters)
        offset = 0 if next_token is None else self._decode(next_token, operation, fingerprint)
        end = offset + page_size
        token = self._encode(operation, fingerprint, end) if end < len(items) else None
        return list(items[offset:end]), token

    def _encode(self, operation: str, fingerprint: str, offset: int) -> str:
        payload = json.dumps({"op": operation, "f": fingerprint, "o": offset}, separators=(",", ":")).encode()
        signature = hmac.new(self._key, payload, hashlib.sha256).digest()[:_SIGNATURE_BYTES]
        return base64.urlsafe_b64encode(signature + payload).decode().rstrip("=")

    def _decode(self, token: str, operation: str, fingerprint: str) -> int:
        invalid = AwsError(
            "ValidationException",
            f"The NextToken is not valid for this {operation} request. "
            "Use the NextToken from the previous page with the same parameters, or omit it to start again.",
        )
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (ValueError, TypeError):
            raise invalid from None
        signature, payload = raw[:_SIGNATURE_BYTES], raw[_SIGNATURE_BYTES:]
        expected = hmac.new(self._key, payload, hashlib.sha256).digest()[:_SIGNATURE_BYTES]
        if not hmac.compare_digest(signature, expected):
            raise invalid
        data = json.loads(payload)
        if data.get("op") != operation or data.get("f") != fingerprint:
            raise invalid
        return int(data["o"])


def _fingerprint(filters: dict[str, Any]) -> str:
    canonical = json.dumps(filters, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]
