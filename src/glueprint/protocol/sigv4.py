"""Verifying AWS Signature Version 4 on incoming requests, with botocore's own signer.

The signature is recomputed over exactly the headers the client says it signed, at the
time it says it signed, and compared in constant time. Errors are those AWS JSON services
answer: MissingAuthenticationToken, IncompleteSignature, UnrecognizedClient, InvalidSignature.
"""

import configparser
import hashlib
import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from . import errors
from .model import SERVICE_NAME, service_model

ALGORITHM = "AWS4-HMAC-SHA256"
MAX_SKEW = timedelta(minutes=15)
_PARTS = re.compile(r"(Credential|SignedHeaders|Signature)=([^,\s]+)")


def credential_scope(headers) -> tuple[str | None, str | None]:
    """The access key and region a request says it was signed with: (None, None) when it is
    unsigned or its Authorization header is not SigV4's (a verifier, if any, refuses it)."""
    header = headers.get("authorization") or ""
    start = header.find("Credential=")  # read on every request: string search, not the verifier's regex
    if start < 0 or not header.startswith(ALGORITHM):
        return None, None
    end = header.find(",", start)
    credential = header[start + len("Credential=") : end if end >= 0 else len(header)].strip().split("/")
    if len(credential) != 5:
        return None, None
    return credential[0], credential[2]


@dataclass
class Verifier:
    secrets: dict[str, str]  # access key id -> secret key
    # Keys issued on the fly (a run's own): access key id -> (secret, operations it may not call).
    resolve: Callable[[str], tuple[str, frozenset[str]] | None] = field(default=lambda _key: None)

    def secret_of(self, access_key: str) -> tuple[str, frozenset[str]] | None:
        secret = self.secrets.get(access_key)
        return (secret, frozenset()) if secret is not None else self.resolve(access_key)

    def accepts_password(self, access_key: str, secret: str) -> bool:
        """For the dashboard's Basic authentication: a configured key pair (never a run's)."""
        expected = self.secrets.get(access_key)
        return expected is not None and hmac.compare_digest(expected.encode(), secret.encode())

    @classmethod
    def from_sources(cls, access_key: str | None, secret_key: str | None, credentials_file: str | None) -> "Verifier":
        secrets = {}
        if access_key or secret_key:
            if not (access_key and secret_key):
                raise ValueError("--access-key and --secret-key go together")
            secrets[access_key] = secret_key
        if credentials_file:
            parser = configparser.ConfigParser()
            parser.read(credentials_file)
            for section in parser.sections():
                key, secret = parser[section].get("aws_access_key_id"), parser[section].get("aws_secret_access_key")
                if key and secret:
                    secrets[key] = secret
        if not secrets:
            raise ValueError("--auth sigv4 needs credentials: --access-key/--secret-key or --credentials-file")
        return cls(secrets)

    def verify(
        self, method: str, url: str, headers, body: bytes, now: datetime | None = None, service: str | None = None
    ) -> frozenset[str]:
        """Check the request's signature, made for service (its SigV4 name; Glue's by default);
        return the operations its key may not call."""
        parts, access_key, secret, denied, amz_date, region, scoped_service = self._check_headers(headers, now, service)
        claimed = headers.get("x-amz-content-sha256")
        if claimed is not None and not hmac.compare_digest(claimed.encode(), hashlib.sha256(body).hexdigest().encode()):
            # The signature covers this header, not the body: the header must be the body's hash
            # (UNSIGNED-PAYLOAD is for S3 streams, never for this JSON API).
            raise errors.InvalidSignatureException(
                "The provided 'x-amz-content-sha256' header does not match what was computed: "
                "it must be the hex SHA-256 of the request body."
            )
        request = AWSRequest(
            method=method, url=url, data=body, headers={h: headers.get(h, "") for h in parts["SignedHeaders"].split(";")}
        )
        request.context["timestamp"] = amz_date
        signer = SigV4Auth(Credentials(access_key, secret), scoped_service, region)
        expected = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
        if not hmac.compare_digest(expected.encode(), parts["Signature"].encode()):
            raise errors.InvalidSignatureException(
                "The request signature we calculated does not match the signature you provided. "
                "Check your AWS Secret Access Key and signing method."
            )
        return denied

    def check_headers(self, headers, now: datetime | None = None, service: str | None = None) -> None:
        """Everything verify checks before the body: a request that fails here is refused
        before its body is read (an unknown key sends nothing the server keeps)."""
        self._check_headers(headers, now, service)

    def _check_headers(self, headers, now: datetime | None, service: str | None):
        header = headers.get("authorization")
        if not header:
            raise errors.MissingAuthenticationTokenException("Request is missing Authentication Token")
        if not header.startswith(ALGORITHM + " "):
            raise errors.IncompleteSignatureException(f"Authorization header must use {ALGORITHM}.")
        parts = dict(_PARTS.findall(header))
        missing = [p for p in ("Credential", "SignedHeaders", "Signature") if p not in parts]
        if missing:
            raise errors.IncompleteSignatureException(
                f"Authorization header requires {', '.join(repr(m) for m in missing)} parameter(s). Authorization={header}"
            )
        scope = parts["Credential"].split("/")
        if len(scope) != 5 or scope[4] != "aws4_request":
            raise errors.IncompleteSignatureException(
                "Credential must have the form <access key>/<date>/<region>/<service>/aws4_request."
            )
        access_key, scope_date, region, scoped_service, _ = scope
        found = self.secret_of(access_key)
        if found is None:
            raise errors.UnrecognizedClientException("The security token included in the request is invalid.")
        secret, denied = found
        amz_date = headers.get("x-amz-date")
        if not amz_date:
            raise errors.IncompleteSignatureException("Authorization requires an X-Amz-Date header.")
        try:
            signed_at = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        except ValueError:
            raise errors.IncompleteSignatureException(f"X-Amz-Date {amz_date!r} is not in ISO-8601 basic format.") from None
        if scope_date != amz_date[:8]:
            raise errors.InvalidSignatureException(
                f"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
                f"'{scope_date}' != '{amz_date[:8]}'"
            )
        expected_service = service or service_model(SERVICE_NAME).signing_name
        if scoped_service != expected_service:
            raise errors.InvalidSignatureException(f"Credential should be scoped to correct service: '{expected_service}'.")
        now = now or datetime.now(UTC)
        if abs(now - signed_at) > MAX_SKEW:
            raise errors.InvalidSignatureException(
                f"Signature expired or not yet valid: {amz_date} is more than 15 minutes from the server time "
                f"{now.strftime('%Y%m%dT%H%M%SZ')}."
            )
        signed = parts["SignedHeaders"].split(";")
        if "host" not in signed:
            raise errors.InvalidSignatureException("The host header must be signed.")
        if "x-amz-target" not in signed:
            # The target names the operation: unsigned, anyone on the path could turn a signed
            # read into a delete. botocore and the other SDKs sign every x-amz-* header.
            raise errors.InvalidSignatureException("The x-amz-target header must be signed: it names the operation.")
        return parts, access_key, secret, denied, amz_date, region, scoped_service
