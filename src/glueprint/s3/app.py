"""The S3 endpoint as an ASGI app: a request's bucket and key (path-style, or
``<bucket>.localhost`` virtual-hosted), its signature when keys are required, its operation
(routing.py), and the reply (XML, a file streamed in ranges, or an ``<Error>``)."""

import logging
from urllib.parse import parse_qsl

import anyio

from glueprint.protocol.dispatch import new_request_id
from glueprint.protocol.sigv4 import Verifier

from . import auth, routing, xml
from . import operations as ops
from .body import Body
from .errors import S3Error
from .storage import ObjectStore

log = logging.getLogger("glueprint.s3")
READ_CHUNK = 1024 * 1024


def _bucket_and_key(scope, headers) -> tuple[str, str]:
    host = headers.get("host", "").rsplit(":", 1)[0]
    path = scope["path"].lstrip("/")
    if host.endswith(".localhost"):  # virtual-hosted style, as SDKs address a host name
        return host.removesuffix(".localhost"), path
    bucket, _, key = path.partition("/")
    return bucket, key


class S3App:
    def __init__(self, store: ObjectStore, region: str, verifier: Verifier | None = None):
        self.store = store
        self.region = region
        self.verifier = verifier

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            return  # the Glue app owns the process's lifespan
        if scope["type"] != "http":
            return
        request_id = new_request_id()
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        method = scope["method"]
        bucket, key = _bucket_and_key(scope, headers)
        query = dict(parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True))
        request_body = Body(receive, headers)
        try:
            reply = await self._answer(scope, method, bucket, key, query, headers, request_body)
        except ops.NotModified as exc:
            reply = ops.Reply(304, [(h, v) for h, v in ops._object_headers(exc.info) if h in ("etag", "last-modified")])
        except S3Error as exc:
            body = b"" if method == "HEAD" else xml.error_body(exc, scope["path"], request_id)
            reply = ops.Reply(exc.status, [("content-type", "application/xml")] if body else [], body)
        except Exception:
            log.exception("S3 request %s failed", request_id)
            exc = S3Error("InternalError", f"Internal error; request id {request_id}.")
            body = b"" if method == "HEAD" else xml.error_body(exc, scope["path"], request_id)
            reply = ops.Reply(500, [("content-type", "application/xml")] if body else [], body)
        if not request_body.consumed:
            # A body left unread (an error answered first, or a client waiting on 100-continue)
            # would be read as the next request: this connection ends with the reply.
            reply.headers.append(("connection", "close"))
        await self._send(send, reply, request_id, method)

    async def _answer(self, scope, method, bucket, key, query, headers, body: Body) -> ops.Reply:
        if self.verifier is not None:
            raw_path = scope.get("raw_path", scope["path"].encode()).decode("latin-1")
            verified = auth.verify(self.verifier, method, raw_path, scope["query_string"].decode("latin-1"), headers)
            body.signed_by(verified.chunks)
        name = routing.operation_for(method, bucket, key, query, headers, ops.HANDLERS)
        handler = ops.HANDLERS[name]
        call = ops.Call(method, bucket, key, query, headers, body, self.region)
        log.debug("S3 %s %s/%s", name, bucket, key)
        return await handler(call, self.store)

    async def _send(self, send, reply: ops.Reply, request_id: str, method: str) -> None:
        headers = [(k.encode("latin-1"), v.encode("latin-1", "replace")) for k, v in reply.headers]
        headers.append((b"x-amz-request-id", request_id.encode()))
        length = reply.file[2] if reply.file else len(reply.body)
        if not any(k == b"content-length" for k, _ in headers):
            headers.append((b"content-length", str(length).encode()))
        await send({"type": "http.response.start", "status": reply.status, "headers": headers})
        if method == "HEAD" or reply.file is None:
            await send({"type": "http.response.body", "body": b"" if method == "HEAD" else reply.body})
            return
        path, offset, left = reply.file
        async with await anyio.open_file(path, "rb") as f:
            await f.seek(offset)
            while left > 0:
                chunk = await f.read(min(READ_CHUNK, left))
                if not chunk:
                    break  # the file shrank under us: the client sees a short body
                left -= len(chunk)
                await send({"type": "http.response.body", "body": chunk, "more_body": left > 0})
        if left > 0:
            await send({"type": "http.response.body", "body": b""})
