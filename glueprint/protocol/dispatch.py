"""The AWS JSON 1.1 endpoint: ``POST /`` with ``X-Amz-Target: AWSGlue.<Operation>``.

A plain ASGI app, because it is the hot path: it turns a request into (operation, validated
params), calls the service handler, and answers with the output shape's JSON or a modelled
error. Read-only handlers run on the event loop (a thread hop costs more than their query);
the rest run in the thread pool, since they may wait on locks, S3 or the network.
"""

import logging
import uuid

import orjson
from starlette.concurrency import run_in_threadpool

from ..service import registry
from . import errors
from .cache import ResponseCache
from .model import operation, target_prefix
from .serialize import serializer
from .validate import validate

log = logging.getLogger("glueprint.protocol")

CONTENT_TYPE = "application/x-amz-json-1.1"
ACCEPTED_CONTENT_TYPES = {CONTENT_TYPE, "application/x-amz-json-1.0", "application/json"}
MAX_BODY_BYTES = 4 * 1024 * 1024
_CONTENT_TYPE_HEADER = (b"content-type", CONTENT_TYPE.encode())


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


class GlueEndpoint:
    """The ASGI app for ``POST /``; with a SigV4 verifier, unsigned requests are refused."""

    def __init__(self, ctx, verifier=None):
        self.ctx = ctx
        self.verifier = verifier
        self.cache = ResponseCache()

    async def _answer(self, scope, receive, headers: dict) -> tuple[int, bytes, str | None]:
        media_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type not in ACCEPTED_CONTENT_TYPES:
            raise errors.SerializationException(f"Unsupported Content-Type '{media_type}': send {CONTENT_TYPE}.")
        body = await _read_body(receive, headers)
        if self.verifier is not None:
            self.verifier.verify(scope["method"], _url(scope, headers), headers, body)
        name = _operation_name(headers)
        model = operation(name)
        params = validate(model.input_shape, _parse(body))
        version_of = registry.version_of(name)
        version = version_of(self.ctx, params) if version_of else None
        if version is not None:
            key = (name, orjson.dumps(params, option=orjson.OPT_SORT_KEYS))
            cached = self.cache.get(key, version)
            if cached is not None:
                return 200, cached, None
        handler = registry.handler(name)
        if registry.is_read_only(name):
            result = handler(self.ctx, params)
        else:
            result = await run_in_threadpool(handler, self.ctx, params)
        answer = serializer(model.output_shape)(result)
        if version is not None:
            self.cache.put(key, version, answer)
        return 200, answer, None

    async def __call__(self, scope, receive, send) -> None:
        request_id = str(uuid.uuid4())
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        try:
            status, body, code = await self._answer(scope, receive, headers)
        except errors.ServiceError as exc:
            status, body, code = exc.status, error_body(exc), exc.code
        except ConnectionAbortedError:
            return
        except Exception:
            log.exception("request %s failed", request_id)
            fault = errors.InternalServiceException(f"Internal error; request id {request_id}.")
            status, body, code = fault.status, error_body(fault), fault.code
        response_headers = [
            _CONTENT_TYPE_HEADER,
            (b"content-length", str(len(body)).encode()),
            (b"x-amzn-requestid", request_id.encode()),
        ]
        if code:
            response_headers.append((b"x-amzn-errortype", code.encode()))
        await send({"type": "http.response.start", "status": status, "headers": response_headers})
        await send({"type": "http.response.body", "body": body})
