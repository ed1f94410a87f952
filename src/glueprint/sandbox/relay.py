"""The only network a jailed run has: relays to the Glue API and the S3 endpoint.

Inside the run's network namespace, the supervisor listens where the run expects each
endpoint (the same loopback address and port, or a loopback alias that /etc/hosts gives
the endpoint's host name). For every connection it accepts, a connector that stayed in the
host's network namespace (a thread of the supervisor, or a process of its own when the
supervisor enters a user namespace) opens the real connection and hands the socket back
over a Unix socket pair (SCM_RIGHTS); the supervisor then copies bytes both ways.
Nothing else is reachable: the namespace has no other interface.
"""

import ipaddress
import os
import selectors
import signal
import socket
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from glueprint.sandbox.lifetime import die_with_parent

CONNECT_TIMEOUT_S = 10
ALIAS_BASE = "127.0.0.{}"  # loopback aliases for endpoints named by host name: .10, .11, ...


@dataclass(frozen=True)
class Endpoint:
    inside: tuple[str, int]  # where the run connects
    outside: tuple[str, int]  # where the connector connects


def plan(urls: dict[str, str]) -> tuple[dict[str, str], list[Endpoint], dict[str, str]]:
    """For endpoint URLs by name: the URLs the run is given, the relays, and /etc/hosts entries.

    A loopback address (or localhost) is relayed at the same address and port. Any other
    host is relayed at a loopback alias: a host name keeps its URL and resolves to the alias
    through /etc/hosts (so TLS still checks the right name); an address is replaced by it.
    """
    given, endpoints, hosts = {}, [], {}
    for index, (name, url) in enumerate(urls.items()):
        parts = urlsplit(url)
        host = parts.hostname or "127.0.0.1"
        port = parts.port or (443 if parts.scheme == "https" else 80)
        netloc = parts.netloc
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            address = None
        if host == "localhost" or (address is not None and address.version == 4 and address.is_loopback):
            inside = ("127.0.0.1" if host == "localhost" else host, port)
        else:
            alias = ALIAS_BASE.format(10 + index)
            inside = (alias, port)
            if address is None:
                hosts[host] = alias
            else:
                netloc = f"{alias}:{port}"
        given[name] = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
        if all(e.inside != inside for e in endpoints):
            endpoints.append(Endpoint(inside, (host, port)))
    return given, endpoints, hosts


def start_connector(endpoints: list[Endpoint], in_thread: bool) -> socket.socket:
    """Start the connector; call it before leaving the host's network namespace. Return our end.

    A namespace belongs to a thread: when the caller unshares the network, a connector thread
    stays behind in the host's, which spares a run a fork (a tenth of its CPU here). The
    caller asks for a process instead when it will enter a user namespace, which only a
    single-threaded process may do."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    if in_thread:
        threading.Thread(target=_connect_forever, args=(theirs, endpoints), daemon=True).start()
        return ours
    if os.fork() == 0:
        ours.close()
        die_with_parent()
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        _connect_forever(theirs, endpoints)
        os._exit(0)
    theirs.close()
    return ours


def _connect_forever(channel: socket.socket, endpoints: list[Endpoint]) -> None:
    while True:
        wanted = channel.recv(1)
        if not wanted:
            return
        try:
            upstream = socket.create_connection(endpoints[wanted[0]].outside, timeout=CONNECT_TIMEOUT_S)
        except OSError:
            channel.sendall(b"\x00")  # refused: the run's connection is closed
            continue
        socket.send_fds(channel, [b"\x01"], [upstream.fileno()])
        upstream.close()


class Relay:
    """The supervisor's side, inside the run's network namespace."""

    def __init__(self, channel: socket.socket, endpoints: list[Endpoint]):
        self.channel = channel
        self.lock = threading.Lock()  # one request on the channel at a time
        self.listeners = []
        for endpoint in endpoints:
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(endpoint.inside)
            listener.listen(64)
            self.listeners.append(listener)

    def start(self) -> None:
        threading.Thread(target=self._accept_forever, daemon=True).start()

    def _accept_forever(self) -> None:
        selector = selectors.DefaultSelector()
        for index, listener in enumerate(self.listeners):
            selector.register(listener, selectors.EVENT_READ, index)
        while True:
            for key, _ in selector.select():
                client, _ = key.fileobj.accept()
                threading.Thread(target=self._serve, args=(client, key.data), daemon=True).start()

    def _upstream(self, index: int) -> socket.socket | None:
        with self.lock:
            self.channel.sendall(bytes([index]))
            _, fds, _, _ = socket.recv_fds(self.channel, 1, 1)
        return socket.socket(fileno=fds[0]) if fds else None

    def _serve(self, client: socket.socket, index: int) -> None:
        upstream = self._upstream(index)
        if upstream is None:
            client.close()
            return
        upstream.settimeout(None)
        back = threading.Thread(target=_pump, args=(upstream, client), daemon=True)
        back.start()
        _pump(client, upstream)
        back.join()
        client.close()
        upstream.close()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for sock, how in ((sink, socket.SHUT_WR), (source, socket.SHUT_RD)):
            try:
                sock.shutdown(how)
            except OSError:
                pass
