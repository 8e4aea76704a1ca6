"""Stack names saved on disk per target, so the window can list stacks at once when it opens.

The file contains stack names and display names only, under a SHA-256 digest of the target
(credential source, region, endpoint), so it contains no keys, tokens, endpoint or streaming URLs.
It lives in the user cache directory; APPSTREAM_LAUNCHER_CACHE_DIR overrides the folder. A
missing, unreadable or corrupt file reads as empty, and a failed write is logged and ignored:
the names only speed up the first paint and the real list always follows.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from launcher.appstream.models import Stack

log = logging.getLogger(__name__)

CACHE_DIR_VARIABLE = "APPSTREAM_LAUNCHER_CACHE_DIR"
FILE_NAME = "stack-names.json"
FORMAT_VERSION = 1
# The most recently saved targets kept, and the names kept per target.
MAX_TARGETS = 20
MAX_NAMES = 5000


def cache_dir() -> Path:
    """Return the folder of the cache file: APPSTREAM_LAUNCHER_CACHE_DIR, else the user cache directory."""
    override = os.environ.get(CACHE_DIR_VARIABLE)
    if override:
        return Path(override)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("appstream-launcher", appauthor=False))


@dataclass(frozen=True)
class SavedNames:
    """Stack names of one target as last listed, with the time they were saved (seconds since the epoch)."""

    stacks: list[Stack]
    saved_at: float

    def age_text(self, now: float | None = None) -> str:
        """Return how long ago the names were saved, such as "5 minutes" or "2 days"."""
        seconds = max(0.0, (time.time() if now is None else now) - self.saved_at)
        for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
            if seconds >= size:
                count = int(seconds // size)
                return f"{count} {unit}{'s' if count != 1 else ''}"
        return "less than a minute"


def target_digest(source_key: str, region: str, endpoint_url: str | None) -> str:
    """Return the key under which a target's names are stored: a digest, so no URL is written."""
    text = "\n".join((source_key, region, endpoint_url or ""))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class NameCache:
    """Reads and writes the stack-name file. Safe to share between threads."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else cache_dir() / FILE_NAME
        self._lock = threading.Lock()

    def load(self, digest: str) -> SavedNames | None:
        """Return the saved names of the target with this digest, or None when there are none."""
        with self._lock:
            entry = self._read().get(digest)
        if not isinstance(entry, dict):
            return None
        rows = entry.get("stacks")
        saved_at = entry.get("saved_at")
        if not isinstance(rows, list) or not isinstance(saved_at, (int, float)):
            return None
        stacks = [
            Stack(name=row[0], display_name=row[1])
            for row in rows
            if isinstance(row, list) and len(row) == 2 and all(isinstance(part, str) for part in row) and row[0]
        ]
        return SavedNames(stacks=stacks, saved_at=float(saved_at))

    def save(self, digest: str, stacks: Sequence[Stack]) -> None:
        """Save the names of a target's stacks, keeping the MAX_TARGETS most recent targets."""
        rows = [[stack.name, stack.display_name or ""] for stack in stacks[:MAX_NAMES]]
        with self._lock:
            entries = self._read()
            entries.pop(digest, None)
            entries[digest] = {"saved_at": time.time(), "stacks": rows}
            # Dicts keep insertion order, so the oldest targets come first.
            for old in list(entries)[: max(0, len(entries) - MAX_TARGETS)]:
                del entries[old]
            self._write(entries)

    def _read(self) -> dict:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as error:
            log.info("Ignoring the stack-name cache %s: %s", self.path, error)
            return {}
        if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION or not isinstance(data.get("targets"), dict):
            log.info("Ignoring the stack-name cache %s: unknown format", self.path)
            return {}
        return data["targets"]

    def _write(self, entries: dict) -> None:
        text = json.dumps({"version": FORMAT_VERSION, "targets": entries}, separators=(",", ":"))
        import tempfile

        temporary = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=".stack-names-", dir=self.path.parent)
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
            os.replace(temporary, self.path)
        except OSError as error:
            log.warning("Could not save the stack-name cache %s: %s", self.path, error)
            if temporary is not None:
                Path(temporary).unlink(missing_ok=True)
