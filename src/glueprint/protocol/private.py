"""glueprint's private operations: calls the job scripts' library makes that AWS has no public
operation for (saving a job bookmark at ``Job.commit()``).

``POST /_glueprint/private``, AWS JSON 1.1 with ``X-Amz-Target: GlueprintPrivate.<Operation>``,
SigV4-signed for service ``glue`` with the calling run's own key, whatever the server's
``--auth``: a handler learns which run called from the verified key, never from the body.
"""

from collections.abc import Callable

import orjson
from starlette.concurrency import run_in_threadpool

from . import errors
from .dispatch import _parse, _read_body, _url, respond
from .sigv4 import Verifier

PRIVATE_PATH = "/_glueprint/private"
TARGET_PREFIX = "GlueprintPrivate."
SIGNING_NAME = "glue"

Handler = Callable[[str, dict], dict]  # (the caller's verified access key, the request) -> answer


def access_key_of(headers: dict) -> str:
    """The access key of a request whose signature was verified."""
    credential = headers["authorization"].split("Credential=", 1)[1]
    return credential.split("/", 1)[0]


class PrivateEndpoint:
    """The ASGI app for the private path: run keys only (``verifier`` resolves them)."""

    def __init__(self, verifier: Verifier, handlers: dict[str, Handler]):
        self.verifier, self.handlers = verifier, handlers

    async def _answer(self, scope, receive, headers: dict) -> bytes:
        target = headers.get("x-amz-target", "")
        handler = self.handlers.get(target.removeprefix(TARGET_PREFIX)) if target.startswith(TARGET_PREFIX) else None
        if handler is None:
            raise errors.UnknownOperationException(f"{target or 'A request without X-Amz-Target'} is not a glueprint operation.")
        self.verifier.check_headers(headers, service=SIGNING_NAME)
        body = await _read_body(receive, headers)
        self.verifier.verify(scope["method"], _url(scope, headers), headers, body, service=SIGNING_NAME)
        params = _parse(body)
        return orjson.dumps(await run_in_threadpool(handler, access_key_of(headers), params))

    async def __call__(self, scope, receive, send) -> None:
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        await respond(send, self._answer(scope, receive, headers))
