"""The AWS JSON 1.1 endpoint: ``POST /`` with ``X-Amz-Target: AWSGlue.<Operation>``, or
``Logs_20140328.<Operation>`` for the CloudWatch Logs operations that read runs' output.

A plain ASGI app, because it is the hot path: it turns a request into (operation, validated
params), calls the service handler, and answers with the output shape's JSON or a modelled
error. Read-only handlers run on the event loop (a thread hop costs more than their query);
the rest run in the thread pool, since they may wait on locks, S3 or the network.
"""

import asyncio
import itertools
import logging
import os
import random
from dataclasses import dataclass
from functools import cache

import orjson
from botocore.model import Shape
from starlette.concurrency import run_in_threadpool

from ..service import registry
from . import errors
from .cache import UNCHECKED, ResponseCache
from .model import operation, services_by_target_prefix, signing_name
from .serialize import serializer
from .sigv4 import credential_scope
from .validate import validate

log = logging.getLogger("glueprint.protocol")

CONTENT_TYPE = "application/x-amz-json-1.1"
ACCEPTED_CONTENT_TYPES = {CONTENT_TYPE, "application/x-amz-json-1.0", "application/json"}
MAX_BODY_BYTES = 4 * 1024 * 1024


def _new_id_prefix() -> None:
    """A process's request ids share 74 random bits and count in the last 48: unique, and a
    tenth of the cost of drawing 122 bits per request. A forked child draws its own."""
    global _id_prefix, _id_counter
    digits = f"{random.getrandbits(80):020x}"
    variant = "89ab"[int(digits[16], 16) & 3]
    _id_prefix = f"{digits[:8]}-{digits[8:12]}-4{digits[13:16]}-{variant}{digits[17:20]}-"
    _id_counter = itertools.count(random.getrandbits(47))


_new_id_prefix()
os.register_at_fork(after_in_child=_new_id_prefix)


def new_request_id() -> str:
    """A version 4 UUID in form, as AWS's request ids are; not a secret."""
    return f"{_id_prefix}{next(_id_counter) & 0xFFFFFFFFFFFF:012x}"


def error_body(exc: errors.ServiceError) -> bytes:
    return orjson.dumps({"__type": exc.code, "Message": exc.message})


@dataclass(frozen=True)
class Route:
    """What answering one operation takes, looked up once per X-Amz-Target."""

    name: str
    service: str
    input_shape: Shape | None
    handler: registry.Handler
    render: object  # the output shape's serializer
    read_only: bool
    version_of: object  # registry.version_of(name): None when its answers are not cached
    grows: object  # registry.grows(name): whether a call's work grows with the data

    def on_loop(self, params: dict) -> bool:
        """A read whose work is bounded by its answer is served on the event loop."""
        return self.read_only and not self.grows(params)


SERVED_TARGETS = "AWSGlue.<Operation>, Logs_20140328.<Operation> or AWSEvents.PutEvents"


@cache  # only targets that name an implemented operation are kept: the rest raise
def _route(target: str) -> Route:
    prefix, _, name = target.partition(".")
    service = services_by_target_prefix().get(prefix)
    if service is None or operation(name, service) is None:
        raise errors.UnknownOperationException(f"Unknown operation {target}: this endpoint serves {SERVED_TARGETS}.")
    handler, model = registry.handler(name, service), operation(name, service)
    if handler is None:
        raise errors.UnknownOperationException(
            f"Operation {name} is part of {model.service_model.metadata['serviceFullName']} but glueprint does not "
            f"implement it; implemented: {', '.join(registry.implemented(service))}."
        )
    return Route(
        name,
        service,
        model.input_shape,
        handler,
        serializer(model.output_shape, service),
        registry.is_read_only(name, service),
        registry.version_of(name, service),
        registry.grows(name, service),
    )


def _target_route(headers: dict) -> Route:
    target = headers.get("x-amz-target")
    if not target:
        raise errors.UnknownOperationException(f"Missing X-Amz-Target header: expected {SERVED_TARGETS}.")
    return _route(target)


class BodyBudget:
    """The bytes of request bodies being read at once, before any is verified: many slow
    clients each holding most of a large body cannot make the server hold them all. Used
    from the event loop only."""

    def __init__(self, limit: int):
        self.limit, self.held = limit, 0

    def take(self, size: int) -> None:
        if self.held + size > self.limit:
            raise errors.ThrottlingException("Too many request bodies are being received at once; retry.")
        self.held += size

    def give(self, size: int) -> None:
        self.held -= size


UNVERIFIED_BODIES = BodyBudget(16 * MAX_BODY_BYTES)


async def _read_body(receive, headers: dict, budget: BodyBudget = UNVERIFIED_BODIES) -> bytes:
    declared = headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise errors.RequestEntityTooLargeException(f"Request body exceeds {MAX_BODY_BYTES} bytes.")
    chunks, size = [], 0
    try:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise ConnectionAbortedError
            chunk = message.get("body", b"")
            if size + len(chunk) > MAX_BODY_BYTES:
                raise errors.RequestEntityTooLargeException(f"Request body exceeds {MAX_BODY_BYTES} bytes.")
            budget.take(len(chunk))
            size += len(chunk)
            if not message.get("more_body", False):
                return b"".join([*chunks, chunk]) if chunks else chunk  # mostly one message: no copy
            chunks.append(chunk)
    finally:
        budget.give(size)  # once read, a body is the request's own, bounded by the requests in flight


def _parse(body: bytes) -> dict:
    if not body.strip():
        return {}
    try:
        params = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise errors.SerializationException(f"The request body is not valid JSON: {exc}") from None
    if not isinstance(params, dict):
        raise errors.SerializationException("The request body must be a JSON object.")
    return params


def _url(scope: dict, headers: dict) -> str:
    host = headers.get("host") or "{}:{}".format(*scope["server"])
    query = scope.get("query_string", b"").decode("latin-1")
    return f"{scope.get('scheme', 'http')}://{host}{scope.get('raw_path', scope['path'].encode()).decode('latin-1')}" + (
        f"?{query}" if query else ""
    )


@dataclass
class Call:
    """A request that passed the protocol checks, ready for its handler."""

    route: Route
    params: dict
    ctx: object  # the ServiceContext of the request's account and region
    cache_key: tuple | None = None
    version: object = None
    generation: object = None
    cached: bytes | None = None


class Dispatcher:
    """The protocol core without any server: checks a request, calls its handler, renders the answer."""

    def __init__(self, ctx, verifier=None):
        self.ctx = ctx
        self.verifier = verifier
        self.cache = ResponseCache()

    def prepare(self, method: str, url: str, headers: dict, body: bytes, generation=None) -> Call:
        """generation(db): what reads a store's generation (Database.generation by default)."""
        media_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type not in ACCEPTED_CONTENT_TYPES:
            raise errors.SerializationException(f"Unsupported Content-Type '{media_type}': send {CONTENT_TYPE}.")
        denied = frozenset()
        if self.verifier is not None:
            denied = self.verifier.verify(method, url, headers, body, service=signing_name(headers.get("x-amz-target")))
        route = _target_route(headers)
        if route.name in denied:
            raise errors.AccessDeniedException(f"The credentials that signed this request may not call {route.name}.")
        ctx = self.ctx if self.ctx.scopes is None else self.ctx.scopes.of_request(*credential_scope(headers))
        version_of = route.version_of
        if version_of is None:
            return Call(route, validate(route.input_shape, _parse(body), route.service), ctx)
        key = (route.name, ctx.account_id, ctx.region, body)  # a scope's answers are its own
        entry = self.cache.get(key)
        current = generation(ctx.db) if generation else ctx.db.generation()  # read first: whatever is read after is as new
        if entry is not None:  # this very body was answered before: it is valid
            if current is not None and current == entry.generation:
                return Call(route, entry.params, ctx, cached=entry.answer)  # nothing was committed since
            version = version_of(ctx, entry.params)
            if version == entry.version:
                if current is not None:
                    self.cache.put(key, entry.params, version, entry.answer, current)
                return Call(route, entry.params, ctx, cached=entry.answer)
            return Call(route, entry.params, ctx, key, version, current)
        params = validate(route.input_shape, _parse(body), route.service)
        if current is not None:  # its version is read only if a commit makes one needed
            return Call(route, params, ctx, key, UNCHECKED, current)
        return Call(route, params, ctx, key, version_of(ctx, params))

    def execute(self, call: Call) -> bytes:
        if call.cached is not None:
            return call.cached
        answer = call.route.render(call.route.handler(call.ctx, call.params))
        if call.version is not None:
            self.cache.put(call.cache_key, call.params, call.version, answer, call.generation)
        return answer

    def handle(self, method: str, url: str, headers: dict, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        """The whole request in the calling thread: (status, headers, body), errors included."""
        request_id = new_request_id()
        try:
            if len(body) > MAX_BODY_BYTES:
                raise errors.RequestEntityTooLargeException(f"Request body exceeds {MAX_BODY_BYTES} bytes.")
            status, answer, code = 200, self.execute(self.prepare(method, url, headers, body)), None
        except Exception as exc:
            status, answer, code = self.failure(exc, request_id)
        return status, response_headers(answer, request_id, code), answer

    @staticmethod
    def failure(exc: Exception, request_id: str) -> tuple[int, bytes, str]:
        if not isinstance(exc, errors.ServiceError):
            log.error("request %s failed", request_id, exc_info=exc)
            exc = errors.InternalServiceException(f"Internal error; request id {request_id}.")
        return exc.status, error_body(exc), exc.code


_RAW_CONTENT_TYPE = (b"content-type", CONTENT_TYPE.encode())


def _raw_response_headers(body: bytes, request_id: str, error_code: str | None) -> list[tuple[bytes, bytes]]:
    """The response's headers as ASGI sends them, built straight as bytes."""
    headers = [_RAW_CONTENT_TYPE, (b"content-length", b"%d" % len(body)), (b"x-amzn-requestid", request_id.encode())]
    if error_code:
        headers.append((b"x-amzn-errortype", error_code.encode()))
    return headers


def response_headers(body: bytes, request_id: str, error_code: str | None) -> list[tuple[str, str]]:
    """The same headers as text, for the in-process transport (testing.py)."""
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in _raw_response_headers(body, request_id, error_code)]


# The request headers the protocol reads when no signature is checked (a signature covers any).
# Authorization is read for the request's account and region (service/scopes.py), never checked.
_PROTOCOL_HEADERS = [
    (name, name.encode()) for name in ("content-type", "content-length", "x-amz-target", "host", "authorization")
]


class LoopPassGeneration:
    """The store's generation, read at most once per pass of the event loop and shared by
    the requests that pass handles: the read is a third of a cached answer's cost.

    asyncio runs callbacks in the order they were queued, and forgetting the read is queued
    right after it is made. So every step that uses the read was queued before it was made;
    the server (uvicorn) queues a request's first step once the request is in, and a step
    that awaited the body once the body is. The read is thus later than the arrival of each
    request that uses it, as a read of its own would be: a commit that finished before a
    client sent its request is counted. A caller that drives the app itself, several
    requests in one step, is not served by a server: a second request of the step's task
    reads again.
    """

    def __init__(self, read):
        self._read = read
        self._loop = self._task = self._value = None  # _loop is None when nothing is kept

    def __call__(self):
        loop, task = asyncio.get_running_loop(), asyncio.current_task()
        if self._loop is not loop or self._task is task:
            self._value, self._loop, self._task = self._read(), loop, task
            loop.call_soon(self._forget)
        return self._value

    def _forget(self) -> None:
        self._loop = self._task = self._value = None


class GlueEndpoint:
    """The ASGI app for ``POST /``; with a SigV4 verifier, unsigned requests are refused."""

    def __init__(self, dispatcher: Dispatcher):
        self.dispatcher = dispatcher
        self._generations: dict = {}  # a database (one per scope) -> its LoopPassGeneration

    def generation(self, db):
        found = self._generations.get(db)
        if found is None:
            found = self._generations[db] = LoopPassGeneration(db.generation)
        return found()

    def _headers(self, raw: list[tuple[bytes, bytes]]) -> dict:
        if self.dispatcher.verifier is not None:
            return {k.decode("latin-1"): v.decode("latin-1") for k, v in raw}
        by_name = dict(raw)  # ASGI servers send names in lower case
        return {name: value.decode("latin-1") for name, key in _PROTOCOL_HEADERS if (value := by_name.get(key)) is not None}

    async def _answer(self, scope, receive, headers: dict) -> bytes:
        if self.dispatcher.verifier is not None:
            # before reading what an unknown client sends
            self.dispatcher.verifier.check_headers(headers, service=signing_name(headers.get("x-amz-target")))
        body = await _read_body(receive, headers)
        url = _url(scope, headers) if self.dispatcher.verifier is not None else ""  # only signatures cover it
        call = self.dispatcher.prepare(scope["method"], url, headers, body, self.generation)
        if call.cached is not None or call.route.on_loop(call.params):
            return self.dispatcher.execute(call)
        return await run_in_threadpool(self.dispatcher.execute, call)

    async def __call__(self, scope, receive, send) -> None:
        await respond(send, self._answer(scope, receive, self._headers(scope["headers"])))


async def respond(send, answering) -> None:
    """Send the body ``answering`` (a coroutine) gives, or the error it raises, as Glue's wire
    does; nothing when the client went away."""
    request_id = new_request_id()
    try:
        status, body, code = 200, await answering, None
    except ConnectionAbortedError:
        return
    except Exception as exc:
        status, body, code = Dispatcher.failure(exc, request_id)
    await send({"type": "http.response.start", "status": status, "headers": _raw_response_headers(body, request_id, code)})
    await send({"type": "http.response.body", "body": body})
