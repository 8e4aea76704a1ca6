"""Links that open a streaming URL in the installed AppStream client instead of a browser.

The client handles the `amazonappstream:` URL scheme. A link is the scheme followed by the
standard base64 encoding of the UTF-8 streaming URL, as the AppStream 2.0 Administration
Guide page "Redirect a Streaming Session from the Web Browser to the AppStream 2.0 Client"
describes.
"""

from __future__ import annotations

import base64
import binascii

CLIENT_SCHEME = "amazonappstream"


def client_link(streaming_url: str) -> str:
    """Return the `amazonappstream:` link that opens `streaming_url` in the AppStream client."""
    encoded = base64.b64encode(streaming_url.encode("utf-8")).decode("ascii")
    return f"{CLIENT_SCHEME}:{encoded}"


def streaming_url_of_link(link: str) -> str:
    """Return the streaming URL inside an `amazonappstream:` link, or raise ValueError for any other text."""
    prefix = f"{CLIENT_SCHEME}:"
    if not link.startswith(prefix):
        raise ValueError(f"Not an {CLIENT_SCHEME}: link")
    try:
        return base64.b64decode(link[len(prefix) :], validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as error:
        raise ValueError(f"The {CLIENT_SCHEME}: link does not contain base64 of a UTF-8 URL: {error}") from error
