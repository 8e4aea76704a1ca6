"""Typed user settings in a JSON file, written atomically. It never contains secrets or streaming URLs.

The file lives in the platform's config folder (platformdirs), or in $APPSTREAM_LAUNCHER_CONFIG_DIR
when that is set (tests and portable installs). A file that cannot be read or parsed is moved
aside with a warning and the defaults are used, so a bad file never stops the app.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import tempfile
import time
from dataclasses import dataclass, field
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

log = logging.getLogger(__name__)

APP_NAME = "appstream-launcher"
SETTINGS_FILE_NAME = "settings.json"
SCHEMA_VERSION = 1
# The lock file beside the settings file, which SettingsStore.update holds while it writes.
LOCK_SUFFIX = ".lock"
DEFAULT_VALIDITY_SECONDS = 300


def config_dir() -> Path:
    override = os.environ.get("APPSTREAM_LAUNCHER_CONFIG_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


@dataclass
class Settings:
    """Everything the app remembers between runs."""

    credential_source: str = "default"
    region: str = ""
    stack: str = ""
    fleet: str = ""
    application: str = ""
    user_id: str = ""
    validity_seconds: int = DEFAULT_VALIDITY_SECONDS
    open_after_generate: bool = False
    # Region last used with each credential source, keyed by CredentialSource.key.
    source_regions: dict[str, str] = field(default_factory=dict)
    # Non-secret fields of saved credentials, keyed by name; the secrets are in the OS keyring.
    saved_credentials: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Recent launch combinations (never URLs), newest first.
    recent_launches: list[dict[str, Any]] = field(default_factory=list)
    # Seconds after which a streaming URL the app copied is cleared from the clipboard; 0 keeps it.
    clipboard_clear_seconds: int = 0
    # Endpoint options per credential source, keyed by CredentialSource.key:
    # {"use_fips": bool, "streaming_domain": str} (see launcher.appstream.endpoints).
    endpoint_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Whether choosing a recent launch also generates its URL (False only restores the choices).
    relaunch_generates: bool = False

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Settings:
        """Build settings from parsed JSON, keeping defaults for missing or mistyped fields."""
        settings = cls()
        for item in dataclasses.fields(cls):
            if item.name not in data:
                continue
            value = data[item.name]
            default = getattr(settings, item.name)
            if isinstance(default, bool):
                valid = isinstance(value, bool)
            elif isinstance(default, int):
                valid = isinstance(value, int) and not isinstance(value, bool)
            else:
                valid = isinstance(value, type(default))
            if valid and item.name in _ENTRY_TYPES:
                value = _valid_entries(item.name, value)
            if valid:
                setattr(settings, item.name, value)
            else:
                log.warning("Ignoring setting %s: expected %s, found %s", item.name, type(default).__name__, type(value).__name__)
        return settings

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["version"] = SCHEMA_VERSION
        return data


# Element types of the container fields: a hand-edited file may put anything inside them.
_ENTRY_TYPES: dict[str, type] = {
    "source_regions": str,
    "saved_credentials": dict,
    "recent_launches": dict,
    "endpoint_options": dict,
}


def _valid_entries(name: str, value: dict | list) -> dict | list:
    """Return the container without entries of the wrong type, logging each one dropped."""
    expected = _ENTRY_TYPES[name]
    if isinstance(value, dict):
        kept = {key: entry for key, entry in value.items() if isinstance(key, str) and isinstance(entry, expected)}
    else:
        kept = [entry for entry in value if isinstance(entry, expected)]
    if len(kept) != len(value):
        log.warning("Ignoring %d invalid entries of setting %s", len(value) - len(kept), name)
    return kept


class SettingsStore:
    """Loads and saves `Settings` at one path."""

    def __init__(self, path: Path | None = None):
        self.path = path or config_dir() / SETTINGS_FILE_NAME
        self.warning: str | None = None

    def load(self) -> Settings:
        """Return the stored settings, or defaults. A corrupt file is moved aside, and `warning` names the new path."""
        self.warning = None
        try:
            # utf-8-sig also reads a file that an editor saved with a byte order mark.
            text = self.path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            return Settings()
        except (OSError, UnicodeDecodeError) as error:
            return self._set_aside(f"cannot be read ({error})")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            return self._set_aside(f"is not valid JSON ({error})")
        if not isinstance(data, dict):
            return self._set_aside("does not contain a JSON object")
        return Settings.from_dict(data)

    def _set_aside(self, problem: str) -> Settings:
        backup = self.path.with_name(f"{self.path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
        try:
            os.replace(self.path, backup)
            self.warning = f"The settings file {self.path} {problem}. It was moved to {backup} and defaults are used."
        except OSError as error:
            self.warning = f"The settings file {self.path} {problem}, and moving it aside failed ({error}). Defaults are used."
        log.warning("%s", self.warning)
        return Settings()

    def update(self, change: Callable[[Settings], None]) -> Settings:
        """Load the settings, apply `change` to them and save them, holding a lock other processes respect.

        The window, the Saved credentials dialog and the command line each change their own fields
        of the same file. The lock makes each read-change-write whole, so none of them writes back
        a copy that is missing another one's change. Returns the saved settings.
        """
        with self._file_lock():
            settings = self.load()
            change(settings)
            self.save(settings)
            return settings

    @contextlib.contextmanager
    def _file_lock(self) -> Iterator[None]:
        """Hold an exclusive lock on the lock file beside the settings file (flock, or msvcrt on Windows)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_name(self.path.name + LOCK_SUFFIX)
        with open(lock_path, "a+b") as handle:
            _lock_file(handle)
            try:
                yield
            finally:
                _unlock_file(handle)

    def save(self, settings: Settings) -> None:
        """Write the settings atomically: a temporary file in the same folder, then a rename."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(settings.to_dict(), indent=2, sort_keys=True)
        handle, temporary = tempfile.mkstemp(prefix=".settings-", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def _lock_file(handle: IO[bytes]) -> None:
    """Block until this process holds the exclusive lock of the open file."""
    if os.name == "nt":
        import msvcrt

        # msvcrt locks bytes from the current position, and LK_LOCK gives up after about 10 s,
        # so the first byte is locked in a loop until the lock is held.
        # NOTE: this Windows branch has not been run; only the flock branch is tested.
        handle.seek(0)
        while True:
            try:
                msvcrt.locking(handle.fileno(), msvcrt.LK_LOCK, 1)
                return
            except OSError:
                time.sleep(0.05)
    import fcntl

    fcntl.flock(handle.fileno(), fcntl.LOCK_EX)


def _unlock_file(handle: IO[bytes]) -> None:
    if os.name == "nt":
        import msvcrt

        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
        return
    import fcntl

    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
