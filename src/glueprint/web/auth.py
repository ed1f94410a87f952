"""The dashboard behind the same keys as the API: with --auth sigv4, every page asks for
HTTP Basic authentication, an access key id as the user name and its secret key as the
password (a browser cannot sign requests with SigV4)."""

import base64
import binascii

from starlette.responses import PlainTextResponse

from ..protocol.sigv4 import Verifier

CHALLENGE = {"WWW-Authenticate": 'Basic realm="glueprint", charset="UTF-8"'}


def _authorized(scope, verifier: Verifier) -> bool:
    header = dict(scope["headers"]).get(b"authorization", b"")
    scheme, _, encoded = header.partition(b" ")
    if scheme.lower() != b"basic":
        return False
    try:
        user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return verifier.accepts_password(user, password)


def require_keys(site, verifier: Verifier):
    """The site, answering 401 to any HTTP request without a configured key pair."""

    async def guarded(scope, receive, send):
        if scope["type"] == "http" and not _authorized(scope, verifier):
            response = PlainTextResponse("Authentication required: an access key id and its secret key.", 401, CHALLENGE)
            await response(scope, receive, send)
            return
        await site(scope, receive, send)

    return guarded
