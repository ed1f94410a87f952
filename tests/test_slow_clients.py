"""Slow and numerous clients cannot hold the server: headers and bodies must arrive in time,
connections are capped, and under --auth sigv4 an unknown client's body is never read."""

import select
import socket
import time
from urllib.parse import urlparse

import pytest

from servers import call_raw

HEADER_TIMEOUT, BODY_TIMEOUT, MAX_CONNECTIONS = 0.5, 1.0, 20
WAIT = 10  # how long a test waits for the server to act: far beyond the timeouts


@pytest.fixture(scope="module")
def guarded(start_server):
    return start_server(
        "--header-timeout",
        str(HEADER_TIMEOUT),
        "--body-timeout",
        str(BODY_TIMEOUT),
        "--max-connections",
        str(MAX_CONNECTIONS),
        "--workers",
        "0",
        "--auth",
        "sigv4",
        "--access-key",
        "AKIDSLOW",
        "--secret-key",
        "slow",
    )


def connect(server) -> socket.socket:
    url = urlparse(server.url)
    sock = socket.create_connection((url.hostname, url.port))
    sock.settimeout(WAIT)
    return sock


def closed_by_server(sock: socket.socket) -> bool:
    """Whether the server ends the connection (reading whatever it answered first)."""
    try:
        while sock.recv(65536):
            pass
        return True
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False
    finally:
        sock.close()


def test_a_connection_whose_headers_never_end_is_closed(guarded):
    sock = connect(guarded)
    sock.sendall(b"POST / HTTP/1.1\r\nHost: glue\r\nContent-Type: application/x-amz-json-1.1\r\n")
    assert closed_by_server(sock)


def test_a_connection_that_sends_nothing_is_closed(guarded):
    assert closed_by_server(connect(guarded))


def test_a_body_that_never_ends_is_dropped(guarded):
    sock = connect(guarded)
    headers = (
        b"POST / HTTP/1.1\r\nHost: glue\r\nContent-Type: application/x-amz-json-1.1\r\n"
        b"X-Amz-Target: AWSGlue.ListBlueprints\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIDSLOW/20260101/us-east-1/glue/aws4_request, "
        b"SignedHeaders=host;x-amz-date;x-amz-target, Signature=00\r\nX-Amz-Date: 20260101T000000Z\r\nContent-Length: 4000000\r\n\r\n"
    )
    sock.sendall(headers + b"{" * 1000)
    assert closed_by_server(sock)


def test_an_unsigned_request_is_answered_before_its_body_arrives(guarded):
    sock = connect(guarded)
    sock.sendall(
        b"POST / HTTP/1.1\r\nHost: glue\r\nContent-Type: application/x-amz-json-1.1\r\n"
        b"X-Amz-Target: AWSGlue.ListBlueprints\r\nContent-Length: 4000000\r\n\r\n" + b"{" * 1000
    )
    answer = sock.recv(65536)
    sock.close()
    assert answer.startswith(b"HTTP/1.1 403") and b"MissingAuthenticationTokenException" in answer


@pytest.fixture(scope="module")
def capped(start_server):
    return start_server("--max-connections", str(MAX_CONNECTIONS), "--workers", "0")  # headers may take 10 s


def test_connections_beyond_the_cap_are_closed_at_once_and_the_server_serves_on(capped):
    held = [connect(capped) for _ in range(MAX_CONNECTIONS + 5)]
    closed, deadline = set(), time.monotonic() + 8  # before the 10 s header timeout
    while len(closed) < 5 and (left := deadline - time.monotonic()) > 0:
        readable, _, _ = select.select([s for s in held if s not in closed], [], [], left)
        closed |= {sock for sock in readable if sock.recv(1) == b""}
    for sock in held:
        sock.close()
    assert 5 <= len(closed) <= 7  # the test's own client may hold a connection or two
    assert all(held.index(sock) >= MAX_CONNECTIONS - 2 for sock in closed)
    assert call_raw(capped.url, "ListBlueprints", {}).status_code == 200


# A body timeout long beside the test's pauses (an eighth of it), which a loaded machine may stretch.
PATIENT_TIMEOUT = 4.0


@pytest.fixture(scope="module")
def patient(start_server):
    return start_server("--body-timeout", str(PATIENT_TIMEOUT), "--workers", "0")


def test_a_body_that_keeps_coming_is_read_however_long_it_takes(patient):
    body = b"{" + b" " * 10 + b"}"
    sock = connect(patient)
    sock.sendall(
        b"POST / HTTP/1.1\r\nHost: glue\r\nContent-Type: application/x-amz-json-1.1\r\n"
        b"X-Amz-Target: AWSGlue.ListBlueprints\r\nContent-Length: %d\r\n\r\n" % len(body)
    )
    for byte in body[:-1]:  # 5.5 s in all, longer than the body timeout; each pause an eighth of it
        sock.sendall(bytes([byte]))
        time.sleep(PATIENT_TIMEOUT / 8)
    sock.sendall(body[-1:])
    answer = sock.recv(65536)
    sock.close()
    assert answer.startswith(b"HTTP/1.1 200")
