"""SigV4 as S3 checks it, with the Glue side's keys (protocol.sigv4.Verifier) and botocore's
own S3 signer: the payload hash is whatever x-amz-content-sha256 says (a hex SHA-256 that the
body must then match, UNSIGNED-PAYLOAD, or a STREAMING-* aws-chunked body whose chunk
signatures chain from the request's), and presigned URLs carry it all in their query.

Errors are S3's: AccessDenied, InvalidAccessKeyId, AuthorizationHeaderMalformed,
SignatureDoesNotMatch, RequestTimeTooSkewed.
"""

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, quote

from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from glueprint.protocol.sigv4 import ALGORITHM, MAX_SKEW, Verifier

from .errors import S3Error

UNSIGNED = "UNSIGNED-PAYLOAD"
SIGNED_CHUNKS = ("STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER")
UNSIGNED_CHUNKS = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
MAX_PRESIGNED_EXPIRY = 7 * 24 * 3600
_PARTS = re.compile(r"(Credential|SignedHeaders|Signature)=([^,\s]+)")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_MISMATCH = "The request signature we calculated does not match the signature you provided. Check your key and signing method."


@dataclass
class ChunkSigning:
    """What checks an aws-chunked body's chunk signatures: each signs its data and the one before."""

    key: bytes
    amz_date: str
    scope: str
    previous: str

    def check(self, signature: str, data_sha256: str) -> None:
        to_sign = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", self.amz_date, self.scope, self.previous, EMPTY_SHA256, data_sha256])
        expected = hmac.new(self.key, to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected.encode(), signature.encode()):
            raise S3Error("SignatureDoesNotMatch", _MISMATCH)
        self.previous = signature


@dataclass
class Verified:
    chunks: ChunkSigning | None = None  # set for a signed aws-chunked body


def _signing_key(secret: str, date: str, region: str) -> bytes:
    key = f"AWS4{secret}".encode()
    for part in (date, region, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def _credential(verifier: Verifier, credential: str) -> tuple[str, str, str, str]:
    scope = credential.split("/")
    if len(scope) != 5 or scope[3] != "s3" or scope[4] != "aws4_request":
        raise S3Error(
            "AuthorizationHeaderMalformed",
            f'The authorization header is malformed; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/s3/aws4_request". ({credential})',
        )
    access_key, date, region = scope[:3]
    found = verifier.secret_of(access_key)
    if found is None:
        raise S3Error(
            "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", AWSAccessKeyId=access_key
        )
    return access_key, found[0], date, region


def _signed_at(amz_date: str, now: datetime) -> datetime:
    try:
        signed_at = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise S3Error("AccessDenied", f"X-Amz-Date {amz_date!r} is not in ISO-8601 basic format.") from None
    return signed_at


def verify(verifier: Verifier, method: str, raw_path: str, query: str, headers, now: datetime | None = None) -> Verified:
    """Check a request's signature (header or presigned); the body is checked as it arrives."""
    now = now or datetime.now(UTC)
    params = parse_qsl(query, keep_blank_values=True)
    if any(k == "X-Amz-Signature" for k, _ in params):
        return _verify_presigned(verifier, method, raw_path, params, headers, now)
    header = headers.get("authorization")
    if any(k == "AWSAccessKeyId" for k, _ in params) or (header or "").startswith("AWS "):
        raise S3Error(
            "AccessDenied",
            "glueprint accepts Signature Version 4 only; with boto3, presign with Config(signature_version='s3v4')",
        )
    if not header:
        raise S3Error("AccessDenied", "Access Denied: the request is not signed (glueprint runs with --auth sigv4)")
    if not header.startswith(ALGORITHM + " "):
        raise S3Error("InvalidArgument", f"Unsupported Authorization Type: use {ALGORITHM}")
    parts = dict(_PARTS.findall(header))
    if len(parts) != 3:
        raise S3Error(
            "AuthorizationHeaderMalformed",
            "The authorization header is malformed; it needs Credential, SignedHeaders and Signature.",
        )
    access_key, secret, date, region = _credential(verifier, parts["Credential"])
    amz_date = headers.get("x-amz-date") or ""
    signed_at = _signed_at(amz_date, now)
    if date != amz_date[:8]:
        raise S3Error(
            "AuthorizationHeaderMalformed",
            f"The authorization header is malformed; Invalid credential date. Date is not the same as X-Amz-Date: {date}.",
        )
    if abs(now - signed_at) > MAX_SKEW:
        raise S3Error("RequestTimeTooSkewed", "The difference between the request time and the current time is too large.")
    payload = headers.get("x-amz-content-sha256")
    if payload is None:
        raise S3Error("InvalidRequest", "Missing required header for this request: x-amz-content-sha256")
    if payload not in (UNSIGNED, UNSIGNED_CHUNKS, *SIGNED_CHUNKS) and not _HEX64.fullmatch(payload):
        raise S3Error(
            "InvalidArgument",
            f"x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-... or the hex SHA-256 of the body, not {payload!r}",
        )
    signed = parts["SignedHeaders"].split(";")
    if "host" not in signed:
        raise S3Error("AccessDenied", "The host header must be signed.")
    request = AWSRequest(method=method, url=_url(headers, raw_path, params), headers={h: headers.get(h, "") for h in signed})
    request.context["timestamp"] = amz_date
    signer = S3SigV4Auth(Credentials(access_key, secret), "s3", region)
    _compare(signer, request, parts["Signature"])
    chunks = None
    if payload in SIGNED_CHUNKS:
        scope = f"{date}/{region}/s3/aws4_request"
        chunks = ChunkSigning(_signing_key(secret, date, region), amz_date, scope, parts["Signature"])
    return Verified(chunks)


def _verify_presigned(verifier: Verifier, method: str, raw_path: str, params: list, headers, now: datetime) -> Verified:
    values = dict(params)
    if values.get("X-Amz-Algorithm") != ALGORITHM:
        raise S3Error("InvalidArgument", f"X-Amz-Algorithm only supports {ALGORITHM}")
    access_key, secret, date, region = _credential(verifier, values.get("X-Amz-Credential", ""))
    amz_date = values.get("X-Amz-Date", "")
    signed_at = _signed_at(amz_date, now)
    try:
        expires = int(values.get("X-Amz-Expires", ""))
    except ValueError:
        raise S3Error("InvalidArgument", "X-Amz-Expires should be a number") from None
    if not 0 < expires <= MAX_PRESIGNED_EXPIRY:
        raise S3Error("InvalidArgument", "X-Amz-Expires must be between 1 and 604800 seconds")
    if now > signed_at + timedelta(seconds=expires):
        raise S3Error("AccessDenied", "Request has expired")
    if signed_at - now > MAX_SKEW:
        raise S3Error("AccessDenied", "Request is not valid yet")
    signed = values.get("X-Amz-SignedHeaders", "").split(";")
    if "host" not in signed:
        raise S3Error("AccessDenied", "The host header must be signed.")
    request = AWSRequest(
        method=method,
        url=_url(headers, raw_path, [p for p in params if p[0] != "X-Amz-Signature"]),
        headers={h: headers.get(h, "") for h in signed},
    )
    request.context["timestamp"] = amz_date
    signer = S3SigV4QueryAuth(Credentials(access_key, secret), "s3", region, expires=expires)
    _compare(signer, request, values["X-Amz-Signature"])
    return Verified()


def _url(headers, raw_path: str, params: list[tuple[str, str]]) -> str:
    """The URL botocore's signer reads: the path as sent, the query encoded as SigV4 says."""
    query = "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in params)
    return f"http://{headers.get('host', 'localhost')}{raw_path}" + (f"?{query}" if query else "")


def _compare(signer, request: AWSRequest, given: str) -> None:
    expected = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
    if not hmac.compare_digest(expected.encode(), given.encode()):
        raise S3Error("SignatureDoesNotMatch", _MISMATCH)
