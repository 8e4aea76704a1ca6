"""botocore sessions for saved credentials, and MFA prompts for AWS profiles that assume a role.

Saved credentials without MFA or a role give a session with the stored keys. With an MFA device
and no role, the session uses temporary credentials from STS GetSessionToken. With a role ARN,
it uses STS AssumeRole, passing the MFA code when a device is set. The temporary credentials
are kept in memory only and shared by every session of the same entry and endpoint. They are
fetched again once they are within `REFRESH_MARGIN_SECONDS` of expiry, which requests a new
MFA code.

STS requests go to the target's endpoint URL when it has one (the emulator, --endpoint-url),
else to the regional STS endpoint of the target's region.
"""

from __future__ import annotations

import datetime
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from botocore.credentials import Credentials, ReadOnlyCredentials

from launcher.appstream.errors import translate_error
from launcher.credentials.mfa import MfaCodeRequest, request_code
from launcher.credentials.sources import DEFAULT_SOURCE, KIND_DEFAULT, KIND_PROFILE, default_region, profile_settings

if TYPE_CHECKING:
    from launcher.appstream.clients import Target
    from launcher.credentials.repository import CredentialsRepository, SavedCredentials, SavedSecrets

log = logging.getLogger(__name__)

# Temporary credentials are replaced this long before they expire, so a request signed with
# them never reaches AWS after expiry.
REFRESH_MARGIN_SECONDS = 300
DEFAULT_ROLE_SESSION_NAME = "appstream-launcher"
# Used for STS when neither the target, the entry nor the environment names a region.
FALLBACK_REGION = "us-east-1"


def _utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


class TemporaryCredentials(Credentials):
    """Credentials from an STS call, fetched on first use and again shortly before they expire.

    botocore signs every request with `get_frozen_credentials()`. The fetch runs under a lock,
    so threads that sign at the same time wait for one fetch and one MFA prompt.
    """

    def __init__(
        self,
        fetch: Callable[[], tuple[ReadOnlyCredentials, datetime.datetime]],
        *,
        method: str,
        clock: Callable[[], datetime.datetime] = _utc_now,
        margin_seconds: int = REFRESH_MARGIN_SECONDS,
    ):
        # Credentials.__init__ is not called: it would assign the key attributes, which are
        # read-only properties here.
        self.method = method
        self._fetch = fetch
        self._clock = clock
        self._margin = datetime.timedelta(seconds=margin_seconds)
        self._lock = threading.Lock()
        self._frozen: ReadOnlyCredentials | None = None
        self._expiry: datetime.datetime | None = None

    def __repr__(self) -> str:
        return f"TemporaryCredentials(method={self.method!r}, expiry={self._expiry})"

    @property
    def expiry(self) -> datetime.datetime | None:
        return self._expiry

    def needs_fetch(self) -> bool:
        return self._frozen is None or self._expiry is None or self._clock() >= self._expiry - self._margin

    def get_frozen_credentials(self) -> ReadOnlyCredentials:
        with self._lock:
            if self.needs_fetch():
                frozen, expiry = self._fetch()
                if expiry.tzinfo is None:
                    expiry = expiry.replace(tzinfo=datetime.timezone.utc)
                self._frozen, self._expiry = frozen, expiry
                log.debug("Fetched temporary credentials (%s), valid until %s", self.method, expiry.isoformat())
            return self._frozen  # type: ignore[return-value]

    def forget(self) -> None:
        """Drop the credentials, so the next request fetches new ones."""
        with self._lock:
            self._frozen = None
            self._expiry = None

    @property
    def access_key(self) -> str:  # type: ignore[override]
        return self.get_frozen_credentials().access_key

    @property
    def secret_key(self) -> str:  # type: ignore[override]
        return self.get_frozen_credentials().secret_key

    @property
    def token(self) -> str | None:  # type: ignore[override]
        return self.get_frozen_credentials().token

    @property
    def account_id(self) -> str | None:  # type: ignore[override]
        # Only read for endpoints that route by account; it must not trigger an MFA prompt.
        return self._frozen.account_id if self._frozen is not None else None


class TemporaryCredentialCache:
    """The TemporaryCredentials of every saved entry, keyed by the entry's fields and the STS endpoint.

    Keys include every non-secret field, so an entry changed by another process gets new
    credentials. Changes of the secrets are not part of the key, so `forget` handles those.
    """

    def __init__(self, clock: Callable[[], datetime.datetime] = _utc_now):
        self.clock = clock
        self._lock = threading.Lock()
        self._items: dict[tuple[Any, str | None], TemporaryCredentials] = {}

    def get_or_create(self, entry: SavedCredentials, endpoint_url: str | None, fetch) -> TemporaryCredentials:
        key = (entry, endpoint_url)
        with self._lock:
            credentials = self._items.get(key)
            if credentials is None:
                credentials = TemporaryCredentials(
                    fetch, method=f"appstream-launcher-saved-{entry.name}", clock=lambda: self.clock()
                )
                self._items[key] = credentials
            return credentials

    def forget(self, name: str | None = None) -> None:
        with self._lock:
            for key in [key for key in self._items if name is None or key[0].name == name]:
                self._items.pop(key).forget()


temporary_credentials = TemporaryCredentialCache()


def forget_temporary_credentials(name: str | None = None) -> None:
    """Drop the temporary credentials of one saved entry, or of all."""
    temporary_credentials.forget(name)


def set_saved_credentials_repository(repository: CredentialsRepository | None) -> CredentialsRepository | None:
    """Make `session_for_saved` read entries from `repository` (None: the default settings file and keyring service).

    Demo mode uses this to keep its saved credentials apart from the real ones. Returns the
    previous repository.
    """
    from launcher.credentials.repository import set_active_repository

    return set_active_repository(repository)


def _saved_label(name: str) -> str:
    return f"saved credentials '{name}'"


def session_for_saved(name: str, target: Target | None = None, *, repository: CredentialsRepository | None = None):
    """Return a botocore Session for the saved credentials `name`.

    Raises AppStreamError subclasses: SavedCredentialsError when the entry or its secret is
    missing, SecretStoreError when the keyring fails. STS errors and MFA prompts happen later,
    on the first request signed with the session.
    """
    from launcher.appstream.clients import session_with_keys
    from launcher.credentials.repository import CredentialsRepository, active_repository

    repository = repository or active_repository() or CredentialsRepository()
    entry = repository.get(name)
    secrets = repository.load_secrets(name)
    region = (target.region if target is not None else None) or entry.region or default_region() or FALLBACK_REGION
    endpoint_url = target.endpoint_url if target is not None else None

    base = session_with_keys(entry.access_key_id, secrets.secret_access_key, secrets.session_token, region)
    if not entry.mfa_serial and not entry.role_arn:
        return base

    credentials = temporary_credentials.get_or_create(
        entry, endpoint_url, lambda: _fetch_temporary(base, entry, region, endpoint_url)
    )
    return _session_with_credentials(credentials, region)


def sts_client(session, region: str, endpoint_url: str | None):
    """Return an STS client of `session`: at `endpoint_url` when set, else at the regional endpoint of `region`."""
    from launcher.appstream.clients import client_config

    return session.create_client("sts", region_name=region, endpoint_url=endpoint_url, config=client_config())


def _fetch_temporary(base, entry: SavedCredentials, region: str, endpoint_url: str | None):
    """Call GetSessionToken or AssumeRole with the stored keys; ask for the MFA code first when needed."""
    params: dict[str, str] = {}
    if entry.mfa_serial:
        code = request_code(MfaCodeRequest(_saved_label(entry.name), entry.mfa_serial))
        params.update(SerialNumber=entry.mfa_serial, TokenCode=code)

    operation = "AssumeRole" if entry.role_arn else "GetSessionToken"
    sts = sts_client(base, region, endpoint_url)
    try:
        if entry.role_arn:
            params.update(RoleArn=entry.role_arn, RoleSessionName=entry.role_session_name or DEFAULT_ROLE_SESSION_NAME)
            if entry.external_id:
                params["ExternalId"] = entry.external_id
            response = sts.assume_role(**params)
        else:
            response = sts.get_session_token(**params)
    except Exception as error:
        translated = translate_error(
            error,
            operation=operation,
            region=region,
            endpoint=endpoint_url or sts.meta.endpoint_url,
            source_label=_saved_label(entry.name),
        )
        log.info("%s failed for saved credentials %s: %s", operation, entry.name, translated.message)
        raise translated from error

    issued = response["Credentials"]
    log.info(
        "%s returned temporary credentials for saved credentials %s, valid until %s",
        operation,
        entry.name,
        issued["Expiration"].isoformat(),
    )
    frozen = ReadOnlyCredentials(issued["AccessKeyId"], issued["SecretAccessKey"], issued["SessionToken"])
    return frozen, issued["Expiration"]


def _session_with_credentials(credentials: Credentials, region: str):
    """Return a botocore Session that signs with `credentials` and ignores every other credential source."""
    from botocore.credentials import CredentialProvider, CredentialResolver

    from launcher.appstream.clients import new_session

    class _Provider(CredentialProvider):
        METHOD = credentials.method

        def load(self):
            return credentials

    session = new_session()
    session.register_component("credential_provider", CredentialResolver(providers=[_Provider()]))
    session.set_config_variable("region", region)
    return session


def prepare_profile_session(session, profile_name: str | None, target: Target | None = None):
    """Send the MFA prompts of an assume-role profile to the code provider, and its STS calls to the target's endpoint.

    botocore's assume-role provider otherwise prompts with getpass on the terminal, which the
    window has not got. Its `_prompter` attribute is private, so a botocore without it leaves
    the session unchanged, with a debug log line. Returns the session.
    """
    from botocore.exceptions import UnknownCredentialError

    name = profile_name or "default"
    try:
        provider = session.get_component("credential_provider").get_provider("assume-role")
    except UnknownCredentialError as error:
        log.debug("No assume-role provider to hook for profile %s: %s", name, error)
        return session
    if not hasattr(provider, "_prompter"):
        log.debug("botocore's assume-role provider has no _prompter; MFA prompts of profile %s stay on the terminal", name)
        return session

    def prompt(text: str) -> str:
        # botocore's prompt is "Enter MFA code for SERIAL: ".
        serial = profile_settings(name).get("mfa_serial") or text.removeprefix("Enter MFA code for ").rstrip(": ")
        return request_code(MfaCodeRequest(f"profile '{name}'", serial))

    provider._prompter = prompt

    endpoint_url = target.endpoint_url if target is not None else None
    creator = getattr(provider, "_client_creator", None)
    if endpoint_url and creator is not None:
        region = target.region

        def create_client(service_name, **kwargs):
            kwargs.setdefault("endpoint_url", endpoint_url)
            kwargs.setdefault("region_name", region)
            return creator(service_name, **kwargs)

        provider._client_creator = create_client
    return session


def profile_for_source(source) -> str | None:
    """Return the profile name botocore uses for a default or profile source, else None."""
    import os

    if source.kind == KIND_PROFILE:
        return source.name
    if source.kind == KIND_DEFAULT or source == DEFAULT_SOURCE:
        return os.environ.get("AWS_PROFILE") or os.environ.get("AWS_DEFAULT_PROFILE") or "default"
    return None
