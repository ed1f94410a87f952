"""The HTTP server's defences against slow and numerous clients, below the ASGI app.

uvicorn closes idle kept-alive connections, but a client that sends half its headers, or
headers and then part of a body, holds a connection (and what it sent) for as long as it
likes. Here each request must bring its headers within ``header_timeout`` of its first
byte (or of the connection), and its body may not pause for ``body_timeout`` (a pause, not
a total: large S3 uploads take as long as they take); and at most ``max_connections``
connections are open at once: one more is closed at once.
"""

import asyncio
import logging
from dataclasses import dataclass

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

log = logging.getLogger("glueprint.serving")


@dataclass(frozen=True)
class Guard:
    header_timeout: float = 10.0
    body_timeout: float = 30.0
    max_connections: int = 512  # below the usual soft limit of 1 024 open files


def guarded_protocol(guard: Guard) -> type:
    class GuardedHttpTools(HttpToolsProtocol):
        _deadline: asyncio.TimerHandle | None = None

        def _arm(self, seconds: float, what: str) -> None:
            self._disarm()
            self._deadline = self.loop.call_later(seconds, self._expired, what)

        def _disarm(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

        def _expired(self, what: str) -> None:
            self._deadline = None
            log.info("closing a connection from %s: its %s did not arrive in time", self.client, what)
            self.transport.close()

        def connection_made(self, transport) -> None:
            super().connection_made(transport)
            if len(self.connections) > guard.max_connections:
                log.warning("refusing a connection from %s: %d are open", self.client, guard.max_connections)
                transport.close()
                return
            self._arm(guard.header_timeout, "request headers")

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._arm(guard.header_timeout, "request headers")  # the next request on a kept-alive connection

        def on_headers_complete(self) -> None:
            super().on_headers_complete()
            self._arm(guard.body_timeout, "request body")

        def on_body(self, body: bytes) -> None:
            super().on_body(body)
            self._arm(guard.body_timeout, "request body")

        def on_message_complete(self) -> None:
            super().on_message_complete()
            self._disarm()

        def connection_lost(self, exc) -> None:
            self._disarm()
            super().connection_lost(exc)

    return GuardedHttpTools


def server_config(app, guard: Guard, log_level: str, access_log: bool) -> uvicorn.Config:
    # httptools and uvloop (dependencies): about five times h11's requests per second here.
    return uvicorn.Config(
        app,
        log_level=log_level,
        access_log=access_log,
        http=guarded_protocol(guard),
        loop="uvloop",
        timeout_keep_alive=5,
    )
