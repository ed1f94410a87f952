"""The AWS JSON 1.1 endpoint: ``POST /`` with ``X-Amz-Target: AWSGlue.<Operation>``.

A plain ASGI app, because it is the hot path: it turns a request into (operation, validated
params), calls the service handler, and answers with the output shape's JSON or a modelled
error. Read-only handlers run on the event loop (a thread hop costs more than their query);
the rest run in the thread pool, since they may wait on locks, S3 or the network.
"""

import logging
import random
from dataclasses import dataclass

import orjson
from starlette.concurrency import run_in_threadpool

from ..service import registry
from . import errors
from .cache import UNCHECKED, ResponseCache
from .model import operation, target_prefix
from .serialize import serializer
from .validate import validate

log = logging.getLogger("glueprint.protocol")

CONTENT_TYPE = "application/x-amz-json-1.1"
ACCEPTED_CONTENT_TYPES = {CONTENT_TYPE, "application/x-amz-json-1.0", "application/json"}
MAX_BODY_BYTES = 4 * 1024 * 1024


def new_request_id() -> str:
    """A version 4 UUID, as AWS's request ids are. Not a secret, so from the fast generator:
    uuid4() reads the kernel's entropy, a tenth of a cached answer's time."""
    digits = f"{random.getrandbits(128):032x}"
    variant = "89ab"[int(digits[16], 16) & 3]
    return f"{digits[:8]}-{digits[8:12]}-4{digits[13:16]}-{variant}{digits[17:20]}-{digits[20:]}"


def error_body(exc: errors.ServiceError) -> bytes:
    return orjson.dumps({"__type": exc.code, "Message": exc.message})


def _operation_name(headers: dict) -> str:
    target = headers.get("x-amz-target")
    if not target:
        raise errors.UnknownOperationException("Missing X-Amz-Target header: expected AWSGlue.<Operation>.")
    prefix, _, name = target.partition(".")
    if prefix != target_prefix() or operation(name) is None:
        raise errors.UnknownOperationException(f"Unknown operation {target}: this endpoint serves AWSGlue.<Operation>.")
    if registry.handler(name) is None:
        raise errors.UnknownOperationException(
            f"Operation {name} is part of AWS Glue but glueprint does not implement it; "
            f"implemented: {', '.join(registry.implemented())}."
        )
    return name


async def _read_body(receive, headers: dict) -> bytes:
    declared = headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise errors.RequestEntityTooLargeException(f"Request body exceeds {MAX_BODY_BYTES} bytes.")
    chunks, size, more = [], 0, True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ConnectionAbortedError
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise errors.RequestEntityTooLargeException(f"Request body exceeds {MAX_BODY_BYTES} bytes.")
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)


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

    name: str
    params: dict
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

    def prepare(self, method: str, url: str, headers: dict, body: bytes) -> Call:
        media_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type not in ACCEPTED_CONTENT_TYPES:
            raise errors.SerializationException(f"Unsupported Content-Type '{media_type}': send {CONTENT_TYPE}.")
        denied = self.verifier.verify(method, url, headers, body) if self.verifier is not None else frozenset()
        name = _operation_name(headers)
        if name in denied:
            raise errors.AccessDeniedException(f"The credentials that signed this request may not call {name}.")
        version_of = registry.version_of(name)
        if version_of is None:
            return Call(name, validate(operation(name).input_shape, _parse(body)))
        key = (name, body)
        entry = self.cache.get(key)
        generation = self.ctx.db.generation()  # read first: whatever is read after is as new
        if entry is not None:  # this very body was answered before: it is valid
            if generation is not None and generation == entry.generation:
                return Call(name, entry.params, cached=entry.answer)  # nothing was committed since
            version = version_of(self.ctx, entry.params)
            if version == entry.version:
                if generation is not None:
                    self.cache.put(key, entry.params, version, entry.answer, generation)
                return Call(name, entry.params, cached=entry.answer)
            return Call(name, entry.params, key, version, generation)
        params = validate(operation(name).input_shape, _parse(body))
        if generation is not None:  # its version is read only if a commit makes one needed
            return Call(name, params, key, UNCHECKED, generation)
        return Call(name, params, key, version_of(self.ctx, params))

    def execute(self, call: Call) -> bytes:
        if call.cached is not None:
            return call.cached
        result = registry.handler(call.name)(self.ctx, call.params)
        answer = serializer(operation(call.name).output_shape)(result)
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


def response_headers(body: bytes, request_id: str, error_code: str | None) -> list[tuple[str, str]]:
    headers = [("content-type", CONTENT_TYPE), ("content-length", str(len(body))), ("x-amzn-requestid", request_id)]
    if error_code:
        headers.append(("x-amzn-errortype", error_code))
    return headers


class GlueEndpoint:
    """The ASGI app for ``POST /``; with a SigV4 verifier, unsigned requests are refused."""

    def __init__(self, dispatcher: Dispatcher):
        self.dispatcher = dispatcher

    async def _answer(self, scope, receive, headers: dict) -> bytes:
        body = await _read_body(receive, headers)
        url = _url(scope, headers) if self.dispatcher.verifier is not None else ""  # only signatures cover it
        call = self.dispatcher.prepare(scope["method"], url, headers, body)
        if call.cached is not None or registry.is_read_only(call.name):
            return self.dispatcher.execute(call)
        return await run_in_threadpool(self.dispatcher.execute, call)

    async def __call__(self, scope, receive, send) -> None:
        request_id = new_request_id()
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        try:
            status, body, code = 200, await self._answer(scope, receive, headers), None
        except ConnectionAbortedError:
            return
        except Exception as exc:
            status, body, code = Dispatcher.failure(exc, request_id)
        raw_headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response_headers(body, request_id, code)]
        await send({"type": "http.response.start", "status": status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": body})
