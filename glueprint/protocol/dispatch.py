"""The AWS JSON 1.1 endpoint: ``POST /`` with ``X-Amz-Target: AWSGlue.<Operation>``.

Turns a request into (operation, validated params), calls the service handler off the
event loop, and answers with the output shape's JSON or a modelled error.
"""

import logging
import uuid

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ..service import registry
from . import errors
from .model import operation, target_prefix
from .serialize import serialize
from .validate import validate

log = logging.getLogger("glueprint.protocol")

CONTENT_TYPE = "application/x-amz-json-1.1"
ACCEPTED_CONTENT_TYPES = {CONTENT_TYPE, "application/x-amz-json-1.0", "application/json"}
MAX_BODY_BYTES = 4 * 1024 * 1024


def _response(status: int, body: bytes, request_id: str, error_code: str | None = None) -> Response:
    headers = {"x-amzn-RequestId": request_id}
    if error_code:
        headers["X-Amzn-ErrorType"] = error_code
    return Response(body, status_code=status, headers=headers, media_type=CONTENT_TYPE)


def error_response(exc: errors.ServiceError, request_id: str) -> Response:
    body = orjson.dumps({"__type": exc.code, "Message": exc.message})
    return _response(exc.status, body, request_id, exc.code)


def _operation_name(request: Request) -> str:
    target = request.headers.get("x-amz-target")
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


async def _read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise errors.RequestEntityTooLargeException(f"Request body exceeds {MAX_BODY_BYTES} bytes.")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise errors.RequestEntityTooLargeException(f"Request body exceeds {MAX_BODY_BYTES} bytes.")
        chunks.append(chunk)
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


def make_endpoint(ctx, verifier=None):
    """The Starlette endpoint for ``POST /``; with a SigV4 verifier, unsigned requests are refused."""

    async def endpoint(request: Request) -> Response:
        request_id = str(uuid.uuid4())
        try:
            media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if media_type not in ACCEPTED_CONTENT_TYPES:
                raise errors.SerializationException(f"Unsupported Content-Type '{media_type}': send {CONTENT_TYPE}.")
            body = await _read_body(request)
            if verifier is not None:
                verifier.verify(request.method, str(request.url), request.headers, body)
            name = _operation_name(request)
            params = validate(operation(name).input_shape, _parse(body))
            result = await run_in_threadpool(registry.handler(name), ctx, params)
            return _response(200, serialize(operation(name).output_shape, result), request_id)
        except errors.ServiceError as exc:
            return error_response(exc, request_id)
        except Exception:
            log.exception("request %s failed", request_id)
            fault = errors.InternalServiceException(f"Internal error; request id {request_id}.")
            return error_response(fault, request_id)

    return endpoint
