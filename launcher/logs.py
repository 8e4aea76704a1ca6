"""Logging set-up: per-module loggers, quiet third-party libraries, and redaction of secrets.

Streaming URLs are bearer tokens and AWS secrets must never reach a log, so every handler the
app installs carries `RedactingFilter`. The window also writes a rotating log file
(`log_file_path()`); the command line logs to stderr only.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import re
import sys
from pathlib import Path

REDACTED = "<redacted>"

# A URL's query string (streaming URLs carry their token there).
_URL_QUERY = re.compile(r"(https?://[^\s'\"?<>]+)\?[^\s'\"<>\\]+")
# The token parameter of a streaming URL when it appears without the scheme and host,
# such as in an HTTP request line "GET /authenticate?parameters=...".
_STREAMING_TOKEN = re.compile(r"(?i)(\bparameters=)[^\s&'\"<>\\]+")
# Secret fields in JSON, XML, INI, keyword, repr and HTTP header forms, with the value that follows:
# secret access keys (the 40-character AWS secret shape among them), session and security tokens.
# Header dictionaries in botocore's debug log look like {'X-Amz-Security-Token': b'...'}.
_SECRET_NAMES = (
    r"(?:aws_)?secret_?(?:access_?)?key"
    r"|(?:aws_)?(?:session|security)_?token"
    r"|x-amz-security-token"
    r"|(?<![a-z])token"
    r"|token_?code"
)
_SECRET_FIELDS = re.compile(
    rf"(?i)({_SECRET_NAMES})"
    r"(\\?\"?\s*[:=>]\s*(?:b(?=\\?[\"']))?\\?[\"']?|'\s*[:=]\s*(?:b(?='))?')"
    r"([^\s\"'<,}&\\]+)"
)
# SigV4 signatures in an Authorization header, a presigned query string or botocore's
# "Signature:" debug line.
_AUTHORIZATION = re.compile(r"(?i)((?:X-Amz-)?Signature(?:=|:\s*))[0-9a-f]{16,}")
# A user name and password written into a URL, such as a proxy or endpoint URL.
_URL_USERINFO = re.compile(r"(?i)(https?://)[^/\s'\"@]+@")


def redact(text: str) -> str:
    """Return the text with URL query strings, streaming tokens, secrets and signatures replaced by <redacted>.

    A field named just "token" (as in botocore's ReadOnlyCredentials repr) counts as a secret,
    but NextToken and other pagination tokens are kept.
    """
    text = _URL_USERINFO.sub(lambda match: f"{match.group(1)}{REDACTED}@", text)
    text = _URL_QUERY.sub(lambda match: f"{match.group(1)}?{REDACTED}", text)
    text = _STREAMING_TOKEN.sub(lambda match: f"{match.group(1)}{REDACTED}", text)
    text = _SECRET_FIELDS.sub(lambda match: f"{match.group(1)}{match.group(2)}{REDACTED}", text)
    return _AUTHORIZATION.sub(lambda match: f"{match.group(1)}{REDACTED}", text)


class RedactingFilter(logging.Filter):
    """Rewrites each record's final message, traceback and stack through `redact` before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string must not break logging
            message = f"{record.msg!r} with arguments that do not match it"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


_NOISY_LOGGERS = ("botocore", "boto3", "urllib3", "s3transfer")
APP_NAME = "appstream-launcher"
LOG_FILE_NAME = "appstream-launcher.log"
# Tests and portable installs set this to write the log file somewhere else.
LOG_DIR_ENVIRONMENT_VARIABLE = "APPSTREAM_LAUNCHER_LOG_DIR"
# The settings folder override of launcher.settings.config_dir().
CONFIG_DIR_ENVIRONMENT_VARIABLE = "APPSTREAM_LAUNCHER_CONFIG_DIR"
LOG_FILE_MAX_BYTES = 1_000_000
# Rotated files kept besides the current one: appstream-launcher.log.1 to .3.
LOG_FILE_BACKUP_COUNT = 3
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Marks the handlers that setup_logging installed, so that a second call replaces them.
_HANDLER_MARK = "_appstream_launcher"


def log_file_path() -> Path:
    """Return the path of the app's log file.

    The folder is $APPSTREAM_LAUNCHER_LOG_DIR, else the "logs" folder in
    $APPSTREAM_LAUNCHER_CONFIG_DIR (a portable install or a test keeps its log beside its
    settings), else the platform's log folder.
    """
    override = os.environ.get(LOG_DIR_ENVIRONMENT_VARIABLE)
    if override:
        return Path(override) / LOG_FILE_NAME
    config_override = os.environ.get(CONFIG_DIR_ENVIRONMENT_VARIABLE)
    if config_override:
        return Path(config_override) / "logs" / LOG_FILE_NAME
    import platformdirs

    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)) / LOG_FILE_NAME


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A RotatingFileHandler whose files only their owner can read (mode 0600 on POSIX).

    The log names users, stacks and fleets, so other accounts on the machine have no reason to read it.
    """

    def _open(self):
        descriptor = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        return os.fdopen(descriptor, self.mode, encoding=self.encoding, errors=self.errors)


def _mark(handler: logging.Handler) -> logging.Handler:
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.addFilter(RedactingFilter())
    setattr(handler, _HANDLER_MARK, True)
    return handler


def _file_handler(verbose: bool) -> logging.Handler | None:
    """Return a rotating handler for log_file_path(), or None when the file cannot be opened."""
    path = log_file_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = PrivateRotatingFileHandler(
            path,
            maxBytes=LOG_FILE_MAX_BYTES,
            backupCount=LOG_FILE_BACKUP_COUNT,
            encoding="utf-8",
            # Lone surrogates from odd input are written as escapes instead of failing the record.
            errors="backslashreplace",
        )
    except OSError as error:
        logging.getLogger(__name__).warning("Cannot write the log file %s: %s. Logging to stderr only.", path, error)
        return None
    handler.setLevel(logging.DEBUG if verbose else logging.INFO)
    return _mark(handler)


def setup_logging(verbose: bool = False, stream=None, *, log_file: bool = False) -> logging.Handler:
    """Send log records to stderr, and with `log_file` also to the rotating log file; return the stderr handler.

    stderr gets warnings, or everything with `verbose`. The log file gets info and above, or
    everything with `verbose`. botocore, boto3, urllib3 and s3transfer log warnings only unless
    `verbose`. A second call replaces the handlers of the first.
    """
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)
        old.close()

    handler = _mark(logging.StreamHandler(stream or sys.stderr))
    handler.setLevel(logging.DEBUG if verbose else logging.WARNING)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.WARNING)
    for name in _NOISY_LOGGERS:
        # botocore logs recoverable failures at WARNING with a traceback, which the app reports
        # itself in one line, so without verbose only its errors pass.
        logging.getLogger(name).setLevel(logging.DEBUG if verbose else logging.ERROR)

    if log_file:
        file_handler = _file_handler(verbose)
        if file_handler is not None:
            root.addHandler(file_handler)
            root.setLevel(min(root.level, file_handler.level))
    return handler
