"""Opaque NextToken values: a keyset position, bound to the request, signed with the store's key.

The key lives in the database, so a token stays valid across restarts and across every
server process sharing that database. A token altered, forged, or reused with other
request parameters is rejected with InvalidInputException (or the error the caller names:
CloudWatch Logs answers InvalidParameterException).
"""

import binascii
import functools
import hashlib
import hmac

import orjson

from ..protocol import errors

_MAC_BYTES = 16
_TO_URLSAFE = bytes.maketrans(b"+/", b"-_")
_FROM_URLSAFE = bytes.maketrans(b"-_", b"+/")


# base64url without padding; binascii's own calls, since base64's wrappers cost more than the
# coding on a token this short.
def _b64(data: bytes) -> str:
    return binascii.b2a_base64(data, newline=False).translate(_TO_URLSAFE).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    """Raises ValueError (binascii.Error, UnicodeEncodeError) on anything that is not base64url."""
    return binascii.a2b_base64(text.encode("ascii").translate(_FROM_URLSAFE) + b"=" * (-len(text) % 4), strict_mode=True)


def _binding(operation: str, scope: dict) -> str:
    return _digest(orjson.dumps([operation, scope], option=orjson.OPT_SORT_KEYS))


@functools.lru_cache(maxsize=4096)  # a client paging asks for the same binding page after page
def _digest(request: bytes) -> str:
    return hashlib.sha256(request).hexdigest()[:16]


class Tokens:
    def __init__(self, key: bytes):
        self._key = key

    def _mac(self, body: bytes) -> bytes:
        # Keyed BLAKE2b is a MAC by design, and a third of the cost of HMAC-SHA256 here.
        return hashlib.blake2b(body, key=self._key, digest_size=_MAC_BYTES, person=b"glueprint token").digest()

    def issue(self, operation: str, scope: dict, position: list) -> str:
        body = orjson.dumps({"b": _binding(operation, scope), "p": position})
        return _b64(body) + "." + _b64(self._mac(body))

    def position(
        self, operation: str, scope: dict, token: str | None, types: tuple[type, ...] = (str,), error=None
    ) -> list | None:
        """The keyset position a token carries (one value of each of types), or None when
        there is no token."""
        if token is None:
            return None
        error = error or errors.InvalidInputException
        try:
            body_text, mac_text = token.split(".")
            body, mac = _unb64(body_text), _unb64(mac_text)
            valid = hmac.compare_digest(mac, self._mac(body))
            payload = orjson.loads(body) if valid else None
        except (ValueError, orjson.JSONDecodeError):
            valid = False
        if not valid or not isinstance(payload, dict) or not isinstance(payload.get("p"), list):
            raise error("Invalid NextToken: it was not issued by this service.")
        if payload.get("b") != _binding(operation, scope):
            raise error("Invalid NextToken: it belongs to a different request.")
        position = payload["p"]
        # Even a token signed with the right key must carry a position of the right shape.
        shaped = len(position) == len(types) and all(
            isinstance(v, t) and not isinstance(v, bool) for v, t in zip(position, types, strict=True)
        )
        if not shaped:
            raise error("Invalid NextToken: it was not issued by this service.")
        return position
