"""Logging set-up: per-module loggers, quiet third-party libraries, and redaction of secrets.

Streaming URLs are bearer tokens and AWS secrets must never reach a log, so every handler the
app installs carries `RedactingFilter`.
"""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path

# A URL's query string (streaming URLs carry their token there).
_URL_QUERY = re.compile(r"(https?://[^\s'\"?<>]+)\?[^\s'\"<>\\]+")
# JSON, XML, INI or keyword forms of secret fields, with the value that follows.
_SECRET_FIELDS = re.compile(
    r"(?i)((?:aws_)?secret_?access_?key|secretaccesskey|(?:aws_)?session_?token|sessiontoken|x-amz-security-token)"
    r"(\"?\s*[:=>]\s*[\"']?|'\s*:\s*b?')"
    r"([^\s\"'<,}&]+)"
)
_AUTHORIZATION = re.compile(r"(Signature=)[0-9a-f]+")
REDACTED = "<redacted>"


def redact(text: str) -> str:
    """Return the text with URL query strings and secret values replaced by <redacted>."""
    text = _URL_QUERY.sub(lambda match: f"{match.group(1)}?{REDACTED}", text)
    text = _SECRET_FIELDS.sub(lambda match: f"{match.group(1)}{match.group(2)}{REDACTED}", text)
    return _AUTHORIZATION.sub(lambda match: f"{match.group(1)}{REDACTED}", text)


class RedactingFilter(logging.Filter):
    """Rewrites each record's final message through `redact` before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string must not break logging
            return True
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


_NOISY_LOGGERS = ("botocore", "boto3", "urllib3", "s3transfer")
LOG_FILE_NAME = "appstream-launcher.log"


def log_file_path() -> Path:
    """Return the path of the app's log file in the platform's log folder (platformdirs)."""
    import platformdirs

    return Path(platformdirs.user_log_dir("appstream-launcher", appauthor=False)) / LOG_FILE_NAME


def setup_logging(verbose: bool = False, stream=None) -> logging.Handler:
    """Send log records to stderr: warnings by default, debug with `verbose` (botocore included)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_appstream_launcher", False)]:
        root.removeHandler(old)
    handler._appstream_launcher = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.WARNING)
    for name in _NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG if verbose else logging.WARNING)
    return handler
