"""botocore clients, created once per (credential source, region, endpoint, service) and shared.

botocore is imported inside the functions here, never at module level, so that the window can
show before botocore and its models have loaded. The app uses botocore sessions directly, not
boto3, because importing boto3 also imports s3transfer, which no request here needs.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from typing import Any

from launcher import __version__
from launcher.heap import freeze_long_lived
from launcher.credentials.sources import KIND_DEFAULT, KIND_PROFILE, KIND_SAVED, KIND_STATIC, CredentialSource

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_SECONDS = 5
READ_TIMEOUT_SECONDS = 15
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class Target:
    """The destination of requests: a credential source, a region and an optional endpoint URL.

    With `endpoint_url` None, botocore resolves the endpoint itself, honouring
    AWS_ENDPOINT_URL_APPSTREAM and AWS_ENDPOINT_URL. `use_fips` makes AppStream clients resolve
    the FIPS endpoint of the region; botocore ignores it when an endpoint URL is set.
    """

    source: CredentialSource
    region: str
    endpoint_url: str | None = None
    use_fips: bool = False

    @property
    def cache_key(self) -> tuple[str, str, str | None, bool]:
        return (self.source.key, self.region, self.endpoint_url, self.use_fips)


def client_config(use_fips: bool = False):
    """Return the botocore Config every client uses: standard retries and explicit timeouts.

    `use_fips` sets botocore's use_fips_endpoint. False leaves botocore's default, which follows
    AWS_USE_FIPS_ENDPOINT and the profile's use_fips_endpoint.
    """
    from botocore.config import Config

    fips_options = {"use_fips_endpoint": True} if use_fips else {}
    return Config(
        # total_max_attempts counts the first try; botocore's max_attempts would count retries only.
        retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
        user_agent_extra=f"appstream-launcher/{__version__}",
        **fips_options,
    )


_loader = None
_loader_lock = threading.Lock()


def shared_loader():
    """Return the one botocore data Loader of the process.

    A Loader keeps every JSON file it parsed (endpoints.json, service models), so sessions that
    share it parse each file once instead of once per session, which also shortens the time a
    worker holds the GIL while the window starts.
    """
    global _loader
    with _loader_lock:
        if _loader is None:
            _loader = _serialized_loader(os.environ.get("AWS_DATA_PATH"))
        return _loader


def _serialized_loader(search_path: str | None):
    """Return a botocore Loader whose loads run one at a time.

    Two workers that need the same file at once (the region list and the first client, at start)
    would otherwise both parse it, each holding the GIL for the whole `json.loads`. With the
    lock, the second one waits without the GIL and then reads the cached result.
    """
    from botocore.loaders import Loader, create_loader

    class SerializedLoader(Loader):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self._load_lock = threading.RLock()

        def load_service_model(self, *args, **kwargs):
            with self._load_lock:
                return super().load_service_model(*args, **kwargs)

        def load_data_with_path(self, *args, **kwargs):
            with self._load_lock:
                return super().load_data_with_path(*args, **kwargs)

    template = create_loader(search_path)
    # create_loader adds AWS_DATA_PATH folders (as botocore's own sessions do) to the default paths.
    return SerializedLoader(extra_search_paths=template.search_paths, include_default_search_paths=False)


def new_session(profile: str | None = None):
    """Create a botocore Session for `profile`, or for AWS_PROFILE and the default chain when it is None.

    The shared config files are read here, so a missing profile (named here or by AWS_PROFILE)
    raises botocore's ProfileNotFound from this call rather than from the first client.
    """
    import botocore.session

    session = botocore.session.Session(profile=profile)
    session.register_component("data_loader", shared_loader())
    session.get_scoped_config()
    return session


def session_with_keys(
    access_key_id: str, secret_access_key: str, session_token: str | None = None, region: str | None = None
):
    """Create a botocore Session that signs with the given keys and ignores every other credential source."""
    session = new_session()
    session.set_credentials(access_key_id, secret_access_key, session_token)
    if region is not None:
        session.set_config_variable("region", region)
    return session


def make_session(source: CredentialSource, target: Target | None = None):
    """Return a botocore Session for the credential source.

    With a target, STS calls that the session makes itself (saved credentials with MFA or a
    role, assume-role profiles) go to the target's endpoint URL when it has one.
    """
    if source.kind == KIND_DEFAULT:
        from launcher.credentials.sessions import prepare_profile_session, profile_for_source

        return prepare_profile_session(new_session(), profile_for_source(source), target)
    if source.kind == KIND_PROFILE:
        from launcher.credentials.sessions import prepare_profile_session

        return prepare_profile_session(new_session(source.name), source.name, target)
    if source.kind == KIND_STATIC and source.credentials is not None:
        keys = source.credentials
        return session_with_keys(keys.access_key_id, keys.secret_access_key, keys.session_token)
    if source.kind == KIND_SAVED:
        from launcher.credentials.sessions import session_for_saved

        return session_for_saved(source.name, target)
    raise ValueError(f"Unknown credential source {source.key!r}")


class ClientCache:
    """Thread-safe cache of botocore clients. Clients are safe to share between threads once made."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sessions: dict[tuple[str, str | None], Any] = {}
        self._clients: dict[tuple, Any] = {}

    def client(self, target: Target, service: str = "appstream"):
        key = (*target.cache_key, service)
        with self._lock:
            client = self._clients.get(key)
            if client is not None:
                return client
            # Sessions depend on the endpoint too, because saved credentials send STS calls there.
            session_key = (target.source.key, target.endpoint_url)
            session = self._sessions.get(session_key)
            if session is None:
                session = make_session(target.source, target)
                self._sessions[session_key] = session
            # The FIPS option covers AppStream requests only; STS clients keep botocore's default endpoint.
            use_fips = target.use_fips and service == "appstream"
            client = session.create_client(
                service, region_name=target.region, endpoint_url=target.endpoint_url, config=client_config(use_fips)
            )
            self._clients[key] = client
            log.debug("Created %s client for %s in %s", service, target.source.key, target.region)
        # botocore's modules and the service model now loaded stay for the life of the process.
        freeze_long_lived("first client")
        return client

    def forget(self, source_key: str | None = None) -> None:
        """Drop cached sessions and clients, for one source or all (after credentials change)."""
        with self._lock:
            if source_key is None:
                self._sessions.clear()
                self._clients.clear()
                return
            for key in [key for key in self._sessions if key[0] == source_key]:
                del self._sessions[key]
            for key in [key for key in self._clients if key[0] == source_key]:
                del self._clients[key]


shared_clients = ClientCache()
