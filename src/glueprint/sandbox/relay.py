"""The only network a jailed run has: relays to the Glue API and the S3 endpoint.

Inside the run's network namespace, the run's relay listens where the run expects each
endpoint (the same loopback address and port, or a loopback alias that /etc/hosts gives the
endpoint's host name). The relay's thread stayed in the host's network namespace (a
namespace belongs to a thread, and only the supervisor's moved): for every connection
accepted there, it opens the real connection here and moves bytes both ways. Nothing else
is reachable: the run's namespace has no other interface.

One thread serves all of a run's connections (a selector), at most MAX_CONNECTIONS at a
time: more wait in the listener's backlog, so a run that floods its relay slows only
itself. Bytes move through a kernel pipe per direction (splice): nothing a run sends or
receives is ever read into the zygote's memory, from which later jails are forked.
"""

import errno
import ipaddress
import os
import queue
import selectors
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from glueprint.sandbox.lifetime import start_thread

CONNECT_TIMEOUT_S = 10
MAX_CONNECTIONS = 32  # a run's connections relayed at once (6 descriptors each, in the zygote)
PIPE_BYTES = 65536  # a pipe's default capacity: what one direction holds in flight
ACCEPT_PAUSE_S = 0.1  # after the zygote ran out of descriptors
_SPLICE = os.SPLICE_F_MOVE | os.SPLICE_F_NONBLOCK
ALIAS_BASE = "127.0.0.{}"  # loopback aliases for endpoints named by host name: .10, .11, ...


@dataclass(frozen=True)
class Endpoint:
    """An address is (host, port), or a path: a unix socket, which (unlike a TCP port) the
    host and a jail with a network namespace of its own both reach (the Spark Connect server's relay)."""

    inside: tuple[str, int] | str  # where the run connects
    outside: tuple[str, int] | str  # where the connector connects


def _stream_socket(address: tuple[str, int] | str) -> socket.socket:
    return socket.socket(socket.AF_UNIX if isinstance(address, str) else socket.AF_INET, socket.SOCK_STREAM)


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


class _Flow:
    """One direction of a connection: from src to dst through a pipe, by splice."""

    def __init__(self, src: socket.socket, dst: socket.socket):
        self.src, self.dst = src, dst
        self.read_end, self.write_end = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self.pending = 0  # bytes in the pipe
        self.full = False  # the pipe took no more (a page per packet may fill it early)
        self.ended = False  # src sent its last byte
        self.shut = False  # and dst was told so

    def wants_to_read(self) -> bool:
        return not self.ended and not self.full and self.pending < PIPE_BYTES

    def pull(self) -> None:
        try:
            moved = os.splice(self.src.fileno(), self.write_end, PIPE_BYTES - self.pending, flags=_SPLICE)
        except BlockingIOError:
            self.full = True  # until some of it has gone on
            return
        self.pending += moved
        self.ended = moved == 0

    def push(self) -> None:
        if self.pending:
            try:
                self.pending -= os.splice(self.read_end, self.dst.fileno(), self.pending, flags=_SPLICE)
            except BlockingIOError:
                return
            self.full = False
        if self.ended and not self.pending and not self.shut:
            self.shut = True
            self.dst.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        os.close(self.read_end)
        os.close(self.write_end)


class _Connection:
    """A run's connection and the real one it is relayed to."""

    def __init__(self, client: socket.socket, upstream: socket.socket):
        self.client, self.upstream = client, upstream
        self.connect_by: float | None = time.monotonic() + CONNECT_TIMEOUT_S  # None once connected
        self.flows = (_Flow(client, upstream), _Flow(upstream, client))

    def events(self, sock: socket.socket) -> int:
        """What to wait for on sock: reading what goes out through it, writing what is pending for it."""
        if self.connect_by is not None:
            return selectors.EVENT_WRITE if sock is self.upstream else 0
        out, into = self.flows if sock is self.client else reversed(self.flows)
        return (selectors.EVENT_READ if out.wants_to_read() else 0) | (selectors.EVENT_WRITE if into.pending else 0)

    def step(self, sock: socket.socket, events: int) -> None:
        """Move what sock is ready for; OSError ends the connection."""
        if self.connect_by is not None:
            error = self.upstream.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if error:
                raise OSError(error, os.strerror(error))
            self.connect_by = None
            return
        out, into = self.flows if sock is self.client else reversed(self.flows)
        if events & selectors.EVENT_READ and out.wants_to_read():
            out.pull()
            out.push()
        if events & selectors.EVENT_WRITE:
            into.push()

    @property
    def done(self) -> bool:
        return all(flow.shut for flow in self.flows)

    def close(self) -> None:
        for flow in self.flows:
            flow.close()
        self.client.close()
        self.upstream.close()


class Relay:
    """One run's relays. Started by its supervisor while still in the host's network
    namespace (its thread stays there); listen() then opens the listeners in the namespace
    the supervisor has moved to, and stop() ends it all."""

    def __init__(self, endpoints: list[Endpoint], max_connections: int = MAX_CONNECTIONS):
        self.endpoints = endpoints
        self.max_connections = max_connections
        self._listeners: queue.SimpleQueue[list[socket.socket] | None] = queue.SimpleQueue()
        self._wake, self._stopping = socket.socketpair()

    def start(self) -> None:
        start_thread(self._serve_forever)

    def listen(self) -> list:
        """Listen where the run expects each endpoint, in the calling thread's network
        namespace; the addresses listened at (a port 0 asked for any free port)."""
        listeners = []
        try:
            for endpoint in self.endpoints:
                listener = _stream_socket(endpoint.inside)
                listeners.append(listener)
                if not isinstance(endpoint.inside, str):
                    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                listener.bind(endpoint.inside)
                listener.listen(64)
                listener.setblocking(False)
        except OSError:
            for listener in listeners:
                listener.close()
            raise
        self._listeners.put(listeners)
        return [listener.getsockname() for listener in listeners]

    def stop(self) -> None:
        self._listeners.put(None)  # in case listen() never came
        self._wake.close()  # wakes the relay's thread: its end reads as closed

    def _serve_forever(self) -> None:
        listeners = self._listeners.get()
        if listeners is None:
            self._stopping.close()
            return
        served = _Served(listeners, self._stopping)
        try:
            served.loop(self)
        finally:
            served.close()

    def connect(self, index: int) -> socket.socket:
        """A connection to endpoint index, under way (not blocking)."""
        outside = self.endpoints[index].outside
        if isinstance(outside, str):
            upstream, address = _stream_socket(outside), outside
        else:
            family, kind, proto, _, address = socket.getaddrinfo(*outside, type=socket.SOCK_STREAM)[0]
            upstream = socket.socket(family, kind, proto)
        upstream.setblocking(False)
        code = upstream.connect_ex(address)
        if code not in (0, errno.EINPROGRESS):
            upstream.close()
            raise OSError(code, os.strerror(code))
        return upstream


class _Served:
    """The relay thread's state: its listeners, its connections, and what it waits for."""

    def __init__(self, listeners: list[socket.socket], stopping: socket.socket):
        self.listeners, self.stopping = listeners, stopping
        self.selector = selectors.DefaultSelector()
        self.selector.register(stopping, selectors.EVENT_READ)
        self.connections: set[_Connection] = set()
        self.accepting_from = 0.0  # no accepting before this time (out of descriptors)

    def loop(self, relay: Relay) -> None:
        while True:
            self._accept_when_due(relay)
            for key, events in self.selector.select(self._timeout()):
                if key.fileobj is self.stopping:
                    return
                if isinstance(key.data, int):
                    self._accept(relay, key.fileobj, key.data)
                    continue
                connection = key.data
                try:
                    connection.step(key.fileobj, events)
                except OSError:
                    self._drop(connection)
                    continue
                self._watch(connection)
            self._expire_connects()

    def _timeout(self) -> float | None:
        due = [c.connect_by for c in self.connections if c.connect_by is not None]
        if self.accepting_from > time.monotonic():
            due.append(self.accepting_from)
        return max(0.0, min(due) - time.monotonic()) if due else None

    def _accept_when_due(self, relay: Relay) -> None:
        """Listen again once the zygote has descriptors again, or the run is below its cap."""
        listening = self.listeners[0] in self.selector.get_map()
        wanted = len(self.connections) < relay.max_connections and time.monotonic() >= self.accepting_from
        if wanted and not listening:
            for index, listener in enumerate(self.listeners):
                self.selector.register(listener, selectors.EVENT_READ, index)
        elif not wanted and listening:
            for listener in self.listeners:
                self.selector.unregister(listener)

    def _accept(self, relay: Relay, listener: socket.socket, index: int) -> None:
        try:
            client, _ = listener.accept()
        except BlockingIOError:
            return
        except OSError:  # out of descriptors: wait a little rather than spin
            self.accepting_from = time.monotonic() + ACCEPT_PAUSE_S
            return
        try:
            client.setblocking(False)
            upstream = relay.connect(index)
        except OSError:
            client.close()  # refused: so is the run's connection
            return
        try:
            connection = _Connection(client, upstream)
        except OSError:
            client.close()
            upstream.close()
            self.accepting_from = time.monotonic() + ACCEPT_PAUSE_S
            return
        self.connections.add(connection)
        self._watch(connection)

    def _watch(self, connection: _Connection) -> None:
        if connection.done:
            self._drop(connection)
            return
        for sock in (connection.client, connection.upstream):
            events = connection.events(sock)
            registered = self.selector.get_map().get(sock)
            if registered is None and events:
                self.selector.register(sock, events, connection)
            elif registered is not None and not events:
                self.selector.unregister(sock)
            elif registered is not None and registered.events != events:
                self.selector.modify(sock, events, connection)

    def _drop(self, connection: _Connection) -> None:
        for sock in (connection.client, connection.upstream):
            if sock in self.selector.get_map():
                self.selector.unregister(sock)
        connection.close()
        self.connections.discard(connection)

    def _expire_connects(self) -> None:
        now = time.monotonic()
        for connection in [c for c in self.connections if c.connect_by is not None and c.connect_by <= now]:
            self._drop(connection)

    def close(self) -> None:
        for connection in list(self.connections):
            self._drop(connection)
        for listener in self.listeners:
            listener.close()
        self.selector.close()
        self.stopping.close()
