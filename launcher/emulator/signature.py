"""SigV4 signature verification for the access keys whose secret the emulator is given.

AWS recomputes every request's signature from its own copy of the secret key. The emulator does
the same for the key IDs in `Emulator.secret_keys`, so tests can check that a client signs
requests the way AWS expects. Requests signed with any other key ID are accepted without a check.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable
from urllib.parse import parse_qsl, quote

_AUTHORIZATION = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<key>[^/,\s]+)/(?P<scope>[^,\s]+),\s*"
    r"SignedHeaders=(?P<headers>[^,\s]+),\s*Signature=(?P<signature>[0-9a-f]{64})\s*$"
)

MISMATCH_MESSAGE = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)


def _uri_encode(text: str) -> str:
    return quote(text, safe="-_.~")


def _canonical_query(query: str) -> str:
    pairs = sorted((_uri_encode(name), _uri_encode(value)) for name, value in parse_qsl(query, keep_blank_values=True))
    return "&".join(f"{name}={value}" for name, value in pairs)


def signature_problem(
    authorization: str,
    method: str,
    path: str,
    query: str,
    header: Callable[[str], str | None],
    body: bytes,
    secret_access_key: str,
) -> str | None:
    """Return why the request's SigV4 signature is wrong, or None when it is right.

    `header` returns a request header's value by name (None when absent).
    """
    match = _AUTHORIZATION.match(authorization)
    if match is None:
        return "The Authorization header is not a SigV4 header with Credential, SignedHeaders and Signature."
    scope = match.group("scope")
    parts = scope.split("/")
    if len(parts) != 4 or parts[3] != "aws4_request":
        return f"Credential scope {scope} is not DATE/REGION/SERVICE/aws4_request."
    date, region, service, _ = parts
    amz_date = header("X-Amz-Date") or ""
    if not amz_date.startswith(date):
        return f"Credential scope date {date} does not match X-Amz-Date {amz_date}."
    names = match.group("headers").split(";")
    if "host" not in names:
        return "SignedHeaders must include host."
    canonical_headers = ""
    for name in names:
        value = header(name)
        if value is None:
            return f"Signed header {name} is missing from the request."
        canonical_headers += f"{name}:{' '.join(value.split())}\n"
    canonical_request = "\n".join(
        [method, quote(path or "/", safe="/-_.~"), _canonical_query(query), canonical_headers, ";".join(names), hashlib.sha256(body).hexdigest()]
    )
    string_to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical_request.encode("utf-8")).hexdigest()]
    )
    key = f"AWS4{secret_access_key}".encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    expected = hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, match.group("signature")):
        return MISMATCH_MESSAGE
    return None
