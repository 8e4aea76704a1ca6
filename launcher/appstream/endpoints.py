"""Endpoint options of a credential source: FIPS endpoints and a custom streaming domain.

FIPS makes AppStream API requests go to the region's FIPS endpoint (botocore's
use_fips_endpoint). A custom streaming domain replaces the host of every generated streaming
URL, for stacks that users reach through an organisation's own domain (a reverse proxy or a
CNAME in front of the AppStream streaming endpoint). The options are stored per credential
source in the settings, as plain dictionaries.
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from launcher.appstream.errors import ValidationError
from launcher.appstream.models import StreamingURL

log = logging.getLogger(__name__)

# AppStream's endpoint prefix in botocore's endpoints.json ("appstream2.<region>.amazonaws.com").
APPSTREAM_ENDPOINT_PREFIX = "appstream2"
DOMAIN_MAX_LENGTH = 253
_DOMAIN_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
DOMAIN_PATTERN = re.compile(rf"(?P<host>{_DOMAIN_LABEL}(?:\.{_DOMAIN_LABEL})*)(?::(?P<port>[0-9]{{1,5}}))?", re.ASCII)


@dataclass(frozen=True)
class EndpointOptions:
    """The endpoint options of one credential source.

    `streaming_domain` is a host name with an optional port, such as "streaming.example.com";
    "" keeps the host that CreateStreamingURL returns.
    """

    use_fips: bool = False
    streaming_domain: str = ""

    @property
    def is_default(self) -> bool:
        return not self.use_fips and not self.streaming_domain

    @classmethod
    def from_dict(cls, data: object) -> EndpointOptions:
        """Build options from a settings entry, ignoring members that are missing or invalid."""
        if not isinstance(data, dict):
            return cls()
        use_fips = data.get("use_fips") is True
        domain = data.get("streaming_domain")
        try:
            domain = validate_streaming_domain(domain) if isinstance(domain, str) else ""
        except ValidationError as error:
            log.warning("Ignoring the stored streaming domain: %s", error.message)
            domain = ""
        return cls(use_fips=use_fips, streaming_domain=domain)

    def to_dict(self) -> dict[str, Any]:
        return {"use_fips": self.use_fips, "streaming_domain": self.streaming_domain}


def options_for_source(stored: dict[str, Any], source_key: str) -> EndpointOptions:
    """Return the options stored for a credential source (Settings.endpoint_options), or the defaults."""
    return EndpointOptions.from_dict(stored.get(source_key))


def store_options(stored: dict[str, Any], source_key: str, options: EndpointOptions) -> dict[str, Any]:
    """Return a copy of Settings.endpoint_options with the source's options replaced, or removed when they are the defaults."""
    updated = dict(stored)
    if options.is_default:
        updated.pop(source_key, None)
    else:
        updated[source_key] = options.to_dict()
    return updated


def validate_streaming_domain(value: object) -> str:
    """Return the domain in lower case ("" for none), or raise ValidationError naming the fix."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError("streaming_domain", f"Streaming domain {value!r} is not text.")
    text = value.strip().lower()
    if text == "":
        return ""
    if "://" in text or "/" in text:
        raise ValidationError(
            "streaming_domain",
            f"Streaming domain {value.strip()!r} is invalid. Enter only the host name, such as "
            "streaming.example.com, without https:// or a path.",
        )
    match = DOMAIN_PATTERN.fullmatch(text)
    if match is None or len(match.group("host")) > DOMAIN_MAX_LENGTH:
        raise ValidationError(
            "streaming_domain",
            f"Streaming domain {value.strip()!r} is not a valid host name. Use letters, digits, '-' and dots, "
            "such as streaming.example.com, optionally followed by :PORT.",
        )
    port = match.group("port")
    if port is not None and not 1 <= int(port) <= 65535:
        raise ValidationError("streaming_domain", f"Port {port} of the streaming domain is out of range. Use 1 to 65535.")
    return text


def rewrite_url_host(url: str, domain: str) -> str:
    """Return `url` with its host and port replaced by `domain`, keeping scheme, path and query byte for byte."""
    if not domain:
        return url
    parts = urlsplit(url)
    # urlunsplit joins the parts without re-encoding them, so the token in the query is unchanged.
    return urlunsplit((parts.scheme, domain, parts.path, parts.query, parts.fragment))


def apply_streaming_domain(result: StreamingURL, domain: str) -> StreamingURL:
    """Return the streaming URL with its host replaced by the custom domain, or unchanged without one."""
    if not domain:
        return result
    return StreamingURL(url=rewrite_url_host(result.url, domain), expires=result.expires)


@functools.lru_cache(maxsize=1)
def fips_regions() -> frozenset[str]:
    """Return the regions whose AppStream endpoint has a FIPS variant in botocore's endpoints.json.

    botocore's endpoint rules build a FIPS host name for any region, whether AWS serves it or
    not, so the partition data's "fips" variants are the list to trust. This imports botocore,
    so call it off the GUI thread.
    """
    import botocore.loaders

    data = botocore.loaders.create_loader().load_data("endpoints")
    regions: set[str] = set()
    for partition in data.get("partitions", ()):
        service = partition.get("services", {}).get(APPSTREAM_ENDPOINT_PREFIX, {})
        for region, entry in service.get("endpoints", {}).items():
            variants = entry.get("variants", ()) if isinstance(entry, dict) else ()
            if any("fips" in variant.get("tags", ()) for variant in variants):
                regions.add(region)
    return frozenset(regions)
