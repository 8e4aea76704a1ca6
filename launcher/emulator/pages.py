"""HTML pages that a browser gets from the emulator: the demo session page behind a streaming URL and an index."""

from __future__ import annotations

from datetime import datetime, timezone
from html import escape
from typing import Any

from launcher.emulator.state import StreamingUrlRecord, UrlVisit

EMULATOR_TITLE = "AppStream Launcher emulator"

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 44rem; color: #16191f; }
h1 { font-size: 1.5rem; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { text-align: left; padding: 0.3rem 1rem 0.3rem 0; vertical-align: top; }
th { color: #545b64; font-weight: 600; }
.note { background: #f2f8fd; border-left: 4px solid #0972d3; padding: 0.6rem 1rem; }
.problem { background: #fff7f7; border-left: 4px solid #d91515; padding: 0.6rem 1rem; }
"""


def _utc(epoch_seconds: float) -> str:
    return datetime.fromtimestamp(epoch_seconds, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _document(title: str, body: str) -> bytes:
    html = (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title) if title == EMULATOR_TITLE else escape(title) + ' - ' + EMULATOR_TITLE}</title>\n<style>{_STYLE}</style>\n</head>\n"
        f"<body>\n<h1>{escape(title)}</h1>\n{body}\n"
        '<p class="note">This page comes from the AppStream Launcher emulator, a local stand-in for '
        "Amazon WorkSpaces Applications (AppStream 2.0). It streams nothing: no instance, "
        "application or desktop runs behind it.</p>\n"
        "</body>\n</html>\n"
    )
    return html.encode("utf-8")


def _table(rows: list[tuple[str, str]]) -> str:
    cells = "".join(f"<tr><th>{escape(label)}</th><td>{escape(value)}</td></tr>" for label, value in rows)
    return f"<table>{cells}</table>"


def _application_label(url: StreamingUrlRecord) -> str:
    if url.application_id is None:
        return "Application catalog (no ApplicationId given)"
    return url.application_id


def _url_rows(url: StreamingUrlRecord, stack_display_name: str | None) -> list[tuple[str, str]]:
    stack = url.stack_name if not stack_display_name else f"{stack_display_name} ({url.stack_name})"
    return [
        ("Stack", stack),
        ("Fleet", url.fleet_name),
        ("Application", _application_label(url)),
        ("User", url.user_id),
        ("URL expires", _utc(url.expires)),
    ]


def session_page(visit: UrlVisit, stack_display_name: str | None) -> tuple[int, bytes]:
    """Render the page for a streaming URL visit; return the HTTP status and the HTML."""
    url = visit.url
    if visit.status == "unknown" or url is None:
        body = (
            '<p class="problem">This streaming URL is not valid: the emulator did not issue it, '
            "or the emulator was restarted since. Create a new streaming URL.</p>"
        )
        return 404, _document("Streaming URL not valid", body)

    rows = _url_rows(url, stack_display_name)
    if visit.status == "expired":
        body = (
            f'<p class="problem">This streaming URL expired at {escape(_utc(url.expires))}. '
            "A streaming URL starts a session only within its validity period. "
            "Create a new streaming URL to start a session.</p>" + _table(rows)
        )
        return 403, _document("Streaming URL expired", body)
    if visit.status == "fleet_unavailable":
        body = (
            f'<p class="problem">The fleet {escape(url.fleet_name)} is {escape(visit.fleet_state or "unknown")}, '
            "so no session can start. Start the fleet, wait until it is RUNNING, and open the URL again.</p>"
            + _table(rows)
        )
        return 503, _document("Fleet not available", body)

    session: dict[str, Any] = visit.session or {}
    rows += [
        ("Session ID", str(session.get("Id", ""))),
        ("Session state", f"{session.get('State', '')} (at page load)"),
        ("Session started", _utc(session["StartTime"]) if "StartTime" in session else ""),
    ]
    if url.session_context:
        rows.append(("Session context", url.session_context))
    body = (
        "<p>A demo streaming session is open for this user. "
        "DescribeSessions lists it, and ExpireSession ends it.</p>" + _table(rows)
    )
    return 200, _document(f"Demo session: {url.stack_name}", body)


def index_page(endpoint_url: str, stack_count: int, fleet_count: int) -> bytes:
    body = (
        f"<p>The emulator serves the AppStream and STS APIs at {escape(endpoint_url)} "
        f"with {stack_count} stacks and {fleet_count} fleets.</p>"
        "<p>Point an AWS SDK or the AWS CLI at it, for example:</p>"
        f"<pre>export AWS_ENDPOINT_URL_APPSTREAM={escape(endpoint_url)}\n"
        f"export AWS_ENDPOINT_URL_STS={escape(endpoint_url)}\n"
        "aws appstream describe-stacks --region us-east-1</pre>"
    )
    return _document(EMULATOR_TITLE, body)


def not_found_page(path: str) -> bytes:
    body = (
        f'<p class="problem">The emulator has no page at {escape(path)}. '
        "Streaming URLs point to /authenticate, and the APIs take POST requests to /.</p>"
    )
    return _document("Page not found", body)
