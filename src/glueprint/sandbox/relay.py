"""The only network a jailed run has: relays to the Glue API and the S3 endpoint.

Inside the run's network namespace, the run's relay listens where the run expects each
endpoint (the same loopback address and port, or a loopback alias that /etc/hosts gives the
endpoint's host name). The relay's threads stayed in the host's network namespace (a
namespace belongs to a thread, and only the supervisor's moved): for every connection
accepted there, they open the real connection here and copy bytes both ways. Nothing else
is reachable: the run's namespace has no other interface.
"""

import ipaddress
import queue
import selectors
import socket
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from glueprint.sandbox.lifetime import start_thread

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


class Relay:
    """One run's relays. Started by its supervisor while still in the host's network
    namespace (its thread stays there); listen() then opens the listeners in the namespace
    the supervisor has moved to, and stop() ends it all."""

    def __init__(self, endpoints: list[Endpoint]):
        self.endpoints = endpoints
        self._listeners: queue.SimpleQueue[list[socket.socket] | None] = queue.SimpleQueue()
        self._wake, self._stopping = socket.socketpair()

    def start(self) -> None:
        start_thread(self._accept_forever)

    def listen(self) -> None:
        """Listen where the run expects each endpoint, in the calling thread's network namespace."""
        listeners = []
        try:
            for endpoint in self.endpoints:
                listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                listeners.append(listener)
                listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                listener.bind(endpoint.inside)
                listener.listen(64)
        except OSError:
            for listener in listeners:
                listener.close()
            raise
        self._listeners.put(listeners)

    def stop(self) -> None:
        self._listeners.put(None)  # in case listen() never came
        self._wake.close()  # wakes the accepting thread: its end reads as closed

    def _accept_forever(self) -> None:
        listeners = self._listeners.get()
        if listeners is None:
            self._stopping.close()
            return
        with selectors.DefaultSelector() as selector:
            selector.register(self._stopping, selectors.EVENT_READ)
            for index, listener in enumerate(listeners):
                selector.register(listener, selectors.EVENT_READ, index)
            try:
                while True:
                    for key, _ in selector.select():
                        if key.fileobj is self._stopping:
                            return
                        try:
                            client, _ = key.fileobj.accept()
                        except OSError:
                            continue  # the run gave up on that connection already
                        threading.Thread(target=self._serve, args=(client, key.data), daemon=True).start()
            finally:
                for listener in listeners:
                    listener.close()
                self._stopping.close()

    def _serve(self, client: socket.socket, index: int) -> None:
        try:
            upstream = socket.create_connection(self.endpoints[index].outside, timeout=CONNECT_TIMEOUT_S)
        except OSError:
            client.close()  # refused: so is the run's connection
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
