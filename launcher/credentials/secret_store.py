"""Secrets of saved credentials in the OS keyring, through the `keyring` package.

Every secret is one or more keyring entries of the service "appstream-launcher". The entry's
username is "NAME/FIELD", such as "prod/secret_access_key". A value too long for one entry is
split into chunks: "NAME/FIELD#0" ... "NAME/FIELD#N-1", written first, then "NAME/FIELD#count"
with the value N. A reader that finds a count entry joins the chunks and ignores a plain entry.

Windows Credential Manager stores at most 2,560 bytes per entry (CRED_MAX_CREDENTIAL_BLOB_SIZE).
keyring's Windows backend hands the value to pywin32 as a str, which is written as UTF-16 (the
backend decodes UTF-16 first on read), so one entry fits 1,280 UTF-16 code units. Session
tokens can be several KB, hence the chunks.

Plaintext backends are rejected: the null and fail backends and every keyrings.alt backend
(keyring's README calls them "possibly-insecure"). There is never a fallback to a file.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

from launcher.credentials.errors import (
    KEYRING_HELP,
    SecretStoreDamagedError,
    SecretStoreError,
    SecretStoreLockedError,
    SecretStoreUnavailableError,
)

log = logging.getLogger(__name__)

SERVICE_NAME = "appstream-launcher"
# Below the 2,560-byte Windows limit, with room for backends that add a terminator or framing.
MAX_ENTRY_UTF16_BYTES = 2000
# A count above this is treated as a damaged entry rather than read chunk by chunk.
MAX_CHUNKS = 64
SECRET_ACCESS_KEY = "secret_access_key"
SESSION_TOKEN = "session_token"
SECRET_FIELDS = (SECRET_ACCESS_KEY, SESSION_TOKEN)

T = TypeVar("T")


def plain_username(name: str, field: str) -> str:
    return f"{name}/{field}"


def count_username(name: str, field: str) -> str:
    return f"{name}/{field}#count"


def chunk_username(name: str, field: str, index: int) -> str:
    return f"{name}/{field}#{index}"


def split_value(value: str, max_utf16_bytes: int = MAX_ENTRY_UTF16_BYTES) -> list[str]:
    """Split a value into pieces whose UTF-16 encoding fits `max_utf16_bytes`, never inside a character."""
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for character in value:
        width = len(character.encode("utf-16-le"))
        if size + width > max_utf16_bytes and current:
            chunks.append("".join(current))
            current, size = [], 0
        current.append(character)
        size += width
    chunks.append("".join(current))
    return chunks


def insecure_backend_reason(backend) -> str | None:
    """Return why a keyring backend must not hold secrets, or None when it is acceptable."""
    from keyring.backends import fail, null

    if isinstance(backend, fail.Keyring):
        return "no keyring backend is installed"
    if isinstance(backend, null.Keyring):
        return "the null keyring backend discards every secret"
    if type(backend).__module__.startswith("keyrings.alt"):
        return f"the {_backend_name(backend)} backend of keyrings.alt may store secrets without OS protection"
    return None


def _backend_name(backend) -> str:
    kind = type(backend)
    return f"{kind.__module__}.{kind.__qualname__}"


class _SharedConnection:
    """A D-Bus connection whose close() does nothing, so that keyring's per-call closing() leaves it open."""

    def __init__(self, connection):
        self._connection = connection

    def close(self) -> None:
        pass

    def __getattr__(self, name: str):
        return getattr(self._connection, name)


_connection_reusing_class = None


def _connection_reusing_secret_service_class():
    """Return a subclass of keyring's Secret Service backend whose calls can share one D-Bus connection.

    keyring's backend opens and closes a D-Bus connection for every call. gnome-keyring-daemon
    42.1 (Debian 12) aborts now and then when many short-lived clients connect, logging
    "gkd_secret_service_get_pkcs11_session: assertion 'client' failed" and then
    "invoke_get_property_in_idle_cb: assertion failed", and a restarted daemon starts locked.
    Saving one entry takes dozens of calls, so inside `shared_connection()` they reuse the
    connection of the first call. Items are stored exactly as keyring stores them.
    """
    global _connection_reusing_class
    if _connection_reusing_class is not None:
        return _connection_reusing_class

    from keyring.backend import KeyringBackend
    from keyring.backends import SecretService

    class ConnectionReusingSecretService(SecretService.Keyring):
        def __init__(self) -> None:
            super().__init__()
            self._local = threading.local()

        @contextlib.contextmanager
        def shared_connection(self) -> Iterator[None]:
            if getattr(self._local, "collection", None) is not None:
                yield
                return
            collection = super().get_preferred_collection()
            connection = collection.connection
            collection.connection = _SharedConnection(connection)
            self._local.collection = collection
            try:
                yield
            finally:
                self._local.collection = None
                connection.close()

        def get_preferred_collection(self):
            shared = getattr(self._local, "collection", None)
            return shared if shared is not None else super().get_preferred_collection()

    # keyring registers every backend class for its own backend discovery; this one is only
    # created here, from the backend keyring chose.
    KeyringBackend._classes.discard(ConnectionReusingSecretService)
    _connection_reusing_class = ConnectionReusingSecretService
    return ConnectionReusingSecretService


def _with_connection_reuse(backend):
    """Return keyring's own Secret Service backend as a connection-reusing one; return other backends unchanged."""
    try:
        from keyring.backends import SecretService
    except ImportError:
        return backend
    if type(backend) is not SecretService.Keyring:
        return backend
    reusing = _connection_reusing_secret_service_class()()
    for attribute in ("preferred_collection", "scheme"):
        if attribute in vars(backend):
            setattr(reusing, attribute, getattr(backend, attribute))
    return reusing


def usable_backend(backend):
    """Return the backend that will hold secrets, or raise SecretStoreUnavailableError.

    A chainer backend (keyring's default when several backends are viable) writes to its first
    member, so the first acceptable member is used directly instead: a plaintext member ranked
    higher must never receive a secret.
    """
    from keyring.backends.chainer import ChainerBackend

    if isinstance(backend, ChainerBackend):
        members = list(backend.backends)
        for member in members:
            if insecure_backend_reason(member) is None:
                return member
        reasons = "; ".join(filter(None, (insecure_backend_reason(member) for member in members)))
        raise SecretStoreUnavailableError(
            f"No secure OS keyring is available ({reasons or 'no keyring backend is installed'}). "
            f"Plaintext storage is never used. {KEYRING_HELP}"
        )
    reason = insecure_backend_reason(backend)
    if reason is not None:
        raise SecretStoreUnavailableError(
            f"No secure OS keyring is available ({reason}). Plaintext storage is never used. {KEYRING_HELP}"
        )
    return backend


class SecretStore:
    """Reads and writes the secrets of saved credentials, with keyring errors turned into SecretStoreError.

    With `backend` None, every call uses the backend that `keyring.get_keyring()` returns at
    that moment, so `keyring.set_keyring` takes effect at once.
    """

    def __init__(self, service: str = SERVICE_NAME, backend=None):
        self.service = service
        self._backend = backend
        self._lock = threading.Lock()
        self._adapted: tuple[object, object] | None = None
        self._local = threading.local()

    def backend(self):
        """Return the keyring backend in use, or raise SecretStoreError saying why there is none."""
        import keyring

        active = getattr(self._local, "backend", None)
        if active is not None:
            return active
        chosen = self._backend
        if chosen is None:
            chosen = self._call("open the OS keyring", keyring.get_keyring)
        chosen = usable_backend(chosen)
        with self._lock:
            if self._adapted is None or self._adapted[0] is not chosen:
                self._adapted = (chosen, _with_connection_reuse(chosen))
            return self._adapted[1]

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Run the calls inside on one keyring connection where the backend supports it (the Secret Service).

        Nested batches on the same thread join the outer one. The backend is resolved once,
        at the start of the outermost batch.
        """
        if getattr(self._local, "backend", None) is not None:
            yield
            return
        backend = self.backend()
        opener = getattr(backend, "shared_connection", None)
        if opener is None:
            yield
            return
        shared = opener()
        self._call("open the OS keyring", shared.__enter__)
        self._local.backend = backend
        try:
            yield
        finally:
            self._local.backend = None
            shared.__exit__(None, None, None)

    def check(self) -> str:
        """Raise SecretStoreError unless the keyring can be read; return the backend's name."""
        with self.batch():
            backend = self.backend()
            self._call("read from the OS keyring", lambda: backend.get_password(self.service, "check/availability"))
        with self._lock:
            chosen = self._adapted[0] if self._adapted is not None else backend
        return _backend_name(chosen)

    def get(self, name: str, field: str) -> str | None:
        """Return a stored secret, joining its chunks, or None when it is not stored."""
        with self.batch():
            return self._get_value(self.backend(), name, field)

    def _get_value(self, backend, name: str, field: str) -> str | None:
        count_text = self._get(backend, count_username(name, field))
        if count_text is None:
            return self._get(backend, plain_username(name, field))

        count = self._parse_count(name, field, count_text)
        parts = []
        for index in range(count):
            part = self._get(backend, chunk_username(name, field, index))
            if part is None:
                raise SecretStoreDamagedError(
                    f"The keyring entry {chunk_username(name, field, index)!r} of service {self.service!r} is missing, "
                    f"so the stored {field.replace('_', ' ')} of saved credentials {name!r} is incomplete. "
                    "Save those credentials again."
                )
            parts.append(part)
        return "".join(parts)

    def set(self, name: str, field: str, value: str) -> None:
        """Store a secret, in chunks when it is long, and delete entries left from a previous value."""
        with self.batch():
            self._set_value(self.backend(), name, field, value)

    def _set_value(self, backend, name: str, field: str, value: str) -> None:
        chunks = split_value(value)
        if len(chunks) == 1:
            self._set(backend, plain_username(name, field), value)
            self._delete_chunked(backend, name, field, keep=0)
            return

        for index, chunk in enumerate(chunks):
            self._set(backend, chunk_username(name, field, index), chunk)
        self._set(backend, count_username(name, field), str(len(chunks)))
        self._delete_entry(backend, plain_username(name, field))
        self._delete_chunked(backend, name, field, keep=len(chunks))
        log.debug("Stored %s of %s in %d keyring entries", field, name, len(chunks))

    def delete(self, name: str, field: str) -> bool:
        """Delete every keyring entry of a secret: the plain entry, the count and all chunks.

        Returns whether any entry existed.
        """
        with self.batch():
            backend = self.backend()
            deleted = self._delete_entry(backend, plain_username(name, field))
            return self._delete_chunked(backend, name, field, keep=0) or deleted

    def _parse_count(self, name: str, field: str, text: str) -> int:
        if text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_CHUNKS:
            return int(text)
        raise SecretStoreDamagedError(
            f"The keyring entry {count_username(name, field)!r} of service {self.service!r} does not contain a chunk "
            f"count from 1 to {MAX_CHUNKS}. Remove the saved credentials {name!r} and add them again."
        )

    def _delete_chunked(self, backend, name: str, field: str, *, keep: int) -> bool:
        """Delete the chunks from index `keep` on, and with keep=0 the count entry too; return whether any existed.

        Chunks are written from index 0 without gaps, so the first missing index at or after
        the stored count ends the scan. That also removes chunks a failed write left behind.
        """
        count = 0
        count_text = self._get(backend, count_username(name, field))
        if count_text is not None and count_text.isascii() and count_text.isdigit():
            count = min(int(count_text), MAX_CHUNKS)
        deleted_any = False
        if keep == 0:
            deleted_any = self._delete_entry(backend, count_username(name, field))
        index = keep
        while index < MAX_CHUNKS:
            deleted = self._delete_entry(backend, chunk_username(name, field, index))
            deleted_any = deleted_any or deleted
            if not deleted and index >= count:
                break
            index += 1
        return deleted_any

    def _get(self, backend, username: str) -> str | None:
        return self._call("read from the OS keyring", lambda: backend.get_password(self.service, username))

    def _set(self, backend, username: str, value: str) -> None:
        self._call("write to the OS keyring", lambda: backend.set_password(self.service, username, value))

    def _delete_entry(self, backend, username: str) -> bool:
        """Delete one entry; return False when there was none."""
        from keyring.errors import PasswordDeleteError

        try:
            self._call("delete from the OS keyring", lambda: backend.delete_password(self.service, username), reraise=(PasswordDeleteError,))
        except PasswordDeleteError:
            return False
        return True

    def _call(self, action: str, function: Callable[[], T], reraise: tuple[type[BaseException], ...] = ()) -> T:
        """Run one keyring call and turn its failure into SecretStoreError with a message that names the fix."""
        from keyring import errors

        try:
            return function()
        except reraise:
            raise
        except errors.KeyringLocked as error:
            log.info("Cannot %s: the keyring is locked (%s)", action, error)
            raise SecretStoreLockedError(
                f"Cannot {action}: the keyring is locked and was not unlocked. {KEYRING_HELP}"
            ) from error
        except errors.NoKeyringError as error:
            log.info("Cannot %s: no keyring backend (%s)", action, error)
            raise SecretStoreUnavailableError(
                f"Cannot {action}: no keyring backend is available. {KEYRING_HELP}"
            ) from error
        except errors.InitError as error:
            log.info("Cannot %s: the keyring could not be opened (%s)", action, error)
            raise SecretStoreUnavailableError(f"Cannot {action}: the keyring could not be opened ({error}). {KEYRING_HELP}") from error
        except SecretStoreError:
            raise
        except Exception as error:  # noqa: BLE001 - backends raise D-Bus, OS and their own error types
            log.info("Cannot %s: %s: %s", action, type(error).__name__, error)
            raise SecretStoreError(f"Cannot {action}: {type(error).__name__}: {error}. {KEYRING_HELP}") from error
