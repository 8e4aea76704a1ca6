"""A real, unlocked gnome-keyring Secret Service for the credential tests (a pytest plugin).

Test modules load it with `pytest_plugins = ["keyring_service"]`, so the session-scoped fixture
exists once however many modules use it.

When scripts/test runs pytest inside `dbus-run-session` and `scripts/with-keyring`, the test
process already has a private bus with an unlocked login keyring, and that one is used. It is
recognised by XDG_DATA_HOME lying in the temporary folder, where scripts/with-keyring creates
it, so a desktop session's real keyring is never used. Otherwise the fixture starts its own
dbus-daemon and gnome-keyring-daemon in a temporary folder, points the environment at them,
and stops them at the end. That bus starts no services on demand, so gnome-keyring's unlock prompt
(gcr-prompter) cannot start and the unlock fails at once, which is how a dismissed prompt looks.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SERVICE_NAME = "appstream-launcher"
# scripts/with-keyring unlocks its throw-away login keyring with this password.
WITH_KEYRING_PASSWORD = "test-keyring-password"
PRIVATE_KEYRING_PASSWORD = "private-test-keyring"
LOGIN_COLLECTION_PATH = "/org/freedesktop/secrets/collection/login"
START_TIMEOUT_SECONDS = 20
# Variables that would let gcr-prompter show a real unlock window and block a test.
_DISPLAY_VARIABLES = ("DISPLAY", "WAYLAND_DISPLAY")


# A session bus without service activation. The standard session configuration would start a
# second gnome-keyring-daemon, with a locked keyring, for any call made before ours owns its
# name, and would start gcr-prompter for an unlock prompt. Without activation the prompt fails
# at once, as a dismissed prompt does.
_BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


@dataclass
class SecretService:
    """A running Secret Service: its bus address, the login keyring's password, and helpers."""

    bus_address: str
    password: str
    environment: dict[str, str]
    # Starts gnome-keyring-daemon again on the same bus and data; None for a service this module did not start.
    restart: Callable[[], None] | None = None
    _connection_cache: object = None

    @contextlib.contextmanager
    def _connection(self):
        """Yield one long-lived connection and the default collection.

        Reusing the connection matters: gnome-keyring-daemon 42.1 aborts now and then when many
        short-lived clients connect (see launcher.credentials.secret_store).
        """
        import secretstorage
        from jeepney.io.blocking import open_dbus_connection

        if self._connection_cache is None:
            self._connection_cache = open_dbus_connection(self.bus_address)
        try:
            yield self._connection_cache, secretstorage.get_default_collection(self._connection_cache)
        except (OSError, secretstorage.exceptions.SecretServiceNotAvailableException):
            self.close()
            raise

    def close(self) -> None:
        if self._connection_cache is not None:
            self._connection_cache.close()
            self._connection_cache = None

    def is_running(self) -> bool:
        return _name_has_owner(self.bus_address)

    def usernames(self, service: str = SERVICE_NAME) -> list[str]:
        """Return the usernames of every item of `service`, read through secretstorage directly."""
        with self._connection() as (_, collection):
            return sorted(item.get_attributes().get("username", "") for item in collection.search_items({"service": service}))

    def secret(self, username: str, service: str = SERVICE_NAME) -> str | None:
        with self._connection() as (_, collection):
            for item in collection.search_items({"service": service, "username": username}):
                return item.get_secret().decode("utf-8")
        return None

    def clear(self, service: str = SERVICE_NAME) -> None:
        with self._connection() as (_, collection):
            for item in list(collection.search_items({"service": service})):
                item.delete()

    def is_locked(self) -> bool:
        with self._connection() as (_, collection):
            return collection.is_locked()

    def lock(self) -> None:
        with self._connection() as (_, collection):
            collection.lock()

    def unlock(self) -> None:
        """Unlock the login keyring with its password, without a prompt.

        The Secret Service API only unlocks through a prompt window, so this uses gnome-keyring's
        own UnlockWithMasterPassword method, as gnome-keyring's PAM module does.
        """
        from secretstorage.util import DBusAddressWrapper, format_secret, open_session

        with self._connection() as (connection, collection):
            session = open_session(connection)
            secret = format_secret(session, self.password.encode(), "text/plain")
            internal = DBusAddressWrapper(
                "/org/freedesktop/secrets", "org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface", connection
            )
            internal.call("UnlockWithMasterPassword", "o(oayays)", LOGIN_COLLECTION_PATH, secret)
            if collection.is_locked():
                raise RuntimeError("gnome-keyring did not unlock the login keyring with the test password")


def _name_has_owner(bus_address: str, name: str = "org.freedesktop.secrets") -> bool:
    """Ask the bus whether `name` has an owner, which never starts a service the way a method call can."""
    from jeepney import DBus
    from jeepney.io.blocking import open_dbus_connection

    connection = open_dbus_connection(bus_address)
    try:
        reply = connection.send_and_get_reply(DBus().NameHasOwner(name), timeout=5)
        return bool(reply.body[0])
    finally:
        connection.close()


def _service_answers(bus_address: str) -> bool:
    import secretstorage
    from jeepney.io.blocking import open_dbus_connection

    try:
        connection = open_dbus_connection(bus_address)
    except (OSError, ValueError):
        return False
    try:
        if not secretstorage.check_service_availability(connection):
            return False
        return not secretstorage.get_default_collection(connection).is_locked()
    except secretstorage.exceptions.SecretStorageException:
        return False
    finally:
        connection.close()


def _is_throwaway_session() -> bool:
    """Return True when the environment's bus is the private one of scripts/with-keyring."""
    data_home = os.environ.get("XDG_DATA_HOME")
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS") or not data_home:
        return False
    temporary = Path(tempfile.gettempdir()).resolve()
    return Path(data_home).resolve().is_relative_to(temporary)


def _require_programs() -> None:
    for program, package in (("gnome-keyring-daemon", "gnome-keyring"), ("dbus-daemon", "dbus")):
        if shutil.which(program) is None:
            pytest.fail(
                f"{program} is not installed, and the credential tests need a real Secret Service. "
                f"Install it with: apt-get install {package} (or run scripts/test, which installs it).",
                pytrace=False,
            )


@contextlib.contextmanager
def start_private_secret_service(password: str = PRIVATE_KEYRING_PASSWORD) -> Iterator[SecretService]:
    """Start a dbus-daemon and a gnome-keyring-daemon of their own in a temporary folder; stop them on exit."""
    _require_programs()
    root = Path(tempfile.mkdtemp(prefix="appstream-launcher-keyring-"))
    environment = {name: value for name, value in os.environ.items() if name not in _DISPLAY_VARIABLES}
    environment.update(
        HOME=str(root / "home"),
        XDG_DATA_HOME=str(root / "data"),
        XDG_RUNTIME_DIR=str(root / "run"),
        XDG_CONFIG_HOME=str(root / "config"),
    )
    for name in ("HOME", "XDG_DATA_HOME", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME"):
        Path(environment[name]).mkdir(mode=0o700, parents=True, exist_ok=True)

    processes: list[subprocess.Popen] = []
    try:
        config = root / "bus.conf"
        config.write_text(_BUS_CONFIG.format(socket=root / "bus"))
        bus = subprocess.Popen(
            ["dbus-daemon", f"--config-file={config}", "--nofork", "--nopidfile", "--print-address=1"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=environment,
            text=True,
        )
        processes.append(bus)
        bus_address = bus.stdout.readline().strip()
        if not bus_address:
            pytest.fail(f"dbus-daemon exited with status {bus.wait(5)} before printing its address", pytrace=False)
        environment["DBUS_SESSION_BUS_ADDRESS"] = bus_address

        def start_daemon() -> None:
            daemon = subprocess.Popen(
                ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=environment,
            )
            processes.append(daemon)
            daemon.stdin.write(password.encode())
            daemon.stdin.close()

            deadline = time.monotonic() + START_TIMEOUT_SECONDS
            while not (_name_has_owner(bus_address) and _service_answers(bus_address)):
                if daemon.poll() is not None:
                    pytest.fail(f"gnome-keyring-daemon exited with status {daemon.returncode} during start-up", pytrace=False)
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"gnome-keyring-daemon did not offer an unlocked keyring within {START_TIMEOUT_SECONDS} s", pytrace=False
                    )
                time.sleep(0.1)

        start_daemon()
        service = SecretService(bus_address, password, environment, restart=start_daemon)
        try:
            yield service
        finally:
            service.close()
    finally:
        for process in reversed(processes):
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def environment_of(service: SecretService) -> Iterator[None]:
    """Point this process's environment at the service's bus and folders, and restore it after."""
    patch = pytest.MonkeyPatch()
    try:
        for name in ("DBUS_SESSION_BUS_ADDRESS", "XDG_DATA_HOME", "XDG_RUNTIME_DIR"):
            patch.setenv(name, service.environment[name])
        for name in _DISPLAY_VARIABLES:
            patch.delenv(name, raising=False)
        yield
    finally:
        patch.undo()


@pytest.fixture(scope="session")
def secret_service() -> Iterator[SecretService]:
    """The Secret Service of the whole test session: scripts/with-keyring's, or a private one."""
    _require_programs()
    address = os.environ.get("DBUS_SESSION_BUS_ADDRESS", "")
    if _is_throwaway_session() and _service_answers(address):
        service = SecretService(address, WITH_KEYRING_PASSWORD, dict(os.environ))
        yield service
        service.close()
        return
    with start_private_secret_service() as service, environment_of(service):
        yield service


@pytest.fixture
def keyring_backend(secret_service: SecretService):
    """Select keyring's real SecretService backend, with no entry of the launcher's service before or after the test."""
    import keyring
    from keyring.backends import SecretService as secret_service_backend

    if not secret_service.is_running():
        # gnome-keyring-daemon 42.1 aborts now and then with "invoke_get_property_in_idle_cb:
        # assertion failed" when clients connect. The tests after the one it broke need not fail too.
        if secret_service.restart is None:
            pytest.fail(
                "gnome-keyring-daemon has exited, probably by its own assertion failure when clients connect. Run the tests again.",
                pytrace=False,
            )
        warnings.warn("gnome-keyring-daemon had exited and was started again", stacklevel=1)
        secret_service.close()
        secret_service.restart()
    previous = keyring.get_keyring()
    keyring.set_keyring(secret_service_backend.Keyring())
    if secret_service.is_locked():
        secret_service.unlock()
    secret_service.clear()
    yield secret_service
    keyring.set_keyring(previous)
    if secret_service.is_locked():
        secret_service.unlock()
    secret_service.clear()
