"""Named saved credentials: non-secret fields in the settings file, secrets in the OS keyring.

A change writes the keyring first and the settings file last. When any step fails, the steps
already done are undone, so no name is left without its secret and no secret without its name.
A process killed in the middle of a save can still leave keyring entries behind, and `remove`
deletes those even for a name the settings file does not list.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from launcher.appstream.errors import ErrorKind
from launcher.credentials import validation
from launcher.credentials.errors import (
    InvalidCredentialsInput,
    SavedCredentialsError,
    SecretStoreDamagedError,
    SecretStoreError,
)
from launcher.credentials.secret_store import SECRET_ACCESS_KEY, SECRET_FIELDS, SESSION_TOKEN, SecretStore
from launcher.credentials.sources import KIND_SAVED, CredentialSource
from launcher.settings import Settings, SettingsStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SavedCredentials:
    """The non-secret fields of one saved credentials entry, as the settings file stores them."""

    name: str
    access_key_id: str
    region: str = ""
    mfa_serial: str = ""
    role_arn: str = ""
    external_id: str = ""
    role_session_name: str = ""
    # Whether the keyring stores a session token. The token itself is never in the settings.
    has_session_token: bool = False

    @property
    def source(self) -> CredentialSource:
        return CredentialSource(KIND_SAVED, self.name)

    def to_settings(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        del data["name"]
        return data

    @classmethod
    def from_settings(cls, name: str, data: dict[str, Any]) -> SavedCredentials:
        """Build an entry from its settings dict, ignoring unknown keys and values of the wrong type."""
        values: dict[str, Any] = {}
        for item in dataclasses.fields(cls):
            if item.name == "name" or item.name not in data:
                continue
            value = data[item.name]
            expected = bool if item.name == "has_session_token" else str
            if isinstance(value, expected):
                values[item.name] = value
            else:
                log.warning("Ignoring field %s of saved credentials %s: expected %s", item.name, name, expected.__name__)
        values.setdefault("access_key_id", "")
        return cls(name=name, **values)


@dataclass(frozen=True)
class SavedSecrets:
    """The secrets of one entry, in memory only; repr hides them."""

    secret_access_key: str = field(repr=False)
    session_token: str | None = field(default=None, repr=False)


def validate_entry(entry: SavedCredentials) -> SavedCredentials:
    """Return the entry with surrounding spaces removed, or raise InvalidCredentialsInput naming the field."""
    entry = dataclasses.replace(
        entry,
        name=entry.name.strip(),
        access_key_id=entry.access_key_id.strip(),
        region=entry.region.strip(),
        mfa_serial=entry.mfa_serial.strip(),
        role_arn=entry.role_arn.strip(),
        external_id=entry.external_id.strip(),
        role_session_name=entry.role_session_name.strip(),
    )
    validation.validate_name(entry.name)
    validation.validate_access_key_id(entry.access_key_id)
    validation.validate_region(entry.region)
    validation.validate_mfa_serial(entry.mfa_serial)
    validation.validate_role_arn(entry.role_arn)
    validation.validate_external_id(entry.external_id)
    validation.validate_role_session_name(entry.role_session_name)
    if not entry.role_arn:
        if entry.external_id:
            raise InvalidCredentialsInput("external_id", "An external ID is only used with a role ARN. Enter the role ARN or clear the external ID.")
        if entry.role_session_name:
            raise InvalidCredentialsInput(
                "role_session_name", "A role session name is only used with a role ARN. Enter the role ARN or clear the session name."
            )
    return entry


def _check_combination(entry: SavedCredentials, session_token: str | None) -> None:
    if session_token and entry.mfa_serial and not entry.role_arn:
        raise InvalidCredentialsInput(
            "mfa_serial",
            "STS GetSessionToken rejects temporary credentials, so an MFA device needs long-term keys without a "
            "session token. Clear the session token, or add a role ARN to assume with MFA.",
        )


class CredentialsRepository:
    """Lists, saves, renames and removes saved credentials. Safe to call from several threads.

    Without `settings`, each call loads the settings file afresh and changes only
    `saved_credentials`. With `settings`, calls read and change that object and save it whole,
    for a caller that owns the only copy of the settings.
    """

    def __init__(
        self,
        settings_store: SettingsStore | None = None,
        secret_store: SecretStore | None = None,
        settings: Settings | None = None,
    ):
        self.settings_store = settings_store or SettingsStore()
        self.secret_store = secret_store or SecretStore()
        self._settings = settings
        self._lock = threading.RLock()

    def _load_settings(self) -> Settings:
        return self._settings if self._settings is not None else self.settings_store.load()

    def _entries(self) -> dict[str, dict[str, Any]]:
        entries = self._load_settings().saved_credentials
        return {name: data for name, data in entries.items() if isinstance(data, dict)}

    def names(self) -> list[str]:
        return sorted(self._entries(), key=str.lower)

    def list(self) -> list[SavedCredentials]:
        entries = self._entries()
        return [SavedCredentials.from_settings(name, entries[name]) for name in sorted(entries, key=str.lower)]

    def find(self, name: str) -> SavedCredentials | None:
        data = self._entries().get(name)
        return None if data is None else SavedCredentials.from_settings(name, data)

    def get(self, name: str) -> SavedCredentials:
        entry = self.find(name)
        if entry is None:
            raise self._not_found(name)
        return entry

    def sources(self) -> list[CredentialSource]:
        return [CredentialSource(KIND_SAVED, name) for name in self.names()]

    def load_secrets(self, name: str) -> SavedSecrets:
        """Read the secrets of an entry from the keyring; raise if the keyring or the secret is missing."""
        with self.secret_store.batch():
            secret_access_key = self.secret_store.get(name, SECRET_ACCESS_KEY)
            session_token = self.secret_store.get(name, SESSION_TOKEN) if secret_access_key else None
        if not secret_access_key:
            raise SavedCredentialsError(
                f"The secret access key of saved credentials {name!r} is not in the keyring. "
                "Edit the entry and enter the secret access key again.",
                ErrorKind.CREDENTIALS_MISSING,
            )
        return SavedSecrets(secret_access_key, session_token or None)

    def save(
        self,
        entry: SavedCredentials,
        *,
        secret_access_key: str | None = None,
        session_token: str | None = None,
        clear_session_token: bool = False,
        original_name: str | None = None,
        replace: bool = False,
    ) -> SavedCredentials:
        """Add an entry, or update the entry `original_name` (renaming it when the name differs).

        A secret given as None or empty keeps the stored one, and `clear_session_token` deletes
        the stored session token. A new entry needs the secret access key. `replace` lets a new
        entry overwrite an existing one of the same name.
        """
        entry = validate_entry(entry)
        if secret_access_key is not None and secret_access_key != "":
            validation.validate_secret_access_key(secret_access_key)
        else:
            secret_access_key = None
        if session_token:
            validation.validate_session_token(session_token)
        else:
            session_token = None

        with self._lock, self.secret_store.batch():
            entries = self._entries()
            if original_name is not None and original_name not in entries:
                raise self._not_found(original_name)
            renaming = original_name is not None and original_name != entry.name
            if (original_name is None or renaming) and entry.name in entries and not replace:
                raise SavedCredentialsError(
                    f"Saved credentials named {entry.name!r} already exist. Choose another name, or remove them first.",
                    ErrorKind.INVALID_INPUT,
                )
            # Names that differ only in case are easy to mix up, and Windows Credential Manager may
            # treat them as one target name (not verified on Windows), so they are rejected.
            same_but_case = [
                name for name in entries if name.lower() == entry.name.lower() and name not in (entry.name, original_name)
            ]
            if same_but_case:
                raise SavedCredentialsError(
                    f"Saved credentials named {same_but_case[0]!r} already exist, and names must differ in more than "
                    f"letter case. Choose another name than {entry.name!r}.",
                    ErrorKind.INVALID_INPUT,
                )
            if original_name is None and entry.name in entries and secret_access_key is None:
                original_name = entry.name

            old_secrets = self._old_secrets(original_name, secret_access_key, session_token, clear_session_token)
            final_secret = secret_access_key or (old_secrets.secret_access_key if old_secrets else None)
            if not final_secret:
                raise InvalidCredentialsInput("secret_access_key", "The secret access key is missing. Enter it to save new credentials.")
            if clear_session_token:
                final_token = None
            else:
                final_token = session_token or (old_secrets.session_token if old_secrets else None)
            _check_combination(entry, final_token)
            entry = dataclasses.replace(entry, has_session_token=final_token is not None)

            secrets = {SECRET_ACCESS_KEY: final_secret, SESSION_TOKEN: final_token}
            self._commit(entry, secrets, removed_name=original_name if renaming else None)

        self._forget_sessions(entry.name, original_name)
        log.info("Saved credentials %s (access key ID %s)", entry.name, entry.access_key_id)
        return entry

    def rename(self, old_name: str, new_name: str) -> SavedCredentials:
        """Rename an entry, moving all its keyring entries."""
        entry = self.get(old_name)
        return self.save(dataclasses.replace(entry, name=new_name), original_name=old_name)

    def remove(self, name: str) -> None:
        """Delete the entry and every keyring entry of its name, including chunks a failed write left.

        A name the settings file does not list is still cleaned from the keyring. It is an
        error only when nothing at all was stored under it. On failure, the deleted secrets
        are written back and the settings file is unchanged.
        """
        with self._lock, self.secret_store.batch():
            entries = self._entries()
            if name not in entries:
                # Only orphaned keyring entries can exist, and there is nothing to restore.
                deleted = [self.secret_store.delete(name, item) for item in SECRET_FIELDS]
                if not any(deleted):
                    raise self._not_found(name)
                log.info("Removed keyring entries of %s, which the settings file did not list", name)
                return
            stored = {item: self._stored_value(name, item) for item in SECRET_FIELDS}
            undo: list[tuple[str, str, str | None]] = []
            try:
                for item in SECRET_FIELDS:
                    undo.append((name, item, stored[item]))
                    self.secret_store.delete(name, item)
                self._save_settings(removed=name)
            except BaseException as error:
                self._undo(undo, error)
                raise
        self._forget_sessions(name)
        log.info("Removed saved credentials %s", name)

    def _old_secrets(
        self, original_name: str | None, secret_access_key: str | None, session_token: str | None, clear_session_token: bool
    ) -> SavedSecrets | None:
        """Return the stored secrets that the save keeps, or None when it replaces them all."""
        if original_name is None:
            return None
        keeps_secret = secret_access_key is None
        keeps_token = session_token is None and not clear_session_token
        if not keeps_secret and not keeps_token:
            return None
        secret = self.secret_store.get(original_name, SECRET_ACCESS_KEY)
        token = self.secret_store.get(original_name, SESSION_TOKEN) if keeps_token else None
        if keeps_secret and not secret:
            raise SavedCredentialsError(
                f"The secret access key of saved credentials {original_name!r} is not in the keyring, so it cannot be kept. "
                "Enter the secret access key again.",
                ErrorKind.CREDENTIALS_MISSING,
            )
        return SavedSecrets(secret or "", token)

    def _commit(self, entry: SavedCredentials, secrets: dict[str, str | None], removed_name: str | None) -> None:
        """Write the secrets, delete those of a renamed entry, then save the settings; undo all on failure."""
        name = entry.name
        undo: list[tuple[str, str, str | None]] = []
        try:
            for item, value in secrets.items():
                undo.append((name, item, self._stored_value(name, item)))
                if value is None:
                    self.secret_store.delete(name, item)
                else:
                    self.secret_store.set(name, item, value)
            if removed_name is not None:
                for item in SECRET_FIELDS:
                    undo.append((removed_name, item, self._stored_value(removed_name, item)))
                    self.secret_store.delete(removed_name, item)
            self._save_settings(put=(name, entry.to_settings()), removed=removed_name)
        except BaseException as error:
            self._undo(undo, error)
            raise

    def _stored_value(self, name: str, item: str) -> str | None:
        """Return a stored secret for undoing a change; a damaged one counts as absent, since the change replaces it."""
        try:
            return self.secret_store.get(name, item)
        except SecretStoreDamagedError as error:
            log.warning("Treating a damaged keyring secret as absent: %s", error.message)
            return None

    def _undo(self, undo: list[tuple[str, str, str | None]], error: BaseException) -> None:
        failures = []
        for name, item, previous in reversed(undo):
            try:
                if previous is None:
                    self.secret_store.delete(name, item)
                else:
                    self.secret_store.set(name, item, previous)
            except SecretStoreError as undo_error:
                failures.append(f"{name}/{item}: {undo_error.message}")
        if failures:
            log.error("Changing saved credentials failed (%s), and undoing the keyring changes failed too: %s", error, "; ".join(failures))
        else:
            log.warning("Changing saved credentials failed, and the keyring changes were undone: %s", error)

    def _save_settings(self, *, put: tuple[str, dict[str, Any]] | None = None, removed: str | None = None) -> None:
        """Remove the entry `removed` and store `put` (name, fields) in the settings file.

        The change is applied to the entries stored at that moment, under the settings file's
        lock, so entries that another process saved meanwhile are kept.
        """

        def change(settings: Settings) -> None:
            entries = dict(settings.saved_credentials)
            if removed is not None:
                entries.pop(removed, None)
            if put is not None:
                entries[put[0]] = put[1]
            # A new dict rather than a changed one, so a reader on another thread reads the old
            # entries or the new ones.
            settings.saved_credentials = entries

        settings = self._settings
        previous = settings.saved_credentials if settings is not None else None
        try:
            if settings is None:
                self.settings_store.update(change)
            else:
                change(settings)
                self.settings_store.save(settings)
        except OSError as error:
            if settings is not None:
                settings.saved_credentials = previous
            raise SavedCredentialsError(
                f"Cannot write the settings file {self.settings_store.path}: {error}. Check the folder's permissions and free space.",
                ErrorKind.CONFIGURATION,
            ) from error
        except BaseException:
            if settings is not None:
                settings.saved_credentials = previous
            raise

    def _forget_sessions(self, *names: str | None) -> None:
        """Drop cached clients and temporary credentials of the changed entries."""
        from launcher.appstream.clients import shared_clients
        from launcher.credentials.sessions import forget_temporary_credentials

        for name in filter(None, names):
            shared_clients.forget(CredentialSource(KIND_SAVED, name).key)
            forget_temporary_credentials(name)

    def _not_found(self, name: str) -> SavedCredentialsError:
        known = ", ".join(self.names()) or "none"
        return SavedCredentialsError(
            f"No saved credentials are named {name!r}. Saved credentials: {known}.", ErrorKind.INVALID_INPUT
        )


_active_repository: CredentialsRepository | None = None


def set_active_repository(repository: CredentialsRepository | None) -> CredentialsRepository | None:
    """Make `repository` the one sessions and the window use (None: the default); return the previous one."""
    global _active_repository
    previous, _active_repository = _active_repository, repository
    return previous


def active_repository() -> CredentialsRepository | None:
    return _active_repository
