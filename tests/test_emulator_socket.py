"""The emulator serving on a listening socket that the caller opened (the `sock` argument)."""

from __future__ import annotations

import http.client
import socket

import pytest

from launcher.emulator import Emulator, start_emulator
from emulator_clients import appstream_client

SAMPLE_STACK_COUNT = 26
HTTP_TIMEOUT_SECONDS = 10


@pytest.fixture
def listener():
    """A TCP socket listening on a free port of 127.0.0.1, closed at teardown if still open."""
    sock = socket.create_server(("127.0.0.1", 0))
    yield sock
    sock.close()


class StubSocket:
    """Looks like a listening TCP socket bound to `address`, without opening one."""

    family = socket.AF_INET
    type = socket.SOCK_STREAM

    def __init__(self, address: str, port: int = 8765) -> None:
        self._name = (address, port)

    def getsockname(self) -> tuple[str, int]:
        return self._name

    def getsockopt(self, level: int, option: int) -> int:
        return 1


def test_start_emulator_sock_sets_endpoint_url(listener):
    port = listener.getsockname()[1]

    with start_emulator(sock=listener) as emu:
        assert emu.port == port
        assert emu.endpoint_url == f"http://127.0.0.1:{port}"


def test_start_emulator_sock_serves_api(listener):
    with start_emulator(sock=listener) as emu:
        stacks = appstream_client(emu).describe_stacks()["Stacks"]

    assert len(stacks) == 10


def test_start_emulator_sock_answers_queued_request(listener):
    # The request is sent before the emulator starts, so it waits in the socket's listen backlog.
    connection = http.client.HTTPConnection(*listener.getsockname()[:2], timeout=HTTP_TIMEOUT_SECONDS)
    connection.request("GET", "/")

    with start_emulator(sock=listener):
        response = connection.getresponse()
        body = response.read().decode("utf-8")
    connection.close()

    assert response.status == 200
    assert f"{SAMPLE_STACK_COUNT} stacks" in body


def test_emulator_stop_closes_sock(listener):
    port = listener.getsockname()[1]
    emu = start_emulator(sock=listener)

    emu.stop()

    assert listener.fileno() == -1
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=HTTP_TIMEOUT_SECONDS)


def test_emulator_restart_with_closed_sock_raises(listener):
    emu = Emulator(sock=listener)
    emu.start()
    emu.stop()

    with pytest.raises(RuntimeError) as excinfo:
        emu.start()
    assert "socket was closed" in str(excinfo.value)


@pytest.mark.parametrize("options", [{"port": 8765}, {"host": "127.0.0.1"}])
def test_start_emulator_sock_with_host_or_port_raises(listener, options):
    with pytest.raises(ValueError) as excinfo:
        start_emulator(sock=listener, **options)
    assert "not both" in str(excinfo.value)


def test_start_emulator_unbound_sock_raises():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as unbound:
        with pytest.raises(ValueError) as excinfo:
            start_emulator(sock=unbound)
    assert "not bound" in str(excinfo.value)


@pytest.mark.skipif(not hasattr(socket, "SO_ACCEPTCONN"), reason="the listening check needs SO_ACCEPTCONN")
def test_start_emulator_sock_not_listening_raises():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as bound:
        bound.bind(("127.0.0.1", 0))
        with pytest.raises(ValueError) as excinfo:
            start_emulator(sock=bound)
    assert "not listening" in str(excinfo.value)


def test_start_emulator_udp_sock_raises():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as datagram:
        datagram.bind(("127.0.0.1", 0))
        with pytest.raises(ValueError) as excinfo:
            start_emulator(sock=datagram)
    assert "TCP socket" in str(excinfo.value)


def test_start_emulator_sock_off_loopback_raises():
    with pytest.raises(ValueError) as excinfo:
        start_emulator(sock=StubSocket("192.0.2.10"))
    assert "not a loopback address" in str(excinfo.value)


def test_start_emulator_ipv6_sock_sets_endpoint_url():
    try:
        listener = socket.create_server(("::1", 0), family=socket.AF_INET6)
    except OSError as error:
        pytest.skip(f"IPv6 loopback not available: {error}")
    port = listener.getsockname()[1]

    with start_emulator(sock=listener) as emu:
        stacks = appstream_client(emu).describe_stacks()["Stacks"]
        assert emu.endpoint_url == f"http://[::1]:{port}"
    assert len(stacks) == 10
